// The map of regional activity: territories shaded by activity, posts from the vector tiles,
// a territory's panel with its coverage gaps (hatched), audience conflicts as linked pairs.
// Everything shown on the map is also listed in the tables below it.
import * as maplibregl from '/static/vendor/maplibre-gl/maplibre-gl.mjs';
import { api, debounce, escapeHtml, mapLocale, pageLanguage } from './relais.js';
import { circle } from './workspace-map.js';

const container = document.getElementById('map');
const form = document.getElementById('map-filters');
const words = JSON.parse(container.dataset.words);
const isDesk = container.dataset.desk === '1';
// The territory table's columns, as the page chose them for this person (data-column).
const COLUMNS = [...document.querySelectorAll('#territory-table thead th[data-column]')].map((th) => th.dataset.column);
const EMPTY = { type: 'FeatureCollection', features: [] };
const CHILD_ZOOM = 7;
const LIST_LIMIT = 200;
const RAMP = ['#f1f5f9', '#c7d7f0', '#7ea6dc', '#2f5fa8'];
const STATUS_COLORS = {
  draft: '#6b7280', submitted: '#b45309', changes_requested: '#a16207', approved: '#0e7490',
  scheduled: '#1d4ed8', published: '#15803d', failed: '#b91c1c', rejected: '#7f1d1d',
  withdrawn: '#9ca3af', archived: '#9ca3af',
};
const DATES = new Intl.DateTimeFormat(pageLanguage(), { dateStyle: 'medium', timeStyle: 'short' });

const state = { territories: [], byId: new Map(), posts: [], selected: null, popup: null, shownCount: 0 };

const NUMBERS = new Intl.NumberFormat(pageLanguage()); // « 1 234 », « 2,5 » in French
const PLURALS = new Intl.PluralRules(pageLanguage());
const shown = (value) => (typeof value === 'number' ? NUMBERS.format(value) : value ?? '');
const format = (template, values) => template.replace(/%\((\w+)\)s/g, (_m, key) => shown(values[key]));
/** A message that agrees with the number `n`: its form for n's plural category (see web/map.py). */
const counted = (forms, n, values) => format(forms[PLURALS.select(n)] ?? forms.other, values);
const when = (iso) => (iso ? DATES.format(new Date(iso)) : '—');
const statusLabel = (status) => words.statuses[status] || status;
/** A post as the pages name it (« Post n° 51 »): its id as written, never grouped like a count. */
const postName = (id) => format(words.post_name, { id: String(id) });

/** The filters as the form holds them. */
function filters() {
  const data = new FormData(form);
  const days = Number(data.get('days'));
  return {
    period: data.get('period') || '0', status: data.get('status') || '',
    campaign: data.get('campaign') || '', territory: data.get('territory') || '',
    shade: data.get('shade') || 'published',
    days: Number.isInteger(days) && days >= 1 && days <= 3650 ? days : 30,
    conflicts: form.elements.conflicts.checked,
    ambassadors: form.elements.ambassadors ? form.elements.ambassadors.checked : false,
  };
}

function since(period) {
  const days = Number(period);
  return days > 0 ? new Date(Date.now() - days * 86400000).toISOString() : null;
}

/** The view in the address (filters, centre, zoom, open panel): a link to share. */
function saveView() {
  const f = filters();
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries({ period: f.period, status: f.status, campaign: f.campaign,
    territory: f.territory, shade: f.shade, days: String(f.days) })) {
    if (value && !(key === 'period' && value === '0') && !(key === 'shade' && value === 'published')
        && !(key === 'days' && value === '30')) query.set(key, value);
  }
  if (!f.conflicts) query.set('conflicts', '0');
  if (f.ambassadors) query.set('ambassadors', '1');
  const centre = map.getCenter();
  query.set('center', `${centre.lng.toFixed(4)},${centre.lat.toFixed(4)}`);
  query.set('zoom', map.getZoom().toFixed(2));
  if (state.selected) query.set('panel', String(state.selected));
  const address = `${location.pathname}?${query}`;
  history.replaceState(null, '', address);
  document.getElementById('share-link').href = address;
}

