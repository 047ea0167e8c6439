// Progressive enhancement only: every page works without this file.
// Footnote markers show their reference on hover or keyboard focus.
(function () {
  "use strict";
  var preview = null;

  function hide() {
    if (preview) { preview.remove(); preview = null; }
  }

  function show(link) {
    var target = document.getElementById((link.getAttribute("href") || "").slice(1));
    if (!target) { return; }
    hide();
    preview = document.createElement("div");
    preview.className = "fn-preview";
    preview.setAttribute("role", "tooltip");
    preview.id = "fn-preview";
    var text = target.querySelector(".source-ref");
    preview.textContent = (text || target).textContent.trim();
    document.body.appendChild(preview);
    var box = link.getBoundingClientRect();
    var left = Math.max(8, Math.min(window.scrollX + box.left, window.scrollX + document.documentElement.clientWidth - preview.offsetWidth - 8));
    preview.style.left = left + "px";
    preview.style.top = (window.scrollY + box.bottom + 6) + "px";
    link.setAttribute("aria-describedby", "fn-preview");
  }

  // Each formatted citation's "Copy" button puts its text on the clipboard. The buttons stay
  // hidden where the clipboard cannot be written (no script, or a page not served securely):
  // the citation can still be selected by hand.
  function enableCopyButtons() {
    if (!navigator.clipboard || !window.isSecureContext) { return; }
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) { return; }
      var status = button.closest(".cite-box") && button.closest(".cite-box").querySelector(".copy-status");
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = source.textContent.replace(/\s+\n/g, "\n").trim();
        navigator.clipboard.writeText(text).then(function () {
          button.classList.add("copied");
          if (status) { status.textContent = "Copied to the clipboard."; }
          window.setTimeout(function () { button.classList.remove("copied"); }, 2000);
        }, function () {
          if (status) { status.textContent = "Could not copy; select the citation and copy it by hand."; }
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("sup.fn a").forEach(function (link) {
      link.addEventListener("mouseenter", function () { show(link); });
      link.addEventListener("focus", function () { show(link); });
      link.addEventListener("mouseleave", hide);
      link.addEventListener("blur", function () { hide(); link.removeAttribute("aria-describedby"); });
    });
    document.addEventListener("keydown", function (event) { if (event.key === "Escape") { hide(); } });
    enableCopyButtons();
    // On a phone the filter panel starts folded so the results come first.
    var panel = document.querySelector(".filters-panel");
    if (panel && window.matchMedia("(max-width: 60rem)").matches && !document.querySelector(".filter-field.has-error")) {
      panel.removeAttribute("open");
    }
  });
})();
