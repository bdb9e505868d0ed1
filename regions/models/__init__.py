"""The Relais tables, one module per concept, all on ``regions.db.Base``."""

from regions.models.accounts import (
    ApiToken,
    LoginAttempt,
    Role,
    SiteSettings,
    User,
    WebSession,
)
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
    ActivityDay,
    ActivityDayPending,
    Campaign,
    Comment,
    MapCell,
    MapCellPending,
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
from regions.models.territories import (
    AdminArea,
    IndexVersion,
    Membership,
    Territory,
    territory_areas,
)

__all__ = [
    "ActivityDay", "ActivityDayPending", "AdminArea", "AmbassadorInvitation", "AmbassadorProfile",
    "ApiToken", "AuditEvent",
    "Campaign", "CharterVersion", "Comment", "GraphHold", "IndexVersion", "LoginAttempt",
    "MapCell", "MapCellPending", "MapChange", "Membership", "PageConnection", "Post",
    "PostEngagement",
    "PostStatus", "Publication", "PublicationAttempt", "Role", "Share", "ShareClick", "ShareKit",
    "SiteSettings", "TemplateRecord", "TemplateVersion", "Territory", "User", "WebSession",
    "kit_recipients",
    "WebhookDelivery", "WebhookEndpoint", "campaign_targets", "territory_areas",
]
