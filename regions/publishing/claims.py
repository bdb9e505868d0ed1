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

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from regions import audit, webhooks
from regions.db import UnitOfWork
from regions.errors import RegionsError
from regions.models import PageConnection, Post, PostStatus, Publication
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


def _due(now: datetime) -> Any:
    """Queued and due, or in flight with an expired lease (its worker died or stalled)."""
    return or_(and_(Publication.status == "queued", Publication.due_at <= now),
               and_(Publication.status == "in_flight", Publication.lease_until < now))


def claim_next(uow: UnitOfWork, worker: str, now: datetime, lease: timedelta,
               cipher: TokenCipher) -> tuple[Publication, Job | str] | None:
    """Claim the most overdue publication; return it with its Job, or with why it cannot run."""
    publication = uow.session.scalar(
        select(Publication).where(_due(now)).order_by(Publication.due_at, Publication.id)
        .limit(1).with_for_update(skip_locked=True))
    if publication is None:
        return None
    publication.status, publication.worker = "in_flight", worker
    publication.attempts += 1
    publication.lease_until = now + lease
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


def _job(session: Session, publication: Publication, post: Post, connection: PageConnection,
         token: str) -> Job:
    circle = audience_circle(session, post)
    return Job(
        publication_id=publication.id, post_id=post.id, attempt=publication.attempts,
        page_id=connection.page_id, token=token, message=post.text, link=post.link,
        place=place_for(session, post, connection),
        targeting=targeting_for(*circle) if circle else None,
        since=publication.first_attempt_at, graph_post_id=publication.graph_post_id,
        post_scheduled=post.status == PostStatus.SCHEDULED,
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
    return True


def store_graph_id(uow: UnitOfWork, job: Job, worker: str, graph_post_id: str) -> None:
    """Keep Facebook's id the moment we have it: from now on only finishing is left."""
    own(uow.session, job, worker).graph_post_id = graph_post_id


def close(session: Session, publication: Publication, status: str, now: datetime,
          error: tuple[str, str] | None = None) -> None:
    """End a publication (succeeded, failed, cancelled) and release its lease."""
    publication.status, publication.finished_at = status, now
    publication.lease_until = publication.worker = None
    if error is not None:
        publication.last_error_code, publication.last_error = error


def reschedule(uow: UnitOfWork, job: Job, worker: str, due: datetime, error: tuple[str, str]
               ) -> None:
    """Put the publication back in the queue for a later attempt."""
    publication = own(uow.session, job, worker)
    publication.status, publication.due_at = "queued", due
    publication.lease_until = publication.worker = None
    publication.last_error_code, publication.last_error = error


def mark_published(uow: UnitOfWork, publication: Publication, *, graph_post_id: str,
                   permalink: str | None, published_at: datetime, adopted: bool) -> Post:
    """Record the Facebook post on the Relais post; PUBLISHED, audited, webhook queued."""
    post = uow.session.scalar(select(Post).where(Post.id == publication.post_id)
                              .with_for_update())
    assert post is not None
    post.facebook_post_id, post.permalink = graph_post_id, permalink
    post.published_at, post.failure_reason = published_at, None
    previous = post.status
    if previous == PostStatus.SCHEDULED:
        post.status = next_state(previous, Action.PUBLISHED, SYSTEM)
        webhooks.enqueue(uow.session, post.status, post)
    close(uow.session, publication, "succeeded", published_at)
    publication.graph_post_id = graph_post_id
    audit.record(uow.session, None, "post.published", "post", post.id, {
        "from": previous.value, "to": post.status.value, "facebook_post_id": graph_post_id,
        "permalink": permalink, "attempts": publication.attempts, "reconciled": adopted})
    return post


def mark_failed(uow: UnitOfWork, publication: Publication, now: datetime, code: str,
                reason: str) -> None:
    """The post fails with a readable reason for the region and the desk; a person may retry."""
    close(uow.session, publication, "failed", now, (code, reason))
    post = uow.session.scalar(select(Post).where(Post.id == publication.post_id)
                              .with_for_update())
    assert post is not None
    previous = post.status
    if previous == PostStatus.SCHEDULED:
        post.status = next_state(previous, Action.FAIL, SYSTEM)
        post.failure_reason = reason
        webhooks.enqueue(uow.session, post.status, post)
    audit.record(uow.session, None, "post.failed", "post", post.id, {
        "from": previous.value, "to": post.status.value, "code": code, "reason": reason,
        "attempts": publication.attempts})
