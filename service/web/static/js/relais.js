// Shared helpers for every page's module: API calls with the session and CSRF token.

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content ?? '';
export const pageLanguage = () => document.documentElement.lang || 'fr';

/** MapLibre's `locale` option: its controls' texts in the page's language (templates/_map_head.html). */
export const mapLocale = () => JSON.parse(
  document.querySelector('meta[name="relais-map-locale"]')?.content || '{}');

/**
 * Call the JSON API with the browser session; resolves to {ok, status, body}. It rejects when
 * no answer comes: the network failed, or `timeout` ms passed (the request is then cancelled).
 */
export async function api(path, { method = 'GET', body, headers = {}, timeout } = {}) {
  const options = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json', 'Accept-Language': pageLanguage(), ...headers },
  };
  if (timeout) {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), timeout);
    options.signal = controller.signal;
  }
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

// htmx keeps the last answer in place when a request gets none (network, server error, timeout):
// a live fragment that names its words for it (`data-msg-unavailable`) shows them instead.
for (const name of ['htmx:sendError', 'htmx:responseError', 'htmx:timeout']) {
  document.addEventListener(name, (event) => {
    const target = event.detail.target;
    const words = target?.dataset.msgUnavailable;
    if (words) target.innerHTML = `<p class="notice warning">${escapeHtml(words)}</p>`;
  });
}
