"""Share kits, invitations and amplification figures: what the API accepts and returns."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from editorial.errors import N_
from regions.kits import SHARE_NETWORKS
from service.api.common import QueryArgs, RowId
from service.api.openapi_fields import HttpUrl

SUGGESTION_MAX = 5000


class KitCreateArgs(Schema):
    """A kit from a published post (its link is the Page post) or a campaign (give the link)."""

    OPENAPI_EXTRA = {"oneOf": [{"required": ["post_id"]}, {"required": ["campaign_id"]}]}

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    post_id = RowId(strict=True)
    campaign_id = RowId(strict=True)
    link = HttpUrl(metadata={"description": "Default for a post: its permalink"})
    suggestions = fields.List(
        fields.String(validate=validate.Length(min=1, max=SUGGESTION_MAX)), required=True,
        validate=validate.Length(min=1, max=3),
        metadata={"description": "One to three personal texts, each checked by the charter"})
    image_url = HttpUrl()
    image_alt = fields.String(validate=validate.Length(max=500))
    networks = fields.List(fields.String(validate=validate.OneOf(SHARE_NETWORKS)),
                           required=True, validate=validate.Length(min=1, max=5))
    ends_at = fields.AwareDateTime(required=True)
    neighbour_km = fields.Float(validate=validate.Range(min=0, max=500), metadata={
        "description": "Also send to territories whose shapes are within this many km"})

    @validates_schema
    def _one_source(self, data: dict[str, Any], **_kwargs: object) -> None:
        if ("post_id" in data) == ("campaign_id" in data):
            raise ValidationError(N_("Give either post_id or campaign_id."), "post_id")


class KitListArgs(QueryArgs):
    """Filters for the team's kit list."""

    campaign_id = RowId()
    post_id = RowId()
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100_000))


class KitContentSchema(Schema):
    """What a kit offers to share, as the team and its ambassadors both see it."""

    id = fields.Integer()
    title = fields.String()
    link = fields.String()
    suggestions = fields.List(fields.String())
    image_url = fields.String(allow_none=True)
    image_alt = fields.String(allow_none=True)
    networks = fields.List(fields.String())
    ends_at = fields.AwareDateTime()
    created_at = fields.AwareDateTime()


class KitSchema(KitContentSchema):
    """A kit as the team sees it: where it comes from and goes, its shares and clicks so far."""

    post_id = fields.Integer(allow_none=True)
    campaign_id = fields.Integer(allow_none=True)
    territory_id = fields.Integer()
    territory_ids = fields.List(fields.Integer(), metadata={"description": "Sent to"})
    neighbour_km = fields.Float(allow_none=True)
    withdrawn_at = fields.AwareDateTime(allow_none=True)
    shares = fields.Integer()
    clicks = fields.Integer()


class AmplificationArgs(QueryArgs):
    """Which kits to count; filters combine."""

    kit_id = RowId()
    post_id = RowId()
    campaign_id = RowId()
    territory_id = RowId()


class NetworkCountSchema(Schema):
    """Shares and clicks on one network."""

    network = fields.String()
    shares = fields.Integer()
    clicks = fields.Integer()


class TerritoryCountSchema(Schema):
    """Shares and clicks of the ambassadors of one territory."""

    territory_id = fields.Integer()
    name = fields.String()
    shares = fields.Integer()
    clicks = fields.Integer()


class PageEngagementSchema(Schema):
    """The Page posts' own engagement, as Graph last reported it."""

    posts = fields.Integer()
    reactions = fields.Integer()
    comments = fields.Integer()
    shares = fields.Integer()
    fetched_at = fields.AwareDateTime(allow_none=True)


class AmplificationSchema(Schema):
    """What ambassadors added, beside the Page's own engagement."""

    kits = fields.Integer()
    shares = fields.Integer()
    clicks = fields.Integer()
    ambassadors = fields.Integer(metadata={"description": "Ambassadors who shared (still in)"})
    by_network = fields.List(fields.Nested(NetworkCountSchema))
    by_territory = fields.List(fields.Nested(TerritoryCountSchema))
    page = fields.Nested(PageEngagementSchema)


class InvitationArgs(Schema):
    """Invite someone to be an ambassador of a territory."""

    territory_id = RowId(strict=True, required=True)
    email = fields.Email(validate=validate.Length(max=254), metadata={
        "description": "If given, only this address may accept"})


class InvitationSchema(Schema):
    """An invitation; ``token`` and ``url`` are shown only when it is created."""

    id = fields.Integer()
    territory_id = fields.Integer()
    email = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    used_at = fields.AwareDateTime(allow_none=True)
    token = fields.String()
    url = fields.String(metadata={"description": "The link to send (single use, expiring)"})
