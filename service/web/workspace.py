"""The regional workspace: my posts, writing a post (live validation, map), a post's page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from geoalchemy2.shape import to_shape
from shapely import Point

from regions import campaigns, geotags, post_queries, posts, review, standards, writing
from regions.errors import InvalidInput, PermissionDenied
from regions.models import Campaign, Post, PostStatus
from regions.post_queries import PostFilters
from regions.publishing import actions as publishing_actions
from regions.publishing.history import publication_history
from regions.reports import report_to_dict
from regions.review_screen import Segment, filled_text, slot_labels, structure
from regions.workflow import AUTHORS, allowed_actions
from service.runtime import reading, settings, unit_of_work, violation_messages
from service.web.pages import (
    day_start,
    error_message,
    field_messages,
    login_required,
    page_actor,
    row_id,
)

bp = Blueprint("workspace", __name__)

PAGE_SIZE = 25
CHOOSE_CAMPAIGNS = 50  # campaigns « Écrire un post » offers to adapt, newest first
FILTER_STATUSES = [status for status in PostStatus if status != PostStatus.ARCHIVED]


def _day(value: str | None, *, after: bool = False) -> datetime | None:
    try:
        day = datetime.fromisoformat(value).date() if value else None
    except ValueError:
        return None
    if day is None:
        return None
    start = day_start(day)  # as the pages show days: in the app's time zone, not the server's
    return start + timedelta(days=1) if after else start


def _number(value: str | None) -> int | None:
    return row_id(value)


@bp.get("/posts", endpoint="posts")
@login_required
def posts_list() -> ResponseReturnValue:
    """My posts: those I may see, with filters by status, campaign, period and territory."""
    actor = page_actor()
    args = request.args
    known = {status.value for status in PostStatus}
    statuses = [PostStatus(s) for s in args.getlist("status") if s in known]
    filters = PostFilters(territory_id=_number(args.get("territory_id")), statuses=statuses,
                          campaign_id=_number(args.get("campaign_id")),
                          publish_from=_day(args.get("from")),
                          publish_to=_day(args.get("to"), after=True))
    with reading() as uow:
        items, cursor = post_queries.list_posts(uow.session, actor, filters, limit=PAGE_SIZE,
                                                cursor=args.get("cursor") or None)
        names, titles = writing.post_labels(uow.session, items)
        territories = writing.territories_for(uow.session, actor)
        choices = campaigns.filter_choices(uow.session, actor, selected=filters.campaign_id)
        return render_template(
            "workspace/posts.html", posts=items, next_cursor=cursor, names=names,
            titles=titles, territories=territories, campaigns=choices,
            statuses=[s for s in FILTER_STATUSES if s in post_queries.statuses_seen(actor)],
            chosen=set(statuses), args=args,
            next_args={**args.to_dict(flat=False), "cursor": cursor})


def _lines(text: str) -> str:
    """A textarea's value as typed: browsers send its line breaks as CRLF, the templates use LF."""
    return text.replace("\r\n", "\n")


def _fields(form: Any, slot_names: list[str]) -> posts.PostFields:
    """The post form as the use cases' fields (empty inputs clear their value)."""
    fields = posts.PostFields(text=_lines(form.get("text", "")), link=form.get("link") or None,
                              place_name=form.get("place_name") or None)
    fields.clear |= {name for name in ("link", "place_name") if not form.get(name)}
    if slot_names:
        fields.slot_values = {name: _lines(form.get(f"slot-{name}", "")) for name in slot_names}
    if form.get("media_url"):
        fields.media = [{"url": form["media_url"], "alt": form.get("media_alt", "")}]
    elif "media_url" in form:
        fields.media = []
    lon, lat = form.get("lon", "").strip(), form.get("lat", "").strip()
    try:
        if lon and lat:
            fields.lon, fields.lat = float(lon), float(lat)
        else:
            fields.clear.add("geotag")
        radius = form.get("audience_radius_km", "").strip()
        fields.audience_radius_km = float(radius) if radius else None
    except ValueError:
        raise InvalidInput("Not a number.", errors={"geotag": [_("Give numbers.")]}) from None
    if fields.audience_radius_km is None:
        fields.clear.add("audience_radius_km")
    fields.publish_at = _moment(form.get("publish_at"), form.get("timezone"))
    if fields.publish_at is None:
        fields.clear.add("publish_at")
    return fields


