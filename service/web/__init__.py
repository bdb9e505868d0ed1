"""The web pages: one blueprint per feature, server-rendered, under a strict CSP."""

from __future__ import annotations

from datetime import datetime
from importlib import import_module

from flask import Blueprint, Flask, Response, current_app, g, request
from flask_babel import format_date, format_datetime, format_decimal, format_time, get_locale
from flask_wtf.csrf import generate_csrf

from regions.errors import InvalidInput
from regions.posts import checked_link
from service.web import pages
from service.web.failure_labels import failure_reason

# One module per feature, each with a blueprint ``bp`` and its templates in templates/<feature>/.
FEATURES = (
    "auth", "home", "workspace", "review", "campaigns", "campaign_actions", "standards",
    "account", "admin", "map", "ambassador", "ambassadors",
)

# No inline script or style anywhere: every page's code is a module in static/js/.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))


# Swagger UI sets inline styles on its elements; its scripts, like the pages', are the app's own.
DOCS_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'",
                                              "style-src 'self' 'unsafe-inline'")


def csp_allowing(origin: str | None) -> str:
    """The policy, also letting images and fetches reach ``origin`` (the map's base tiles)."""
    if not origin:
        return CONTENT_SECURITY_POLICY
    return (CONTENT_SECURITY_POLICY
            .replace("img-src 'self' data: blob:", f"img-src 'self' data: blob: {origin}")
            .replace("connect-src 'self'", f"connect-src 'self' {origin}"))


def _page_globals() -> dict[str, object]:
    actor = g.get("actor")
    return {
        "actor": actor,
        "lang": str(get_locale() or "fr"),
        "navigation": pages.navigation(actor) if actor is not None else [],
        "role_label": pages.role_label,
        "network_label": pages.network_label,
        "map_locale": pages.map_locale,
        "status_label": pages.status_label,
        "event_label": pages.event_label,
        "publication_status_label": pages.publication_status_label,
        "call_kind_label": pages.call_kind_label,
        "call_outcome_label": pages.call_outcome_label,
        "csrf_value": generate_csrf,
        "has_page": lambda endpoint: endpoint in current_app.view_functions,
    }


def _secure_headers(response: Response) -> Response:
    """Every answer: no type sniffing, never framed; pages: only the app's own scripts."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html":
        policy = DOCS_POLICY if request.path.startswith("/api/docs") else CONTENT_SECURITY_POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _datetime(value: datetime | None, fmt: str = "medium") -> str:
    """A moment for people: by default the medium date and the time without seconds."""
    if not value:
        return ""
    if fmt != "medium":
        return str(format_datetime(value, fmt))
    return f"{format_date(value, 'medium')}, {format_time(value, 'short')}"


def _web_address(value: str) -> bool:
    """Whether a post's link is an http(s) address, safe to offer as a link on a page."""
    try:
        checked_link(value)
    except InvalidInput:
        return False
    return True


def init_app(app: Flask) -> None:
    """Register every feature's blueprint, the page globals and the security headers."""
    app.context_processor(_page_globals)
    app.jinja_env.filters["datetime"] = _datetime
    app.jinja_env.filters["number"] = lambda value, digits=1: format_decimal(
        float(value), format="#,##0." + "#" * digits)
    app.jinja_env.filters["date"] = lambda value, fmt="medium": (
        format_date(value, fmt) if value else "")
    app.jinja_env.filters["failure_reason"] = failure_reason
    app.jinja_env.tests["web_address"] = _web_address
    app.after_request(_secure_headers)
    # Endpoints read ``web.<feature>.<view>``: no clash with the API's blueprint names.
    web = Blueprint("web", __name__)
    for name in FEATURES:
        web.register_blueprint(import_module(f"service.web.{name}").bp)
    app.register_blueprint(web)
