"""What people do to publications: retry a failed post, retract a published one."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from regions import audit
from regions.actors import Actor
from regions.db import UnitOfWork
from regions.errors import Conflict
from regions.geotags import require_territory
from regions.models import PageConnection, Post, Publication
from regions.posts import get_post
from regions.publishing.graph import GraphClient
from regions.publishing.graph_errors import GraphError, InvalidParameter
from regions.publishing.page_tokens import TokenCipher
from regions.workflow import Action, next_state


class PageNotConnected(Conflict):
    """The post's territory has no Facebook Page: connect one first."""

    code = "publishing.page_not_connected"


class RetractFailed(Conflict):
    """Facebook did not delete the post; the reason says why."""

    code = "publishing.retract_failed"


class RetractChanged(Conflict):
    """The post changed between reading it and archiving it (another person acted)."""

    code = "publishing.retract_changed"


def _connection(uow: UnitOfWork, post: Post) -> PageConnection:
    connection = uow.session.scalar(select(PageConnection).where(
        PageConnection.territory_id == post.territory_id))
    if connection is None:
        raise PageNotConnected("This territory has no Facebook Page: connect one first.",
                               params={"territory_id": post.territory_id})
    return connection


def retry_post(uow: UnitOfWork, actor: Actor, post_id: int) -> Publication:
    """Queue a failed post again (FAILED → SCHEDULED), after a person fixed the cause.

    The new publication inherits the earliest publish attempt of the post, so the worker
    first looks on the Page for a post an earlier attempt may have left there.
    """
    post = get_post(uow.session, actor, post_id, for_update=True)
    require_territory(actor, post.territory_id)
    target = next_state(post.status, Action.RETRY, actor.role)
    _connection(uow, post)
    earliest = uow.session.scalar(select(func.min(Publication.first_attempt_at)).where(
        Publication.post_id == post.id, Publication.graph_post_id.is_(None)))
    previous, post.status, post.failure_reason = post.status, target, None
    post.updated_at = func.now()
    publication = Publication(post_id=post.id, status="queued", first_attempt_at=earliest,
                              due_at=func.greatest(func.now(), post.publish_at))
    uow.session.add(publication)
    uow.flush()
    audit.record(uow.session, actor.user_id, "post.retry", "post", post.id,
                 {"from": previous.value, "to": target.value, "publication_id": publication.id})
    return publication


def retract_post(units: Callable[[], UnitOfWork], actor: Actor, post_id: int, *,
                 graph: GraphClient, cipher: TokenCipher) -> Post:
    """Delete a published post from its Page (central desk); the post is archived, audited.

    No transaction is open while Facebook is called: the first one checks the role and the
    state and reads the token, the call runs, the second one checks that nothing changed
    meanwhile and archives the post. Facebook deleting twice is harmless (a post it no longer
    knows counts as deleted), so two people retracting at once both end well.
    """
    with units() as uow:
        post = get_post(uow.session, actor, post_id)
        next_state(post.status, Action.RETRACT, actor.role)
        connection = _connection(uow, post)
        facebook_post_id = post.facebook_post_id
        token = cipher.decrypt(connection.token_ciphertext) if facebook_post_id else ""
    if facebook_post_id:
        try:
            graph.delete_post(facebook_post_id, token)
        except InvalidParameter:
            pass  # Facebook no longer knows the post: it is gone already, which is the goal
        except GraphError as exc:
            raise RetractFailed(f"Facebook did not delete the post: {exc.reason}",
                                params={"graph_code": exc.code},
                                errors={"graph": [exc.reason]}) from None
    with units() as uow:
        post = get_post(uow.session, actor, post_id, for_update=True)
        if post.facebook_post_id != facebook_post_id:
            raise RetractChanged("The post changed while it was being removed from Facebook: "
                                 "look at it again.", params={"post_id": post_id})
        target = next_state(post.status, Action.RETRACT, actor.role)
        previous, post.status = post.status, target
        post.updated_at = func.now()
        audit.record(uow.session, actor.user_id, "post.retracted", "post", post.id,
                     {"from": previous.value, "to": target.value,
                      "facebook_post_id": facebook_post_id})
        uow.commit()
        return post
