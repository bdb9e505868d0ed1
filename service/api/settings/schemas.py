"""Admin settings: what the API accepts and returns."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from regions.site import MAX_TOKEN_DAYS
from service.api.common import JsonBoolean


class SiteSettingsSchema(Schema):
    """The settings an admin changes at run time."""

    token_max_days = fields.Integer(
        allow_none=True,
        metadata={"description": "Longest lifetime of an API token, in days; null: no "
                                 "maximum, and tokens that never expire are allowed"})
    allow_self_approval = fields.Boolean(
        metadata={"description": "Whether someone may approve a post they wrote or edited"})


class SiteSettingsArgs(Schema):
    """Change some settings; leave a field out to keep it."""

    token_max_days = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(min=1, max=MAX_TOKEN_DAYS),
        metadata={"description": "Days; null lifts the maximum (tokens may then never expire). "
                                 "Lowering it shortens the live tokens that outlive it."})
    allow_self_approval = JsonBoolean(
        metadata={"description": "Let authors (desk members included) approve their own posts"})
