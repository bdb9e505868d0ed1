"""The Relais tables, one module per concept, all on ``regions.db.Base``."""

from regions.models.accounts import ApiToken, LoginAttempt, Role, User
from regions.models.audit import AuditEvent
from regions.models.editorial import CharterVersion, TemplateRecord, TemplateVersion
from regions.models.posts import (
    Campaign,
    Comment,
    MapCell,
    MapChange,
    Post,
    PostStatus,
    WebhookDelivery,
    WebhookEndpoint,
    campaign_targets,
)
from regions.models.publishing import (
    GraphHold,
    PageConnection,
    Publication,
    PublicationAttempt,
)
from regions.models.territories import AdminArea, Membership, Territory, territory_areas

__all__ = [
    "AdminArea", "ApiToken", "AuditEvent", "Campaign", "CharterVersion", "Comment",
    "GraphHold", "LoginAttempt", "MapCell", "MapChange", "Membership", "PageConnection", "Post",
    "PostStatus", "Publication", "PublicationAttempt", "Role", "TemplateRecord",
    "TemplateVersion", "Territory", "User",
    "WebhookDelivery", "WebhookEndpoint", "campaign_targets", "territory_areas",
]
