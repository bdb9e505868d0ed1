"""Ambassadors may call their own routes and what every signed-in person may: nothing else.

Checked once per request, when the actor is resolved (``service.auth.current_actor``), so a
new route is closed to ambassadors unless listed here: the safe default.
"""

from __future__ import annotations

from regions.actors import Actor
from regions.errors import PermissionDenied
from regions.models import Role

# Blueprint prefixes of ambassadors' own routes (API and pages).
OWN_PREFIXES = ("ambassador.", "web.ambassador.")
# What every signed-in person may do: who am I, my tokens, my account, the home page.
EVERYONE = frozenset({
    "users.Me", "tokens.UserTokens", "tokens.TokenById", "web.home.index", "web.auth.login",
    "web.auth.logout", "web.account.index", "web.account.language", "web.account.password",
    "web.account.create_token", "web.account.revoke_token", "web.account.sign_out_others",
})


def check(actor: Actor, endpoint: str | None) -> None:
    """Refuse an ambassador anything but their own routes and everyone's (403)."""
    if actor.role != Role.AMBASSADOR or endpoint is None:
        return
    if endpoint in EVERYONE or endpoint.startswith(OWN_PREFIXES):
        return
    raise PermissionDenied("Ambassadors may only use their own pages and routes.",
                           params={"roles": [r.value for r in Role if r != Role.AMBASSADOR]})
