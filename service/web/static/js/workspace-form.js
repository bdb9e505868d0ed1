// The post form: live validation (debounced dry run), one-click fixes, the map, the preview.
import { CHECK_TIMEOUT, annotated, liveChecker } from './live-check.js';
import { api, debounce, escapeHtml, pageLanguage } from './relais.js';
import { createMap, showPlace, showTerritory } from './workspace-map.js';

const form = document.getElementById('post-form');
const data = form.dataset;
const $ = (id) => document.getElementById(id);
const text = $('post-text');
const report = $('validation-report');
const territory = $('territory');
const lonInput = $('geotag-lon');
const latInput = $('geotag-lat');
const geotagError = $('geotag-error');
const placeName = $('place-name');
const radius = $('audience-radius');
const publishAt = $('publish-at');
const slotInputs = [...form.querySelectorAll('[name^="slot-"]')];

// -- the template body and its slots ---------------------------------------------------------
const slotValues = () => Object.fromEntries(slotInputs.map((input) => [input.dataset.slot, input.value]));

function renderBody(values) {
  return data.body.replace(/\{\{|\}\}|\{([a-z_][a-z0-9_]*)\}/g, (token, name) => {
    if (token === '{{') return '{';
    if (token === '}}') return '}';
    return values[name] || ''; // an empty slot is a blank in the preview, not `{name}` in the text
  });
}

// A slot of the template's text: its value, or the blank named by its label (as templates/_slots.html).
function showSlot(span, value) {
  if (value) {
    span.className = 'slot-filled';
    span.title = span.dataset.label;
    span.textContent = value;
    return;
  }
  const hint = document.createElement('span');
  hint.className = 'visually-hidden';
  hint.textContent = `${data.msgBlank} `;
  span.className = 'slot-empty blank';
  span.removeAttribute('title');
  span.replaceChildren(hint, span.dataset.label);
}

let rendered = renderBody(slotValues());
if (data.body && !text.value.trim()) text.value = rendered;

function onSlotInput(event) {
  const next = renderBody(slotValues());
  // The text follows the slots as long as the author has not rewritten it by hand.
  if (text.value === rendered) text.value = next;
  rendered = next;
  const shown = document.querySelector(`#locked-text [data-slot="${event.target.dataset.slot}"]`);
  if (shown) showSlot(shown, event.target.value);
  changed();
}

// -- times in the territory's zone -----------------------------------------------------------
function zoned(local, zone) {
  if (!local) return null;
  const guess = new Date(`${local}:00Z`);
  if (Number.isNaN(guess.getTime())) return null;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(guess);
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  const seen = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return new Date(guess.getTime() - (seen - guess.getTime())).toISOString();
}

const zone = () => territory.selectedOptions[0]?.dataset.timezone || $('timezone').value || 'Europe/Paris';
const number = (input) => (input && input.value.trim() !== '' ? Number(input.value) : NaN);

// -- the live check --------------------------------------------------------------------------
function draft() {
  const lon = number(lonInput); const lat = number(latInput);
  const body = {
    text: text.value, slot_values: slotValues(), version: Number(data.templateVersion),
    territory_id: territory.value ? Number(territory.value) : null,
    publish_at: zoned(publishAt.value, zone()),
  };
  if (Number.isFinite(lon) && Number.isFinite(lat)) body.geotag = { lon, lat };
  const km = number(radius);
  if (Number.isFinite(km)) body.audience_radius_km = km;
  const url = $('media-url');
  if (url && url.value) body.media = [{ url: url.value, alt: $('media-alt').value }];
  return body;
}

let lastResult = null;
// A field the check refused (a radius beyond the limit, say) is named as the form labels it.
const FIELDS = {
  text: 'post-text', territory_id: 'territory', 'geotag.lon': 'geotag-lon', 'geotag.lat': 'geotag-lat',
  audience_radius_km: 'audience-radius', publish_at: 'publish-at', media: 'media-url',
};
function fieldLabel(name) {
  if (!FIELDS[name]) return null;
  const label = document.querySelector(`label[for="${FIELDS[name]}"]`);
  return label ? label.firstChild.textContent.trim() : null;
}
const checker = liveChecker(report, data.msgUnavailable, { heading: data.msgInvalid, label: fieldLabel });

async function check() {
  const body = draft();
  await checker(`/api/templates/${data.templateKey}/validate?autofix=true`, body, (result) => {
    lastResult = { result, source: body.text };
    renderReport(result, body.text);
  });
}

const fixable = (v) => v.fix && (v.fix.action === 'append' || (v.fix.span && ['replace', 'remove'].includes(v.fix.action)));

function renderReport(result, source) {
  const lang = pageLanguage() === 'en' ? 'en' : 'fr';
  const violations = result.violations || [];
  if (!violations.length) {
    report.innerHTML = `<p class="report ok">${escapeHtml(data.msgOk)}</p>`;
    return;
  }
  const items = violations.map((v, index) => `
    <li class="violation-item ${v.severity}" data-code="${escapeHtml(v.code)}">
      <strong>${escapeHtml(v.severity === 'error' ? data.msgError : data.msgWarning)}</strong> —
      ${escapeHtml(v.message[lang] || v.message.en)}
      ${v.hint && v.hint[lang] ? `<span class="hint">${escapeHtml(v.hint[lang])}</span>` : ''}
      ${fixable(v) ? `<button type="button" class="fix-button" data-index="${index}">${escapeHtml(data.msgFix)}</button>` : ''}
    </li>`).join('');
  const all = result.autofix && result.autofix.edits.length && result.autofix.text !== source
    ? `<p><button type="button" class="fix-all">${escapeHtml(data.msgFixAll)}</button></p>` : '';
  report.innerHTML = `<p class="annotated" data-testid="annotated-text">${annotated(Array.from(source), violations)}</p>
    <ol class="report">${items}</ol>${all}`;
}

