"""Playing the demo content through the real use cases, so every audit trail is a real one.

Each post is written, submitted, reviewed, edited, approved or withdrawn by the demo users
with the same functions the API calls; the only liberty is the clock: each step is dated a
little in the past (a week of work, not one second) — its audit events and comments are
written with that date (the audit table stays append-only: nothing is rewritten), and
submissions are validated as of that moment. Approved posts of territories with a Page are
scheduled by the outbox; :func:`publish_due` then lets the real publisher carry the due ones
to the (fake) Page, each at its planned time — or fail, for the Page whose token has expired.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from editorial import ViolationMessages, render_template, template_from_dict
from regions import accounts, audit, campaigns, posts, review, standards
from regions.actors import Actor
from regions.db import SessionFactory, UnitOfWork
from regions.models import (
    AuditEvent,
    Campaign,
    Comment,
    Post,
    Publication,
    TemplateRecord,
    Territory,
    User,
)
from regions.patterns import ENGINE as PATTERNS
from regions.publishing.graph import GraphClient, GraphPost
from regions.publishing.page_tokens import TokenCipher
from regions.publishing.publisher import Publisher, PublishingConfig
from service.demo import DEMO_CITIES, demo_email
from service.demo_content import CAMPAIGNS, CHARTER, POSTS, TEMPLATES, CampaignSpec, PostSpec
from service.i18n import load_violation_messages

PARIS = ZoneInfo("Europe/Paris")
STEP = timedelta(hours=5)


@dataclass
class Cast:
    """The demo's people and places, looked up once."""

    actors: dict[str, Actor]
    territories: dict[str, int]
    campaigns: dict[str, Campaign]
    now: datetime
    clock: Clock
    messages: ViolationMessages  # the submitted posts' reports, in French and English

    def actor(self, name: str) -> Actor:
        """A demo user by the part of its e-mail before the @ (``desk``, ``lyon``…)."""
        return self.actors[name]


def is_seeded(uow: UnitOfWork) -> bool:
    """Whether the demo content is there already (its templates are its mark)."""
    return uow.session.scalar(select(TemplateRecord.id).where(
        TemplateRecord.key.in_(list(TEMPLATES)))) is not None


def seed_demo_content(uow: UnitOfWork, *, now: datetime) -> dict[str, int]:
    """Write the charter, templates, campaigns and posts once; nothing when already there."""
    if is_seeded(uow):
        return {"templates": 0, "campaigns": 0, "posts": 0}
    cast = _cast(uow, now)
    desk = cast.actor("desk")
    with dated(uow.session, cast.clock):
        cast.clock.restart(now - timedelta(days=20), now)
        standards.update_charter(uow, desk, CHARTER)
        for key, data in TEMPLATES.items():
            standards.create_template(uow, desk, key, data)
            standards.publish_template(uow, desk, key, now=cast.clock.at)
        uow.flush()
        cast.clock.restart(now - timedelta(days=12), now)
        for spec in CAMPAIGNS:
            cast.campaigns[spec.key] = _campaign(uow, cast, spec)
        uow.flush()
        made = Counter(_play(uow, cast, spec).status.value for spec in POSTS)
    return {"templates": len(TEMPLATES), "campaigns": len(CAMPAIGNS),
            "posts": sum(made.values())}


def _cast(uow: UnitOfWork, now: datetime) -> Cast:
    actors = {}
    for user in uow.session.scalars(select(User).where(User.email.like("%@demo.relais.test"))):
        actor = accounts.actor_for_user_id(uow, user.id)
        assert actor is not None
        actors[user.email.split("@")[0]] = actor
    slugs = [city.slug for city in DEMO_CITIES]
    territories = {slug: territory_id for slug, territory_id in uow.session.execute(
        select(Territory.slug, Territory.id).where(Territory.slug.in_(slugs)))}
    missing = {demo_email(n) for n in ("desk", "lyon")} - {a.email for a in actors.values()}
    if missing or len(territories) != len(slugs):
        raise RuntimeError("Seed the demo territories and users first (service.demo.seed_demo).")
    return Cast(actors, territories, {}, now, Clock(now, now), load_violation_messages())


