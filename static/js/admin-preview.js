// A "Preview" button under each Markdown field of the admin: shows the text as readers will
// see it, footnotes and references included, and any citation problem, without saving.
(function () {
  "use strict";
  var FIELDS = ["summary", "body", "lessons", "description"];

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function addPreview(textarea) {
    var form = textarea.form;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button markdown-preview-button";
    button.textContent = "Preview";
    var output = document.createElement("div");
    output.className = "markdown-preview";
    output.setAttribute("aria-live", "polite");
    output.hidden = true;
    button.addEventListener("click", function () {
      var data = new FormData();
      data.append("text", textarea.value);
      fetch(form.dataset.previewUrl || "/admin/preview/", {
        method: "POST",
        body: data,
        headers: { "X-CSRFToken": csrfToken(form) },
        credentials: "same-origin"
      })
        .then(function (response) { return response.json(); })
        .then(function (result) {
          output.hidden = false;
          output.innerHTML = "";
          result.problems.forEach(function (problem) {
            var p = document.createElement("p");
            p.className = "errornote";
            p.textContent = problem;
            output.appendChild(p);
          });
          var body = document.createElement("div");
          body.innerHTML = result.html; // sanitised by the server
          output.appendChild(body);
          if (result.references.length) {
            var list = document.createElement("ol");
            result.references.forEach(function (reference) {
              var item = document.createElement("li");
              item.value = reference.number;
              item.textContent = reference.title + (reference.published ? "" : " (not published yet)");
              list.appendChild(item);
            });
            output.appendChild(list);
          }
        })
        .catch(function () {
          output.hidden = false;
          output.textContent = "The preview could not be loaded; your text is unchanged.";
        });
    });
    textarea.insertAdjacentElement("afterend", output);
    textarea.insertAdjacentElement("afterend", button);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea").forEach(function (textarea) {
      var name = textarea.name.split("-").pop();
      if (FIELDS.indexOf(name) !== -1 && textarea.name.indexOf("__prefix__") === -1) {
        addPreview(textarea);
      }
    });
  });
})();