def _moment(value: str | None, timezone: str | None) -> datetime | None:
    """A datetime-local input read in the territory's time zone."""
    try:
        local = datetime.fromisoformat(value) if value else None
        zone = ZoneInfo(timezone or "Europe/Paris")
    except (ValueError, KeyError):
        return None
    return local.replace(tzinfo=zone) if local is not None else None


def _slot_names(frame: writing.WritingFrame) -> list[str]:
    return [slot["name"] for slot in frame.template.get("slots", [])]


def _render_form(frame: writing.WritingFrame, *, post: Post | None, values: dict[str, Any],
                 error: str | None = None, errors: dict[str, Any] | None = None,
                 report: dict[str, Any] | None = None, status: int = 200
                 ) -> ResponseReturnValue:
    body = _structure(frame, values["slots"])
    page = render_template(
        "workspace/form.html", frame=frame, post=post, values=values, error=error,
        errors=errors or {}, report=report, annotate=annotate,
        body=body, follows_body=bool(body) and filled_text(body) == values.get("text"),
        needs_media=any(str(r.get("type", "")).startswith("media.")
                        for r in frame.template.get("rules", [])))
    return page, status


def _structure(frame: writing.WritingFrame, slots: dict[str, Any]) -> list[Segment]:
    """The template's text with these slot values: empty slots are blanks named by label."""
    return structure(frame.template.get("body", ""), slots, slot_labels(frame.template))


def annotate(text: str, violations: list[dict[str, Any]]) -> list[tuple[str, int | None]]:
    """The text cut into segments, each marked with the violation it breaks (or None)."""
    marks = sorted((v["span"][0], v["span"][1], index) for index, v in enumerate(violations)
                   if v.get("span") and v["span"][1] > v["span"][0])
    segments: list[tuple[str, int | None]] = []
    position = 0
    for start, end, index in marks:
        if start < position or end > len(text):
            continue  # overlapping spans: the first one is marked, the others listed
        segments += [(text[position:start], None), (text[start:end], index)]
        position = end
    segments.append((text[position:], None))
    return [segment for segment in segments if segment[0]]


def _values(post: Post | None, frame: writing.WritingFrame) -> dict[str, Any]:
    """What the form shows first: the post as saved, or a new post's starting point."""
    if post is None:
        slots = dict(frame.campaign.slot_values) if frame.campaign else {}
        text = filled_text(_structure(frame, slots))
        territory = frame.territories[0] if len(frame.territories) == 1 else None
        return {"text": text, "slots": slots, "territory_id": territory.id if territory else None}
    point = cast(Point, to_shape(post.geom)) if post.geom is not None else None  # POINTs only
    media = (post.media or [{}])[0]
    return {
        "text": post.text, "slots": dict(post.slot_values or {}),
        "territory_id": post.territory_id, "link": post.link or "",
        "lon": f"{point.x:.6f}" if point else "", "lat": f"{point.y:.6f}" if point else "",
        "place_name": post.place_name or "", "media_url": media.get("url", ""),
        "media_alt": media.get("alt", ""),
        "audience_radius_km": (f"{post.audience_radius_km.normalize():f}"
                               if post.audience_radius_km is not None else ""),
        "publish_at_text": _local(post.publish_at, frame, post.territory_id),
    }


def _local(moment: datetime | None, frame: writing.WritingFrame, territory_id: int) -> str:
    """A stored time as the datetime-local input shows it, in the territory's time zone."""
    if moment is None:
        return ""
    zones = {t.id: t.timezone for t in frame.territories}
    return moment.astimezone(ZoneInfo(zones.get(territory_id, "Europe/Paris"))).strftime(
        "%Y-%m-%dT%H:%M")


def _submitted_values(form: Any, frame: writing.WritingFrame) -> dict[str, Any]:
    values = {name: form.get(name, "") for name in (
        "text", "link", "lon", "lat", "place_name", "media_url", "media_alt",
        "audience_radius_km")}
    values["slots"] = {name: _lines(form.get(f"slot-{name}", "")) for name in _slot_names(frame)}
    values["territory_id"] = _number(form.get("territory_id"))
    values["publish_at_text"] = form.get("publish_at", "")
    return values


def _submit(post_id: int, version: int | None) -> Post:
    """Send a saved post to the desk (its own transaction: a refusal keeps the saved draft)."""
    with unit_of_work() as uow:
        if version is None:
            version = posts.get_post(uow.session, page_actor(), post_id).version
        submitted = review.submit_post(uow, page_actor(), post_id, expected_version=version,
                                       messages=violation_messages())
        uow.commit()
        return submitted


