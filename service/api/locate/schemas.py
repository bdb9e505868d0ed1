"""Locate: what the API accepts and returns."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from editorial.errors import N_
from service.api.common import QueryArgs

MAX_BULK_POINTS = 200_000


class LocateArgs(QueryArgs):
    """One point, longitude first."""

    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))


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


class TerritoryRefSchema(Schema):
    """A territory, briefly."""

    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    kind = fields.String()


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
    ancestors = fields.List(fields.Nested(TerritoryRefSchema))
    areas = fields.List(fields.Nested(AreaSchema))
    message = fields.String(allow_none=True)
    hint = fields.String(allow_none=True)


class BulkLocationSchema(Schema):
    """Territory id per point (null: outside every territory), and the territories named."""

    territory_ids = fields.List(fields.Integer(allow_none=True))
    territories = fields.Dict(keys=fields.String(), values=fields.Nested(TerritoryRefSchema))
    located = fields.Integer()
    outside = fields.Integer()
