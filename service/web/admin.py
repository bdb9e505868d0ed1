"""Administration (admins only): users, their roles and territories, and each territory's Page.

Forms post here and come back with a 303; a refused form is shown again with the domain's
messages beside its fields. Page tokens go in and are never shown back.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from regions import accounts, site, teams, web_sessions
from regions.errors import Conflict, InvalidInput, RegionsError
from regions.models import Role
from regions.publishing import connections
from regions.publishing.connections import ConnectionCheck
from regions.territories import get_territory
from service.api.users.schemas import UserCreateArgs, UserUpdateArgs
from service.publishing import graph_client, token_cipher
from service.runtime import reading, settings, unit_of_work
from service.web.pages import login_required, page_actor

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 25
ROLES = tuple(Role)

USER_FIELD_MESSAGES = {
    "email": _l("Enter a valid e-mail address."),
    "display_name": _l("Give a name (at most 120 characters)."),
    "role": _l("Choose a role from the list."),
    "password": _l("From %(min)s to 256 characters, or leave it empty.",
                   min=accounts.MIN_PASSWORD_LENGTH),
    "territory_ids": _l("Choose territories from the list."),
}
LAST_ADMIN = _l("This is the last active admin: make another user admin first.")


def admin_required(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """A page for administrators: others get the 403 page in their language."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        page_actor().require(Role.ADMIN)
        return view(*args, **kwargs)

    return login_required(wrapper)


# --- users -----------------------------------------------------------------------------------


