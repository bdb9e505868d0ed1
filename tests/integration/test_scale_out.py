"""Scale-out: two publishing workers (two processes, as on two machines) on one queue.

Both run `relais worker` (the public command) against one PostgreSQL and the fake Graph API
over real HTTP; the posts become due at once, in one commit, while both are polling. Every
post must reach its Page exactly once, and both workers must have taken part.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from geoalchemy2 import WKTElement
from shapely.geometry import box
from sqlalchemy import func, select

from regions import accounts, standards, territories
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import Post, PostStatus, Publication, Role, User
from regions.publishing.connections import connect_page
from regions.publishing.outbox import schedule_if_connected
from regions.publishing.page_tokens import cipher_for
from regions.seeding import SEED_TEMPLATE, TEMPLATE
from service.fakegraph import FakeGraphServer, FakePage, FaultPlan
from tests.conftest import TEST_SECRET

PAGES, POSTS_PER_PAGE = 3, 20
DEADLINE_SECONDS = 300  # a limit for a loaded machine; a quiet one is done far sooner
OPTIONS = ["--threads", "3", "--graph-timeout", "2", "--settle-margin", "1",
           "--backoff-base", "0.05", "--backoff-cap", "0.5", "--poll-interval", "0.05"]


def _token(page: int) -> str:
    return f"EAAScalePage{page}-s3cret-{page * 104729}"


def _prepare(url: str) -> list[int]:
    """Territories with their Pages and an author; no post yet. Returns the territory ids."""
    engine = make_engine(url)
    cipher = cipher_for(None, TEST_SECRET, production=False)
    ids = []
    with UnitOfWork(make_session_factory(engine)) as uow:
        desk = accounts.create_user(uow, None, email="race@example.test", display_name="Race",
                                    role=Role.CENTRAL_EDITOR)
        actor = accounts.load_actor(desk)
        standards.create_template(uow, actor, SEED_TEMPLATE, TEMPLATE)
        standards.publish_template(uow, actor, SEED_TEMPLATE, now=datetime.now(UTC))
        for page in range(PAGES):
            territory, _ = territories.create_territory(
                uow, None, name=f"Course {page}", slug=f"race-{page}",
                shape=box(page * 2, 0, page * 2 + 1, 1))
            connect_page(uow, None, territory.id, page_id=f"77{page}", token=_token(page),
                         cipher=cipher)
            ids.append(territory.id)
        uow.commit()
    engine.dispose()
    return ids


def _queue_every_post(url: str, territory_ids: list[int]) -> None:
    """Approved posts scheduled through the outbox, all due now, in one commit."""
    engine = make_engine(url)
    with UnitOfWork(make_session_factory(engine)) as uow:
        version_id = standards.published_version(uow.session, SEED_TEMPLATE).id
        author = uow.session.scalar(select(User.id).where(User.email == "race@example.test"))
        past = datetime.now(UTC) - timedelta(minutes=1)
        for page, territory_id in enumerate(territory_ids):
            for n in range(POSTS_PER_PAGE):
                post = Post(territory_id=territory_id, author_id=author,
                            status=PostStatus.APPROVED, template_version_id=version_id,
                            text=f"Course {page}, post {n}",
                            geom=WKTElement(f"POINT({page * 2 + 0.5} 0.5)", 4326),
                            publish_at=past)
                uow.session.add(post)
                uow.flush()
                assert schedule_if_connected(uow, post) is not None
        uow.commit()
    engine.dispose()


def _worker(url: str, base_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "RELAIS_GRAPH_BASE_URL": base_url,
           "RELAIS_SECRET_KEY": TEST_SECRET, "RELAIS_ENV": "test", "RELAIS_LOG_LEVEL": "INFO"}
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-c", "from service.cli import main; main()",
                                 "worker", *OPTIONS], env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def _pending(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Publication).where(
            Publication.status.in_(("queued", "in_flight"))))


def test_two_workers_racing_on_one_queue_publish_every_post_exactly_once(fresh_database,
                                                                         tmp_path):
    url, drop = fresh_database()
    engine = make_engine(url)
    pages = [FakePage(f"77{page}", f"Course {page}", {_token(page)}) for page in range(PAGES)]
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    workers: list[subprocess.Popen[bytes]] = []
    try:
        territory_ids = _prepare(url)
        with FakeGraphServer(pages, faults=FaultPlan(latency_ms=15)) as fake:
            workers = [_worker(url, fake.base_url, log) for log in logs]
            deadline = time.monotonic() + DEADLINE_SECONDS
            while not all("Publishing worker" in log.read_text() for log in logs):
                assert time.monotonic() < deadline and all(w.poll() is None for w in workers), (
                    [log.read_text()[-2000:] for log in logs])
                time.sleep(0.05)
            _queue_every_post(url, territory_ids)
            while _pending(engine) and time.monotonic() < deadline:
                time.sleep(0.1)
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            assert [worker.wait(timeout=30) for worker in workers] == [0, 0]
            stored = fake.posts()
        with make_session_factory(engine)() as session:
            posts = session.scalars(select(Post)).all()
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        engine.dispose()
        drop()

    total = PAGES * POSTS_PER_PAGE
    assert len(posts) == total and len(stored) == total, [log.read_text()[-2000:] for log in logs]
    assert set(Counter((p["page_id"], p["message"]) for p in stored).values()) == {1}
    by_id = {p["id"]: p for p in stored}
    for post in posts:
        assert post.status == PostStatus.PUBLISHED, (post.id, post.failure_reason)
        assert by_id[post.facebook_post_id]["message"] == post.text
    # Both processes took a share of the queue (each logs the publications it completed).
    shares = [log.read_text().count("published as") for log in logs]
    assert all(shares) and sum(shares) == total, shares
