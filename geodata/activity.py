"""Map data from PostGIS: territories shaded by activity, and posts as vector tiles.

Both carry a change marker read from ``map_changes`` (counters bumped by triggers in the
writing transaction) in the same snapshot as the data, so an HTTP layer can answer a
conditional request without recomputing the map.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from geodata.features import COORDINATE_DECIMALS
from regions.actors import Actor
from regions.db import Reading, read
from regions.models import ActivityDay, MapCell, Post, PostStatus, Territory
from regions.post_queries import visible
from regions.posts import PUBLIC_STATES

PENDING = (PostStatus.SUBMITTED, PostStatus.CHANGES_REQUESTED, PostStatus.APPROVED,
           PostStatus.SCHEDULED)
TILE_EXTENT = 4096
TILE_BUFFER = 64
MAX_TILE_FEATURES = 50_000
# Up to this zoom a tile holds clusters: one feature per cell of a CLUSTER_CELLS² grid
# (``map_cells`` keeps one level per zoom up to it).
CLUSTER_MAX_ZOOM = 8
CLUSTER_CELLS = 32
# Deeper, up to DENSE_MAX_ZOOM, a tile holding more than POINTS_MAX visible posts holds
# clusters of the finest cells instead (CLUSTER_CELLS >> (z - CLUSTER_MAX_ZOOM) a side: 16 at
# zoom 9, 8 at 10, 4 at 11, 2 at 12); a sparser one holds each post. Beyond, each post.
DENSE_MAX_ZOOM = 12
POINTS_MAX = 256
MERCATOR_HALF = 20037508.342789244  # metres: half the side of the Web Mercator square
# A cluster's status is its most urgent member's, in this order.
URGENCY = (PostStatus.FAILED, PostStatus.CHANGES_REQUESTED, PostStatus.SUBMITTED,
           PostStatus.APPROVED, PostStatus.SCHEDULED, PostStatus.DRAFT, PostStatus.PUBLISHED,
           PostStatus.REJECTED, PostStatus.WITHDRAWN, PostStatus.ARCHIVED)
ACTIVITY_SOURCES = ("posts", "territories")
# What the activity map counts per territory (``activity_days`` keeps them per day).
FIGURES = ("posts", "published", "pending", "failed")
ONE_DAY = timedelta(days=1)
TILE_SOURCES = ("posts",)


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


def _by_state(rows: Any) -> Any:
    """Per territory: all, published, pending and failed, from rows of (territory, status, n)."""
    return (select(rows.c.territory_id,
                   func.sum(rows.c.n).label("posts"),
                   func.coalesce(func.sum(rows.c.n).filter(
                       rows.c.status == PostStatus.PUBLISHED), 0).label("published"),
                   func.coalesce(func.sum(rows.c.n).filter(rows.c.status.in_(PENDING)),
                                 0).label("pending"),
                   func.coalesce(func.sum(rows.c.n).filter(
                       rows.c.status == PostStatus.FAILED), 0).label("failed"))
            .group_by(rows.c.territory_id))


def _may_see(actor: Actor, territory: Any, status: Any) -> ColumnElement[bool]:
    """SQL: what ``visible`` says, on any (territory, status) columns."""
    if actor.is_central:
        return literal(True)
    return or_(territory.in_(actor.territory_ids or {0}), status.in_(PUBLIC_STATES))


def _counts_all_time(actor: Actor) -> Any:
    """Posts by territory and state: geotagged ones from the zoom-0 cells, the rest directly.

    ``map_cells`` (kept by triggers in the writing transaction) counts every geotagged post
    once at level 0; posts without a geotag are read through a partial index (migration 0012).
    """
    cells = (select(MapCell.territory_id, MapCell.status, MapCell.posts.label("n"))
             .where(MapCell.level == 0, _may_see(actor, MapCell.territory_id, MapCell.status)))
    untagged = (select(Post.territory_id, Post.status, func.count().label("n"))
                .where(Post.geom.is_(None), _may_see(actor, Post.territory_id, Post.status))
                .group_by(Post.territory_id, Post.status))
    return _by_state(union_all(cells, untagged).subquery()).subquery()


def _midnight(moment: datetime) -> datetime:
    """The UTC midnight that starts the day of ``moment``."""
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _next_midnight(moment: datetime) -> datetime:
    """The first UTC midnight at or after ``moment``."""
    start = _midnight(moment)
    return start if start == moment else start + ONE_DAY


Stretch = tuple[datetime, datetime]


def split_period(since: datetime | None, until: datetime | None,
                 ) -> tuple[tuple[date | None, date | None] | None, list[Stretch]]:
    """[since, until) as whole UTC days and the stretches of partial days at its ends.

    The days are (the first, the day after the last), None for an open end, or None when the
    period holds no whole day; the stretches are [start, end) times.
    """
    if since is not None and until is not None and _midnight(until) <= _next_midnight(since):
        return None, [(since, until)]
    first: datetime | None = None
    end: datetime | None = None
    stretches: list[Stretch] = []
    if since is not None:
        first = _next_midnight(since)
        if first != since:
            stretches.append((since, first))
    if until is not None:
        end = _midnight(until)
        if end != until:
            stretches.append((end, until))
    return (first.date() if first else None, end.date() if end else None), stretches


def _kept_days(actor: Actor, first: date | None, after: date | None) -> Any:
    """Per territory and day, the figures of the whole days [first, after) the actor may see.

    Outside its territories, a regional actor sees the published posts only (the one public
    state): their count is all it sees there, and nothing pending or failed.
    """
    day = ActivityDay
    figures: list[Any]
    if actor.is_central:
        figures = [day.posts, day.published, day.pending, day.failed]
    else:
        own = day.territory_id.in_(actor.territory_ids or {0})
        figures = [case((own, day.posts), else_=day.published), day.published,
                   case((own, day.pending), else_=0), case((own, day.failed), else_=0)]
    kept = select(day.territory_id, *(f.label(n) for f, n in zip(figures, FIGURES, strict=True)))
    if first is not None:
        kept = kept.where(day.day >= first)
    if after is not None:
        kept = kept.where(day.day < after)
    return kept


def _counts_in_period(actor: Actor, since: datetime | None, until: datetime | None) -> Any:
    """Posts by territory and state published in the period, exactly, at a bounded cost.

    Whole UTC days are read from ``activity_days`` (kept by triggers, migration 0015): at most
    days × territories rows, whatever the number of posts. Only the partial days at the ends
    are counted from the posts (an index-only scan of less than a day each).
    """
    days, stretches = split_period(since, until)
    parts: list[Any] = []
    if stretches:
        posts = union_all(*(
            select(Post.territory_id, Post.status, func.count().label("n"))
            .where(visible(actor), Post.publish_at >= start, Post.publish_at < end)
            .group_by(Post.territory_id, Post.status) for start, end in stretches)).subquery()
        parts.append(_by_state(posts))
    if days is not None:
        parts.append(_kept_days(actor, *days))
    rows = union_all(*parts).subquery()
    return (select(rows.c.territory_id, *(func.sum(rows.c[n]).label(n) for n in FIGURES))
            .group_by(rows.c.territory_id).subquery())


def territory_activity(session: Session, actor: Actor, *, since: datetime | None,
                       until: datetime | None, tolerance: float | None,
                       parent_id: int | None = None) -> dict[str, Any]:
    """Territories as a FeatureCollection with the posts the actor may see, counted by state.

    A post counts in its own territory; the period filters on the publication time. With a
    tolerance (degrees), shapes are simplified (topology kept) and rounded to match it.
    Without a period, the counts come from ``map_cells`` (whole world, zoom 0) plus the few
    posts without a geotag, so they cost the same at 10,000 posts as at a million.
    """
    counts = (_counts_in_period(actor, since, until) if since is not None or until is not None
              else _counts_all_time(actor))
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
POSTS_MARKER = "SELECT counter FROM map_changes WHERE source = 'posts'"
_MARKER = f"({POSTS_MARKER})"
_POINTS = f"""
SELECT p.id, p.territory_id, p.status::text AS status, p.place_name AS place,
       ST_AsMVTGeom(p.geom_3857, ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
                    {TILE_EXTENT}, {TILE_BUFFER}, true) AS geom
