// Keyboard shortcuts, documented at /about/shortcuts/. Progressive enhancement only.
// "/" moves the focus to the search box: the page's own (search page) or the header's.
(function () {
  "use strict";

  function typingIn(element) {
    if (!element) { return false; }
    var tag = element.tagName;
    return element.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) { return; }
    // A "/" typed into a field is text, not a shortcut.
    if (typingIn(event.target) || typingIn(document.activeElement)) { return; }
    var box = document.getElementById("search-q") || document.getElementById("header-q");
    if (!box) { return; }
    event.preventDefault();
    box.focus();
    box.select();
  });
})();
