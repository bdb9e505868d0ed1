"""Territories: create, change and delete them; drawn or composed shapes; sibling overlaps."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import available_timezones

import shapely
from geoalchemy2 import Geography
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import cast, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from editorial.errors import N_
from regions import audit
from regions.actors import DESK_ROLES, Actor
from regions.db import UnitOfWork
from regions.errors import Conflict, InvalidInput, NotFound, required_text
from regions.models import AdminArea, Membership, Post, PostStatus, Territory
from regions.teams import descendants_of

KINDS = ("group", "region", "area", "local")
CLOSED_POSTS = (PostStatus.REJECTED, PostStatus.WITHDRAWN, PostStatus.ARCHIVED)
SLUG_CONSTRAINT = "uq_territories_slug"


@dataclass(frozen=True, slots=True)
class AreaSelection:
    """Gazetteer areas to compose a territory from: one level, several codes."""

    level: str
    codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Overlap:
    """A sibling territory sharing area with this one."""

    territory_id: int
    name: str
    area_km2: float


@dataclass
class ShapeReport:
    """What changing a territory's shape revealed; nothing is re-checked silently."""

    overlaps: list[Overlap] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    posts_now_outside: list[int] = field(default_factory=list)


def slugify(text: str) -> str:
    """A URL-safe slug: accents folded, lowercase, words joined by dashes."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:80] or "territory"


def polygonal(shape: BaseGeometry, report: ShapeReport) -> MultiPolygon:
    """A valid MultiPolygon from a drawn shape: invalid rings are repaired and reported."""
    if not isinstance(shape, Polygon | MultiPolygon):
        raise InvalidInput(
            f"A territory's shape must be a Polygon or MultiPolygon, not {shape.geom_type}.",
            params={"geom_type": shape.geom_type},
            errors={"geometry": [N_("The geometry must be one of {expected}, not {got}.",
                                  expected="Polygon, MultiPolygon", got=shape.geom_type)]},
        )
    if not shape.is_valid:
        report.repairs.append(shapely.is_valid_reason(shape))
        parts = shapely.get_parts(shapely.make_valid(shape))
        shape = MultiPolygon([p for g in parts for p in getattr(g, "geoms", [g])
                              if isinstance(p, Polygon)])
    if shape.is_empty:
        raise InvalidInput("The shape has no area.",
                           errors={"geometry": [N_("The geometry is empty.")]})
    return shape if isinstance(shape, MultiPolygon) else MultiPolygon([shape])


def composed_shape(session: Session, selection: AreaSelection) -> tuple[Any, list[AdminArea]]:
    """The union of gazetteer areas (as a database expression) and the areas themselves."""
    codes = sorted(set(selection.codes))
    areas = list(session.scalars(
        select(AdminArea).where(AdminArea.level == selection.level, AdminArea.code.in_(codes))
    ))
    unknown = sorted(set(codes) - {area.code for area in areas})
    if unknown or not codes:
        raise InvalidInput(
            f"Unknown {selection.level} codes: {', '.join(unknown) or '(none given)'}.",
            params={"level": selection.level, "codes": unknown},
            errors={"areas": {"codes": [N_("Unknown code {code}.", code=code) for code in unknown]
                              or [N_("Give at least one code.")]}},
        )
    union = select(func.ST_Multi(func.ST_Union(AdminArea.geom))).where(
        AdminArea.id.in_([area.id for area in areas])
    ).scalar_subquery()
    return union, areas


def get_territory(session: Session, territory_id: int, *, for_update: bool = False
                  ) -> Territory:
    """One territory by id (visible to everyone in the organisation); locked when changing."""
    territory = session.get(Territory, territory_id, with_for_update=for_update or None)
    if territory is None:
        raise NotFound(f"No territory {territory_id}.",
                       params={"kind": "territory", "id": territory_id})
    return territory


def _check_fields(session: Session, *, kind: str, timezone: str, parent_id: int | None,
                  territory_id: int | None = None) -> None:
    problems: dict[str, list[str]] = {}
    if kind not in KINDS:
        problems["kind"] = [f"Must be one of: {', '.join(KINDS)}."]
    if timezone not in available_timezones():
        problems["timezone"] = [f"Unknown IANA time zone {timezone!r}."]
    if parent_id is not None:
        if session.get(Territory, parent_id) is None:
            problems["parent_id"] = [f"No territory {parent_id}."]
        elif territory_id is not None and parent_id in descendants_of(session, {territory_id}):
            problems["parent_id"] = ["A territory cannot be placed under itself or a descendant."]
    if problems:
        raise InvalidInput("Some fields are invalid.", errors=problems)


def sibling_overlaps(session: Session, territory: Territory) -> list[Overlap]:
    """Siblings (same parent) whose shape shares area with this territory's."""
    if territory.geom is None:
        return []
    other = aliased(Territory)
    shared = func.ST_Area(cast(func.ST_Intersection(Territory.geom, other.geom), Geography))
    query = (
        select(other.id, other.name, shared)
        .join(other, func.ST_Intersects(Territory.geom, other.geom))
        .where(Territory.id == territory.id, other.id != territory.id,
               other.parent_id.is_not_distinct_from(territory.parent_id))
        .order_by(other.id)
    )
    return [Overlap(row[0], row[1], round(float(row[2]) / 1e6, 3))
            for row in session.execute(query) if row[2] and row[2] > 1.0]


