"""Every error becomes one JSON shape: ``{code, status, message, errors, request_id}``.

Domain packages raise exceptions with a stable ``code`` and no HTTP status; this module maps
them to HTTP in one table and localises the message by code. A 5xx is a bug: it is logged with
the request id (never with request bodies or headers, which may hold secrets).
"""

from __future__ import annotations

import logging
from typing import Any

import flask_babel
from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from editorial.errors import EditorialError
from regions import errors as domain
from regions.db import DatabaseUrlInvalid
from service.i18n import select_language
from service.messages import localise, message_for

log = logging.getLogger("relais.errors")

class RequestError(Exception):
    """A request the HTTP layer itself refuses (malformed body…): always a 422."""

    def __init__(self, code: str, message: str, *, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params: dict[str, Any] = {}
        self.errors = errors or {}


class UnsupportedMediaType(RequestError):
    """A body was sent in another format than JSON: 415."""


# Most specific first: the first matching class wins.
STATUS_BY_ERROR: tuple[tuple[type[Exception], int], ...] = (
    (UnsupportedMediaType, 415),
    (domain.NotFound, 404),
    (domain.AuthenticationFailed, 401),
    (domain.PermissionDenied, 403),
    (domain.Conflict, 409),
    (domain.TooManyAttempts, 429),
    (domain.InvalidInput, 422),
    (EditorialError, 422),
    (RequestError, 422),
    (DatabaseUrlInvalid, 500),
    (domain.RegionsError, 422),
)

HTTP_CODES = {
    400: "request.invalid",
    401: "auth.required",
    403: "forbidden",
    404: "route.not_found",
    405: "method_not_allowed",
    413: "request.too_large",
    415: "request.unsupported_media_type",
    422: "request.invalid",
}


def request_language() -> str:
    """The language of this request's messages (see ``service.i18n``)."""
    return select_language()


NOT_PAGES = ("/api/", "/ogc/", "/healthz", "/readyz", "/static/")
PAGE_TITLES = {
    401: _l("Please log in"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Not allowed"),
    409: _l("Someone acted first"),
    429: _l("Too many attempts"),
    500: _l("Internal error"),
    503: _l("Service unavailable"),
}


def wants_html() -> bool:
    """Whether this request is for a web page (errors then answer an HTML page)."""
    return bool(request) and not request.path.startswith(NOT_PAGES)


def _page_person() -> None:
    """On an error page, the signed-in person (when there is one): their menu, their language.

    An unknown address never reaches a page view, which would have looked them up.
    """
    if g.get("actor") is not None:
        return
    from service.auth import optional_actor  # service.auth's errors come back here

    try:
        if optional_actor() is None:
            return
    except Exception:  # noqa: BLE001 - an error page must render whatever went wrong
        log.debug("no person for the error page", exc_info=True)
        return
    flask_babel.refresh()


def _error_page(status: int, code: str, text: str) -> Response:
    if status == 404 and code in ("route.not_found", "not_found"):
        text = _("This page does not exist, or no longer does.")
    title = PAGE_TITLES.get(status, _l("Something went wrong"))
    html = render_template("errors/error.html", title=str(title), message=text, code=code,
                           status=status)
    return Response(html, status=status, mimetype="text/html")


def error_response(
    status: int,
    code: str,
    *,
    message: str | None = None,
    params: dict[str, Any] | None = None,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render the one error shape; the message is localised from the code when possible.

    The texts inside ``errors`` (field messages, geometry and domain details) are rendered in
    the same language, so a French answer holds no English sentence.
    """
    if wants_html() and status < 500:
        _page_person()
    language = request_language()
    text = message_for(code, language, params) or message or code
    if wants_html() and status >= 400:
        response = _error_page(status, code, text)
        for name, value in (headers or {}).items():
            response.headers[name] = value
        return response
    body = {
        "code": code,
        "status": status,
        "message": text,
        "errors": localise(errors or {}, language),
        "request_id": g.get("request_id"),
    }
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _status_for(exc: Exception) -> int:
    for error_class, status in STATUS_BY_ERROR:
        if isinstance(exc, error_class):
            return status
    return 500


def handle_domain_error(exc: domain.RegionsError | EditorialError | RequestError) -> Response:
    """Map a domain exception to HTTP by the table above."""
    status = _status_for(exc)
    params = getattr(exc, "params", {}) or {}
    headers = {}
    if isinstance(exc, domain.TooManyAttempts):
        headers["Retry-After"] = str(params.get("retry_after", 60))
    if isinstance(exc, domain.AuthenticationFailed):
        headers["WWW-Authenticate"] = 'Bearer realm="relais"'
    return error_response(
        status, exc.code, message=getattr(exc, "message", str(exc)), params=params,
        errors=getattr(exc, "errors", None), headers=headers,
    )


def _webargs_errors(exc: HTTPException) -> dict[str, Any] | None:
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    return messages if isinstance(messages, dict) else None


def handle_http_error(exc: HTTPException) -> Response:
    """Werkzeug and flask-smorest HTTP errors (404 routes, 405, webargs 422…)."""
    status = exc.code or 500
    errors = _webargs_errors(exc)
    code = HTTP_CODES.get(status, "http.error")
    if status == 400:
        status = 422
    # A 405 names the methods the resource has (RFC 9110 requires Allow).
    allowed = getattr(exc, "valid_methods", None)
    headers = {"Allow": ", ".join(allowed)} if allowed else None
    return error_response(status, code, message=exc.description, errors=errors, headers=headers)


def handle_csrf_error(exc: CSRFError) -> Response:
    """A missing or wrong CSRF token on a browser form or cookie-authenticated call."""
    return error_response(400, "auth.csrf_failed", message=exc.description)


def handle_stale_data(exc: StaleDataError) -> Response:
    """Two writers raced on a versioned row: the loser gets the same 409 as a stale version."""
    return error_response(409, "conflict.stale", message=str(exc).split("\n")[0])


def handle_database_down(exc: OperationalError) -> Response:
    """The database cannot be reached: 503, not a bug in Relais."""
    log.warning("database unavailable (request %s): %s", g.get("request_id"), exc.orig)
    return error_response(503, "database.unavailable", headers={"Retry-After": "5"})


def handle_unexpected(exc: Exception) -> Response:
    """Anything else is a bug: log it with the request id and answer a bare 500."""
    if isinstance(exc, HTTPException):
        return handle_http_error(exc)
    log.exception(
        "unhandled error in %s %s (request %s)", request.method, request.path, g.get("request_id")
    )
    return error_response(500, "server.error")


def init_app(app: Flask) -> None:
    """Register the handlers on the app."""
    app.register_error_handler(domain.RegionsError, handle_domain_error)
    app.register_error_handler(EditorialError, handle_domain_error)
    app.register_error_handler(RequestError, handle_domain_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(OperationalError, handle_database_down)
    app.register_error_handler(StaleDataError, handle_stale_data)
    app.register_error_handler(Exception, handle_unexpected)
