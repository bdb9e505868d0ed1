"""Territories: creation, hierarchy and scope (which territories an actor may act on)."""

from __future__ import annotations

import re
import unicodedata

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from regions import audit
from regions.actors import Actor
from regions.db import UnitOfWork
from regions.errors import Conflict, InvalidInput, NotFound
from regions.models import Membership, Role, Territory, User


def descendants_of(session: Session, territory_ids: set[int]) -> frozenset[int]:
    """The territories given and all their descendants (one recursive query)."""
    if not territory_ids:
        return frozenset()
    tree = select(Territory.id).where(Territory.id.in_(territory_ids)).cte(recursive=True)
    tree = tree.union(select(Territory.id).where(Territory.parent_id == tree.c.id))
    return frozenset(session.scalars(select(tree.c.id)))


def scope_for_user(session: Session, user: User) -> frozenset[int]:
    """A user's territories and their descendants."""
    direct = set(
        session.scalars(select(Membership.territory_id).where(Membership.user_id == user.id))
    )
    return descendants_of(session, direct)


def member_territory_ids(session: Session, user_id: int) -> list[int]:
    """The territories a user is directly a member of."""
    query = select(Membership.territory_id).where(Membership.user_id == user_id)
    return sorted(session.scalars(query.order_by(Membership.territory_id)))


def add_member(
    uow: UnitOfWork, actor: Actor | None, user: User, territory_id: int, role: Role | None = None
) -> Membership:
    """Make a user a member of a territory (admins, or the operator's CLI when actor is None)."""
    if actor is not None:
        actor.require(Role.ADMIN)
    territory = uow.session.get(Territory, territory_id)
    if territory is None:
        raise InvalidInput(
            f"No territory {territory_id}.",
            params={"id": territory_id},
            errors={"territory_ids": [f"Unknown territory {territory_id}."]},
        )
    membership = uow.session.get(Membership, (user.id, territory_id))
    if membership is None:
        membership = Membership(user_id=user.id, territory_id=territory_id, role=role or user.role)
        uow.session.add(membership)
        audit.record(uow.session, actor.user_id if actor else None, "membership.added", "user",
                     user.id, {"territory_id": territory_id})
    return membership


def slugify(text: str) -> str:
    """A URL-safe slug: accents folded, lowercase, words joined by dashes."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:80] or "territory"


def to_multipolygon(shape: BaseGeometry) -> MultiPolygon:
    """Polygons become one-part multipolygons; anything else is refused."""
    if isinstance(shape, Polygon):
        return MultiPolygon([shape])
    if isinstance(shape, MultiPolygon):
        return shape
    raise InvalidInput(
        f"A territory's shape must be a Polygon or MultiPolygon, not {shape.geom_type}.",
        params={"geom_type": shape.geom_type},
        errors={"geometry": [f"Expected Polygon or MultiPolygon, got {shape.geom_type}."]},
    )


def get_territory(session: Session, territory_id: int) -> Territory:
    """One territory by id (territories are public within the organisation)."""
    territory = session.get(Territory, territory_id)
    if territory is None:
        raise NotFound(f"No territory {territory_id}.", params={"kind": "territory",
                                                              "id": territory_id})
    return territory


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
) -> Territory:
    """Create a territory with a drawn shape (or none, for a grouping level)."""
    if actor is not None:
        actor.require(Role.ADMIN, Role.CENTRAL_EDITOR)
    if parent_id is not None:
        get_territory(uow.session, parent_id)
    territory = Territory(
        name=name.strip(), slug=slug or slugify(name), kind=kind, parent_id=parent_id,
        timezone=timezone, geom_source="drawn",
        geom=from_shape(to_multipolygon(shape), srid=4326) if shape is not None else None,
    )
    uow.session.add(territory)
    try:
        with uow.session.begin_nested():
            uow.flush()
    except IntegrityError:
        raise Conflict(
            f"A territory with the slug {territory.slug!r} already exists.",
            params={"slug": territory.slug}, errors={"slug": ["Already taken."]},
        ) from None
    audit.record(uow.session, actor.user_id if actor else None, "territory.created",
                 "territory", territory.id, {"name": territory.name, "slug": territory.slug})
    return territory
