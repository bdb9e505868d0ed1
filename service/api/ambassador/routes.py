"""An ambassador's own routes: join, the charter, my kits, sharing, my figures, leaving."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import request
from flask.views import MethodView

from regions import accounts, ambassadors, amplification, kits, standards, teams
from regions.models import Share, ShareKit
from regions.reports import report_to_dict
from service.api.ambassador.schemas import (
    AcceptArgs,
    CharterTextSchema,
    ChoicesArgs,
    JoinArgs,
    JoinedSchema,
    LeaderboardRowSchema,
    MyKitSchema,
    ProfileSchema,
    ShareSchema,
    TextArgs,
)
from service.api.common import Blueprint
from service.api.templates.schemas import DryRunReportSchema
from service.auth import current_actor
from service.runtime import reading, settings, unit_of_work, violation_messages

blp = Blueprint("ambassador", __name__, url_prefix="/api/ambassador",
                description="An ambassador's own routes: kits to share, the charter, leaving.")


def public_base() -> str:
    """The address links are built on: RELAIS_PUBLIC_URL, else this request's."""
    return (settings().public_url or request.url_root).rstrip("/") + "/"


def share_view(share: Share, kit: ShareKit) -> dict[str, Any]:
    """A share with its short link and the network's share address."""
    short = f"{public_base()}s/{share.code}"
    return {"id": share.id, "kit_id": share.kit_id, "network": share.network,
            "text": share.text, "code": share.code, "short_url": short,
            "created_at": share.created_at,
            "share_url": kits.share_address(share.network, short, share.text or "", kit.title)}


def profile_view(uow: Any, actor: Any) -> dict[str, Any]:
    """The ambassador's profile, charter status and figures."""
    profile = ambassadors.get_profile(uow.session, actor)
    status = ambassadors.charter_status(uow.session, profile)
    user = accounts.get_user(uow, actor.user_id)
    return {
        "user_id": user.id, "display_name": user.display_name, "joined_at": profile.joined_at,
        "territory_ids": teams.member_territory_ids(uow.session, user.id),
        "on_leaderboard": profile.on_leaderboard, "wants_digest": profile.wants_digest,
        "charter": {"current_number": status.current.number if status.current else 0,
                    "accepted_number": status.accepted_number,
                    "accepted_at": status.accepted_at, "up_to_date": status.up_to_date},
        **amplification.my_figures(uow.session, actor),
    }


