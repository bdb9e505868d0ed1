"""Share kits for ambassadors, invitations, and what ambassadors add (amplification)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask.views import MethodView

from regions import ambassadors, amplification, kits
from regions.kits import KitDraft
from regions.models import ShareKit
from service.api.ambassador.routes import public_base
from service.api.common import Blueprint
from service.api.kits.schemas import (
    AmplificationArgs,
    AmplificationSchema,
    InvitationArgs,
    InvitationSchema,
    KitCreateArgs,
    KitListArgs,
    KitSchema,
)
from service.auth import current_actor
from service.runtime import reading, settings, unit_of_work, violation_messages

blp = Blueprint("kits", __name__, url_prefix="/api",
                description="Share kits for ambassadors, invitations and amplification.")


def kit_views(uow: Any, actor: Any, items: list[ShareKit]) -> list[dict[str, Any]]:
    """Kits with their recipients and figures (two queries for any number)."""
    sent_to = kits.recipients(uow.session, [k.id for k in items])
    figures = amplification.by_kit(uow.session, actor, [k.id for k in items])
    return [{**{name: getattr(kit, name) for name in (
        "id", "title", "post_id", "campaign_id", "territory_id", "link", "suggestions",
        "image_url", "image_alt", "networks", "ends_at", "created_at", "withdrawn_at")},
        "neighbour_km": kits.float_km(kit.neighbour_km), "territory_ids": sent_to[kit.id],
        **figures[kit.id]} for kit in items]


@blp.route("/kits")
class Kits(MethodView):
    """Share kits."""

    @blp.arguments(KitListArgs, location="query")
    @blp.response(200, KitSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Kits, newest first (regional editors: those sent to their territories)."""
        with reading() as uow:
            actor = current_actor(uow)
            return kit_views(uow, actor, kits.list_kits(uow.session, actor, **args))

    @blp.arguments(KitCreateArgs)
    @blp.response(201, KitSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Publish a kit: each suggested text must pass the charter (422 with the report).

        It goes to the ambassadors of the post's territory (a campaign's: its targets) and,
        with ``neighbour_km``, of the territories within that distance; ``kit.published``
        webhooks fire.
        """
        actor = current_actor()
        draft = KitDraft(title=args["title"], suggestions=tuple(args["suggestions"]),
                         networks=tuple(dict.fromkeys(args["networks"])),
                         ends_at=args["ends_at"], post_id=args.get("post_id"),
                         campaign_id=args.get("campaign_id"), link=args.get("link"),
                         image_url=args.get("image_url"), image_alt=args.get("image_alt"),
                         neighbour_km=args.get("neighbour_km"))
        with unit_of_work() as uow:
            kit = kits.create_kit(uow, actor, draft, now=datetime.now(UTC),
                                  messages=violation_messages())
            uow.commit()
            return kit_views(uow, actor, [kit])[0]


@blp.route("/kits/<int:kit_id>")
class KitById(MethodView):
    """One kit."""

    @blp.response(200, KitSchema)
    def get(self, kit_id: int) -> dict[str, Any]:
        """A kit with its recipients, shares and clicks."""
        with reading() as uow:
            actor = current_actor(uow)
            return kit_views(uow, actor, [kits.get_kit(uow.session, actor, kit_id)])[0]


@blp.route("/kits/<int:kit_id>/withdraw")
class WithdrawKit(MethodView):
    """End a kit early."""

    @blp.no_body()
    @blp.response(200, KitSchema)
    def post(self, kit_id: int) -> dict[str, Any]:
        """Withdraw a kit: ambassadors no longer see it; links already shared keep working."""
        actor = current_actor()
        with unit_of_work() as uow:
            kit = kits.withdraw_kit(uow, actor, kit_id, now=datetime.now(UTC))
            uow.commit()
            return kit_views(uow, actor, [kit])[0]


@blp.route("/amplification")
class Amplification(MethodView):
    """What ambassadors add."""

    @blp.arguments(AmplificationArgs, location="query")
    @blp.response(200, AmplificationSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Kits, shares, clicks (by network and territory) beside the Page posts' engagement."""
        with reading() as uow:
            return amplification.summary(uow.session, current_actor(uow),
                                         amplification.Scope(**args))


def invitation_view(invitation: Any, token: str | None = None) -> dict[str, Any]:
    """An invitation; its link only when just created."""
    view = {name: getattr(invitation, name) for name in (
        "id", "territory_id", "email", "created_at", "expires_at", "used_at")}
    if token:
        view.update(token=token, url=f"{public_base()}ambassador/join/{token}")
    return view


@blp.route("/ambassador-invitations")
class Invitations(MethodView):
    """Invitations to be an ambassador."""

    @blp.response(200, InvitationSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """Invitations (admins: all; regional editors: their territories'), newest first."""
        with reading() as uow:
            return [invitation_view(i) for i in
                    ambassadors.list_invitations(uow.session, current_actor(uow))]

    @blp.arguments(InvitationArgs)
    @blp.response(201, InvitationSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Invite someone (admins, regional editors): a single-use link that expires."""
        actor = current_actor()
        with unit_of_work() as uow:
            issued = ambassadors.invite(uow, actor, territory_id=args["territory_id"],
                                        email=args.get("email"),
                                        valid_days=settings().ambassador_invitation_days,
                                        now=datetime.now(UTC))
            uow.commit()
            return invitation_view(issued.invitation, issued.token)
