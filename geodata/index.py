"""In-memory indexes of territory (and gazetteer area) shapes for point lookups.

PostGIS stays the source of truth; each process keeps prepared shapely geometries. It knows
when they are stale from one counter row per table (``index_versions``, bumped by a trigger on
every statement that changes the table), read by primary key: the cost of that check does not
grow with the number of territories. A rebuild reuses the prepared shapes of the territories
whose row version did not change, so after one territory changes only its shape is fetched.

**Border rule.** A territory covers the points of its boundary. When several territories cover
a point, the deepest one in the hierarchy wins; among equally deep ones (siblings sharing a
border, or overlapping), the one with the smallest id — the oldest — wins. The rule is the same
for single and bulk lookups.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from regions.models import AdminArea, IndexVersion, Territory

NO_TERRITORY = 0
MAX_DEPTH = 64
# Bulk lookups sweep the shapes one by one up to this many; beyond, the per-shape Python work
# (35,000 communes: ~10 µs a shape) outweighs the points' own, and a grid of columns is used.
SWEEP_MAX_SHAPES = 1000
_MAX_COLUMNS = 4096
_KEY_STRIDE = 256.0  # column * stride + (lat + 90): latitudes (0..180) never reach the next
_KEY_SLACK = 1e-9  # widens the key ranges past rounding: the exact box test follows


@dataclass(frozen=True, slots=True)
class TerritoryInfo:
    """What the index knows of a territory besides its shape."""

    id: int
    slug: str
    name: str
    kind: str
    parent_id: int | None
    depth: int


def index_version(session: Session, table: str = "territories") -> int:
    """The change counter of ``table`` (one row read by primary key)."""
    return int(session.scalar(select(IndexVersion.version).where(IndexVersion.name == table))
               or 0)


class PreparedShapes:
    """Prepared shapes in assignment order: where several cover a point, the last one wins.

    Bulk lookups take one of three ways, all with the same answer: few points, many shapes:
    the tree, point by point; few shapes: a sweep, shape by shape, over the points sorted by
    longitude; many shapes and points: a grid (``_locate_in_columns``), all in array operations.
    """

    def __init__(self, keys: Sequence[int], shapes: Sequence[shapely.Geometry]) -> None:
        self.keys = np.asarray(keys, dtype=np.int64)
        self.shapes = list(shapes)
        for shape in self.shapes:
            shapely.prepare(shape)
        self.bounds = (shapely.bounds(np.array(self.shapes, dtype=object))
                       if self.shapes else np.empty((0, 4)))
        self.tree = shapely.STRtree(self.shapes)
        self.shape_array = np.array(self.shapes, dtype=object)

    def locate_many(
        self, lons: NDArray[np.float64], lats: NDArray[np.float64], missing: int = 0
    ) -> NDArray[np.int64]:
        """The winning key for each point (``missing`` when outside all)."""
        result = np.full(len(lons), missing, dtype=np.int64)
        if len(lons) == 0 or len(self.shapes) == 0:
            return result
        if len(lons) * 16 < len(self.shapes):  # few points, many shapes: ask the tree
            return np.array([self.locate_one(x, y, missing) for x, y in zip(
                lons.tolist(), lats.tolist(), strict=True)], dtype=np.int64)
        if len(self.shapes) > SWEEP_MAX_SHAPES:
            return self._locate_in_columns(lons, lats, result)
        order = np.argsort(lons, kind="stable")
        sorted_lons, sorted_lats = lons[order], lats[order]
        starts = np.searchsorted(sorted_lons, self.bounds[:, 0], side="left")
        stops = np.searchsorted(sorted_lons, self.bounds[:, 2], side="right")
        for k in np.nonzero(starts < stops)[0].tolist():
            start, stop = int(starts[k]), int(stops[k])
            lat_window = sorted_lats[start:stop]
            inside_box = (lat_window >= self.bounds[k, 1]) & (lat_window <= self.bounds[k, 3])
            candidates = np.nonzero(inside_box)[0] + start
            if candidates.size == 0:
                continue
            hits = shapely.intersects_xy(self.shapes[k], sorted_lons[candidates],
                                         sorted_lats[candidates])
            result[order[candidates[hits]]] = self.keys[k]
        return result

    def _locate_in_columns(self, lons: NDArray[np.float64], lats: NDArray[np.float64],
                           result: NDArray[np.int64]) -> NDArray[np.int64]:
        """Many shapes: candidate (shape, point) pairs from a grid, no loop over the shapes.

        The points are sorted by column (as wide as the median shape), then latitude, in one
        key; each shape reads, in each column its box spans, the points within its latitudes
        (two binary searches for all at once). The pairs inside the box are tested, in shape
        order, and each point keeps its last hit: the same winner as the sweep.
        """
        widths = self.bounds[:, 2] - self.bounds[:, 0]
        widths = widths[np.isfinite(widths)]
        bounds = np.nan_to_num(self.bounds, nan=np.inf)  # an empty shape spans no column
        west = float(lons.min())
        width = max(float(np.median(widths)) if widths.size else 0.0,
                    (float(lons.max()) - west) / _MAX_COLUMNS, 1e-9)
        columns = np.floor((lons - west) / width).astype(np.int64)
        keys = columns * _KEY_STRIDE + (lats + 90.0)
        order = np.argsort(keys, kind="stable")
        sorted_keys, sorted_lons, sorted_lats = keys[order], lons[order], lats[order]
        last_column = int(columns.max())
        first = np.clip(np.floor((bounds[:, 0] - west) / width), 0, last_column + 1)
        last = np.clip(np.floor((bounds[:, 2] - west) / width), -1, last_column)
        spans = np.maximum(last - first + 1, 0).astype(np.int64)  # 0: west or east of all
        first = first.astype(np.int64)
        shape_of = np.repeat(np.arange(len(bounds)), spans)
        base = _ranges(first, spans) * _KEY_STRIDE + 90.0
        low = np.searchsorted(sorted_keys, base + bounds[shape_of, 1] - _KEY_SLACK, "left")
        high = np.searchsorted(sorted_keys, base + bounds[shape_of, 3] + _KEY_SLACK, "right")
        shape_ks = np.repeat(shape_of, high - low)
        point_js = _ranges(low, high - low)
        xs, ys = sorted_lons[point_js], sorted_lats[point_js]
        box = bounds[shape_ks]
        in_box = (xs >= box[:, 0]) & (xs <= box[:, 2]) & (ys >= box[:, 1]) & (ys <= box[:, 3])
        shape_ks, point_js = shape_ks[in_box], point_js[in_box]
        hits = shapely.intersects_xy(self.shape_array[shape_ks], xs[in_box], ys[in_box])
        shape_ks, point_js = shape_ks[hits], point_js[hits]
        by_point = np.argsort(point_js, kind="stable")  # keeps the shape order within a point
        shape_ks, point_js = shape_ks[by_point], point_js[by_point]
        winner = np.ones(point_js.size, dtype=bool)
        winner[:-1] = point_js[1:] != point_js[:-1]
        result[order[point_js[winner]]] = self.keys[shape_ks[winner]]
        return result

    def locate_one(self, lon: float, lat: float, missing: int = 0) -> int:
        """The winning key for one point: bounding boxes from the tree, then shapes."""
        # shapely.points, not Point(): the class's constructor checks its arguments through
        # numpy (array, squeeze, dtype test) and costs several times the tree query itself.
        candidates = self.tree.query(shapely.points(lon, lat))
        if candidates.size == 0:
            return missing
        candidates.sort()
        hits = candidates[shapely.intersects_xy(self.shape_array[candidates], lon, lat)]
        return int(self.keys[hits[-1]]) if hits.size else missing


def _ranges(starts: NDArray[np.int64], counts: NDArray[np.int64]) -> NDArray[np.int64]:
    """``[start, start + count)`` for each pair, end to end (``counts`` ≥ 0)."""
    total = int(counts.sum())
    steps = np.ones(total, dtype=np.int64)
    if total == 0:
        return steps
    kept = counts > 0
    starts, counts = starts[kept], counts[kept]
    firsts = np.cumsum(counts) - counts
    steps[0] = starts[0]
    steps[firsts[1:]] = starts[1:] - (starts[:-1] + counts[:-1] - 1)
    return np.cumsum(steps)


class TerritoryIndex:
    """Every territory (shapeless groupings too, as ancestors) and the shaped ones prepared."""

    def __init__(self, infos: list[TerritoryInfo], shapes: dict[int, shapely.Geometry],
                 versions: dict[int, int] | None = None) -> None:
        self.by_id = {info.id: info for info in infos}
        self.versions = versions or {}
        self.shape_by_id = shapes
        # Assign shallow first and, at equal depth, larger ids first: later writes win, so the
        # deepest territory and then the smallest id end up in the result.
        shaped = sorted((info for info in infos if info.id in shapes),
                        key=lambda info: (info.depth, -info.id))
        self.prepared = PreparedShapes([info.id for info in shaped],
                                       [shapes[info.id] for info in shaped])

    @classmethod
    def load(cls, session: Session, previous: TerritoryIndex | None = None) -> TerritoryIndex:
        """Read the territories; fetch only shapes new or changed since ``previous``."""
        rows = session.execute(select(
            Territory.id, Territory.slug, Territory.name, Territory.kind, Territory.parent_id,
            Territory.version, Territory.geom.is_not(None))).all()
        parents = {row[0]: row[4] for row in rows}
        infos = [TerritoryInfo(row[0], row[1], row[2], row[3], row[4], _depth(row[4], parents))
                 for row in rows]
        versions = {row[0]: row[5] for row in rows}
        shapes: dict[int, shapely.Geometry] = {}
        stale = []
        for row in rows:
            if not row[6]:
                continue
            if previous is not None and previous.versions.get(row[0]) == row[5] and (
                    row[0] in previous.shape_by_id):
                shapes[row[0]] = previous.shape_by_id[row[0]]
            else:
                stale.append(row[0])
        if stale:
            # Many changed (a roll-out): one scan beats a list of thousands of ids.
            few = previous is not None and len(stale) * 4 < len(rows)
            wanted = Territory.id.in_(stale) if few else Territory.geom.is_not(None)
            for territory_id, wkb in session.execute(
                    select(Territory.id, func.ST_AsBinary(Territory.geom)).where(wanted)):
                shapes[territory_id] = shapely.from_wkb(bytes(wkb))
        return cls(infos, shapes, versions)

    def locate_many(
        self, lons: NDArray[np.float64], lats: NDArray[np.float64]
    ) -> NDArray[np.int64]:
        """The winning territory id for each point (``NO_TERRITORY`` when outside all)."""
        return self.prepared.locate_many(lons, lats, NO_TERRITORY)

    def locate_one(self, lon: float, lat: float) -> int:
        """The winning territory id for one point (``NO_TERRITORY`` when outside all)."""
        return self.prepared.locate_one(lon, lat, NO_TERRITORY)

    def ancestors(self, territory_id: int) -> list[TerritoryInfo]:
        """The territory's parents up to the root, nearest first."""
        chain: list[TerritoryInfo] = []
        parent = self.by_id[territory_id].parent_id
        while parent is not None and parent in self.by_id and len(chain) < MAX_DEPTH:
            chain.append(self.by_id[parent])
            parent = self.by_id[parent].parent_id
        return chain


