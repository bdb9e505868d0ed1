"""Map data from PostGIS: territories shaded by activity, and posts as vector tiles.

Both carry a change marker read from ``map_changes`` (counters bumped by triggers in the
writing transaction) in the same snapshot as the data, so an HTTP layer can answer a
conditional request without recomputing the map.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from geodata.features import COORDINATE_DECIMALS
from regions.actors import Actor
from regions.models import Post, PostStatus, Territory
from regions.post_queries import visible
from regions.posts import PUBLIC_STATES

PENDING = (PostStatus.SUBMITTED, PostStatus.CHANGES_REQUESTED, PostStatus.APPROVED,
           PostStatus.SCHEDULED)
TILE_EXTENT = 4096
TILE_BUFFER = 64
MAX_TILE_FEATURES = 50_000
# Up to this zoom a tile holds clusters: one feature per cell of a CLUSTER_CELLS² grid.
CLUSTER_MAX_ZOOM = 8
CLUSTER_CELLS = 32
# A cluster's status is its most urgent member's, in this order.
URGENCY = (PostStatus.FAILED, PostStatus.CHANGES_REQUESTED, PostStatus.SUBMITTED,
           PostStatus.APPROVED, PostStatus.SCHEDULED, PostStatus.DRAFT, PostStatus.PUBLISHED,
           PostStatus.REJECTED, PostStatus.WITHDRAWN, PostStatus.ARCHIVED)
ACTIVITY_SOURCES = ("posts", "territories")
TILE_SOURCES = ("posts",)


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(cast(case((condition, 1), else_=0), Integer)), 0)


def change_marker(session: Session, sources: tuple[str, ...]) -> str:
    """The change counters of ``sources`` as one string: it changes with every committed write."""
    value = session.connection().exec_driver_sql(
        "SELECT string_agg(counter::text, '.' ORDER BY source) FROM map_changes "
        "WHERE source = ANY(%(sources)s)", {"sources": list(sources)}).scalar()
    return str(value or "0")


def decimals_for(tolerance: float | None) -> int:
    """Enough decimals for the simplification tolerance (degrees): finer digits are noise."""
    if not tolerance:
        return COORDINATE_DECIMALS
    return max(1, min(COORDINATE_DECIMALS, math.ceil(-math.log10(tolerance)) + 1))


def territory_activity(session: Session, actor: Actor, *, since: datetime | None,
                       until: datetime | None, tolerance: float | None,
                       parent_id: int | None = None) -> dict[str, Any]:
    """Territories as a FeatureCollection with the posts the actor may see, counted by state.

    A post counts in its own territory; the period filters on the publication time. With a
    tolerance (degrees), shapes are simplified (topology kept) and rounded to match it.
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
                                                      decimals_for(tolerance)),
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


# The tile query is plain SQL sent in one round trip with the change marker; psycopg prepares
# it after a few runs (one text per variant, so each variant gets its prepared plan).
_MARKER = "(SELECT counter FROM map_changes WHERE source = 'posts')"
_POINTS = f"""
SELECT p.id, p.territory_id, p.status::text AS status, p.place_name AS place,
       ST_AsMVTGeom(p.geom_3857, ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
                    {TILE_EXTENT}, {TILE_BUFFER}, true) AS geom
FROM posts p
WHERE p.geom_3857 && ST_TileEnvelope(%(z)s, %(x)s, %(y)s,
                                     margin => {TILE_BUFFER / TILE_EXTENT}) {{where}}
LIMIT {MAX_TILE_FEATURES}"""
# Clusters: members grouped by grid cell in integer tile units; the feature sits at their
# mean position. A cell of one post keeps the post's own properties. The inner query reads
# each point's coordinates once (OFFSET 0 keeps it from being flattened) and compares statuses
# as the enum: twice as fast as calling ST_X/ST_Y in every expression.
_CLUSTERS = f"""
SELECT count(*) AS count,
       ((%(urgency)s::post_status[])[min(array_position(%(urgency)s::post_status[], q.status))]
        )::text AS status,
       CASE WHEN count(*) = 1 THEN min(q.id) END AS id,
       CASE WHEN min(q.territory_id) = max(q.territory_id) THEN min(q.territory_id) END
           AS territory_id,
       CASE WHEN count(*) = 1 THEN min(q.place) END AS place,
       ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(avg(q.x), avg(q.y)), 3857),
                    ST_TileEnvelope(%(z)s, %(x)s, %(y)s), {TILE_EXTENT}, 0, true) AS geom
FROM (SELECT p.id, p.territory_id, p.status, p.place_name AS place,
             ST_X(p.geom_3857) AS x, ST_Y(p.geom_3857) AS y
      FROM posts p
      WHERE p.geom_3857 && ST_TileEnvelope(%(z)s, %(x)s, %(y)s) {{where}} OFFSET 0) AS q,
     (SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) - ST_XMin(e) AS size
      FROM ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS e) AS t
GROUP BY least(floor((q.x - t.x0) * {CLUSTER_CELLS} / t.size), {CLUSTER_CELLS - 1}),
         least(floor((q.y - t.y0) * {CLUSTER_CELLS} / t.size), {CLUSTER_CELLS - 1})"""