@blp.route("/join")
class Join(MethodView):
    """Accept an invitation."""

    @blp.doc(security=[])
    @blp.arguments(JoinArgs)
    @blp.response(201, JoinedSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Create my ambassador account from an invitation (no credentials: the link is them)."""
        now = datetime.now(UTC)
        with unit_of_work() as uow:
            user = ambassadors.join(uow, args["token"], email=args["email"],
                                    display_name=args["display_name"],
                                    password=args["password"], language=args["language"],
                                    now=now)
            issued = accounts.issue_token(uow, accounts.load_actor(user), user_id=user.id,
                                          name="ambassador",
                                          expires_in_days=settings().token_default_days)
            uow.commit()
            return {"user_id": user.id, "email": user.email, "display_name": user.display_name,
                    "territory_ids": teams.member_territory_ids(uow.session, user.id),
                    "token": issued.plaintext}


@blp.route("")
class Me(MethodView):
    """My ambassador profile."""

    @blp.response(200, ProfileSchema)
    def get(self) -> dict[str, Any]:
        """My profile, where I stand with the charter, and my shares and clicks."""
        with reading() as uow:
            return profile_view(uow, current_actor(uow))

    @blp.arguments(ChoicesArgs)
    @blp.response(200, ProfileSchema)
    def patch(self, args: dict[str, Any]) -> dict[str, Any]:
        """Change my choices: appear on the leaderboard, receive the daily digest."""
        actor = current_actor()
        with unit_of_work() as uow:
            ambassadors.set_choices(uow, actor, on_leaderboard=args.get("on_leaderboard"),
                                    wants_digest=args.get("wants_digest"))
            uow.commit()
            return profile_view(uow, actor)

    @blp.response(204)
    def delete(self) -> None:
        """Leave: my personal tracking data is erased, anonymous totals stay; my account ends."""
        actor = current_actor()
        with unit_of_work() as uow:
            ambassadors.leave(uow, actor)
            uow.commit()


@blp.route("/charter")
class Charter(MethodView):
    """The charter I accept."""

    @blp.response(200, CharterTextSchema)
    def get(self) -> dict[str, Any]:
        """The current charter version (number 0 and no rules until the desk writes one)."""
        with reading() as uow:
            ambassadors.get_profile(uow.session, current_actor(uow))
            row = standards.current_charter(uow.session)
            if row is None:
                return {"number": 0, "created_at": None, "data": {"version": 0, "rules": []}}
            return {"number": row.number, "created_at": row.created_at, "data": row.data}


@blp.route("/charter/accept")
class AcceptCharter(MethodView):
    """Accept the charter."""

    @blp.arguments(AcceptArgs)
    @blp.response(200, ProfileSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Accept the current charter version (recorded with its date); 409 if it changed."""
        actor = current_actor()
        with unit_of_work() as uow:
            ambassadors.accept_charter(uow, actor, number=args["number"],
                                       now=datetime.now(UTC))
            uow.commit()
            return profile_view(uow, actor)


@blp.route("/kits")
class MyKits(MethodView):
    """The kits for me."""

    @blp.response(200, MyKitSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """Open kits sent to my territories, newest first, with what I shared of each."""
        with reading() as uow:
            actor = current_actor(uow)
            found = kits.kits_for_ambassador(uow.session, actor, now=datetime.now(UTC))
            shared = kits.my_shares(uow.session, actor, [k.id for k in found])
            return [{**{name: getattr(kit, name) for name in (
                "id", "title", "link", "suggestions", "image_url", "image_alt", "networks",
                "ends_at", "created_at")},
                "shares": [share_view(s, kit) for s in shared[kit.id]]} for kit in found]


@blp.route("/kits/<int:kit_id>/check")
class CheckText(MethodView):
    """Live validation of my text."""

    @blp.arguments(TextArgs)
    @blp.response(200, DryRunReportSchema)
    def post(self, args: dict[str, Any], kit_id: int) -> dict[str, Any]:
        """Validate my text against the charter as I type (saves nothing)."""
        with reading() as uow:
            report = kits.try_text(uow.session, current_actor(uow), kit_id, text=args["text"],
                                   network=args["network"], now=datetime.now(UTC))
            return {**report_to_dict(report, violation_messages()), "autofix": None}


@blp.route("/kits/<int:kit_id>/shares")
class Shares(MethodView):
    """Share a kit."""

    @blp.arguments(TextArgs)
    @blp.response(201, ShareSchema)
    def post(self, args: dict[str, Any], kit_id: int) -> dict[str, Any]:
        """Record my share: returns my short link and the network's share address to open.

        Refused while the current charter is not accepted (409) or when the text breaks it
        (422 ``kit.text_invalid``, the report in ``errors.text``).
        """
        actor = current_actor()
        with unit_of_work() as uow:
            share = kits.share(uow, actor, kit_id, text=args["text"], network=args["network"],
                               now=datetime.now(UTC), messages=violation_messages())
            kit = kits.get_kit(uow.session, actor, kit_id)
            uow.commit()
            return share_view(share, kit)


@blp.route("/leaderboard")
class Leaderboard(MethodView):
    """Ambassadors who chose to appear."""

    @blp.response(200, LeaderboardRowSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """The top ambassadors of my territories by clicks (only those who opted in)."""
        with reading() as uow:
            return amplification.leaderboard(uow.session, current_actor(uow))
