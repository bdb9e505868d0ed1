"""My account: who I am, the language of my pages, my password and my personal API tokens.

Forms post here and come back with a 303; a form with errors is shown again with the
domain's messages beside its fields. Cookie-authenticated writes are CSRF-checked when the
person is resolved (``login_required`` → ``service.auth``), so the views need not do it again.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from regions import accounts, profile, site, teams, web_sessions
from regions.db import UnitOfWork
from regions.errors import InvalidInput, TooManyAttempts
from regions.models import ApiToken
from service.api.tokens.schemas import TokenCreateArgs
from service.auth import SESSION_SECRET_KEY
from service.runtime import reading, settings, unit_of_work
from service.web.browsers import browser_name
from service.web.pages import login_required, page_actor

bp = Blueprint("account", __name__, url_prefix="/account")

# Language names are written in their own language: a person must recognise their own.
LANGUAGE_NAMES = (("fr", "Français"), ("en", "English"))
MAX_TOKEN_DAYS = 3650


def token_state(token: ApiToken) -> str:
    """active, expired or revoked."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= accounts.utcnow():
        return "expired"
    return "active"


def _max_token_days(uow: UnitOfWork) -> int:
    """The longest lifetime a new token may have (the admin's maximum, if any)."""
    return site.current(uow.session).token_max_days or MAX_TOKEN_DAYS


def _render(status: int = 200, headers: dict[str, str] | None = None, **forms: Any
            ) -> ResponseReturnValue:
    """The account page; ``forms`` carry a form's errors and values when shown again."""
    actor = page_actor()
    with reading() as uow:
        user = accounts.get_user(uow, actor.user_id)
        tokens = accounts.list_tokens(uow, actor, actor.user_id)
        mine = set(teams.member_territory_ids(uow.session, actor.user_id))
        territories = [name for tid, name in teams.territory_names(uow.session) if tid in mine]
        here = web_sessions.hash_token(session.get(SESSION_SECRET_KEY) or "")
        sessions = [{"current": row.secret_hash == here, "created_at": row.created_at,
                     "remote_addr": row.remote_addr, "user_agent": row.user_agent,
                     "browser": browser_name(row.user_agent)}
                    for row in web_sessions.live_sessions(uow, actor, actor.user_id)]
        page = render_template(
            "account/index.html", user=user, territories=territories, tokens=tokens,
            sessions=sessions,
            token_state=token_state, languages=LANGUAGE_NAMES,
            password_rule={"min": accounts.MIN_PASSWORD_LENGTH,
                           "max": profile.MAX_PASSWORD_LENGTH},
            default_days=site.default_token_days(uow.session, settings().token_default_days),
            max_days=_max_token_days(uow),
            password=forms.get("password", {}), token=forms.get("token", {}),
            language=forms.get("language", {}),
        )
    return page, status, headers or {}


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    """The signed-in person's account page."""
    return _render()


@bp.post("/language")
@login_required
def language() -> ResponseReturnValue:
    """Save the language of one's pages: the next page is in it."""
    chosen = request.form.get("language", "")
    try:
        with unit_of_work() as uow:
            profile.set_language(uow, page_actor(), chosen)
            uow.commit()
    except InvalidInput:
        return _render(422, language={"errors": {"language": _("Choose French or English.")}})
    with force_locale(chosen):
        flash(_("Language saved."), "success")
    return redirect(url_for("web.account.index"), code=303)


def _password_errors(error: InvalidInput) -> dict[str, str]:
    """The domain's field messages, in the page's language."""
    messages = {
        "current_password": _("Wrong password."),
        "new_password": _("From %(min)s to %(max)s characters.",
                          min=accounts.MIN_PASSWORD_LENGTH, max=profile.MAX_PASSWORD_LENGTH),
        "new_password_again": _("The two new passwords differ."),
    }
    return {field: messages[field] for field in error.errors or {} if field in messages}


