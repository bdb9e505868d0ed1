"""Point → territory: the deepest territory, its chain of ancestors and the gazetteer areas."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from geodata.index import NO_TERRITORY, AreaInfo, IndexCache, TerritoryIndex, TerritoryInfo
from regions.db import Reading, read, read_later

MAX_SWAPPED_LISTED = 1000


@dataclass(frozen=True, slots=True)
class AreaHit:
    """A gazetteer area containing the point."""

    level: str
    code: str
    name: str


@dataclass
class Location:
    """Where a point falls; ``territory`` is None outside every territory."""

    lon: float
    lat: float
    territory: TerritoryInfo | None
    ancestors: list[TerritoryInfo] = field(default_factory=list)
    areas: list[AreaHit] = field(default_factory=list)
    maybe_swapped: bool = False


# A single lookup with areas: the index's change counter, the gazetteer areas covering the
# point (one row: [level, code, name] triples, largest first, NULL when none), and whether an
# area would cover it with longitude and latitude exchanged (only asked when no area covers
# the point and that exchanged point is a valid coordinate). Without areas, the counter alone.
# Plain driver SQL, one row either way, queued with ``read_later`` so that it rides along with
# the request's authentication query as one statement: single lookups are latency-bound,
# each round trip costs more in waiting than the query costs in work.
_SINGLE_LOOKUP = """
SELECT v.version,
       (%(swap_ok)s AND a.areas IS NULL AND EXISTS (
            SELECT 1 FROM admin_areas
            WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(%(lat)s, %(lon)s), 4326)))) AS swapped,
       a.areas
FROM (SELECT version FROM index_versions WHERE name = 'territories') AS v
CROSS JOIN LATERAL (
    SELECT array_agg(ARRAY[level::text, code::text, name::text]
                     ORDER BY ST_Area(geom) DESC, code) AS areas
    FROM admin_areas
    WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326))
) AS a
"""
_VERSION = "SELECT version FROM index_versions WHERE name = 'territories'"


def locate_point(session: Session, cache: IndexCache, lon: float, lat: float, *,
                 with_areas: bool = True) -> Location:
    """Locate one point; outside every territory, say whether the order may be swapped."""
    return locate_point_later(session, cache, lon, lat, with_areas=with_areas)()


def locate_point_later(source: Session | Reading, cache: IndexCache, lon: float, lat: float, *,
                       with_areas: bool = True) -> Callable[[], Location]:
    """Queue the lookup of one point (``regions.db.read_later``); the function answers it.

    The lookup's read goes with the source's next read (the caller's authentication: one
    statement on a ``Reading``), or alone when the function is called first. Without areas it
    reads only the index's change counter, unless the point is outside every territory: then
    the areas are read to word the answer and the hint. Which read to queue is guessed from
    the index held, and the guess is the answer when the counter shows that index current;
    when it shows it stale, the index is rebuilt (through an ORM session: a ``Reading`` makes
    one then), the point located again and, if it turns out outside, the areas read afterwards.
    """
    params = {"lon": lon, "lat": lat, "swap_ok": -90.0 <= lon <= 90.0 and lon != lat}
    held = cache.held
    guess = NO_TERRITORY if held is None else held.locate_one(lon, lat)
    with_areas = with_areas or guess == NO_TERRITORY
    pending = read_later(source, _SINGLE_LOOKUP if with_areas else _VERSION, params,
                         one_row=True)

    def answer() -> Location:
        rows = pending()
        version = int(rows[0][0])
        index = cache.at(version)
        if index is None:
            index = cache.get(source.session if isinstance(source, Reading) else source, version)
        # The counter says the index held is current (the usual case): the guess is the answer.
        found = guess if index is held else index.locate_one(lon, lat)
        if found != NO_TERRITORY and not with_areas:
            return Location(lon, lat, index.by_id[found], index.ancestors(found))
        if not with_areas:  # guessed inside, but the index changed and says outside
            rows = read(source, _SINGLE_LOOKUP, params, one_row=True)
        areas = [AreaHit(level, code, name) for level, code, name in rows[0][2] or ()]
        location = Location(lon, lat, None, areas=areas)
        if found != NO_TERRITORY:
            location.territory = index.by_id[found]
            location.ancestors = index.ancestors(found)
        elif not areas and params["swap_ok"]:
            location.maybe_swapped = bool(rows[0][1]) or index.locate_one(lat, lon) != NO_TERRITORY
        return location

    return answer


@dataclass
class BulkLocation:
    """Many points located: one territory id per point, and what the caller asked to know."""

    ids: NDArray[np.int64]  # NO_TERRITORY outside
    territories: dict[int, TerritoryInfo]  # the territories named (with ancestors if asked)
    chains: dict[int, list[int]] = field(default_factory=dict)  # id → itself then ancestors
    areas: dict[str, NDArray[np.int64]] = field(default_factory=dict)  # level → area id (0)
    area_infos: dict[int, AreaInfo] = field(default_factory=dict)
    swapped: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    swapped_count: int = 0


def locate_points(
    session: Session, cache: IndexCache, lons: NDArray[np.float64], lats: NDArray[np.float64],
    *, with_ancestors: bool = False, with_areas: bool = False,
) -> BulkLocation:
    """Locate many points at once, with the same border rule as one point.

    The answer also lists the points outside every territory (and area, when asked) that
    would fall inside with longitude and latitude exchanged: the usual sign of [lat, lon].
    """
    index = cache.get(session)
    ids = index.locate_many(lons, lats)
    named = {int(i): index.by_id[int(i)] for i in np.unique(ids) if i != NO_TERRITORY}
    result = BulkLocation(ids, named)
    if with_ancestors:
        _add_chains(result, index)
    outside = ids == NO_TERRITORY
    if with_areas:
        area_index = cache.areas(session)
        for level, shapes in area_index.levels.items():
            found = shapes.locate_many(lons, lats)
            result.areas[level] = found
            outside &= found == 0
            result.area_infos.update((int(i), area_index.by_id[int(i)])
                                     for i in np.unique(found) if i)
    _add_swapped(result, index, lons, lats, outside)
    return result


def _add_chains(result: BulkLocation, index: TerritoryIndex) -> None:
    for territory_id in list(result.territories):
        ancestors = index.ancestors(territory_id)
        result.chains[territory_id] = [territory_id, *(a.id for a in ancestors)]
        result.territories.update((a.id, a) for a in ancestors)


def _add_swapped(result: BulkLocation, index: TerritoryIndex, lons: NDArray[np.float64],
                 lats: NDArray[np.float64], outside: NDArray[np.bool_]) -> None:
    """Points outside everything whose exchanged coordinates land in a territory."""
    candidates = np.nonzero(outside & (np.abs(lons) <= 90) & (lons != lats))[0]
    if candidates.size == 0:
        return
    swapped = index.locate_many(lats[candidates], lons[candidates]) != NO_TERRITORY
    hits = candidates[swapped]
    result.swapped_count = int(hits.size)
    result.swapped = hits[:MAX_SWAPPED_LISTED]
