"""The Relais tables, one module per concept, all on ``regions.db.Base``."""

from regions.models.accounts import ApiToken, LoginAttempt, Role, User
from regions.models.audit import AuditEvent
from regions.models.territories import AdminArea, Membership, Territory, territory_areas

__all__ = [
    "AdminArea", "ApiToken", "AuditEvent", "LoginAttempt", "Membership", "Role", "Territory",
    "User", "territory_areas",
]
