"""Gazetteer search: what the API accepts and returns."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.api.common import QueryArgs, RowId


class GazetteerSearchArgs(QueryArgs):
    """Search by name or code, case- and accent-insensitive."""

    q = fields.String(required=True, validate=validate.Length(min=1, max=100),
                      metadata={"description": "Name or code: 'ile de france', '2a', '69123'"})
    level = fields.String(validate=validate.Length(min=1, max=32))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class AreaMatchSchema(Schema):
    """A gazetteer area found by a search, best first."""

    id = fields.Integer()
    level = fields.String()
    code = fields.String()
    name = fields.String()
    parent_id = fields.Integer(allow_none=True)
    parent_level = fields.String(allow_none=True)
    parent_code = fields.String(allow_none=True)
    rank = fields.Integer(metadata={"description": "0 exact, 1 prefix, 2 word prefix, 3 similar"})
    similarity = fields.Float()


class AreaListArgs(QueryArgs):
    """Filters of the area listing: by level, by parent (id, or code and level)."""

    level = fields.String(validate=validate.Length(min=1, max=32),
                          metadata={"description": "e.g. departement"})
    parent_id = RowId(metadata={"description": "The parent area's id"})
    parent_code = fields.String(validate=validate.Length(min=1, max=32), metadata={
        "description": "The parent area's code, e.g. 84 (with parent_level when ambiguous)"})
    parent_level = fields.String(validate=validate.Length(min=1, max=32),
                                 metadata={"description": "The parent area's level"})


class AreaListingSchema(Schema):
    """A gazetteer area, its parent and the territory made of it, if any."""

    id = fields.Integer()
    level = fields.String()
    code = fields.String()
    name = fields.String()
    parent_id = fields.Integer(allow_none=True)
    parent_level = fields.String(allow_none=True)
    parent_code = fields.String(allow_none=True)
    territory_id = fields.Integer(allow_none=True, metadata={
        "description": "The territory made of this area alone (as a roll-out makes), if any"})