function applyFix(v) {
  const chars = Array.from(text.value);
  const { action, span, text: content } = v.fix;
  if (action === 'append') {
    const glue = text.value === '' || /\s$/.test(text.value) ? '' : ' ';
    return text.value + glue + content;
  }
  chars.splice(span[0], span[1] - span[0], ...(action === 'remove' ? [] : Array.from(content)));
  return chars.join('');
}

report.addEventListener('click', (event) => {
  const button = event.target.closest('button');
  if (!button || !lastResult || text.value !== lastResult.source) return;
  if (button.classList.contains('fix-all')) {
    text.value = lastResult.result.autofix.text;
  } else if (button.classList.contains('fix-button')) {
    text.value = applyFix(lastResult.result.violations[Number(button.dataset.index)]);
  } else {
    return;
  }
  text.focus();
  preview();
  check();
});

// -- the preview -----------------------------------------------------------------------------
function preview() {
  const locked = $('locked-text');
  if (locked && text.value === rendered) { // the template's text as the slots fill it: blanks show
    $('preview-text').replaceChildren(...locked.cloneNode(true).childNodes);
  } else {
    $('preview-text').textContent = text.value;
  }
  $('preview-page').textContent = territory.selectedOptions[0]?.textContent || 'Relais';
  // Shown in the territory's zone, as typed: the browser's own zone may be another one.
  const when = publishAt.value ? new Date(zoned(publishAt.value, zone())).toLocaleString(pageLanguage(), { dateStyle: 'medium', timeStyle: 'short', timeZone: zone() }) : data.msgNow;
  $('preview-meta').textContent = [when, placeName.value].filter(Boolean).join(' · ');
}

const later = debounce(check, 300);

// The optional link is not the template's to check: the form says at once what saving would.
const link = $('link');
function checkLink() {
  const value = link.value.trim();
  const bad = value !== '' && !/^https?:\/\/[^\s/?#]+/i.test(value);
  link.setAttribute('aria-invalid', bad ? 'true' : 'false');
  $('link-error').textContent = bad ? link.dataset.msgBad : '';
}
link?.addEventListener('input', debounce(checkLink, 300));
function changed() { preview(); later(); }

// -- the map and the geotag ------------------------------------------------------------------
const { map, ready } = createMap($('post-map'));
let accepted = { lon: number(lonInput), lat: number(latInput) };
let suggestedName = null;

function draw() {
  ready.then(() => showPlace(map, accepted.lon, accepted.lat, number(radius)));
}

let pickCount = 0;

async function pick(lon, lat, fromMap) {
  if (!territory.value) return;
  const query = new URLSearchParams({ territory_id: territory.value, lon, lat });
  const asked = ++pickCount;
  let answer;
  try {
    answer = await api(`${data.geotagUrl}?${query}`, { timeout: CHECK_TIMEOUT });
  } catch {
    answer = { ok: false }; // no answer at all
  }
  if (asked !== pickCount) return; // a later point was picked meanwhile: its answer decides
  if (!answer.ok) { // not judged: the point stays where it was put, and saving it checks it
    lonInput.value = lon; latInput.value = lat;
    for (const input of [lonInput, latInput]) input.removeAttribute('aria-invalid');
    geotagError.textContent = data.msgPlaceUnavailable;
    geotagError.className = 'notice warning'; // not a refusal: a check that did not happen
    accepted = { lon, lat };
    draw();
    changed();
    return;
  }
  const ok = answer.body && answer.body.inside;
  geotagError.className = 'field-error';
  for (const input of [lonInput, latInput]) input.setAttribute('aria-invalid', ok ? 'false' : 'true');
  if (!ok) {
    geotagError.textContent = answer.body?.message || '';
    if (fromMap && Number.isFinite(accepted.lon)) { lonInput.value = accepted.lon; latInput.value = accepted.lat; }
    // A typed point stays in the fields and is sent with the post: the check judges it too.
    if (!fromMap) changed();
    return;
  }
  geotagError.textContent = '';
  accepted = { lon, lat };
  lonInput.value = lon; latInput.value = lat;
  const name = answer.body.place_name;
  if (name) {
    $('place-suggestion').textContent = `${data.msgSuggested} ${name}`;
    if (!placeName.value || placeName.value === suggestedName) placeName.value = name;
    suggestedName = name;
  }
  draw();
  changed();
}

ready.then(() => {
  map.on('click', (event) => {
    const round = (x) => Math.round(x * 1e6) / 1e6;
    pick(round(event.lngLat.lng), round(event.lngLat.lat), true);
  });
  showTerritory(map, territory.value).then(() => {
    draw();
    $('post-map').dataset.ready = 'true'; // the outline is drawn: clicks can be judged
  });
});

function typedPoint() {
  const lon = number(lonInput); const lat = number(latInput);
  if (Number.isFinite(lon) && Number.isFinite(lat)) pick(lon, lat, false);
}

territory.addEventListener('change', () => {
  $('timezone').value = zone();
  ready.then(() => showTerritory(map, territory.value));
  typedPoint();
  changed();
});
lonInput.addEventListener('change', typedPoint);
latInput.addEventListener('change', typedPoint);
radius.addEventListener('input', () => { draw(); changed(); });
for (const input of slotInputs) input.addEventListener('input', onSlotInput);
for (const input of [text, publishAt, placeName, $('media-url'), $('media-alt'), $('link')]) {
  if (input) input.addEventListener('input', changed);
}

preview();
if (text.value.trim()) check();
