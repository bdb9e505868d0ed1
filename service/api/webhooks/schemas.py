"""Webhooks: what the API accepts and returns."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from regions.webhooks import EVENT_NAMES
from service.api.openapi_fields import HttpUrl


class WebhookCreateArgs(Schema):
    """Register an endpoint for post lifecycle events."""

    url = HttpUrl(required=True, require_tld=False)
    events = fields.List(fields.String(validate=validate.OneOf(EVENT_NAMES)), required=True,
                         validate=validate.Length(min=1, max=len(EVENT_NAMES)))


class WebhookSchema(Schema):
    """An endpoint (its secret only in the creation answer)."""

    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String())
    active = fields.Boolean()
    created_at = fields.DateTime()
    secret = fields.String(metadata={"description": "Signing secret, shown once at creation"})


class DeliverySchema(Schema):
    """One delivery attempt record."""

    id = fields.Integer()
    event = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)
