"""The desk's actions on a campaign page: its ambassadors' share kit, withdrawing kit or campaign.

The kit form is checked by the API's own schema (``KitCreateArgs``), then by the domain (the
charter reads each suggested text); errors come back beside their fields on the campaign page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from marshmallow import ValidationError

from regions import campaigns, kits
from regions.actors import DESK_ROLES, Actor
from regions.errors import InvalidInput, NotFound
from regions.kits import KitDraft, KitTextInvalid
from service.api.kits.schemas import KitCreateArgs
from service.auth import csrf
from service.errors import request_language
from service.messages import localise
from service.runtime import unit_of_work, violation_messages
from service.web.campaigns import ZONE, render_show
from service.web.pages import error_message, field_messages, login_required, page_actor

bp = Blueprint("campaign_actions", __name__, url_prefix="/campaigns")


def _desk_writer() -> Actor:
    """The signed-in desk member sending this form (CSRF checked): these actions are theirs."""
    actor = page_actor()
    actor.require(*DESK_ROLES)
    csrf.protect()
    return actor


def _to_kits(campaign_id: int) -> ResponseReturnValue:
    """Back to the campaign page, at its kits (303: the browser then GETs it)."""
    return redirect(url_for("web.campaigns.show", campaign_id=campaign_id, _anchor="kits"),
                    code=303)


def _kit_form() -> dict[str, Any]:
    """The kit form as typed (for redisplay)."""
    return {"title": request.form.get("title", ""), "link": request.form.get("link", ""),
            "suggestions": [request.form.get(f"suggestion-{n}", "") for n in range(3)],
            "networks": request.form.getlist("networks"),
            "ends_at": request.form.get("ends_at", ""),
            "neighbour_km": request.form.get("neighbour_km", "")}


def _kit_args(campaign_id: int, form: dict[str, Any]) -> dict[str, Any]:
    """The API's kit arguments from the form: its schema checks them the same way."""
    raw: dict[str, Any] = {
        "title": form["title"].strip(), "campaign_id": campaign_id, "networks": form["networks"],
        "suggestions": [text.replace("\r\n", "\n") for text in form["suggestions"]
                        if text.strip()]}
    if form["link"].strip():
        raw["link"] = form["link"].strip()
    if form["neighbour_km"].strip():
        raw["neighbour_km"] = form["neighbour_km"].strip()
    try:  # a Paris wall time, as every date of the desk's forms
        raw["ends_at"] = datetime.fromisoformat(form["ends_at"]).replace(tzinfo=ZONE).isoformat()
    except ValueError:
        raw["ends_at"] = form["ends_at"]
    loaded: dict[str, Any] = KitCreateArgs().load(raw)
    return loaded


def _schema_errors(error: ValidationError) -> dict[str, list[str]]:
    found = error.messages if isinstance(error.messages, dict) else {"form": error.messages}
    return {field: [str(m) for m in _flat(localise(messages))] for field, messages in found.items()}


def _flat(messages: Any) -> list[Any]:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flat(value)]
    return list(messages) if isinstance(messages, list) else [messages]


def _charter_errors(error: KitTextInvalid, lang: str) -> dict[str, list[str]]:
    """Each refused suggestion's violations, as the charter words them."""
    found: dict[str, list[str]] = {}
    for path, report in (error.errors or {}).items():
        field = "suggestion-" + path.rpartition(".")[2]
        found[field] = [v["message"].get(lang) or v["message"]["en"]
                        for v in report.get("violations", []) if v.get("severity") == "error"]
    return found


@bp.post("/<int:campaign_id>/kits")
@login_required
def create_kit(campaign_id: int) -> ResponseReturnValue:
    """Publish the campaign's share kit: its ambassadors see it at once."""
    actor = _desk_writer()
    form = _kit_form()
    try:
        args = _kit_args(campaign_id, form)
        with unit_of_work() as uow:
            kits.create_kit(uow, actor, KitDraft(
                title=args["title"], suggestions=tuple(args["suggestions"]),
                networks=tuple(dict.fromkeys(args["networks"])), ends_at=args["ends_at"],
                campaign_id=campaign_id, link=args.get("link"),
                neighbour_km=args.get("neighbour_km")), now=datetime.now(UTC),
                messages=violation_messages())
            uow.commit()
    except ValidationError as error:
        return render_show(campaign_id, 422, kit_form=form, errors=_schema_errors(error))
    except KitTextInvalid as error:
        return render_show(campaign_id, 422, kit_form=form,
                           errors=_charter_errors(error, request_language()))
    except InvalidInput as error:
        errors = field_messages(error) or {"kit": [error_message(error)]}
        return render_show(campaign_id, 422, kit_form=form, errors=errors)
    flash(_("Share kit published: the campaign's ambassadors can share it now."), "success")
    return _to_kits(campaign_id)


@bp.post("/<int:campaign_id>/kits/<int:kit_id>/withdraw")
@login_required
def withdraw_kit(campaign_id: int, kit_id: int) -> ResponseReturnValue:
    """End a share kit early: links already shared keep working."""
    actor = _desk_writer()
    with unit_of_work() as uow:
        if kits.get_kit(uow.session, actor, kit_id).campaign_id != campaign_id:
            # another campaign's kit (or a post's) is not this page's to end
            raise NotFound(f"No kit {kit_id} in campaign {campaign_id}.",
                           params={"kind": "kit", "id": kit_id})
        kits.withdraw_kit(uow, actor, kit_id, now=datetime.now(UTC))
        uow.commit()
    flash(_("Share kit withdrawn: ambassadors no longer see it."), "success")
    return _to_kits(campaign_id)


@bp.post("/<int:campaign_id>/withdraw")
@login_required
def withdraw(campaign_id: int) -> ResponseReturnValue:
    """Withdraw the campaign once the desk has ticked the confirmation."""
    actor = _desk_writer()
    if request.form.get("confirm") != "1":
        errors = {"confirm": [_("Tick the box to confirm the withdrawal.")]}
        return render_show(campaign_id, 422, errors=errors)
    now = datetime.now(UTC)
    with unit_of_work() as uow:
        campaign = campaigns.withdraw_campaign(uow, actor, campaign_id, now=now)
        # Withdrawing again changes nothing: the campaign keeps the moment it was first taken
        # back (a second tab, a form sent twice), and this page says so.
        already = campaign.archived_at != now
        uow.commit()
    if already:
        flash(_("This campaign was already withdrawn: nothing changed."), "info")
    else:
        flash(_("Campaign withdrawn: regions no longer see it, and its share kits have ended."),
              "success")
    return redirect(url_for("web.campaigns.show", campaign_id=campaign_id), code=303)
