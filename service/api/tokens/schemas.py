"""Personal API tokens: what the API accepts and returns."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class TokenSchema(Schema):
    """A token's metadata: never its secret."""

    id = fields.Integer()
    name = fields.String()
    prefix = fields.String(metadata={"description": "First characters, to recognise the token"})
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True)


class IssuedTokenSchema(TokenSchema):
    """A new token: ``token`` is shown this once and never again."""

    token = fields.String()


class TokenCreateArgs(Schema):
    """Create a personal token."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    expires_in_days = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(min=1, max=3650),
        metadata={"description": "Days until expiry; null for a token that never expires"},
    )