def _depth(parent: int | None, parents: dict[int, int | None]) -> int:
    depth = 0
    while parent is not None and depth < MAX_DEPTH:
        depth, parent = depth + 1, parents.get(parent)
    return depth


@dataclass(frozen=True, slots=True)
class AreaInfo:
    """A gazetteer area as the area index knows it."""

    id: int
    level: str
    code: str
    name: str


class AreaIndex:
    """The gazetteer's areas, one prepared set per level, for bulk lookups.

    Within a level, where areas overlap (borders that disagree), the smallest code wins.
    """

    def __init__(self, infos: list[AreaInfo], shapes: Sequence[shapely.Geometry]) -> None:
        self.by_id = {info.id: info for info in infos}
        self.levels: dict[str, PreparedShapes] = {}
        for level in sorted({info.level for info in infos}):
            members = sorted((i for i, info in enumerate(infos) if info.level == level),
                             key=lambda i: infos[i].code, reverse=True)
            self.levels[level] = PreparedShapes([infos[i].id for i in members],
                                                [shapes[i] for i in members])

    @classmethod
    def load(cls, session: Session) -> AreaIndex:
        """Read every gazetteer area with its full-resolution shape."""
        infos, shapes = [], []
        for row in session.execute(select(AdminArea.id, AdminArea.level, AdminArea.code,
                                          AdminArea.name, func.ST_AsBinary(AdminArea.geom))):
            infos.append(AreaInfo(row[0], row[1], row[2], row[3]))
            shapes.append(shapely.from_wkb(bytes(row[4])))
        return cls(infos, shapes)