def _moment(now: datetime, days: float, hour: int) -> datetime:
    """Local ``hour`` o'clock on the day ``days`` from ``now`` (Paris time)."""
    day = (now + timedelta(days=days)).astimezone(PARIS).date()
    return datetime.combine(day, time(hour), tzinfo=PARIS)


def _campaign(uow: UnitOfWork, cast: Cast, spec: CampaignSpec) -> Campaign:
    window = _moment(cast.now, spec.window_days, 10)
    campaign = campaigns.create_campaign(uow, cast.actor("desk"), campaigns.CampaignDraft(
        title=spec.title, template_key=spec.template, slot_values=dict(spec.slots), media=[],
        target_mode=campaigns.TargetMode.LIST,
        territory_ids=tuple(cast.territories[slug] for slug in spec.targets),
        window_start=window, window_end=window + timedelta(days=14),
        adapt_deadline=_moment(cast.now, spec.deadline_days, 18)))
    campaign.created_at = cast.clock.at
    return campaign


def _point(cast: Cast, slug: str, east_km: float, north_km: float) -> tuple[float, float]:
    city = next(city for city in DEMO_CITIES if city.slug == slug)
    lat = city.lat + north_km / 110.574
    lon = city.lon + east_km / (111.320 * math.cos(math.radians(city.lat)))
    return round(lon, 6), round(lat, 6)


def _fields(uow: UnitOfWork, cast: Cast, spec: PostSpec, publish_at: datetime
            ) -> tuple[posts.PostFields, dict[str, Any]]:
    """The post's fields and how it is created (template key or campaign id)."""
    slots = {name: _date_value(value, publish_at) for name, value in spec.slots.items()}
    lon, lat = _point(cast, spec.territory, *spec.spot[:2])
    fields = posts.PostFields(slot_values=slots, lon=lon, lat=lat,
                              audience_radius_km=spec.spot[2], publish_at=publish_at)
    if spec.source.startswith("campaign:"):
        campaign = cast.campaigns[spec.source.split(":", 1)[1]]
        return fields, {"campaign_id": campaign.id}
    version = standards.published_version(uow.session, spec.source)
    fields.text = render_template(template_from_dict(version.data, patterns=PATTERNS), slots)
    return fields, {"template_key": spec.source}


def _date_value(value: str, publish_at: datetime) -> str:
    """``J+n``: the date n days after the publication (what an event announcement gives)."""
    if not value.startswith("J+"):
        return value
    return (publish_at + timedelta(days=int(value[2:]))).strftime("%d/%m/%Y")


def _play(uow: UnitOfWork, cast: Cast, spec: PostSpec) -> Post:
    """Create one post and take it through its story, dating each step."""
    publish_at = _moment(cast.now, spec.days, spec.hour)
    author, desk = cast.actor(spec.author), cast.actor("desk")
    fields, source = _fields(uow, cast, spec, publish_at)
    clock = cast.clock
    clock.restart(min(publish_at - timedelta(days=4), cast.now - timedelta(days=1)), cast.now)
    post = posts.create_post(uow, author, territory_id=cast.territories[spec.territory],
                             fields=fields, **source)
    clock.stamp(uow, post)
    if spec.story == "draft":
        return post
    if spec.story == "withdrawn":
        _step(uow, clock, post, review.submit_post, author, now=clock.at,
              messages=cast.messages)
        _notes(uow, clock, cast, post, spec)
        return _step(uow, clock, post, review.withdraw_post, author)
    _step(uow, clock, post, review.submit_post, author, now=clock.at, messages=cast.messages)
    if spec.revised is not None:
        _step(uow, clock, post, review.request_changes, desk, comment=spec.review)
        slots = {**post.slot_values, "details": spec.revised}
        version = standards.published_version(uow.session, spec.source)
        template = template_from_dict(version.data, patterns=PATTERNS)
        revised = posts.PostFields(slot_values=slots, text=render_template(template, slots))
        _step(uow, clock, post, posts.edit_post, author, fields=revised, messages=cast.messages)
        _step(uow, clock, post, review.submit_post, author, now=clock.at,
              messages=cast.messages)
    if spec.story == "changes_requested":
        _step(uow, clock, post, review.request_changes, desk, comment=spec.review)
    elif spec.story == "rejected":
        _step(uow, clock, post, review.reject_post, desk, comment=spec.review)
    elif spec.story != "submitted":
        _step(uow, clock, post, review.approve_post, desk)
    _notes(uow, clock, cast, post, spec)
    return post


