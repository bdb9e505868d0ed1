// The campaign dashboard's small map: its target territories, adapted, pending or late.
import { api } from './relais.js';
import { createMap, sayMapUnavailable } from './workspace-map.js';

const COLORS = ['match', ['get', 'state'], 'adapted', '#15803d', 'late', '#b91c1c', '#cbd5e1'];
const element = document.getElementById('campaign-map');

function bounds(features) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      box[0] = Math.min(box[0], c[0]); box[1] = Math.min(box[1], c[1]);
      box[2] = Math.max(box[2], c[0]); box[3] = Math.max(box[3], c[1]);
    } else c.forEach(walk);
  };
  for (const feature of features) walk(feature.geometry.coordinates);
  return [[box[0], box[1]], [box[2], box[3]]];
}

if (element) {
  const { map, ready } = createMap(element, { interactive: false });
  element.relaisMap = map;
  // The network failing counts as no answer: the map says so (the table above tells the same).
  const targets = api(`/api/campaigns/${element.dataset.campaign}/map`).catch(() => ({ ok: false }));
  Promise.all([ready, targets]).then(([, answer]) => {
    if (!answer.ok) { sayMapUnavailable(element); return; }
    map.addSource('targets', { type: 'geojson', data: answer.body });
    map.addLayer({ id: 'targets-fill', type: 'fill', source: 'targets', paint: { 'fill-color': COLORS, 'fill-opacity': 0.7 } });
    map.addLayer({ id: 'targets-line', type: 'line', source: 'targets', paint: { 'line-color': '#1f4e8c', 'line-width': 1 } });
    if (answer.body.features.length) map.fitBounds(bounds(answer.body.features), { padding: 20, duration: 0 });
    map.once('idle', () => { element.dataset.ready = '1'; });
  });
}
