"""Users: what the API accepts and returns."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from regions.models import Role
from service.api.common import JsonBoolean, QueryArgs, RowId

ROLE_VALUES = [role.value for role in Role]


class UserSchema(Schema):
    """A user as the API shows it (never its password hash)."""

    id = fields.Integer(dump_only=True)
    email = fields.Email()
    display_name = fields.String()
    role = fields.String(validate=validate.OneOf(ROLE_VALUES))
    language = fields.String()
    is_active = fields.Boolean()
    created_at = fields.DateTime(dump_only=True)
    territory_ids = fields.List(fields.Integer(), dump_only=True)


class UserCreateArgs(Schema):
    """Create a user."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    role = fields.String(required=True, validate=validate.OneOf(ROLE_VALUES))
    password = fields.String(load_default=None, validate=validate.Length(min=10, max=256))
    language = fields.String(load_default="fr", validate=validate.OneOf(["fr", "en"]))
    territory_ids = fields.List(RowId(strict=True), load_default=list,
                                validate=validate.Length(max=1000))


class UserUpdateArgs(Schema):
    """Change some of a user's fields."""

    display_name = fields.String(validate=validate.Length(min=1, max=120))
    role = fields.String(validate=validate.OneOf(ROLE_VALUES))
    password = fields.String(validate=validate.Length(min=10, max=256))
    is_active = fields.Boolean(truthy={True}, falsy={False})


class UserListArgs(QueryArgs):
    """Filters for the user list."""

    role = fields.String(validate=validate.OneOf(ROLE_VALUES))
    q = fields.String(
        validate=validate.Length(max=100), metadata={"description": "e-mail or name contains"}
    )


class SignOutArgs(Schema):
    """Sign a user out everywhere."""

    revoke_tokens = JsonBoolean(
        load_default=False,
        metadata={"description": "Also revoke all of the user's API tokens"})


class SignedOutSchema(Schema):
    """What signing out everywhere ended."""

    sessions_ended = fields.Integer()
    tokens_revoked = fields.Integer()
