"""Campaigns: what the API accepts and returns."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from editorial.errors import N_
from regions.campaigns import TargetMode
from service.api.common import INT4_MAX, Integer, QueryArgs, RowId
from service.api.posts.schemas import PostMediaArgs

DEADLINE = "Due date of adaptations, before window_end"


class CampaignListArgs(QueryArgs):
    """The campaign list takes its page only (``page``, ``page_size``): anything else is a 422.

    A client used to the post list's ``limit`` learns it here rather than get one page
    silently.
    """


class CampaignCreateArgs(Schema):
    """Central content for territories to adapt."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=200),
                          metadata={"description": "Not blank; stored without surrounding spaces"})
    template = fields.String(required=True, validate=validate.Length(min=1, max=80))
    slot_values = fields.Dict(keys=fields.String(validate=validate.Length(max=64)),
                              values=fields.String(validate=validate.Length(max=2000)),
                              validate=validate.Length(max=100),
                              load_default=dict)
    media = fields.List(fields.Nested(PostMediaArgs), load_default=list,
                        validate=validate.Length(max=20))
    targets = fields.String(required=True, validate=validate.OneOf([m.value for m in TargetMode]),
                            metadata={"description": "all | list | descendants"})
    territory_ids = fields.List(RowId(strict=True), load_default=list,
                                validate=validate.Length(max=1000))
    window_start = fields.AwareDateTime(allow_none=True, load_default=None)
    window_end = fields.AwareDateTime(allow_none=True, load_default=None,
                                      metadata={"description": "After window_start"})
    adapt_deadline = fields.AwareDateTime(allow_none=True, load_default=None,
                                          metadata={"description": DEADLINE})
    master_text = fields.String(validate=validate.Length(max=20_000), metadata={
        "description": "The central text shown to adapters; default: the template's body"})


class CampaignUpdateArgs(Schema):
    """Changes to a campaign; absent fields stay as they are, null clears a date.

    ``version`` is the campaign's ``version`` as you loaded it: when someone saved the campaign
    since, nothing is written and the answer is 409 ``conflict.stale``.
    """

    OPENAPI_EXTRA = {"dependentRequired": {"territory_ids": ["targets"]}}

    version = Integer(strict=True, required=True,
                      validate=validate.Range(min=1, max=INT4_MAX),
                      metadata={"description": "The version you loaded"})
    title = fields.String(validate=validate.Length(min=1, max=200))
    master_text = fields.String(validate=validate.Length(max=20_000))
    slot_values = fields.Dict(keys=fields.String(validate=validate.Length(max=64)),
                              values=fields.String(validate=validate.Length(max=2000)),
                              validate=validate.Length(max=100))
    targets = fields.String(validate=validate.OneOf([m.value for m in TargetMode]), metadata={
        "description": "all | list | descendants; with territory_ids, replaces the targets"})
    territory_ids = fields.List(RowId(strict=True), validate=validate.Length(max=1000))
    window_start = fields.AwareDateTime(allow_none=True)
    window_end = fields.AwareDateTime(allow_none=True,
                                      metadata={"description": "After window_start"})
    adapt_deadline = fields.AwareDateTime(allow_none=True,
                                          metadata={"description": DEADLINE})

    @validates_schema
    def _targets(self, data: dict[str, object], **_kwargs: object) -> None:
        if "territory_ids" in data and "targets" not in data:
            raise ValidationError(N_("Give the target mode with the territories."), "targets")


class CampaignSchema(Schema):
    """A campaign."""

    id = fields.Integer()
    title = fields.String()
    template = fields.Dict()
    master_text = fields.String()
    slot_values = fields.Dict()
    media = fields.List(fields.Dict())
    target_ids = fields.List(fields.Integer())
    window_start = fields.DateTime(allow_none=True)
    window_end = fields.DateTime(allow_none=True)
    adapt_deadline = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    withdrawn_at = fields.DateTime(allow_none=True, metadata={
        "description": "When the desk withdrew it: regions no longer see it"})
    version = fields.Integer(metadata={
        "description": "Send it back when updating: a stale one is a 409 conflict.stale"})


class DashboardRowSchema(Schema):
    """One target territory's progress."""

    territory_id = fields.Integer()
    name = fields.String()
    posts = fields.List(fields.Dict(), metadata={"description": (
        "The adaptations counted for this target: id, status, and the territory each was "
        "written in (territory_id, territory_name): the target or a territory inside it. A post "
        "counts once, for the nearest target containing its territory. A regional caller "
        "sees only those written in its own territories; see `elsewhere`.")})
    elsewhere = fields.Integer(metadata={"description": (
        "How many more adaptations count for this target, written in territories outside the "
        "caller's (a sibling département's, for a département team): counted, never shown.")})
    adapted = fields.Boolean()
    drafting = fields.Boolean(metadata={"description": (
        "A draft was started for this target and nothing was submitted to the desk yet.")})
    late = fields.Boolean()
