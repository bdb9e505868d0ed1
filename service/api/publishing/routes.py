"""Publishing: a territory's Facebook Page, retrying a failed post, retracting a published one."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask.views import MethodView
from sqlalchemy.orm import Session

from regions.models import PageConnection, Post
from regions.publishing import actions, connections
from regions.publishing.connections import PlaceSpec
from regions.publishing.history import publication_history
from service.api.common import Blueprint
from service.api.publishing.schemas import (
    ConnectionCheckSchema,
    PageConnectArgs,
    PageConnectionSchema,
    PublicationHistorySchema,
    PublicationStateSchema,
)
from service.auth import current_actor
from service.publishing import graph_client, token_cipher
from service.runtime import reading, settings, unit_of_work

blp = Blueprint("publishing", __name__, url_prefix="/api",
                description="Publishing to Facebook Pages: connections, retry, retract.")


def _connection_view(session: Session, territory_id: int, connection: PageConnection | None
                     ) -> dict[str, Any]:
    if connection is None:
        return {"territory_id": territory_id, "connected": False, "places": []}
    places = [{"place_id": p.place_id, "name": p.name, "lon": lon, "lat": lat,
               "radius_m": p.radius_m}
              for p, lon, lat in connections.places_of(session, territory_id)]
    fields = ("page_id", "page_name", "token_hint", "place_id", "checked_at", "check_ok",
              "check_error", "updated_at")
    return {"territory_id": territory_id, "connected": True, "places": places,
            **{name: getattr(connection, name) for name in fields}}


def _post_state(post: Post, due_at: Any = None) -> dict[str, Any]:
    return {"post_id": post.id, "status": post.status.value,
            "facebook_post_id": post.facebook_post_id, "permalink": post.permalink,
            "published_at": post.published_at, "due_at": due_at}


@blp.route("/territories/<int:territory_id>/page")
class TerritoryPage(MethodView):
    """A territory's Facebook Page."""

    @blp.response(200, PageConnectionSchema)
    def get(self, territory_id: int) -> dict[str, Any]:
        """The territory's Page connection, without its token (desk and territory members)."""
        actor = current_actor()
        with unit_of_work() as uow:
            found = connections.find_connection(uow.session, actor, territory_id)
            return _connection_view(uow.session, territory_id, found)

    @blp.arguments(PageConnectArgs)
    @blp.response(200, PageConnectionSchema)
    def put(self, args: dict[str, Any], territory_id: int) -> dict[str, Any]:
        """Connect the Page or rotate its token (central desk); approved posts get scheduled."""
        actor = current_actor()
        places = args.get("places")
        with unit_of_work() as uow:
            connection = connections.connect_page(
                uow, actor, territory_id, page_id=args["page_id"], token=args["token"],
                cipher=token_cipher(settings()), place_id=args["place_id"],
                places=[PlaceSpec(**place) for place in places] if places is not None else None)
            uow.commit()
            return _connection_view(uow.session, territory_id, connection)

    @blp.response(204)
    def delete(self, territory_id: int) -> None:
        """Disconnect the Page and forget its token (central desk); idempotent."""
        actor = current_actor()
        with unit_of_work() as uow:
            connections.disconnect_page(uow, actor, territory_id)
            uow.commit()


@blp.route("/territories/<int:territory_id>/page/check")
class TerritoryPageCheck(MethodView):
    """Check the Page connection against the Graph API."""

    @blp.no_body()
    @blp.response(200, ConnectionCheckSchema)
    def post(self, territory_id: int) -> dict[str, Any]:
        """Ask Facebook for the Page's name with the stored token; ok, or the reason."""
        actor = current_actor()
        graph = graph_client(settings())
        try:
            result = connections.check_connection(
                unit_of_work, actor, territory_id, graph=graph, cipher=token_cipher(settings()))
        finally:
            graph.close()
        return asdict(result)


@blp.route("/posts/<int:post_id>/retry")
class PostRetry(MethodView):
    """Publish a failed post again."""

    @blp.no_body()
    @blp.response(200, PublicationStateSchema)
    def post(self, post_id: int) -> dict[str, Any]:
        """Queue a failed post again once its cause is fixed (desk, or its regional editor)."""
        actor = current_actor()
        with unit_of_work() as uow:
            publication = actions.retry_post(uow, actor, post_id)
            uow.commit()
            post = uow.session.get(Post, post_id)
            assert post is not None
            return _post_state(post, publication.due_at)


@blp.route("/posts/<int:post_id>/retract")
class PostRetract(MethodView):
    """Take a published post off its Page."""

    @blp.no_body()
    @blp.response(200, PublicationStateSchema)
    def post(self, post_id: int) -> dict[str, Any]:
        """Delete the post on Facebook and archive it (central desk); audited."""
        actor = current_actor()
        graph = graph_client(settings())
        try:
            post = actions.retract_post(unit_of_work, actor, post_id, graph=graph,
                                        cipher=token_cipher(settings()))
        finally:
            graph.close()
        return _post_state(post)


@blp.route("/posts/<int:post_id>/publications")
class PostPublications(MethodView):
    """A post's publications and their Graph calls."""

    @blp.response(200, PublicationHistorySchema)
    def get(self, post_id: int) -> dict[str, Any]:
        """What was tried to publish the post, when, and Facebook's answers (desk, territory)."""
        actor = current_actor()
        with reading() as uow:
            history = publication_history(uow.session, actor, post_id)
            post = history.post
            return {"post_id": post.id, "status": post.status.value,
                    "facebook_post_id": post.facebook_post_id, "permalink": post.permalink,
                    "may_be_on_facebook": history.may_be_on_facebook,
                    "publications": [{**_fields_of(p), "calls": calls}
                                     for p, calls in history.publications]}


def _fields_of(publication: Any) -> dict[str, Any]:
    names = ("id", "status", "due_at", "attempts", "failures", "first_attempt_at",
             "finished_at", "last_error_code", "last_error", "graph_post_id")
    return {name: getattr(publication, name) for name in names}
