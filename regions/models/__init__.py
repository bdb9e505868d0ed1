"""The Relais tables, one module per concept, all on ``regions.db.Base``."""

from regions.models.accounts import ApiToken, LoginAttempt, Role, User
from regions.models.ambassadors import (
    AmbassadorInvitation,
    AmbassadorProfile,
    PostEngagement,
    Share,
    ShareClick,
    ShareKit,
    kit_recipients,
)
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
from regions.models.publishing import PageConnection, Publication
from regions.models.territories import AdminArea, Membership, Territory, territory_areas

__all__ = [
    "AdminArea", "AmbassadorInvitation", "AmbassadorProfile", "PostEngagement", "Share",
    "ShareClick", "ShareKit", "kit_recipients",
    "ApiToken", "AuditEvent", "Campaign", "CharterVersion", "Comment",
    "LoginAttempt", "MapCell", "MapChange", "Membership", "PageConnection", "Post", "PostStatus",
    "Publication", "Role", "TemplateRecord", "TemplateVersion", "Territory", "User",
    "WebhookDelivery", "WebhookEndpoint", "campaign_targets", "territory_areas",
]
