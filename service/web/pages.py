"""What every web page shares: the signed-in person, labels in words, the navigation."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, time
from functools import wraps
from typing import Any, ParamSpec
from zoneinfo import ZoneInfo

import flask_babel
from flask import current_app, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from regions.actors import Actor
from regions.errors import AuthenticationFailed, RegionsError
from regions.models import PostStatus, Role
from service.auth import current_actor
from service.errors import request_language
from service.messages import localise, message_for

P = ParamSpec("P")

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.CENTRAL_EDITOR: _l("Central desk editor"),
    Role.REGIONAL_EDITOR: _l("Regional editor"),
    Role.CONTRIBUTOR: _l("Contributor"),
    Role.VIEWER: _l("Viewer"),
    Role.AMBASSADOR: _l("Ambassador"),
}

# The networks a template is written for and those ambassadors share on, as people name them.
NETWORK_LABELS = {
    "facebook": "Facebook", "instagram": "Instagram", "x": "X", "linkedin": "LinkedIn",
    "google_business": _l("Google Business Profile"), "whatsapp": "WhatsApp",
    "email": _l("E-mail"),
}

MAP_CONTROLS = {  # MapLibre's own texts (its `locale` option), for the page's language
    "Map.Title": _l("Map"),
    "NavigationControl.ZoomIn": _l("Zoom in"),
    "NavigationControl.ZoomOut": _l("Zoom out"),
    "NavigationControl.ResetBearing": _l("Drag to rotate the map, click to reset north"),
    "AttributionControl.ToggleAttribution": _l("Show or hide the map credits"),
    "AttributionControl.MapFeedback": _l("Report a map error"),
    "Popup.Close": _l("Close"),
    "Marker.Title": _l("Map marker"),
    "LogoControl.Title": _l("MapLibre logo"),
    "CooperativeGesturesHandler.WindowsHelpText": _l("Use Ctrl + scroll to zoom the map"),
    "CooperativeGesturesHandler.MacHelpText": _l("Use ⌘ + scroll to zoom the map"),
    "CooperativeGesturesHandler.MobileHelpText": _l("Use two fingers to move the map"),
}

STATUS_LABELS = {
    PostStatus.DRAFT: _l("Draft"),
    PostStatus.SUBMITTED: _l("Awaiting review"),
    PostStatus.CHANGES_REQUESTED: _l("Changes requested"),
    PostStatus.APPROVED: _l("Approved"),
    PostStatus.SCHEDULED: _l("Scheduled"),
    PostStatus.PUBLISHED: _l("Published"),
    PostStatus.FAILED: _l("Publication failed"),
    PostStatus.REJECTED: _l("Rejected"),
    PostStatus.WITHDRAWN: _l("Withdrawn"),
    PostStatus.ARCHIVED: _l("Archived"),
}

EVENT_LABELS = {
    "post.created": _l("Created"),
    "post.edited": _l("Edited"),
    "post.submit": _l("Submitted for review"),
    "post.approve": _l("Approved"),
    "post.request_changes": _l("Changes requested"),
    "post.reject": _l("Rejected"),
    "post.withdraw": _l("Withdrawn"),
    "post.commented": _l("Commented"),
    "post.scheduled": _l("Scheduled for publication"),
    "post.published": _l("Published on Facebook"),
    "post.failed": _l("Publication failed"),
    "post.retry": _l("Publication retried"),
    "post.retracted": _l("Removed from Facebook"),
    "post.copy_removed": _l("A copy Facebook stored late was removed"),
}

PUBLICATION_LABELS = {
    "queued": _l("waiting"), "in_flight": _l("in progress"), "succeeded": _l("succeeded"),
    "failed": _l("failed"), "cancelled": _l("cancelled"),
}
CALL_KIND_LABELS = {
    "publish": _l("Publish"), "lookup": _l("Look on the Page"),
    "permalink": _l("Fetch the link"), "remove_copy": _l("Remove a copy"),
}
CALL_OUTCOME_LABELS = {
    "ok": _l("done"), "error": _l("refused or failed"), "found": _l("found on the Page"),
    "not_found": _l("not on the Page"), "no_answer": _l("no answer (the worker stopped)"),
    None: _l("waiting for Facebook"),
}


def event_label(action: str) -> str:
    """An audit event of a post, in words."""
    return str(EVENT_LABELS.get(action, action))


def publication_status_label(status: str) -> str:
    """Where a publication stands, in words."""
    return str(PUBLICATION_LABELS.get(status, status))


def call_kind_label(kind: str) -> str:
    """What a call to Facebook tried, in words."""
    return str(CALL_KIND_LABELS.get(kind, kind))


def call_outcome_label(outcome: str | None) -> str:
    """How Facebook answered a call, in words."""
    return str(CALL_OUTCOME_LABELS.get(outcome, outcome))


# (endpoint, label, roles allowed or None for everyone but ambassadors, who have their own
# pages only). Entries whose endpoint is not
# registered are skipped, so the menu never links to a page that does not exist.
NAVIGATION: tuple[tuple[str, Any, frozenset[Role] | None], ...] = (
    ("web.home.index", _l("Home"), None),
    ("web.workspace.posts", _l("Posts"), None),
    ("web.review.queue", _l("Review"), frozenset({Role.ADMIN, Role.CENTRAL_EDITOR})),
    ("web.campaigns.index", _l("Campaigns"), None),
    ("web.standards.index", _l("Standards"), frozenset({Role.ADMIN, Role.CENTRAL_EDITOR})),
    ("web.map.index", _l("Map"), None),
    ("web.ambassadors.index", _l("Ambassadors"),
     frozenset({Role.ADMIN, Role.CENTRAL_EDITOR, Role.REGIONAL_EDITOR})),
    ("web.ambassador.index", _l("My kits"), frozenset({Role.AMBASSADOR})),
    ("web.admin.users", _l("Administration"), frozenset({Role.ADMIN})),
)


def network_label(network: str) -> str:
    """A network as people name it ("LinkedIn", « Fiche d’établissement Google »)."""
    return str(NETWORK_LABELS.get(network, network))


def network_labels() -> dict[str, str]:
    """Every network's label, in the page's language."""
    return {key: str(label) for key, label in NETWORK_LABELS.items()}


def map_locale() -> str:
    """MapLibre's ``locale`` option as JSON: its controls' texts in the page's language."""
    return json.dumps({key: str(text) for key, text in MAP_CONTROLS.items()},
                      ensure_ascii=False)


