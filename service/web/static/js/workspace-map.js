// The small maps of the workspace: a territory outline, the post's point, its audience circle.
import * as maplibregl from '/static/vendor/maplibre-gl/maplibre-gl.mjs';
import { api, mapLocale } from './relais.js';

const EMPTY = { type: 'FeatureCollection', features: [] };
const STYLE = {
  version: 8,
  sources: {},
  layers: [{ id: 'bg', type: 'background', paint: { 'background-color': '#eef2f6' } }],
};

/** A plain map (no tiles: this works offline) with the three layers the workspace draws. */
export function createMap(container, { interactive = true } = {}) {
  const map = new maplibregl.Map({
    container, style: STYLE, center: [2.5, 46.5], zoom: 4.5, interactive,
    attributionControl: false, locale: mapLocale(),
  });
  if (interactive) map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
  const ready = new Promise((resolve) => map.on('load', () => {
    for (const name of ['territory', 'audience', 'point']) map.addSource(name, { type: 'geojson', data: EMPTY });
    map.addLayer({ id: 'territory-fill', type: 'fill', source: 'territory', paint: { 'fill-color': '#1f6feb', 'fill-opacity': 0.08 } });
    map.addLayer({ id: 'territory-line', type: 'line', source: 'territory', paint: { 'line-color': '#1f4e8c', 'line-width': 2 } });
    map.addLayer({ id: 'audience-fill', type: 'fill', source: 'audience', paint: { 'fill-color': '#d97706', 'fill-opacity': 0.15 } });
    map.addLayer({ id: 'audience-line', type: 'line', source: 'audience', paint: { 'line-color': '#b45309', 'line-width': 1.5, 'line-dasharray': [2, 1] } });
    map.addLayer({ id: 'point', type: 'circle', source: 'point', paint: { 'circle-radius': 7, 'circle-color': '#b42318', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
    resolve(map);
  }));
  return { map, ready };
}

function extend(bounds, coordinates) {
  if (typeof coordinates[0] === 'number') {
    bounds[0] = Math.min(bounds[0], coordinates[0]); bounds[1] = Math.min(bounds[1], coordinates[1]);
    bounds[2] = Math.max(bounds[2], coordinates[0]); bounds[3] = Math.max(bounds[3], coordinates[1]);
  } else {
    for (const part of coordinates) extend(bounds, part);
  }
  return bounds;
}

/**
 * Say under a map (in its `ID-status` element, a live region) that its data could not be
 * loaded, in the words of its `data-msg-unavailable`; `false` clears the message.
 */
export function sayMapUnavailable(container, unavailable = true) {
  const status = document.getElementById(`${container.id}-status`);
  if (!status) return;
  status.textContent = unavailable ? container.dataset.msgUnavailable : '';
  status.classList.toggle('notice', unavailable);
  status.classList.toggle('warning', unavailable);
}

/**
 * Fetch a territory's outline (GeoJSON from the API), draw it and fit the map to it. When no
 * answer comes (network, server), the map says so under it.
 */
export async function showTerritory(map, territoryId) {
  if (!territoryId) { map.getSource('territory').setData(EMPTY); return; }
  let answer;
  try {
    answer = await api(`/api/territories/${territoryId}?zoom=10`);
  } catch {
    answer = { ok: false }; // the network failed
  }
  sayMapUnavailable(map.getContainer(), !answer.ok);
  if (!answer.ok || !answer.body?.geometry) { map.getSource('territory').setData(EMPTY); return; }
  map.getSource('territory').setData(answer.body);
  const box = extend([Infinity, Infinity, -Infinity, -Infinity], answer.body.geometry.coordinates);
  map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: 20, duration: 0 });
}

/** A circle of `km` around [lon, lat] as a GeoJSON polygon (on the sphere, 64 sides). */
export function circle(lon, lat, km, sides = 64) {
  const R = 6371.0088; const d = km / R;
  const φ1 = (lat * Math.PI) / 180; const λ1 = (lon * Math.PI) / 180;
  const ring = [];
  for (let i = 0; i <= sides; i += 1) {
    const θ = (2 * Math.PI * i) / sides;
    const φ2 = Math.asin(Math.sin(φ1) * Math.cos(d) + Math.cos(φ1) * Math.sin(d) * Math.cos(θ));
    const λ2 = λ1 + Math.atan2(Math.sin(θ) * Math.sin(d) * Math.cos(φ1), Math.cos(d) - Math.sin(φ1) * Math.sin(φ2));
    ring.push([((λ2 * 180) / Math.PI + 540) % 360 - 180, (φ2 * 180) / Math.PI]);
  }
  return { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } };
}

/** Draw the post's point and its audience circle (either may be missing). */
export function showPlace(map, lon, lat, km) {
  const has = Number.isFinite(lon) && Number.isFinite(lat);
  map.getSource('point').setData(has
    ? { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [lon, lat] } } : EMPTY);
  map.getSource('audience').setData(has && km > 0 ? circle(lon, lat, km) : EMPTY);
}
