"""Logging in and out of the web pages (CSRF-protected, rate-limited)."""

from __future__ import annotations

import flask_babel
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from regions import accounts, web_sessions
from regions.errors import AuthenticationFailed, TooManyAttempts
from service.auth import SESSION_SECRET_KEY, csrf, optional_actor
from service.runtime import settings, unit_of_work
from service.web.pages import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Log in with e-mail and password."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET" and optional_actor() is not None:
        return redirect(target)
    error, status, headers = None, 200, {}
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
                previous = session.get(SESSION_SECRET_KEY)
                if isinstance(previous, str):  # signing in again replaces this browser's
                    web_sessions.end_session(uow, previous, reason=web_sessions.REPLACED)
                secret = web_sessions.open_session(
                    uow, user.id, lifetime=current_app.permanent_session_lifetime,
                    remote_addr=request.remote_addr,
                    user_agent=request.headers.get("User-Agent"))
                uow.commit()
            session.clear()
            session[SESSION_SECRET_KEY] = secret
            session.permanent = True
            return redirect(target, code=303)
        except TooManyAttempts as refused:
            wait = int(refused.params.get("retry_after", config.login_window_seconds))
            headers["Retry-After"] = str(wait)
            error, status = _("Too many failed attempts on this account from your address: "
                              "try again in %(minutes)s min.", minutes=-(-wait // 60)), 429
        except AuthenticationFailed:
            error, status = _("Wrong e-mail or password."), 401
    flask_babel.refresh()
    page = render_template("auth/login.html", error=error, next=request.values.get("next", ""),
                           email=request.form.get("email", ""))
    return page, status, headers


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End the browser session, in the database too: the cookie is worthless from now on."""
    csrf.protect()
    secret = session.get(SESSION_SECRET_KEY)
    if isinstance(secret, str):
        with unit_of_work() as uow:
            web_sessions.end_session(uow, secret)
            uow.commit()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for("web.auth.login"), code=303)
