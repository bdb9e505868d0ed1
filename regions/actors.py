"""Who is acting: the authenticated user as the use cases see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NoReturn, cast

from regions.errors import PermissionDenied
from regions.models import Role

# The central desk: every module that checks for it uses these, never its own list.
DESK_ROLES: tuple[Role, ...] = (Role.ADMIN, Role.CENTRAL_EDITOR)
CENTRAL_ROLES = frozenset(DESK_ROLES)
REGIONAL_ROLES = frozenset({Role.REGIONAL_EDITOR, Role.CONTRIBUTOR})

# An actor's scope in SQL, for a query over ``users``: the user's territories and all their
# descendants, computed in the statement that authenticates (one round trip). Each level's
# children are read through the parent index (the LATERAL subquery with OFFSET 0 is not
# flattened into a join): the planner would otherwise hash-join every territory at each level,
# a scan that grows with the organisation (35,000 communes: 14 ms an authentication against 2).
MAX_TERRITORY_DEPTH = 64  # levels below a member's territory read into its scope

SCOPE_SQL = (
    # UNION ALL, not UNION: a UNION sizes its duplicate-removal hash table from the estimate
    # (~4 rows per territory), so at 35,000 territories every token lookup allocated and
    # cleared ~140,000 slots (0.3 ms, decision 0037). A member of a territory and of its parent
    # reads the child twice: harmless, the caller makes a frozenset. Moves refuse cycles; the
    # depth bound only stops a cycle written straight into the database from looping (a deeper
    # tree would narrow the scope, never widen it).
    "ARRAY(WITH RECURSIVE tree(id, depth) AS ("
    "SELECT m.territory_id, 0 FROM memberships m WHERE m.user_id = users.id "
    "UNION ALL SELECT c.id, tree.depth + 1 FROM tree CROSS JOIN LATERAL "
    "(SELECT k.id FROM territories k WHERE k.parent_id = tree.id OFFSET 0) c "
    f"WHERE tree.depth < {MAX_TERRITORY_DEPTH}"
    ") SELECT id FROM tree)"
)


class ScopeNotRead(RuntimeError):
    """A route read its actor without the territories (``scope=False``), then asked for them."""


class _NotRead:
    """An actor's territories when they were not read: every use of them raises.

    Authentication reads the scope with a recursive query (``SCOPE_SQL``); a route that never
    looks at territories (locating a point, validating a text) skips it. Should one ever look,
    it must fail loudly, never see an empty scope: membership tests, iteration, size, truth,
    comparison and hashing all raise ``ScopeNotRead``; set operations raise ``TypeError``.
    """

    __slots__ = ()

    def _refuse(self, *_args: object) -> NoReturn:
        raise ScopeNotRead("This actor was read without its territories (scope=False).")

    __contains__ = __iter__ = __len__ = __bool__ = __eq__ = __hash__ = _refuse

    def __repr__(self) -> str:
        return "<territories not read>"


# Stands for ``territory_ids`` of an actor authenticated with ``scope=False``.
SCOPE_NOT_READ: frozenset[int] = cast(frozenset[int], _NotRead())


@dataclass(frozen=True, slots=True)
class Actor:
    """An authenticated user, with the territories (and their descendants) in its scope.

    ``territory_ids`` is ``SCOPE_NOT_READ`` when the route authenticated without them.
    """

    user_id: int
    email: str
    role: Role
    language: str = "fr"
    territory_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def scope_read(self) -> bool:
        """Whether the territories were read (see ``SCOPE_NOT_READ``)."""
        return self.territory_ids is not SCOPE_NOT_READ

    @property
    def is_central(self) -> bool:
        """Admins and the central desk act on every territory."""
        return self.role in CENTRAL_ROLES

    def require(self, *roles: Role) -> None:
        """Raise PermissionDenied unless the actor has one of ``roles``."""
        if self.role not in roles:
            raise PermissionDenied(
                f"This action needs one of the roles: {', '.join(r.value for r in roles)}.",
                params={"roles": [r.value for r in roles]},
            )
