"""Web pages: standards (being built for issue 9)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("standards", __name__)