@bp.get("/users")
@admin_required
def users() -> ResponseReturnValue:
    """The users, searched by e-mail or name, a page at a time."""
    text = request.args.get("q", "").strip()[:100]
    number = max(1, request.args.get("page", 1, type=int) or 1)
    with reading() as uow:
        found, total = accounts.list_users(uow, page_actor(), text=text or None,
                                           offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        memberships = teams.member_territory_ids_by_user(uow.session, [u.id for u in found])
        names = dict(teams.territory_names(uow.session))
        return render_template(
            "admin/users.html", users=found, total=total, q=text, page=number,
            pages=max(1, -(-total // PAGE_SIZE)), names=names, memberships=memberships)


def _user_form(*, creating: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """The user form's values and the fields it gets wrong (checked with the API's schemas)."""
    form = request.form
    values: dict[str, Any] = {
        "display_name": form.get("display_name", "").strip(), "role": form.get("role", ""),
        "territory_ids": [int(t) for t in form.getlist("territory_ids") if t.isdigit()
                          and len(t) < 10],
    }
    if len(values["territory_ids"]) != len(form.getlist("territory_ids")):
        return values, {"territory_ids": str(USER_FIELD_MESSAGES["territory_ids"])}
    if creating:
        values.update(email=form.get("email", "").strip(), language=form.get("language", "fr"),
                      password=form.get("password", "") or None)
        problems = UserCreateArgs().validate(values)
    else:
        problems = UserUpdateArgs().validate({k: values[k] for k in ("display_name", "role")})
    return values, {field: str(USER_FIELD_MESSAGES.get(field, _("Invalid value.")))
                    for field in problems}


def _render_user_form(status: int, user: Any = None, **context: Any) -> ResponseReturnValue:
    with reading() as uow:
        if user is None and "user_id" in context:
            user = accounts.get_user(uow, context["user_id"])
        member_of = teams.member_territory_ids(uow.session, user.id) if user else []
        page = render_template(
            "admin/user_form.html", user=user, roles=ROLES,
            territories=teams.territory_names(uow.session),
            values=context.get("values") or {"territory_ids": member_of},
            errors=context.get("errors", {}), notice=context.get("notice"),
            min_password=accounts.MIN_PASSWORD_LENGTH)
    return page, status


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def create_user() -> ResponseReturnValue:
    """Create a user with a role, territories and perhaps a first password."""
    if request.method == "GET":
        return _render_user_form(200, values={"role": Role.VIEWER.value, "territory_ids": []})
    values, errors = _user_form(creating=True)
    if errors:
        return _render_user_form(422, values=values, errors=errors)
    actor = page_actor()
    try:
        with unit_of_work() as uow:
            user = accounts.create_user(
                uow, actor, email=values["email"], display_name=values["display_name"],
                role=Role(values["role"]), password=values["password"],
                language=values["language"])
            teams.set_memberships(uow, actor, user, set(values["territory_ids"]))
            uow.commit()
            email = user.email
    except Conflict:
        errors = {"email": _("A user with this e-mail address already exists.")}
        return _render_user_form(409, values=values, errors=errors)
    except InvalidInput:
        errors = {"territory_ids": str(USER_FIELD_MESSAGES["territory_ids"])}
        return _render_user_form(422, values=values, errors=errors)
    flash(_("User %(email)s created.", email=email), "success")
    return redirect(url_for("web.admin.users", q=email), code=303)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int) -> ResponseReturnValue:
    """Change a user's name, role and territories."""
    if request.method == "GET":
        return _render_user_form(200, user_id=user_id)
    values, errors = _user_form(creating=False)
    if errors:
        return _render_user_form(422, user_id=user_id, values=values, errors=errors)
    actor = page_actor()
    try:
        with unit_of_work() as uow:
            user = accounts.update_user(uow, actor, user_id, role=Role(values["role"]),
                                        display_name=values["display_name"])
            teams.set_memberships(uow, actor, user, set(values["territory_ids"]))
            uow.commit()
    except accounts.LastAdmin:
        return _render_user_form(409, user_id=user_id, values=values,
                                 errors={"role": str(LAST_ADMIN)})
    except InvalidInput:
        errors = {"territory_ids": str(USER_FIELD_MESSAGES["territory_ids"])}
        return _render_user_form(422, user_id=user_id, values=values, errors=errors)
    flash(_("Changes saved."), "success")
    return redirect(url_for("web.admin.edit_user", user_id=user_id), code=303)


@bp.post("/users/<int:user_id>/active")
@admin_required
def set_active(user_id: int) -> ResponseReturnValue:
    """Disable a user (sessions and tokens stop working) or enable them again."""
    active = request.form.get("active") == "1"
    try:
        with unit_of_work() as uow:
            accounts.update_user(uow, page_actor(), user_id, is_active=active)
            uow.commit()
    except accounts.LastAdmin:
        return _render_user_form(409, user_id=user_id, notice=str(LAST_ADMIN))
    flash(_("Account enabled.") if active else _("Account disabled: this person can no "
                                                 "longer sign in or use their tokens."),
          "success")
    return redirect(url_for("web.admin.edit_user", user_id=user_id), code=303)


@bp.post("/users/<int:user_id>/sign-out")
@admin_required
def sign_out_everywhere(user_id: int) -> ResponseReturnValue:
    """End all of a user's browser sessions (and perhaps revoke their API tokens)."""
    revoke = request.form.get("revoke_tokens") == "1"
    with unit_of_work() as uow:
        ended = web_sessions.sign_out_everywhere(uow, page_actor(), user_id,
                                                 revoke_tokens=revoke)
        uow.commit()
    message = ngettext("Signed out everywhere: %(num)d session ended.",
                       "Signed out everywhere: %(num)d sessions ended.", ended["sessions_ended"])
    if revoke:
        message += " " + ngettext("%(num)d API token revoked.", "%(num)d API tokens revoked.",
                                  ended["tokens_revoked"])
    flash(message, "success")
    return redirect(url_for("web.admin.edit_user", user_id=user_id), code=303)


# --- settings --------------------------------------------------------------------------------


def _render_settings(status: int = 200, *, values: dict[str, Any] | None = None,
                     errors: dict[str, str] | None = None) -> ResponseReturnValue:
    with reading() as uow:
        current = site.read_settings(uow, page_actor())
    shown = values or {"token_max_days": current.token_max_days or "",
                       "tokens_never_expire": current.token_max_days is None,
                       "allow_self_approval": current.allow_self_approval}
    page = render_template("admin/settings.html", values=shown, errors=errors or {},
                           max_days=site.MAX_TOKEN_DAYS)
    return page, status


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings_page() -> ResponseReturnValue:
    """The settings an admin changes at run time: token lifetime, self-approval."""
    if request.method == "GET":
        return _render_settings()
    form = request.form
    never = form.get("tokens_never_expire") == "1"
    raw = form.get("token_max_days", "").strip()
    values = {"token_max_days": raw, "tokens_never_expire": never,
              "allow_self_approval": form.get("allow_self_approval") == "1"}
    days = int(raw) if raw.isdigit() and len(raw) < 6 else 0
    if not never and not 1 <= days <= site.MAX_TOKEN_DAYS:
        errors = {"token_max_days": _("A number of days from 1 to %(max)s.",
                                      max=site.MAX_TOKEN_DAYS)}
        return _render_settings(422, values=values, errors=errors)
    with unit_of_work() as uow:
        site.update_settings(uow, page_actor(), token_max_days=None if never else days,
                             allow_self_approval=bool(values["allow_self_approval"]))
        uow.commit()
    flash(_("Settings saved."), "success")
    return redirect(url_for("web.admin.settings_page"), code=303)


# --- Facebook Pages --------------------------------------------------------------------------

CHECK_WORDS = {
    "graph.token_invalid": _l("Facebook refuses the token: it is invalid or has expired. "
                              "Rotate it."),
    "graph.permission_denied": _l("The token lacks a permission on this Page."),
    "graph.invalid_parameter": _l("Facebook does not know this Page id."),
    "graph.rate_limited": _l("Facebook asks to slow down: check again in a few minutes."),
    "publishing.token_unreadable": _l("The stored token can no longer be read (the key "
                                      "changed): connect the Page again."),
    "publishing.not_connected": _l("No Facebook Page is connected to this territory."),
}


UNREACHABLE = frozenset({"graph.retryable", "graph.timeout", "graph.connection_error",
                         "graph.server_error", "graph.malformed_response"})


def check_in_words(result: ConnectionCheck) -> str:
    """What a connection check found, for people."""
    if result.ok:
        return str(_("It works: Facebook knows the Page “%(name)s”.",
                     name=result.page_name or ""))
    if result.code in CHECK_WORDS:
        return str(CHECK_WORDS[result.code])
    if result.code in UNREACHABLE:
        return str(_("Facebook could not be reached: check again later."))
    return str(_("Facebook refused the check: %(reason)s", reason=result.reason or ""))


@bp.get("/pages")
@admin_required
def pages() -> ResponseReturnValue:
    """Every territory's Facebook Page connection and its last check."""
    with reading() as uow:
        rows = connections.list_connections(uow.session, page_actor())
        failures = connections.failures_by_territory(uow.session, page_actor())
        return render_template("admin/pages.html", rows=rows, failures=failures)


def _render_page(territory_id: int, status: int = 200, errors: dict[str, str] | None = None
                 ) -> ResponseReturnValue:
    with reading() as uow:
        found = connections.find_connection(uow.session, page_actor(), territory_id)
        territory = get_territory(uow.session, territory_id)
        page = render_template("admin/page.html", territory=territory, connection=found,
                               errors=errors or {})
    return page, status


@bp.get("/pages/<int:territory_id>")
@admin_required
def page(territory_id: int) -> ResponseReturnValue:
    """One territory's Page: connect, rotate the token, check, disconnect."""
    return _render_page(territory_id)


@bp.post("/pages/<int:territory_id>/connect")
@admin_required
def connect_page(territory_id: int) -> ResponseReturnValue:
    """Connect the territory's Page, or give it a new token."""
    page_id, token = request.form.get("page_id", "").strip(), request.form.get("token", "")
    errors = {}
    if not page_id.isdigit() or len(page_id) > 64:
        errors["page_id"] = _("A Page id is a number, as Facebook shows it in the Page's "
                              "information.")
    if not token.strip() or len(token) > 1000:
        errors["token"] = _("Paste the Page access token.")
    if errors:
        return _render_page(territory_id, 422, errors)
    try:
        with unit_of_work() as uow:
            connections.connect_page(uow, page_actor(), territory_id, page_id=page_id,
                                     token=token, cipher=token_cipher(settings()))
            uow.commit()
    except RegionsError:  # e.g. no encryption key in production: nothing was stored
        errors = {"token": _("The token could not be stored safely: ask the operator to set "
                             "the encryption key.")}
        return _render_page(territory_id, 409, errors)
    flash(_("Page saved. Check the connection to be sure the token works."), "success")
    return redirect(url_for("web.admin.page", territory_id=territory_id), code=303)


@bp.post("/pages/<int:territory_id>/check")
@admin_required
def check_page(territory_id: int) -> ResponseReturnValue:
    """Ask Facebook whether the stored token opens the Page; say what it found."""
    graph = graph_client(settings())
    try:
        result = connections.check_connection(unit_of_work, page_actor(), territory_id,
                                              graph=graph, cipher=token_cipher(settings()))
    finally:
        graph.close()
    flash(check_in_words(result), "success" if result.ok else "error")
    return redirect(url_for("web.admin.page", territory_id=territory_id), code=303)


@bp.post("/pages/<int:territory_id>/disconnect")
@admin_required
def disconnect_page(territory_id: int) -> ResponseReturnValue:
    """Forget the territory's Page and its token."""
    with unit_of_work() as uow:
        connections.disconnect_page(uow, page_actor(), territory_id)
        uow.commit()
    flash(_("Page disconnected: its token is forgotten."), "success")
    return redirect(url_for("web.admin.page", territory_id=territory_id), code=303)
