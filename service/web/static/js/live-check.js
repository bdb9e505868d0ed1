// The live checks of the post form (« Vérification ») and of the ambassador's share form: only
// the newest answer is shown, and a check that gets no answer (the network failed, the server
// broke, or it took too long) says the check is unavailable instead of leaving the previous
// verdict in place, where it would read as the verdict on the text now in the field.
import { api, escapeHtml } from './relais.js';

/** How long a live check may take before it counts as lost (ms). */
export const CHECK_TIMEOUT = 10000;

/** The text's characters as HTML, each violation's span marked (`data-violation`: its index). */
export function annotated(chars, violations) {
  const marks = violations.map((v, index) => ({ v, index }))
    .filter(({ v }) => v.span && v.span[1] > v.span[0])
    .sort((a, b) => a.v.span[0] - b.v.span[0]);
  let html = ''; let position = 0;
  for (const { v, index } of marks) {
    const [start, end] = v.span;
    if (start < position || end > chars.length) continue;
    html += escapeHtml(chars.slice(position, start).join(''));
    html += `<mark class="violation ${v.severity}" data-violation="${index}">${escapeHtml(chars.slice(start, end).join(''))}</mark>`;
    position = end;
  }
  return html + escapeHtml(chars.slice(position).join(''));
}

const texts = (detail) => [detail].flat(Infinity).filter((m) => typeof m === 'string');

/**
 * The fields a refused check names (`errors`, by location then field, as the API answers a
 * 422), each with the form's label for it and the server's messages: `[label, messages]`. A
 * nested field is named by its path (`geotag.lat`) when the form labels it, else by its first
 * level (`slot_values`); a field the form has no label for is left out (null when none is left).
 */
export function refusedFields(errors, label) {
  const found = [];
  for (const fields of Object.values(errors || {})) {
    if (!fields || typeof fields !== 'object') continue;
    for (const [name, detail] of Object.entries(fields)) {
      const parts = Array.isArray(detail) || !detail || typeof detail !== 'object'
        ? [[name, detail]] : Object.entries(detail).map(([sub, inner]) => [`${name}.${sub}`, inner]);
      for (const [path, inner] of parts) {
        const shown = label(path) || label(name);
        const messages = texts(inner);
        if (shown && messages.length) found.push([shown, messages]);
      }
    }
  }
  return found.length ? found : null;
}

/**
 * A checker writing into `area`: `check(path, body, show)` posts `body` to `path` and calls
 * `show(answer)` with the API's answer if it is still the newest. Resolves to true when shown,
 * false when the check was lost (`unavailable` is then shown, or the server's words for a
 * request it refused), undefined when a newer check superseded it. `invalid`: when given
 * (`{ heading, label }`), a refusal naming fields of the form lists each with its label and the
 * server's message under `heading`, instead of the refusal's general message.
 */
export function liveChecker(area, unavailable, invalid = null) {
  let asked = 0;
  return async (path, body, show) => {
    const mine = ++asked;
    let answer;
    try {
      answer = await api(path, { method: 'POST', body, timeout: CHECK_TIMEOUT });
    } catch {
      answer = { ok: false, status: 0 }; // no answer at all
    }
    if (mine !== asked) return undefined; // a newer check is on its way: only the last one shows
    if (answer.ok) {
      show(answer.body);
      return true;
    }
    // A refusal (4xx) says why in the person's language; a 5xx's "Internal error" would not.
    const refused = answer.status >= 400 && answer.status < 500 && answer.body?.message;
    const fields = refused && invalid && refusedFields(answer.body.errors, invalid.label);
    if (fields) {
      area.innerHTML = `<div class="notice warning"><p>${escapeHtml(invalid.heading)}</p><ul>${
        fields.map(([label, messages]) => `<li><strong>${escapeHtml(label)}</strong> — ${
          escapeHtml(messages.join(' '))}</li>`).join('')}</ul></div>`;
      return false;
    }
    area.innerHTML = `<p class="notice warning">${escapeHtml(refused || unavailable)}</p>`;
    return false;
  };
}
