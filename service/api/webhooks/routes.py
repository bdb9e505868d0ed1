"""Webhooks: signed post lifecycle events sent to configured URLs, with a delivery log."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from regions import webhooks
from service.api.common import Blueprint
from service.api.webhooks.schemas import DeliverySchema, WebhookCreateArgs, WebhookSchema
from service.auth import current_actor
from service.publishing import token_cipher, webhook_targets
from service.runtime import settings, unit_of_work

blp = Blueprint("webhooks", __name__, url_prefix="/api/webhooks",
                description="Post lifecycle events to your systems, signed with HMAC-SHA256.")


@blp.route("")
class Webhooks(MethodView):
    """Endpoints."""

    @blp.response(200, WebhookSchema(many=True))
    def get(self) -> list[Any]:
        """List endpoints (admins; secrets are never shown again)."""
        actor = current_actor()
        with unit_of_work() as uow:
            return [{k: getattr(e, k) for k in ("id", "url", "events", "active", "created_at")}
                    for e in webhooks.list_endpoints(uow.session, actor)]

    @blp.arguments(WebhookCreateArgs)
    @blp.response(201, WebhookSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Register an endpoint; the answer holds its signing secret, this once.

        The URL must lead to public addresses (not loopback, private, link-local…) unless its
        network is listed in RELAIS_WEBHOOK_ALLOWED_NETWORKS; it is checked again at each
        delivery. Each delivery is a JSON POST with `X-Relais-Event` and `X-Relais-Signature:
        t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>`; non-2xx answers
        are retried with exponential backoff (8 attempts).
        """
        actor = current_actor()
        with unit_of_work() as uow:
            endpoint, secret = webhooks.create_endpoint(
                uow, actor, url=args["url"], events=args["events"],
                cipher=token_cipher(settings()), targets=webhook_targets(settings()))
            uow.commit()
            return {"id": endpoint.id, "url": endpoint.url, "events": endpoint.events,
                    "active": endpoint.active, "created_at": endpoint.created_at,
                    "secret": secret}


@blp.route("/<int:endpoint_id>")
class WebhookById(MethodView):
    """One endpoint."""

    @blp.response(204)
    def delete(self, endpoint_id: int) -> None:
        """Remove an endpoint and its delivery log (admins)."""
        actor = current_actor()
        with unit_of_work() as uow:
            webhooks.delete_endpoint(uow, actor, endpoint_id)
            uow.commit()


@blp.route("/<int:endpoint_id>/deliveries")
class Deliveries(MethodView):
    """The delivery log."""

    @blp.response(200, DeliverySchema(many=True))
    def get(self, endpoint_id: int) -> list[Any]:
        """An endpoint's deliveries, newest first (admins)."""
        actor = current_actor()
        with unit_of_work() as uow:
            return webhooks.deliveries(uow.session, actor, endpoint_id)
