"""Logging in and out of the web pages (CSRF-protected, rate-limited)."""

from __future__ import annotations

import flask_babel
from flask import Blueprint, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from regions import accounts
from regions.errors import AuthenticationFailed, TooManyAttempts
from service.auth import SESSION_FINGERPRINT_KEY, SESSION_USER_KEY, csrf, optional_actor
from service.runtime import settings, unit_of_work
from service.web.pages import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Log in with e-mail and password."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET" and optional_actor() is not None:
        return redirect(target)
    error, status = None, 200
    if request.method == "POST":
        csrf.protect()
        config = settings()
        try:
            with unit_of_work() as uow:
                user = accounts.login_with_password(
                    uow,
                    email=request.form.get("email", ""),
                    password=request.form.get("password", ""),
                    remote_addr=request.remote_addr or "unknown",
                    max_attempts=config.login_max_attempts,
                    window_seconds=config.login_window_seconds,
                )
            session.clear()
            session[SESSION_USER_KEY] = user.id
            session[SESSION_FINGERPRINT_KEY] = accounts.session_fingerprint(user)
            session.permanent = True
            return redirect(target, code=303)
        except TooManyAttempts:
            error, status = _("Too many failed attempts: wait a few minutes before trying "
                              "again."), 429
        except AuthenticationFailed:
            error, status = _("Wrong e-mail or password."), 401
    flask_babel.refresh()
    page = render_template("auth/login.html", error=error, next=request.values.get("next", ""),
                           email=request.form.get("email", ""))
    return page, status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End the browser session."""
    csrf.protect()
    session.clear()
    return redirect(url_for("web.auth.login"), code=303)
