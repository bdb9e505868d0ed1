"""Who is calling: a bearer token (API) or a browser session (web), resolved once a request."""

from __future__ import annotations

from flask import Flask, Request, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

from regions import accounts, web_sessions
from regions.actors import Actor
from regions.db import Reading, UnitOfWork
from regions.errors import AuthenticationFailed, AuthenticationRequired
from service import ambassador_gate
from service.runtime import reading

csrf = CSRFProtect()
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The signed cookie holds the secret of a server-side session (regions.web_sessions): the
# database says whether it is still live, so logging out really ends it.
SESSION_SECRET_KEY = "sid"


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with no signer built for a request without the cookie.

    API clients send a bearer token and no cookie: Flask would build the cookie's signer (key
    derivation, serializer check) on each of their requests to find nothing to verify.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """An empty session when there is no cookie (as Flask's); else Flask's own."""
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise AuthenticationFailed("Use `Authorization: Bearer <token>`.")
    return value.strip()


def _resolve_actor(uow: UnitOfWork | Reading, *, scope: bool) -> Actor:
    token = _bearer_token()
    if token is not None:
        return accounts.actor_for_token(uow, token, scope=scope)
    secret = session.get(SESSION_SECRET_KEY)
    if not isinstance(secret, str):
        raise AuthenticationRequired("Authentication required.")
    actor = web_sessions.actor_for_session(uow, secret)
    if actor is None:
        session.clear()
        raise AuthenticationRequired("Your session has ended: log in again.")
    if request.method in UNSAFE_METHODS:
        # Cookies ride along on cross-site requests: a cookie-authenticated write must carry
        # the CSRF token too (bearer tokens cannot be forged that way).
        csrf.protect()
    return actor


def current_actor(uow: UnitOfWork | Reading | None = None, *, scope: bool = True) -> Actor:
    """The authenticated actor of this request; raises 401 if there is none.

    A read-only route may pass its own ``reading()`` or ``driver_reading()`` unit: one pool
    checkout per request. ``scope=False``: a route that never looks at the actor's territories
    may skip reading them (any use of them then raises, ``regions.actors.SCOPE_NOT_READ``); a
    later call asking for them reads the actor again.
    """
    actor: Actor | None = g.get("actor")
    if actor is None or (scope and not actor.scope_read):
        if uow is None:
            with reading() as own:
                actor = _resolve_actor(own, scope=scope)
        else:
            actor = _resolve_actor(uow, scope=scope)
        ambassador_gate.check(actor, request.endpoint)
        g.actor = actor
    return actor


def optional_actor() -> Actor | None:
    """The actor if the request is authenticated, else None (public pages)."""
    try:
        return current_actor()
    except AuthenticationFailed:
        return None
