"""Use cases for users, passwords and personal API tokens."""

from __future__ import annotations

import hashlib
import ipaddress
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, literal_column, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnClause

from editorial.errors import N_
from regions import audit, site, web_sessions
from regions.actors import SCOPE_NOT_READ, SCOPE_SQL, Actor
from regions.db import Reading, UnitOfWork, read
from regions.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    TooManyAttempts,
    required_text,
)
from regions.models import ApiToken, LoginAttempt, Membership, Role, User

TOKEN_PREFIX = "rls_"
_hasher = PasswordHasher()
# Verifying against a dummy hash when the e-mail is unknown keeps response times alike.
_DUMMY_HASH = _hasher.hash("relais-dummy-password")
MIN_PASSWORD_LENGTH = 10


def utcnow() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


def hash_token(plaintext: str) -> str:
    """Tokens are 256-bit random: a plain SHA-256 is the right hash for them."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """E-mail addresses are compared case-insensitively."""
    return email.strip().lower()


def load_actor(user: User, territory_ids: frozenset[int] = frozenset()) -> Actor:
    """The Actor for a user row."""
    return Actor(
        user_id=user.id,
        email=user.email,
        role=user.role,
        language=user.language,
        territory_ids=territory_ids,
    )


def create_user(
    uow: UnitOfWork,
    actor: Actor | None,
    *,
    email: str,
    display_name: str,
    role: Role,
    password: str | None = None,
    language: str = "fr",
) -> User:
    """Create a user (``actor`` None means the command line, run by the operator)."""
    if actor is not None:
        actor.require(Role.ADMIN)
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters.",
            params={"min": MIN_PASSWORD_LENGTH},
            errors={"password": [N_("Shorter than {min} characters.", min=MIN_PASSWORD_LENGTH)]},
        )
    user = User(
        email=normalise_email(email),
        display_name=display_name.strip() or email,
        role=role,
        password_hash=_hasher.hash(password) if password else None,
        language=language,
    )
    uow.session.add(user)
    try:
        uow.flush()
    except IntegrityError:
        raise Conflict(
            f"A user with the e-mail {user.email} already exists.",
            params={"email": user.email},
            errors={"email": [N_("Already taken.")]},
        ) from None
    audit.record(
        uow.session, actor.user_id if actor else None, "user.created", "user", user.id,
        {"email": user.email, "role": role.value},
    )
    return user


def get_user(uow: UnitOfWork, user_id: int) -> User:
    """One user by id."""
    user = uow.session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user {user_id}.", params={"kind": "user", "id": user_id})
    return user


class LastAdmin(Conflict):
    """The change would leave Relais without any active administrator."""

    code = "user.last_admin"


def password_changed(uow: UnitOfWork, user_id: int, *, keep_session: str | None = None
                     ) -> dict[str, int]:
    """What a new password ends: every browser session (but ``keep_session``) and API token.

    Whoever knew the old password may have opened a session or made a token with it; a new
    password that left them working would not lock that person out (decision 0015).
    """
    return {
        "sessions_ended": web_sessions.end_user_sessions(
            uow, user_id, reason=web_sessions.PASSWORD_CHANGED, keep_secret=keep_session),
        "tokens_revoked": web_sessions.revoke_user_tokens(uow, user_id),
    }


def _keep_an_admin(uow: UnitOfWork, user: User, *, role: Role | None,
                   is_active: bool | None) -> None:
    """Refuse to demote or disable the last active admin (nobody could manage users after)."""
    losing = user.role == Role.ADMIN and user.is_active and (
        (role is not None and role != Role.ADMIN) or is_active is False)
    if not losing:
        return
    # Lock the active admins: two admins demoting each other at once must not both succeed.
    admins = uow.session.scalars(select(User.id).where(
        User.role == Role.ADMIN, User.is_active.is_(True)).with_for_update())
    if not [admin_id for admin_id in admins if admin_id != user.id]:
        raise LastAdmin("This is the last active admin: make another admin first.",
                        errors={"role": [N_("The last active admin must stay one.")]})


def update_user(
    uow: UnitOfWork,
    actor: Actor,
    user_id: int,
    *,
    role: Role | None = None,
    display_name: str | None = None,
    is_active: bool | None = None,
    password: str | None = None,
) -> User:
    """Change a user's role, name, password or activity (admins only)."""
    actor.require(Role.ADMIN)
    if display_name is not None:
        display_name = required_text("display_name", display_name)
    user = get_user(uow, user_id)
    _keep_an_admin(uow, user, role=role, is_active=is_active)
    changes: dict[str, object] = {}
    if role is not None and role != user.role:
        changes["role"] = [user.role.value, role.value]
        user.role = role
        uow.session.execute(update(Membership).where(Membership.user_id == user.id)
                            .values(role=role))
    if display_name is not None and display_name != user.display_name:
        changes["display_name"] = [user.display_name, display_name]
        user.display_name = display_name
    if is_active is not None and is_active != user.is_active:
        changes["is_active"] = [user.is_active, is_active]
        user.is_active = is_active
        if not is_active:
            changes["sessions_ended"] = web_sessions.end_user_sessions(
                uow, user.id, reason=web_sessions.DISABLED)
    if password is not None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InvalidInput(
                "The password is too short.", params={"min": MIN_PASSWORD_LENGTH},
                errors={"password": [
                    N_("Shorter than {min} characters.", min=MIN_PASSWORD_LENGTH)]},
            )
        user.password_hash = _hasher.hash(password)
        changes["password"] = "changed"
        changes.update(password_changed(uow, user.id))
    if changes:
        audit.record(uow.session, actor.user_id, "user.updated", "user", user.id, changes)
    return user


