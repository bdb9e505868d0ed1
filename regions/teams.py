"""Teams: users are members of territories; a member's scope is those and their descendants."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial.errors import N_
from regions import audit
from regions.actors import Actor
from regions.db import UnitOfWork
from regions.errors import InvalidInput, NotFound
from regions.models import Membership, Role, Territory, User


def descendants_of(session: Session, territory_ids: set[int]) -> frozenset[int]:
    """The territories given and all their descendants (one recursive query)."""
    if not territory_ids:
        return frozenset()
    tree = select(Territory.id).where(Territory.id.in_(territory_ids)).cte(recursive=True)
    tree = tree.union(select(Territory.id).where(Territory.parent_id == tree.c.id))
    return frozenset(session.scalars(select(tree.c.id)))


def member_territory_ids_by_user(session: Session, user_ids: list[int]) -> dict[int, list[int]]:
    """Direct territories of many users in one query (list pages)."""
    found: dict[int, list[int]] = {user_id: [] for user_id in user_ids}
    rows = session.execute(select(Membership.user_id, Membership.territory_id)
                           .where(Membership.user_id.in_(user_ids or [0]))
                           .order_by(Membership.territory_id))
    for user_id, territory_id in rows:
        found[user_id].append(territory_id)
    return found


def member_territory_ids(session: Session, user_id: int) -> list[int]:
    """The territories a user is directly a member of."""
    query = select(Membership.territory_id).where(Membership.user_id == user_id)
    return sorted(session.scalars(query))


def list_members(session: Session, territory_id: int) -> list[tuple[Membership, User]]:
    """A territory's direct members, with their users."""
    query = (
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.territory_id == territory_id)
        .order_by(User.email)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def add_member(uow: UnitOfWork, actor: Actor | None, user: User, territory_id: int
               ) -> Membership:
    """Make a user a member of a territory (admins, or the operator's CLI when actor is None).

    A user has one role everywhere: the membership records it, it grants nothing more.
    """
    if actor is not None:
        actor.require(Role.ADMIN)
    if uow.session.get(Territory, territory_id) is None:
        raise InvalidInput(
            f"No territory {territory_id}.",
            params={"id": territory_id},
            errors={"territory_ids": [N_("Unknown territory {id}.", id=territory_id)]},
        )
    membership = uow.session.get(Membership, (user.id, territory_id))
    if membership is None:
        membership = Membership(user_id=user.id, territory_id=territory_id, role=user.role)
        uow.session.add(membership)
        audit.record(uow.session, actor.user_id if actor else None, "membership.added", "user",
                     user.id, {"territory_id": territory_id})
    return membership


def remove_member(uow: UnitOfWork, actor: Actor, user_id: int, territory_id: int) -> None:
    """End a user's membership of a territory (admins)."""
    actor.require(Role.ADMIN)
    membership = uow.session.get(Membership, (user_id, territory_id))
    if membership is None:
        raise NotFound("No such membership.", params={"kind": "membership"})
    uow.session.delete(membership)
    audit.record(uow.session, actor.user_id, "membership.removed", "user", user_id,
                 {"territory_id": territory_id})


def set_memberships(uow: UnitOfWork, actor: Actor, user: User, territory_ids: set[int]
                    ) -> list[int]:
    """Make a user a member of exactly these territories (admins); returns them sorted."""
    actor.require(Role.ADMIN)
    current = set(member_territory_ids(uow.session, user.id))
    for territory_id in sorted(territory_ids - current):
        add_member(uow, actor, user, territory_id)
    for territory_id in sorted(current - territory_ids):
        remove_member(uow, actor, user.id, territory_id)
    return sorted(territory_ids)


def territory_names(session: Session) -> list[tuple[int, str]]:
    """Every territory's id and name, by name: the choices of a membership form."""
    rows = session.execute(select(Territory.id, Territory.name).order_by(Territory.name,
                                                                         Territory.id))
    return [(territory_id, name) for territory_id, name in rows]
