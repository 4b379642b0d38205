"use strict";
// Swagger UI on the API's schema, for /api/v1/docs/ (tracker.api.DocsView), served as a file of
// its own because the Content Security Policy forbids inline scripts. Unlike drf-spectacular's
// script, it sends no CSRF token or credentials: the API is public and read-only.
SwaggerUIBundle({
  url: "{{ schema_url|escapejs }}",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  ...{{ settings|safe }},
});
