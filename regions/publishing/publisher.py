"""Publishing one due post to its Facebook Page, exactly once, whatever dies when.

Facebook has no idempotency key, so "exactly once" rests on three rules:

1. **Record before calling.** :func:`claims.begin_publish` commits ``first_attempt_at`` (and
   renews the lease) *before* ``POST /{page}/feed`` is sent. A worker killed before the call,
   during it, or after Facebook answered but before the answer was stored leaves that mark.
2. **Look before publishing again.** Any attempt that finds the mark first calls
   ``find_posts_by_message`` for the Page since ``first_attempt_at``. A match no other
   publication owns is adopted (a unique index stops two Relais posts adopting one Facebook
   post); only no match allows a new publish. The id is stored the moment it is known.
3. **Let a lost call settle first.** After a timeout or dropped connection, Facebook may still
   store the post. The retry is therefore not due before the client timeout plus a margin;
   a crashed worker's lease (also timeout plus margin, renewed at the mark) expires no sooner.
   So the lookup never runs while the earlier call could still land.

A worker that finds its lease taken over stops at the next step (the fence in :mod:`claims`);
whatever it sent has landed by then, and the new owner finds it by the lookup.
"""

from __future__ import annotations

import enum
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from regions.db import SessionFactory, UnitOfWork
from regions.models import Publication
from regions.publishing import claims
from regions.publishing.claims import Job, LeaseLost
from regions.publishing.graph import GraphClient, GraphPost
from regions.publishing.graph_errors import (
    DuplicatePost,
    GraphConnectionError,
    GraphError,
    GraphTimeout,
    PermanentGraphError,
    RetryableGraphError,
)
from regions.publishing.page_tokens import TokenCipher

log = logging.getLogger("relais.publisher")


class Outcome(enum.StrEnum):
    """What one run of the publisher did."""

    PUBLISHED = "published"
    ADOPTED = "adopted"  # found on the Page by reconciliation: not published again
    RESCHEDULED = "rescheduled"
    FAILED = "failed"
    CANCELLED = "cancelled"
    LEASE_LOST = "lease_lost"


class PostIdTaken(RetryableGraphError):
    """Another publication holds this Facebook id (a race in adoption): reconcile again."""

    code = "publishing.post_id_taken"


@dataclass(frozen=True, slots=True)
class PublishingConfig:
    """Timing of the worker; the defaults suit Facebook, tests shrink them."""

    graph_timeout: float = 10.0
    settle_margin: float = 20.0
    backoff_base: float = 5.0
    backoff_cap: float = 900.0
    max_attempts: int = 30
    poll_interval: float = 2.0

    def __post_init__(self) -> None:
        if self.settle_margin <= 0 or self.graph_timeout <= 0:
            raise ValueError("graph_timeout and settle_margin must be positive")

    @property
    def lease(self) -> timedelta:
        """How long a claim is ours: longer than a call can take, plus the settle margin."""
        return timedelta(seconds=self.graph_timeout + self.settle_margin)


def retry_delay(config: PublishingConfig, attempt: int, error: GraphError,
                rng: random.Random) -> float:
    """Exponential backoff with jitter; never less than Facebook's estimate or the settle time."""
    ceiling = min(config.backoff_cap, config.backoff_base * 2 ** max(attempt - 1, 0))
    delay = ceiling / 2 + rng.uniform(0, ceiling / 2)
    if error.retry_after:
        delay = max(delay, error.retry_after)
    if isinstance(error, GraphTimeout | GraphConnectionError):
        delay = max(delay, config.graph_timeout + config.settle_margin)
    return float(delay)


def db_clock(uow: UnitOfWork) -> datetime:
    """The database's clock: one clock for every worker's leases and due times."""
    moment = uow.session.scalar(select(func.clock_timestamp()))
    assert isinstance(moment, datetime)
    return moment


