"""HTTP answers of the fake Graph API: JSON bodies and Graph's error bodies and statuses."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

JSON_TYPE = "application/json; charset=UTF-8"
THROTTLING_CODES = (4, 17, 32, 613, 80001)
APP_CODES = (4, 17)  # the whole app is throttled; the others throttle one Page

_THROTTLING_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80001: (
        "(#80001) There have been too many calls to this Page account. Wait a bit and try "
        "again. For more info, please refer to "
        "https://developers.facebook.com/docs/graph-api/overview/rate-limiting."
    ),
}


@dataclass(frozen=True)
class Reply:
    """One HTTP answer; ``content_type=None`` sends no Content-Type header at all."""

    status: int
    body: bytes
    content_type: str | None = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def ok(payload: Any, status: int = 200) -> Reply:
    """A JSON success answer."""
    return Reply(status, json.dumps(payload).encode())


def graph_error(
    code: int,
    message: str,
    *,
    status: int = 400,
    type_: str = "OAuthException",
    subcode: int | None = None,
    is_transient: bool | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """A Graph error body exactly as Facebook shapes it."""
    error: dict[str, Any] = {"message": message, "type": type_, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if is_transient is not None:
        error["is_transient"] = is_transient
    error["fbtrace_id"] = "A" + secrets.token_urlsafe(15)
    return Reply(status, json.dumps({"error": error}).encode(), headers=dict(headers or {}))


def missing_token() -> Reply:
    """No access token was sent."""
    return graph_error(104, "An access token is required to request this resource.")


def unknown_token() -> Reply:
    """The token is not known to any Page."""
    return graph_error(190, "Invalid OAuth access token - Cannot parse access token")


def expired_token() -> Reply:
    """Code 190, subcode 463: the session has expired."""
    return graph_error(
        190,
        "Error validating access token: Session has expired. The current time is later than "
        "the expiry time of the token.",
        subcode=463,
    )


def permission_denied() -> Reply:
    """Code 200: the token may not publish on this Page."""
    return graph_error(
        200,
        "(#200) If posting to a page, requires both pages_read_engagement and "
        "pages_manage_posts as an admin with sufficient administrative permission",
        status=403,
    )


def invalid_parameter(message: str = "(#100) Invalid parameter") -> Reply:
    """Code 100: a parameter is wrong."""
    return graph_error(100, message)


def unsupported(method: str, node_id: str) -> Reply:
    """Code 100, subcode 33: the object does not exist (or may not be seen)."""
    return graph_error(
        100,
        f"Unsupported {method.lower()} request. Object with ID '{node_id}' does not exist, "
        "cannot be loaded due to missing permissions, or does not support this operation. "
        "Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
        type_="GraphMethodException",
        subcode=33,
    )


def unknown_path(path: str) -> Reply:
    """Code 2500: no such edge."""
    return graph_error(2500, f"Unknown path components: {path}")


def nonexisting_field(name: str, node_type: str) -> Reply:
    """Code 100: a requested field does not exist on this node type."""
    return invalid_parameter(
        f"(#100) Tried accessing nonexisting field ({name}) on node type ({node_type})"
    )


def duplicate() -> Reply:
    """Code 506: the same status was posted recently."""
    return graph_error(506, "(#506) Duplicate status message")


def blocked() -> Reply:
    """Code 368: the action was deemed abusive."""
    return graph_error(
        368,
        "The action attempted has been deemed abusive or is otherwise disallowed",
        subcode=1390008,
    )


def transient_server_error() -> Reply:
    """Code 2, HTTP 500: Graph's own 'please retry' error."""
    return graph_error(
        2,
        "An unexpected error has occurred. Please retry your request later.",
        status=500,
        is_transient=True,
    )


def rate_limited(code: int, page_id: str | None, regain_minutes: float, status: int = 400
                 ) -> Reply:
    """A throttling error with the usage headers Graph sends alongside.

    App throttling (#4, #17) comes with ``X-App-Usage``; Page throttling (#32, #613, 80000+)
    with ``X-Page-Usage`` and the Page's ``X-Business-Use-Case-Usage`` entry. The regain
    estimate (``estimated_time_to_regain_access``, minutes) rides in the throttled scope's
    header.
    """
    usage: dict[str, Any] = {"call_count": 100, "total_cputime": 25, "total_time": 25,
                             "estimated_time_to_regain_access": regain_minutes}
    if code in APP_CODES:
        headers = {"X-App-Usage": json.dumps(usage)}
    else:
        headers = {"X-Page-Usage": json.dumps(usage),
                   "X-Business-Use-Case-Usage": json.dumps(
                       {page_id or "0": [{"type": "pages", **usage}]})}
    message = _THROTTLING_MESSAGES.get(code, f"(#{code}) Rate limit reached")
    return graph_error(code, message, status=status, is_transient=True, headers=headers)


def html_500() -> Reply:
    """An HTML error page, as a proxy in front of Graph sometimes sends."""
    page = b"<!DOCTYPE html><html><head><title>Error</title></head><body>" + (
        b"<h1>500 Internal Server Error</h1><p>Sorry, something went wrong.</p></body></html>"
    )
    return Reply(500, page, content_type="text/html; charset=utf-8")


def no_content_type() -> Reply:
    """A 200 JSON body without any Content-Type header."""
    return Reply(200, b'{"id": "0"}', content_type=None)


def json_without_error(status: int = 502) -> Reply:
    """A non-2xx JSON body that has no ``error`` key."""
    return Reply(status, json.dumps({"status": "bad gateway", "retry": True}).encode())
