"""Browser sessions kept in the database: opened at login, checked on every request, ended.

The cookie carries a random secret; the table keeps its SHA-256 (like API tokens), so a copy
of the database opens no session. Ending a session is a row update: from then on a cookie
captured earlier is refused on every route, pages and API, reads and writes alike.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from regions import audit
from regions.actors import SCOPE_SQL, Actor
from regions.db import Reading, UnitOfWork, read
from regions.errors import NotFound
from regions.models import ApiToken, Role, User, WebSession

SECRET_PREFIX = "rss_"
# Reasons recorded on an ended session (and shown to admins).
LOGOUT = "logout"
PASSWORD_CHANGED = "password_changed"
DISABLED = "account_disabled"
SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"
REPLACED = "replaced"

# One statement: the session, its active user and the user's territories with their
# descendants (the same scope as a token's), so a signed-in request costs one round trip.
_SESSION_LOOKUP = (
    "SELECT s.id, s.last_seen_at, users.id, users.email, users.role, users.language, "
    f"{SCOPE_SQL} "
    "FROM web_sessions s JOIN users ON users.id = s.user_id "
    "WHERE s.secret_hash = %(hash)s AND s.ended_at IS NULL AND s.expires_at > now() "
    "AND users.is_active"
)


def utcnow() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


def hash_token(secret: str) -> str:
    """Session secrets are 256-bit random: a plain SHA-256 is the right hash for them."""
    return hashlib.sha256(secret.encode()).hexdigest()


def open_session(uow: UnitOfWork, user_id: int, *, lifetime: timedelta,
                 remote_addr: str | None = None, user_agent: str | None = None) -> str:
    """Start a browser session for a user who just proved who they are; returns its secret."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    uow.session.add(WebSession(
        user_id=user_id, secret_hash=hash_token(secret), expires_at=utcnow() + lifetime,
        remote_addr=(remote_addr or "")[:64] or None, user_agent=(user_agent or "")[:200] or None))
    uow.flush()
    return secret


def actor_for_session(uow: UnitOfWork | Reading, secret: str) -> Actor | None:
    """The actor of a live session of an active user, or None (ended, expired, unknown)."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    rows = read(uow.reader, _SESSION_LOOKUP, {"hash": hash_token(secret)}, one_row=True)
    row = rows[0] if rows else None
    if row is None:
        return None
    session_id, last_seen_at, user_id, email, role, language, scope = row
    now = utcnow()
    # Touch at most once a minute so reads do not turn into writes on every request.
    if last_seen_at is None or now - last_seen_at > timedelta(minutes=1):
        uow.session.execute(update(WebSession).where(WebSession.id == session_id)
                            .values(last_seen_at=now))
        uow.commit()
    return Actor(user_id=user_id, email=email, role=Role(role), language=language,
                 territory_ids=frozenset(scope))


def end_session(uow: UnitOfWork, secret: str, *, reason: str = LOGOUT) -> bool:
    """End one session (logging out); whether a live one was ended."""
    result = uow.session.execute(
        update(WebSession)
        .where(WebSession.secret_hash == hash_token(secret), WebSession.ended_at.is_(None))
        .values(ended_at=func.now(), end_reason=reason))
    return bool(getattr(result, "rowcount", 0))


def end_user_sessions(uow: UnitOfWork, user_id: int, *, reason: str,
                      keep_secret: str | None = None) -> int:
    """End every live session of a user (but ``keep_secret``'s); how many were ended."""
    query = update(WebSession).where(WebSession.user_id == user_id,
                                     WebSession.ended_at.is_(None))
    if keep_secret is not None:
        query = query.where(WebSession.secret_hash != hash_token(keep_secret))
    result = uow.session.execute(query.values(ended_at=func.now(), end_reason=reason)
                                 .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def revoke_user_tokens(uow: UnitOfWork, user_id: int) -> int:
    """Revoke every live API token of a user; how many were revoked."""
    result = uow.session.execute(
        update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=func.now()).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def sign_out_everywhere(uow: UnitOfWork, actor: Actor, user_id: int, *,
                        revoke_tokens: bool = False) -> dict[str, int]:
    """End all of a user's browser sessions, and perhaps revoke their API tokens.

    Admins may do it to anyone; others to themselves only (anyone else is a 404 to them).
    """
    user = uow.session.get(User, user_id)
    if user is None or (user_id != actor.user_id and actor.role != Role.ADMIN):
        raise NotFound(f"No user {user_id}.", params={"kind": "user", "id": user_id})
    ended = end_user_sessions(uow, user.id, reason=SIGNED_OUT_EVERYWHERE)
    revoked = revoke_user_tokens(uow, user.id) if revoke_tokens else 0
    audit.record(uow.session, actor.user_id, "user.signed_out_everywhere", "user", user.id,
                 {"sessions_ended": ended, "tokens_revoked": revoked})
    return {"sessions_ended": ended, "tokens_revoked": revoked}


def live_sessions(uow: UnitOfWork, actor: Actor, user_id: int) -> list[WebSession]:
    """A user's live sessions, newest first (admins, or the user)."""
    if user_id != actor.user_id:
        actor.require(Role.ADMIN)
    now = utcnow()
    return list(uow.session.scalars(
        select(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None),
                                 WebSession.expires_at > now)
        .order_by(WebSession.id.desc())))


def sign_out_others(uow: UnitOfWork, actor: Actor, keep_secret: str | None) -> int:
    """End the actor's other browser sessions, keeping this one; how many ended."""
    ended = end_user_sessions(uow, actor.user_id, reason=SIGNED_OUT_EVERYWHERE,
                              keep_secret=keep_secret)
    audit.record(uow.session, actor.user_id, "user.signed_out_others", "user", actor.user_id,
                 {"sessions_ended": ended})
    return ended