class Publisher:
    """Claims due publications and carries each one step by step (see the module docstring)."""

    def __init__(self, session_factory: SessionFactory, graph: GraphClient, cipher: TokenCipher,
                 config: PublishingConfig, *, worker: str,
                 clock: Callable[[UnitOfWork], datetime] = db_clock,
                 rng: random.Random | None = None) -> None:
        self._sessions, self._graph, self._cipher = session_factory, graph, cipher
        self.config, self.worker, self._clock = config, worker, clock
        self._rng = rng or random.Random()

    def run_once(self) -> Outcome | None:
        """Process the most overdue publication, if any is due."""
        with UnitOfWork(self._sessions) as uow:
            claimed = claims.claim_next(uow, self.worker, self._clock(uow), self.config.lease,
                                        self._cipher)
            if claimed is None:
                return None
            publication, job = claimed
            if isinstance(job, str):
                claims.mark_failed(uow, publication, self._clock(uow), "publishing.not_ready", job)
            uow.commit()
        if isinstance(job, str):
            log.info("publication %s failed: %s", publication.id, job)
            return Outcome.FAILED
        try:
            return self._carry(job)
        except LeaseLost:
            log.warning("publication %s: lease taken over, leaving it", job.publication_id)
            return Outcome.LEASE_LOST

    def _carry(self, job: Job) -> Outcome:
        try:
            if job.graph_post_id is not None:  # published before a crash: finishing is left
                return self._finish(job, job.graph_post_id, Outcome.PUBLISHED)
            if job.since is not None:
                found = self._reconcile(job, job.since)
                if found is not None:
                    return self._finish(job, found, Outcome.ADOPTED)
            if not job.post_scheduled:
                return self._cancel(job)
            return self._publish(job)
        except PermanentGraphError as exc:
            return self._fail(job, exc.code, exc.reason)
        except GraphError as exc:
            return self._retry_later(job, exc)

    def _reconcile(self, job: Job, since: datetime) -> str | None:
        """The id of our post if an earlier attempt already reached the Page, else None."""
        matches = self._graph.find_posts_by_message(job.page_id, job.token, job.message, since)
        if not matches:
            return None
        with UnitOfWork(self._sessions) as uow:
            taken = set(uow.session.scalars(select(Publication.graph_post_id).where(
                Publication.graph_post_id.in_([m.id for m in matches]),
                Publication.post_id != job.post_id)))
        free = [m.id for m in reversed(matches) if m.id not in taken]  # oldest first
        if free:
            log.info("publication %s reconciled: found %s on the Page", job.publication_id,
                     free[0])
        return free[0] if free else None

    def _publish(self, job: Job) -> Outcome:
        with UnitOfWork(self._sessions) as uow:
            now = self._clock(uow)
            started = claims.begin_publish(uow, job, self.worker, now, self.config.lease)
            uow.commit()
        if not started:
            return Outcome.CANCELLED
        try:
            post = self._graph.publish_feed_post(
                job.page_id, job.token, job.message, link=job.link, place=job.place,
                targeting=job.targeting, feed_targeting=job.targeting)
        except DuplicatePost:
            # Facebook says it already has this text: it may be ours from a lost answer.
            found = self._reconcile(job, now)
            if found is None:
                raise
            return self._finish(job, found, Outcome.ADOPTED)
        return self._finish(job, post.id, Outcome.PUBLISHED)

    def _store(self, job: Job, graph_post_id: str) -> None:
        try:
            with UnitOfWork(self._sessions) as uow:
                claims.store_graph_id(uow, job, self.worker, graph_post_id)
                uow.commit()
        except IntegrityError:
            raise PostIdTaken(f"Facebook post {graph_post_id} already belongs to another "
                              "publication") from None

    def _finish(self, job: Job, graph_post_id: str, outcome: Outcome) -> Outcome:
        """Store the id at once, fetch the permalink (retried on its own), mark published."""
        if job.graph_post_id is None:
            self._store(job, graph_post_id)
        try:
            fetched: GraphPost | None = self._graph.get_post(graph_post_id, job.token)
        except GraphError as exc:
            if exc.retryable and job.attempt < self.config.max_attempts:
                raise
            log.warning("publication %s: no permalink for %s (%s)", job.publication_id,
                        graph_post_id, exc.code)
            fetched = None
        with UnitOfWork(self._sessions) as uow:
            publication = claims.own(uow.session, job, self.worker)
            published_at = (fetched.created_time if fetched and fetched.created_time
                            else self._clock(uow))
            claims.mark_published(uow, publication, graph_post_id=graph_post_id,
                                  permalink=fetched.permalink_url if fetched else None,
                                  published_at=published_at.astimezone(UTC),
                                  adopted=outcome == Outcome.ADOPTED)
            uow.commit()
        log.info("publication %s published as %s (%s)", job.publication_id, graph_post_id,
                 outcome.value)
        return outcome

    def _retry_later(self, job: Job, error: GraphError) -> Outcome:
        if job.attempt >= self.config.max_attempts:
            reason = f"Gave up after {job.attempt} attempts. Last error: {error.reason}"
            return self._fail(job, error.code, reason)
        delay = retry_delay(self.config, job.attempt, error, self._rng)
        with UnitOfWork(self._sessions) as uow:
            due = self._clock(uow) + timedelta(seconds=delay)
            claims.reschedule(uow, job, self.worker, due, (error.code, error.reason))
            uow.commit()
        log.info("publication %s attempt %s: %s, retry in %.1f s", job.publication_id,
                 job.attempt, error.code, delay)
        return Outcome.RESCHEDULED

    def _fail(self, job: Job, code: str, reason: str) -> Outcome:
        with UnitOfWork(self._sessions) as uow:
            publication = claims.own(uow.session, job, self.worker)
            claims.mark_failed(uow, publication, self._clock(uow), code, reason)
            uow.commit()
        log.info("publication %s failed: %s", job.publication_id, code)
        return Outcome.FAILED

    def _cancel(self, job: Job) -> Outcome:
        with UnitOfWork(self._sessions) as uow:
            publication = claims.own(uow.session, job, self.worker)
            claims.close(uow.session, publication, "cancelled", self._clock(uow))
            uow.commit()
        return Outcome.CANCELLED