function initialView() {
  const query = new URLSearchParams(location.search);
  const centre = (query.get('center') || '').split(',').map(Number);
  const zoom = Number(query.get('zoom'));
  return {
    center: centre.length === 2 && centre.every(Number.isFinite) ? centre : [2.5, 46.6],
    zoom: Number.isFinite(zoom) && query.get('zoom') ? Math.min(Math.max(zoom, 0), 18) : 4.6,
    fitted: Boolean(query.get('center')),
    panel: Number(query.get('panel')) || null,
  };
}

function baseStyle() {
  const style = { version: 8, sources: {}, layers: [
    { id: 'bg', type: 'background', paint: { 'background-color': '#eef2f6' } }] };
  const tiles = container.dataset.basemap;
  if (tiles) {
    const host = new URL(tiles.replace(/[{}]/g, '')).host;
    style.sources.basemap = { type: 'raster', tiles: [tiles], tileSize: 256, maxzoom: 19,
      attribution: host.includes('openstreetmap') ? '© OpenStreetMap contributors' : host };
    style.layers.push({ id: 'basemap', type: 'raster', source: 'basemap', paint: { 'raster-opacity': 0.8 } });
  }
  return style;
}

const view = initialView();
const map = new maplibregl.Map({
  container, style: baseStyle(), center: view.center, zoom: view.zoom,
  attributionControl: { compact: true }, locale: mapLocale(),
  transformRequest: (url) => (url.startsWith(location.origin) ? { url, credentials: 'same-origin' } : { url }),
});
container.relaisMap = map; // the browser tests read rendered features through it
map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
// A base tile that cannot be fetched (offline) leaves the plain background: not an error.
map.on('error', (event) => {
  if (event.sourceId === 'basemap') return;
  console.warn('map:', event.error?.message || event);
});

/** A diagonal hatch drawn on a canvas, for the coverage gaps' fill pattern. */
function hatch(size = 8) {
  const canvas = document.createElement('canvas');
  canvas.width = size; canvas.height = size;
  const pen = canvas.getContext('2d');
  pen.strokeStyle = 'rgba(194, 65, 12, 0.9)';
  pen.lineWidth = 1.5;
  pen.beginPath();
  pen.moveTo(0, size); pen.lineTo(size, 0);
  pen.moveTo(-size / 2, size / 2); pen.lineTo(size / 2, -size / 2);
  pen.moveTo(size / 2, size * 1.5); pen.lineTo(size * 1.5, size / 2);
  pen.stroke();
  return pen.getImageData(0, 0, size, size);
}

function tileUrl() {
  const status = filters().status;
  return `${location.origin}/api/map/posts/{z}/{x}/{y}.mvt${status ? `?status=${status}` : ''}`;
}

const value = ['coalesce', ['get', 'value'], 0];
const shade = ['step', value, RAMP[0], 1, RAMP[1], 3, RAMP[2], 6, RAMP[3]];
const size = ['coalesce', ['get', 'count'], ['get', 'point_count'], 1];

