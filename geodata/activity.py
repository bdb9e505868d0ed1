"""Map data from PostGIS: territories shaded by activity, and posts as vector tiles."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, and_, case, cast, func, literal, literal_column, select
from sqlalchemy.orm import Session

from geodata.features import COORDINATE_DECIMALS
from regions.actors import Actor
from regions.models import Post, PostStatus, Territory
from regions.post_queries import visible

PENDING = (PostStatus.SUBMITTED, PostStatus.CHANGES_REQUESTED, PostStatus.APPROVED,
           PostStatus.SCHEDULED)
TILE_EXTENT = 4096
TILE_BUFFER = 64
MAX_TILE_FEATURES = 50_000


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(cast(case((condition, 1), else_=0), Integer)), 0)


def territory_activity(session: Session, actor: Actor, *, since: datetime | None,
                       until: datetime | None, tolerance: float | None,
                       parent_id: int | None = None) -> dict[str, Any]:
    """Territories as a FeatureCollection with the posts the actor may see, counted by state.

    A post counts in its own territory; the period filters on the publication time.
    """
    period = and_(literal(True), visible(actor))
    if since is not None:
        period = and_(period, Post.publish_at >= since)
    if until is not None:
        period = and_(period, Post.publish_at < until)
    counts = (
        select(Post.territory_id,
               func.count().label("posts"),
               _count(Post.status == PostStatus.PUBLISHED).label("published"),
               _count(Post.status.in_(PENDING)).label("pending"),
               _count(Post.status == PostStatus.FAILED).label("failed"))
        .where(period).group_by(Post.territory_id).subquery()
    )
    geom: Any = Territory.geom
    if tolerance:
        geom = func.ST_SimplifyPreserveTopology(geom, tolerance)
    query = (
        select(Territory.id, Territory.name, Territory.slug, Territory.kind,
               Territory.parent_id, func.ST_AsGeoJSON(func.ST_ForcePolygonCCW(geom),
                                                      COORDINATE_DECIMALS),
               func.coalesce(counts.c.posts, 0), func.coalesce(counts.c.published, 0),
               func.coalesce(counts.c.pending, 0), func.coalesce(counts.c.failed, 0))
        .outerjoin(counts, counts.c.territory_id == Territory.id)
        .where(Territory.geom.is_not(None)).order_by(Territory.id)
    )
    if parent_id is not None:
        query = query.where(Territory.parent_id == parent_id)
    features = [{
        "type": "Feature", "id": row[0],
        "geometry": json.loads(row[5]),
        "properties": {"id": row[0], "name": row[1], "slug": row[2], "kind": row[3],
                       "parent_id": row[4], "posts": int(row[6]), "published": int(row[7]),
                       "pending": int(row[8]), "failed": int(row[9])},
    } for row in session.execute(query)]
    return {"type": "FeatureCollection", "features": features}


def post_tile(session: Session, actor: Actor, z: int, x: int, y: int, *,
              statuses: list[PostStatus] | None = None) -> bytes:
    """The geotagged posts the actor may see in one web-mercator tile, as Mapbox Vector Tile."""
    envelope = func.ST_TileEnvelope(z, x, y)
    projected = func.ST_Transform(Post.geom, 3857)
    inner = (
        select(Post.id.label("id"), Post.territory_id.label("territory_id"),
               cast(Post.status, String).label("status"),
               Post.place_name.label("place"),
               func.ST_AsMVTGeom(projected, envelope, TILE_EXTENT, TILE_BUFFER, True)
               .label("geom"))
        .where(Post.geom.is_not(None), visible(actor),
               func.ST_Intersects(Post.geom, func.ST_Transform(envelope, 4326)))
        .limit(MAX_TILE_FEATURES)
    )
    if statuses:
        inner = inner.where(Post.status.in_(statuses))
    rows = inner.subquery("posts")
    tile = session.scalar(
        select(func.ST_AsMVT(literal_column("posts"), "posts", TILE_EXTENT, "geom"))
        .select_from(rows))
    return bytes(tile or b"")
