"""The publication outbox's durable steps: each is one short transaction on ``publications``.

A worker never holds a transaction open while it talks to Facebook. It claims a due row
(``FOR UPDATE SKIP LOCKED``) with a lease, commits, talks, then comes back for the next step.
Every later step re-locks the row and checks the *fence* (same worker, same attempt number,
still in flight): a worker whose lease expired and was taken over cannot overwrite the new
owner's state, and simply walks away (the new owner reconciles; see :mod:`publisher`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, aliased

from regions import audit, webhooks
from regions.db import UnitOfWork
from regions.errors import RegionsError
from regions.models import (
    GraphHold,
    PageConnection,
    Post,
    PostStatus,
    Publication,
    PublicationAttempt,
)
from regions.publishing.page_tokens import TokenCipher
from regions.publishing.placement import audience_circle, place_for, targeting_for
from regions.workflow import SYSTEM, Action, next_state


class LeaseLost(Exception):
    """Another worker took this publication over: this worker must stop touching it."""


@dataclass(frozen=True, slots=True)
class Job:
    """What one claimed attempt needs, read in the claim's transaction (token hidden in repr)."""

    publication_id: int
    post_id: int
    attempt: int
    page_id: str
    token: str = field(repr=False)
    message: str
    link: str | None
    place: str | None
    targeting: dict[str, Any] | None
    since: datetime | None  # first publish call ever sent for this post: reconcile if set
    graph_post_id: str | None  # already known: only finishing is left
    post_scheduled: bool  # False when the post was edited or withdrawn meanwhile
    failures: int = 0  # failed Graph calls so far (claims of dead workers do not count)
    unanswered_at: datetime | None = None  # start of the last publish call left unanswered


# A publish call that ended this way may still be stored by Facebook later.
UNANSWERED_CODES = ("graph.timeout", "graph.connection_error")
# How far back the longest late store seen so far is remembered.
LATENESS_MEMORY = timedelta(days=30)


def _due(now: datetime) -> Any:
    """Queued and due, or in flight with an expired lease (its worker died or stalled)."""
    return or_(and_(Publication.status == "queued", Publication.due_at <= now),
               and_(Publication.status == "in_flight", Publication.lease_until < now))


def held(now: datetime) -> Any:
    """Facebook throttles the app, or the publication's Page: it waits with the others."""
    return select(GraphHold.scope).where(
        GraphHold.until > now,
        or_(GraphHold.scope == "app",
            GraphHold.scope == func.concat("page:", PageConnection.page_id))).exists()


def claim_next(uow: UnitOfWork, worker: str, now: datetime, lease: timedelta,
               cipher: TokenCipher) -> tuple[Publication, Job | str] | None:
    """Claim the most overdue unthrottled publication; return it with its Job, or why not."""
    publication = uow.session.scalar(
        select(Publication).join(Post, Post.id == Publication.post_id)
        .outerjoin(PageConnection, PageConnection.territory_id == Post.territory_id)
        .where(_due(now), ~held(now)).order_by(Publication.due_at, Publication.id)
        .limit(1).with_for_update(of=Publication, skip_locked=True))
    if publication is None:
        return None
    publication.status, publication.worker = "in_flight", worker
    publication.attempts += 1
    publication.lease_until = now + lease
    # A publish call an earlier claim marked but never answered: its worker died.
    uow.session.execute(update(PublicationAttempt).where(
        PublicationAttempt.publication_id == publication.id,
        PublicationAttempt.outcome.is_(None), PublicationAttempt.claim < publication.attempts)
        .values(outcome="no_answer", detail="The worker stopped before Facebook answered."))
    post = uow.session.get(Post, publication.post_id)
    assert post is not None  # publications cascade with their post
    connection = uow.session.scalar(select(PageConnection).where(
        PageConnection.territory_id == post.territory_id))
    if connection is None:
        return publication, ("No Facebook Page is connected to this territory: connect one, "
                             "then retry the post.")
    try:
        token = cipher.decrypt(connection.token_ciphertext)
    except RegionsError as exc:
        return publication, exc.message
    return publication, _job(uow.session, publication, post, connection, token)


