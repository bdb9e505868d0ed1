"""Territories: what the API accepts and returns."""

from __future__ import annotations

from zoneinfo import available_timezones

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from editorial.errors import N_
from regions.territories import KINDS
from service.api.common import Integer, QueryArgs, RowId
from service.api.geojson import GeoJSONGeometry

SLUG = validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,79}$", error=N_("Lowercase letters, digits, dashes."))


class AreaSelectionArgs(Schema):
    """Gazetteer areas making up a territory."""

    level = fields.String(required=True, validate=validate.Length(min=1, max=32))
    codes = fields.List(fields.String(validate=validate.Length(min=1, max=32)), required=True,
                        validate=validate.Length(min=1, max=2000))


class TerritoryShapeArgs(Schema):
    """Either a drawn geometry or gazetteer areas."""

    OPENAPI_EXTRA = {"not": {"required": ["geometry", "areas"]}}

    geometry = GeoJSONGeometry()
    areas = fields.Nested(AreaSelectionArgs)

    @validates_schema
    def _one_shape(self, data: dict[str, object], **_kwargs: object) -> None:
        if "geometry" in data and "areas" in data:
            raise ValidationError(N_("Give either geometry or areas, not both."), "geometry")


class TerritoryCreateArgs(TerritoryShapeArgs):
    """Create a territory."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    slug = fields.String(validate=SLUG)
    kind = fields.String(load_default="region", validate=validate.OneOf(KINDS))
    parent_id = RowId(strict=True, allow_none=True, load_default=None)
    timezone = fields.String(load_default="Europe/Paris", validate=validate.Length(max=64))


class TerritoryUpdateArgs(TerritoryShapeArgs):
    """Change a territory; ``version`` is the one you loaded (409 if it changed since)."""

    version = Integer(strict=True, required=True)
    name = fields.String(validate=validate.Length(min=1, max=200))
    slug = fields.String(validate=SLUG)
    kind = fields.String(validate=validate.OneOf(KINDS))
    parent_id = RowId(strict=True, allow_none=True)
    timezone = fields.String(validate=validate.Length(max=64))


class RolloutArgs(Schema):
    """Make one territory per gazetteer area, nested like the areas."""

    level = fields.String(required=True, validate=validate.Length(min=1, max=32),
                          metadata={"description": "Level of the areas, e.g. departement"})
    parent_level = fields.String(validate=validate.Length(min=1, max=32), metadata={
        "description": "Nest each territory under its ancestor area's territory of this level "
                       "(made too if missing), e.g. region"})
    under = fields.String(validate=SLUG, metadata={
        "description": "Slug of the territory the top of the new hierarchy goes under"})
    codes = fields.List(fields.String(validate=validate.Length(min=1, max=32)),
                        validate=validate.Length(min=1, max=100_000),
                        metadata={"description": "Only these areas (default: every one)"})
    timezone = fields.String(load_default="Europe/Paris", validate=validate.Length(max=64),
                             metadata={"description": "For top-level territories on the "
                                                      "mainland (overseas ones get theirs)"})
    dry_run = fields.Boolean(load_default=False,
                             metadata={"description": "Say what would change, change nothing"})

    @validates_schema
    def _known_zone(self, data: dict[str, object], **_kwargs: object) -> None:
        if data.get("timezone") not in available_timezones():
            raise ValidationError(N_("Unknown IANA time zone {zone}.",
                                     zone=repr(data.get("timezone"))), "timezone")


class RolloutReportSchema(Schema):
    """What a roll-out did (or, in a dry run, would do)."""

    level = fields.String()
    parent_level = fields.String(allow_none=True)
    areas = fields.Integer(metadata={"description": "Areas of the level selected"})
    created = fields.Integer()
    parents_created = fields.Integer(metadata={"description": "Territories made for "
                                                             "parent-level areas"})
    moved = fields.Integer(metadata={"description": "Existing ones placed under a new parent"})
    reshaped = fields.Integer(metadata={"description": "Existing ones given their area's "
                                                      "current shape"})
    unchanged = fields.Integer()
    without_parent = fields.List(fields.String(), metadata={
        "description": "Codes with no ancestor area of parent_level"})
    changed = fields.Boolean()
    dry_run = fields.Boolean()
    message = fields.String()


class SimplifyArgs(QueryArgs):
    """How much detail the shapes keep."""

    zoom = fields.Integer(validate=validate.Range(min=0, max=22),
                          metadata={"description": "Simplify for this web-map zoom level"})
    tolerance = fields.Float(validate=validate.Range(min=0, max=1),
                             metadata={"description": "Simplification tolerance in degrees"})


class TerritoryListArgs(SimplifyArgs):
    """Filters for the territory collection."""

    parent_id = RowId()
    kind = fields.String(validate=validate.OneOf(KINDS))


class FeatureSchema(Schema):
    """A GeoJSON Feature."""

    type = fields.String()
    id = fields.Integer()
    geometry = fields.Dict(allow_none=True)
    properties = fields.Dict()


class OverlapSchema(Schema):
    """A sibling sharing area."""

    territory_id = fields.Integer()
    name = fields.String()
    area_km2 = fields.Float()


class ShapeReportSchema(Schema):
    """What a shape change revealed."""

    overlaps = fields.List(fields.Nested(OverlapSchema))
    repairs = fields.List(fields.String())
    posts_now_outside = fields.List(fields.Integer())


class TerritoryWithReportSchema(FeatureSchema):
    """A territory after a change, with the shape report."""

    report = fields.Nested(ShapeReportSchema)


class FeatureCollectionSchema(Schema):
    """A GeoJSON FeatureCollection."""

    type = fields.String()
    features = fields.List(fields.Nested(FeatureSchema))


class MemberArgs(Schema):
    """Add a member to a territory."""

    user_id = RowId(strict=True, required=True)


class MemberSchema(Schema):
    """A territory member."""

    user_id = fields.Integer()
    email = fields.String()
    display_name = fields.String()
    role = fields.String(metadata={"description": "The user's role (one role per user)"})