def _save(frame: writing.WritingFrame, post_id: int | None) -> ResponseReturnValue:
    """Create or edit from the form, then submit if asked; errors re-render the form."""
    actor, form = page_actor(), request.form
    creating = post_id is None
    try:
        fields = _fields(form, _slot_names(frame))
        if post_id is None and not _number(form.get("territory_id")):
            raise InvalidInput("No territory chosen.", errors={
                "territory_id": [_("Choose the post's territory: the map shows it then.")]})
        with unit_of_work() as uow:
            if post_id is None:
                post = posts.create_post(
                    uow, actor, territory_id=_number(form.get("territory_id")) or 0,
                    fields=fields, campaign_id=frame.campaign.id if frame.campaign else None,
                    template_key=None if frame.campaign else frame.template_key)
            else:
                post = posts.edit_post(uow, actor, post_id, fields=fields,
                                       expected_version=_number(form.get("version")) or 0,
                                       messages=violation_messages())
            uow.commit()
            post_id = post.id
    except (InvalidInput, PermissionDenied, review.StaleVersion) as exc:
        return _render_form(frame, post=_reload(post_id), values=_submitted_values(form, frame),
                            error=error_message(exc), errors=field_messages(exc),
                            status=403 if isinstance(exc, PermissionDenied) else 422)
    if form.get("action") == "submit":
        # A refusal keeps what was just saved: say so, the form now edits that post.
        return _submit_or_report(post_id, saved=_(
            "Draft saved: fix the points flagged, then submit it again.") if creating else _(
            "Changes saved: fix the points flagged, then submit the post again."))
    return redirect(url_for("web.workspace.post", post_id=post_id), code=303)


def _reload(post_id: int | None) -> Post | None:
    if post_id is None:
        return None
    with reading() as uow:
        post = posts.get_post(uow.session, page_actor(), post_id)
        uow.session.expunge(post)
        return post


def _submit_or_report(post_id: int, version: int | None = None, *, saved: str | None = None
                      ) -> ResponseReturnValue:
    """Submit; a refusal sends the browser to the saved post's form (303), which shows why.

    ``saved`` says what the form saved just before, shown with a refusal. Post/Redirect/Get:
    the page the person sees is a GET, so reloading it saves and submits nothing again.
    """
    try:
        _submit(post_id, version)
    except InvalidInput as exc:
        if saved:
            flash(saved, "info")
        flash(error_message(exc), "error")
        for message in (m for ms in field_messages(exc).values() for m in ms):
            flash(message, "error")
        refused = isinstance(exc, review.ValidationFailed)
        return redirect(url_for("web.workspace.edit", post_id=post_id,
                                refused=1 if refused else None), code=303)
    return redirect(url_for("web.workspace.post", post_id=post_id), code=303)


def _report_now(session: Any, post: Post) -> dict[str, Any]:
    """The post checked against its template as submitting would, now; nothing is saved."""
    report, _charter = standards.check_draft(session, post.template_version_id,
                                             posts.draft_later(session, post),
                                             now=datetime.now().astimezone())
    return report_to_dict(report, violation_messages())


@bp.route("/posts/new", methods=["GET", "POST"])
@login_required
def new_post() -> ResponseReturnValue:
    """Write a post: a campaign's adaptation (?campaign=ID) or an original (?template=KEY)."""
    page_actor().require(*AUTHORS)
    campaign_id = _number(request.values.get("campaign"))
    key = request.values.get("template")
    if campaign_id is None and not key:
        with reading() as uow:
            from regions import inbox

            actor = page_actor()
            # The newest ones (one more: are there others, in the campaign list?), their
            # states only: not every open campaign of the years.
            shown = campaigns.list_campaigns(uow.session, actor, limit=CHOOSE_CAMPAIGNS + 1)
            ids = [c.id for c in shown[:CHOOSE_CAMPAIGNS]]
            return render_template(
                "workspace/choose.html", campaigns=shown[:CHOOSE_CAMPAIGNS],
                more_campaigns=len(shown) > CHOOSE_CAMPAIGNS,
                states=None if actor.is_central else inbox.adaptation_states(
                    uow.session, actor, now=datetime.now(UTC),
                    among=Campaign.id.in_(ids or [0])),
                templates=[t for t in standards.list_templates(uow.session)
                           if any(v.published_at for v in t.versions)])
    with reading() as uow:
        frame = writing.writing_frame(uow.session, page_actor(), campaign_id=campaign_id,
                                      template_key=key)
    if request.method == "POST":
        return _save(frame, None)
    return _render_form(frame, post=None, values=_values(None, frame))


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int) -> ResponseReturnValue:
    """Change a post (the same form as a new one); resubmit when changes were requested."""
    page_actor().require(*AUTHORS)
    with reading() as uow:
        post = posts.get_post(uow.session, page_actor(), post_id)
        geotags.require_territory(page_actor(), post.territory_id)
        frame = writing.edit_frame(uow.session, page_actor(), post)
        values = _values(post, frame)
        # After a refused submission (?refused=1): which rules it breaks, checked again now.
        report = (_report_now(uow.session, post)
                  if request.method == "GET" and request.args.get("refused") else None)
        uow.session.expunge(post)
    if request.method == "POST":
        return _save(frame, post_id)
    return _render_form(frame, post=post, values=values, report=report)


