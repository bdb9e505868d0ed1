"""Graph API failures: one exception hierarchy, and the pure translation of every failure.

Kept apart from the adapter (``regions.publishing.graph``) so it can be unit-tested without
any network. Token values never reach an exception text or a repr: :func:`redact` scrubs them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import quote, quote_plus

import facebook
import requests


@dataclass(frozen=True, slots=True)
class CapturedResponse:
    """Status and headers of the last answer, which facebook-sdk does not expose."""

    status: int
    headers: Mapping[str, str]


# --- errors ---------------------------------------------------------------------------------


class GraphError(Exception):
    """A Graph API call failed; ``code`` is stable and the text never contains a token."""

    code: ClassVar[str] = "graph.error"
    retryable: ClassVar[bool] = False

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        graph_http_status: int | None = None,
        graph_code: int | None = None,
        graph_subcode: int | None = None,
        graph_type: str | None = None,
        fbtrace_id: str | None = None,
        scope: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.scope = scope
        self.reason = reason
        self.retry_after = retry_after
        self.graph_http_status = graph_http_status
        self.graph_code = graph_code
        self.graph_subcode = graph_subcode
        self.graph_type = graph_type
        self.fbtrace_id = fbtrace_id

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, reason={self.reason!r}, "
            f"graph_code={self.graph_code!r}, graph_http_status={self.graph_http_status!r}, "
            f"retry_after={self.retry_after!r})"
        )


class RetryableGraphError(GraphError):
    """Trying again later may succeed (after reconciling, for a publish)."""

    code = "graph.retryable"
    retryable = True


class GraphTimeout(RetryableGraphError):
    """Facebook did not answer in time; the call may or may not have taken effect."""

    code = "graph.timeout"


class GraphConnectionError(RetryableGraphError):
    """The connection failed or dropped; the call may or may not have taken effect."""

    code = "graph.connection_error"


class GraphServerError(RetryableGraphError):
    """Facebook answered 5xx, an HTML error page, or a Graph error marked transient."""

    code = "graph.server_error"


class MalformedResponse(RetryableGraphError):
    """The answer could not be understood (no Content-Type, bad JSON, missing id)."""

    code = "graph.malformed_response"


class RateLimited(RetryableGraphError):
    """Facebook throttled the call; ``retry_after`` holds its estimate when it gave one.

    ``scope`` says what is throttled: ``"app"`` (codes 4 and 17: every call of the app, on
    every Page) or ``"page"`` (32, 613, 80000-80014, a bare 429: the Page called).
    """

    code = "graph.rate_limited"


class PermanentGraphError(GraphError):
    """Facebook refused the call; retrying without a change by a person will fail again."""

    code = "graph.rejected"


class InvalidParameter(PermanentGraphError):
    """Graph code 100: a parameter (place, link, targeting, schedule, id) is invalid."""

    code = "graph.invalid_parameter"


class TokenInvalid(PermanentGraphError):
    """Graph code 190 (or 102, 104): the Page token is missing, invalid, expired or revoked."""

    code = "graph.token_invalid"


class PermissionDenied(PermanentGraphError):
    """Graph code 10 or 200-299: the token lacks a permission such as pages_manage_posts."""

    code = "graph.permission_denied"


class Blocked(PermanentGraphError):
    """Graph code 368: Facebook temporarily blocked the action for policy reasons."""

    code = "graph.blocked"


class DuplicatePost(PermanentGraphError):
    """Graph code 506: Facebook refused a duplicate of a recent post."""

    code = "graph.duplicate_post"


THROTTLING_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
APP_THROTTLING_CODES = frozenset({4, 17})
USAGE_HEADERS = ("x-business-use-case-usage", "x-page-usage", "x-app-usage")
TRANSIENT_CODES = frozenset({1, 2})
TOKEN_CODES = frozenset({102, 104, 190})
_PERMANENT_BY_CODE: dict[int, tuple[type[PermanentGraphError], str]] = {
    100: (InvalidParameter, "Facebook rejected a parameter of the request"),
    368: (Blocked, "Facebook temporarily blocked this action for policy reasons"),
    506: (DuplicatePost, "Facebook refused this as a duplicate of a recent post"),
}


# --- failure translation (pure: unit-tested without network) --------------------------------


def redact(text: str, token: str | None) -> str:
    """Remove a token (raw or URL-encoded) and any ``access_token=`` value from ``text``."""
    if token:
        for form in {token, quote(token, safe=""), quote_plus(token)}:
            text = text.replace(form, "[redacted]")
    return re.sub(r"(access_token[\"']?\s*[=:]\s*[\"']?)[^&\s\"',)]+", r"\1[redacted]", text)


def retry_after_from_headers(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait: the largest regain estimate of the usage headers, else Retry-After.

    ``estimated_time_to_regain_access`` (minutes) is read from ``X-Business-Use-Case-Usage``,
    ``X-Page-Usage`` and ``X-App-Usage``.
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    minutes = [value for name in USAGE_HEADERS for value in _regain_minutes(lowered.get(name))]
    if minutes:
        return max(minutes) * 60.0
    try:
        seconds = float(lowered.get("retry-after", ""))
    except ValueError:
        return None
    return seconds if seconds > 0 else None


def _regain_minutes(header: str | None) -> list[float]:
    """Every positive ``estimated_time_to_regain_access`` in one usage header.

    The BUC header maps an id to a list of usage objects; the app and Page headers are one
    usage object.
    """
    try:
        usage = json.loads(header or "{}")
    except ValueError:
        return []  # an unreadable usage header only loses the hint, not the error
    if not isinstance(usage, dict):
        return []
    entries: list[Any] = [usage]
    for value in usage.values():
        entries += value if isinstance(value, list) else []
    found = [entry.get("estimated_time_to_regain_access") for entry in entries
             if isinstance(entry, dict)]
    return [float(value) for value in found if isinstance(value, int | float) and value > 0]


def error_from_graph_body(
    error: Mapping[str, Any],
    *,
    http_status: int | None = None,
    headers: Mapping[str, str] | None = None,
    token: str | None = None,
) -> GraphError:
    """Map the ``error`` object of a Graph error body to the matching :class:`GraphError`."""
    code = _as_int(error.get("code"))
    subcode = _as_int(error.get("error_subcode"))
    said = redact(str(error.get("message") or "no message"), token)
    details: dict[str, Any] = {
        "graph_http_status": http_status,
        "graph_code": code,
        "graph_subcode": subcode,
        "graph_type": str(error.get("type") or "") or None,
        "fbtrace_id": str(error.get("fbtrace_id") or "") or None,
    }
    ref = f"code {code}" + (f"/{subcode}" if subcode is not None else "")
    cls: type[GraphError]
    if code in THROTTLING_CODES:
        cls, what = RateLimited, "Facebook rate-limited the Page; try again later"
        details["retry_after"] = retry_after_from_headers(headers or {})
        details["scope"] = "app" if code in APP_THROTTLING_CODES else "page"
    elif code in TOKEN_CODES:
        cls, what = TokenInvalid, "The Page access token is invalid or expired; reconnect the Page"
    elif code == 10 or (code is not None and 200 <= code <= 299):
        cls = PermissionDenied
        what = "The Page token lacks a permission needed here (pages_manage_posts)"
    elif code is not None and code in _PERMANENT_BY_CODE:
        cls, what = _PERMANENT_BY_CODE[code]
    elif code in TRANSIENT_CODES or error.get("is_transient") is True:
        cls, what = GraphServerError, "Facebook had a temporary problem"
    elif code is None:
        return error_from_http_status(http_status, headers, f"Graph error without code: {said}")
    else:
        cls, what = PermanentGraphError, "Facebook refused the request"
    return cls(f"{what} ({ref}): {said}", **details)


def error_from_http_status(
    http_status: int | None, headers: Mapping[str, str] | None, detail: str
) -> GraphError:
    """Map an answer without a usable Graph error body by its HTTP status."""
    status = f"HTTP {http_status}" if http_status is not None else "an unknown status"
    reason = f"Graph API answered {status}: {detail}"
    if http_status == 429:
        retry_after = retry_after_from_headers(headers or {})
        return RateLimited(reason, retry_after=retry_after, graph_http_status=http_status,
                           scope="page")
    if http_status == 408:
        return GraphTimeout(reason, graph_http_status=http_status)
    if http_status is not None and 400 <= http_status < 500:
        return PermanentGraphError(reason, graph_http_status=http_status)
    if http_status is not None and http_status < 400:
        return MalformedResponse(reason, graph_http_status=http_status)
    return GraphServerError(reason, graph_http_status=http_status)


def error_from_exception(
    exc: BaseException, response: CapturedResponse | None, token: str | None
) -> GraphError:
    """Translate whatever facebook-sdk or requests raised into a :class:`GraphError`."""
    status = response.status if response else None
    headers: Mapping[str, str] = response.headers if response else {}
    if isinstance(exc, facebook.GraphAPIError):
        body = exc.result
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return error_from_graph_body(
                body["error"], http_status=status, headers=headers, token=token
            )
        return error_from_http_status(status, headers, "the body is not a Graph JSON answer")
    detail = redact(f"{type(exc).__name__}: {exc}", token)
    if isinstance(exc, requests.Timeout):
        return GraphTimeout(f"Facebook did not answer in time ({detail})")
    if isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return GraphConnectionError(f"Could not reach the Graph API ({detail})")
    if isinstance(exc, KeyError):  # facebook-sdk reads headers["content-type"] blindly
        return MalformedResponse("Graph API answer had no Content-Type", graph_http_status=status)
    return MalformedResponse(
        f"Graph API answer was unreadable ({detail})",
        graph_http_status=status,
    )


def _as_int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
