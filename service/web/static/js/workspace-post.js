// The post page: its place on a small map, inside the territory's outline.
import { createMap, showPlace, showTerritory } from './workspace-map.js';

const element = document.getElementById('post-map');
if (element) {
  const { map, ready } = createMap(element, { interactive: false });
  const { territoryId, lon, lat, radius } = element.dataset;
  ready.then(async () => {
    await showTerritory(map, territoryId);
    showPlace(map, Number(lon), Number(lat), Number(radius) || 0);
  });
}
