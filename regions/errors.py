"""Domain errors of the regions package: a stable machine ``code`` each, no HTTP status."""

from __future__ import annotations

import unicodedata

from editorial.errors import N_, CodedError


class RegionsError(CodedError):
    """Base of every domain error; ``code`` is stable, ``params`` feed localised messages."""

    code = "regions.error"


class NotFound(RegionsError):
    """The object does not exist, or the actor may not know it exists."""

    code = "not_found"


class AuthenticationFailed(RegionsError):
    """Credentials are missing, wrong, expired or revoked."""

    code = "auth.invalid_credentials"


class TooManyAttempts(RegionsError):
    """Too many failed logins for this account or address: wait before trying again."""

    code = "auth.too_many_attempts"


class PermissionDenied(RegionsError):
    """The actor's role or territory does not allow this action."""

    code = "forbidden"


class Conflict(RegionsError):
    """The object changed or already exists; reload and try again."""

    code = "conflict"


class InvalidInput(RegionsError):
    """The request is well-formed but its meaning is invalid (maps to 422)."""

    code = "invalid"


class AuthenticationRequired(AuthenticationFailed):
    """No credentials were sent at all."""

    code = "auth.required"


class StaleVersion(Conflict):
    """The object changed since the caller loaded it: a write would overwrite someone's work."""

    code = "conflict.stale"


def check_version(kind: str, current: int, expected: int | None) -> None:
    """Refuse a write based on a stale read (409); ``expected=None`` skips the check."""
    if expected is not None and current != expected:
        raise StaleVersion(
            f"This {kind} changed since you loaded it: reload it and try again.",
            params={"kind": kind, "expected": expected, "current": current},
            errors={"version": [f"Current version is {current}."]},
        )


BLANK = N_("Required: spaces alone do not count.")
_INVISIBLE = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})  # spaces, controls, zero-width marks


def is_blank(value: str) -> bool:
    """Whether a text shows nothing: empty, spaces, or invisible marks only.

    A browser's ``required`` lets three spaces through; a title of spaces left a list row
    without a link and a page reading « Adapter «  » ».
    """
    return all(unicodedata.category(char) in _INVISIBLE for char in value)


def required_text(field: str, value: str) -> str:
    """``value`` without its surrounding spaces; a blank one is a 422 on ``field``."""
    if is_blank(value):
        raise InvalidInput(f"The field {field} is blank.", params={"field": field},
                           errors={field: [BLANK]})
    return value.strip()
