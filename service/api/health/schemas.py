"""Health probes: what they answer."""

from __future__ import annotations

from marshmallow import Schema, fields


class AliveSchema(Schema):
    """The process answers."""

    status = fields.String(required=True, metadata={"enum": ["ok"]})


class ReadySchema(Schema):
    """The database answers, at the newest migration."""

    status = fields.String(required=True, metadata={"enum": ["ready"]})
    migration = fields.String(required=True, metadata={"description": "The schema's revision"})
