"""Point → territory: the deepest territory, its ancestors and the gazetteer areas there."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from geoalchemy2 import WKTElement
from numpy.typing import NDArray
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from geodata.index import NO_TERRITORY, IndexCache, TerritoryInfo
from regions.models import AdminArea


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


def areas_at(session: Session, lon: float, lat: float) -> list[AreaHit]:
    """Gazetteer areas covering the point, coarsest level first (GiST-indexed)."""
    point = WKTElement(f"POINT({lon} {lat})", srid=4326)
    rows = session.execute(
        select(AdminArea.level, AdminArea.code, AdminArea.name)
        .where(func.ST_Covers(AdminArea.geom, point))
        .order_by(func.ST_Area(AdminArea.geom).desc(), AdminArea.code)
    )
    return [AreaHit(row[0], row[1], row[2]) for row in rows]


# One round trip for a single lookup: the index fingerprint, the gazetteer areas covering the
# point, and whether an area would cover it with longitude and latitude exchanged (only asked
# when that exchanged point is a valid coordinate). Single lookups are latency-bound: each
# query costs more in waiting than in work.
_SINGLE_LOOKUP = text("""
SELECT fp.n, fp.v, fp.m,
       (:swap_ok AND EXISTS (
            SELECT 1 FROM admin_areas
            WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(:lat, :lon), 4326)))) AS swapped,
       a.level, a.code, a.name
FROM (SELECT count(*) AS n, coalesce(sum(version), 0) AS v, coalesce(max(id), 0) AS m
      FROM territories) AS fp
LEFT JOIN LATERAL (
    SELECT level, code, name, ST_Area(geom) AS area FROM admin_areas
    WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
) AS a ON true
ORDER BY a.area DESC NULLS LAST, a.code
""")


def locate_point(session: Session, cache: IndexCache, lon: float, lat: float) -> Location:
    """Locate one point; outside every territory, say whether the order may be swapped."""
    swap_ok = -90.0 <= lon <= 90.0 and lon != lat
    rows = session.execute(_SINGLE_LOOKUP, {"lon": lon, "lat": lat, "swap_ok": swap_ok}).all()
    first = rows[0]
    index = cache.get(session, (int(first[0]), int(first[1]), int(first[2])))
    found = index.locate_one(lon, lat)
    areas = [AreaHit(row[4], row[5], row[6]) for row in rows if row[4] is not None]
    location = Location(lon, lat, None, areas=areas)
    if found != NO_TERRITORY:
        location.territory = index.by_id[found]
        location.ancestors = index.ancestors(found)
    elif not areas and swap_ok:
        location.maybe_swapped = bool(first[3]) or index.locate_one(lat, lon) != NO_TERRITORY
    return location


def locate_points(
    session: Session, cache: IndexCache, lons: NDArray[np.float64], lats: NDArray[np.float64]
) -> tuple[NDArray[np.int64], dict[int, TerritoryInfo]]:
    """Locate many points at once: territory ids (0 = outside) and the territories named."""
    index = cache.get(session)
    ids = index.locate_many(lons, lats)
    named = {int(i): index.by_id[int(i)] for i in np.unique(ids) if i != NO_TERRITORY}
    return ids, named
