"""What needs a person now: the home page's lists, by role (reads only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, select
from sqlalchemy.orm import Session

from regions import campaigns, desk
from regions.actors import Actor
from regions.models import Campaign, Post, PostStatus, Territory
from regions.post_queries import visible


@dataclass(frozen=True, slots=True)
class PostLine:
    """A post in a list: enough to recognise it and open it."""

    id: int
    status: str
    excerpt: str
    territory_name: str
    campaign_title: str | None
    publish_at: datetime | None
    updated_at: datetime
    failure_reason: str | None = None


@dataclass(frozen=True, slots=True)
class CampaignToAdapt:
    """A campaign sent to one of the person's territories that it has not adapted yet."""

    campaign_id: int
    title: str
    territory_id: int
    territory_name: str
    due: datetime | None
    late: bool
    draft_id: int | None
    write_in: int  # where the person writes it: the target, or their territory beneath it
    # Whether a draft counted for the target was started by another team (a sibling
    # département, for a région): in progress, as on the dashboard, though not by this team.
    # Counted, never named: which territory holds a draft is that territory's business.
    drafting_elsewhere: bool = False


@dataclass
class Inbox:
    """The home page's lists; each role fills the ones that concern it."""

    queue: list[desk.QueueItem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    changes_requested: list[PostLine] = field(default_factory=list)
    to_adapt: list[CampaignToAdapt] = field(default_factory=list)
    # ``to_adapt`` shows the most pressing ones, up to a limit; how many in all (None: more,
    # not counted).
    to_adapt_total: int | None = 0
    failed: list[PostLine] = field(default_factory=list)
    drafts: list[PostLine] = field(default_factory=list)
    published: list[PostLine] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing at all to show."""
        return not any((self.queue, self.changes_requested, self.to_adapt, self.failed,
                        self.drafts, self.published))


def desk_inbox(session: Session, actor: Actor, *, now: datetime, window_hours: int,
               limit: int = 10) -> Inbox:
    """The desk's home: the oldest posts waiting for review, and the counts."""
    queue, _cursor = desk.desk_queue(session, actor, desk.QueueFilters(),
                                     window_hours=window_hours, limit=limit)
    counts = desk.queue_counts(session, actor, window_hours=window_hours, now=now)
    return Inbox(queue=queue, counts=counts)


def _lines(session: Session, query: Any) -> list[PostLine]:
    rows = session.execute(query.add_columns(Territory.name, Campaign.title)
                           .join(Territory, Territory.id == Post.territory_id)
                           .outerjoin(Campaign, Campaign.id == Post.campaign_id))
    return [PostLine(id=post.id, status=post.status.value, excerpt=desk.excerpt(post.text),
                     territory_name=name, campaign_title=title, publish_at=post.publish_at,
                     updated_at=post.updated_at, failure_reason=post.failure_reason)
            for post, name, title in rows]


def _team_posts(actor: Actor, status: PostStatus, limit: int) -> Any:
    return (select(Post).where(Post.territory_id.in_(actor.territory_ids or {0}),
                               Post.status == status)
            .order_by(Post.updated_at, Post.id).limit(limit))


def campaigns_to_adapt(session: Session, actor: Actor, *, now: datetime,
                       among: ColumnElement[bool] | None = None) -> list[CampaignToAdapt]:
    """Open campaigns the person's team adapts, per target not yet adapted, due first.

    The targets are ``campaigns.actor_targets`` (a département team adapts its région's
    campaign) and a target is adapted as on the dashboard: an adaptation counted for it
    (``campaigns.adaptations``, wherever beneath it it was written) reached the desk. The
    draft offered is the oldest one counted for the target that the person may open; a draft
    counted for it that another team started (a sibling département's) makes the target read
    « in progress » here as on the dashboard, without saying whose it is. ``among``: only
    the campaigns it selects (a batch of ``most_pressing``).
    """
    mine = campaigns.actor_targets(
        actor, campaigns.OPEN if among is None else campaigns.OPEN & among)
    wanted = list(session.execute(
        select(Campaign.id, Campaign.title, Campaign.adapt_deadline, Territory.id, Territory.name,
               mine.c.write_in)
        .join(mine, mine.c.campaign_id == Campaign.id)
        .join(Territory, Territory.id == mine.c.target_id)
        .order_by(Campaign.adapt_deadline.asc().nulls_last(), Campaign.id, Territory.name)))
    if not wanted:
        return []
    counted = campaigns.counted_adaptations(session, {row[0] for row in wanted},
                                            targets={row[3] for row in wanted})
    result = []
    for campaign_id, title, due, territory_id, name, write_in in wanted:
        posts = counted.get((campaign_id, territory_id), [])
        if campaigns.adapted(posts):
            continue
        drafts = [post for post in posts if post.status == PostStatus.DRAFT]
        own_draft = next((post.post_id for post in drafts
                          if post.territory_id in actor.territory_ids), None)
        elsewhere = any(post.territory_id not in actor.territory_ids for post in drafts)
        result.append(CampaignToAdapt(campaign_id, title, territory_id, name, due,
                                      late=due is not None and due < now, draft_id=own_draft,
                                      write_in=write_in, drafting_elsewhere=elsewhere))
    return result


def adaptation_states(session: Session, actor: Actor, *, now: datetime,
                      among: ColumnElement[bool] | None = None
                      ) -> dict[int, list[CampaignToAdapt]]:
    """Per open campaign, its targets the person's team still has to adapt (none: all done).

    ``campaigns_to_adapt`` grouped by campaign, for the pages that list campaigns (the
    campaign list, « Écrire un post »): a campaign missing here has every target of the
    person's submitted to the desk.
    """
    found: dict[int, list[CampaignToAdapt]] = {}
    for item in campaigns_to_adapt(session, actor, now=now, among=among):
        found.setdefault(item.campaign_id, []).append(item)
    return found


def regional_inbox(session: Session, actor: Actor, *, now: datetime, limit: int = 20) -> Inbox:
    """A regional person's home: changes requested, campaigns to adapt, failures, drafts."""
    drafts = (select(Post).where(Post.author_id == actor.user_id,
                                 Post.territory_id.in_(actor.territory_ids or {0}),
                                 Post.status == PostStatus.DRAFT)
              .order_by(Post.updated_at.desc(), Post.id.desc()).limit(limit))
    to_adapt, total = most_pressing_to_adapt(session, actor, now=now, limit=limit)
    return Inbox(
        changes_requested=_lines(session, _team_posts(actor, PostStatus.CHANGES_REQUESTED,
                                                      limit)),
        to_adapt=to_adapt,
        to_adapt_total=total,
        failed=_lines(session, _team_posts(actor, PostStatus.FAILED, limit)),
        drafts=_lines(session, drafts),
    )


PRESSING_BATCH = 100  # campaigns looked at a time, most pressing first


def most_pressing_to_adapt(session: Session, actor: Actor, *, now: datetime, limit: int
                           ) -> tuple[list[CampaignToAdapt], int | None]:
    """The ``limit`` most pressing targets to adapt (``most_pressing``), and how many in all.

    Open campaigns are looked at a batch at a time, most pressing first, until more than
    ``limit`` are due: a home page costs the same with sixty open campaigns or six thousand
    (the growth benchmark's million posts). The total is None when the looking stopped early
    (more than ``limit``, no more said).
    """
    deadline = Campaign.adapt_deadline
    in_time = deadline >= now
    ids = list(session.scalars(
        select(Campaign.id).where(campaigns.OPEN)
        .order_by(case((deadline.is_(None), 1), (in_time, 0), else_=2),
                  case((in_time, deadline)).asc(), deadline.desc(), Campaign.id)))
    found: list[CampaignToAdapt] = []
    for start in range(0, len(ids), PRESSING_BATCH):
        batch = ids[start:start + PRESSING_BATCH]
        found += campaigns_to_adapt(session, actor, now=now, among=Campaign.id.in_(batch))
        if len(found) > limit and start + PRESSING_BATCH < len(ids):  # more left unread
            return most_pressing(found, limit), None
    return most_pressing(found, limit), len(found)


def most_pressing(items: list[CampaignToAdapt], limit: int) -> list[CampaignToAdapt]:
    """The ``limit`` campaigns to adapt a home page shows first.

    Those still in time, soonest due first; then those without a due date; then the late
    ones, most recently due first: a campaign late by a week matters more than one late by a
    year, which the campaign list still shows.
    """
    def pressing(item: CampaignToAdapt) -> tuple[int, float]:
        if item.due is None:
            return (1, 0.0)
        return (2, -item.due.timestamp()) if item.late else (0, item.due.timestamp())

    return sorted(items, key=pressing)[:limit]


def published_inbox(session: Session, actor: Actor, *, limit: int = 10) -> Inbox:
    """A viewer's home: the latest published posts."""
    query = (select(Post).where(visible(actor), Post.status == PostStatus.PUBLISHED)
             .order_by(Post.published_at.desc().nulls_last(), Post.id.desc()).limit(limit))
    return Inbox(published=_lines(session, query))