def posts_outside(session: Session, territory: Territory) -> list[int]:
    """Posts of the territory whose geotag its (new) shape no longer covers.

    They keep their territory: nothing is moved or re-checked silently; the report says which.
    """
    query = select(Post.id).join(Territory, Territory.id == Post.territory_id).where(
        Post.territory_id == territory.id, Post.geom.is_not(None),
        Post.status.not_in(CLOSED_POSTS),
        ~func.coalesce(func.ST_Covers(Territory.geom, Post.geom), False),
    ).order_by(Post.id)
    return list(session.scalars(query))


def _apply_shape(uow: UnitOfWork, territory: Territory, *, shape: BaseGeometry | None,
                 areas: AreaSelection | None, report: ShapeReport) -> None:
    if shape is not None and areas is not None:
        raise InvalidInput("Give either a drawn geometry or gazetteer areas, not both.",
                           errors={"geometry": [N_("Not with areas.")]})
    # Nothing pending may be flushed by the lookups here (the gazetteer query, loading the old
    # areas): a taken slug must surface in _finish_shape_change as a Conflict, not as an
    # IntegrityError from an autoflush.
    with uow.session.no_autoflush:
        if shape is not None:
            territory.geom = from_shape(polygonal(shape, report), srid=4326)
            territory.geom_source = "drawn"
            territory.areas = []
        elif areas is not None:
            union, rows = composed_shape(uow.session, areas)
            territory.geom = union
            territory.geom_source = "composed"
            territory.areas = rows


def _finish_shape_change(uow: UnitOfWork, territory: Territory, report: ShapeReport,
                         allow_overlaps: bool) -> None:
    # Read before flushing: a failed flush rolls the whole transaction back and expires the
    # territory, so its attributes can no longer be loaded to word the conflict.
    slug = territory.slug
    try:
        uow.flush()
    except IntegrityError as exc:
        if getattr(getattr(exc.orig, "diag", None), "constraint_name", None) != SLUG_CONSTRAINT:
            raise
        raise Conflict(f"A territory with the slug {slug!r} already exists.",
                       params={"slug": slug}, errors={"slug": [N_("Already taken.")]}) from None
    uow.session.refresh(territory, ["geom"])
    report.overlaps = sibling_overlaps(uow.session, territory)
    if report.overlaps and not allow_overlaps:
        names = ", ".join(o.name for o in report.overlaps)
        raise Conflict(
            f"The shape overlaps sibling territories: {names}.",
            params={"names": names},
            errors={"geometry": [N_("Overlaps {name} by {area} km².", name=o.name,
                                    area=o.area_km2) for o in report.overlaps]},
        )