@bp.get("/posts/<int:post_id>")
@login_required
def post(post_id: int) -> ResponseReturnValue:
    """A post's page: text, status, map, report, history, comments, publication."""
    actor = page_actor()
    with reading() as uow:
        page = writing.post_page(uow.session, actor, post_id)
        point = to_shape(page.post.geom) if page.post.geom is not None else None
        actions = {a.value for a in allowed_actions(
            page.post.status, actor.role, lead_can_approve=settings().regional_lead_can_approve)}
        own = actor.is_central or page.post.territory_id in actor.territory_ids
        history = publication_history(uow.session, actor, post_id) if own else None
        return render_template("workspace/post.html", page=page, post=page.post, point=point,
                               actions=actions, annotate=annotate, history=history)


@bp.post("/posts/<int:post_id>/submit")
@login_required
def submit(post_id: int) -> ResponseReturnValue:
    """Send the post to the desk (again, after requested changes)."""
    return _submit_or_report(post_id, _number(request.form.get("version")) or 0)


@bp.post("/posts/<int:post_id>/withdraw")
@login_required
def withdraw(post_id: int) -> ResponseReturnValue:
    """Take the post back."""
    with unit_of_work() as uow:
        review.withdraw_post(uow, page_actor(), post_id,
                             expected_version=_number(request.form.get("version")) or 0)
        uow.commit()
    return redirect(url_for("web.workspace.post", post_id=post_id), code=303)


@bp.post("/posts/<int:post_id>/retry")
@login_required
def retry(post_id: int) -> ResponseReturnValue:
    """Publish a failed post again; Relais looks on the Page first, so it never posts twice."""
    with unit_of_work() as uow:
        publishing_actions.retry_post(uow, page_actor(), post_id)
        uow.commit()
    return redirect(url_for("web.workspace.post", post_id=post_id), code=303)


@bp.post("/posts/<int:post_id>/comments")
@login_required
def comment(post_id: int) -> ResponseReturnValue:
    """Add a comment to the post's discussion."""
    with unit_of_work() as uow:
        review.comment_on_post(uow, page_actor(), post_id, request.form.get("body", ""))
        uow.commit()
    return redirect(url_for("web.workspace.post", post_id=post_id, _anchor="comments"),
                    code=303)


@bp.get("/posts/geotag")
@login_required
def geotag() -> ResponseReturnValue:
    """Check a point picked on the map as the submission will; suggest its place name."""
    territory_id = _number(request.args.get("territory_id"))
    try:
        lon, lat = float(request.args["lon"]), float(request.args["lat"])
    except (KeyError, ValueError):
        abort(400)
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):  # NaN fails both too
        # A typed point off the globe is not "outside the territory": say what is wrong.
        return jsonify(inside=False, code="geotag.out_of_range", message=_(
            "A longitude lies between -180 and 180, a latitude between -90 and 90."))
    try:
        with reading() as uow:
            found = geotags.check_geotag(uow.session, page_actor(), territory_id or 0, lon, lat)
    except (geotags.GeotagOutsideTerritory, geotags.TerritoryNotMember) as exc:
        # An answer, not a failure: the page shows the message and keeps the previous point.
        return jsonify(inside=False, code=exc.code, message=error_message(exc))
    return jsonify(inside=True, lon=found.lon, lat=found.lat, place_name=found.place_name)
