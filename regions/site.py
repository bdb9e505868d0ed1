"""Settings an admin changes at run time: the longest API token lifetime, self-approval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from editorial.errors import N_
from regions import audit
from regions.actors import Actor
from regions.db import UnitOfWork
from regions.errors import InvalidInput
from regions.models import ApiToken, Role, SiteSettings

MAX_TOKEN_DAYS = 3650


class TokenLifetimeTooLong(InvalidInput):
    """A new token would outlive the maximum an admin set (or never expire without leave)."""

    code = "token.lifetime_too_long"


@dataclass(frozen=True, slots=True)
class SiteSettingsView:
    """The admin settings as the use cases read them."""

    token_max_days: int | None
    allow_self_approval: bool


def _row(session: Session, *, for_update: bool = False) -> SiteSettings:
    query = select(SiteSettings).where(SiteSettings.id == 1)
    row = session.scalar(query.with_for_update() if for_update else query)
    if row is None:  # the migration inserts it; a wiped table gets the defaults back
        row = SiteSettings(id=1, token_max_days=365, allow_self_approval=False)
        session.add(row)
        session.flush()
    return row


def current(session: Session) -> SiteSettingsView:
    """The settings now in force."""
    row = _row(session)
    return SiteSettingsView(row.token_max_days, bool(row.allow_self_approval))


def read_settings(uow: UnitOfWork, actor: Actor) -> SiteSettingsView:
    """The settings, for an admin."""
    actor.require(Role.ADMIN)
    return current(uow.session)


_UNSET = object()


def update_settings(uow: UnitOfWork, actor: Actor, *, token_max_days: object = _UNSET,
                    allow_self_approval: bool | None = None) -> SiteSettingsView:
    """Change some settings (admins); a shorter token maximum shortens existing tokens too.

    ``token_max_days`` None lifts the maximum (and allows tokens that never expire); leave it
    out to keep the current value.
    """
    actor.require(Role.ADMIN)
    row = _row(uow.session, for_update=True)
    changes: dict[str, object] = {}
    if token_max_days is not _UNSET and token_max_days != row.token_max_days:
        if token_max_days is not None and (not isinstance(token_max_days, int)
                                           or not 1 <= token_max_days <= MAX_TOKEN_DAYS):
            raise InvalidInput(
                f"The maximum token lifetime is 1 to {MAX_TOKEN_DAYS} days.",
                params={"max": MAX_TOKEN_DAYS},
                errors={"token_max_days": [N_("From 1 to {max} days.", max=MAX_TOKEN_DAYS)]})
        changes["token_max_days"] = [row.token_max_days, token_max_days]
        row.token_max_days = token_max_days
        if token_max_days is not None:
            changes["tokens_shortened"] = _shorten_tokens(uow.session, token_max_days)
    if allow_self_approval is not None and allow_self_approval != row.allow_self_approval:
        changes["allow_self_approval"] = [row.allow_self_approval, allow_self_approval]
        row.allow_self_approval = allow_self_approval
    if changes:
        row.updated_at = func.now()
        audit.record(uow.session, actor.user_id, "settings.updated", "settings", 1, changes)
    uow.flush()
    return SiteSettingsView(row.token_max_days, bool(row.allow_self_approval))


def _shorten_tokens(session: Session, max_days: int) -> int:
    """Live tokens that would outlive ``max_days`` after their creation now expire then."""
    limit = ApiToken.created_at + timedelta(days=max_days)
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.revoked_at.is_(None),
               ApiToken.expires_at.is_(None) | (ApiToken.expires_at > limit))
        .values(expires_at=limit)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def default_token_days(session: Session, default_days: int) -> int:
    """The lifetime of a new token when none is asked: the default, within the maximum."""
    maximum = current(session).token_max_days
    return default_days if maximum is None else min(default_days, maximum)


def check_token_lifetime(settings: SiteSettingsView, requested: int | None) -> None:
    """Refuse (422) a new token that would outlive the maximum.

    ``requested`` None asks for a token that never expires, allowed only without a maximum.
    """
    maximum = settings.token_max_days
    if maximum is None:
        return
    if requested is None or requested > maximum:
        raise TokenLifetimeTooLong(
            f"Tokens may live at most {maximum} days (an admin setting).",
            params={"max": maximum},
            errors={"expires_in_days": [N_("At most {max} days.", max=maximum)]})