def create_territory(
    uow: UnitOfWork,
    actor: Actor | None,
    *,
    name: str,
    slug: str | None = None,
    kind: str = "region",
    parent_id: int | None = None,
    timezone: str = "Europe/Paris",
    shape: BaseGeometry | None = None,
    areas: AreaSelection | None = None,
    allow_overlaps: bool = True,
) -> tuple[Territory, ShapeReport]:
    """Create a territory, drawn, composed of gazetteer areas, or shapeless (a grouping)."""
    if actor is not None:
        actor.require(*DESK_ROLES)
    name = required_text("name", name)
    _check_fields(uow.session, kind=kind, timezone=timezone, parent_id=parent_id)
    territory = Territory(name=name, slug=slug or slugify(name), kind=kind,
                          parent_id=parent_id, timezone=timezone)
    uow.session.add(territory)
    report = ShapeReport()
    _apply_shape(uow, territory, shape=shape, areas=areas, report=report)
    _finish_shape_change(uow, territory, report, allow_overlaps)
    audit.record(uow.session, actor.user_id if actor else None, "territory.created",
                 "territory", territory.id,
                 {"name": territory.name, "slug": territory.slug, "repairs": report.repairs})
    return territory, report


def update_territory(
    uow: UnitOfWork,
    actor: Actor,
    territory_id: int,
    *,
    expected_version: int,
    changes: dict[str, Any],
    shape: BaseGeometry | None = None,
    areas: AreaSelection | None = None,
    allow_overlaps: bool = True,
) -> tuple[Territory, ShapeReport]:
    """Change a territory; a stale ``expected_version`` is a conflict, never a lost update."""
    actor.require(*DESK_ROLES)
    territory = get_territory(uow.session, territory_id, for_update=True)
    if territory.version != expected_version:
        raise Conflict("This territory changed since you loaded it.", params={
            "expected": expected_version, "current": territory.version})
    if "name" in changes:
        changes = {**changes, "name": required_text("name", changes["name"])}
    merged = {"kind": territory.kind, "timezone": territory.timezone,
              "parent_id": territory.parent_id} | {
        k: v for k, v in changes.items() if k in ("kind", "timezone", "parent_id")}
    _check_fields(uow.session, territory_id=territory.id, **merged)
    for key in ("name", "slug", "kind", "timezone", "parent_id"):
        if key in changes:
            setattr(territory, key, changes[key])
    report = ShapeReport()
    _apply_shape(uow, territory, shape=shape, areas=areas, report=report)
    territory.updated_at = func.now()
    _finish_shape_change(uow, territory, report, allow_overlaps)
    if shape is not None or areas is not None:
        report.posts_now_outside = posts_outside(uow.session, territory)
    audit.record(uow.session, actor.user_id, "territory.updated", "territory", territory.id,
                 {"fields": sorted(changes), "shape_changed": bool(shape or areas),
                  "repairs": report.repairs})
    return territory, report


def delete_territory(uow: UnitOfWork, actor: Actor, territory_id: int) -> None:
    """Delete a territory that has no sub-territories, members, posts or campaigns' posts."""
    actor.require(*DESK_ROLES)
    territory = get_territory(uow.session, territory_id)

    def count(column: Any) -> int:
        return int(uow.session.scalar(select(func.count()).where(column == territory.id)) or 0)

    children, members = count(Territory.parent_id), count(Membership.territory_id)
    posts = count(Post.territory_id)
    if children or members or posts:
        raise Conflict(
            "Only a territory without sub-territories, members and posts can be deleted.",
            params={"children": children, "members": members, "posts": posts},
            errors={"territory": [N_(
                "{children} sub-territories, {members} members, {posts} posts.",
                children=children, members=members, posts=posts)]},
        )
    audit.record(uow.session, actor.user_id, "territory.deleted", "territory", territory.id,
                 {"name": territory.name, "slug": territory.slug})
    uow.session.delete(territory)
