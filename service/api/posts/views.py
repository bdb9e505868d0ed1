"""Posts as the API shows them (built while the unit of work is open)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from geoalchemy2.shape import to_shape
from orjson import Fragment
from shapely import Point
from sqlalchemy import select
from sqlalchemy.orm import Session

from regions.actors import Actor
from regions.db import read_later
from regions.models import Post, PostStatus, TemplateRecord, TemplateVersion
from regions.posts import PostFields
from regions.review import AudienceConflict, conflicts_for, conflicts_for_posts
from regions.workflow import Action, allowed_actions


def template_refs(session: Session, version_ids: set[int]) -> dict[int, dict[str, Any]]:
    """Template key and version number by version id, for a page of posts in one query."""
    rows = session.execute(
        select(TemplateVersion.id, TemplateRecord.key, TemplateVersion.number)
        .join(TemplateRecord, TemplateRecord.id == TemplateVersion.template_id)
        .where(TemplateVersion.id.in_(version_ids or {0})))
    return {row[0]: {"key": row[1], "version": row[2]} for row in rows}


# Plain SQL, so that it rides with a use case's reads (``regions.db.read_later``).
_TEMPLATE_OF_POST = """
SELECT v.id, k.key, v.number FROM posts p
JOIN template_versions v ON v.id = p.template_version_id JOIN templates k ON k.id = v.template_id
WHERE p.id = %(post_id)s"""


def template_ref_later(session: Session, post_id: int) -> Callable[[], dict[int, dict[str, Any]]]:
    """``template_refs`` of one post, read with the session's next read (a use case's)."""
    rows = read_later(session, _TEMPLATE_OF_POST, {"post_id": post_id})
    return lambda: {row[0]: {"key": row[1], "version": row[2]} for row in rows()}


def post_view(session: Session, post: Post, actor: Actor, *, lead_can_approve: bool,
              templates: dict[int, dict[str, Any]] | None = None,
              conflict_window_hours: int | None = None,
              conflicts: list[AudienceConflict] | None = None) -> dict[str, Any]:
    """A post with its template reference, geotag, audience and the actions allowed.

    With ``conflict_window_hours``, its audience conflicts too: ``conflicts`` when the caller
    read them for a whole page (``page_conflicts``), else one query for this post.
    """
    templates = templates or template_refs(session, {post.template_version_id})
    # The column holds POINTs only.
    point = cast(Point, to_shape(post.geom)) if post.geom is not None else None
    radius = float(post.audience_radius_km) if post.audience_radius_km is not None else None
    view = {name: getattr(post, name) for name in (
        "id", "territory_id", "author_id", "campaign_id", "text", "slot_values", "media", "link",
        "place_name", "publish_at", "report", "has_warnings", "facebook_post_id", "permalink",
        "published_at", "failure_reason", "created_at", "updated_at", "version")}
    view.update(
        status=post.status.value,
        template=templates.get(post.template_version_id),
        geotag={"lon": point.x, "lat": point.y} if point is not None else None,
        audience=({"radius_km": radius, "area_ids": list(post.audience_area_ids or [])}
                  if radius is not None or post.audience_area_ids else None),
        allowed_actions=[a.value for a in allowed_actions(
            post.status, actor.role, lead_can_approve=lead_can_approve)],
    )
    if conflict_window_hours is not None and conflicts is None:
        conflicts = conflicts_for(session, post, actor, window_hours=conflict_window_hours)
    if conflicts is not None:
        view["conflicts"] = [
            {"post_id": c.post_id, "territory_id": c.territory_id, "status": c.status,
             "publish_at": c.publish_at, "overlap_km2": c.overlap_km2,
             "overlap": c.overlap_geojson}
            for c in conflicts]
    return view


def list_items(rows: Sequence[Sequence[Any]], actor: Actor, *, lead_can_approve: bool,
               refused: set[int]) -> list[dict[str, Any]]:
    """Rows of ``post_queries.ROW_COLUMNS`` as ``post_view`` shows posts (without conflicts).

    Unpacked in ROW_COLUMNS' order (the cheapest way to read 26 values a row). JSON columns go
    out as the JSON text PostgreSQL gave, not decoded and encoded again; the actions allowed are
    worked out once per state of the page.
    """
    actions: dict[PostStatus, list[str]] = {}
    items = []
    for (post_id, territory_id, author_id, campaign_id, text, slot_values, media, link,
         place_name, publish_at, report, has_warnings, facebook_post_id, permalink, published_at,
         failure_reason, created_at, updated_at, version, status, template_key, template_number,
         lon, lat, radius_km, area_ids) in rows:
        allowed = actions.get(status)
        if allowed is None:
            allowed = actions[status] = [a.value for a in allowed_actions(
                status, actor.role, lead_can_approve=lead_can_approve)]
        if post_id in refused:  # a writer of the post may not approve it (decision 0015)
            allowed = [action for action in allowed if action != Action.APPROVE.value]
        items.append({
            "id": post_id, "territory_id": territory_id, "author_id": author_id,
            "campaign_id": campaign_id, "text": text, "slot_values": Fragment(slot_values),
            "media": Fragment(media), "link": link, "place_name": place_name,
            "publish_at": publish_at, "report": Fragment(report), "has_warnings": has_warnings,
            "facebook_post_id": facebook_post_id, "permalink": permalink,
            "published_at": published_at, "failure_reason": failure_reason,
            "created_at": created_at, "updated_at": updated_at, "version": version,
            "status": status.value, "template": {"key": template_key, "version": template_number},
            "geotag": {"lon": lon, "lat": lat} if lon is not None else None,
            "audience": ({"radius_km": radius_km, "area_ids": area_ids}
                         if radius_km is not None or area_ids else None),
            "allowed_actions": allowed,
        })
    return items


def page_conflicts(session: Session, posts: list[Post], actor: Actor, *,
                   window_hours: int) -> dict[int, list[AudienceConflict]]:
    """The audience conflicts of every post of a page, read in one query."""
    return conflicts_for_posts(session, posts, actor, window_hours=window_hours)


def fields_from(args: dict[str, Any]) -> PostFields:
    """Turn parsed arguments into the fields a use case applies (null clears a value)."""
    fields = PostFields()
    for name in ("text", "slot_values", "media", "link", "place_name", "publish_at"):
        if name in args:
            setattr(fields, name, args[name])
            if args[name] is None:
                fields.clear.add(name)
    if "geotag" in args:
        if args["geotag"] is None:
            fields.clear.add("geotag")
        else:
            fields.lon, fields.lat = args["geotag"]["lon"], args["geotag"]["lat"]
    if "audience" in args:
        audience = args["audience"] or {}
        fields.audience_radius_km = audience.get("radius_km")
        if fields.audience_radius_km is None:
            fields.clear.add("audience_radius_km")
        fields.audience_area_codes = [(a["level"], a["code"]) for a in audience.get("areas", [])]
    return fields
