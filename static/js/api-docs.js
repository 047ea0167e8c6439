// Renders the API reference from the schema whose address the page gives (no inline script: CSP).
document.addEventListener("DOMContentLoaded", () => {
  const container = document.getElementById("api-reference");
  if (!container || typeof SwaggerUIBundle === "undefined") return;
  SwaggerUIBundle({
    url: container.dataset.schemaUrl,
    domNode: container,
    deepLinking: true,
    // Requests go to this site only, as the Content-Security-Policy allows.
    validatorUrl: null,
    tryItOutEnabled: false,
  });
});
