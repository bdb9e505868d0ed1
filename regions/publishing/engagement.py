"""The Page posts' own engagement, fetched from Graph for recent posts (a worker step).

Kept apart from publishing: it only reads Graph, one call per post, and writes one row of
``post_engagement`` per post (reactions, comments, shares, when fetched).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import nulls_first, select
from sqlalchemy.dialects.postgresql import insert

from regions.db import SessionFactory, UnitOfWork
from regions.models import PageConnection, Post, PostEngagement, PostStatus
from regions.publishing.graph import GraphClient
from regions.publishing.graph_errors import GraphError
from regions.publishing.page_tokens import TokenCipher, TokenUnreadable

log = logging.getLogger("relais.engagement")


def due_posts(session_factory: SessionFactory, *, now: datetime, days: int, stale: timedelta,
              limit: int) -> list[tuple[int, str, str, bytes]]:
    """(post, Graph post id, Page id, token ciphertext) of recent posts not fetched lately."""
    with UnitOfWork(session_factory) as uow:
        rows = uow.session.execute(
            select(Post.id, Post.facebook_post_id, PageConnection.page_id,
                   PageConnection.token_ciphertext)
            .join(PageConnection, PageConnection.territory_id == Post.territory_id)
            .outerjoin(PostEngagement, PostEngagement.post_id == Post.id)
            .where(Post.status == PostStatus.PUBLISHED, Post.facebook_post_id.is_not(None),
                   Post.published_at >= now - timedelta(days=days),
                   (PostEngagement.fetched_at.is_(None))
                   | (PostEngagement.fetched_at < now - stale))
            .order_by(nulls_first(PostEngagement.fetched_at.asc()), Post.id)
            .limit(limit))
        return [(row[0], row[1] or "", row[2], bytes(row[3])) for row in rows]


def refresh_engagement(session_factory: SessionFactory, graph: GraphClient,
                       cipher: TokenCipher, *, now: datetime, days: int,
                       stale: timedelta = timedelta(minutes=30), limit: int = 50) -> int:
    """Fetch the engagement of recent published posts; returns how many were refreshed.

    A post whose call fails keeps its last figures (it is tried again next round).
    """
    refreshed = 0
    for post_id, graph_id, _page, ciphertext in due_posts(
            session_factory, now=now, days=days, stale=stale, limit=limit):
        try:
            found = graph.get_engagement(graph_id, cipher.decrypt(ciphertext))
        except (GraphError, TokenUnreadable) as exc:
            log.info("engagement of post %s not fetched: %s", post_id, type(exc).__name__)
            continue
        values = {"reactions": found.reactions, "comments": found.comments,
                  "shares": found.shares, "fetched_at": now}
        with UnitOfWork(session_factory) as uow:
            statement = insert(PostEngagement).values(post_id=post_id, **values)
            uow.session.execute(statement.on_conflict_do_update(
                index_elements=[PostEngagement.post_id], set_=values))
            uow.commit()
        refreshed += 1
    return refreshed
