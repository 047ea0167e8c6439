// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // -- Footnotes -------------------------------------------------------------------------------
  // A pointer resting on a marker previews its reference; a click, tap or Enter opens the
  // reference in place (a bottom sheet on phones) instead of jumping to the end of the page.
  var preview = null;
  var popover = null;
  var opener = null;

  function referenceOf(link) {
    return document.getElementById((link.getAttribute("href") || "").slice(1));
  }

  function hidePreview() {
    if (preview) { preview.remove(); preview = null; }
  }

  function showPreview(link) {
    var target = referenceOf(link);
    if (!target || popover) { return; }
    hidePreview();
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

  function closePopover(returnFocus) {
    if (!popover) { return; }
    popover.remove();
    popover = null;
    if (opener) {
      opener.setAttribute("aria-expanded", "false");
      if (returnFocus) { opener.focus(); }
    }
    opener = null;
  }

  function openPopover(link) {
    var target = referenceOf(link);
    if (!target) { return false; }
    hidePreview();
    closePopover(false);
    opener = link;
    popover = document.createElement("div");
    popover.className = "fn-popover";
    popover.id = "fn-popover";
    popover.setAttribute("role", "dialog");
    popover.setAttribute("aria-labelledby", "fn-popover-title");

    var title = document.createElement("p");
    title.className = "fn-popover-title";
    title.id = "fn-popover-title";
    title.textContent = "Reference " + (target.getAttribute("value") || "");
    popover.appendChild(title);

    // The reference as the page lists it: the page's own, already sanitised, markup.
    var reference = target.querySelector(".source-ref") || target;
    var body = document.createElement("div");
    body.className = "fn-popover-body";
    body.appendChild(reference.cloneNode(true));
    popover.appendChild(body);

    var actions = document.createElement("p");
    actions.className = "fn-popover-actions";
    var full = document.createElement("a");
    full.href = "#" + target.id;
    full.textContent = "Go to the full reference";
    full.addEventListener("click", function () { closePopover(false); });
    var close = document.createElement("button");
    close.type = "button";
    close.className = "button-secondary";
    close.textContent = "Close";
    close.addEventListener("click", function () { closePopover(true); });
    actions.appendChild(full);
    actions.appendChild(close);
    popover.appendChild(actions);

    document.body.appendChild(popover);
    if (!window.matchMedia("(max-width: 40rem)").matches) {
      // Beside the marker on wide screens (above it when there is no room below); a bottom
      // sheet (CSS) on phones. Either way the text being read stays where it was.
      var box = link.getBoundingClientRect();
      var left = Math.max(8, Math.min(window.scrollX + box.left, window.scrollX + document.documentElement.clientWidth - popover.offsetWidth - 8));
      var below = box.bottom + 6 + popover.offsetHeight <= window.innerHeight;
      var top = below || box.top - popover.offsetHeight - 6 < 0 ? box.bottom + 6 : box.top - popover.offsetHeight - 6;
      popover.style.left = left + "px";
      popover.style.top = (window.scrollY + top) + "px";
    }
    link.setAttribute("aria-expanded", "true");
    close.focus({ preventScroll: true });
    return true;
  }

  // -- Filters that act at once --------------------------------------------------------------
  // Choosing an option fetches the filtered list and swaps in its results and counts, under an
  // address that names only the chosen filters. Without this script the form's button does it.
  function cleanQuery(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (String(value).trim() !== "") { params.append(name, value); }
    });
    var query = params.toString();
    return query ? "?" + query : "";
  }

  function enhanceFilters() {
    var form = document.querySelector("form.filters");
    var results = document.querySelector("section.results");
    if (!form || !results || !window.fetch || !window.DOMParser) { return; }
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    results.parentNode.insertBefore(status, results);
    var pending = null;
    var typing = null;

    function load(url, push) {
      if (pending) { pending.abort(); }
      pending = new AbortController();
      results.setAttribute("aria-busy", "true");
      fetch(url, { signal: pending.signal, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var newResults = page.querySelector("section.results");
          var newForm = page.querySelector("form.filters");
          if (!newResults || !newForm) { window.location.assign(url); return; }
          results.innerHTML = newResults.innerHTML;
          replaceForm(form, newForm);
          if (push) { window.history.pushState({ filters: true }, "", url); }
          var count = results.querySelector(".results-count");
          status.textContent = count ? count.textContent.trim() : "";
        })
        .catch(function (error) {
          if (error.name !== "AbortError") { window.location.assign(url); }
        })
        .then(function () { results.removeAttribute("aria-busy"); });
    }

    function replaceForm(current, fresh) {
      // Keep what the reader opened and where the focus was: only the options and counts change.
      var open = {};
      current.querySelectorAll("details[id]").forEach(function (details) { open[details.id] = details.open; });
      var active = document.activeElement;
      var focusKey = active && current.contains(active) ? [active.name, active.value, active.id] : null;
      var typed = current.querySelector("input[type=search], input[type=text]");
      var typedValue = typed && typed === active ? typed.value : null;
      current.innerHTML = fresh.innerHTML;
      current.querySelectorAll("details[id]").forEach(function (details) {
        if (Object.prototype.hasOwnProperty.call(open, details.id)) { details.open = open[details.id]; }
      });
      if (!focusKey) { return; }
      var again = focusKey[2] ? document.getElementById(focusKey[2]) : null;
      if (!again || (again.type === "checkbox" || again.type === "radio") && again.value !== focusKey[1]) {
        again = Array.prototype.find.call(current.elements, function (element) {
          return element.name === focusKey[0] && element.value === focusKey[1];
        });
      }
      if (again) {
        if (typedValue !== null) { again.value = typedValue; }
        again.focus();
      }
    }

    form.addEventListener("change", function (event) {
      if (event.target.matches("input[type=search], input[type=text]")) { return; }
      load(form.getAttribute("action") + cleanQuery(form), true);
    });
    form.addEventListener("input", function (event) {
      if (!event.target.matches("input[type=search], input[type=text]")) { return; }
      window.clearTimeout(typing);
      typing = window.setTimeout(function () { load(form.getAttribute("action") + cleanQuery(form), true); }, 400);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.clearTimeout(typing);
      load(form.getAttribute("action") + cleanQuery(form), true);
    });
    window.addEventListener("popstate", function () { load(window.location.href, false); });
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

  // -- Keyboard shortcuts, documented at /about/shortcuts/ --------------------------------------
  // "/" moves the focus to the search box: the page's own (search page) or the header's.
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

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("sup.fn a").forEach(function (link) {
      link.setAttribute("aria-haspopup", "dialog");
      link.setAttribute("aria-expanded", "false");
      link.addEventListener("mouseenter", function () { showPreview(link); });
      link.addEventListener("mouseleave", hidePreview);
      link.addEventListener("click", function (event) {
        if (openPopover(link)) { event.preventDefault(); }
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { hidePreview(); closePopover(true); }
    });
    document.addEventListener("click", function (event) {
      if (popover && !popover.contains(event.target) && !event.target.closest("sup.fn")) { closePopover(false); }
    });

    enhanceFilters();
    enableCopyButtons();

    // On a phone the filter panel starts folded so the results come first.
    var panel = document.querySelector(".filters-panel");
    if (panel && window.matchMedia("(max-width: 60rem)").matches && !document.querySelector(".filter-field.has-error")) {
      panel.removeAttribute("open");
    }
  });
})();
