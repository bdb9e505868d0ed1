// The review screen: keyboard shortcuts (next/previous, to approve, to request changes), the map.
import { LngLatBounds, Map } from '/static/vendor/maplibre-gl/maplibre-gl.mjs';

const screen = document.getElementById('review-screen');

/** Whether a key press belongs to a field being typed in (shortcuts then stay quiet). */
function typing(target) {
  return target instanceof HTMLElement
    && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

function go(url) {
  if (url) window.location.assign(url);
}

// Approving publishes: one stray key must not do it. `a` brings the button to hand, and the
// reviewer confirms with Enter (or Space), as for any focused button.
function focusApprove() {
  const button = document.getElementById('approve');
  if (button) {
    button.focus();
    button.scrollIntoView({ block: 'center' });
  }
}

function focusComment() {
  const box = document.getElementById('request-changes-comment');
  if (box) {
    box.focus();
    box.scrollIntoView({ block: 'center' });
  }
}

const SHORTCUTS = {
  j: () => go(screen.dataset.nextUrl),
  n: () => go(screen.dataset.nextUrl),
  k: () => go(screen.dataset.previousUrl),
  p: () => go(screen.dataset.previousUrl),
  a: focusApprove,
  c: focusComment,
  r: focusComment,
};

document.addEventListener('keydown', (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
  if (typing(event.target)) return;
  const action = SHORTCUTS[event.key];
  if (action) {
    event.preventDefault();
    action();
  }
});

// Ctrl+Enter (Cmd+Enter on a Mac) in a comment box sends its form.
for (const box of document.querySelectorAll('.comment-form textarea')) {
  box.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      box.form.requestSubmit();
    }
  });
}

// A sent decision cannot be sent twice by a second key press.
for (const form of document.querySelectorAll('#review-screen form')) {
  form.addEventListener('submit', () => {
    for (const button of form.querySelectorAll('button')) button.disabled = true;
  });
}

function extend(bounds, coordinates) {
  if (typeof coordinates[0] === 'number') bounds.extend(coordinates);
  else for (const part of coordinates) extend(bounds, part);
}

const COLOURS = { territory: '#123c69', audience: '#0b63b6', conflict: '#a01818', geotag: '#f2a900' };

function drawMap(element) {
  const data = JSON.parse(element.dataset.geojson);
  if (!data.features.length) {
    element.hidden = true;
    return;
  }
  const bounds = new LngLatBounds();
  for (const feature of data.features) extend(bounds, feature.geometry.coordinates);
  const map = new Map({
    container: element,
    interactive: false,
    attributionControl: false,
    style: {
      version: 8, sources: {},
      layers: [{ id: 'bg', type: 'background', paint: { 'background-color': '#eef2f6' } }],
    },
    bounds,
    fitBoundsOptions: { padding: 24, maxZoom: 13 },
  });
  map.on('load', () => {
    map.addSource('review', { type: 'geojson', data });
    const kind = (name) => ['==', ['get', 'kind'], name];
    map.addLayer({ id: 'audience', type: 'fill', source: 'review', filter: kind('audience'),
      paint: { 'fill-color': COLOURS.audience, 'fill-opacity': 0.18 } });
    map.addLayer({ id: 'conflict', type: 'fill', source: 'review', filter: kind('conflict'),
      paint: { 'fill-color': COLOURS.conflict, 'fill-opacity': 0.35 } });
    map.addLayer({ id: 'territory', type: 'line', source: 'review', filter: kind('territory'),
      paint: { 'line-color': COLOURS.territory, 'line-width': 2 } });
    map.addLayer({ id: 'geotag', type: 'circle', source: 'review', filter: kind('geotag'),
      paint: { 'circle-color': COLOURS.geotag, 'circle-radius': 6,
        'circle-stroke-color': '#1d2733', 'circle-stroke-width': 2 } });
  });
}

const mapElement = document.getElementById('review-map');
if (mapElement) drawMap(mapElement);
