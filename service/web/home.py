"""The home page: what needs me now, by role."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from service.web.pages import login_required

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """What needs the signed-in person now."""
    return render_template("home/index.html")
