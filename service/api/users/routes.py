"""Users: the admin API, and ``/api/me`` for everyone."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from regions import accounts, teams, web_sessions
from regions.db import UnitOfWork
from regions.models import Role, User
from service.api.common import Blueprint
from service.api.users.schemas import (
    SignedOutSchema,
    SignOutArgs,
    UserCreateArgs,
    UserListArgs,
    UserSchema,
    UserUpdateArgs,
)
from service.auth import current_actor
from service.runtime import unit_of_work

blp = Blueprint("users", __name__, url_prefix="/api", description="Users and their roles.")


def user_view(uow: UnitOfWork, user: User,
              territory_ids: list[int] | None = None) -> dict[str, Any]:
    """A user with its direct territories, ready to dump."""
    return {
        "id": user.id, "email": user.email, "display_name": user.display_name,
        "role": user.role.value, "language": user.language, "is_active": user.is_active,
        "created_at": user.created_at,
        "territory_ids": (territory_ids if territory_ids is not None
                          else teams.member_territory_ids(uow.session, user.id)),
    }


@blp.route("/users")
class Users(MethodView):
    """The list of users."""

    @blp.arguments(UserListArgs, location="query")
    @blp.response(200, UserSchema(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """List users (admins), filtered by role or text, paginated."""
        actor = current_actor()
        with unit_of_work() as uow:
            role = Role(args["role"]) if "role" in args else None
            users, total = accounts.list_users(
                uow, actor, role=role, text=args.get("q"),
                offset=pagination_parameters.first_item, limit=pagination_parameters.page_size,
            )
            pagination_parameters.item_count = total
            territories = teams.member_territory_ids_by_user(uow.session, [u.id for u in users])
            return [user_view(uow, user, territories[user.id]) for user in users]

    @blp.arguments(UserCreateArgs)
    @blp.response(201, UserSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Create a user, optionally member of territories (admins)."""
        actor = current_actor()
        with unit_of_work() as uow:
            user = accounts.create_user(
                uow, actor, email=args["email"], display_name=args["display_name"],
                role=Role(args["role"]), password=args["password"], language=args["language"],
            )
            for territory_id in args["territory_ids"]:
                teams.add_member(uow, actor, user, territory_id)
            uow.commit()
            return user_view(uow, user)


@blp.route("/users/<int:user_id>")
class UserById(MethodView):
    """One user."""

    @blp.response(200, UserSchema)
    def get(self, user_id: int) -> dict[str, Any]:
        """Read a user (admins, or the user itself)."""
        actor = current_actor()
        if user_id != actor.user_id:
            actor.require(Role.ADMIN)
        with unit_of_work() as uow:
            return user_view(uow, accounts.get_user(uow, user_id))

    @blp.arguments(UserUpdateArgs)
    @blp.response(200, UserSchema)
    def patch(self, args: dict[str, Any], user_id: int) -> dict[str, Any]:
        """Change a user's name, role, password or activity (admins)."""
        actor = current_actor()
        with unit_of_work() as uow:
            user = accounts.update_user(
                uow, actor, user_id, role=Role(args["role"]) if "role" in args else None,
                display_name=args.get("display_name"), is_active=args.get("is_active"),
                password=args.get("password"),
            )
            uow.commit()
            return user_view(uow, user)


@blp.route("/users/<int:user_id>/sign-out-everywhere")
class SignOutEverywhere(MethodView):
    """End a user's browser sessions."""

    @blp.arguments(SignOutArgs)
    @blp.response(200, SignedOutSchema)
    def post(self, args: dict[str, Any], user_id: int) -> dict[str, int]:
        """Sign a user out of every browser at once (admins, or the user itself).

        Every session cookie of the user stops working on every route; with
        `revoke_tokens`, their API tokens are revoked too.
        """
        actor = current_actor()
        with unit_of_work() as uow:
            ended = web_sessions.sign_out_everywhere(uow, actor, user_id,
                                                     revoke_tokens=args["revoke_tokens"])
            uow.commit()
            return ended


@blp.route("/me")
class Me(MethodView):
    """The caller."""

    @blp.response(200, UserSchema)
    def get(self) -> dict[str, Any]:
        """Who am I: the authenticated user and its territories."""
        actor = current_actor()
        with unit_of_work() as uow:
            return user_view(uow, accounts.get_user(uow, actor.user_id))
