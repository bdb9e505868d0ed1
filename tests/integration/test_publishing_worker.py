"""The publisher over real HTTP, through facebook-sdk, against the fake Graph server."""

from __future__ import annotations

import logging
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from regions.models import PostStatus, Publication, Role
from regions.models.audit import AuditEvent
from regions.publishing import claims
from regions.publishing.graph_errors import GraphTimeout, RateLimited
from regions.publishing.publisher import Outcome, PublishingConfig, retry_delay
from service.fakegraph import FakePage
from tests.integration.publishing_world import (  # noqa: F401 - seed_posts is imported from here
    CLIENT_TIMEOUT,
    CONFIG,
    NEAR_PLACE,
    PAGE,
    PAGE_PLACE,
    TOKEN,
    drain,
    load,
    seed_posts,
)


def test_scheduled_post_is_published_with_the_nearest_place_and_local_targeting(
        publisher, posts, fake, session_factory):
    [post_id] = posts("Marché de Noël place Bellecour", lon=4.833, lat=45.758, radius_km=12)

    assert publisher.run_once() == Outcome.PUBLISHED

    [stored] = fake.posts(PAGE)
    assert stored["place"] == {"id": NEAR_PLACE}
    circle = stored["targeting"]["geo_locations"]["custom_locations"][0]
    assert circle == {"latitude": 45.758, "longitude": 4.833, "radius": 12.0,
                      "distance_unit": "kilometer"}
    assert stored["feed_targeting"] == stored["targeting"]
    post, [publication] = load(session_factory, post_id)
    assert post.status == PostStatus.PUBLISHED
    assert post.facebook_post_id == stored["id"] == publication.graph_post_id
    assert post.permalink == stored["permalink_url"]
    assert post.published_at is not None and publication.status == "succeeded"
    with session_factory() as session:
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.subject_type == "post", AuditEvent.subject_id == post_id)).all()
    assert "post.published" in actions


def test_a_post_far_from_every_place_is_tagged_with_the_pages_own_place(publisher, posts, fake):
    posts("Fête du quartier de Vaise", lon=4.80, lat=45.78)
    assert publisher.run_once() == Outcome.PUBLISHED
    assert fake.posts(PAGE)[0]["place"] == {"id": PAGE_PLACE}
    assert fake.posts(PAGE)[0].get("targeting") is None


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001])
def test_rate_limit_waits_for_facebooks_estimate_then_publishes(
        code, publisher, posts, fake, clock, session_factory):
    [post_id] = posts(f"Limite {code}")
    fake.inject("rate_limit", code=code, op="publish", regain_minutes=1)
    attempted = clock.now

    assert publisher.run_once() == Outcome.RESCHEDULED
    post, [publication] = load(session_factory, post_id)
    assert post.status == PostStatus.SCHEDULED and publication.status == "queued"
    assert publication.last_error_code == "graph.rate_limited"
    assert publication.due_at >= attempted + timedelta(seconds=60)  # estimated_time_to_regain
    assert publisher.run_once() is None  # not before the wait

    assert drain(publisher, session_factory, clock) == [Outcome.PUBLISHED]
    post, [publication] = load(session_factory, post_id)
    assert post.status == PostStatus.PUBLISHED and len(fake.posts(PAGE)) == 1
    assert publication.attempts == 2


@pytest.mark.parametrize(("kind", "code", "words"), [
    ("invalid_param", "graph.invalid_parameter", "rejected a parameter"),
    ("token_expired", "graph.token_invalid", "token is invalid or expired"),
    ("permission", "graph.permission_denied", "lacks a permission"),
    ("blocked", "graph.blocked", "blocked this action"),
    ("duplicate", "graph.duplicate_post", "duplicate"),
])
def test_permanent_graph_error_fails_the_post_with_a_readable_reason_and_no_retry(
        kind, code, words, publisher, posts, fake, clock, session_factory):
    [post_id] = posts(f"Refusé {kind}")
    fake.inject(kind, op="publish")

    assert drain(publisher, session_factory, clock) == [Outcome.FAILED]

    post, [publication] = load(session_factory, post_id)
    assert post.status == PostStatus.FAILED and words in post.failure_reason
    assert publication.status == "failed" and publication.last_error_code == code
    assert publication.attempts == 1 and fake.posts(PAGE) == []


