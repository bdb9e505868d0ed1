// The ambassador's page: pick or edit a suggested text, checked live against the charter
// (the same report, spans and messages as everywhere in Relais) before sharing.
import { api, debounce, escapeHtml, pageLanguage } from './relais.js';

const root = document.getElementById('ambassador');
const data = root ? root.dataset : {};

function annotated(chars, violations) {
  const marks = violations.filter((v) => v.span && v.span[1] > v.span[0])
    .sort((a, b) => a.span[0] - b.span[0]);
  let html = ''; let position = 0;
  for (const v of marks) {
    const [start, end] = v.span;
    if (start < position || end > chars.length) continue;
    html += escapeHtml(chars.slice(position, start).join(''));
    html += `<mark class="violation ${v.severity}">${escapeHtml(chars.slice(start, end).join(''))}</mark>`;
    position = end;
  }
  return html + escapeHtml(chars.slice(position).join(''));
}

function render(area, result, source) {
  const lang = pageLanguage() === 'en' ? 'en' : 'fr';
  const violations = result.violations || [];
  if (!violations.length) {
    area.innerHTML = `<p class="report ok">${escapeHtml(data.msgOk)}</p>`;
    return;
  }
  const items = violations.map((v) => `<li class="violation-item ${v.severity}" data-code="${escapeHtml(v.code)}">
      <strong>${escapeHtml(v.severity === 'error' ? data.msgError : data.msgWarning)}</strong> —
      ${escapeHtml(v.message[lang] || v.message.en)}
      ${v.hint && v.hint[lang] ? `<span class="hint">${escapeHtml(v.hint[lang])}</span>` : ''}</li>`).join('');
  area.innerHTML = `<p class="annotated" data-testid="annotated-text">${annotated(Array.from(source), violations)}</p>
    <ol class="report">${items}</ol>`;
}

function wire(form) {
  const kit = form.closest('[data-kit]').dataset.kit;
  const text = form.querySelector('textarea[name="text"]');
  const network = form.querySelector('select[name="network"]');
  const area = form.querySelector('.report-area');
  const button = form.querySelector('button[type="submit"]');
  let asked = 0;
  const check = async () => {
    const mine = ++asked;
    const source = text.value;
    const answer = await api(`/api/ambassador/kits/${kit}/check`, { method: 'POST', body: { text: source, network: network.value } });
    if (mine !== asked) return; // a newer check is on its way
    if (!answer.ok) {
      area.innerHTML = `<p class="notice warning">${escapeHtml(answer.body?.message || data.msgUnavailable)}</p>`;
      button.disabled = false;
      return;
    }
    render(area, answer.body, source);
    button.disabled = !answer.body.ok; // the server refuses it anyway
    form.dataset.checked = answer.body.ok ? 'ok' : 'refused';
  };
  const later = debounce(check, 250);
  text.addEventListener('input', later);
  network.addEventListener('change', check);
  form.querySelectorAll('input[name="suggestion"]').forEach((radio) => {
    radio.addEventListener('change', () => { text.value = radio.dataset.text; check(); });
  });
  if (!area.querySelector('[role="alert"]')) check();
}

document.querySelectorAll('form.share-form').forEach(wire);

// Networks whose share page takes the link only: the text goes through the clipboard.
document.querySelectorAll('button.copy-text').forEach((button) => {
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(button.dataset.text);
      button.textContent = button.dataset.done;
    } catch {
      button.disabled = true; // no clipboard here: the text is shown on the page to copy by hand
    }
  });
});
