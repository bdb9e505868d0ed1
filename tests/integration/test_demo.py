"""The demo: Énergie Commune seeded through the real use cases, published to the fake Pages."""

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from regions import campaigns, review
from regions.models import (
    AuditEvent,
    Campaign,
    CharterVersion,
    Comment,
    PageConnection,
    Post,
    PostStatus,
    TemplateVersion,
)
from regions.publishing.graph import GraphClient
from regions.publishing.page_tokens import cipher_for
from service.demo import DEMO_PAGES, demo_fake_pages, seed_demo, seed_demo_pages
from service.demo_stories import publish_due, seed_demo_content
from service.fakegraph import FakeGraphServer

SEEDED_STATES = set(PostStatus) - {PostStatus.ARCHIVED}


@pytest.fixture()
def cipher():
    return cipher_for(None, "demo-test-secret", production=False)


@pytest.fixture()
def fake_pages():
    with FakeGraphServer(demo_fake_pages()) as server:
        yield server


@pytest.fixture()
def seeded(uow, session_factory, cipher, fake_pages):
    """Everything ``relais demo`` seeds on its first start, in the test's transaction."""
    def seed():
        with uow() as unit:
            seed_demo(unit)
            pages = seed_demo_pages(unit, cipher)
            made = seed_demo_content(unit, now=datetime.now(UTC))
            unit.commit()
        graph = GraphClient(base_url=fake_pages.base_url, timeout=5)
        try:
            outcomes = publish_due(session_factory, graph, cipher)
        finally:
            graph.close()
        return pages, made, outcomes
    return seed


def counts(session):
    return {
        "posts": Counter(session.scalars(select(Post.status))),
        "templates": session.scalar(select(func.count(TemplateVersion.id))
                                    .where(TemplateVersion.published_at.is_not(None))),
        "campaigns": session.scalar(select(func.count(Campaign.id))),
        "charters": session.scalar(select(func.count(CharterVersion.id))),
        "comments": session.scalar(select(func.count(Comment.id))),
        "events": session.scalar(select(func.count(AuditEvent.id))),
        "connections": session.scalar(select(func.count(PageConnection.id))),
    }


def test_demo_has_every_state_templates_campaigns_charter_and_comments(
        seeded, session_factory, fake_pages):
    pages, made, outcomes = seeded()

    assert pages == len(DEMO_PAGES)
    assert made == {"templates": 3, "campaigns": 2, "posts": 50}
    assert outcomes == {"published": 10, "failed": 3}
    with session_factory() as session:
        seen = counts(session)
        assert set(seen["posts"]) == SEEDED_STATES
        assert sum(seen["posts"].values()) == 50
        assert (seen["templates"], seen["campaigns"], seen["charters"]) == (3, 2, 1)
        assert seen["comments"] >= 15
        assert seen["events"] >= 200
        failed = session.scalars(select(Post).where(Post.status == PostStatus.FAILED)).all()
        assert all("token" in (post.failure_reason or "").lower() for post in failed)
        published = session.scalars(select(Post).where(Post.status == PostStatus.PUBLISHED))
        permalinks = {post.permalink for post in published}
    assert len(fake_pages.posts()) == 10
    assert all(link and link.startswith(fake_pages.base_url) for link in permalinks)


def test_demo_history_is_real_and_spread_over_days(seeded, session_factory):
    seeded()
    with session_factory() as session:
        revised = select(AuditEvent.subject_id).where(
            AuditEvent.action == "post.request_changes")
        post = session.scalar(select(Post).where(Post.status == PostStatus.PUBLISHED,
                                                 Post.id.in_(revised)).order_by(Post.id).limit(1))
        actions = [event.action for event in session.scalars(select(AuditEvent).where(
            AuditEvent.subject_type == "post", AuditEvent.subject_id == post.id)
            .order_by(AuditEvent.id))]
        days = session.scalar(select(func.count(func.distinct(func.date(Post.created_at)))))
    assert actions == ["post.created", "post.submit", "post.commented", "post.request_changes",
                       "post.edited", "post.submit", "post.approve", "post.scheduled",
                       "post.published"]
    assert days >= 5


def test_demo_queue_has_audience_conflicts_and_a_late_campaign(seeded, session_factory, uow):
    seeded()
    with uow() as unit:
        desk = _actor(unit, "desk@demo.relais.test")
        submitted = unit.session.scalars(select(Post).where(
            Post.status == PostStatus.SUBMITTED)).all()
        conflicted = [post.id for post in submitted
                      if review.conflicts_for(unit.session, post, desk, window_hours=48)]
        late_campaign = unit.session.scalar(select(Campaign).where(
            Campaign.adapt_deadline < func.now()))
        board = campaigns.dashboard(unit.session, desk, late_campaign.id,
                                    now=datetime.now(UTC))
    assert len(conflicted) >= 3
    assert {entry["name"] for entry in board if entry["late"]} == {
        "Démo — Direction régionale Lille", "Démo — Direction régionale Rennes"}
    assert sum(not entry["late"] for entry in board) == 2


def test_seeding_again_changes_nothing(seeded, session_factory):
    seeded()
    with session_factory() as session:
        before = counts(session)

    pages, made, outcomes = seeded()

    assert made == {"templates": 0, "campaigns": 0, "posts": 0}
    assert pages == len(DEMO_PAGES) and not outcomes
    with session_factory() as session:
        assert counts(session) == before


def _actor(unit, email):
    from regions import accounts
    from regions.models import User

    user = unit.session.scalar(select(User).where(User.email == email))
    return accounts.actor_for_user_id(unit, user.id)



