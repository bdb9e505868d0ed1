"""Coverage gaps: the gazetteer areas of a territory where nothing was published lately."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from geodata.features import COORDINATE_DECIMALS
from regions.actors import Actor
from regions.errors import NotFound
from regions.models import AdminArea, Post, PostStatus, Territory
from regions.post_queries import visible

MAX_AREAS = 5000


def get_territory(session: Session, territory_id: int) -> Territory:
    """A territory (territories are visible to everyone in the organisation), else 404."""
    territory = session.get(Territory, territory_id)
    if territory is None:
        raise NotFound(f"No territory {territory_id}.",
                       params={"kind": "territory", "id": territory_id})
    return territory


def _inside(territory_id: int) -> ColumnElement[bool]:
    """SQL: the area lies in the territory (its point on surface does; borders shared)."""
    shape = select(Territory.geom).where(Territory.id == territory_id).scalar_subquery()
    return and_(func.ST_Intersects(AdminArea.geom, shape),
                func.ST_Within(func.ST_PointOnSurface(AdminArea.geom), shape))


def area_levels(session: Session, territory_id: int) -> dict[str, int]:
    """How many gazetteer areas of each level lie in the territory."""
    rows = session.execute(select(AdminArea.level, func.count())
                           .where(_inside(territory_id)).group_by(AdminArea.level))
    return {level: int(count) for level, count in rows}


def covered(actor: Actor, since: datetime) -> ColumnElement[bool]:
    """SQL: a post the actor may see was published in the area since ``since``.

    A post covers the areas its geotag lies in and those its audience reaches.
    """
    return exists().where(
        Post.status == PostStatus.PUBLISHED, visible(actor),
        func.coalesce(Post.published_at, Post.publish_at) >= since,
        or_(func.ST_Intersects(Post.geom, AdminArea.geom),
            func.ST_Intersects(Post.audience_geom, AdminArea.geom)),
    )


def coverage_gaps(session: Session, actor: Actor, territory_id: int, *, days: int,
                  now: datetime, level: str | None = None) -> dict[str, Any]:
    """The territory's gazetteer areas with no published post in the last ``days`` days.

    The areas are those of ``level`` (by default the most detailed one: the level with the
    most areas in the territory). A GeoJSON FeatureCollection of the gaps, with the counts.
    """
    territory = get_territory(session, territory_id)
    levels = area_levels(session, territory.id) if territory.geom is not None else {}
    if level is None and levels:
        level = max(sorted(levels), key=lambda name: levels[name])
    found: list[dict[str, Any]] = []
    if level in levels:
        is_covered = covered(actor, now - timedelta(days=days)).label("covered")
        query = (
            select(AdminArea.id, AdminArea.code, AdminArea.name, is_covered,
                   func.ST_AsGeoJSON(func.ST_ForcePolygonCCW(AdminArea.geom_simplified),
                                     COORDINATE_DECIMALS))
            .where(_inside(territory.id), AdminArea.level == level)
            .order_by(AdminArea.name, AdminArea.id).limit(MAX_AREAS)
        )
        found = [{"type": "Feature", "id": row[0], "geometry": json.loads(row[4]),
                  "properties": {"id": row[0], "code": row[1], "name": row[2],
                                 "level": level, "covered": bool(row[3])}}
                 for row in session.execute(query)]
    gaps = [feature for feature in found if not feature["properties"]["covered"]]
    return {"type": "FeatureCollection", "features": gaps, "territory_id": territory.id,
            "level": level, "levels": levels, "days": days, "areas": len(found),
            "gaps": len(gaps)}