@pytest.mark.parametrize("kind", ["timeout", "drop", "server_error", "html_500"])
def test_a_publish_stored_by_facebook_but_answered_badly_is_adopted_not_repeated(
        kind, publisher, posts, fake, clock, session_factory):
    [post_id] = posts(f"Réponse perdue {kind}")
    fake.inject(kind, op="publish", after_commit=True, seconds=CLIENT_TIMEOUT + 0.2)

    assert drain(publisher, session_factory, clock) == [Outcome.RESCHEDULED, Outcome.ADOPTED]

    [stored] = fake.posts(PAGE)
    post, [publication] = load(session_factory, post_id)
    assert post.status == PostStatus.PUBLISHED and post.facebook_post_id == stored["id"]
    assert post.permalink == stored["permalink_url"]


def test_after_a_timeout_the_lookup_waits_longer_than_the_client_timeout(
        publisher, posts, fake, clock, session_factory):
    [post_id] = posts("Patience")
    fake.inject("timeout", op="publish", seconds=CLIENT_TIMEOUT + 0.2)
    started = clock.now
    assert publisher.run_once() == Outcome.RESCHEDULED
    _post, [publication] = load(session_factory, post_id)
    assert publication.last_error_code == GraphTimeout.code
    assert publication.due_at - started >= timedelta(seconds=CLIENT_TIMEOUT + CONFIG.settle_margin)
    assert drain(publisher, session_factory, clock) == [Outcome.PUBLISHED]
    assert len(fake.posts(PAGE)) == 1


def _claim(publisher, session_factory, clock, cipher):
    with publisher_uow(session_factory) as uow:
        _publication, job = claims.claim_next(uow, publisher.worker, clock.now, CONFIG.lease,
                                              cipher)
        uow.commit()
    return job


def publisher_uow(session_factory):
    from regions.db import UnitOfWork

    return UnitOfWork(session_factory)


def _mark(job, publisher, session_factory, clock):
    with publisher_uow(session_factory) as uow:
        assert claims.begin_publish(uow, job, publisher.worker, clock.now, CONFIG.lease)
        uow.commit()


def test_worker_killed_after_facebook_answered_is_taken_over_and_adopts_the_post(
        publisher, posts, fake, clock, session_factory, cipher, graph):
    [post_id] = posts("Tué après la réponse")
    job = _claim(publisher, session_factory, clock, cipher)
    _mark(job, publisher, session_factory, clock)
    graph.publish_feed_post(PAGE, TOKEN, job.message)  # Facebook stores it; the worker dies

    assert publisher.run_once() is None  # the dead worker's lease still holds
    clock.advance(CONFIG.lease.total_seconds() + 0.1)
    assert publisher.run_once() == Outcome.ADOPTED

    [stored] = fake.posts(PAGE)
    post, [publication] = load(session_factory, post_id)
    assert post.facebook_post_id == stored["id"] and publication.attempts == 2


def test_worker_killed_between_the_mark_and_the_call_publishes_once_after_looking(
        publisher, posts, fake, clock, session_factory, cipher):
    posts("Tué avant l'appel")
    job = _claim(publisher, session_factory, clock, cipher)
    _mark(job, publisher, session_factory, clock)
    clock.advance(CONFIG.lease.total_seconds() + 0.1)

    assert publisher.run_once() == Outcome.PUBLISHED
    assert len(fake.posts(PAGE)) == 1
    lookups = [r for r in fake.requests() if r["method"] == "GET" and r["path"].endswith("/feed")]
    assert len(lookups) == 1


def test_worker_killed_after_storing_the_id_only_finishes(
        publisher, posts, fake, clock, session_factory, cipher, graph):
    [post_id] = posts("Tué après l'enregistrement")
    job = _claim(publisher, session_factory, clock, cipher)
    _mark(job, publisher, session_factory, clock)
    created = graph.publish_feed_post(PAGE, TOKEN, job.message)
    with publisher_uow(session_factory) as uow:
        claims.mark_live(uow, job, publisher.worker, created.id, clock.now, adopted=False)
        uow.commit()
    clock.advance(CONFIG.lease.total_seconds() + 0.1)
    fake.reset()  # forget the request log, keep nothing else relevant: the post is gone too
    fake.state.add_page(FakePage(PAGE, "Relais Lyon", {TOKEN}))

    assert publisher.run_once() == Outcome.PUBLISHED
    post, _ = load(session_factory, post_id)
    assert post.facebook_post_id == created.id
    assert not [r for r in fake.requests() if r["method"] == "POST"]