FROM posts p
WHERE p.geom_3857 && ST_TileEnvelope(%(z)s, %(x)s, %(y)s,
                                     margin => {TILE_BUFFER / TILE_EXTENT}) {{where}}
LIMIT {MAX_TILE_FEATURES}"""
# Clusters: the counts kept per cell by migration 0007 (``map_cells``, one level per zoom up to
# CLUSTER_MAX_ZOOM, 32 x 32 cells per tile), never the posts themselves, so a tile costs the
# same whatever the number of posts; deeper tiles group the finest level's cells. The caller's
# filters apply to each cell row (``p``): what a role may see depends on the territory and the
# state only. A cell of one post reads that post (its id, place and exact position) through
# the GiST index.
_CELL_SIZE = f"(2 * {MERCATOR_HALF} / ({CLUSTER_CELLS} << %(level)s))"
# The cells under the tile, filtered by what the caller may see: ``ix = ANY(columns)`` makes
# one index descent per column of cells, so the scan never walks the whole strip of the world
# north and south of the tile.
_CELLS = """
SELECT p.ix, p.iy, p.territory_id, p.status, p.posts, p.sum_x, p.sum_y
FROM map_cells p
WHERE p.level = %(level)s AND p.ix = ANY(%(columns)s::int[])
  AND p.iy BETWEEN %(first_row)s AND %(last_row)s {where}"""
_GROUPED = f"""
SELECT g.count, g.status, s.id, g.territory_id, s.place,
       ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(coalesce(s.x, g.x), coalesce(s.y, g.y)), 3857),
                    ST_TileEnvelope(%(z)s, %(x)s, %(y)s), {TILE_EXTENT}, 0, true) AS geom