def unanswered_publish_at(session: Session, post_id: int) -> datetime | None:
    """When the post's last publish call started, if Facebook never answered it.

    A publish after it that Facebook answered settles the question: then None.
    """
    last = session.execute(
        select(PublicationAttempt.outcome, PublicationAttempt.code, PublicationAttempt.started_at)
        .join(Publication, Publication.id == PublicationAttempt.publication_id)
        .where(Publication.post_id == post_id, PublicationAttempt.kind == "publish")
        .order_by(PublicationAttempt.started_at.desc(), PublicationAttempt.id.desc()).limit(1)
    ).first()
    if last is None:
        return None
    outcome, code, started = last
    unanswered = outcome in (None, "no_answer") or code in UNANSWERED_CODES
    return started if unanswered else None


def longest_lateness(session: Session, now: datetime) -> float:
    """The longest Facebook has been seen taking to store a post after the call (seconds)."""
    seconds = session.scalar(
        select(func.max(func.extract("epoch", PublicationAttempt.landed_at
                                     - PublicationAttempt.started_at)))
        .where(PublicationAttempt.landed_at.is_not(None),
               PublicationAttempt.started_at > now - LATENESS_MEMORY))
    if seconds is None:
        return 0.0
    # Graph stamps created_time in whole seconds: the store may have come up to 1 s later.
    return max(float(seconds) + 1.0, 0.0)


def _job(session: Session, publication: Publication, post: Post, connection: PageConnection,
         token: str) -> Job:
    circle = audience_circle(session, post)
    return Job(
        publication_id=publication.id, post_id=post.id, attempt=publication.attempts,
        page_id=connection.page_id, token=token, message=post.text, link=post.link,
        place=place_for(session, post, connection),
        targeting=targeting_for(*circle) if circle else None,
        since=publication.first_attempt_at, graph_post_id=publication.graph_post_id,
        post_scheduled=post.status == PostStatus.SCHEDULED, failures=publication.failures,
        unanswered_at=(unanswered_publish_at(session, post.id)
                       if publication.graph_post_id is None else None),
    )


def own(session: Session, job: Job, worker: str) -> Publication:
    """Lock the job's publication and check the fence; LeaseLost if it is no longer ours."""
    publication = session.scalar(select(Publication).where(
        Publication.id == job.publication_id).with_for_update())
    if (publication is None or publication.status != "in_flight"
            or publication.worker != worker or publication.attempts != job.attempt):
        raise LeaseLost(f"publication {job.publication_id} attempt {job.attempt}")
    return publication


def begin_publish(uow: UnitOfWork, job: Job, worker: str, now: datetime, lease: timedelta
                  ) -> bool:
    """Durably record that a publish call is about to be sent, renewing the lease.

    Committed *before* the call: whoever finds this row later knows a post may exist on the
    Page since ``first_attempt_at`` and must look it up before publishing again. The lease
    outlasts the call's timeout plus a margin, so nobody takes over while the call can still
    land. Returns False (and cancels) when the post is no longer scheduled.
    """
    publication = own(uow.session, job, worker)
    post = uow.session.scalar(select(Post).where(Post.id == job.post_id).with_for_update())
    if post is None or post.status != PostStatus.SCHEDULED:
        close(uow.session, publication, "cancelled", now)
        return False
    publication.attempt_started_at = now
    publication.first_attempt_at = publication.first_attempt_at or now
    publication.lease_until = now + lease
    uow.session.add(PublicationAttempt(publication_id=publication.id, claim=job.attempt,
                                       kind="publish", started_at=now))
    return True


def record_call(session: Session, job: Job, kind: str, started_at: datetime, now: datetime,
                outcome: str, *, code: str | None = None, detail: str | None = None,
                graph_post_id: str | None = None) -> None:
    """List one Graph call other than a publish (a lookup, a permalink fetch) for the desk."""
    session.add(PublicationAttempt(
        publication_id=job.publication_id, claim=job.attempt, kind=kind, started_at=started_at,
        answered_at=now, outcome=outcome, code=code, detail=detail, graph_post_id=graph_post_id))