def test_an_old_worker_whose_lease_was_taken_over_cannot_overwrite(
        publisher, posts, clock, session_factory, cipher):
    posts("Bail perdu")
    stale = _claim(publisher, session_factory, clock, cipher)
    clock.advance(CONFIG.lease.total_seconds() + 0.1)
    fresh = _claim(publisher, session_factory, clock, cipher)
    assert fresh.attempt == stale.attempt + 1
    with publisher_uow(session_factory) as uow, pytest.raises(claims.LeaseLost):
        claims.begin_publish(uow, stale, publisher.worker, clock.now, CONFIG.lease)


def test_two_posts_with_the_same_text_get_two_facebook_posts(
        publisher, posts, fake, clock, session_factory, cipher, graph):
    first, second = posts("Même texte", "Même texte")
    job = _claim(publisher, session_factory, clock, cipher)
    _mark(job, publisher, session_factory, clock)
    graph.publish_feed_post(PAGE, TOKEN, job.message)  # the first one lands, the worker dies
    clock.advance(CONFIG.lease.total_seconds() + 0.1)

    outcomes = drain(publisher, session_factory, clock)

    assert sorted(outcomes) == sorted([Outcome.ADOPTED, Outcome.PUBLISHED])
    ids = {load(session_factory, post_id)[0].facebook_post_id for post_id in (first, second)}
    assert ids == {p["id"] for p in fake.posts(PAGE)} and len(ids) == 2


def test_a_post_edited_back_to_review_is_not_published(publisher, posts, fake, session_factory):
    [post_id] = posts("Modifié entre-temps", status=PostStatus.SUBMITTED)
    assert publisher.run_once() == Outcome.CANCELLED
    assert fake.posts(PAGE) == []
    assert load(session_factory, post_id)[1][0].status == "cancelled"


def test_a_post_without_a_page_fails_with_a_readable_reason(
        publisher, make_territory, make_user, uow, session_factory, clock):
    territory = make_territory("Sans page", bbox=(1, 1, 2, 2))
    author = make_user(Role.REGIONAL_EDITOR, territory_ids=[territory])
    with uow() as unit:
        [post_id] = seed_posts(unit.session, territory, author.id, ["Orphelin"], lon=1.5,
                               lat=1.5, due_at=clock.now - timedelta(seconds=1))
        unit.commit()
    assert publisher.run_once() == Outcome.FAILED
    post, _ = load(session_factory, post_id)
    assert post.status == PostStatus.FAILED and "No Facebook Page" in post.failure_reason


def test_backoff_grows_with_jitter_and_honours_facebooks_estimate():
    rng = random.Random(1)
    config = PublishingConfig(graph_timeout=1, settle_margin=2, backoff_base=1, backoff_cap=8)
    plain = RateLimited("slow down")
    delays = [retry_delay(config, attempt, plain, rng) for attempt in range(1, 7)]
    assert all(c / 2 <= d <= c for d, c in zip(delays, [1, 2, 4, 8, 8, 8], strict=True))
    assert retry_delay(config, 1, RateLimited("x", retry_after=600), rng) == 600
    assert retry_delay(config, 1, GraphTimeout("x"), rng) >= 3


def test_no_token_in_logs_reasons_or_errors(publisher, posts, fake, clock, session_factory,
                                            caplog):
    caplog.set_level(logging.DEBUG)
    [ok_id] = posts("Journal propre")
    fake.inject("timeout", op="publish", after_commit=True, seconds=CLIENT_TIMEOUT + 0.2)
    fake.inject("token_expired", op="get_post")
    drain(publisher, session_factory, clock)
    [bad_id] = posts("Jeton refusé")
    fake.inject("token_expired", op="publish")
    drain(publisher, session_factory, clock)

    texts = [caplog.text]
    for post_id in (ok_id, bad_id):
        post, publications = load(session_factory, post_id)
        texts += [post.failure_reason or ""] + [p.last_error or "" for p in publications]
    with session_factory() as session:
        texts += [str(data) for data in session.scalars(select(AuditEvent.data))]
    assert TOKEN not in "\n".join(texts)
    assert "token is invalid or expired" in "\n".join(texts)


def test_a_facebook_id_already_held_by_another_publication_is_not_adopted_twice(
        publisher, posts, clock, session_factory, cipher):
    from regions.publishing.publisher import PostIdTaken

    first, _second = posts("Premier", "Second")
    with publisher_uow(session_factory) as uow:
        held = uow.session.scalar(select(Publication).where(Publication.post_id == first))
        held.graph_post_id, held.status = f"{PAGE}_42", "succeeded"
        uow.commit()
    job = _claim(publisher, session_factory, clock, cipher)
    assert job.post_id != first
    with pytest.raises(PostIdTaken):
        publisher._store(job, f"{PAGE}_42", adopted=True)
