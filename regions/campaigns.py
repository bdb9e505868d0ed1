"""Campaigns: central content sent to territories for adaptation, and their dashboard."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    CTE,
    BindParameter,
    ColumnElement,
    Exists,
    Integer,
    Select,
    Subquery,
    any_,
    bindparam,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    true,
    union,
    update,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import flag_modified

from editorial.errors import N_
from regions import audit, standards
from regions.actors import DESK_ROLES, MAX_TERRITORY_DEPTH, Actor
from regions.db import UnitOfWork
from regions.errors import BLANK, InvalidInput, NotFound, check_version, is_blank
from regions.models import (
    Campaign,
    Membership,
    Post,
    PostStatus,
    ShareKit,
    Territory,
    campaign_targets,
)
from regions.teams import descendants_of

SUBMITTED_OR_LATER = frozenset({PostStatus.SUBMITTED, PostStatus.CHANGES_REQUESTED,
                                PostStatus.APPROVED, PostStatus.SCHEDULED,
                                PostStatus.PUBLISHED, PostStatus.FAILED})


class TargetMode(enum.StrEnum):
    """Which territories a campaign is sent to."""

    ALL = "all"
    LIST = "list"
    DESCENDANTS = "descendants"


@dataclass(frozen=True, slots=True)
class CampaignDraft:
    """What the central desk writes."""

    title: str
    template_key: str
    slot_values: dict[str, str]
    media: list[dict[str, str]]
    target_mode: TargetMode
    territory_ids: tuple[int, ...] = ()
    window_start: datetime | None = None
    window_end: datetime | None = None
    adapt_deadline: datetime | None = None
    master_text: str | None = None  # default: the template's body


def _targets(session: Session, mode: TargetMode, ids: tuple[int, ...]) -> list[int]:
    known = set(session.scalars(select(Territory.id).where(Territory.id.in_(ids))))
    unknown = sorted(set(ids) - known)
    if unknown:
        raise InvalidInput(f"Unknown territories: {unknown}.",
                           errors={"territory_ids": [N_("Unknown territory {id}.", id=i)
                                                     for i in unknown]})
    if mode == TargetMode.ALL:
        return list(session.scalars(select(Territory.id).where(Territory.geom.is_not(None))))
    if mode == TargetMode.DESCENDANTS:
        if len(ids) != 1:
            raise InvalidInput("Give exactly one territory whose descendants are targeted.",
                               errors={"territory_ids": [N_("Exactly one territory.")]})
        return sorted(descendants_of(session, set(ids)) - set(ids))
    if not ids:
        raise InvalidInput("Give the target territories.",
                           errors={"territory_ids": [N_("At least one territory.")]})
    return sorted(ids)


@dataclass(frozen=True, slots=True)
class CampaignChanges:
    """What the desk may change on a campaign; None (or an absent target mode) keeps it."""

    title: str | None = None
    master_text: str | None = None
    slot_values: dict[str, str] | None = None
    target_mode: TargetMode | None = None
    territory_ids: tuple[int, ...] = ()
    window_start: datetime | None = None
    window_end: datetime | None = None
    adapt_deadline: datetime | None = None
    cleared: frozenset[str] = frozenset()  # dates explicitly set to null


_DATES = ("window_start", "window_end", "adapt_deadline")


def _checked_title(title: str | None, master_text: str | None, dates: dict[str, Any]
                   ) -> str | None:
    """The title stripped (None: unchanged), once texts and dates are checked, all at once.

    A blank title or master text is refused. The publication window runs forward, and
    adaptations are due before it closes: a deadline after the window opens is a rolling
    campaign (late territories publish within the window, as the demo's late campaign does);
    one at or after its end leaves no time to publish what is due (decision 0052).
    """
    errors: dict[str, list[Any]] = {name: [BLANK] for name, text in (
        ("title", title), ("master_text", master_text)) if text is not None and is_blank(text)}
    start, end, deadline = (dates.get(name) for name in _DATES)
    if start and end and end <= start:
        errors["window_end"] = [N_("The end of the publication period must come after its "
                                   "start.")]
    if deadline and end and deadline >= end:
        errors["adapt_deadline"] = [N_("Adaptations must be due before the end of the "
                                       "publication period.")]
    if errors:
        raise InvalidInput("The campaign's texts or dates are invalid.", errors=errors)
    return title.strip() if title is not None else None


def create_campaign(uow: UnitOfWork, actor: Actor, draft: CampaignDraft) -> Campaign:
    """Create a campaign following a published template and send it to its targets."""
    actor.require(*DESK_ROLES)
    title = _checked_title(draft.title, draft.master_text,
                           {name: getattr(draft, name) for name in _DATES})
    version = standards.published_version(uow.session, draft.template_key)
    targets = _targets(uow.session, draft.target_mode, draft.territory_ids)
    campaign = Campaign(
        title=title, template_version_id=version.id, slot_values=draft.slot_values,
        media=draft.media, window_start=draft.window_start, window_end=draft.window_end,
        adapt_deadline=draft.adapt_deadline, created_by=actor.user_id,
        master_text=(draft.master_text if draft.master_text is not None
                     else version.data.get("body", "")),
    )
    uow.session.add(campaign)
    uow.flush()
    _set_targets(uow, campaign.id, targets)
    audit.record(uow.session, actor.user_id, "campaign.created", "campaign", campaign.id,
                 {"title": title, "targets": targets, "template_version": version.number})
    return campaign


def _set_targets(uow: UnitOfWork, campaign_id: int, targets: list[int]) -> None:
    uow.session.execute(delete(campaign_targets)
                        .where(campaign_targets.c.campaign_id == campaign_id))
    if targets:
        uow.session.execute(insert(campaign_targets), [
            {"campaign_id": campaign_id, "territory_id": t} for t in targets])



def update_campaign(uow: UnitOfWork, actor: Actor, campaign_id: int, *, expected_version: int,
                    changes: CampaignChanges) -> Campaign:
    """Change a campaign's title, master text, slot values, targets or dates (central desk).

    A stale ``expected_version`` (someone saved the campaign since the caller read it) is a
    409 ``conflict.stale``: nothing is overwritten. Posts already written keep their text.
    """
    actor.require(*DESK_ROLES)
    campaign = get_campaign(uow.session, campaign_id)
    check_version("campaign", campaign.version, expected_version)
    dates = {name: None if name in changes.cleared else
             getattr(changes, name) or getattr(campaign, name) for name in _DATES}
    texts = {"title": _checked_title(changes.title, changes.master_text, dates),
             "master_text": changes.master_text, "slot_values": changes.slot_values}
    changed = [name for name, value in texts.items()
               if value is not None and value != getattr(campaign, name)]
    changed += [name for name in _DATES if dates[name] != getattr(campaign, name)]
    details: dict[str, Any] = {"fields": changed}
    if changes.target_mode is not None:  # queries first: one UPDATE of the campaign below
        before = target_ids(uow.session, campaign.id)
        targets = _targets(uow.session, changes.target_mode, changes.territory_ids)
        if targets != before:
            _set_targets(uow, campaign.id, targets)
            details.update(targets_added=sorted(set(targets) - set(before)),
                           targets_removed=sorted(set(before) - set(targets)))
            changed.append("targets")
    for name in changed:
        if name != "targets":
            setattr(campaign, name, dates[name] if name in _DATES else texts[name])
    flag_modified(campaign, "title")  # every save counts in the version, even targets alone
    uow.flush()
    audit.record(uow.session, actor.user_id, "campaign.updated", "campaign", campaign.id,
                 details)
    return campaign


def withdraw_campaign(uow: UnitOfWork, actor: Actor, campaign_id: int, *, now: datetime
                      ) -> Campaign:
    """Take a campaign back (central desk): regions no longer see it or adapt it.

    Its open share kits end with it; posts already written stay as they are. Withdrawing
    twice changes nothing.
    """
    actor.require(*DESK_ROLES)
    campaign = get_campaign(uow.session, campaign_id)
    if campaign.archived_at is None:
        campaign.archived_at = now
        kits = uow.session.execute(
            update(ShareKit).where(ShareKit.campaign_id == campaign.id,
                                   ShareKit.withdrawn_at.is_(None))
            .values(withdrawn_at=now).returning(ShareKit.id))
        audit.record(uow.session, actor.user_id, "campaign.withdrawn", "campaign", campaign.id,
                     {"kits_withdrawn": sorted(kits.scalars())})
    return campaign


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    """One campaign (campaigns are visible to everyone in the organisation)."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"No campaign {campaign_id}.", params={"kind": "campaign",
                                                            "id": campaign_id})
    return campaign


