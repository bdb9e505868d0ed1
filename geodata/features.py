"""Territories as GeoJSON features, simplified in PostGIS for the zoom they are drawn at."""

from __future__ import annotations

import json
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import cast, func, select
from sqlalchemy.orm import Session

from regions.models import AdminArea, Territory, territory_areas

WEB_MERCATOR_TILE = 256
COORDINATE_DECIMALS = 6


def tolerance_for_zoom(zoom: int) -> float:
    """Degrees per screen pixel at a zoom level (at the equator): detail finer is invisible."""
    return 360.0 / float(WEB_MERCATOR_TILE * 2**zoom)


def _geometry_column(tolerance: float | None) -> Any:
    geom: Any = Territory.geom
    if tolerance:
        geom = func.ST_SimplifyPreserveTopology(geom, tolerance)
    # RFC 7946: exterior rings counter-clockwise.
    return func.ST_AsGeoJSON(func.ST_ForcePolygonCCW(geom), COORDINATE_DECIMALS)


def territory_features(
    session: Session,
    *,
    ids: list[int] | None = None,
    parent_id: int | None = None,
    kind: str | None = None,
    tolerance: float | None = None,
) -> list[dict[str, Any]]:
    """Territories as GeoJSON Feature dicts (geometry null for shapeless groupings)."""
    area_count = (
        select(func.count()).where(territory_areas.c.territory_id == Territory.id)
        .correlate(Territory).scalar_subquery()
    )
    query = select(
        Territory, _geometry_column(tolerance),
        func.ST_Area(cast(Territory.geom, Geography)) / 1e6, area_count,
    ).order_by(Territory.id)
    if ids is not None:
        query = query.where(Territory.id.in_(ids))
    if parent_id is not None:
        query = query.where(Territory.parent_id == parent_id)
    if kind is not None:
        query = query.where(Territory.kind == kind)
    return [_feature(row[0], row[1], row[2], row[3]) for row in session.execute(query)]


def _feature(territory: Territory, geometry: str | None, area_km2: float | None,
             area_count: int) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": territory.id,
        "geometry": json.loads(geometry) if geometry else None,
        "properties": {
            "id": territory.id, "slug": territory.slug, "name": territory.name,
            "kind": territory.kind, "parent_id": territory.parent_id,
            "timezone": territory.timezone, "version": territory.version,
            "geom_source": territory.geom_source, "area_count": area_count,
            "area_km2": round(area_km2, 3) if area_km2 is not None else None,
        },
    }


def composed_from(session: Session, territory_id: int) -> list[dict[str, str]]:
    """The gazetteer areas a composed territory is made of."""
    rows = session.execute(
        select(AdminArea.level, AdminArea.code, AdminArea.name)
        .join(territory_areas, territory_areas.c.area_id == AdminArea.id)
        .where(territory_areas.c.territory_id == territory_id).order_by(AdminArea.code)
    )
    return [{"level": r[0], "code": r[1], "name": r[2]} for r in rows]
