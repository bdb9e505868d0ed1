"""Web pages: review (being built for issue 9)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("review", __name__)