@bp.post("/password")
@login_required
def password() -> ResponseReturnValue:
    """Change one's password; this session stays signed in, the others end."""
    form = request.form
    config = settings()
    try:
        with unit_of_work() as uow:
            _user, ended = profile.change_password(
                uow, page_actor(), current_password=form.get("current_password", ""),
                new_password=form.get("new_password", ""),
                new_password_again=form.get("new_password_again", ""),
                max_attempts=config.login_max_attempts,
                window_seconds=config.login_window_seconds,
                keep_session=session.get(SESSION_SECRET_KEY))
            uow.commit()
    except TooManyAttempts as refused:
        wait = int(refused.params.get("retry_after", config.login_window_seconds))
        message = _("Too many failed attempts: try again in %(minutes)s min.",
                    minutes=-(-wait // 60))
        return _render(429, {"Retry-After": str(wait)},
                       password={"errors": {"current_password": message}})
    except InvalidInput as error:
        return _render(422, password={"errors": _password_errors(error)})
    flash(ngettext("Password changed. Your other sessions have ended and your API token is "
                   "revoked: create a new one for your scripts.",
                   "Password changed. Your other sessions have ended and your %(num)d API "
                   "tokens are revoked: create new ones for your scripts.",
                   ended["tokens_revoked"]) if ended["tokens_revoked"]
          else _("Password changed. Your other sessions have ended."), "success")
    return redirect(url_for("web.account.index"), code=303)


def _token_form() -> tuple[dict[str, Any], dict[str, str]]:
    """The token form's values and its errors, checked with the API's own schema."""
    name = request.form.get("name", "").strip()
    raw_days = request.form.get("expires_in_days", "").strip()
    values: dict[str, Any] = {"name": name, "expires_in_days": raw_days}
    days = int(raw_days) if raw_days.isdigit() and len(raw_days) < 6 else -1
    problems = TokenCreateArgs().validate({"name": name, "expires_in_days": days})
    messages = {
        "name": _("Give the token a name (at most 100 characters)."),
        "expires_in_days": _("A number of days from 1 to %(max)s.", max=MAX_TOKEN_DAYS),
    }
    values["days"] = days
    return values, {field: messages[field] for field in problems if field in messages}


@bp.post("/tokens")
@login_required
def create_token() -> ResponseReturnValue:
    """Create a personal token and show its secret, this once."""
    values, errors = _token_form()
    if errors:
        return _render(422, token={"errors": errors, "values": values})
    actor = page_actor()
    try:
        with unit_of_work() as uow:
            issued = accounts.issue_token(uow, actor, user_id=actor.user_id,
                                          name=values["name"], expires_in_days=values["days"])
            uow.commit()
            page = render_template("account/token_created.html", token=issued.token,
                                   secret=issued.plaintext)
    except site.TokenLifetimeTooLong as refused:
        message = _("At most %(max)s days: the longest lifetime an admin allows.",
                    max=refused.params["max"])
        return _render(422, token={"errors": {"expires_in_days": message}, "values": values})
    # The secret exists in this answer only: no cache may keep it.
    return page, 200, {"Cache-Control": "no-store"}


@bp.post("/sessions/sign-out-others")
@login_required
def sign_out_others() -> ResponseReturnValue:
    """End one's sessions in every other browser; this one stays signed in."""
    with unit_of_work() as uow:
        # A script calling with a token has no browser session to keep: all of them end.
        ended = web_sessions.sign_out_others(uow, page_actor(), session.get(SESSION_SECRET_KEY))
        uow.commit()
    flash(ngettext("Other browsers signed out: %(num)d session ended.",
                   "Other browsers signed out: %(num)d sessions ended.", ended), "success")
    return redirect(url_for("web.account.index", _anchor="sessions"), code=303)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of one's tokens at once."""
    with unit_of_work() as uow:
        token = accounts.revoke_token(uow, page_actor(), token_id)
        uow.commit()
        name = token.name
    flash(_("The token “%(name)s” is revoked: it no longer works.", name=name), "success")
    return redirect(url_for("web.account.index"), code=303)