def _step(uow: UnitOfWork, clock: Clock, post: Post, use_case: Any, actor: Actor,
          **options: Any) -> Post:
    uow.flush()
    result: Post = use_case(uow, actor, post.id, expected_version=post.version, **options)
    clock.stamp(uow, post)
    return result


def _notes(uow: UnitOfWork, clock: Clock, cast: Cast, post: Post, spec: PostSpec) -> None:
    for who, body in spec.notes:
        review.add_comment(uow, cast.actor(who), post, body)
        clock.stamp(uow, post)


class Clock:
    """The moment of the step being played: from a start, a few hours apart, before an end."""

    def __init__(self, start: datetime, end: datetime) -> None:
        self.at, self._end = start, end

    def restart(self, start: datetime, end: datetime) -> None:
        """Start a new story at ``start``."""
        self.at, self._end = start, end

    def stamp(self, uow: UnitOfWork, post: Post) -> None:
        """Write the step (dated now by :func:`dated`), date the post's change, go on."""
        uow.flush()
        post.updated_at = self.at
        uow.flush()
        self.at = min(self.at + STEP, self._end - timedelta(minutes=5))


@contextmanager
def dated(session: Session, clock: Clock) -> Iterator[None]:
    """While seeding, rows written without a date get the clock's moment, not the real now."""
    def stamp(session: Session, _context: object, _instances: object) -> None:
        for row in session.new:
            if isinstance(row, AuditEvent) and row.at is None:
                row.at = clock.at
            elif isinstance(row, Comment | Campaign | Post) and row.created_at is None:
                row.created_at = clock.at
                if isinstance(row, Post):
                    row.updated_at = clock.at

    event.listen(session, "before_flush", stamp)
    session.info[audit.CLOCK] = lambda: clock.at  # events written with the commit too
    try:
        yield
    finally:
        session.info.pop(audit.CLOCK, None)
        event.remove(session, "before_flush", stamp)


def publish_due(session_factory: SessionFactory, graph: GraphClient, cipher: TokenCipher,
                *, limit: int = 200) -> Counter[str]:
    """Let the real publisher carry every due publication, each at its own due time.

    The seeding plays a past: a post planned for last Thursday 10:00 reads as published then,
    not at the demo's first start. The publisher runs as in production (claims, leases,
    exactly-once); only its clock is the due time of the publication it takes next, and the
    audit events and Facebook's ``created_time`` it records are dated by that clock.
    """
    config = PublishingConfig(graph_timeout=5.0)
    moment = _PastMoment()
    backdated = cast(GraphClient, _Backdated(graph, moment))
    publisher = Publisher(moment.sessions(session_factory), backdated, cipher, config,
                          worker="demo-seed", clock=lambda _uow: moment.at)
    outcomes: Counter[str] = Counter()
    for _ in range(limit):
        with session_factory() as session:
            due = session.scalar(select(Publication.due_at).where(
                Publication.status == "queued", Publication.due_at <= func.now())
                .order_by(Publication.due_at, Publication.id).limit(1))
        if due is None:
            break
        moment.at = due
        outcome = publisher.run_once()
        if outcome is None:
            break
        outcomes[outcome.value] += 1
    return outcomes


class _PastMoment:
    """The moment the demo's publisher lives at, and sessions that date their events by it."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def sessions(self, session_factory: SessionFactory) -> SessionFactory:
        def dated_session() -> Session:
            session = session_factory()
            session.info[audit.CLOCK] = lambda: self.at
            event.listen(session, "before_flush", self._stamp)
            return session
        return dated_session

    def _stamp(self, session: Session, _context: object, _instances: object) -> None:
        for row in session.new:
            if isinstance(row, AuditEvent) and row.at is None:
                row.at = self.at


class _Backdated:
    """The fake Graph API, its posts read as created at the demo publisher's moment."""

    def __init__(self, graph: GraphClient, moment: _PastMoment) -> None:
        self._graph, self._moment = graph, moment

    def __getattr__(self, name: str) -> Any:
        return getattr(self._graph, name)

    def get_post(self, *args: Any, **kwargs: Any) -> GraphPost:
        post = self._graph.get_post(*args, **kwargs)
        return replace(post, created_time=self._moment.at if post.created_time else None)
