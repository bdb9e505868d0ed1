"""What ambassadors add: shares and clicks beside the Page post's own engagement.

Clicks arrive through the short links (``/s/<code>``); the web process counts them in memory
and writes them here in batches (``record_clicks``), one upsert per batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from regions import ambassadors
from regions.actors import Actor
from regions.errors import PermissionDenied
from regions.models import (
    AmbassadorProfile,
    Post,
    PostEngagement,
    PostStatus,
    Role,
    Share,
    ShareClick,
    ShareKit,
    Territory,
    User,
    kit_recipients,
)


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """Where a short link leads, and which share it counts for."""

    share_id: int
    url: str


def resolve(session: Session, code: str) -> LinkTarget | None:
    """The share behind a short link code (None: unknown code)."""
    row = session.execute(select(Share.id, ShareKit.link).join(ShareKit, ShareKit.id ==
                                                               Share.kit_id)
                          .where(Share.code == code)).first()
    return LinkTarget(row[0], row[1]) if row else None


def record_clicks(session: Session, counts: Mapping[tuple[int, date], int]) -> None:
    """Add a batch of clicks (by share and day) in one statement; the caller commits."""
    if not counts:
        return
    rows = [{"share_id": share_id, "day": day, "clicks": clicks}
            for (share_id, day), clicks in sorted(counts.items())]
    statement = insert(ShareClick).values(rows)
    session.execute(statement.on_conflict_do_update(
        index_elements=[ShareClick.share_id, ShareClick.day],
        set_={"clicks": ShareClick.clicks + statement.excluded.clicks}))


@dataclass(frozen=True, slots=True)
class Scope:
    """Which kits to count: any combination of one kit, post, campaign and territory."""

    kit_id: int | None = None
    post_id: int | None = None
    campaign_id: int | None = None
    territory_id: int | None = None


def _require_reader(actor: Actor) -> None:
    if actor.role == Role.AMBASSADOR:
        raise PermissionDenied("Amplification figures are for the editorial teams.")


def _kits(actor: Actor, scope: Scope) -> Select[Any]:
    query = select(ShareKit.id)
    if scope.kit_id is not None:
        query = query.where(ShareKit.id == scope.kit_id)
    if scope.post_id is not None:
        query = query.where(ShareKit.post_id == scope.post_id)
    if scope.campaign_id is not None:
        query = query.where(ShareKit.campaign_id == scope.campaign_id)
    if scope.territory_id is not None:
        query = query.where(ShareKit.id.in_(select(kit_recipients.c.kit_id).where(
            kit_recipients.c.territory_id == scope.territory_id)))
    if not actor.is_central:
        query = query.where(ShareKit.id.in_(select(kit_recipients.c.kit_id).where(
            kit_recipients.c.territory_id.in_(actor.territory_ids or {0}))))
    return query


def _shares(actor: Actor, scope: Scope) -> Select[Any]:
    query = select(Share).where(Share.kit_id.in_(_kits(actor, scope)))
    if scope.territory_id is not None:
        query = query.where(Share.territory_id == scope.territory_id)
    if not actor.is_central:
        query = query.where(Share.territory_id.in_(actor.territory_ids or {0}))
    return query


def _clicks_by_share() -> Any:
    return (select(ShareClick.share_id, func.sum(ShareClick.clicks).label("clicks"))
            .group_by(ShareClick.share_id).subquery())


def _grouped(session: Session, shares: Any, key: Any) -> list[tuple[Any, int, int]]:
    clicks = _clicks_by_share()
    rows = session.execute(
        select(key, func.count(shares.c.id), func.coalesce(func.sum(clicks.c.clicks), 0))
        .select_from(shares).outerjoin(clicks, clicks.c.share_id == shares.c.id)
        .group_by(key).order_by(key))
    return [(row[0], int(row[1]), int(row[2])) for row in rows]


def page_engagement(session: Session, post_ids: set[int]) -> dict[str, Any]:
    """The Page posts' own engagement as last fetched from Graph, summed."""
    row = session.execute(select(
        func.count(PostEngagement.post_id), func.coalesce(func.sum(PostEngagement.reactions), 0),
        func.coalesce(func.sum(PostEngagement.comments), 0),
        func.coalesce(func.sum(PostEngagement.shares), 0),
        func.max(PostEngagement.fetched_at))
        .where(PostEngagement.post_id.in_(post_ids or {0}))).one()
    return {"posts": int(row[0]), "reactions": int(row[1]), "comments": int(row[2]),
            "shares": int(row[3]), "fetched_at": row[4]}


