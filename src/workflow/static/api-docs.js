// Starts Swagger UI on /schema with the service's own OpenAPI document. A file of its
// own, not an inline script: the service's Content-Security-Policy allows scripts from
// its own origin only.
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapi,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    // Never ask swagger.io to validate the document: it would leave the network.
    validatorUrl: null,
  });
});