function addLayers() {
  map.addImage('hatch', hatch());
  for (const name of ['territories', 'gaps', 'conflicts', 'audience', 'ambassadors']) {
    map.addSource(name, { type: 'geojson', data: EMPTY });
  }
  map.addSource('posts', { type: 'vector', tiles: [tileUrl()], minzoom: 0, maxzoom: 16 });
  map.addLayer({ id: 'territory-fill', type: 'fill', source: 'territories', filter: ['==', ['get', 'level'], 0],
    paint: { 'fill-color': shade, 'fill-opacity': ['interpolate', ['linear'], ['zoom'], CHILD_ZOOM - 1, 0.65, CHILD_ZOOM + 1, 0.2] } });
  map.addLayer({ id: 'territory-child-fill', type: 'fill', source: 'territories', minzoom: CHILD_ZOOM - 1,
    filter: ['>', ['get', 'level'], 0],
    paint: { 'fill-color': shade, 'fill-opacity': ['interpolate', ['linear'], ['zoom'], CHILD_ZOOM - 1, 0, CHILD_ZOOM + 1, 0.65] } });
  map.addLayer({ id: 'territory-line', type: 'line', source: 'territories',
    paint: { 'line-color': '#1f4e8c', 'line-width': ['case', ['==', ['get', 'level'], 0], 1.8, 1] } });
  map.addLayer({ id: 'territory-selected', type: 'line', source: 'territories', filter: ['==', ['get', 'id'], -1],
    paint: { 'line-color': '#123c69', 'line-width': 3.5 } });
  map.addLayer({ id: 'gaps-fill', type: 'fill', source: 'gaps', paint: { 'fill-pattern': 'hatch' } });
  map.addLayer({ id: 'gaps-line', type: 'line', source: 'gaps', paint: { 'line-color': '#9a3412', 'line-width': 1 } });
  map.addLayer({ id: 'audience-fill', type: 'fill', source: 'audience', paint: { 'fill-color': '#d97706', 'fill-opacity': 0.15 } });
  map.addLayer({ id: 'audience-line', type: 'line', source: 'audience',
    paint: { 'line-color': '#b45309', 'line-width': 1.5, 'line-dasharray': [2, 1] } });
  map.addLayer({ id: 'conflict-line', type: 'line', source: 'conflicts',
    paint: { 'line-color': '#b91c1c', 'line-width': 2.5, 'line-dasharray': [2, 1.5] } });
  map.addLayer({ id: 'ambassadors-circle', type: 'circle', source: 'ambassadors',
    paint: {
      'circle-color': '#7c3aed', 'circle-opacity': 0.55, 'circle-stroke-color': '#4c1d95', 'circle-stroke-width': 1.5,
      'circle-radius': ['interpolate', ['linear'], ['get', 'clicks'], 0, 8, 10, 14, 100, 22, 1000, 32],
    } });
  map.addLayer({ id: 'posts-circle', type: 'circle', source: 'posts', 'source-layer': 'posts',
    paint: {
      'circle-color': ['match', ['coalesce', ['get', 'status'], ''], ...Object.entries(STATUS_COLORS).flat(), '#1f4e8c'],
      'circle-radius': ['interpolate', ['linear'], size, 1, 6, 10, 11, 100, 18, 1000, 26],
      'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5,
    } });
}

/** How deep each territory sits among those drawn: regions 0, their children 1… */
function levels(features) {
  const byId = new Map(features.map((f) => [f.properties.id, f]));
  const depth = (feature, seen = 0) => {
    const parent = byId.get(feature.properties.parent_id);
    return parent && seen < 10 ? 1 + depth(parent, seen + 1) : 0;
  };
  for (const feature of features) feature.properties.level = depth(feature);
}

/** The chosen territory and all below it (ids), or null for every territory. */
function scope(territoryId) {
  if (!territoryId) return null;
  const ids = new Set([Number(territoryId)]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const t of state.territories) {
      if (!ids.has(t.properties.id) && ids.has(t.properties.parent_id)) { ids.add(t.properties.id); grew = true; }
    }
  }
  return ids;
}

async function loadTerritories() {
  const f = filters();
  const query = new URLSearchParams({ zoom: '8' });
  const from = since(f.period);
  if (from) query.set('since', from);
  const [activity, adaptations] = await Promise.all([
    api(`/api/map/activity?${query}`),
    api(`/api/map/adaptations${f.campaign ? `?campaign_id=${f.campaign}` : ''}`)]);
  if (!activity.ok || !adaptations.ok) throw new Error(words.load_failed);
  const late = new Map(adaptations.body.map((row) => [row.territory_id, row]));
  const features = activity.body.features;
  levels(features);
  for (const feature of features) {
    const p = feature.properties;
    p.late = late.get(p.id)?.late ?? 0;
    p.value = p[f.shade] ?? 0;
  }
  state.territories = features;
  state.byId = new Map(features.map((feature) => [feature.properties.id, feature]));
  const shown = scope(f.territory);
  const drawn = shown ? features.filter((t) => shown.has(t.properties.id)) : features;
  state.shownCount = drawn.length;
  map.getSource('territories').setData({ type: 'FeatureCollection', features: drawn });
  renderTerritoryTable(shown);
  document.getElementById('legend-measure').textContent = format(words.legend_measure, { measure: words.measures[f.shade] });
}

