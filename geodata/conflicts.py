"""Map layers of relations: audience conflicts as linked pairs, a campaign's targets."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, cast, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from geodata.features import COORDINATE_DECIMALS
from regions.actors import Actor
from regions.campaigns import dashboard
from regions.models import Post, Territory
from regions.posts import PUBLIC_STATES
from regions.review import ACTIVE_STATES
from regions.teams import descendants_of

MAX_PAIRS = 500


def _may_see(post: Any, actor: Actor) -> ColumnElement[bool]:
    """SQL: the actor may see this (aliased) post: all, or its territories' and published."""
    if actor.is_central:
        return literal(True)
    return or_(post.territory_id.in_(actor.territory_ids or {0}),
               post.status.in_(PUBLIC_STATES))


def _place(post: Any) -> Any:
    return func.coalesce(post.geom, func.ST_PointOnSurface(post.audience_geom))


def conflict_pairs(session: Session, actor: Actor, *, window_hours: int,
                   since: datetime | None = None, until: datetime | None = None,
                   territory_id: int | None = None, campaign_id: int | None = None
                   ) -> dict[str, Any]:
    """Pairs of active posts whose audiences overlap, published close in time, as lines.

    Both posts of a pair must be ones the actor may see: another region's drafts never show.
    Each line joins the two posts' places; the period filters on the first post's time.
    """
    first, second = aliased(Post), aliased(Post)
    window = timedelta(hours=window_hours)
    hours = func.abs(func.extract("epoch", second.publish_at - first.publish_at)) / 3600
    query = (
        select(first.id, first.status, first.territory_id, first.publish_at,
               second.id, second.status, second.territory_id, second.publish_at,
               cast(func.round(hours), Integer),
               func.ST_AsGeoJSON(func.ST_MakeLine(_place(first), _place(second)),
                                 COORDINATE_DECIMALS))
        .join(second, func.ST_Intersects(first.audience_geom, second.audience_geom))
        .where(first.id < second.id, first.status.in_(ACTIVE_STATES),
               second.status.in_(ACTIVE_STATES), _may_see(first, actor),
               _may_see(second, actor), first.publish_at.is_not(None),
               second.publish_at.between(first.publish_at - window, first.publish_at + window),
               func.ST_Relate(first.audience_geom, second.audience_geom, "T********"))
        .order_by(first.publish_at, first.id, second.id).limit(MAX_PAIRS)
    )
    if since is not None:
        query = query.where(first.publish_at >= since)
    if until is not None:
        query = query.where(first.publish_at < until)
    if territory_id is not None:
        scope = descendants_of(session, {territory_id}) or {0}
        query = query.where(first.territory_id.in_(scope) | second.territory_id.in_(scope))
    if campaign_id is not None:
        query = query.where((first.campaign_id == campaign_id)
                            | (second.campaign_id == campaign_id))
    features = [{
        "type": "Feature", "geometry": json.loads(row[9]),
        "properties": {"a": row[0], "a_status": row[1].value, "a_territory_id": row[2],
                       "a_publish_at": row[3].isoformat(), "b": row[4],
                       "b_status": row[5].value, "b_territory_id": row[6],
                       "b_publish_at": row[7].isoformat(), "hours_apart": row[8]},
    } for row in session.execute(query)]
    return {"type": "FeatureCollection", "features": features}


def campaign_targets_map(session: Session, actor: Actor, campaign_id: int, *, now: datetime,
                         tolerance: float | None = None) -> dict[str, Any]:
    """A campaign's target territories (those the actor may follow) as GeoJSON features.

    Each one's ``state`` is ``adapted``, ``late`` or ``pending``, as on the dashboard.
    """
    rows = {row["territory_id"]: row for row in dashboard(session, actor, campaign_id, now=now)}
    geom: Any = Territory.geom
    if tolerance:
        geom = func.ST_SimplifyPreserveTopology(geom, tolerance)
    shapes = session.execute(
        select(Territory.id, func.ST_AsGeoJSON(func.ST_ForcePolygonCCW(geom),
                                               COORDINATE_DECIMALS))
        .where(Territory.id.in_(rows or {0}), Territory.geom.is_not(None))
        .order_by(Territory.id))
    features = []
    for territory_id, shape in shapes:
        row = rows[territory_id]
        state = "adapted" if row["adapted"] else "late" if row["late"] else "pending"
        features.append({"type": "Feature", "id": territory_id, "geometry": json.loads(shape),
                         "properties": {"id": territory_id, "name": row["name"],
                                        "state": state, "posts": row["posts"]}})
    return {"type": "FeatureCollection", "features": features, "campaign_id": campaign_id}
