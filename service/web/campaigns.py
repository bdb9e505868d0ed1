"""Campaign pages: the list, the desk's create and edit forms, and the adaptation dashboard."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from regions import amplification, campaigns, inbox, kits, standards
from regions.actors import DESK_ROLES
from regions.campaigns import CampaignChanges, CampaignDraft, TargetMode
from regions.errors import InvalidInput, NotFound, StaleVersion
from regions.models import Campaign, TemplateRecord, TemplateVersion
from regions.review_screen import slot_labels, structure
from service.api.posts.views import template_refs as api_template_refs
from service.auth import csrf
from service.runtime import reading, unit_of_work
from service.web.ambassador import NETWORK_LABELS
from service.web.pages import error_message, field_messages, login_required, page_actor, row_id

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
LIST_PAGE = 50  # campaigns a page of the list shows, newest first
ZONE = ZoneInfo("Europe/Paris")  # the desk's clock: dates typed in forms are Paris time
DATES = ("window_start", "window_end", "adapt_deadline")
NEW_KIT = {"title": "", "link": "", "suggestions": ["", "", ""], "networks": ["facebook"],
           "ends_at": "", "neighbour_km": ""}  # the kit form of a campaign page, untouched


def _moment(name: str, errors: dict[str, list[str]]) -> datetime | None:
    text = request.form.get(name, "").strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=ZONE)
    except ValueError:
        errors.setdefault(name, []).append(_("A date and time, like 2026-06-01 08:00."))
        return None


def _targets() -> tuple[TargetMode, tuple[int, ...]]:
    mode = TargetMode(request.form.get("targets", "all")
                      if request.form.get("targets") in set(TargetMode) else "all")
    if mode == TargetMode.DESCENDANTS:
        root = row_id(request.form.get("root_territory"))
        return mode, (root,) if root else ()
    ids = tuple(i for i in map(row_id, request.form.getlist("territory_ids")) if i)
    return mode, ids if mode == TargetMode.LIST else ()


def _form(template: dict[str, Any] | None) -> dict[str, Any]:
    """What the form holds, as typed (for redisplay)."""
    slots = [s["name"] for s in (template or {}).get("slots", [])]
    return {"title": request.form.get("title", ""),
            "master_text": request.form.get("master_text", "").replace("\r\n", "\n"),
            "slot_values": {n: request.form.get(f"slot-{n}", "") for n in slots},
            "targets": request.form.get("targets", "all"),
            "territory_ids": [i for i in map(row_id, request.form.getlist("territory_ids"))
                              if i],
            "root_territory": row_id(request.form.get("root_territory")),
            **{name: request.form.get(name, "") for name in DATES}}


def template_refs(session: Any, version_ids: set[int]) -> dict[int, dict[str, Any]]:
    """The API's template references (key, version) with each template's name for people."""
    refs = api_template_refs(session, version_ids)
    names = {key: name for key, name in session.execute(
        select(TemplateRecord.key, TemplateRecord.name).where(
            TemplateRecord.key.in_({ref["key"] for ref in refs.values()} or {""})))}
    return {vid: {**ref, "name": names.get(ref["key"], ref["key"])} for vid, ref in refs.items()}


def _page(name: str, status: int = 200, **context: Any) -> ResponseReturnValue:
    with reading() as uow:
        territories = campaigns.territory_choices(uow.session)
        templates = standards.list_templates(uow.session)
        published = [(t.key, t.name) for t in templates
                     if any(v.published_at for v in t.versions)]
    return render_template(name, territories=territories, templates=published,
                           **context), status


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    """Open campaigns: all for the desk, those sent to their territories for the regions."""
    actor = page_actor()
    page = row_id(request.args.get("page")) or 1
    with reading() as uow:
        items = campaigns.list_campaigns(uow.session, actor, offset=(page - 1) * LIST_PAGE,
                                         limit=LIST_PAGE + 1)  # one more: is there a next page
        more, items = len(items) > LIST_PAGE, items[:LIST_PAGE]
        refs = template_refs(uow.session, {c.template_version_id for c in items})
        targets = campaigns.targets_by_campaign(uow.session, [c.id for c in items])
        is_desk = actor.role in DESK_ROLES
        due = {} if is_desk else inbox.adaptation_states(
            uow.session, actor, now=datetime.now(ZONE),
            among=Campaign.id.in_([c.id for c in items] or [0]))
        rows = [{"campaign": c, "template": refs.get(c.template_version_id),
                 "target_count": len(targets[c.id]), "to_adapt": due.get(c.id, [])}
                for c in items]
        return render_template("campaigns/index.html", rows=rows, is_desk=is_desk, page=page,
                               more=more)


def _template_data(key: str | None) -> dict[str, Any] | None:
    if not key:
        return None
    with reading() as uow:
        try:
            return dict(standards.published_version(uow.session, key).data)
        except (standards.NotPublished, NotFound):  # choose again
            return None


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    """Create a campaign: a published template, its master text and slots, targets, dates."""
    page_actor().require(*DESK_ROLES)
    key = request.values.get("template") or None
    template = _template_data(key)
    if request.method == "GET":
        form = {"title": "", "master_text": (template or {}).get("body", ""),
                "slot_values": {}, "targets": "all", "territory_ids": [],
                "root_territory": None, **dict.fromkeys(DATES, "")}
        return _page("campaigns/form.html", form=form, template=template, key=key, errors={})
    csrf.protect()
    errors: dict[str, list[str]] = {}
    form = _form(template)
    moments = {name: _moment(name, errors) for name in DATES}
    mode, ids = _targets()
    if not errors:
        try:
            with unit_of_work() as uow:
                campaign = campaigns.create_campaign(uow, page_actor(), CampaignDraft(
                    title=form["title"].strip(), template_key=key or "",
                    slot_values={k: v for k, v in form["slot_values"].items() if v.strip()},
                    media=[], target_mode=mode, territory_ids=ids,
                    master_text=form["master_text"] or None, **moments))
                uow.commit()
                flash(_("Campaign created and sent to its territories."), "success")
                return redirect(url_for("web.campaigns.show", campaign_id=campaign.id),
                                code=303)
        except InvalidInput as error:
            errors = field_messages(error) or {"form": [error_message(error)]}
    return _page("campaigns/form.html", 422, form=form, template=template, key=key,
                 errors=errors)


@bp.get("/<int:campaign_id>")
@login_required
def show(campaign_id: int) -> ResponseReturnValue:
    """A campaign and its adaptation dashboard: who adapted, who is pending, who is late."""
    return render_show(campaign_id)


def render_show(campaign_id: int, status: int = 200, **forms: Any) -> ResponseReturnValue:
    """The campaign page; ``forms`` are the kit and withdrawal forms as typed, with errors."""
    actor = page_actor()
    with reading() as uow:
        campaign = campaigns.get_campaign(uow.session, campaign_id)
        rows = campaigns.dashboard(uow.session, actor, campaign_id, now=datetime.now(ZONE))
        ref = template_refs(uow.session, {campaign.template_version_id})
        amplified = amplification.summary(uow.session, actor,
                                          amplification.Scope(campaign_id=campaign_id))
        followed = uow.session.get(TemplateVersion, campaign.template_version_id)
        is_desk = actor.role in DESK_ROLES
        campaign_kits = (kits.list_kits(uow.session, actor, campaign_id=campaign_id)
                         if is_desk else [])
        labels = slot_labels(followed.data if followed else {})
        return render_template(
            "campaigns/show.html", campaign=campaign, rows=rows, totals=amplified,
            labels=labels, kits=campaign_kits,
            filled=_filled(followed.data if followed else {}, dict(campaign.slot_values)),
            master=structure(campaign.master_text, dict(campaign.slot_values), labels),
            template=ref.get(campaign.template_version_id), is_desk=is_desk,
            networks=NETWORK_LABELS, now=datetime.now(ZONE),
            kit_form=forms.get("kit_form") or NEW_KIT,
            errors=forms.get("errors") or {},
            adapted=sum(1 for r in rows if r["adapted"]),
            drafting=sum(1 for r in rows if r["drafting"]),
            late=sum(1 for r in rows if r["late"])), status


def _filled(template: dict[str, Any], values: dict[str, Any]) -> list[tuple[str, Any]]:
    """(label, value) of the slots the desk filled, in the template's order, not the keys'.

    The master text shows the values in place but names them only in a tooltip: this list
    pairs each with its field. A value for a slot the template no longer has comes last.
    """
    labels = slot_labels(template)
    order = [str(slot.get("name")) for slot in template.get("slots", [])
             if isinstance(slot, dict)]
    names = [name for name in order if values.get(name)]
    names += sorted(name for name in values if name not in order and values[name])
    return [(labels.get(name, name), values[name]) for name in names]


def _edit_form(campaign: Any, targets: list[int]) -> dict[str, Any]:
    def shown(moment: datetime | None) -> str:
        return moment.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M") if moment else ""

    return {"title": campaign.title, "master_text": campaign.master_text,
            "slot_values": dict(campaign.slot_values), "targets": "list",
            "territory_ids": targets, "root_territory": None,
            **{name: shown(getattr(campaign, name)) for name in DATES}}


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@login_required
def edit(campaign_id: int) -> ResponseReturnValue:
    """Change a campaign's text, targets or dates; a stale form never overwrites a newer save."""
    page_actor().require(*DESK_ROLES)
    with reading() as uow:
        campaign = campaigns.get_campaign(uow.session, campaign_id)
        followed = uow.session.get(TemplateVersion, campaign.template_version_id)
        template = dict(followed.data) if followed else {}
        current = {"id": campaign.id, "version": campaign.version}
        form = _edit_form(campaign, campaigns.target_ids(uow.session, campaign_id))
    if request.method == "GET":
        return _page("campaigns/form.html", form=form, template=template, campaign=current,
                     errors={})
    csrf.protect()
    errors: dict[str, list[str]] = {}
    form = _form(template)
    moments = {name: _moment(name, errors) for name in DATES}
    mode, ids = _targets()
    version = row_id(request.form.get("version")) or 0
    status = 422
    if not errors:
        try:
            with unit_of_work() as uow:
                campaigns.update_campaign(uow, page_actor(), campaign_id,
                                          expected_version=version, changes=CampaignChanges(
                    title=form["title"].strip(), master_text=form["master_text"],
                    slot_values={k: v for k, v in form["slot_values"].items() if v.strip()},
                    target_mode=mode, territory_ids=ids,
                    cleared=frozenset(n for n in DATES if moments[n] is None), **moments))
                uow.commit()
            flash(_("Campaign saved."), "success")
            return redirect(url_for("web.campaigns.show", campaign_id=campaign_id), code=303)
        except StaleVersion:
            errors, status = {"form": [_("Someone changed this campaign since you opened it: "
                                         "your changes are not saved. Reload the page.")]}, 409
        except InvalidInput as error:
            errors = field_messages(error) or {"form": [error_message(error)]}
    return _page("campaigns/form.html", status, form=form, template=template,
                 campaign={**current, "version": version}, errors=errors)
