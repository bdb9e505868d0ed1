"""The map page's data: what the API accepts and returns."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.api.common import QueryArgs, RowId
from service.api.territories.schemas import FeatureCollectionSchema, FeatureSchema

LEVEL = validate.Length(min=1, max=32)


class GapsArgs(QueryArgs):
    """Which areas count as gaps."""

    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=3650),
                          metadata={"description": "No published post for this many days"})
    level = fields.String(validate=LEVEL, metadata={
        "description": "Gazetteer level of the areas (default: the most detailed one)"})


class GapsSchema(FeatureCollectionSchema):
    """The gaps, with how many areas the territory has and of which levels."""

    territory_id = fields.Integer()
    level = fields.String(allow_none=True)
    levels = fields.Dict(keys=fields.String(), values=fields.Integer())
    days = fields.Integer()
    areas = fields.Integer(metadata={"description": "Areas of the level in the territory"})
    gaps = fields.Integer(metadata={"description": "Of which without a published post"})


class ConflictArgs(QueryArgs):
    """Which conflicts to draw."""

    since = fields.AwareDateTime(metadata={"description": "Publication time from (inclusive)"})
    until = fields.AwareDateTime(metadata={"description": "Publication time until (exclusive)"})
    territory_id = RowId(metadata={"description": "This territory and descendants"})
    campaign_id = RowId()


class LineFeatureSchema(Schema):
    """A GeoJSON Feature without an id (a pair of posts)."""

    type = fields.String()
    geometry = fields.Dict()
    properties = fields.Dict()


class ConflictCollectionSchema(Schema):
    """Pairs of posts with overlapping audiences, as lines between them."""

    type = fields.String()
    features = fields.List(fields.Nested(LineFeatureSchema))


class AdaptationArgs(QueryArgs):
    """Adaptations of one campaign, or of all."""

    campaign_id = RowId()


class AdaptationCountSchema(Schema):
    """A territory's campaign adaptations due and late."""

    territory_id = fields.Integer()
    due = fields.Integer()
    late = fields.Integer()


class RecentPostSchema(Schema):
    """One of the territory's latest posts."""

    id = fields.Integer()
    excerpt = fields.String()
    status = fields.String()
    publish_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()
    territory_id = fields.Integer()
    territory_name = fields.String()


class OpenAdaptationSchema(Schema):
    """A campaign the territory has not adapted yet."""

    campaign_id = fields.Integer()
    title = fields.String()
    deadline = fields.DateTime(allow_none=True)
    territory_id = fields.Integer()
    territory_name = fields.String()
    late = fields.Boolean()


class PanelSchema(Schema):
    """What the map shows of a territory when it is clicked."""

    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    parent_id = fields.Integer(allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(),
                         metadata={"description": "Posts you may see, by state"})
    total = fields.Integer()
    recent = fields.List(fields.Nested(RecentPostSchema))
    adaptations = fields.List(fields.Nested(OpenAdaptationSchema))
    awaiting_review = fields.Integer(allow_none=True, metadata={
        "description": "Posts waiting for the desk (null unless you are the desk)"})


class CampaignMapSchema(Schema):
    """A campaign's targets, each with its state: adapted, pending or late."""

    type = fields.String()
    campaign_id = fields.Integer()
    features = fields.List(fields.Nested(FeatureSchema))


class AmbassadorsLayerArgs(QueryArgs):
    """The ambassadors layer of one campaign, or of every kit."""

    campaign_id = RowId()


class AmbassadorPointSchema(Schema):
    """A territory's ambassadors: a point inside it, their shares and clicks."""

    type = fields.String()
    id = fields.Integer()
    geometry = fields.Dict()
    properties = fields.Dict(metadata={"description": "territory_id, name, shares, clicks"})


class AmbassadorsLayerSchema(Schema):
    """The ambassadors layer (GeoJSON) with the totals."""

    type = fields.String()
    features = fields.List(fields.Nested(AmbassadorPointSchema))
    shares = fields.Integer()
    clicks = fields.Integer()
