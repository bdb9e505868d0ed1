"""The ambassador's pages (phone first): join, accept the charter, my kits, share, leave."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from regions import ambassadors, amplification, kits, standards
from regions.errors import Conflict, InvalidInput, RegionsError
from regions.kits import SHARE_NETWORKS
from regions.models import Territory
from service.api.ambassador.routes import profile_view, share_view
from service.auth import csrf
from service.runtime import reading, unit_of_work, violation_messages
from service.web import pages
from service.web.pages import error_message, field_messages, login_required, page_actor

bp = Blueprint("ambassador", __name__, url_prefix="/ambassador")
# The networks ambassadors share on, named as people name them (lazy: the page's language).
NETWORK_LABELS = {network: pages.NETWORK_LABELS[network] for network in SHARE_NETWORKS}


def _page(status: int = 200, **context: Any) -> ResponseReturnValue:
    actor, now = page_actor(), datetime.now(UTC)
    with reading() as uow:
        profile = profile_view(uow, actor)
        charter = standards.current_charter(uow.session)
        found = kits.kits_for_ambassador(uow.session, actor, now=now)
        shared = kits.my_shares(uow.session, actor, [k.id for k in found])
        board = amplification.leaderboard(uow.session, actor, limit=10)
    views = [(kit, [share_view(s, kit) for s in shared[kit.id]]) for kit in found]
    just = request.args.get("shared", type=int)
    context.setdefault("shared", next((s for _kit, mine in views for s in mine
                                       if s["id"] == just), None))
    return render_template("ambassador/index.html", profile=profile, charter=charter,
                           kits=[{"kit": kit, "shares": mine} for kit, mine in views],
                           board=board, networks=NETWORK_LABELS,
                           **context), status


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    """My kits, newest first; the charter to accept first when it changed."""
    return _page()


@bp.post("/charter")
@login_required
def accept_charter() -> ResponseReturnValue:
    """Accept the charter version shown."""
    csrf.protect()
    try:
        with unit_of_work() as uow:
            ambassadors.accept_charter(uow, page_actor(), number=request.form.get(
                "number", type=int) or 0, now=datetime.now(UTC))
            uow.commit()
    except Conflict as exc:
        flash(error_message(exc), "error")
        return redirect(url_for(".index"), code=303)
    flash(_("Thank you: you accepted the charter."), "success")
    return redirect(url_for(".index"), code=303)


@bp.post("/kits/<int:kit_id>/share")
@login_required
def share(kit_id: int) -> ResponseReturnValue:
    """Share a kit with my text: refused with the report when it breaks the charter."""
    csrf.protect()
    text = request.form.get("text", "").replace("\r\n", "\n").strip()
    network = request.form.get("network", "")
    try:
        with unit_of_work() as uow:
            row = kits.share(uow, page_actor(), kit_id, text=text, network=network,
                             now=datetime.now(UTC), messages=violation_messages())
            uow.commit()
    except kits.KitTextInvalid as exc:
        return _page(422, failed={"kit_id": kit_id, "text": text, "network": network,
                                  "report": exc.errors.get("text"),
                                  "message": error_message(exc)})
    except (InvalidInput, Conflict) as exc:
        errors = field_messages(exc)
        return _page(422 if isinstance(exc, InvalidInput) else 409, failed={
            "kit_id": kit_id, "text": text, "network": network, "report": None,
            "message": " ".join([error_message(exc), *sum(errors.values(), [])])})
    return redirect(url_for(".index", shared=row.id, _anchor="shared"), code=303)


@bp.post("/choices")
@login_required
def choices() -> ResponseReturnValue:
    """Appear on the leaderboard or not; receive the daily e-mail or not."""
    csrf.protect()
    with unit_of_work() as uow:
        ambassadors.set_choices(uow, page_actor(),
                                on_leaderboard=request.form.get("on_leaderboard") == "1",
                                wants_digest=request.form.get("wants_digest") == "1")
        uow.commit()
    flash(_("Your choices are saved."), "success")
    return redirect(url_for(".index"), code=303)


@bp.post("/leave")
@login_required
def leave() -> ResponseReturnValue:
    """Leave the programme: personal tracking data erased, the account closed."""
    csrf.protect()
    if request.form.get("confirm") != "1":
        flash(_("Tick the box to confirm that you want to leave."), "error")
        return redirect(url_for(".index"), code=303)
    with unit_of_work() as uow:
        ambassadors.leave(uow, page_actor())
        uow.commit()
    session.clear()
    flash(_("You left the ambassadors. Your personal data is erased; thank you for your "
            "shares."), "success")
    return redirect(url_for("web.auth.login"), code=303)


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str) -> ResponseReturnValue:
    """Accept an invitation: create my ambassador account (no account needed to open it)."""
    now = datetime.now(UTC)
    with reading() as uow:
        try:
            invitation = ambassadors.open_invitation(uow.session, token, now=now)
        except RegionsError as exc:
            return render_template("ambassador/join.html", invalid=error_message(exc)), 404
        territory = uow.session.get(Territory, invitation.territory_id)
    form = {"email": request.form.get("email", invitation.email or ""),
            "display_name": request.form.get("display_name", "")}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        csrf.protect()
        if request.form.get("consent") != "1":
            errors["consent"] = [_("Joining is voluntary: tick the box to join.")]
        else:
            try:
                with unit_of_work() as uow:
                    ambassadors.join(uow, token, email=form["email"],
                                     display_name=form["display_name"],
                                     password=request.form.get("password", ""),
                                     language=request.form.get("language", "fr"), now=now)
                    uow.commit()
                flash(_("Welcome! Your ambassador account is ready: log in."), "success")
                return redirect(url_for("web.auth.login", next=url_for(".index")), code=303)
            except RegionsError as exc:
                errors = field_messages(exc) or {"email": [error_message(exc)]}
    return render_template("ambassador/join.html", territory=territory, form=form,
                           errors=errors, token=token, locked_email=bool(invitation.email),
                           invalid=None), 422 if errors else 200
