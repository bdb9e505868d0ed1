"""Locate: what the API accepts and returns."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate
from webargs.fields import DelimitedList

from editorial.errors import N_
from service.api.common import QueryArgs

MAX_BULK_POINTS = 200_000
INCLUDES = ("ancestors", "areas")


def _include(default: list[str], what: str) -> DelimitedList:
    return DelimitedList(
        fields.String(validate=validate.OneOf(INCLUDES)), load_default=default,
        validate=validate.Length(max=len(INCLUDES)),
        metadata={"description": f"What to add to each answer, comma-separated: ancestors "
                                 f"(the territory chain, deepest first), areas (gazetteer "
                                 f"areas with level and code). {what}"})


class LocateArgs(QueryArgs):
    """One point, longitude first."""

    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    include = _include(list(INCLUDES), "Default: both; `include=` (empty) answers fastest.")


class BulkIncludeArgs(QueryArgs):
    """What a bulk lookup adds to the territory ids."""

    include = _include([], "Default: neither.")


class PointList(fields.Field[list[Any]]):
    """``[[lon, lat], …]`` passed through as one list: checked as an array by the view.

    Checking 100,000 points field by field would cost more than locating them.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        if not isinstance(value, list):
            raise ValidationError(N_("Expected a list of [longitude, latitude] pairs."))
        if not 1 <= len(value) <= MAX_BULK_POINTS:
            raise ValidationError(N_("Give between 1 and {max} points.", max=MAX_BULK_POINTS))
        return value


class BulkLocateArgs(Schema):
    """Many points as ``[[lon, lat], …]`` (checked as one array, not field by field)."""

    points = PointList(
        required=True,
        metadata={"description": f"[[lon, lat], …], at most {MAX_BULK_POINTS} points",
                  "type": "array", "minItems": 1, "maxItems": MAX_BULK_POINTS,
                  "items": {"type": "array", "minItems": 2, "maxItems": 2, "prefixItems": [
                      {"type": "number", "minimum": -180, "maximum": 180},
                      {"type": "number", "minimum": -90, "maximum": 90}]}},
    )


class ChainLinkSchema(Schema):
    """A territory in a chain: id and slug."""

    id = fields.Integer()
    slug = fields.String()


class TerritoryRefSchema(Schema):
    """A territory, briefly."""

    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    kind = fields.String()
    parent_id = fields.Integer(allow_none=True)


class BulkTerritorySchema(TerritoryRefSchema):
    """A territory named in a bulk answer; ``chain`` with ``include=ancestors``."""

    chain = fields.List(fields.Nested(ChainLinkSchema), metadata={
        "description": "The territory then its ancestors up to the root (deepest first)"})


class AreaSchema(Schema):
    """A gazetteer area."""

    level = fields.String()
    code = fields.String()
    name = fields.String()


class LocationSchema(Schema):
    """Where a point falls."""

    lon = fields.Float()
    lat = fields.Float()
    inside = fields.Boolean()
    territory = fields.Nested(TerritoryRefSchema, allow_none=True)
    chain = fields.List(fields.Nested(ChainLinkSchema), metadata={
        "description": "With include=ancestors: the territory then its ancestors, deepest first"})
    ancestors = fields.List(fields.Nested(TerritoryRefSchema),
                            metadata={"description": "With include=ancestors, nearest first"})
    areas = fields.List(fields.Nested(AreaSchema), metadata={
        "description": "With include=areas: gazetteer areas covering the point, coarsest first"})
    message = fields.String(allow_none=True)
    hint = fields.String(allow_none=True)


class BulkLocationSchema(Schema):
    """Territory id per point (null: outside every territory), and the territories named."""

    territory_ids = fields.List(fields.Integer(allow_none=True))
    territories = fields.Dict(keys=fields.String(), values=fields.Nested(BulkTerritorySchema),
                              metadata={"description": "By id: every territory named, and "
                                                       "with include=ancestors their ancestors"})
    areas = fields.Dict(keys=fields.String(), values=fields.List(fields.String(allow_none=True)),
                        metadata={"description": "With include=areas: by level, the code of "
                                                 "the area each point is in (null: none)"})
    area_names = fields.Dict(keys=fields.String(), values=fields.Dict(), metadata={
        "description": "With include=areas: by level, the name of each code found"})
    located = fields.Integer()
    outside = fields.Integer()
    swapped = fields.List(fields.Integer(), metadata={
        "description": "Indices of points outside that would fall inside with longitude and "
                       "latitude exchanged (the first 1,000)"})
    swapped_count = fields.Integer()
    hint = fields.String(allow_none=True)
