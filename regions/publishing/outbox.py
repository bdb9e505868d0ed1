"""The publication outbox: approving a post writes its publication in the same transaction."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from editorial.errors import N_
from regions import audit
from regions.db import UnitOfWork, read_later
from regions.errors import Conflict
from regions.models import Post, PostStatus, Publication
from regions.workflow import SYSTEM, Action, next_state

# Plain SQL, so that it rides with an approval's other reads (``regions.db.read_later``).
_CONNECTED = ("SELECT EXISTS (SELECT 1 FROM page_connections c JOIN posts p "
              "ON p.territory_id = c.territory_id WHERE p.id = %(post_id)s)")


def connected_later(session: Session, post_id: int) -> Callable[[], bool]:
    """Whether the post's territory has a Facebook Page, read with the session's next read."""
    rows = read_later(session, _CONNECTED, {"post_id": post_id})
    return lambda: bool(rows()[0][0])


def schedule_if_connected(uow: UnitOfWork, post: Post,
                          connected: Callable[[], bool] | None = None) -> Publication | None:
    """Schedule an approved post when its territory has a Facebook Page; else it stays approved.

    The publication row is written in the caller's transaction: the approval and the promise
    to publish land together or not at all. ``connected``: from ``connected_later``, when the
    caller queued the read beforehand.
    """
    if not (connected or connected_later(uow.session, post.id))() \
            or post.status != PostStatus.APPROVED:
        return None
    post.status = next_state(post.status, Action.SCHEDULE, SYSTEM)
    publication = Publication(post_id=post.id, status="queued",
                              due_at=post.publish_at or post.updated_at)
    uow.session.add(publication)
    uow.flush()
    audit.record(uow.session, None, "post.scheduled", "post", post.id,
                 {"publication_id": publication.id,
                  "due_at": publication.due_at.isoformat() if post.publish_at else None})
    return publication


class PublishingInProgress(Conflict):
    """A worker is publishing the post right now: it cannot change until that ends."""

    code = "post.publishing"


def cancel_pending(uow: UnitOfWork, post: Post) -> int:
    """Cancel a scheduled post's queued publication (it leaves the schedule: edit, withdraw).

    A publication already in flight cannot be called back: that is a 409, and the person
    retries once the post is published (then edits or retracts it) or has failed.
    """
    in_flight = uow.session.scalar(select(Publication.id).where(
        Publication.post_id == post.id, Publication.status == "in_flight"))
    if in_flight is not None:
        raise PublishingInProgress(
            "This post is being published right now: try again in a minute.",
            params={"post_id": post.id}, errors={"status": [N_("Publishing in progress.")]})
    cancelled = uow.session.execute(
        update(Publication).where(Publication.post_id == post.id,
                                  Publication.status == "queued")
        .values(status="cancelled", finished_at=func.now()))
    return int(getattr(cancelled, "rowcount", 0) or 0)


class MayBeOnFacebook(Conflict):
    """A failed post whose publish call may have reached Facebook: retry it, do not rewrite it."""

    code = "post.may_be_on_facebook"


def refuse_recreation(uow: UnitOfWork, post: Post) -> None:
    """Editing a failed post that may already be on the Page would publish a second version.

    Retry instead: it looks on the Page first and adopts the post it finds.
    """
    from regions.publishing.claims import may_be_on_facebook

    if post.status == PostStatus.FAILED and may_be_on_facebook(uow.session, post.id):
        raise MayBeOnFacebook(
            "This post may already be on Facebook: retry it (Relais looks on the Page first) "
            "instead of editing it.", params={"post_id": post.id},
            errors={"status": [N_("May already be on Facebook: retry it instead.")]})
