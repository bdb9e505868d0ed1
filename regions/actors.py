"""Who is acting: the authenticated user as the use cases see it."""

from __future__ import annotations

from dataclasses import dataclass, field

from regions.errors import PermissionDenied
from regions.models import Role

# The central desk: every module that checks for it uses these, never its own list.
DESK_ROLES: tuple[Role, ...] = (Role.ADMIN, Role.CENTRAL_EDITOR)
CENTRAL_ROLES = frozenset(DESK_ROLES)
REGIONAL_ROLES = frozenset({Role.REGIONAL_EDITOR, Role.CONTRIBUTOR})


@dataclass(frozen=True, slots=True)
class Actor:
    """An authenticated user, with the territories (and their descendants) in its scope."""

    user_id: int
    email: str
    role: Role
    language: str = "fr"
    territory_ids: frozenset[int] = field(default_factory=frozenset)

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
