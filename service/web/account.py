"""Web pages: account (being built for issue 9)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("account", __name__)