class IndexCache:
    """One process's current indexes, rebuilt when their table's change counter moves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: int | None = None
        self._index: TerritoryIndex | None = None
        self._area_version: int | None = None
        self._areas: AreaIndex | None = None

    def get(self, session: Session, version: int | None = None) -> TerritoryIndex:
        """The territory index matching the database as this session sees it.

        ``version`` is the territories' change counter when the caller read it with another
        query. It is read before the territories, so an index is never labelled newer than
        what it holds (at worst a change committed in between causes one extra rebuild).
        """
        version = index_version(session) if version is None else version
        with self._lock:
            if self._index is None or version != self._version:
                self._index = TerritoryIndex.load(session, self._index)
                self._version = version
            return self._index

    def at(self, version: int) -> TerritoryIndex | None:
        """The index held if it matches this change counter (read elsewhere), else None."""
        with self._lock:
            return self._index if self._index is not None and version == self._version else None

    def areas(self, session: Session) -> AreaIndex:
        """The gazetteer area index (built on first use: only bulk lookups with areas need it)."""
        version = index_version(session, "admin_areas")
        with self._lock:
            if self._areas is None or version != self._area_version:
                self._areas, self._area_version = AreaIndex.load(session), version
            return self._areas

    @property
    def held(self) -> TerritoryIndex | None:
        """The index held now, unchecked against the counter (to guess what to ask for)."""
        return self._index

    @property
    def built(self) -> bool:
        """Whether a territory index is held (it may still be checked against the counter)."""
        return self._index is not None

    def warm(self, session: Session) -> None:
        """Build the territory index now (at worker start), not during the first request."""
        self.get(session)