_TILE = f"""
SELECT m.counter, CASE WHEN m.counter IS NOT DISTINCT FROM %(known)s THEN NULL ELSE
    (SELECT ST_AsMVT(f, 'posts', {TILE_EXTENT}, 'geom') FROM ({{features}}) AS f) END
FROM (SELECT {_MARKER} AS counter) AS m"""
_REGIONAL = (" AND (p.territory_id = ANY(%(territories)s) "
             "OR p.status = ANY(%(public)s::post_status[]))")
_STATUSES = " AND p.status = ANY(%(statuses)s::post_status[])"


def tile_sql(clustered: bool, central: bool, filtered: bool, *, marker: bool = True) -> str:
    """The SQL of one tile variant: clusters or posts, the desk's or a region's, by status.

    Without ``marker``, the bare ``ST_AsMVT`` query (the benchmark compares the route to it).
    """
    where = ("" if central else _REGIONAL) + (_STATUSES if filtered else "")
    features = (_CLUSTERS if clustered else _POINTS).format(where=where)
    if not marker:
        return f"SELECT ST_AsMVT(f, 'posts', {TILE_EXTENT}, 'geom') FROM ({features}) AS f"
    return _TILE.format(features=features)


_TILE_SQL = {(c, r, f): tile_sql(c, r, f) for c in (True, False) for r in (True, False)
             for f in (True, False)}


def tile_params(z: int, x: int, y: int) -> dict[str, Any]:
    """The parameters every tile query takes."""
    params: dict[str, Any] = {"z": z, "x": x, "y": y}
    if z <= CLUSTER_MAX_ZOOM:
        params["urgency"] = [s.value for s in URGENCY]
    return params


def post_tile(session: Session, actor: Actor, z: int, x: int, y: int, *,
              statuses: list[PostStatus] | None = None,
              known: int | None = None) -> tuple[int, bytes | None]:
    """The posts the actor may see in one web-mercator tile, as Mapbox Vector Tile.

    Returns the posts' change counter and the tile, or None for the tile when the counter
    is still ``known`` (the caller's copy is current). Up to ``CLUSTER_MAX_ZOOM`` the tile
    holds clusters: ``count``, the most urgent ``status``, ``territory_id`` when they share
    one, and ``id`` and ``place`` when the cluster is one post. Beyond it, each post (``id``,
    ``status``, ``territory_id``, ``place``).
    """
    sql = _TILE_SQL[(z <= CLUSTER_MAX_ZOOM, actor.is_central, bool(statuses))]
    params = tile_params(z, x, y)
    params["known"] = known
    if not actor.is_central:
        params["territories"] = sorted(actor.territory_ids) or [0]
        params["public"] = [s.value for s in PUBLIC_STATES]
    if statuses:
        params["statuses"] = [s.value for s in statuses]
    row = session.connection().exec_driver_sql(sql, params).one()
    counter = int(row[0])
    return counter, (None if row[1] is None and counter == known else bytes(row[1] or b""))