FROM (SELECT c.ix, c.iy, sum(c.posts) AS count,
             ((%(urgency)s::post_status[])[min(array_position(%(urgency)s::post_status[],
                                                             c.status))])::text AS status,
             CASE WHEN min(c.territory_id) = max(c.territory_id) THEN min(c.territory_id) END
                 AS territory_id,
             sum(c.sum_x) / sum(c.posts) AS x, sum(c.sum_y) / sum(c.posts) AS y
      FROM cells c {{dense}}
      GROUP BY c.ix, c.iy) AS g
LEFT JOIN LATERAL (
    SELECT q.id, q.place_name AS place, ST_X(q.geom_3857) AS x, ST_Y(q.geom_3857) AS y
    FROM posts q
    WHERE g.count = 1 AND q.territory_id = g.territory_id AND q.status::text = g.status
      AND q.geom_3857 && ST_MakeEnvelope(
          g.ix * {_CELL_SIZE} - {MERCATOR_HALF}, g.iy * {_CELL_SIZE} - {MERCATOR_HALF},
          (g.ix + 1) * {_CELL_SIZE} - {MERCATOR_HALF}, (g.iy + 1) * {_CELL_SIZE} - {MERCATOR_HALF},
          3857)
      AND map_cell(ST_X(q.geom_3857)) >> %(shift)s = g.ix
      AND map_cell(ST_Y(q.geom_3857)) >> %(shift)s = g.iy
    LIMIT 1) AS s ON true"""
# Up to CLUSTER_MAX_ZOOM: always clusters, one per cell of the tile's zoom.
_CLUSTERS = f"WITH cells AS ({_CELLS}) {_GROUPED.format(dense='')}"
# From CLUSTER_MAX_ZOOM + 1 to DENSE_MAX_ZOOM: the tile's visible posts are counted from the
# finest cells under it; more than POINTS_MAX, and the tile holds clusters of those cells (a
# coarser grid: 16 x 16 at zoom 9, 8 x 8 at zoom 10...); otherwise each post. The branch not
# taken is never run (a one-time filter), so a dense tile never reads its posts.
_ADAPTIVE = f"""
WITH cells AS MATERIALIZED ({_CELLS}),
     dense AS (SELECT coalesce(sum(posts), 0) > {{points_max}} AS yes FROM cells)
{_GROUPED.format(dense='WHERE (SELECT yes FROM dense)')}
UNION ALL
SELECT NULL::bigint, f.status, f.id, f.territory_id, f.place, f.geom
FROM ({_POINTS}) AS f WHERE NOT (SELECT yes FROM dense)"""
_TILE = f"""
SELECT m.counter, CASE WHEN m.counter = ANY(%(known)s::bigint[]) THEN NULL ELSE
    (SELECT ST_AsMVT(f, 'posts', {TILE_EXTENT}, 'geom') FROM ({{features}}) AS f) END
