"""Gazetteer search: what the API accepts and returns."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.api.common import QueryArgs


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
    rank = fields.Integer(metadata={"description": "0 exact, 1 prefix, 2 word prefix, 3 similar"})
    similarity = fields.Float()