function renderTerritoryTable(shown) {
  const body = document.querySelector('#territory-table tbody');
  body.replaceChildren();
  for (const t of state.territories) {
    const p = t.properties;
    if (shown && !shown.has(p.id)) continue;
    const row = document.createElement('tr');
    row.innerHTML = `<td><button type="button" class="link" data-territory="${p.id}">${escapeHtml(p.name)}</button></td>`
      + COLUMNS.map((key) => `<td>${NUMBERS.format(Number(p[key] ?? 0))}</td>`).join('');
    body.append(row);
  }
}

function bboxOfView() {
  const b = map.getBounds();
  const clamp = (n, limit) => Math.max(-limit, Math.min(limit, n)).toFixed(5);
  return [clamp(b.getWest(), 180), clamp(b.getSouth(), 90), clamp(b.getEast(), 180), clamp(b.getNorth(), 90)].join(',');
}

async function loadPosts() {
  const f = filters();
  const query = new URLSearchParams({ limit: String(LIST_LIMIT), bbox: bboxOfView() });
  if (f.status) query.set('status', f.status);
  if (f.campaign) query.set('campaign_id', f.campaign);
  if (f.territory) query.set('territory_id', f.territory);
  const from = since(f.period);
  if (from) query.set('publish_from', from);
  const answer = await api(`/api/posts?${query}`);
  if (!answer.ok) throw new Error(words.load_failed);
  state.posts = answer.body.items;
  const more = Boolean(answer.body.next_cursor);
  state.morePosts = more;
  filterPostLayer(f, from);
  renderPostTable(more);
}

/** Narrow the tiles' posts to the filters the tiles do not apply themselves. */
function filterPostLayer(f, from) {
  const conditions = ['all'];
  const shown = scope(f.territory);
  if (shown) conditions.push(['any', ['!', ['has', 'territory_id']], ['in', ['get', 'territory_id'], ['literal', [...shown]]]]);
  if (f.campaign || from) {
    conditions.push(['any', ['!', ['has', 'id']], ['in', ['get', 'id'], ['literal', state.posts.map((p) => p.id)]]]);
  }
  map.setFilter('posts-circle', conditions.length > 1 ? conditions : null);
}

function renderPostTable(more) {
  const body = document.querySelector('#post-table tbody');
  body.replaceChildren();
  for (const post of state.posts) {
    const row = document.createElement('tr');
    const territory = state.byId.get(post.territory_id)?.properties.name ?? '';
    const text = post.text ? escapeHtml(post.text.slice(0, 90)) : escapeHtml(words.no_text);
    row.innerHTML = `<td><a href="/posts/${post.id}">${escapeHtml(postName(post.id))} · ${text}</a></td>`
      + `<td><span class="badge status-${escapeHtml(post.status)}">${escapeHtml(statusLabel(post.status))}</span></td>`
      + `<td>${escapeHtml(territory)}</td><td>${escapeHtml(when(post.publish_at))}</td>`;
    body.append(row);
  }
  const count = document.getElementById('posts-count');
  count.textContent = !state.posts.length ? words.no_post
    : more ? format(words.posts_many, { count: state.posts.length })
      : counted(words.posts_shown, state.posts.length, { count: state.posts.length });
  container.dataset.postCount = String(state.posts.length);
}

async function loadConflicts() {
  const f = filters();
  if (!f.conflicts) { map.getSource('conflicts').setData(EMPTY); return 0; }
  const query = new URLSearchParams();
  const from = since(f.period);
  if (from) query.set('since', from);
  if (f.territory) query.set('territory_id', f.territory);
  if (f.campaign) query.set('campaign_id', f.campaign);
  const answer = await api(`/api/map/conflicts?${query}`);
  if (!answer.ok) throw new Error(words.load_failed);
  map.getSource('conflicts').setData(answer.body);
  return answer.body.features.length;
}

/** The ambassadors layer: their shares and clicks by territory, on the map and as a table. */
async function loadAmbassadors() {
  const f = filters();
  const body = document.querySelector('#ambassador-table tbody');
  if (!f.ambassadors) { map.getSource('ambassadors').setData(EMPTY); body.replaceChildren(); return; }
  const answer = await api(`/api/map/ambassadors${f.campaign ? `?campaign_id=${f.campaign}` : ''}`);
  if (!answer.ok) throw new Error(words.load_failed);
  map.getSource('ambassadors').setData(answer.body);
  body.replaceChildren(...answer.body.features.map((feature) => {
    const row = document.createElement('tr');
    const p = feature.properties;
    row.innerHTML = `<td>${escapeHtml(p.name)}</td><td>${NUMBERS.format(Number(p.shares))}</td><td>${NUMBERS.format(Number(p.clicks))}</td>`;
    return row;
  }));
}