FROM (SELECT {_MARKER} AS counter) AS m"""
_REGIONAL = (" AND (p.territory_id = ANY(%(territories)s) "
             "OR p.status = ANY(%(public)s::post_status[]))")
_STATUSES = " AND p.status = ANY(%(statuses)s::post_status[])"


def tile_kind(z: int) -> str:
    """What a tile at zoom ``z`` holds: clusters, clusters when dense, or posts."""
    if z <= CLUSTER_MAX_ZOOM:
        return "clusters"
    return "adaptive" if z <= DENSE_MAX_ZOOM else "points"


_FEATURES = {"clusters": _CLUSTERS, "adaptive": _ADAPTIVE, "points": _POINTS}


def tile_sql(kind: str, central: bool, filtered: bool, *, marker: bool = True) -> str:
    """The SQL of one tile variant (``tile_kind``), the desk's or a region's, by status.

    Without ``marker``, the bare ``ST_AsMVT`` query (the benchmark compares the route to it).
    """
    where = ("" if central else _REGIONAL) + (_STATUSES if filtered else "")
    features = _FEATURES[kind].format(where=where, points_max=POINTS_MAX)
    if not marker:
        return f"SELECT ST_AsMVT(f, 'posts', {TILE_EXTENT}, 'geom') FROM ({features}) AS f"
    return _TILE.format(features=features)


_TILE_SQL = {(k, r, f): tile_sql(k, r, f) for k in _FEATURES for r in (True, False)
             for f in (True, False)}


def tile_params(z: int, x: int, y: int) -> dict[str, Any]:
    """The parameters every tile query takes (the cells under the tile, when it reads any)."""
    params: dict[str, Any] = {"z": z, "x": x, "y": y}
    if tile_kind(z) != "points":
        level = min(z, CLUSTER_MAX_ZOOM)
        side = CLUSTER_CELLS >> (z - level)  # cells of that level a tile side
        row = 2**z - 1 - y  # map_cells counts rows from the south
        params.update(urgency=[s.value for s in URGENCY], level=level,
                      shift=CLUSTER_MAX_ZOOM - level,
                      columns=list(range(x * side, (x + 1) * side)),
                      first_row=row * side, last_row=(row + 1) * side - 1)
    return params


def post_tile(source: Session | Reading, actor: Actor, z: int, x: int, y: int, *,
              statuses: list[PostStatus] | None = None,
              known: tuple[int, ...] = ()) -> tuple[int, bytes | None]:
    """The posts the actor may see in one web-mercator tile, as Mapbox Vector Tile.

    Returns the posts' change counter and the tile, or None for the tile when the counter
    is one of ``known`` (a copy built at that counter is current). Up to
    ``CLUSTER_MAX_ZOOM``, and up to ``DENSE_MAX_ZOOM`` when the tile holds more than
    ``POINTS_MAX`` visible posts, the tile holds clusters: ``count``, the most urgent
    ``status``, ``territory_id`` when they share one, and ``id`` and ``place`` when the
    cluster is one post. Otherwise each post (``id``, ``status``, ``territory_id``,
    ``place``). Either way the cost is bounded: cells, or at most ``POINTS_MAX`` posts
    (beyond ``DENSE_MAX_ZOOM``, the posts of a tile a few hundred metres wide).
    """
    sql = _TILE_SQL[(tile_kind(z), actor.is_central, bool(statuses))]
    params = tile_params(z, x, y)
    params["known"] = list(known)
    if not actor.is_central:
        params["territories"] = sorted(actor.territory_ids) or [0]
        params["public"] = [s.value for s in PUBLIC_STATES]
    if statuses:
        params["statuses"] = [s.value for s in statuses]
    row = read(source, sql, params, one_row=True)[0]
    counter = int(row[0])
    return counter, (None if row[1] is None and counter in known else bytes(row[1] or b""))
