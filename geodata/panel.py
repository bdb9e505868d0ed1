"""A territory's panel on the map: its posts by state, the latest ones, adaptations due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geodata.coverage import get_territory
from regions import campaigns
from regions.actors import Actor
from regions.desk import excerpt
from regions.models import Campaign, Post, PostStatus, Territory, campaign_targets
from regions.post_queries import visible
from regions.teams import descendants_of

RECENT = 5


@dataclass(frozen=True, slots=True)
class OpenAdaptation:
    """A campaign sent to a territory that has not adapted it yet."""

    campaign_id: int
    title: str
    deadline: datetime | None
    territory_id: int
    territory_name: str
    late: bool


def open_adaptations(session: Session, actor: Actor, *, now: datetime,
                     territory_ids: frozenset[int] | None = None,
                     campaign_id: int | None = None) -> list[OpenAdaptation]:
    """Campaign targets not yet adapted (nothing counted for them reached the desk), due first.

    Adapted as on the campaign dashboard (``campaigns.adaptations``: a post written beneath a
    target counts for the nearest target above it). Regional people see the targets they
    adapt (``campaigns.actor_targets``), as on their dashboard and home page.
    """
    open_ = campaigns.OPEN if campaign_id is None else campaigns.OPEN & (Campaign.id == campaign_id)
    targets = (select(campaign_targets.c.campaign_id,
                      campaign_targets.c.territory_id.label("target_id")).subquery("targets")
               if actor.is_central else campaigns.actor_targets(actor, open_))
    query = (
        select(Campaign.id, Campaign.title, Campaign.adapt_deadline, Territory.id,
               Territory.name)
        .join(targets, targets.c.campaign_id == Campaign.id)
        .join(Territory, Territory.id == targets.c.target_id)
        .where(open_)
        .order_by(Campaign.adapt_deadline.asc().nulls_last(), Campaign.id, Territory.name)
    )
    if territory_ids is not None:
        query = query.where(Territory.id.in_(territory_ids or {0}))
    rows = list(session.execute(query))
    # Only the posts beneath the targets listed count for them: a team's map (or one
    # territory's panel) reads its part of the campaigns, not every post of theirs.
    wanted = None if actor.is_central and territory_ids is None else {row[3] for row in rows}
    counted = (campaigns.counted_adaptations(session, {row[0] for row in rows}, wanted)
               if rows else {})
    return [OpenAdaptation(row[0], row[1], row[2], row[3], row[4],
                           row[2] is not None and row[2] < now)
            for row in rows if not campaigns.adapted(counted.get((row[0], row[3]), []))]


def adaptations_by_territory(session: Session, actor: Actor, *, now: datetime,
                             campaign_id: int | None = None) -> dict[int, dict[str, int]]:
    """Per territory: how many campaign adaptations are due and how many are late."""
    found: dict[int, dict[str, int]] = {}
    for item in open_adaptations(session, actor, now=now, campaign_id=campaign_id):
        entry = found.setdefault(item.territory_id, {"due": 0, "late": 0})
        entry["late" if item.late else "due"] += 1
    return found


def _recent(session: Session, actor: Actor, scope: frozenset[int]) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Post.id, Post.text, Post.status, Post.publish_at, Post.updated_at,
               Territory.id, Territory.name)
        .join(Territory, Territory.id == Post.territory_id)
        .where(visible(actor), Post.territory_id.in_(scope or {0}))
        .order_by(Post.updated_at.desc(), Post.id.desc()).limit(RECENT))
    return [{"id": r[0], "excerpt": excerpt(r[1], 100), "status": r[2].value,
             "publish_at": r[3], "updated_at": r[4], "territory_id": r[5],
             "territory_name": r[6]} for r in rows]


def territory_panel(session: Session, actor: Actor, territory_id: int, *, now: datetime
                    ) -> dict[str, Any]:
    """What the map's panel shows of a territory (and its descendants), as the actor may see.

    Counts by state, the latest posts, the campaign adaptations still due, and for the desk
    how many posts wait for review there.
    """
    territory = get_territory(session, territory_id)
    scope = descendants_of(session, {territory.id})
    counts = {status.value: int(count) for status, count in session.execute(
        select(Post.status, func.count()).where(visible(actor), Post.territory_id.in_(scope))
        .group_by(Post.status))}
    due = open_adaptations(session, actor, now=now, territory_ids=scope)
    return {
        "id": territory.id, "name": territory.name, "kind": territory.kind,
        "parent_id": territory.parent_id, "counts": counts, "total": sum(counts.values()),
        "recent": _recent(session, actor, scope),
        "adaptations": [{"campaign_id": a.campaign_id, "title": a.title,
                         "deadline": a.deadline, "territory_id": a.territory_id,
                         "territory_name": a.territory_name, "late": a.late} for a in due],
        "awaiting_review": (counts.get(PostStatus.SUBMITTED.value, 0)
                            if actor.is_central else None),
    }
