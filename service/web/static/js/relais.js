// Shared helpers for every page's module: API calls with the session and CSRF token.

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content ?? '';
export const pageLanguage = () => document.documentElement.lang || 'fr';

/** MapLibre's `locale` option: its controls' texts in the page's language (templates/_map_head.html). */
export const mapLocale = () => JSON.parse(
  document.querySelector('meta[name="relais-map-locale"]')?.content || '{}');

/** Call the JSON API with the browser session; resolves to {ok, status, body}. */
export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const options = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json', 'Accept-Language': pageLanguage(), ...headers },
  };
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD') options.headers['X-CSRFToken'] = csrfToken();
  const response = await fetch(path, options);
  let data = null;
  if (response.status !== 204 && response.status !== 304) {
    const type = response.headers.get('Content-Type') || '';
    data = type.includes('json') ? await response.json() : await response.text();
  }
  return { ok: response.ok, status: response.status, body: data };
}

/** Wait until calls stop for `delay` ms, then call `fn` with the last arguments. */
export function debounce(fn, delay = 300) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), delay);
  };
}

/** Text safe to put in innerHTML. */
export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  }[c]));
}

// htmx sends the CSRF token with every request it makes.
document.addEventListener('htmx:configRequest', (event) => {
  event.detail.headers['X-CSRFToken'] = csrfToken();
  event.detail.headers['Accept-Language'] = pageLanguage();
});
