"""What the desk reads before deciding: the annotated text, the master text, the map, the talk."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial.body import parse_body, render
from regions import review, site
from regions.actors import DESK_ROLES, Actor
from regions.geotags import require_territory
from regions.models import Campaign, Post, PostStatus, TemplateVersion, Territory, User
from regions.post_queries import audit_trail
from regions.posts import get_post, report_of
from regions.timing import Timing, publication_timing
from regions.workflow import REGIONAL_LEAD

SIMPLIFY_DEGREES = 0.0005
_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text: plain (``kind`` ""), a violation ("violation"), or a template part."""

    text: str
    kind: str = ""
    note: int | None = None  # the violation's number in the report, or the slot's name index
    severity: str = ""
    slot: str | None = None  # a slot part's label (its name when it has none)
    name: str | None = None  # a slot part's name: the id its input and values go by


@dataclass
class ReviewScreen:
    """Everything the review page shows about one post."""

    post: Post
    territory_name: str
    author: str
    campaign: Campaign | None
    violations: list[dict[str, Any]]
    annotated: list[Segment]
    structure: list[Segment]
    diff: list[Segment]
    follows_master: bool
    conflicts: list[dict[str, Any]]
    comments: list[dict[str, Any]]
    trail: list[dict[str, Any]]
    geojson: dict[str, Any]
    geo_outside: bool
    # False when the reviewer wrote or edited the post and self-approval is not allowed.
    may_approve: bool = True
    # A waiting post without a date: when an approval now would publish it (decision 0054).
    publication: Timing | None = None


def annotate(text: str, violations: list[dict[str, Any]]) -> list[Segment]:
    """The text cut at the violations' spans (numbered from 1); overlaps keep the first."""
    marks = sorted((tuple(v["span"]), number, v.get("severity", "error"))
                   for number, v in enumerate(violations, 1) if v.get("span"))
    segments: list[Segment] = []
    cursor = 0
    for (start, end), number, severity in marks:
        start, end = max(start, cursor), min(end, len(text))
        if start >= end:
            continue
        if start > cursor:
            segments.append(Segment(text[cursor:start]))
        segments.append(Segment(text[start:end], "violation", number, severity))
        cursor = end
    if cursor < len(text) or not segments:
        segments.append(Segment(text[cursor:]))
    return segments


def structure(body: str, slot_values: dict[str, Any], labels: Mapping[str, str] | None = None
              ) -> list[Segment]:
    """A template body as locked parts and slots (filled with ``slot_values``, or empty).

    A slot is named by its label where the template gives one (``labels``: name → label).
    """
    pieces, _problems = parse_body(body)
    segments = []
    for piece in pieces:
        if piece.slot is None:
            segments.append(Segment(piece.text, "locked"))
            continue
        shown = (labels or {}).get(piece.slot, piece.slot)
        if str(slot_values.get(piece.slot) or ""):
            segments.append(Segment(str(slot_values[piece.slot]), "slot-filled", slot=shown,
                                    name=piece.slot))
        else:
            segments.append(Segment(f"{{{shown}}}", "slot-empty", slot=shown, name=piece.slot))
    return segments


def filled_text(segments: list[Segment]) -> str:
    """The text a body's ``structure`` makes: empty slots are left out, never written ``{name}``."""
    return "".join(seg.text for seg in segments if seg.kind != "slot-empty")


def slot_labels(template: Mapping[str, Any]) -> dict[str, str]:
    """Name → label of a template dict's slots that have a label."""
    return {str(slot["name"]): str(slot["label"]) for slot in template.get("slots", [])
            if isinstance(slot, Mapping) and slot.get("name") and slot.get("label")}


def word_diff(master: str, text: str) -> list[Segment]:
    """Word by word, what the post keeps ("") inserts ("ins") or drops ("del") of the master."""
    before, after = _WORDS.findall(master), _WORDS.findall(text)
    segments = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(Segment("".join(before[a1:a2])))
            continue
        if op in ("delete", "replace"):
            segments.append(Segment("".join(before[a1:a2]), "del"))
        if op in ("insert", "replace"):
            segments.append(Segment("".join(after[b1:b2]), "ins"))
    return segments


def require_reviewer(actor: Actor, *, lead_can_approve: bool) -> None:
    """The desk reviews; a regional lead too, for its territories, when the setting allows."""
    if not (lead_can_approve and actor.role == REGIONAL_LEAD):
        actor.require(*DESK_ROLES)


