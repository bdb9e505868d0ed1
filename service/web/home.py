"""The home page: what needs me now, by role."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from regions import inbox
from regions.actors import REGIONAL_ROLES
from regions.models import Role
from service.runtime import reading, settings
from service.web.pages import login_required, page_actor

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """What needs the signed-in person now: the desk's queue, a region's work, or the news."""
    actor, now = page_actor(), datetime.now(UTC)
    if actor.role == Role.AMBASSADOR:  # their one page: the kits to share
        return redirect(url_for("web.ambassador.index"))
    with reading() as uow:
        if actor.is_central:
            found = inbox.desk_inbox(uow.session, actor, now=now,
                                     window_hours=settings().conflict_window_hours)
            kind = "desk"
        elif actor.role in REGIONAL_ROLES:
            found, kind = inbox.regional_inbox(uow.session, actor, now=now), "regional"
        else:
            found, kind = inbox.published_inbox(uow.session, actor), "viewer"
    return render_template("home/index.html", inbox=found, kind=kind, now=now)