def test_the_expired_page_is_reported_until_reconnected(seeded, uow, cipher):
    from regions.models import Territory
    from regions.publishing.connections import connect_page
    from service.demo import EXPIRED_PAGE, demo_page_token, expired_page_connected

    seeded()
    with uow() as unit:
        assert expired_page_connected(unit, cipher)
        territory_id = unit.session.scalar(select(Territory.id).where(
            Territory.slug == EXPIRED_PAGE))
        page_id = next(page for slug, page, _name, _place in DEMO_PAGES if slug == EXPIRED_PAGE)
        connect_page(unit, None, territory_id, page_id=page_id,
                     token=demo_page_token(EXPIRED_PAGE), cipher=cipher)
        assert not expired_page_connected(unit, cipher)


def test_demo_ambassadors_bring_shares_clicks_and_page_engagement(seeded, session_factory,
                                                                   fake_pages, cipher):
    from regions import amplification
    from regions.actors import Actor
    from regions.models import Role
    from service.demo_ambassadors import seed_demo_ambassadors

    seeded()
    graph = GraphClient(base_url=fake_pages.base_url, timeout=5)
    try:
        made = seed_demo_ambassadors(session_factory, now=datetime.now(UTC), graph=graph,
                                     cipher=cipher)
        again = seed_demo_ambassadors(session_factory, now=datetime.now(UTC), graph=graph,
                                      cipher=cipher)
    finally:
        graph.close()
    assert made == {"ambassadors": 2, "kits": 2, "shares": 3}
    assert again == {"ambassadors": 0, "kits": 0, "shares": 0}
    with session_factory() as session:
        desk = Actor(0, "desk@x", Role.CENTRAL_EDITOR)
        figures = amplification.summary(session, desk, amplification.Scope())
    assert (figures["kits"], figures["shares"], figures["clicks"]) == (2, 3, 31)
    assert figures["page"]["reactions"] == 48 + 17 and figures["page"]["posts"] == 2


def test_demo_history_reads_in_order(seeded, session_factory):
    # Post 13's history listed « Soumis 02/12 03:23 » after « Approuvé 25/11 21:00 »: events
    # written with the commit took the seeding's real time, the others the story's.
    seeded()
    with session_factory() as session:
        rows = session.execute(select(AuditEvent.subject_id, AuditEvent.action, AuditEvent.at)
                               .where(AuditEvent.subject_type == "post")
                               .order_by(AuditEvent.subject_id, AuditEvent.id)).all()
    previous: dict[int, tuple[str, datetime]] = {}
    for post_id, action, at in rows:
        if post_id in previous:
            before, when = previous[post_id]
            assert when <= at, (post_id, before, when, action, at)
        previous[post_id] = (action, at)


def test_demo_kits_share_events_ahead_with_french_typography(seeded, session_factory,
                                                              fake_pages, cipher):
    from regions.models import ShareKit
    from service.demo_ambassadors import seed_demo_ambassadors

    seeded()
    now = datetime.now(UTC)
    graph = GraphClient(base_url=fake_pages.base_url, timeout=5)
    try:
        seed_demo_ambassadors(session_factory, now=now, graph=graph, cipher=cipher)
    finally:
        graph.close()
    with session_factory() as session:
        kits = session.scalars(select(ShareKit)).all()
        published = session.scalars(select(Post).where(Post.status == PostStatus.PUBLISHED))
        events = [post.slot_values["date"] for post in published
                  if "date" in (post.slot_values or {})]
        assert kits and events
        for kit in kits:
            assert kit.title.startswith("Partagez\u00a0: ") and " :" not in kit.title
            assert kit.ends_at > now
        latest_end = max(kit.ends_at for kit in kits).date()
    # An announced event stays ahead while the kits run: none is over when the demo starts.
    assert all(datetime.strptime(day, "%d/%m/%Y").date() >= latest_end for day in events)


def test_demo_posts_read_as_published_at_their_planned_time(seeded, session_factory,
                                                             fake_pages, cipher):
    # /posts/1 read « 26/11/2026 10:00 » on its card and « Publié sur Facebook le 02/12/2026
    # 04:15 » (the seeding's moment) in its banner; the kits ended at 04:15 too.
    from zoneinfo import ZoneInfo

    from regions.models import ShareKit
    from service.demo_ambassadors import seed_demo_ambassadors

    seeded()
    graph = GraphClient(base_url=fake_pages.base_url, timeout=5)
    try:
        seed_demo_ambassadors(session_factory, now=datetime.now(UTC), graph=graph, cipher=cipher)
    finally:
        graph.close()
    with session_factory() as session:
        published = session.scalars(select(Post).where(Post.status == PostStatus.PUBLISHED)).all()
        assert len(published) == 10
        for post in published:
            assert post.published_at == post.publish_at, post.id
            history = session.execute(select(AuditEvent.action, AuditEvent.at).where(
                AuditEvent.subject_type == "post", AuditEvent.subject_id == post.id)
                .order_by(AuditEvent.id)).all()
            assert ("post.published", post.publish_at) in history, (post.id, history)
            moments = [at for _action, at in history]
            assert moments == sorted(moments), (post.id, history)
        failed = session.scalars(select(Post).where(Post.status == PostStatus.FAILED)).all()
        for post in failed:
            (at,) = session.execute(select(AuditEvent.at).where(
                AuditEvent.subject_type == "post", AuditEvent.subject_id == post.id,
                AuditEvent.action == "post.failed")).one()
            assert at == post.publish_at, post.id
        for kit in session.scalars(select(ShareKit)):
            ends = kit.ends_at.astimezone(ZoneInfo("Europe/Paris"))
            assert (ends.hour, ends.minute) == (20, 0)