def target_ids(session: Session, campaign_id: int) -> list[int]:
    """The territories a campaign was sent to."""
    return targets_by_campaign(session, [campaign_id])[campaign_id]


def targets_by_campaign(session: Session, campaign_ids: list[int]) -> dict[int, list[int]]:
    """The targets of many campaigns in one query (list pages)."""
    found: dict[int, list[int]] = {campaign_id: [] for campaign_id in campaign_ids}
    rows = session.execute(
        select(campaign_targets.c.campaign_id, campaign_targets.c.territory_id)
        .where(campaign_targets.c.campaign_id.in_(campaign_ids or [0]))
        .order_by(campaign_targets.c.territory_id))
    for campaign_id, territory_id in rows:
        found[campaign_id].append(territory_id)
    return found


def territory_choices(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every territory a campaign may target, by name (the desk's forms)."""
    rows = session.execute(select(Territory.id, Territory.name).order_by(Territory.name))
    return [(row[0], row[1]) for row in rows]


def list_campaigns(session: Session, actor: Actor, *, offset: int = 0,
                   limit: int | None = None) -> list[Campaign]:
    """Campaigns, newest first; regional roles see those they adapt (see ``actor_targets``).

    ``offset`` and ``limit``: one page of them (the campaign list page).
    """
    visible, _count = _visible_campaigns(session, actor)
    return _newest_campaigns(session, visible, offset=offset, limit=limit)


def campaign_page(session: Session, actor: Actor, *, offset: int, limit: int
                  ) -> tuple[list[Campaign], int]:
    """One page of ``list_campaigns``, and how many campaigns the person sees in all (the API).

    The count reads the campaigns table alone (never the posts); a regional person's campaigns
    are counted as their ids are read, for nothing more.
    """
    visible, total = _visible_campaigns(session, actor)
    if total is None:
        total = session.scalar(select(func.count()).select_from(Campaign).where(visible)) or 0
    return _newest_campaigns(session, visible, offset=offset, limit=limit), total


def _visible_campaigns(session: Session, actor: Actor) -> tuple[ColumnElement[bool], int | None]:
    """The open campaigns ``actor`` sees, as a condition; and how many, when already known."""
    if actor.is_central:
        return OPEN, None
    # The ids first, then the campaigns: inside one statement (``IN``, or a join) the planner
    # re-scanned the targets' grouping once per campaign when it guessed few campaigns
    # (quadratic: 43–69 ms for 600 open campaigns; 2 ms in two statements).
    theirs = set(session.scalars(select(actor_targets(actor, OPEN).c.campaign_id)))
    return OPEN & Campaign.id.in_(theirs or {0}), len(theirs)


def _newest_campaigns(session: Session, visible: ColumnElement[bool], *, offset: int,
                      limit: int | None) -> list[Campaign]:
    return list(session.scalars(select(Campaign).where(visible).order_by(Campaign.id.desc())
                                .offset(offset).limit(limit)))


FILTER_CHOICES = 100  # campaigns a page's filter offers: the newest ones (and the one chosen)


def filter_choices(session: Session, actor: Actor, *, selected: int | None = None,
                   limit: int = FILTER_CHOICES) -> list[tuple[int, str]]:
    """``(id, title)`` of the campaigns a page's campaign filter offers, newest first.

    The newest ``limit`` open campaigns the person sees (``list_campaigns``' rule), and the one
    already chosen if it is older: a filter listing every campaign of the years would grow
    without end (6,000 at a million posts in the growth benchmark: 0.3–0.5 s a page). Older
    campaigns stay reachable from the campaign list and their own pages.
    """
    newest = select(Campaign.id).where(OPEN).order_by(Campaign.id.desc())
    if actor.is_central:
        ids = list(session.scalars(newest.limit(limit)))
    else:  # theirs among the newest few hundred: the targets' walk stays small
        recent = OPEN & Campaign.id.in_(newest.limit(limit * 5).scalar_subquery())
        ids = sorted(set(session.scalars(select(actor_targets(actor, recent).c.campaign_id))),
                     reverse=True)[:limit]
    if selected is not None and selected not in ids and (actor.is_central or session.scalar(
            select(actor_targets(actor, OPEN & (Campaign.id == selected)).c.campaign_id)
            .limit(1)) is not None):
        ids.append(selected)
    titles = dict(session.execute(select(Campaign.id, Campaign.title)
                                  .where(OPEN, Campaign.id.in_(ids or [0]))).all())
    return [(campaign_id, titles[campaign_id]) for campaign_id in ids if campaign_id in titles]


COUNTED_OUT = (PostStatus.WITHDRAWN, PostStatus.REJECTED)  # no longer an adaptation
CAMPAIGN: BindParameter[int] = bindparam("campaign_id")
OPEN = Campaign.archived_at.is_(None)


def _is_target(campaign_id: Any, territory_id: Any) -> Exists:
    return exists().where(campaign_targets.c.campaign_id == campaign_id,
                          campaign_targets.c.territory_id == territory_id)


def nearest_targets(origins: CTE) -> Subquery:
    """Per ``(campaign_id, territory_id)`` of ``origins``: the campaign's nearest target above.

    Rows ``(campaign_id, origin, target_id)``: the target at or above the origin territory;
    none when no target contains it. The one rule that ties a territory to the target it
    works for (decision 0041): a walk *up* ``parent_id`` from a few territories, stopping at
    the first target; never down a tree.
    """
    walk = select(origins.c.campaign_id, origins.c.territory_id.label("origin"),
                  origins.c.territory_id.label("at"), literal(0).label("depth")
                  ).distinct().cte("walk", recursive=True)
    walk = walk.union_all(
        select(walk.c.campaign_id, walk.c.origin, Territory.parent_id, walk.c.depth + 1)
        .join(Territory, Territory.id == walk.c.at)
        .where(~_is_target(walk.c.campaign_id, walk.c.at), Territory.parent_id.is_not(None),
               walk.c.depth < MAX_TERRITORY_DEPTH))
    return (select(walk.c.campaign_id, walk.c.origin, walk.c.at.label("target_id"))
            .where(_is_target(walk.c.campaign_id, walk.c.at)).subquery("nearest"))


def beneath(territory_ids: set[int]) -> Select[Any]:
    """The ids of these territories and of every territory beneath them (a walk down)."""
    tree = (select(Territory.id, literal(0).label("depth"))
            .where(Territory.id.in_(territory_ids or {0})).cte("beneath", recursive=True))
    tree = tree.union_all(select(Territory.id, tree.c.depth + 1)
                          .join(tree, Territory.parent_id == tree.c.id)
                          .where(tree.c.depth < MAX_TERRITORY_DEPTH))
    return select(tree.c.id)


def _written(campaign_ids: Select[Any] | None, within: Select[Any] | None = None) -> CTE:
    """The posts of the campaigns that may count (neither withdrawn nor rejected).

    Many campaigns are read one by one through ``ix_posts_campaign_territory`` (a LATERAL subquery
    with OFFSET 0, which the planner does not flatten): as a plain join it would scan every
    post once the campaigns hold a good share of them. ``within``: only the posts written in
    these territories (``beneath`` some targets: all that can count for them).
    """
    columns = (Post.id, Post.campaign_id, Post.status, Post.territory_id)
    where: list[ColumnElement[bool]] = [Post.status.not_in(COUNTED_OUT)]
    if within is not None:
        # As one array (`= ANY`), not `IN (subquery)`: the index takes it as a condition and
        # reads the posts of those territories only, not every post of the campaign.
        ids_within = within.subquery("within")
        where.append(Post.territory_id == any_(cast(
            select(func.array_agg(ids_within.c[0])).scalar_subquery(), ARRAY(Integer))))
    if campaign_ids is None:
        return select(*columns).where(Post.campaign_id == CAMPAIGN, *where).cte("written")
    ids = campaign_ids.subquery("campaign_ids")
    each = (select(*columns).where(Post.campaign_id == ids.c[0], *where)
            .offset(0).lateral("posts_of"))
    return select(each).select_from(ids).join(each, true()).cte("written")


def adaptations(campaign_ids: Select[Any] | None = None,
                within: Select[Any] | None = None) -> Subquery:
    """The adaptations of some campaigns, each with the target it counts for.

    ``campaign_ids`` selects the campaigns' ids; by default campaign ``:campaign_id`` (the
    dashboard's bound statement). An adaptation counts for the nearest target at or above the
    territory it was written in (``nearest_targets``): a région's target is adapted by a
    département team beneath it, and a post counts once even when the département is a target
    too (then it counts for the département). The walk starts from the few territories
    holding the campaigns' posts (``ix_posts_campaign_territory``). Posts under no target (targets
    changed since) count for none. ``within``: only the posts written in these territories
    (see ``_written``).
    """
    written = _written(campaign_ids, within)
    nearest = nearest_targets(written)
    return (select(written.c.id, written.c.campaign_id, written.c.status,
                   written.c.territory_id, nearest.c.target_id)
            .join(nearest, (nearest.c.campaign_id == written.c.campaign_id)
                  & (nearest.c.origin == written.c.territory_id))
            .subquery("adaptations"))


def actor_targets(actor: Actor, campaigns: ColumnElement[bool]) -> Subquery:
    """The targets a regional person adapts, in the campaigns ``campaigns`` selects.

    Rows ``(campaign_id, target_id, write_in)``, ``write_in`` being a territory of theirs to
    write the adaptation in (the target itself when it is theirs). The targets inside their
    territories, and for each territory they belong to, the nearest target at or above it
    (``nearest_targets``, the rule the dashboard counts by): a département team adapts its
    région's campaign, for the région, unless the département is a target itself. Their
    campaign list, home page, map and dashboard all read this.
    """
    held = (select(Campaign.id.label("campaign_id"), Membership.territory_id)
            .select_from(Campaign).join(Membership, true())
            .where(Membership.user_id == actor.user_id, campaigns).cte("held"))
    above = nearest_targets(held)
    inside = (select(campaign_targets.c.campaign_id, campaign_targets.c.territory_id,
                     campaign_targets.c.territory_id)
              .join(Campaign, Campaign.id == campaign_targets.c.campaign_id)
              .where(campaigns, campaign_targets.c.territory_id.in_(actor.territory_ids or {0})))
    both = union(select(above.c.campaign_id, above.c.target_id, above.c.origin), inside
                 ).subquery("both")
    return (select(both.c.campaign_id, both.c.target_id, func.min(both.c.origin).label("write_in"))
            .group_by(both.c.campaign_id, both.c.target_id).subquery("mine"))


@dataclass(frozen=True, slots=True)
class Counted:
    """An adaptation as counted for a target: the post, its state, where it was written."""

    post_id: int
    status: PostStatus
    territory_id: int


def counted_adaptations(session: Session, campaign_ids: set[int],
                        targets: set[int] | None = None
                        ) -> dict[tuple[int, int], list[Counted]]:
    """``(campaign_id, target_id)`` → the adaptations counted for it, by post id.

    The home page and the map read this; the dashboard reads the same ``adaptations`` in its
    own statement. ``targets``: the caller needs these targets only, so only the posts written
    beneath them are read (a team's home page reads its part of the campaigns, not all of
    their posts); an entry for another target may then be missing or partial.
    """
    counted = adaptations(select(Campaign.id).where(Campaign.id.in_(campaign_ids or {0})),
                          None if targets is None else beneath(targets))
    found: dict[tuple[int, int], list[Counted]] = {}
    for post_id, campaign_id, status, territory_id, target_id in session.execute(
            select(counted).order_by(counted.c.id)):
        found.setdefault((campaign_id, target_id), []).append(
            Counted(post_id, status, territory_id))
    return found


def adapted(posts: list[Counted]) -> bool:
    """Whether a target counts as adapted: one of its adaptations reached the desk."""
    return any(post.status in SUBMITTED_OR_LATER for post in posts)


def _dashboard_rows() -> Select[Any]:
    """Campaign ``:campaign_id``'s targets with the adaptations counted for each (if any)."""
    counted, written_in = adaptations(), aliased(Territory)
    return (select(Territory.id, Territory.name, counted.c.id, counted.c.status,
                   counted.c.territory_id, written_in.name)
            .join(campaign_targets, campaign_targets.c.territory_id == Territory.id)
            .outerjoin(counted, counted.c.target_id == Territory.id)
            .outerjoin(written_in, written_in.id == counted.c.territory_id)
            .where(campaign_targets.c.campaign_id == CAMPAIGN)
            .order_by(Territory.name, counted.c.id))


# Built once: putting the statement together costs more than PostgreSQL takes to run it.
DASHBOARD_ROWS = _dashboard_rows()


def dashboard(session: Session, actor: Actor, campaign_id: int, *, now: datetime
              ) -> list[dict[str, Any]]:
    """Per target territory: its adaptations' states, and whether it is late.

    ``adapted`` means submitted to the desk at least once (SUBMITTED_OR_LATER, as on the
    regional home page and the map); ``drafting``: a draft started, nothing submitted yet.
    A target's adaptations include those written beneath it (see ``adaptations``); each post
    names the territory it was written in. Regional people see the targets they adapt
    (``actor_targets``): a département team sees its région's row, where the posts written
    outside its territories (a sibling département's) count but are not listed: only their
    number (``elsewhere``), never their ids, states or territories.
    """
    campaign = get_campaign(session, campaign_id)
    rows = session.execute(DASHBOARD_ROWS, {"campaign_id": campaign.id})
    mine = None if actor.is_central else set(session.scalars(select(
        actor_targets(actor, Campaign.id == campaign.id).c.target_id)))
    result: dict[int, dict[str, Any]] = {}
    for territory_id, name, post_id, status, written_id, written_name in rows:
        if mine is not None and territory_id not in mine:
            continue
        entry = result.setdefault(territory_id, {"territory_id": territory_id, "name": name,
                                                 "posts": [], "elsewhere": 0, "adapted": False,
                                                 "drafting": False})
        if post_id is not None:
            if mine is None or written_id in actor.territory_ids:
                entry["posts"].append({"id": post_id, "status": status.value,
                                       "territory_id": written_id,
                                       "territory_name": written_name})
            else:  # a sibling's post: counted for the shared target, never shown
                entry["elsewhere"] += 1
            entry["adapted"] = entry["adapted"] or status in SUBMITTED_OR_LATER
            entry["drafting"] = entry["drafting"] or status == PostStatus.DRAFT
    deadline_passed = campaign.adapt_deadline is not None and now > campaign.adapt_deadline
    for entry in result.values():
        entry["drafting"] = entry["drafting"] and not entry["adapted"]
        entry["late"] = deadline_passed and not entry["adapted"]
    return list(result.values())
