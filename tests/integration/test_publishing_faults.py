"""Fault injection: 200 posts, 30 % failing Graph calls, a worker SIGKILLed again and again."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from regions import accounts, migrate, territories
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import Post, PostStatus, Publication, Role
from regions.models.audit import AuditEvent
from regions.publishing.connections import connect_page
from regions.publishing.page_tokens import cipher_for
from service.fakegraph import FakeGraphServer, FakePage, FaultPlan
from tests.conftest import TEST_SECRET, _fresh_database_on
from tests.integration.test_publishing_worker import seed_posts

POSTS, PAGES = 200, 4
CLIENT_TIMEOUT = 0.4
KILL_PHASE_SECONDS = 30  # kills stop after this; the queue then drains undisturbed
DEADLINE_SECONDS = 120
WORKER_OPTIONS = ["--threads", "4", "--graph-timeout", str(CLIENT_TIMEOUT), "--settle-margin",
                  "0.3", "--backoff-base", "0.05", "--backoff-cap", "0.4", "--max-attempts",
                  "1000", "--poll-interval", "0.05"]


def _token(page: int) -> str:
    return f"EAAFaultPage{page}-s3cret-{page * 7919}"


def _seed(url: str) -> None:
    """Four territories with Pages and 200 scheduled posts, committed."""
    from shapely.geometry import box

    engine = make_engine(url)
    migrate.upgrade(engine)
    cipher = cipher_for(None, TEST_SECRET, production=False)
    rng = random.Random(11)
    with UnitOfWork(make_session_factory(engine)) as uow:
        author = accounts.create_user(uow, None, email="faults@example.test",
                                      display_name="Faults", role=Role.CENTRAL_EDITOR)
        for page in range(PAGES):
            territory, _ = territories.create_territory(
                uow, None, name=f"Fault {page}", slug=f"fault-{page}",
                shape=box(page * 2, 0, page * 2 + 1, 1))
            connect_page(uow, None, territory.id, page_id=f"90{page}", token=_token(page),
                         cipher=cipher)
            texts = [f"Publication {n} de la page {page} — {rng.random():.6f}"
                     for n in range(POSTS // PAGES)]
            seed_posts(uow.session, territory.id, author.id, texts, lon=page * 2 + 0.5, lat=0.5)
        uow.commit()
    engine.dispose()


def _start_worker(url: str, base_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "RELAIS_GRAPH_BASE_URL": base_url,
           "RELAIS_SECRET_KEY": TEST_SECRET, "RELAIS_ENV": "test", "RELAIS_LOG_LEVEL": "DEBUG"}
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-c", "from service.cli import main; main()",
                                 "worker", *WORKER_OPTIONS], env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def _pending(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Publication).where(
            Publication.status.in_(("queued", "in_flight"))))


def _wait_until_working(log: Path, starts: int, deadline: float) -> None:
    """Until the newest worker announced itself, so every kill lands mid-work."""
    while time.monotonic() < deadline and log.read_text().count("Publishing worker") < starts:
        time.sleep(0.05)


def _run_with_kills(url, fake, log, engine, rng) -> tuple[int, float]:
    """Run the worker, SIGKILL it at random moments, restart, until the queue drains."""
    kills, started = 0, time.monotonic()
    deadline = started + DEADLINE_SECONDS
    worker = _start_worker(url, fake.base_url, log)
    try:
        while _pending(engine) and time.monotonic() < deadline:
            _wait_until_working(log, kills + 1, deadline)
            time.sleep(rng.uniform(0.05, 1.5))
            if not _pending(engine) or time.monotonic() > started + KILL_PHASE_SECONDS:
                continue
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            kills += 1
            worker = _start_worker(url, fake.base_url, log)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=15) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    return kills, time.monotonic() - started


@pytest.mark.slow
def test_every_post_reaches_facebook_exactly_once_despite_faults_and_kills(
        database_url, tmp_path, capsys):
    url, drop = _fresh_database_on(database_url)
    engine = make_engine(url)
    pages = [FakePage(f"90{page}", f"Fault {page}", {_token(page)}) for page in range(PAGES)]
    plan = FaultPlan(random_failure_rate=0.3, random_after_commit_rate=0.5,
                     timeout_seconds=CLIENT_TIMEOUT + 0.15, seed=2026)
    log = tmp_path / "worker.log"
    try:
        _seed(url)
        with FakeGraphServer(pages, faults=plan) as fake:
            kills, elapsed = _run_with_kills(url, fake, log, engine, random.Random(5))
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
    assert "published as" in worker_log
    assert not any(_token(page) in worker_log for page in range(PAGES))
