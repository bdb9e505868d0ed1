// The ambassador's page: pick or edit a suggested text, checked live against the charter
// (the same report, spans and messages as everywhere in Relais) before sharing.
import { annotated, liveChecker } from './live-check.js';
import { debounce, escapeHtml, pageLanguage } from './relais.js';

const root = document.getElementById('ambassador');
const data = root ? root.dataset : {};

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
  const checker = liveChecker(area, data.msgUnavailable);
  const check = async () => {
    const source = text.value;
    const shown = await checker(`/api/ambassador/kits/${kit}/check`, { text: source, network: network.value }, (result) => {
      render(area, result, source);
      button.disabled = !result.ok; // the server refuses it anyway
      form.dataset.checked = result.ok ? 'ok' : 'refused';
    });
    if (shown === false) { // not checked: the server checks it when it is shared
      button.disabled = false;
      delete form.dataset.checked;
    }
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
