"""Publishing one due post to its Facebook Page, exactly once, whatever dies when.

Facebook has no idempotency key, so "exactly once" rests on three rules:

1. **Record before calling.** :func:`claims.begin_publish` commits ``first_attempt_at`` (and
   renews the lease) *before* ``POST /{page}/feed`` is sent. A worker killed before the call,
   during it, or after Facebook answered but before the answer was stored leaves that mark.
2. **Look before publishing again.** Any attempt that finds the mark first calls
   ``find_posts_by_message`` for the Page since ``first_attempt_at``. A match no other
   publication owns is adopted (a unique index stops two Relais posts adopting one Facebook
   post); only no match allows a new publish. The id is stored the moment it is known.
3. **Let a lost call settle first.** After a timeout, a dropped connection or a crash, Facebook
   may still store the post. No lookup (and so no new publish) runs before the unanswered
   call's start plus the *settle window*: the client timeout, or the longest Facebook has been
   seen storing late (learnt from the posts found later), whichever is longer, plus a margin.
   A crashed worker's lease (timeout plus margin, renewed at the mark) expires no sooner.
4. **Sweep what still slips through.** A post stored later than any window yet seen is a
   copy; :mod:`copies` finds copies of Relais's recent posts, deletes them and audits it.

Only Graph answers count toward the backoff and the give-up limit (``failures``): a claim
whose worker died is not a failed attempt. A rate limit of the app (#4, #17) or of a Page
(#32, #613, 80000-80014) holds every publication of that scope until the regain time.

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
    RateLimited,
    RetryableGraphError,
)
from regions.publishing.page_tokens import TokenCipher

log = logging.getLogger("relais.publisher")


class Outcome(enum.StrEnum):
    """What one run of the publisher did."""

    PUBLISHED = "published"
    ADOPTED = "adopted"  # found on the Page by reconciliation: not published again
    RESCHEDULED = "rescheduled"
    SETTLING = "settling"  # an unanswered call may still land: looked up later
    FAILED = "failed"
    CANCELLED = "cancelled"
    LEASE_LOST = "lease_lost"


class PostIdTaken(RetryableGraphError):
    """Another publication holds this Facebook id (a race in adoption): reconcile again."""

    code = "publishing.post_id_taken"


@dataclass(frozen=True, slots=True)
class PublishingConfig:
    """Timing of the worker (settings ``RELAIS_PUBLISH_*``); tests shrink it.

    ``max_attempts`` counts failed Graph calls, not claims.
    """

    graph_timeout: float = 10.0
    settle_margin: float = 20.0
    settle_max: float = 900.0
    backoff_base: float = 5.0
    backoff_cap: float = 900.0
    max_attempts: int = 30
    poll_interval: float = 2.0
    sweep_interval: float = 300.0
    sweep_hours: float = 24.0

    def __post_init__(self) -> None:
        if self.settle_margin <= 0 or self.graph_timeout <= 0:
            raise ValueError("graph_timeout and settle_margin must be positive")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    @property
    def lease(self) -> timedelta:
        """How long a claim is ours: longer than a call can take, plus the settle margin."""
        return timedelta(seconds=self.graph_timeout + self.settle_margin)

    def settle_window(self, lateness: float) -> timedelta:
        """How long after an unanswered publish call a lookup may trust what it sees.

        ``lateness`` is the longest Facebook was seen storing a post after the call; the
        window covers it (or the timeout) plus the margin, at most ``settle_max``.
        """
        seconds = max(self.graph_timeout, lateness) + self.settle_margin
        return timedelta(seconds=min(seconds, max(self.settle_max, self.graph_timeout
                                                  + self.settle_margin)))


def retry_delay(config: PublishingConfig, failures: int, error: GraphError,
                rng: random.Random) -> float:
    """Exponential backoff with jitter on failed calls; at least Facebook's estimate or settle."""
    ceiling = min(config.backoff_cap, config.backoff_base * 2 ** max(failures - 1, 0))
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
            now = self._clock(uow)
            claimed = claims.claim_next(uow, self.worker, now, self.config.lease, self._cipher)
            if claimed is None:
                return None
            publication, job = claimed
            settled: datetime | None = None
            if isinstance(job, str):
                claims.mark_failed(uow, publication, now, "publishing.not_ready", job)
            elif (settled := self._settled_at(uow, job, now)) is not None:
                # Too early to trust a lookup: an unanswered call may still land.
                claims.reschedule(uow, job, self.worker, settled, now, None)
            uow.commit()
        if isinstance(job, str):
            log.info("publication %s failed: %s", publication.id, job)
            return Outcome.FAILED
        if settled is not None:
            log.info("publication %s: letting an unanswered call settle", publication.id)
            return Outcome.SETTLING
        try:
            return self._carry(job)
        except LeaseLost:
            log.warning("publication %s: lease taken over, leaving it", job.publication_id)
            return Outcome.LEASE_LOST

    def _settled_at(self, uow: UnitOfWork, job: Job, now: datetime) -> datetime | None:
        """When the job's last unanswered publish call has surely landed, if still ahead."""
        if job.unanswered_at is None:
            return None
        lateness = claims.longest_lateness(uow.session, now)
        settled = job.unanswered_at + self.config.settle_window(lateness)
        return settled if settled > now else None

    def _carry(self, job: Job) -> Outcome:
        try:
            if job.graph_post_id is not None:  # live before a crash: finishing is left
                return self._finish(job, job.graph_post_id, Outcome.PUBLISHED)
            if job.since is not None:
                found = self._reconcile(job, job.since)
                if found is not None:
                    return self._adopt(job, found)
            if not job.post_scheduled:
                return self._cancel(job)
            return self._publish(job)
        except PermanentGraphError as exc:
            return self._fail(job, exc.code, exc.reason)
        except GraphError as exc:
            return self._retry_later(job, exc)

    def _reconcile(self, job: Job, since: datetime) -> GraphPost | None:
        """Our post if an earlier attempt already reached the Page, else None (listed)."""
        with UnitOfWork(self._sessions) as uow:
            started = self._clock(uow)
        try:
            matches = self._graph.find_posts_by_message(job.page_id, job.token, job.message,
                                                        since)
        except GraphError as exc:
            self._record(job, "lookup", started, "error", code=exc.code, detail=exc.reason)
            raise
        with UnitOfWork(self._sessions) as uow:
            taken = set(uow.session.scalars(select(Publication.graph_post_id).where(
                Publication.graph_post_id.in_([m.id for m in matches]),
                Publication.post_id != job.post_id))) if matches else set()
            free = [m for m in reversed(matches) if m.id not in taken]  # oldest first
            claims.record_call(uow.session, job, "lookup", started, self._clock(uow),
                               "found" if free else "not_found",
                               graph_post_id=free[0].id if free else None)
            uow.commit()
        if free:
            log.info("publication %s reconciled: found %s on the Page", job.publication_id,
                     free[0].id)
        return free[0] if free else None

    def _record(self, job: Job, kind: str, started: datetime, outcome: str, **details: str
                ) -> None:
        with UnitOfWork(self._sessions) as uow:
            claims.record_call(uow.session, job, kind, started, self._clock(uow), outcome,
                               **details)
            uow.commit()

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
            return self._adopt(job, found)
        self._store(job, post.id, adopted=False)
        return self._finish(job, post.id, Outcome.PUBLISHED)

    def _adopt(self, job: Job, found: GraphPost) -> Outcome:
        self._store(job, found.id, adopted=True, created=found.created_time)
        return self._finish(job, found.id, Outcome.ADOPTED)

    def _store(self, job: Job, graph_post_id: str, *, adopted: bool,
               created: datetime | None = None) -> None:
        try:
            with UnitOfWork(self._sessions) as uow:
                claims.mark_live(uow, job, self.worker, graph_post_id, self._clock(uow),
                                 adopted=adopted, created=created)
                uow.commit()
        except IntegrityError:
            raise PostIdTaken(f"Facebook post {graph_post_id} already belongs to another "
                              "publication") from None

    def _finish(self, job: Job, graph_post_id: str, outcome: Outcome) -> Outcome:
        """Fetch the permalink of a live post (retried on its own), then close the publication."""
        with UnitOfWork(self._sessions) as uow:
            started = self._clock(uow)
        try:
            fetched: GraphPost | None = self._graph.get_post(graph_post_id, job.token)
        except GraphError as exc:
            self._record(job, "permalink", started, "error", code=exc.code, detail=exc.reason)
            if exc.retryable and job.failures + 1 < self.config.max_attempts:
                raise
            log.warning("publication %s: no permalink for %s (%s)", job.publication_id,
                        graph_post_id, exc.code)
            fetched = None
        with UnitOfWork(self._sessions) as uow:
            publication = claims.own(uow.session, job, self.worker)
            claims.mark_finished(uow, publication,
                                 permalink=fetched.permalink_url if fetched else None,
                                 created=(fetched.created_time.astimezone(UTC)
                                          if fetched and fetched.created_time else None),
                                 now=self._clock(uow))
            uow.commit()
        log.info("publication %s published as %s (%s)", job.publication_id, graph_post_id,
                 outcome.value)
        return outcome

    def _retry_later(self, job: Job, error: GraphError) -> Outcome:
        failures = job.failures + 1
        if failures >= self.config.max_attempts:
            reason = (f"Gave up after {failures} failed calls to Facebook. "
                      f"Last error: {error.reason}")
            return self._fail(job, error.code, reason)
        delay = retry_delay(self.config, failures, error, self._rng)
        with UnitOfWork(self._sessions) as uow:
            now = self._clock(uow)
            due = now + timedelta(seconds=delay)
            claims.reschedule(uow, job, self.worker, due, now, (error.code, error.reason))
            if isinstance(error, RateLimited):
                scope = "app" if error.scope == "app" else f"page:{job.page_id}"
                claims.hold(uow.session, scope, due, error.graph_code, error.reason)
            uow.commit()
        log.info("publication %s failure %s: %s, retry in %.1f s", job.publication_id,
                 failures, error.code, delay)
        return Outcome.RESCHEDULED

    def _fail(self, job: Job, code: str, reason: str) -> Outcome:
        with UnitOfWork(self._sessions) as uow:
            publication = claims.own(uow.session, job, self.worker)
            claims.mark_failed(uow, publication, self._clock(uow), code, reason,
                               call_failed=True)
            uow.commit()
        log.info("publication %s failed: %s", job.publication_id, code)
        return Outcome.FAILED

    def _cancel(self, job: Job) -> Outcome:
        with UnitOfWork(self._sessions) as uow:
            publication = claims.own(uow.session, job, self.worker)
            claims.close(uow.session, publication, "cancelled", self._clock(uow))
            uow.commit()
        return Outcome.CANCELLED
