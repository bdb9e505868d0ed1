"""The charter: what the API accepts and returns.

Syntax only here; each rule's meaning (terms, regular expressions, limits) is checked by the
editorial engine, which lists every problem by path in one 422.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.api.templates.rule_schemas import rule_within_limits, rules_field_metadata


class CharterArgs(Schema):
    """The next charter: the rules every template inherits."""

    rules = fields.List(fields.Dict(metadata=rules_field_metadata(),
                                    validate=[validate.Length(max=8), rule_within_limits]),
                        required=True, validate=validate.Length(max=500))


class CharterSchema(Schema):
    """One charter version."""

    number = fields.Integer()
    created_at = fields.DateTime(allow_none=True)
    created_by = fields.Integer(allow_none=True)
    data = fields.Dict(metadata={"description": "{version, rules}, as in the template format"})
