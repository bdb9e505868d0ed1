"""Personal API tokens: issue (shown once), list, revoke."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from regions import accounts, site
from regions.models import ApiToken
from service.api.common import Blueprint
from service.api.tokens.schemas import IssuedTokenSchema, TokenCreateArgs, TokenSchema
from service.auth import current_actor
from service.runtime import settings, unit_of_work

blp = Blueprint("tokens", __name__, url_prefix="/api", description="Personal API tokens.")


@blp.route("/users/<int:user_id>/tokens")
class UserTokens(MethodView):
    """A user's tokens."""

    @blp.response(200, TokenSchema(many=True))
    def get(self, user_id: int) -> list[ApiToken]:
        """List a user's tokens (yourself, or anyone as an admin)."""
        actor = current_actor()
        with unit_of_work() as uow:
            return accounts.list_tokens(uow, actor, user_id)

    @blp.arguments(TokenCreateArgs)
    @blp.response(201, IssuedTokenSchema)
    def post(self, args: dict[str, Any], user_id: int) -> dict[str, Any]:
        """Issue a token; its secret is in this answer only.

        Its lifetime may not exceed the maximum an admin set (`GET /api/settings`); without
        `expires_in_days` it gets the default lifetime, within that maximum.
        """
        actor = current_actor()
        with unit_of_work() as uow:
            days = (args["expires_in_days"] if "expires_in_days" in args
                    else site.default_token_days(uow.session, settings().token_default_days))
            issued = accounts.issue_token(
                uow, actor, user_id=user_id, name=args["name"], expires_in_days=days
            )
            uow.commit()
            return {"token": issued.plaintext, **{
                name: getattr(issued.token, name) for name in TokenSchema().fields
            }}


@blp.route("/tokens/<int:token_id>")
class TokenById(MethodView):
    """One token."""

    @blp.response(204)
    def delete(self, token_id: int) -> None:
        """Revoke a token at once (yours, or anyone's as an admin)."""
        actor = current_actor()
        with unit_of_work() as uow:
            accounts.revoke_token(uow, actor, token_id)
            uow.commit()