def master_body(session: Session, post: Post, campaign: Campaign | None) -> str:
    """The text the post adapts: its campaign's master text, else its template's body."""
    if campaign is not None and campaign.master_text:
        return campaign.master_text
    return str(_template_data(session, post).get("body", ""))


def _template_data(session: Session, post: Post) -> Mapping[str, Any]:
    version = session.get(TemplateVersion, post.template_version_id)
    return version.data if version else {}


def geometry(session: Session, post: Post, conflicts: list[dict[str, Any]]) -> dict[str, Any]:
    """The map's GeoJSON: territory outline, audience, geotag, and the conflicts' overlaps."""
    features = []
    outline, audience, point = session.execute(
        select(func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(Territory.geom,
                                                                  SIMPLIFY_DEGREES), 5),
               func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(Post.audience_geom,
                                                                  SIMPLIFY_DEGREES), 5),
               func.ST_AsGeoJSON(Post.geom, 6))
        .join(Territory, Territory.id == Post.territory_id).where(Post.id == post.id)).one()
    for kind, shape in (("territory", outline), ("audience", audience), ("geotag", point)):
        if shape:
            features.append({"type": "Feature", "geometry": json.loads(shape),
                             "properties": {"kind": kind}})
    for conflict in conflicts:
        features.append({"type": "Feature", "geometry": conflict["overlap"],
                         "properties": {"kind": "conflict", "post_id": conflict["post_id"]}})
    return {"type": "FeatureCollection", "features": features}


def _names(session: Session, model: Any, column: Any, ids: set[int]) -> dict[int, str]:
    return {row[0]: row[1] for row in session.execute(
        select(model.id, column).where(model.id.in_(ids or {0})))}


def _conflicts(session: Session, post: Post, actor: Actor, window_hours: int
               ) -> list[dict[str, Any]]:
    found = review.conflicts_for(session, post, actor, window_hours=window_hours)
    names = _names(session, Territory, Territory.name, {c.territory_id for c in found})
    return [{"post_id": c.post_id, "territory_name": names.get(c.territory_id, ""),
             "status": c.status, "publish_at": c.publish_at, "overlap_km2": c.overlap_km2,
             "overlap": c.overlap_geojson} for c in found]


def _comments(session: Session, post_id: int) -> list[dict[str, Any]]:
    comments = review.comments_on(session, post_id)
    authors = _names(session, User, User.email, {c.author_id for c in comments})
    return [{"at": c.created_at, "author": authors.get(c.author_id, ""), "body": c.body}
            for c in comments]


def review_screen(session: Session, actor: Actor, post_id: int, *, window_hours: int,
                  lead_can_approve: bool, now: datetime | None = None) -> ReviewScreen:
    """Read one post for review (the desk, or a lead of its territory when allowed).

    ``now``: the moment an approval would take, for a waiting post without a date.
    """
    require_reviewer(actor, lead_can_approve=lead_can_approve)
    post = get_post(session, actor, post_id)
    require_territory(actor, post.territory_id)
    campaign = session.get(Campaign, post.campaign_id) if post.campaign_id else None
    violations = list(report_of(post).get("violations", []))
    body = master_body(session, post, campaign)
    slots = dict(post.slot_values or {})
    rendered = render(parse_body(body)[0], slots) if body else ""
    conflicts = _conflicts(session, post, actor, window_hours)
    territory = session.get(Territory, post.territory_id)
    author = session.get(User, post.author_id)
    return ReviewScreen(
        post=post, territory_name=territory.name if territory else "",
        author=author.email if author else "", campaign=campaign, violations=violations,
        annotated=annotate(post.text, violations),
        structure=structure(body, slots, slot_labels(_template_data(session, post)))
        if body else [],
        diff=word_diff(rendered, post.text) if body and rendered != post.text else [],
        follows_master=bool(body) and rendered == post.text,
        conflicts=conflicts, comments=_comments(session, post.id),
        trail=audit_trail(session, post.id), geojson=geometry(session, post, conflicts),
        geo_outside=any(v.get("code") == "geo.outside_territory" for v in violations),
        may_approve=(actor.user_id not in review.writers_of(session, post)
                     or site.current(session).allow_self_approval),
        publication=(publication_timing(session, post, now or datetime.now().astimezone())
                     if post.status == PostStatus.SUBMITTED else None),
    )

