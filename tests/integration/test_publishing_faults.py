"""Fault injection: 200 posts, 30 % failing Graph calls, a worker SIGKILLed again and again."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from regions import accounts, territories
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import GraphHold, Post, PostStatus, Publication, PublicationAttempt, Role
from regions.models.audit import AuditEvent
from regions.publishing import actions, claims
from regions.publishing.connections import connect_page
from regions.publishing.page_tokens import cipher_for
from regions.publishing.publisher import Outcome, Publisher, PublishingConfig
from service.fakegraph import FakeGraphServer, FakePage, FaultPlan
from tests.conftest import TEST_SECRET
from tests.integration.publishing_world import CONFIG, PAGE, TOKEN, drain, load, seed_posts

POSTS, PAGES = 200, 4
CLIENT_TIMEOUT = 0.4
KILLS = 8  # SIGKILLs while the queue drains; then it drains undisturbed
DEADLINE_SECONDS = 1200  # a limit for a loaded machine (~560 s at a load of 12 on 2 cores)
WORKER_OPTIONS = ["--threads", "4", "--graph-timeout", str(CLIENT_TIMEOUT), "--settle-margin",
                  "0.3", "--backoff-base", "0.05", "--backoff-cap", "0.4", "--max-attempts",
                  "1000", "--poll-interval", "0.05", "--sweep-interval", "2"]


def _token(page: int) -> str:
    return f"EAAFaultPage{page}-s3cret-{page * 7919}"


def _seed(url: str, posts: int = POSTS, pages: int = PAGES) -> None:
    """Territories with Pages (four) and scheduled posts (200), committed."""
    from shapely.geometry import box

    engine = make_engine(url)
    keys = cipher_for(None, TEST_SECRET, production=False)
    rng = random.Random(11)
    with UnitOfWork(make_session_factory(engine)) as uow:
        author = accounts.create_user(uow, None, email="faults@example.test",
                                      display_name="Faults", role=Role.CENTRAL_EDITOR)
        for page in range(pages):
            territory, _ = territories.create_territory(
                uow, None, name=f"Fault {page}", slug=f"fault-{page}",
                shape=box(page * 2, 0, page * 2 + 1, 1))
            connect_page(uow, None, territory.id, page_id=f"90{page}", token=_token(page),
                         cipher=keys)
            texts = [f"Publication {n} de la page {page} — {rng.random():.6f}"
                     for n in range(posts // pages)]
            seed_posts(uow.session, territory.id, author.id, texts, lon=page * 2 + 0.5, lat=0.5)
        uow.commit()
    engine.dispose()


def _environment(url: str, base_url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "RELAIS_GRAPH_BASE_URL": base_url,
            "RELAIS_SECRET_KEY": TEST_SECRET, "RELAIS_ENV": "test", "RELAIS_LOG_LEVEL": "DEBUG",
            **extra}


def _start_worker(url: str, base_url: str, log: Path, options: list[str] = WORKER_OPTIONS,
                  **extra: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-c", "from service.cli import main; main()",
                                 "worker", *options], env=_environment(url, base_url, **extra),
                                stdout=out, stderr=subprocess.STDOUT)


def _pending(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Publication).where(
            Publication.status.in_(("queued", "in_flight"))))


def _calls_recorded(engine) -> int:
    """Graph calls the workers recorded: attempt rows, a publish's committed before its call.

    Only a live worker adds any (a killed one's open transaction dies with it), so this
    counts the progress of the newest worker, however slow the machine is.
    """
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(PublicationAttempt))


def _wait_for(condition, deadline: float, what: str) -> None:
    """Until ``condition()`` holds; past the deadline, fail saying what never happened."""
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def _announced(worker: subprocess.Popen[bytes], log: Path, starts: int) -> bool:
    """Whether the newest of ``starts`` workers announced itself (a dead one fails the test)."""
    assert worker.poll() is None, log.read_text()[-3000:]
    return log.read_text().count("Publishing worker") >= starts


def _called_or_done(engine, calls: int, finished) -> bool:
    """Whether the workers recorded ``calls`` Graph calls in all, or the work is done."""
    return finished() or _calls_recorded(engine) >= calls


def _run_with_kills(url, fake, log, engine, rng, *, kills: int, options=WORKER_OPTIONS,
                    done=None) -> tuple[int, float]:
    """Run the worker and SIGKILL it ``kills`` times mid-work, restarting it each time; then
    let it drain the queue undisturbed and stop it with SIGTERM. Returns (kills, seconds).

    Each kill waits for conditions, never for time: the new worker announced itself, then
    recorded 1 to 6 more Graph calls (random), so the kill lands in the middle of its work
    on a quiet machine as on a busy one.
    """
    killed, started = 0, time.monotonic()
    deadline = started + DEADLINE_SECONDS
    finished = done or (lambda: not _pending(engine))
    worker = _start_worker(url, fake.base_url, log, options)
    try:
        while killed < kills and not finished():
            _wait_for(partial(_announced, worker, log, killed + 1), deadline,
                      f"worker {killed + 1} to start")
            _wait_for(partial(_called_or_done, engine, _calls_recorded(engine)
                              + rng.randint(1, 6), finished), deadline,
                      f"worker {killed + 1} to call Graph")
            if finished():
                break
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            killed += 1
            worker = _start_worker(url, fake.base_url, log, options)
        _wait_for(finished, deadline, "the queue to drain")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    return killed, time.monotonic() - started


@pytest.mark.slow
def test_every_post_reaches_facebook_exactly_once_despite_faults_and_kills(
        fresh_database, tmp_path, capsys):
    url, drop = fresh_database()
    engine = make_engine(url)
    pages = [FakePage(f"90{page}", f"Fault {page}", {_token(page)}) for page in range(PAGES)]
    plan = FaultPlan(random_failure_rate=0.3, random_after_commit_rate=0.5,
                     timeout_seconds=CLIENT_TIMEOUT + 0.15, seed=2026)
    log = tmp_path / "worker.log"
    try:
        _seed(url)
        with FakeGraphServer(pages, faults=plan) as fake:
            kills, elapsed = _run_with_kills(url, fake, log, engine, random.Random(5),
                                             kills=KILLS)
            stored, requests = fake.posts(), fake.requests()
        with make_session_factory(engine)() as session:
            posts = session.scalars(select(Post)).all()
            attempts = session.scalar(select(func.sum(Publication.attempts)))
            adopted = session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "post.published",
                AuditEvent.data["reconciled"].as_boolean()))
    finally:
        engine.dispose()
        drop()

    calls = Counter(f"{r['method']} {'feed' if r['path'].endswith('/feed') else 'node'}"
                    for r in requests)
    faults = sum("fault" in (r["note"] or "") for r in requests)
    with capsys.disabled():
        print(f"\nfault injection in {elapsed:.1f} s: {len(posts)} posts, {kills} SIGKILLs, "
              f"{faults} faults, {attempts - len(posts)} retries (claims beyond the first), "
              f"{adopted} adopted by reconciliation, {calls['GET feed']} lookups, "
              f"{calls['POST feed']} publish calls, {len(stored)} posts on the fake Pages")
    assert len(posts) == POSTS and len(stored) == POSTS
    messages = Counter((p["page_id"], p["message"]) for p in stored)
    assert set(messages.values()) == {1}
    by_id = {p["id"]: p for p in stored}
    for post in posts:
        assert post.status == PostStatus.PUBLISHED, (post.id, post.failure_reason)
        assert by_id[post.facebook_post_id]["message"] == post.text
        assert post.permalink == by_id[post.facebook_post_id]["permalink_url"]
    assert kills > 0 and faults > 0
    worker_log = log.read_text()
    with capsys.disabled():
        print("\n".join(line for line in worker_log.splitlines() if "Worker stopped" in line))
    assert "published as" in worker_log
    assert not any(_token(page) in worker_log for page in range(PAGES))


# --- Real Facebook behaviours, one test each (issue 11, point 10) --------------------------
# In-process tests run the publisher against the fake over real HTTP on a clock the test moves;
# the late-store and configuration tests run the real `relais worker` process.

OTHER_PAGE, OTHER_TOKEN = "1002", "EAAPage1002-publisher-s3cret-token"


def _requests(fake, method=None, path_end=None, note=None):
    return [r for r in fake.requests()
            if (method is None or r["method"] == method)
            and (path_end is None or r["path"].endswith(path_end))
            and (note is None or note in (r["note"] or ""))]


def test_a_crash_looping_worker_does_not_use_up_the_attempts(
        posts, fake, clock, session_factory, cipher, graph):
    """35 claims by workers that die (half after the mark) against a limit of 3 failures."""
    crashing = Publisher(session_factory, graph, cipher,
                         PublishingConfig(graph_timeout=CONFIG.graph_timeout,
                                          settle_margin=CONFIG.settle_margin, max_attempts=3),
                         worker="crashy", clock=lambda _uow: clock.now)
    [post_id] = posts("Boucle de plantages")
    for crash in range(35):
        with UnitOfWork(session_factory) as uow:
            claimed = claims.claim_next(uow, f"dying:{crash}", clock.now, CONFIG.lease, cipher)
            assert claimed is not None, f"crash {crash}: nothing to claim"
            _publication, job = claimed
            if crash % 2:  # died between the mark and the call
                claims.begin_publish(uow, job, f"dying:{crash}", clock.now, CONFIG.lease)
            uow.commit()
        clock.advance(CONFIG.lease.total_seconds() + CONFIG.graph_timeout + 1)  # lease expires
    fake.inject("server_error", op="publish")  # one real answer: that one counts

    outcomes = drain(crashing, session_factory, clock)

    assert outcomes[-1] == Outcome.PUBLISHED and Outcome.FAILED not in outcomes
    post, [publication] = load(session_factory, post_id)
    assert post.status == PostStatus.PUBLISHED and len(fake.posts(PAGE)) == 1
    assert publication.attempts > 35 and publication.failures == 1
    with session_factory() as session:
        kinds = Counter((a.kind, a.outcome) for a in session.scalars(select(
            PublicationAttempt).where(PublicationAttempt.publication_id == publication.id)))
    assert kinds[("publish", "no_answer")] == 17 and kinds[("publish", "error")] == 1
    assert kinds[("publish", "ok")] == 1


def test_failures_not_claims_reach_the_limit(posts, fake, clock, session_factory, cipher,
                                             graph):
    limited = Publisher(session_factory, graph, cipher,
                        PublishingConfig(graph_timeout=CONFIG.graph_timeout,
                                         settle_margin=CONFIG.settle_margin, backoff_base=0.1,
                                         backoff_cap=0.2, max_attempts=3),
                        worker="limited", clock=lambda _uow: clock.now)
    [post_id] = posts("Trois échecs")
    fake.inject("server_error", op="publish", times=3)

    assert drain(limited, session_factory, clock)[-1] == Outcome.FAILED
    post, [publication] = load(session_factory, post_id)
    assert publication.failures == 3 and "Gave up after 3 failed calls" in post.failure_reason


def _second_page(make_territory, make_user, uow, cipher, fake):
    from regions.publishing.connections import connect_page

    fake.add_page(OTHER_PAGE, OTHER_TOKEN, "Relais Lille")
    territory = make_territory("Lille", bbox=(2.9, 50.5, 3.2, 50.8))
    author = make_user(Role.REGIONAL_EDITOR, territory_ids=[territory])
    with uow() as unit:
        connect_page(unit, None, territory, page_id=OTHER_PAGE, token=OTHER_TOKEN, cipher=cipher)
        unit.commit()

    def make(*texts):
        with uow() as unit:
            ids = seed_posts(unit.session, territory, author.id, texts, lon=3.0, lat=50.6,
                             due_at=datetime_now(fake))
            unit.commit()
        return ids
    return make


def datetime_now(fake):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(fake.state.clock(), UTC)


def test_a_page_rate_limit_holds_every_post_of_that_page_and_only_them(
        publisher, posts, fake, clock, session_factory, make_territory, make_user, uow, cipher):
    lyon_posts = posts("Lyon 1", "Lyon 2", "Lyon 3")
    lille = _second_page(make_territory, make_user, uow, cipher, fake)
    lille_posts = lille("Lille 1", "Lille 2")
    fake.throttle("page", 600, page_id=PAGE)  # code 32, regain in 10 minutes

    outcomes = [publisher.run_once() for _ in range(5)]

    assert outcomes == [Outcome.RESCHEDULED, Outcome.PUBLISHED, Outcome.PUBLISHED, None, None]
    assert len(_requests(fake, note="throttled 32")) == 1  # Lyon asked once, then held
    assert len(fake.posts(OTHER_PAGE)) == 2 and fake.posts(PAGE) == []
    with session_factory() as session:
        hold = session.get(GraphHold, f"page:{PAGE}")
        assert hold is not None and hold.until >= clock.now + timedelta(minutes=10)
        queued = session.scalars(select(Publication.due_at).where(
            Publication.post_id.in_(lyon_posts))).all()
    assert all(due <= clock.now for due in sorted(queued)[:-1])  # due, yet held
    clock.advance(601)
    assert sorted(drain(publisher, session_factory, clock)) == [Outcome.PUBLISHED] * 3
    assert len(fake.posts(PAGE)) == 3
    assert {load(session_factory, p)[0].status for p in lyon_posts + lille_posts} == {
        PostStatus.PUBLISHED}


def test_an_app_rate_limit_holds_every_post_of_every_page(
        publisher, posts, fake, clock, session_factory, make_territory, make_user, uow, cipher):
    posts("Appli 1", "Appli 2")
    _second_page(make_territory, make_user, uow, cipher, fake)("Appli Lille")
    fake.throttle("app", 120)  # code 4, regain in 2 minutes

    assert [publisher.run_once() for _ in range(3)] == [Outcome.RESCHEDULED, None, None]
    assert len(_requests(fake, note="throttled 4")) == 1 and len(fake.requests()) == 1
    clock.advance(60)
    assert publisher.run_once() is None  # still held: the estimate was two minutes
    clock.advance(61)
    assert sorted(drain(publisher, session_factory, clock)) == [Outcome.PUBLISHED] * 3


def test_a_live_post_shows_its_facebook_id_while_its_permalink_is_throttled(
        publisher, posts, fake, clock, session_factory):
    [post_id] = posts("En ligne, lien en attente")
    fake.inject("rate_limit", code=32, op="get_post", regain_minutes=5)

    assert publisher.run_once() == Outcome.RESCHEDULED
    post, [publication] = load(session_factory, post_id)
    [stored] = fake.posts(PAGE)
    assert post.status == PostStatus.PUBLISHED and post.facebook_post_id == stored["id"]
    assert post.permalink is None and publication.status == "queued"
    live_at = post.published_at

    clock.advance(301)
    assert drain(publisher, session_factory, clock) == [Outcome.PUBLISHED]
    post, [publication] = load(session_factory, post_id)
    assert post.permalink == stored["permalink_url"] and publication.status == "succeeded"
    assert len(fake.posts(PAGE)) == 1 and len(_requests(fake, "POST")) == 1
    # finished_at is when Relais finished, not when Facebook stamped the post
    assert publication.finished_at == clock.now - timedelta(milliseconds=1) or (
        publication.finished_at >= live_at + timedelta(seconds=300))
    assert publication.finished_at - post.published_at >= timedelta(seconds=300)


def test_a_failed_post_whose_call_may_have_landed_says_so_and_retry_looks_first(
        publisher, posts, fake, clock, session_factory, uow, lyon, make_user):
    [post_id] = posts("Peut-être en ligne")
    fake.inject("timeout", op="publish", after_commit=True, seconds=CONFIG.graph_timeout + 0.2)
    fake.inject("token_expired", op="list_posts")  # the lookup before the retry is refused

    assert drain(publisher, session_factory, clock) == [Outcome.RESCHEDULED, Outcome.FAILED]
    post, _ = load(session_factory, post_id)
    assert post.status == PostStatus.FAILED
    assert "may have reached Facebook" in post.failure_reason
    assert "looks on the Page before posting again" in post.failure_reason
    with session_factory() as session:
        assert claims.may_be_on_facebook(session, post_id)

    desk = make_user(Role.CENTRAL_EDITOR)
    from regions.accounts import load_actor
    from regions.models import User

    with uow() as unit:
        actions.retry_post(unit, load_actor(unit.session.get(User, desk.id)), post_id)
        unit.commit()
    # The fake logs the first publish when it answers, after the client gave up: wait for that
    # entry, or it could land among the retry's requests.
    deadline = time.monotonic() + 10
    while not _requests(fake, "POST") and time.monotonic() < deadline:
        time.sleep(0.05)
    before = len(fake.requests())
    assert drain(publisher, session_factory, clock) == [Outcome.ADOPTED]
    retried = [f"{r['method']} {r['path'].rsplit('/', 1)[-1]}" for r in fake.requests()[before:]]
    assert retried[0] == "GET feed" and "POST feed" not in retried
    assert len(fake.posts(PAGE)) == 1


def test_the_lookup_reads_every_listing_page_back_to_the_attempt(fake, graph, clock):
    target = graph.publish_feed_post(PAGE, TOKEN, "Tout au fond du fil")
    since = clock.now
    for n in range(150):  # newer posts push ours past fifteen pages of ten
        graph.publish_feed_post(PAGE, TOKEN, f"Plus récent {n}")

    found = graph.find_posts_by_message(PAGE, TOKEN, "Tout au fond du fil", since, page_size=10)

    assert [post.id for post in found] == [target.id]
    assert len(_requests(fake, "GET", "/feed")) == 16


def test_a_late_store_seen_once_widens_the_wait_before_later_lookups(
        publisher, posts, fake, clock, session_factory):
    posts("Stocké tard 1")
    late = 30.0  # Facebook stores the post 30 s after the call; the window starts at 0.5 s
    fake.inject("timeout", op="publish", after_commit=True, store_after=1.0,
                seconds=CONFIG.graph_timeout + 0.2)
    assert publisher.run_once() == Outcome.RESCHEDULED  # 0.3 s: the store is 0.7 s away
    # the post lands "30 s later" by the shared clock: move the clock, then let it store
    clock.advance(late)
    while fake.pending_stores():
        time.sleep(0.05)
    assert drain(publisher, session_factory, clock) == [Outcome.ADOPTED]
    with session_factory() as session:
        learnt = claims.longest_lateness(session, clock.now)
    assert learnt >= late

    [second] = posts("Stocké tard 2")
    fake.inject("timeout", op="publish", seconds=CONFIG.graph_timeout + 0.2)
    started = clock.now
    assert publisher.run_once() == Outcome.RESCHEDULED  # the second post's call is unanswered
    clock.advance(CONFIG.graph_timeout + CONFIG.settle_margin + 0.1)
    assert publisher.run_once() == Outcome.SETTLING  # the old window would look up now
    _post, [publication] = load(session_factory, second)
    assert publication.due_at >= started + timedelta(seconds=late)
    assert not _requests(fake, "GET", "/feed")[1:]  # one lookup so far: the first post's
    assert drain(publisher, session_factory, clock) == [Outcome.PUBLISHED]
    assert sorted(p["message"] for p in fake.posts(PAGE)) == ["Stocké tard 1", "Stocké tard 2"]


LATE_POSTS, LATE_PAGES, STORED_LATE, LATE_KILLS = 40, 2, 3.0, 3
LATE_OPTIONS = [*WORKER_OPTIONS[:WORKER_OPTIONS.index("--sweep-interval")], "--graph-timeout",
                "0.3", "--sweep-interval", "0.3"]


@pytest.mark.slow
def test_posts_stored_late_by_facebook_never_stay_twice_on_the_page_despite_kills(
        fresh_database, tmp_path, capsys):
    """A third of the calls time out; Facebook stores those publishes 3 s later (ten times the
    client timeout, beyond the first settle window); the worker is SIGKILLed three times."""
    url, drop = fresh_database()
    engine = make_engine(url)
    pages = [FakePage(f"90{page}", f"Fault {page}", {_token(page)}) for page in range(LATE_PAGES)]
    plan = FaultPlan(random_failure_rate=0.35, random_kinds=["timeout"],
                     random_after_commit_rate=1.0, random_store_after=STORED_LATE,
                     timeout_seconds=0.4, seed=11)
    log = tmp_path / "worker.log"
    try:
        _seed(url, LATE_POSTS, LATE_PAGES)
        with FakeGraphServer(pages, faults=plan) as fake:
            def settled() -> bool:
                texts = Counter((p["page_id"], p["message"]) for p in fake.posts())
                return (not _pending(engine) and not fake.pending_stores()
                        and set(texts.values()) == {1})
            kills, elapsed = _run_with_kills(url, fake, log, engine, random.Random(3),
                                             kills=LATE_KILLS, options=LATE_OPTIONS,
                                             done=settled)
            stored, requests = fake.posts(), fake.requests()
        with make_session_factory(engine)() as session:
            posts = session.scalars(select(Post)).all()
            removed = session.scalars(select(AuditEvent).where(
                AuditEvent.action == "post.copy_removed")).all()
            learnt = claims.longest_lateness(session, datetime_now_utc())
    finally:
        engine.dispose()
        drop()

    late = [r for r in requests if "stored in" in (r["note"] or "")]
    deletes = [r for r in requests if r["method"] == "DELETE"]
    with capsys.disabled():
        print(f"\nlate stores in {elapsed:.1f} s: {len(posts)} posts, {kills} SIGKILLs, "
              f"{len(late)} posts stored {STORED_LATE} s late, {len(removed)} copies removed "
              f"by the sweep ({len(deletes)} DELETE calls), learnt lateness {learnt:.1f} s")
    assert late and kills > 0
    assert len(stored) == LATE_POSTS
    assert set(Counter((p["page_id"], p["message"]) for p in stored).values()) == {1}
    by_id = {p["id"]: p for p in stored}
    for post in posts:
        assert post.status == PostStatus.PUBLISHED, (post.id, post.failure_reason)
        assert by_id[post.facebook_post_id]["message"] == post.text
    assert {event.data["removed"] for event in removed} <= {r["path"].rsplit("/", 1)[-1]
                                                           for r in deletes}
    if removed:  # a copy was found: how late it came is remembered
        assert learnt >= STORED_LATE


def datetime_now_utc():
    from datetime import UTC, datetime

    return datetime.now(UTC)


@pytest.mark.slow
def test_the_worker_and_the_web_service_read_one_graph_configuration(fresh_database, tmp_path):
    """Version v19.0 and tokens in the query string (both not the defaults), set once in the
    environment: the worker's publish and the web service's check and retract all follow.

    While the web service waits for Facebook, no transaction of it is open (no row lock).
    """
    from config.settings import Settings
    from service.app import create_app

    url, drop = fresh_database()
    engine = make_engine(url)
    extra = {"RELAIS_GRAPH_VERSION": "v19.0", "RELAIS_GRAPH_TOKEN_IN_HEADER": "false",
             "RELAIS_GRAPH_TIMEOUT_SECONDS": "2.5", "RELAIS_WORKER_THREADS": "1",
             "RELAIS_PUBLISH_POLL_SECONDS": "0.05", "RELAIS_PUBLISH_SWEEP_SECONDS": "0"}
    try:
        _seed(url, posts=2, pages=1)
        with FakeGraphServer([FakePage("900", "Fault 0", {_token(0)})]) as fake:
            worker = _start_worker(url, fake.base_url, tmp_path / "worker.log",
                                   ["--exit-when-idle"], **extra)
            assert worker.wait(timeout=60) == 0, (tmp_path / "worker.log").read_text()
            published = len(fake.requests())
            env = _environment(url, fake.base_url, **extra)
            app = create_app(Settings.from_env(env))
            with UnitOfWork(make_session_factory(engine)) as uow:
                desk = accounts.create_user(uow, None, email="desk@example.test",
                                            display_name="Desk", role=Role.CENTRAL_EDITOR)
                token = accounts.issue_token(uow, accounts.load_actor(desk), user_id=desk.id,
                                             name="t", expires_in_days=1).plaintext
                post = uow.session.scalars(select(Post).order_by(Post.id)).first()
                uow.commit()
            client, auth = app.test_client(), {"Authorization": f"Bearer {token}"}
            fake.configure_faults(latency_ms=600)  # Facebook is slow: is anything held open?
            with _watching_transactions(engine, fake) as open_during_calls:
                check = client.post(f"/api/territories/{post.territory_id}/page/check",
                                    headers=auth)
                retract = client.post(f"/api/posts/{post.id}/retract", headers=auth)
            requests = fake.requests()
            app.extensions["relais"].engine.dispose()
    finally:
        engine.dispose()
        drop()

    assert open_during_calls == [0] * len(open_during_calls) and len(open_during_calls) > 10
    assert check.status_code == 200 and check.json["ok"], check.json
    assert retract.status_code == 200 and retract.json["status"] == "archived", retract.json
    by_process = {"worker": requests[:published], "web": requests[published:]}
    assert {f"{r['method']} {r['token_in']}" for r in by_process["worker"]} == {
        "GET query", "POST body"}
    assert {f"{r['method']} {r['token_in']}" for r in by_process["web"]} == {
        "GET query", "DELETE query"}
    assert all(r["path"].startswith("/v19.0/") for r in requests)
    assert "(token in the query string; 1 threads)" in (tmp_path / "worker.log").read_text()


@contextmanager
def _watching_transactions(engine, fake):
    """While the fake holds a Graph call, how many other sessions sit in an open transaction
    (sampled every 20 ms)."""
    samples: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            while not stop.wait(0.02):
                if not fake.calls_in_progress():
                    continue
                samples.append(conn.scalar(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'")))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield samples
    finally:
        stop.set()
        watcher.join(timeout=5)


def test_the_sweep_deletes_a_late_copy_keeps_the_recorded_post_and_audits_it(
        publisher, posts, fake, clock, session_factory, graph, cipher):
    from regions.publishing.copies import sweep_copies

    [post_id] = posts("Copie tardive")
    fake.inject("timeout", op="publish", seconds=CONFIG.graph_timeout + 0.2)  # no answer...
    assert publisher.run_once() == Outcome.RESCHEDULED
    assert drain(publisher, session_factory, clock) == [Outcome.PUBLISHED]
    [other_id] = posts("Toujours en cours")
    post, _ = load(session_factory, post_id)
    clock.advance(5)
    copy = graph.publish_feed_post(PAGE, TOKEN, "Copie tardive")  # ...but Facebook stored it
    graph.publish_feed_post(PAGE, TOKEN, "Toujours en cours")  # not a copy: still publishing
    sweep = {"clock": lambda _uow: clock.now, "horizon": timedelta(hours=1)}
    with UnitOfWork(session_factory) as uow:  # the second post's publication is in flight
        uow.session.execute(Publication.__table__.update().where(
            Publication.post_id == other_id).values(status="in_flight"))
        uow.commit()

    assert sweep_copies(session_factory, graph, cipher, **sweep) == 1

    kept = [p for p in fake.posts(PAGE) if p["message"] == "Copie tardive"]
    assert [p["id"] for p in kept] == [post.facebook_post_id] != [copy.id]
    assert len([p for p in fake.posts(PAGE) if p["message"] == "Toujours en cours"]) == 1
    with session_factory() as session:
        [event] = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "post.copy_removed")).all()
        assert event.subject_id == post_id and event.data["removed"] == copy.id
        assert claims.longest_lateness(session, clock.now) >= 5
    assert sweep_copies(session_factory, graph, cipher, **sweep) == 0
    fake.throttle("page", 60, page_id=PAGE)
    with UnitOfWork(session_factory) as uow:
        claims.hold(uow.session, f"page:{PAGE}", clock.now + timedelta(minutes=1), 32, "x")
        uow.commit()
    before = len(fake.requests())
    assert sweep_copies(session_factory, graph, cipher, **sweep) == 0
    assert len(fake.requests()) == before  # a held Page is not even listed