def _page_posts(session: Session, actor: Actor, scope: Scope) -> set[int]:
    posts = {post_id for post_id in session.scalars(select(ShareKit.post_id).where(
        ShareKit.id.in_(_kits(actor, scope)))) if post_id is not None}
    if scope.post_id is not None:
        posts.add(scope.post_id)
    if scope.campaign_id is not None:
        posts |= set(session.scalars(select(Post.id).where(
            Post.campaign_id == scope.campaign_id, Post.status == PostStatus.PUBLISHED)))
    if not actor.is_central:
        posts = set(session.scalars(select(Post.id).where(
            Post.id.in_(posts or {0}), Post.territory_id.in_(actor.territory_ids or {0}))))
    return posts


def summary(session: Session, actor: Actor, scope: Scope) -> dict[str, Any]:
    """Kits, shares, clicks, ambassadors and the Page's own engagement, side by side."""
    _require_reader(actor)
    shares = _shares(actor, scope).subquery()
    by_network = _grouped(session, shares, shares.c.network)
    by_territory = _grouped(session, shares, shares.c.territory_id)
    names = {row[0]: row[1] for row in session.execute(select(Territory.id, Territory.name)
                                                       .where(Territory.id.in_(
                                                           [t for t, _s, _c in by_territory]
                                                           or [0])))}
    kits = int(session.scalar(select(func.count()).select_from(
        _kits(actor, scope).subquery())) or 0)
    sharers = int(session.scalar(select(func.count(distinct(shares.c.user_id)))) or 0)
    return {
        "kits": kits,
        "shares": sum(s for _n, s, _c in by_network),
        "clicks": sum(c for _n, _s, c in by_network),
        "ambassadors": sharers,
        "by_network": [{"network": n, "shares": s, "clicks": c} for n, s, c in by_network],
        "by_territory": [{"territory_id": t, "name": names.get(t, ""), "shares": s,
                          "clicks": c} for t, s, c in by_territory],
        "page": page_engagement(session, _page_posts(session, actor, scope)),
    }


def by_kit(session: Session, actor: Actor, kit_ids: list[int]) -> dict[int, dict[str, int]]:
    """Shares and clicks of each kit (lists of kits)."""
    _require_reader(actor)
    scoped = _shares(actor, Scope()).where(Share.kit_id.in_(kit_ids or [0])).subquery()
    found = {kit_id: {"shares": 0, "clicks": 0} for kit_id in kit_ids}
    for kit_id, shares, clicks in _grouped(session, scoped, scoped.c.kit_id):
        found[kit_id] = {"shares": shares, "clicks": clicks}
    return found


def my_figures(session: Session, actor: Actor) -> dict[str, int]:
    """The acting ambassador's own shares and the clicks they brought."""
    ambassadors.get_profile(session, actor)
    mine = select(Share).where(Share.user_id == actor.user_id).subquery()
    clicks = _clicks_by_share()
    row = session.execute(select(func.count(mine.c.id),
                                 func.coalesce(func.sum(clicks.c.clicks), 0))
                          .select_from(mine)
                          .outerjoin(clicks, clicks.c.share_id == mine.c.id)).one()
    return {"shares": int(row[0]), "clicks": int(row[1])}


def leaderboard(session: Session, actor: Actor, *, limit: int = 20) -> list[dict[str, Any]]:
    """Ambassadors who chose to appear, by clicks then shares (in the actor's territories)."""
    clicks = _clicks_by_share()
    shares = select(Share).where(Share.user_id.is_not(None))
    if not actor.is_central:
        shares = shares.where(Share.territory_id.in_(actor.territory_ids or {0}))
    scoped = shares.subquery()
    total_clicks = func.coalesce(func.sum(clicks.c.clicks), 0)
    rows = session.execute(
        select(User.id, User.display_name, func.count(scoped.c.id), total_clicks)
        .join(AmbassadorProfile, AmbassadorProfile.user_id == User.id)
        .join(scoped, scoped.c.user_id == User.id)
        .outerjoin(clicks, clicks.c.share_id == scoped.c.id)
        .where(AmbassadorProfile.on_leaderboard.is_(True))
        .group_by(User.id, User.display_name)
        .order_by(total_clicks.desc(), func.count(scoped.c.id).desc(), User.display_name)
        .limit(limit))
    return [{"rank": rank, "user_id": row[0], "display_name": row[1], "shares": int(row[2]),
             "clicks": int(row[3]), "me": row[0] == actor.user_id}
            for rank, row in enumerate(rows, start=1)]
