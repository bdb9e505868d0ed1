"""Map data: what the API accepts and returns."""

from __future__ import annotations

from marshmallow import fields, validate
from webargs.fields import DelimitedList

from service.api.common import QueryArgs, RowId
from service.api.posts.schemas import STATUSES


class ActivityArgs(QueryArgs):
    """The period and detail of the activity map."""

    since = fields.AwareDateTime(metadata={"description": "Publication time from (inclusive)"})
    until = fields.AwareDateTime(metadata={"description": "Publication time until (exclusive)"})
    zoom = fields.Integer(validate=validate.Range(min=0, max=22))
    parent_id = RowId()


class TileArgs(QueryArgs):
    """Which posts a tile shows."""

    status = DelimitedList(fields.String(validate=validate.OneOf(STATUSES)),
                           validate=validate.Length(max=len(STATUSES)))
