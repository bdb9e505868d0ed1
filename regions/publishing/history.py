"""A post's publishing history for the desk: its publications and every Graph call they made."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from regions.actors import Actor
from regions.geotags import require_territory
from regions.models import Post, Publication, PublicationAttempt
from regions.posts import get_post
from regions.publishing.claims import may_be_on_facebook


@dataclass(frozen=True, slots=True)
class PublicationHistory:
    """Where a post stands on Facebook, and what was tried to get it there."""

    post: Post
    may_be_on_facebook: bool  # a publish call may have landed without Relais knowing its id
    publications: list[tuple[Publication, list[PublicationAttempt]]]


def publication_history(session: Session, actor: Actor, post_id: int) -> PublicationHistory:
    """Every publication of the post, newest first, each with its calls in order.

    For the desk and the post's territory, like the audit trail.
    """
    post = get_post(session, actor, post_id)
    require_territory(actor, post.territory_id)
    publications = list(session.scalars(select(Publication).where(
        Publication.post_id == post_id).order_by(Publication.id.desc())))
    calls: dict[int, list[PublicationAttempt]] = {p.id: [] for p in publications}
    for call in session.scalars(select(PublicationAttempt).where(
            PublicationAttempt.publication_id.in_(list(calls)))
            .order_by(PublicationAttempt.started_at, PublicationAttempt.id)):
        calls[call.publication_id].append(call)
    uncertain = post.facebook_post_id is None and may_be_on_facebook(session, post_id)
    return PublicationHistory(post, uncertain, [(p, calls[p.id]) for p in publications])