function say(text) { document.getElementById('map-status').textContent = text; }

async function refresh({ territories = true } = {}) {
  try {
    const jobs = [loadPosts()];
    if (territories) jobs.push(loadTerritories().then(() => loadConflicts()));
    if (territories) jobs.push(loadAmbassadors());
    const results = await Promise.all(jobs);
    if (territories) renderPostTable(state.morePosts); // the table names each post's territory
    if (territories) {
      say([counted(words.territories_shown, state.shownCount, { count: state.shownCount }),
        filters().conflicts ? counted(words.conflicts, results[1], { count: results[1] }) : ''].join(' ').trim());
    }
  } catch (error) {
    say(error.message || words.load_failed);
  }
  container.dataset.updates = String(Number(container.dataset.updates || 0) + 1);
  saveView();
}

function listItem(html) {
  const item = document.createElement('li');
  item.innerHTML = html;
  return item;
}

/** A territory's panel: posts by status, latest posts, adaptations due, coverage gaps. */
async function openPanel(id) {
  state.selected = id;
  map.setFilter('territory-selected', ['==', ['get', 'id'], id]);
  let panel; let gaps;
  try {
    [panel, gaps] = await Promise.all([
      api(`/api/map/territories/${id}/panel`), api(`/api/map/territories/${id}/gaps?days=${filters().days}`)]);
  } catch {
    panel = { ok: false }; // the network failed
  }
  const hint = document.getElementById('panel-hint');
  if (!panel.ok || !gaps.ok) { // say so in the panel: the last territory's figures must not stay
    document.getElementById('panel-title').textContent = state.byId.get(id)?.properties.name ?? words.territory;
    hint.textContent = words.panel_failed;
    hint.className = 'notice warning';
    hint.hidden = false;
    document.getElementById('panel-body').hidden = true;
    return;
  }
  const p = panel.body;
  document.getElementById('panel-title').textContent = p.name;
  hint.hidden = true;
  document.getElementById('panel-body').hidden = false;
  document.getElementById('panel-counts').replaceChildren(...Object.entries(p.counts).map(([status, n]) =>
    listItem(`<span class="dot status-${escapeHtml(status)}" aria-hidden="true"></span>${escapeHtml(format(words.count_line, { status: statusLabel(status), count: Number(n) }))}`)));
  const none = (text) => [listItem(`<span class="muted">${escapeHtml(text)}</span>`)];
  document.getElementById('panel-recent').replaceChildren(...(p.recent.length ? [] : none(words.no_recent)), ...p.recent.map((post) =>
    listItem(`<a href="/posts/${post.id}">${escapeHtml(postName(post.id))} · ${escapeHtml(post.excerpt || words.no_text)}</a> <span class="small muted">${escapeHtml(statusLabel(post.status))}</span>`)));
  document.getElementById('panel-adaptations').replaceChildren(...(p.adaptations.length ? [] : none(words.no_adaptation)), ...p.adaptations.map((a) =>
    listItem(`<a href="/campaigns/${a.campaign_id}">${escapeHtml(a.title)}</a> · ${escapeHtml(a.territory_name)} · `
      + `<span class="small ${a.late ? 'badge late' : 'muted'}">${escapeHtml(a.deadline ? when(a.deadline) : words.no_deadline)}${a.late ? ` (${escapeHtml(words.late)})` : ''}</span>`)));
  const review = document.getElementById('panel-review');
  review.hidden = !isDesk;
  document.getElementById('panel-review-link').href = `/review?territory=${id}`;
  const g = gaps.body;
  document.getElementById('panel-gaps').textContent = g.areas
    ? counted(words.gaps, g.gaps, { gaps: g.gaps, areas: g.areas, days: g.days }) : words.no_areas;
  container.dataset.gaps = String(g.gaps);
  map.getSource('gaps').setData(g);
  saveView();
}

