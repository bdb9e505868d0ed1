"""The central desk's queue as the pages show it: filters, oldest first, flags, neighbours."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, func, literal, select, tuple_
from sqlalchemy.orm import Session, aliased

from regions.actors import Actor
from regions.models import Campaign, Post, PostStatus, Territory, User
from regions.post_queries import decode_cursor, encode_cursor, visible
from regions.review import ACTIVE_STATES
from regions.teams import descendants_of

GEO_OUTSIDE = "geo.outside_territory"
EXCERPT = 140


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """What the desk narrows its queue by."""

    territory_id: int | None = None
    campaign_id: int | None = None
    deadline_before: datetime | None = None
    conflicts_only: bool = False


@dataclass(frozen=True, slots=True)
class QueueItem:
    """A post waiting for the desk, with what the desk weighs before opening it."""

    id: int
    excerpt: str
    territory_name: str
    author: str
    campaign_title: str | None
    publish_at: datetime | None
    campaign_due: datetime | None
    waiting_since: datetime
    has_conflict: bool
    geo_outside: bool
    errors: int
    warnings: int

    @property
    def deadline(self) -> datetime | None:
        """The earliest of the campaign's due date and the publication time."""
        moments = [m for m in (self.campaign_due, self.publish_at) if m is not None]
        return min(moments) if moments else None


# Runs of white space that break a line, not the no-break spaces French puts before « : ; ! ? »
# (U+00A0, U+202F, U+2007), which keep a colon from starting a line in the excerpt too.
_BREAKING_SPACE = re.compile(r"[^\S\u00a0\u202f\u2007]+")


def excerpt(text: str, size: int = EXCERPT) -> str:
    """The start of a text, on one line, cut at a word when long."""
    flat = _BREAKING_SPACE.sub(" ", text).strip()
    if len(flat) <= size:
        return flat
    return flat[:size].rsplit(" ", 1)[0] + "…"


def has_conflict(actor: Actor, window_hours: int) -> ColumnElement[bool]:
    """SQL: another active post the actor may see overlaps this post's audience, close in time.

    As the review screen's list of conflicts (``review.conflicts_for``): a regional lead's
    queue never flags a post for a conflict with another territory's unpublished post.
    """
    other = aliased(Post)
    window = timedelta(hours=window_hours)
    return exists().where(
        other.id != Post.id, other.status.in_(ACTIVE_STATES), visible(actor, other),
        Post.audience_geom.is_not(None), Post.publish_at.is_not(None),
        other.publish_at.between(Post.publish_at - window, Post.publish_at + window),
        func.ST_Intersects(Post.audience_geom, other.audience_geom),
        func.ST_Relate(Post.audience_geom, other.audience_geom, "T********"),
    )


def geo_outside() -> ColumnElement[bool]:
    """SQL: the stored report says the geotag is outside the post's territory."""
    return Post.report.contains({"violations": [{"code": GEO_OUTSIDE}]})


def deadline() -> ColumnElement[Any]:
    """SQL: the earliest of the campaign's due date and the publication time (NULLs ignored)."""
    return func.least(Campaign.adapt_deadline, Post.publish_at)


def _queue(session: Session, actor: Actor, filters: QueueFilters, window_hours: int) -> Any:
    conflict = has_conflict(actor, window_hours)
    query = (
        select(Post, Territory.name, User.email, Campaign.title, Campaign.adapt_deadline,
               conflict, geo_outside())
        .join(Territory, Territory.id == Post.territory_id)
        .join(User, User.id == Post.author_id)
        .outerjoin(Campaign, Campaign.id == Post.campaign_id)
        .where(visible(actor), Post.status == PostStatus.SUBMITTED)
    )
    if filters.territory_id is not None:
        scope = descendants_of(session, {filters.territory_id}) or {0}
        query = query.where(Post.territory_id.in_(scope))
    if filters.campaign_id is not None:
        query = query.where(Post.campaign_id == filters.campaign_id)
    if filters.deadline_before is not None:
        query = query.where(deadline() < filters.deadline_before)
    if filters.conflicts_only:
        query = query.where(conflict)
    return query


def _item(row: Any) -> QueueItem:
    post, territory, author, title, due, conflict, outside = row
    counts = (post.report or {}).get("counts", {})
    return QueueItem(
        id=post.id, excerpt=excerpt(post.text), territory_name=territory, author=author,
        campaign_title=title, publish_at=post.publish_at, campaign_due=due,
        waiting_since=post.updated_at, has_conflict=bool(conflict), geo_outside=bool(outside),
        errors=int(counts.get("error", 0)), warnings=int(counts.get("warning", 0)),
    )


def desk_queue(session: Session, actor: Actor, filters: QueueFilters, *, window_hours: int,
               limit: int, cursor: str | None = None) -> tuple[list[QueueItem], str | None]:
    """Submitted posts, waiting longest first, one page, and the next page's cursor."""
    key = tuple_(Post.updated_at, Post.id)
    query = _queue(session, actor, filters, window_hours).order_by(Post.updated_at, Post.id)
    if cursor:
        since, last_id = decode_cursor(cursor, _moment, _row_id)
        query = query.where(key > tuple_(literal(since), literal(last_id)))
    rows = list(session.execute(query.limit(limit + 1)))
    items = [_item(row) for row in rows[:limit]]
    more = len(rows) > limit and items
    return items, encode_cursor([items[-1].waiting_since, items[-1].id]) if more else None


def neighbours(session: Session, actor: Actor, filters: QueueFilters, post: Post, *,
               window_hours: int) -> tuple[int | None, int | None]:
    """The posts before and after ``post`` in the (filtered) queue: (previous, next)."""
    key, here = tuple_(Post.updated_at, Post.id), tuple_(literal(post.updated_at),
                                                        literal(post.id))
    base = _queue(session, actor, filters, window_hours).with_only_columns(Post.id)
    previous = session.scalar(base.where(key < here)
                              .order_by(Post.updated_at.desc(), Post.id.desc()).limit(1))
    following = session.scalar(base.where(key > here).order_by(Post.updated_at, Post.id)
                               .limit(1))
    return previous, following


def queue_counts(session: Session, actor: Actor, *, window_hours: int, now: datetime
                 ) -> dict[str, int]:
    """How many posts wait, with conflicts, late, geotagged outside; failed publications."""
    count = func.count(Post.id)
    row = session.execute(_queue(session, actor, QueueFilters(), window_hours).with_only_columns(
        count, count.filter(has_conflict(actor, window_hours)), count.filter(geo_outside()),
        count.filter(deadline() < now))).one()
    failed = session.scalar(select(count).where(visible(actor), Post.status == PostStatus.FAILED))
    return {"waiting": row[0], "conflicts": row[1], "geo_outside": row[2], "late": row[3],
            "failed": failed or 0}


def territory_choices(session: Session) -> list[tuple[int, str]]:
    """Every territory (id, name), by name, for the queue's filter."""
    return [(row[0], row[1]) for row in session.execute(
        select(Territory.id, Territory.name).order_by(Territory.name, Territory.id))]


def _moment(value: Any) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(value)
    return moment


def _row_id(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31:
        raise ValueError(value)
    return value
