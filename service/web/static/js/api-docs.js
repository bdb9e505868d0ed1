// The API docs page (Swagger UI) with the browser session: "Try it out" works while signed in.
//
// The API accepts the session cookie, but a cookie-authenticated write must carry the CSRF
// token (X-CSRFToken), exactly as the pages' own scripts send it. The docs page renders the
// session's token in <meta name="csrf-token">, and every request Swagger UI makes other than
// GET/HEAD/OPTIONS gets it as a header. A bearer token set with "Authorize" works as well.

const container = document.getElementById('swagger-ui-container');
const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? '';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Swagger UI's requestInterceptor: add the CSRF header to writes. */
export function withCsrfToken(request) {
  if (!SAFE_METHODS.has(String(request.method || 'GET').toUpperCase())) {
    request.headers = { ...request.headers, 'X-CSRFToken': csrfToken };
  }
  return request;
}

window.ui = window.SwaggerUIBundle({
  ...JSON.parse(container.dataset.config || '{}'),
  url: container.dataset.specUrl,
  dom_id: '#swagger-ui-container',
  requestInterceptor: withCsrfToken,
});
