"""The team's ambassador pages: invite ambassadors, build share kits, see what they bring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from regions import ambassadors, amplification, kits
from regions.actors import Actor
from regions.errors import RegionsError
from regions.kits import KIT_BUILDERS, SHARE_NETWORKS, KitDraft
from regions.models import Post, PostStatus, Territory
from service.api.ambassador.routes import public_base
from service.auth import csrf
from service.runtime import reading, settings, unit_of_work, violation_messages
from service.web.ambassador import NETWORK_LABELS
from service.web.pages import error_message, field_messages, login_required, page_actor

bp = Blueprint("ambassadors", __name__, url_prefix="/ambassadors")
ZONE = ZoneInfo("Europe/Paris")  # dates typed in forms are Paris time, as on the desk's pages


def _choices(actor: Actor) -> tuple[list[Any], list[Any]]:
    """Published posts and territories the actor may build kits and invite for."""
    with reading() as uow:
        posts = select(Post.id, Post.text, Territory.name).join(
            Territory, Territory.id == Post.territory_id).where(
            Post.status == PostStatus.PUBLISHED).order_by(Post.published_at.desc()).limit(100)
        territories = select(Territory.id, Territory.name).order_by(Territory.name)
        if not actor.is_central:
            posts = posts.where(Post.territory_id.in_(actor.territory_ids or {0}))
            territories = territories.where(Territory.id.in_(actor.territory_ids or {0}))
        return list(uow.session.execute(posts)), list(uow.session.execute(territories))


def _render(status: int = 200, **context: Any) -> ResponseReturnValue:
    actor = page_actor()
    actor.require(*KIT_BUILDERS)
    posts, territories = _choices(actor)
    with reading() as uow:
        found = kits.list_kits(uow.session, actor, limit=50)
        figures = amplification.by_kit(uow.session, actor, [k.id for k in found])
        sent_to = kits.recipients(uow.session, [k.id for k in found])
        invitations = (ambassadors.list_invitations(uow.session, actor)
                       if actor.role in ambassadors.INVITERS else [])
        totals = amplification.summary(uow.session, actor, amplification.Scope())
    names = dict((t.id, t.name) for t in territories)
    default_end = (datetime.now(ZONE) + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M")
    context.setdefault("form", {"networks": list(SHARE_NETWORKS), "ends_at": default_end,
                                "suggestions": ["", "", ""]})
    return render_template(
        "ambassadors/index.html", posts=posts, territories=territories, kits=found,
        figures=figures, sent_to=sent_to, invitations=invitations, names=names, totals=totals,
        networks=NETWORK_LABELS, may_invite=actor.role in ambassadors.INVITERS,
        now=datetime.now(UTC), **context), status


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    """Kits with their shares and clicks, the kit form and invitations."""
    return _render()


@bp.post("/invitations")
@login_required
def invite() -> ResponseReturnValue:
    """Invite someone to be an ambassador of a territory: the link is shown once."""
    csrf.protect()
    try:
        with unit_of_work() as uow:
            issued = ambassadors.invite(
                uow, page_actor(), territory_id=request.form.get("territory_id", type=int) or 0,
                email=request.form.get("email", "").strip() or None,
                valid_days=settings().ambassador_invitation_days, now=datetime.now(UTC))
            uow.commit()
    except RegionsError as exc:
        flash(error_message(exc), "error")
        return redirect(url_for(".index"), code=303)
    link = f"{public_base()}ambassador/join/{issued.token}"
    flash(_("Send this link to the person you invite (single use, valid %(days)s days): "
            "%(link)s", days=settings().ambassador_invitation_days, link=link), "success")
    return redirect(url_for(".index", _anchor="invite-title"), code=303)


def _kit_form() -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    form: dict[str, Any] = {
        "title": request.form.get("title", "").strip(),
        "post_id": request.form.get("post_id", type=int),
        "suggestions": [request.form.get(f"suggestion-{i}", "").replace("\r\n", "\n").strip()
                        for i in range(3)],
        "networks": [n for n in request.form.getlist("networks") if n in SHARE_NETWORKS],
        "ends_at": request.form.get("ends_at", ""),
        "neighbour_km": request.form.get("neighbour_km", "").strip(),
        "image_url": request.form.get("image_url", "").strip(),
        "image_alt": request.form.get("image_alt", "").strip()}
    for name, message in (("title", _("Give the kit a title.")),
                          ("post_id", _("Choose a published post.")),
                          ("networks", _("Choose at least one network."))):
        if not form[name]:
            errors[name] = [message]
    if form["image_url"] and not form["image_url"].startswith(("https://", "http://")):
        errors["image_url"] = [_("An address starting with https://.")]
    if not any(form["suggestions"]):
        errors["suggestion-0"] = [_("Write at least one suggested text.")]
    try:
        form["ends"] = datetime.fromisoformat(form["ends_at"]).replace(tzinfo=ZONE)
    except ValueError:
        errors["ends_at"] = [_("A date and time, like 2026-06-01 08:00.")]
    try:
        form["km"] = float(form["neighbour_km"]) if form["neighbour_km"] else None
    except ValueError:
        errors["neighbour_km"] = [_("A number of kilometres.")]
    return form, errors


@bp.post("/kits")
@login_required
def create_kit() -> ResponseReturnValue:
    """Publish a kit; suggested texts that break the charter are shown with their report."""
    csrf.protect()
    form, errors = _kit_form()
    if errors:
        return _render(422, form=form, errors=errors)
    suggestions = tuple(s for s in form["suggestions"] if s)
    draft = KitDraft(title=form["title"], suggestions=suggestions,
                     networks=tuple(form["networks"]), ends_at=form["ends"],
                     post_id=form["post_id"], neighbour_km=form["km"],
                     image_url=form["image_url"] or None, image_alt=form["image_alt"] or None)
    try:
        with unit_of_work() as uow:
            kit = kits.create_kit(uow, page_actor(), draft, now=datetime.now(UTC),
                                  messages=violation_messages())
            uow.commit()
    except kits.KitTextInvalid as exc:
        reports = {int(key.split(".")[1]): value for key, value in exc.errors.items()}
        return _render(422, form=form, errors={}, reports=reports, message=error_message(exc))
    except RegionsError as exc:
        return _render(422, form=form, errors=field_messages(exc), message=error_message(exc))
    flash(_("The kit « %(title)s » is sent to the ambassadors.", title=kit.title), "success")
    return redirect(url_for(".index"), code=303)