def rate_limit_key(remote_addr: str) -> str:
    """The address failures are counted for: IPv6 clients by their /64 (one subscriber)."""
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return remote_addr[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def check_attempts(uow: UnitOfWork, *, email: str, remote_addr: str, max_attempts: int,
                   window_seconds: int) -> None:
    """Refuse (429, with the seconds to wait) an address that failed too often on this account.

    Failures count per account *and* address, since the last success there: guessing from
    one address never locks the account for its owner elsewhere, nor any account that
    address did not try.
    """
    now = utcnow()
    latest = uow.session.execute(
        select(LoginAttempt.at, LoginAttempt.succeeded).where(
            LoginAttempt.email == email, LoginAttempt.remote_addr == remote_addr,
            LoginAttempt.at >= now - timedelta(seconds=window_seconds))
        .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc()).limit(max_attempts)).all()
    if len(latest) < max_attempts or any(succeeded for _at, succeeded in latest):
        return
    # The oldest of these failures leaving the window frees one attempt.
    free_at = latest[-1][0] + timedelta(seconds=window_seconds)
    retry_after = max(1, math.ceil((free_at - now).total_seconds()))
    raise TooManyAttempts("Too many failed logins: wait a few minutes before trying again.",
                          params={"retry_after": retry_after})


def login_with_password(
    uow: UnitOfWork,
    *,
    email: str,
    password: str,
    remote_addr: str,
    max_attempts: int,
    window_seconds: int,
) -> User:
    """Check a password login, rate-limited per account and address; commits the attempt."""
    email = normalise_email(email)
    address = rate_limit_key(remote_addr)
    # Attempts on one account run one at a time (until this transaction commits the attempt),
    # so parallel guesses cannot all pass the count before any of them is recorded.
    uow.session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"login:{email}"))))
    check_attempts(uow, email=email, remote_addr=address, max_attempts=max_attempts,
                   window_seconds=window_seconds)
    user = uow.session.scalar(select(User).where(User.email == email))
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user and user.password_hash else _DUMMY_HASH,
                            password)
    except (VerificationError, InvalidHashError):
        ok = False
    ok = ok and user is not None and user.is_active and user.password_hash is not None
    uow.session.add(LoginAttempt(email=email, remote_addr=address, succeeded=ok,
                                 at=utcnow()))
    uow.commit()
    if not ok or user is None:
        raise AuthenticationFailed("Wrong e-mail or password.")
    return user


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly created token: the plaintext exists only here, once."""

    token: ApiToken
    plaintext: str


def issue_token(
    uow: UnitOfWork,
    actor: Actor,
    *,
    user_id: int,
    name: str,
    expires_in_days: int | None,
) -> IssuedToken:
    """Create a personal token for oneself, or for anyone as an admin."""
    if user_id != actor.user_id:
        actor.require(Role.ADMIN)
    name = required_text("name", name)
    user = get_user(uow, user_id)
    site.check_token_lifetime(site.current(uow.session), expires_in_days)
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=plaintext[: len(TOKEN_PREFIX) + 6],
        token_hash=hash_token(plaintext),
        expires_at=expires_at,
    )
    uow.session.add(token)
    uow.flush()
    audit.record(uow.session, actor.user_id, "token.issued", "user", user.id,
                 {"token_id": token.id, "name": name})
    return IssuedToken(token=token, plaintext=plaintext)


def list_tokens(uow: UnitOfWork, actor: Actor, user_id: int) -> list[ApiToken]:
    """A user's tokens (never their secrets)."""
    if user_id != actor.user_id:
        actor.require(Role.ADMIN)
    get_user(uow, user_id)
    query = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
    return list(uow.session.scalars(query))