async function showPost(feature, lngLat) {
  const id = feature.properties.id;
  if (!id) { map.easeTo({ center: lngLat, zoom: map.getZoom() + 2 }); return; }
  let answer;
  try {
    answer = await api(`/api/posts/${id}`);
  } catch {
    answer = { ok: false }; // the network failed
  }
  if (!answer.ok) { // in the popup where the post would show, and in the page's status line
    state.popup?.remove();
    state.popup = new maplibregl.Popup({ maxWidth: '18rem' }).setLngLat(lngLat)
      .setHTML(`<p class="notice warning">${escapeHtml(words.post_failed)}</p>`).addTo(map);
    say(words.post_failed);
    return;
  }
  const post = answer.body;
  const where = post.geotag ? [post.geotag.lon, post.geotag.lat] : [lngLat.lng, lngLat.lat];
  const territory = state.byId.get(post.territory_id)?.properties.name ?? '';
  const radius = post.audience?.radius_km;
  state.popup?.remove();
  state.popup = new maplibregl.Popup({ maxWidth: '18rem' }).setLngLat(where).setHTML(
    `<p><strong>${escapeHtml(postName(post.id))}</strong> <span class="badge status-${escapeHtml(post.status)}">${escapeHtml(statusLabel(post.status))}</span></p>`
    + `<p>${escapeHtml((post.text || words.no_text).slice(0, 160))}</p>`
    + `<p class="small muted">${escapeHtml(territory)} · ${escapeHtml(when(post.publish_at))}</p>`
    + (radius ? `<p class="small">${escapeHtml(format(words.audience, { km: radius }))}</p>` : '')
    + `<p><a href="/posts/${post.id}">${escapeHtml(words.open_post)}</a></p>`).addTo(map);
  map.getSource('audience').setData(radius && post.geotag ? circle(where[0], where[1], radius) : EMPTY);
}

function fitTerritory(id) {
  const feature = state.byId.get(Number(id));
  if (!feature?.geometry) return;
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => { if (typeof c[0] === 'number') { box[0] = Math.min(box[0], c[0]); box[1] = Math.min(box[1], c[1]); box[2] = Math.max(box[2], c[0]); box[3] = Math.max(box[3], c[1]); } else c.forEach(walk); };
  walk(feature.geometry.coordinates);
  map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: 30, duration: 0 });
}

map.on('load', async () => {
  addLayers();
  map.on('click', (event) => {
    const posts = map.queryRenderedFeatures(event.point, { layers: ['posts-circle'] });
    if (posts.length) { showPost(posts[0], event.lngLat); return; }
    const found = map.queryRenderedFeatures(event.point, { layers: ['territory-child-fill', 'territory-fill'] });
    if (!found.length) return;
    found.sort((a, b) => b.properties.level - a.properties.level);
    openPanel(found[0].properties.id);
  });
  for (const layer of ['posts-circle', 'territory-fill', 'territory-child-fill']) {
    map.on('mouseenter', layer, () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', layer, () => { map.getCanvas().style.cursor = ''; });
  }
  await refresh();
  const territory = filters().territory;
  if (territory && !view.fitted) fitTerritory(territory);
  if (view.panel) await openPanel(view.panel);
  map.on('moveend', debounce(() => refresh({ territories: false }), 400));
  map.once('idle', () => { container.dataset.ready = '1'; });
});

form.addEventListener('submit', (event) => { event.preventDefault(); refresh(); });
form.addEventListener('change', (event) => {
  if (event.target.name === 'status') map.getSource('posts').setTiles([tileUrl()]);
  refresh().then(() => {
    if (event.target.name === 'territory' && filters().territory) fitTerritory(filters().territory);
    if (event.target.name === 'days' && state.selected) openPanel(state.selected);
  });
});
document.getElementById('territory-table').addEventListener('click', (event) => {
  const button = event.target.closest('button[data-territory]');
  if (!button) return;
  const id = Number(button.dataset.territory);
  fitTerritory(id);
  openPanel(id).then(() => document.getElementById('panel-title').focus());
});

// Escape closes a post's popup, as it closes dialogs elsewhere.
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && state.popup) {
    state.popup.remove();
    state.popup = null;
  }
});