def _answer_publish(session: Session, publication_id: int, now: datetime, outcome: str, *,
                    code: str | None = None, detail: str | None = None,
                    graph_post_id: str | None = None) -> None:
    """Store Facebook's answer on this claim's open publish row (there is none after a lookup)."""
    session.execute(update(PublicationAttempt).where(
        PublicationAttempt.publication_id == publication_id, PublicationAttempt.kind == "publish",
        PublicationAttempt.outcome.is_(None))
        .values(outcome=outcome, answered_at=now, code=code, detail=detail,
                graph_post_id=graph_post_id))


def note_landing(session: Session, post_id: int, landed_at: datetime) -> None:
    """A post an unanswered call left was found: remember when Facebook stored it.

    It is set on the last unanswered publish call started before that moment; the gap is how
    late Facebook stores, which widens the wait before any later lookup.
    """
    row = session.scalar(
        select(PublicationAttempt).join(Publication,
                                        Publication.id == PublicationAttempt.publication_id)
        .where(Publication.post_id == post_id, PublicationAttempt.kind == "publish",
               # Graph stamps whole seconds: a store in the call's own second counts too
               PublicationAttempt.started_at < landed_at + timedelta(seconds=1),
               PublicationAttempt.landed_at.is_(None),
               or_(PublicationAttempt.outcome.in_(("no_answer",)),
                   PublicationAttempt.outcome.is_(None),
                   PublicationAttempt.code.in_(UNANSWERED_CODES)))
        .order_by(PublicationAttempt.started_at.desc()).limit(1))
    if row is not None:
        row.landed_at = landed_at


def mark_live(uow: UnitOfWork, job: Job, worker: str, graph_post_id: str, now: datetime, *,
              adopted: bool, created: datetime | None = None) -> None:
    """Keep Facebook's id the moment we have it: the post is live, and says so at once.

    From now on only fetching the permalink is left; the post shows its Facebook id and is
    PUBLISHED even while that fetch waits (for a throttle, say).
    """
    publication = own(uow.session, job, worker)
    publication.graph_post_id = graph_post_id
    if not adopted:
        _answer_publish(uow.session, publication.id, now, "ok", graph_post_id=graph_post_id)
    else:
        # Open only when Facebook refused the publish as a duplicate (506) of this very post.
        _answer_publish(uow.session, publication.id, now, "error", code="graph.duplicate_post",
                        detail="Facebook already had this text: the lookup found our post.")
        if created is not None:
            note_landing(uow.session, job.post_id, created)
    uow.flush()  # the unique index on graph_post_id speaks here, not at commit
    post = uow.session.scalar(select(Post).where(Post.id == job.post_id).with_for_update())
    assert post is not None
    post.facebook_post_id, post.failure_reason = graph_post_id, None
    post.published_at = post.published_at or now
    previous = post.status
    if previous == PostStatus.SCHEDULED:
        post.status = next_state(previous, Action.PUBLISHED, SYSTEM)
    audit.record(uow.session, None, "post.published", "post", post.id, {
        "from": previous.value, "to": post.status.value, "facebook_post_id": graph_post_id,
        "attempts": publication.attempts, "reconciled": adopted})


def close(session: Session, publication: Publication, status: str, now: datetime,
          error: tuple[str, str] | None = None) -> None:
    """End a publication (succeeded, failed, cancelled) and release its lease."""
    publication.status, publication.finished_at = status, now
    publication.lease_until = publication.worker = None
    if error is not None:
        publication.last_error_code, publication.last_error = error


def reschedule(uow: UnitOfWork, job: Job, worker: str, due: datetime, now: datetime,
               error: tuple[str, str] | None) -> None:
    """Put the publication back in the queue for a later attempt.

    ``error`` is the failed Graph call's (code, reason): it counts toward the backoff and the
    limit. None means no call failed (an unanswered call is left to settle first).
    """
    publication = own(uow.session, job, worker)
    publication.status, publication.due_at = "queued", due
    publication.lease_until = publication.worker = None
    if error is not None:
        publication.failures += 1
        publication.last_error_code, publication.last_error = error
        _answer_publish(uow.session, publication.id, now, "error", code=error[0],
                        detail=error[1])