def revoke_token(uow: UnitOfWork, actor: Actor, token_id: int) -> ApiToken:
    """Revoke a token at once; revoking twice is harmless."""
    token = uow.session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.user_id and actor.role != Role.ADMIN):
        raise NotFound(f"No token {token_id}.", params={"kind": "token", "id": token_id})
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(uow.session, actor.user_id, "token.revoked", "user", token.user_id,
                     {"token_id": token.id})
    return token


_SCOPE: ColumnClause[list[int]] = literal_column(SCOPE_SQL)
# Plain SQL through the driver: this runs on every API request, where the ORM's per-statement
# overhead would cost as much as the query itself.
_TOKEN_LOOKUP = (
    "SELECT t.id, t.expires_at, t.revoked_at, t.last_used_at, users.id, users.email, "
    "users.role, users.language, users.is_active, {scope} "
    "FROM api_tokens t JOIN users ON users.id = t.user_id WHERE t.token_hash = %(hash)s"
)
# With the territories, or without (NULL): the recursive scope query is most of the lookup's
# cost on the server, and routes that never look at territories skip it (decision 0044).
_TOKEN_LOOKUPS = {True: _TOKEN_LOOKUP.format(scope=SCOPE_SQL),
                  False: _TOKEN_LOOKUP.format(scope="NULL")}


def actor_for_token(uow: UnitOfWork | Reading, plaintext: str, *, scope: bool = True) -> Actor:
    """The actor owning a valid, unexpired, unrevoked token of an active user.

    ``scope=False``: without its territories (``SCOPE_NOT_READ``), for routes that never use
    them.
    """
    if not plaintext.startswith(TOKEN_PREFIX):
        raise AuthenticationFailed("Invalid token.")
    # A token hash is unique: one row at most, so the read can join a request's other ones.
    rows = read(uow.reader, _TOKEN_LOOKUPS[scope], {"hash": hash_token(plaintext)},
                one_row=True)
    row = rows[0] if rows else None
    now = utcnow()
    if row is None or row[2] is not None:
        raise AuthenticationFailed("Invalid or revoked token.")
    (token_id, expires_at, _revoked, last_used_at, user_id, email, role, language, active,
     territories) = row
    if expires_at is not None and expires_at <= now:
        raise AuthenticationFailed("This token has expired.", params={"reason": "expired"})
    if not active:
        raise AuthenticationFailed("This account is disabled.")
    # Touch at most once a minute so reads do not turn into writes on every request.
    if last_used_at is None or now - last_used_at > timedelta(minutes=1):
        uow.session.execute(update(ApiToken).where(ApiToken.id == token_id)
                            .values(last_used_at=now))
        uow.commit()
    return Actor(user_id=user_id, email=email, role=Role(role), language=language,
                 territory_ids=SCOPE_NOT_READ if territories is None else frozenset(territories))


def actor_for_user_id(uow: UnitOfWork, user_id: int) -> Actor | None:
    """The actor of an active user, with its territories' scope (command line, demo)."""
    row = uow.session.execute(select(User, _SCOPE).where(User.id == user_id)).first()
    if row is None or not row[0].is_active:
        return None
    return load_actor(row[0], frozenset(row[1]))


def list_users(
    uow: UnitOfWork,
    actor: Actor,
    *,
    role: Role | None = None,
    text: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[User], int]:
    """Users matching the filters, one page, and how many match in all (admins only)."""
    actor.require(Role.ADMIN)
    query = select(User)
    if role is not None:
        query = query.where(User.role == role)
    if text:
        escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(User.email.like(pattern, escape="\\")
                            | func.lower(User.display_name).like(pattern, escape="\\"))
    total = int(uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    page = uow.session.scalars(query.order_by(User.id).offset(offset).limit(limit))
    return list(page), total
