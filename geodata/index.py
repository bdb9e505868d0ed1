"""An in-memory index of territory shapes for point-in-territory lookups.

PostGIS stays the source of truth; each process keeps prepared shapely geometries and rebuilds
them when the territories change (a cheap fingerprint query tells). Locating a point costs no
database round trip for the geometry work, which is what makes the bulk path fast.

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

from regions.models import Territory

NO_TERRITORY = 0


@dataclass(frozen=True, slots=True)
class TerritoryInfo:
    """What the index knows of a territory besides its shape."""

    id: int
    slug: str
    name: str
    kind: str
    parent_id: int | None
    depth: int


def fingerprint(session: Session) -> tuple[int, int, int]:
    """Changes whenever a territory is created, changed (version bump) or deleted."""
    row = session.execute(select(
        func.count(), func.coalesce(func.sum(Territory.version), 0),
        func.coalesce(func.max(Territory.id), 0),
    )).one()
    return int(row[0]), int(row[1]), int(row[2])


class TerritoryIndex:
    """Prepared territory shapes, ordered so that the border rule falls out of assignment."""

    def __init__(self, infos: list[TerritoryInfo], shapes: Sequence[shapely.Geometry]) -> None:
        self.by_id = {info.id: info for info in infos}
        # Assign shallow first and, at equal depth, larger ids first: later writes win, so the
        # deepest territory and then the smallest id end up in the result.
        order = sorted(range(len(infos)), key=lambda i: (infos[i].depth, -infos[i].id))
        self.ids = np.array([infos[i].id for i in order], dtype=np.int64)
        self.shapes = [shapes[i] for i in order]
        for shape in self.shapes:
            shapely.prepare(shape)
        self.bounds = (shapely.bounds(np.array(self.shapes, dtype=object))
                       if self.shapes else np.empty((0, 4)))
        self.tree = shapely.STRtree(self.shapes)

    @classmethod
    def load(cls, session: Session) -> TerritoryIndex:
        """Read every territory with a shape from the database."""
        rows = session.execute(
            select(Territory.id, Territory.slug, Territory.name, Territory.kind,
                   Territory.parent_id, func.ST_AsBinary(Territory.geom))
        ).all()
        parents = {row[0]: row[4] for row in rows}
        infos, shaped, shapes = [], [], []
        for row in rows:
            depth, parent = 0, row[4]
            while parent is not None and depth < 64:
                depth, parent = depth + 1, parents.get(parent)
            info = TerritoryInfo(row[0], row[1], row[2], row[3], row[4], depth)
            infos.append(info)  # shapeless groupings still appear as ancestors
            if row[5] is not None:
                shaped.append(info)
                shapes.append(shapely.from_wkb(bytes(row[5])))
        index = cls(shaped, shapes)
        index.by_id = {info.id: info for info in infos}
        return index

    def locate_many(
        self, lons: NDArray[np.float64], lats: NDArray[np.float64]
    ) -> NDArray[np.int64]:
        """The winning territory id for each point (``NO_TERRITORY`` when outside all)."""
        result = np.full(len(lons), NO_TERRITORY, dtype=np.int64)
        if len(lons) == 0 or len(self.shapes) == 0:
            return result
        order = np.argsort(lons, kind="stable")
        sorted_lons, sorted_lats = lons[order], lats[order]
        for k, shape in enumerate(self.shapes):
            minx, miny, maxx, maxy = self.bounds[k]
            start = int(np.searchsorted(sorted_lons, minx, side="left"))
            stop = int(np.searchsorted(sorted_lons, maxx, side="right"))
            if start >= stop:
                continue
            lat_window = sorted_lats[start:stop]
            candidates = np.nonzero((lat_window >= miny) & (lat_window <= maxy))[0] + start
            if candidates.size == 0:
                continue
            hits = shapely.intersects_xy(shape, sorted_lons[candidates], sorted_lats[candidates])
            result[order[candidates[hits]]] = self.ids[k]
        return result

    def locate_one(self, lon: float, lat: float) -> int:
        """The winning territory id for one point: bounding boxes from the tree, then shapes."""
        candidates = self.tree.query(shapely.Point(lon, lat))
        best = NO_TERRITORY
        for k in sorted(candidates.tolist()):  # assignment order: the last hit wins
            if shapely.intersects_xy(self.shapes[k], lon, lat):
                best = int(self.ids[k])
        return best

    def ancestors(self, territory_id: int) -> list[TerritoryInfo]:
        """The territory's parents up to the root, nearest first."""
        chain: list[TerritoryInfo] = []
        parent = self.by_id[territory_id].parent_id
        while parent is not None and parent in self.by_id and len(chain) < 64:
            chain.append(self.by_id[parent])
            parent = self.by_id[parent].parent_id
        return chain


class IndexCache:
    """One process's current index, rebuilt when the territories' fingerprint changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[int, int, int] | None = None
        self._index: TerritoryIndex | None = None

    def get(self, session: Session, key: tuple[int, int, int] | None = None) -> TerritoryIndex:
        """The index matching the database as this session sees it.

        ``key`` is the territories' fingerprint when the caller fetched it with another query.
        """
        key = key or fingerprint(session)
        with self._lock:
            if self._index is None or key != self._key:
                self._index, self._key = TerritoryIndex.load(session), key
            return self._index