def hold(session: Session, scope: str, until: datetime, graph_code: int | None, reason: str
         ) -> None:
    """Hold every publication of a throttled scope until Facebook's regain time."""
    statement = insert(GraphHold).values(scope=scope, until=until, graph_code=graph_code,
                                         reason=reason)
    session.execute(statement.on_conflict_do_update(
        index_elements=[GraphHold.scope],
        set_={"until": func.greatest(GraphHold.until, statement.excluded.until),
              "graph_code": statement.excluded.graph_code,
              "reason": statement.excluded.reason}))


def mark_finished(uow: UnitOfWork, publication: Publication, *, permalink: str | None,
                  created: datetime | None, now: datetime) -> Post:
    """The permalink is known (or given up on): the publication succeeded; webhook queued."""
    post = uow.session.scalar(select(Post).where(Post.id == publication.post_id)
                              .with_for_update())
    assert post is not None
    post.permalink = permalink or post.permalink
    post.published_at = created or post.published_at or now
    close(uow.session, publication, "succeeded", now)
    if post.status == PostStatus.PUBLISHED:
        webhooks.enqueue(uow.session, post.status, post)
    return post


def may_be_on_facebook(session: Session, post_id: int) -> bool:
    """Whether a publish call may have reached Facebook without Relais knowing the post's id.

    True while a publish call of the post got no answer (or an ambiguous one) and no lookup
    has answered since (lookups run only once such a call has settled). A retry then looks on
    the Page before it posts (it inherits ``first_attempt_at``).
    """
    uncertain = aliased(PublicationAttempt)
    looked = aliased(PublicationAttempt)
    answered_lookup = select(looked.id).join(
        Publication, Publication.id == looked.publication_id).where(
        Publication.post_id == post_id, looked.kind == "lookup",
        looked.outcome.in_(("found", "not_found")), looked.started_at > uncertain.started_at)
    return session.scalar(select(uncertain.id).join(
        Publication, Publication.id == uncertain.publication_id).where(
        Publication.post_id == post_id, Publication.graph_post_id.is_(None),
        uncertain.kind == "publish",
        or_(uncertain.outcome.in_(("no_answer",)), uncertain.outcome.is_(None),
            uncertain.code.in_(UNANSWERED_CODES + ("graph.server_error",
                                                   "graph.malformed_response"))),
        ~answered_lookup.exists())
        .limit(1)) is not None


MAYBE_ON_FACEBOOK = ("A publish call may have reached Facebook without an answer: retrying "
                     "looks on the Page before posting again.")


def mark_failed(uow: UnitOfWork, publication: Publication, now: datetime, code: str,
                reason: str, *, call_failed: bool = False) -> None:
    """The post fails with a readable reason for the region and the desk; a person may retry."""
    if call_failed:
        publication.failures += 1
        _answer_publish(uow.session, publication.id, now, "error", code=code, detail=reason)
    close(uow.session, publication, "failed", now, (code, reason))
    uow.flush()
    uncertain = may_be_on_facebook(uow.session, publication.post_id)
    post = uow.session.scalar(select(Post).where(Post.id == publication.post_id)
                              .with_for_update())
    assert post is not None
    previous = post.status
    if previous == PostStatus.SCHEDULED:
        post.status = next_state(previous, Action.FAIL, SYSTEM)
        post.failure_reason = f"{reason} {MAYBE_ON_FACEBOOK}" if uncertain else reason
        webhooks.enqueue(uow.session, post.status, post)
    audit.record(uow.session, None, "post.failed", "post", post.id, {
        "from": previous.value, "to": post.status.value, "code": code, "reason": reason,
        "attempts": publication.attempts, "failures": publication.failures,
        "may_be_on_facebook": uncertain})