def role_label(role: Role | str) -> str:
    """A role in words, in the page's language."""
    return str(ROLE_LABELS.get(Role(role), role))


def status_label(status: PostStatus | str) -> str:
    """A post status in words, in the page's language."""
    return str(STATUS_LABELS.get(PostStatus(status), status))


def navigation(actor: Actor) -> list[tuple[str, str]]:
    """The menu entries (url, label) this person may open."""
    entries = []
    for endpoint, label, roles in NAVIGATION:
        if endpoint not in current_app.view_functions:
            continue
        if roles is not None and actor.role not in roles:
            continue
        if roles is None and actor.role == Role.AMBASSADOR:
            continue
        entries.append((url_for(endpoint), str(label)))
    return entries


def error_message(exc: RegionsError) -> str:
    """A domain error's message in the page's language (the API's catalogue, by its code)."""
    return (message_for(exc.code, request_language(), exc.params, page=True)
            or str(localise(exc.message)))


def field_messages(exc: RegionsError) -> dict[str, list[str]]:
    """A domain error's field messages, in the page's language."""
    errors = localise(exc.errors or {})
    return {field: [str(m) for m in (found if isinstance(found, list) else [found])]
            for field, found in errors.items()}


def day_start(day: date) -> datetime:
    """Midnight starting ``day`` in the pages' time zone (the days people type in filters).

    Flask-Babel's zone is a pytz one: given as ``tzinfo`` it would be local mean time (Paris:
    +00:09), hence the zone by its name.
    """
    return datetime.combine(day, time(), tzinfo=ZoneInfo(str(flask_babel.get_timezone())))


def row_id(value: str | None) -> int | None:
    """A row id (or version) typed in a form or query: digits within PostgreSQL's integer.

    Anything else is None, never a number the database refuses with an error.
    """
    text = (value or "").strip()
    return int(text) if text.isdigit() and 0 < int(text) < 2**31 else None


def login_required(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
    """A page for signed-in people: others are sent to the login page, then back here."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        try:
            current_actor()
        except AuthenticationFailed:
            target = request.full_path.rstrip("?")
            login = (url_for("web.auth.login", next=target) if target != "/"
                     else url_for("web.auth.login"))
            return redirect(login)
        flask_babel.refresh()  # the person's own language now applies
        return view(*args, **kwargs)

    return wrapper


def page_actor() -> Actor:
    """The signed-in person of this page (after ``login_required``)."""
    actor: Actor = g.actor
    return actor


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a local path only (never another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("web.home.index")
