"""The copy sweep: find copies of Relais's own recent posts on a Page, delete them, audit it.

Facebook may store a post whose publish call timed out later than any lookup could wait
(decision 0018). Such a late store is a second copy of a post Relais already published (it
adopted or published another one meanwhile). The sweep lists each Page that has recent
publications with an uncertain publish call (once per Page), and looks, for each of them, for
posts with the same text since its first call whose id no publication holds; it deletes
each, lists the deletion among the publication's attempts (with when Facebook stored the
copy, which widens the settle window of later lookups) and records ``post.copy_removed`` in
the audit trail.

No transaction is open during a Graph call. A text that another publication of the same Page
is still publishing is skipped this round: its copy may be that publication's own post.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select

from regions import audit
from regions.db import SessionFactory, UnitOfWork
from regions.models import PageConnection, Post, Publication, PublicationAttempt
from regions.publishing import claims
from regions.publishing.graph import CLOCK_SKEW_ALLOWANCE, GraphClient, GraphPost, same_text
from regions.publishing.graph_errors import GraphError, InvalidParameter, RateLimited
from regions.publishing.page_tokens import TokenCipher

log = logging.getLogger("relais.copies")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A live publication an unanswered call may have copied (token hidden in repr)."""

    publication_id: int
    post_id: int
    territory_id: int
    text: str
    page_id: str
    token: str = field(repr=False)
    since: datetime
    kept: str


def _candidates(uow: UnitOfWork, cipher: TokenCipher, now: datetime, horizon: timedelta
                ) -> list[Candidate]:
    uncertain = exists().where(
        PublicationAttempt.publication_id == Publication.id,
        PublicationAttempt.kind == "publish",
        or_(PublicationAttempt.outcome.in_(("no_answer", "error")),
            PublicationAttempt.outcome.is_(None)))
    rows = uow.session.execute(
        select(Publication, Post, PageConnection)
        .join(Post, Post.id == Publication.post_id)
        .join(PageConnection, PageConnection.territory_id == Post.territory_id)
        .where(Publication.graph_post_id.is_not(None), Publication.first_attempt_at.is_not(None),
               Publication.first_attempt_at > now - horizon, uncertain, ~claims.held(now))
        .order_by(Publication.id))
    found = []
    for publication, post, connection in rows:
        try:
            token = cipher.decrypt(connection.token_ciphertext)
        except Exception:  # an unreadable token is reported by the publisher, not here
            continue
        assert publication.graph_post_id is not None and publication.first_attempt_at
        found.append(Candidate(publication.id, post.id, post.territory_id, post.text,
                               connection.page_id, token, publication.first_attempt_at,
                               publication.graph_post_id))
    return found


def _still_publishing(uow: UnitOfWork, candidate: Candidate) -> bool:
    """Another publication of the same Page and text is queued or in flight."""
    return uow.session.scalar(select(Publication.id).join(Post, Post.id == Publication.post_id)
                              .where(Post.territory_id == candidate.territory_id,
                                     Post.text == candidate.text,
                                     Publication.status.in_(("queued", "in_flight")))
                              .limit(1)) is not None


def _held_ids(uow: UnitOfWork, ids: list[str]) -> set[str]:
    return set(uow.session.scalars(select(Publication.graph_post_id).where(
        Publication.graph_post_id.in_(ids))))


def sweep_copies(sessions: SessionFactory, graph: GraphClient, cipher: TokenCipher, *,
                 clock: Callable[[UnitOfWork], datetime], horizon: timedelta) -> int:
    """Delete the copies of recent Relais posts found on their Pages; return how many.

    One listing per Page (back to its oldest candidate), not one per post; a throttled Page
    or app is left for the next sweep.
    """
    with UnitOfWork(sessions) as uow:
        now = clock(uow)
        candidates = _candidates(uow, cipher, now, horizon)
    by_page: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_page[candidate.page_id].append(candidate)
    removed = 0
    for page_id, group in by_page.items():
        since = min(c.since for c in group) - CLOCK_SKEW_ALLOWANCE
        try:
            listed = list(graph.list_posts(page_id, group[0].token, since))
            for candidate in group:
                removed += _sweep_one(sessions, graph, candidate, listed, clock)
        except RateLimited as exc:  # the publisher holds the scope; the sweep waits too
            log.info("copy sweep of Page %s throttled (%s)", page_id, exc.code)
            if exc.scope == "app":
                break
        except GraphError as exc:  # the next sweep tries again
            log.warning("copy sweep of Page %s: %s", page_id, exc.code)
    return removed


def _sweep_one(sessions: SessionFactory, graph: GraphClient, candidate: Candidate,
               listed: list[GraphPost], clock: Callable[[UnitOfWork], datetime]) -> int:
    floor = candidate.since - CLOCK_SKEW_ALLOWANCE
    matches = [post for post in listed if same_text(post.message, candidate.text)
               and (post.created_time is None or post.created_time >= floor)]
    if all(m.id == candidate.kept for m in matches):
        return 0
    with UnitOfWork(sessions) as uow:
        if _still_publishing(uow, candidate):
            return 0
        held = _held_ids(uow, [m.id for m in matches])
    removed = 0
    for copy in (m for m in matches if m.id not in held):
        with UnitOfWork(sessions) as uow:
            started = clock(uow)
            if _still_publishing(uow, candidate) or _held_ids(uow, [copy.id]):
                continue
        try:
            graph.delete_post(copy.id, candidate.token)
        except InvalidParameter:
            pass  # already gone (another sweep, or a person): the goal is reached
        with UnitOfWork(sessions) as uow:
            _record_removal(uow, candidate, copy, started, clock(uow))
            uow.commit()
        removed += 1
        log.warning("publication %s: removed copy %s of %s from Page %s",
                    candidate.publication_id, copy.id, candidate.kept, candidate.page_id)
    return removed


def _record_removal(uow: UnitOfWork, candidate: Candidate, copy: GraphPost, started: datetime,
                    now: datetime) -> None:
    publication = uow.session.get(Publication, candidate.publication_id)
    assert publication is not None
    if copy.created_time is not None:
        claims.note_landing(uow.session, candidate.post_id, copy.created_time)
    uow.session.add(PublicationAttempt(
        publication_id=publication.id, claim=publication.attempts, kind="remove_copy",
        started_at=started, answered_at=now, outcome="ok", graph_post_id=copy.id,
        detail=f"Copy of {candidate.kept} stored late by Facebook: deleted.",
        landed_at=copy.created_time))
    audit.record(uow.session, None, "post.copy_removed", "post", candidate.post_id, {
        "facebook_post_id": candidate.kept, "removed": copy.id, "page_id": candidate.page_id,
        "copy_created_time": copy.created_time.isoformat() if copy.created_time else None})
