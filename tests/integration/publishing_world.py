"""The publishing test world: a clock the tests move, posts seeded straight into the tables,
and helpers that drain the queue and load a post with its publications."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from geoalchemy2 import WKTElement
from sqlalchemy import func, select

from regions.models import Post, PostStatus, Publication, TemplateRecord, TemplateVersion
from regions.publishing.publisher import PublishingConfig

PAGE, TOKEN = "1001", "EAAPage1001-publisher-s3cret-token"
PAGE_PLACE, NEAR_PLACE = "500000000000001", "500000000000002"
CLIENT_TIMEOUT = 0.3
CONFIG = PublishingConfig(graph_timeout=CLIENT_TIMEOUT, settle_margin=0.2, backoff_base=0.5,
                          backoff_cap=4.0, max_attempts=8)
_keys = itertools.count(1)


@dataclass
class Clock:
    """A clock the tests move forward instead of sleeping."""

    now: datetime

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def seed_posts(session, territory_id, author_id, texts, *, lon=4.85, lat=45.75, radius_km=None,
               status=PostStatus.SCHEDULED, due_at=None, queue=True):
    """Posts (with their queued publications) straight into the tables; returns their ids."""
    template = TemplateRecord(key=f"publishing-{next(_keys)}-{random.random()}", name="P",
                              network="facebook", language="fr")
    session.add(template)
    session.flush()
    version = TemplateVersion(template_id=template.id, number=1, data={})
    session.add(version)
    session.flush()
    ids = []
    for text in texts:
        post = Post(territory_id=territory_id, author_id=author_id, text=text, status=status,
                    template_version_id=version.id, geom=WKTElement(f"POINT({lon} {lat})", 4326),
                    audience_radius_km=radius_km, link="https://example.org/relais")
        session.add(post)
        session.flush()
        if queue:
            session.add(Publication(post_id=post.id, status="queued",
                                    due_at=due_at or func.now()))
        ids.append(post.id)
    session.flush()
    return ids


def drain(publisher, session_factory, clock, limit=50):
    """Run until nothing is queued, jumping the clock to the next due time when idle."""
    outcomes = []
    for _ in range(limit):
        outcome = publisher.run_once()
        if outcome is not None:
            outcomes.append(outcome)
            continue
        with session_factory() as session:
            due = session.scalar(select(func.min(func.coalesce(
                Publication.lease_until, Publication.due_at))).where(
                Publication.status.in_(("queued", "in_flight"))))
        if due is None:
            return outcomes
        clock.now = max(clock.now, due) + timedelta(milliseconds=1)
    raise AssertionError(f"queue did not drain: {outcomes}")


def load(session_factory, post_id):
    with session_factory() as session:
        post = session.get(Post, post_id)
        publications = list(session.scalars(select(Publication).where(
            Publication.post_id == post_id).order_by(Publication.id)))
        session.expunge_all()
        return post, publications
