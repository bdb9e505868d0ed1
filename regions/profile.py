"""Use cases of one's own account: the language of the pages, and one's password."""

from __future__ import annotations

from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from editorial.errors import N_
from regions import audit
from regions.accounts import (
    MIN_PASSWORD_LENGTH,
    check_attempts,
    get_user,
    password_changed,
    utcnow,
)
from regions.actors import Actor
from regions.db import UnitOfWork
from regions.errors import InvalidInput
from regions.models import LoginAttempt, User

LANGUAGES = ("fr", "en")
MAX_PASSWORD_LENGTH = 256
_hasher = PasswordHasher()
# Wrong current passwords on the account page are counted under this pseudo-address.
PASSWORD_CHANGE = "password-change"


def set_language(uow: UnitOfWork, actor: Actor, language: str) -> User:
    """Choose the language of one's pages (and of the e-mails and messages sent to one)."""
    if language not in LANGUAGES:
        raise InvalidInput(f"Choose one of: {', '.join(LANGUAGES)}.",
                           params={"choices": list(LANGUAGES)},
                           errors={"language": [N_("Unknown language.")]})
    user = get_user(uow, actor.user_id)
    if user.language != language:
        audit.record(uow.session, actor.user_id, "user.updated", "user", user.id,
                     {"language": [user.language, language]})
        user.language = language
    return user


def _password_matches(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def change_password(uow: UnitOfWork, actor: Actor, *, current_password: str, new_password: str,
                    max_attempts: int, window_seconds: int, keep_session: str | None = None,
                    new_password_again: str | None = None) -> tuple[User, dict[str, int]]:
    """Change one's own password, proving the current one; what else it ended.

    The browser session ``keep_session`` stays signed in; every other session ends and every
    API token is revoked (decision 0015). A wrong current password counts as a failed
    attempt (and commits it), so a stolen session cannot guess the password faster than the
    login page allows; these failures are counted apart from the login page's, so guesses
    there cannot stop the owner from changing their password. Every problem is reported at
    once (``new_password_again``, when given, must repeat the new password).
    """
    user = get_user(uow, actor.user_id)
    check_attempts(uow, email=user.email, remote_addr=PASSWORD_CHANGE,
                   max_attempts=max_attempts, window_seconds=window_seconds)
    errors: dict[str, list[Any]] = {}
    if not MIN_PASSWORD_LENGTH <= len(new_password) <= MAX_PASSWORD_LENGTH:  # the domain's rule
        errors["new_password"] = [f"Between {MIN_PASSWORD_LENGTH} and "
                                  f"{MAX_PASSWORD_LENGTH} characters."]
    if new_password_again is not None and new_password_again != new_password:
        errors["new_password_again"] = [N_("The two new passwords differ.")]
    if not _password_matches(user, current_password):
        uow.session.add(LoginAttempt(email=user.email, remote_addr=PASSWORD_CHANGE,
                                     succeeded=False, at=utcnow()))
        uow.commit()
        errors["current_password"] = [N_("Wrong password.")]
    if errors:
        raise InvalidInput("The password was not changed.", errors=errors,
                           params={"min": MIN_PASSWORD_LENGTH, "max": MAX_PASSWORD_LENGTH})
    user.password_hash = _hasher.hash(new_password)
    ended = password_changed(uow, user.id, keep_session=keep_session)
    audit.record(uow.session, actor.user_id, "user.updated", "user", user.id,
                 {"password": "changed", **ended})
    return user, ended
