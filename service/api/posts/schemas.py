"""Posts: what the API accepts and returns."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from webargs.fields import DelimitedList

from editorial.errors import N_
from regions.models import PostStatus
from service.api.common import Integer, JsonNumber, QueryArgs, RowId
from service.api.openapi_fields import HttpUrl

STATUSES = [status.value for status in PostStatus]


class PostGeotagArgs(Schema):
    """A point: longitude, latitude (WGS84)."""

    lon = JsonNumber(required=True, validate=validate.Range(min=-180, max=180))
    lat = JsonNumber(required=True, validate=validate.Range(min=-90, max=90))


class AreaRefArgs(Schema):
    """A gazetteer area by level and code."""

    level = fields.String(required=True, validate=validate.Length(min=1, max=32))
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))


class AudienceArgs(Schema):
    """The local audience: a radius around the geotag, or gazetteer areas."""

    OPENAPI_EXTRA = {"oneOf": [{"required": ["radius_km"]}, {"required": ["areas"]}]}

    radius_km = fields.Float(validate=validate.Range(min=0.1, max=500))
    areas = fields.List(fields.Nested(AreaRefArgs), validate=validate.Length(min=1, max=200))

    @validates_schema
    def _one_kind(self, data: dict[str, object], **_kwargs: object) -> None:
        if ("radius_km" in data) == ("areas" in data):
            raise ValidationError(N_("Give either radius_km or areas."), "_schema")


class PostMediaArgs(Schema):
    """An image or video reference."""

    url = HttpUrl(required=True)
    alt = fields.String(load_default="", validate=validate.Length(max=1000))


class PostFieldsArgs(Schema):
    """What authors write."""

    text = fields.String(validate=validate.Length(max=20_000))
    slot_values = fields.Dict(keys=fields.String(validate=validate.Length(max=64)),
                              values=fields.String(validate=validate.Length(max=2000)),
                              validate=validate.Length(max=100))
    media = fields.List(fields.Nested(PostMediaArgs), validate=validate.Length(max=20))
    link = HttpUrl(allow_none=True, metadata={
        "description": "Published with the post (Facebook's link): an absolute http(s) address"})
    geotag = fields.Nested(PostGeotagArgs, allow_none=True)
    place_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    audience = fields.Nested(AudienceArgs, allow_none=True)
    publish_at = fields.AwareDateTime(allow_none=True)


class PostCreateArgs(PostFieldsArgs):
    """Write a post: an original one (``template``) or a campaign's adaptation."""

    OPENAPI_EXTRA = {"oneOf": [{"required": ["template"]}, {"required": ["campaign_id"]}]}

    territory_id = RowId(strict=True, required=True)
    template = fields.String(validate=validate.Length(min=1, max=80))
    campaign_id = RowId(strict=True)

    @validates_schema
    def _source(self, data: dict[str, object], **_kwargs: object) -> None:
        if ("template" in data) == ("campaign_id" in data):
            raise ValidationError(N_("Give either template or campaign_id."), "template")


class PostUpdateArgs(PostFieldsArgs):
    """Edit a post; ``version`` is the one you loaded."""

    version = Integer(strict=True, required=True)


class DecisionArgs(Schema):
    """A workflow action on the version the caller loaded."""

    version = Integer(strict=True, required=True)
    comment = fields.String(validate=validate.Length(max=5000))


class CommentedDecisionArgs(DecisionArgs):
    """A decision that must say why (send back, refuse)."""

    comment = fields.String(required=True, validate=[
        validate.Length(min=1, max=5000),
        validate.Regexp(r"^\s*\S", error=N_("Required."))])


class CommentArgs(Schema):
    """A comment."""

    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class PostListArgs(QueryArgs):
    """Filters for the post list."""

    territory_id = RowId(metadata={"description": "This territory and descendants"})
    status = DelimitedList(fields.String(validate=validate.OneOf(STATUSES)),
                           validate=validate.Length(max=len(STATUSES)))
    campaign_id = RowId()
    author_id = RowId()
    publish_from = fields.AwareDateTime()
    publish_to = fields.AwareDateTime()
    bbox = DelimitedList(fields.Float(), validate=validate.Length(equal=4),
                         metadata={"description": "west,south,east,north (lon/lat)"})
    q = fields.String(validate=validate.Length(min=1, max=200))
    cursor = fields.String(validate=validate.Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class QueueArgs(QueryArgs):
    """The review queue."""

    territory_id = RowId()
    cursor = fields.String(validate=validate.Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class AuditArgs(QueryArgs):
    """Audit export format."""

    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class PostSchema(Schema):
    """A post as the API shows it."""

    id = fields.Integer()
    territory_id = fields.Integer()
    author_id = fields.Integer()
    campaign_id = fields.Integer(allow_none=True)
    template = fields.Dict()
    status = fields.String()
    text = fields.String()
    slot_values = fields.Dict()
    media = fields.List(fields.Dict())
    link = fields.String(allow_none=True)
    geotag = fields.Dict(allow_none=True)
    place_name = fields.String(allow_none=True)
    audience = fields.Dict(allow_none=True)
    publish_at = fields.DateTime(allow_none=True)
    report = fields.Dict()
    has_warnings = fields.Boolean()
    facebook_post_id = fields.String(allow_none=True)
    permalink = fields.String(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    failure_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()
    allowed_actions = fields.List(fields.String())
    conflicts = fields.List(fields.Dict())


class PostPageSchema(Schema):
    """One page of posts and the cursor of the next one."""

    items = fields.List(fields.Nested(PostSchema))
    next_cursor = fields.String(allow_none=True)


class CommentSchema(Schema):
    """A comment."""

    id = fields.Integer()
    post_id = fields.Integer()
    author_id = fields.Integer()
    body = fields.String()
    created_at = fields.DateTime()


class AuditEventSchema(Schema):
    """One audit event."""

    id = fields.Integer()
    at = fields.DateTime()
    action = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor = fields.String()
    data = fields.Dict()
