"""Web pages: session login and logout, and the home page (the larger pages come next)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from regions import accounts
from regions.errors import AuthenticationFailed, TooManyAttempts
from service.auth import SESSION_FINGERPRINT_KEY, SESSION_USER_KEY, csrf, optional_actor
from service.errors import request_language
from service.runtime import settings, unit_of_work

bp = Blueprint("web", __name__)

TEXT = {
    "fr": {
        "login": "Connexion", "email": "Adresse e-mail", "password": "Mot de passe",
        "submit": "Se connecter", "wrong": "Adresse ou mot de passe incorrect.",
        "too_many": "Trop d’échecs : patientez quelques minutes avant de réessayer.",
        "logout": "Se déconnecter", "welcome": "Bienvenue", "docs": "Documentation de l’API",
        "role": "Rôle",
    },
    "en": {
        "login": "Log in", "email": "E-mail address", "password": "Password",
        "submit": "Log in", "wrong": "Wrong e-mail or password.",
        "too_many": "Too many failed attempts: wait a few minutes before trying again.",
        "logout": "Log out", "welcome": "Welcome", "docs": "API documentation",
        "role": "Role",
    },
}


def _texts() -> dict[str, str]:
    return TEXT[request_language()]


@bp.get("/")
def home() -> ResponseReturnValue:
    """The home page: who you are, or the way to log in."""
    actor = optional_actor()
    if actor is None:
        return redirect(url_for("web.login"))
    return render_template("home.html", t=_texts(), actor=actor, lang=request_language())


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Log in with e-mail and password (CSRF-protected, rate-limited)."""
    error = None
    status = 200
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
            return redirect(url_for("web.home"))
        except TooManyAttempts:
            error, status = _texts()["too_many"], 429
        except AuthenticationFailed:
            error, status = _texts()["wrong"], 401
    page = render_template("login.html", t=_texts(), error=error, lang=request_language())
    return page, status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End the browser session."""
    csrf.protect()
    session.clear()
    return redirect(url_for("web.login"))
