"""Review: submit (validated), approve, request changes, reject, withdraw, comment; conflicts."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from geoalchemy2 import Geography
from psycopg.types.json import Jsonb
from sqlalchemy import cast, func, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from editorial import ViolationMessages
from editorial.errors import N_
from regions import audit, site, standards, timing, webhooks
from regions.actors import Actor
from regions.db import UnitOfWork, read_later, versioned
from regions.errors import Conflict, InvalidInput, PermissionDenied
from regions.geotags import require_territory
from regions.models import AuditEvent, Comment, Post, PostStatus
from regions.posts import draft_later, get_post, lock_post, store_report
from regions.workflow import REGIONAL_LEAD, Action, next_state

ACTIVE_STATES = (PostStatus.SUBMITTED, PostStatus.CHANGES_REQUESTED, PostStatus.APPROVED,
                 PostStatus.SCHEDULED, PostStatus.PUBLISHED)
MAX_COMMENT = 5000


class StaleVersion(Conflict):
    """The post changed since the caller loaded it."""

    code = "conflict.stale"


class ValidationFailed(InvalidInput):
    """The post breaks error-severity rules of its template: the report says where and why."""

    code = "post.validation_failed"


def check_version(post: Post, expected_version: int) -> None:
    """Refuse to act on a post that changed since the caller loaded it (409)."""
    if post.version != expected_version:
        raise StaleVersion(
            "This post changed since you loaded it: reload it and decide again.",
            params={"expected": expected_version, "current": post.version},
            errors={"version": [N_("Current version is {current}.", current=post.version)]},
        )


def text_diff(before: str, after: str) -> str:
    """A unified diff of two texts (empty when equal), for the audit trail."""
    if before == after:
        return ""
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), "before", "after",
                                 lineterm="", n=1)
    return "\n".join(lines)


def validate_for_submission(session: Session, post: Post, *, messages: ViolationMessages,
                            now: datetime | None = None, loaded: bool = False) -> None:
    """Validate against the post's template version; errors block (422 with the report).

    The report is kept with its messages rendered by ``messages``. Its reads go in one round
    trip, with any the caller queued (``regions.db.read_later``). ``loaded``: the report is
    kept as if loaded (``posts.store_report``).
    """
    moment = now or datetime.now().astimezone()
    report, charter_id = standards.check_draft(session, post.template_version_id,
                                               draft_later(session, post), now=moment)
    store_report(post, report, charter_id, messages, loaded=loaded)
    if not report.ok:
        raise ValidationFailed(
            f"The post breaks {report.counts['error']} rule(s) of its template.",
            params={"errors": report.counts["error"]},
            errors={"report": post.report},
        )


class SelfApproval(PermissionDenied):
    """The approver wrote or edited the post, and the admin setting does not allow that."""

    code = "review.self_approval"


# Plain SQL, so that it rides with an approval's other reads (``regions.db.read_later``).
_EDITORS = ("SELECT actor_id FROM audit_events WHERE subject_type = 'post' "
            "AND subject_id = %(post_id)s AND action IN ('post.created', 'post.edited') "
            "AND actor_id IS NOT NULL")


def writers_later(session: Session, post: Post) -> Callable[[], set[int]]:
    """Who wrote the post (its author and every editor of its content), read with the next read."""
    rows = read_later(session, _EDITORS, {"post_id": post.id})
    return lambda: {post.author_id, *(row[0] for row in rows())}


def writers_of(session: Session, post: Post) -> set[int]:
    """Who wrote the post: its author and everyone who edited its content."""
    return writers_later(session, post)()


def separation_of_duties_later(session: Session, actor: Actor, post: Post
                               ) -> Callable[[], dict[str, Any]]:
    """Refuse an approval by one of the post's writers unless an admin allows it.

    The writers are read with the session's next read; the returned function checks, then
    gives what the audit event of the approval records: the author, and whether the approver
    approved their own work (only ever true when the setting allows it).
    """
    writers = writers_later(session, post)

    def check() -> dict[str, Any]:
        own = actor.user_id in writers()
        if own and not site.current(session).allow_self_approval:
            raise SelfApproval("You wrote or edited this post: someone else must approve it.",
                               params={"post_id": post.id})
        return {"author_id": post.author_id, "self_approved": own}

    return check


def approval_refused(session: Session, actor: Actor, posts: list[Post]) -> set[int]:
    """Which of ``posts`` waiting for review the actor may not approve as one of its writers.

    One query for a whole page of posts, so lists can drop ``approve`` from their actions.
    """
    waiting = [post.id for post in posts if post.status == PostStatus.SUBMITTED]
    may_review = actor.is_central or actor.role == REGIONAL_LEAD
    if not waiting or not may_review or site.current(session).allow_self_approval:
        return set()
    authored = select(Post.id).where(Post.id.in_(waiting), Post.author_id == actor.user_id)
    edited = select(AuditEvent.subject_id).where(
        AuditEvent.subject_type == "post", AuditEvent.subject_id.in_(waiting),
        AuditEvent.action.in_(("post.created", "post.edited")),
        AuditEvent.actor_id == actor.user_id)
    return {post_id for post_id in session.scalars(authored.union(edited)) if post_id}


# A decision's UPDATE of the post, sent with its audit event and the COMMIT (one round trip).
# The version is checked again as the ORM does (``regions.db.versioned``), though the post is
# locked and checked since it was loaded; ``updated_at`` comes back for the answer.
_DECIDED = ("UPDATE posts SET status = %(status)s::post_status, report = %(report)s, "
            "has_warnings = %(has_warnings)s, charter_version_id = %(charter_version_id)s, "
            f"updated_at = now(), {versioned('version', '%(version)s')} "
            "WHERE id = %(id)s RETURNING updated_at")


def _update_at_commit(uow: UnitOfWork, post: Post, target: PostStatus) -> None:
    """Queue the decision's UPDATE of the post for the COMMIT; the object shows its result.

    The post in the session takes the new values as if loaded (nothing left for the ORM to
    flush: its report too, ``validate_for_submission(loaded=True)``), ``updated_at`` once the
    UPDATE has answered.
    """
    values = {"status": target.value, "report": Jsonb(post.report),
              "has_warnings": post.has_warnings, "charter_version_id": post.charter_version_id,
              "version": post.version, "id": post.id}
    set_committed_value(post, "status", target)
    set_committed_value(post, "version", post.version + 1)
    uow.write_at_commit(_DECIDED, values, returned=lambda rows: set_committed_value(
        post, "updated_at", rows[0][0]))


def _decide(uow: UnitOfWork, actor: Actor, post_id: int, action: Action, *,
            expected_version: int, comment: str | None = None, lead_can_approve: bool = False,
            check: Callable[[Post], dict[str, Any] | None] | None = None,
            connected: Callable[[], bool] | None = None) -> Post:
    """Take a decision on a post.

    ``check`` (a submission's validation, an approval's timing) runs once the decision's
    reads are queued; what it returns goes into the decision's audit event.
    ``connected`` (an approval): whether the territory has a Facebook Page; the post is then
    scheduled in the same UPDATE, with its publication. Other decisions write nothing after
    the post: its UPDATE and the audit event ride with the COMMIT (``write_at_commit``); should
    the caller write again, they are sent first, at that write's flush, so the order holds.
    """
    post = lock_post(uow.session, actor, post_id)  # with the reads the caller queued
    require_territory(actor, post.territory_id)
    check_version(post, expected_version)
    target = next_state(post.status, action, actor.role, lead_can_approve=lead_can_approve)
    # What the decision reads goes in one round trip: each read is queued, then the first
    # answer asked for carries them all (with any the caller queued).
    subscribers = webhooks.subscribers_later(uow.session, webhooks.EVENTS.get(target))
    duties = (separation_of_duties_later(uow.session, actor, post)
              if action == Action.APPROVE else (lambda: {}))
    found = check(post) if check is not None else None
    checked = {**duties(), **(found or {})}
    if post.status == PostStatus.SCHEDULED and action == Action.WITHDRAW:
        from regions.publishing.outbox import cancel_pending

        cancel_pending(uow, post)
    if comment:
        add_comment(uow, actor, post, comment)
    # The map's counts and counter move at commit (migrations 0014, 0016): the post's UPDATE
    # locks no row that another decision needs.
    previous = post.status
    data = {"from": previous.value, "to": target.value, "comment": comment,
            "warnings": post.report.get("counts", {}).get("warning", 0), **checked}
    if connected is None:
        _update_at_commit(uow, post, target)
    else:
        post.status, post.updated_at = target, func.now()
    with uow.session.no_autoflush:
        if connected is not None:
            audit.record(uow.session, actor.user_id, f"post.{action.value}", "post", post.id,
                         data)
        webhooks.enqueue(uow.session, target, post, subscribers)
    if connected is not None:
        from regions.publishing.outbox import schedule_if_connected

        # Scheduled at once when there is a Page: one UPDATE of the post, flushed with the
        # publication (and the approval's audit event before them).
        schedule_if_connected(uow, post, connected)
        uow.flush()
        return post
    uow.flush()  # webhook deliveries, if any; then the UPDATE and the event go with the COMMIT
    audit.record_at_commit(uow, actor.user_id, f"post.{action.value}", "post", post.id, data)
    return post


def submit_post(uow: UnitOfWork, actor: Actor, post_id: int, *, expected_version: int,
                messages: ViolationMessages, now: datetime | None = None) -> Post:
    """Send a post to the central desk; error-severity violations block it.

    ``messages`` renders the stored report (the service's ``ViolationMessages``).
    """
    return _decide(uow, actor, post_id, Action.SUBMIT, expected_version=expected_version,
                   check=lambda post: validate_for_submission(
                       uow.session, post, messages=messages, now=now, loaded=True))


def approve_post(uow: UnitOfWork, actor: Actor, post_id: int, *, expected_version: int,
                 comment: str | None = None, lead_can_approve: bool = False,
                 now: datetime | None = None) -> Post:
    """Approve a submitted post as it was when the reviewer loaded it (else 409).

    A post without a date goes out at ``now`` (the approval) if its template's hours, days
    and window allow it, else at the next moment they do (its ``publish_at``, set here);
    none left is a 409 (``timing.NoAllowedMoment``). A link or medium that is not an http(s)
    address is a 422 on its field (decision 0054).
    """
    from regions.publishing.outbox import connected_later

    connected = connected_later(uow.session, post_id)  # rides with the decision's reads
    moment = now or datetime.now().astimezone()

    def check(post: Post) -> dict[str, Any]:
        timing.refuse_unpublishable_addresses(post)
        if post.publish_at is not None:
            return {}
        return timing.schedule_on_approval(post, timing.timing_later(uow.session, post)(moment))

    return _decide(uow, actor, post_id, Action.APPROVE, expected_version=expected_version,
                   comment=comment, lead_can_approve=lead_can_approve, connected=connected,
                   check=check)


def _require_comment(comment: str | None) -> str:
    if not comment or not comment.strip():
        raise InvalidInput("Say what should change: a comment is required.",
                           errors={"comment": [N_("Required.")]})
    return comment.strip()


def request_changes(uow: UnitOfWork, actor: Actor, post_id: int, *, expected_version: int,
                    comment: str | None, lead_can_approve: bool = False) -> Post:
    """Send a post back to its authors with a comment."""
    return _decide(uow, actor, post_id, Action.REQUEST_CHANGES,
                   expected_version=expected_version, comment=_require_comment(comment),
                   lead_can_approve=lead_can_approve)


def reject_post(uow: UnitOfWork, actor: Actor, post_id: int, *, expected_version: int,
                comment: str | None) -> Post:
    """Refuse a post for good, with the reason."""
    return _decide(uow, actor, post_id, Action.REJECT, expected_version=expected_version,
                   comment=_require_comment(comment))


def withdraw_post(uow: UnitOfWork, actor: Actor, post_id: int, *, expected_version: int
                  ) -> Post:
    """The authors take a post back."""
    return _decide(uow, actor, post_id, Action.WITHDRAW, expected_version=expected_version)


def add_comment(uow: UnitOfWork, actor: Actor, post: Post, body: str) -> Comment:
    """Comment on a post the actor can see and act on."""
    body = body.strip()
    if not body or len(body) > MAX_COMMENT:
        raise InvalidInput("A comment has 1 to 5000 characters.",
                           errors={"body": [N_("1 to {max} characters.", max=MAX_COMMENT)]})
    comment = Comment(post_id=post.id, author_id=actor.user_id, body=body)
    uow.session.add(comment)
    uow.flush()
    audit.record(uow.session, actor.user_id, "post.commented", "post", post.id,
                 {"comment_id": comment.id, "body": body})
    return comment


def comment_on_post(uow: UnitOfWork, actor: Actor, post_id: int, body: str) -> Comment:
    """Comment on a post of the actor's territories (any post, for the desk)."""
    post = get_post(uow.session, actor, post_id)
    require_territory(actor, post.territory_id)
    return add_comment(uow, actor, post, body)


def comments_on(session: Session, post_id: int) -> list[Comment]:
    """A post's comments, oldest first."""
    return list(session.scalars(select(Comment).where(Comment.post_id == post_id)
                                .order_by(Comment.id)))


@dataclass(frozen=True, slots=True)
class AudienceConflict:
    """Another post whose local audience overlaps this one's, close in time."""

    post_id: int
    territory_id: int
    status: str
    publish_at: datetime | None
    overlap_km2: float
    overlap_geojson: dict[str, Any]


def conflicts_for(session: Session, post: Post, actor: Actor, *, window_hours: int
                  ) -> list[AudienceConflict]:
    """Posts the actor may see whose audiences intersect this one's, close in time.

    The desk sees every conflict; a regional user sees those with posts it may see (its
    territories' and published ones), so another region's drafts do not leak through here.
    """
    return conflicts_for_posts(session, [post], actor, window_hours=window_hours).get(post.id, [])


def conflicts_for_posts(session: Session, posts: list[Post], actor: Actor, *, window_hours: int
                        ) -> dict[int, list[AudienceConflict]]:
    """The audience conflicts of a page of posts, in one query: post id → its conflicts.

    Posts without an audience or a publication time have none (and are not asked about).
    """
    asked = [p.id for p in posts if p.audience_geom is not None and p.publish_at is not None]
    if not asked:
        return {}
    other = aliased(Post)
    window = timedelta(hours=window_hours)
    overlap = func.ST_Intersection(Post.audience_geom, other.audience_geom)
    query = (
        select(Post.id, other.id, other.territory_id, other.status, other.publish_at,
               func.ST_Area(cast(overlap, Geography)) / 1e6, func.ST_AsGeoJSON(overlap, 5))
        .join(other, func.ST_Intersects(Post.audience_geom, other.audience_geom))
        .where(Post.id.in_(asked), other.id != Post.id, other.status.in_(ACTIVE_STATES),
               other.publish_at.between(Post.publish_at - window, Post.publish_at + window))
        .order_by(Post.id, other.publish_at, other.id)
    )
    if not actor.is_central:
        query = query.where(other.territory_id.in_(actor.territory_ids or {0})
                            | (other.status == PostStatus.PUBLISHED))
    found: dict[int, list[AudienceConflict]] = {}
    for r in session.execute(query):
        if r[5] > 0:
            found.setdefault(r[0], []).append(AudienceConflict(
                r[1], r[2], r[3].value, r[4], round(float(r[5]), 3), json.loads(r[6])))
    return found
