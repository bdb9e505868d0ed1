"""Publishing: what the API accepts and returns (a Page token is accepted, never returned)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from editorial.errors import N_

GRAPH_ID = validate.Regexp(r"^\d{1,64}$", error=N_("A Facebook id is made of digits."))


class PlaceArgs(Schema):
    """A Facebook place near which the territory's posts are tagged with it."""

    place_id = fields.String(required=True, validate=GRAPH_ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    radius_m = fields.Integer(load_default=2000, strict=True,
                              validate=validate.Range(min=50, max=50_000))


class PageConnectArgs(Schema):
    """Connect a Page, or rotate its token: the token is stored encrypted, never shown again."""

    page_id = fields.String(required=True, validate=GRAPH_ID)
    token = fields.String(required=True, load_only=True,
                          validate=validate.Length(min=1, max=2000),
                          metadata={"description": "Page access token (write-only)"})
    place_id = fields.String(load_default=None, allow_none=True, validate=GRAPH_ID,
                             metadata={"description": "The Page's own place: default tag"})
    places = fields.List(fields.Nested(PlaceArgs), validate=validate.Length(max=200),
                         metadata={"description": "Replaces the territory's places if given"})


class PlaceSchema(Schema):
    """A known place of the territory."""

    place_id = fields.String()
    name = fields.String()
    lon = fields.Float()
    lat = fields.Float()
    radius_m = fields.Integer()


class PageConnectionSchema(Schema):
    """A territory's Page connection: never its token, only a hint of its last characters."""

    territory_id = fields.Integer()
    connected = fields.Boolean()
    page_id = fields.String(allow_none=True)
    page_name = fields.String(allow_none=True)
    token_hint = fields.String(allow_none=True)
    place_id = fields.String(allow_none=True)
    places = fields.List(fields.Nested(PlaceSchema))
    checked_at = fields.DateTime(allow_none=True)
    check_ok = fields.Boolean(allow_none=True)
    check_error = fields.String(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)


class ConnectionCheckSchema(Schema):
    """The outcome of "check connection"."""

    ok = fields.Boolean()
    page_name = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    code = fields.String(allow_none=True)
    checked_at = fields.DateTime()


class PublicationStateSchema(Schema):
    """Where a post stands after retry or retract."""

    post_id = fields.Integer()
    status = fields.String()
    facebook_post_id = fields.String(allow_none=True)
    permalink = fields.String(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    due_at = fields.DateTime(allow_none=True)


class GraphCallSchema(Schema):
    """One Graph call made for a publication: what was tried, when, Facebook's answer."""

    kind = fields.String(metadata={"description": "publish, lookup, permalink or remove_copy"})
    claim = fields.Integer(metadata={"description": "Which claim of the publication made it"})
    started_at = fields.DateTime()
    answered_at = fields.DateTime(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={
        "description": "ok, error, found, not_found or no_answer; null while in flight"})
    code = fields.String(allow_none=True, metadata={"description": "Stable error code"})
    detail = fields.String(allow_none=True)
    graph_post_id = fields.String(allow_none=True)
    landed_at = fields.DateTime(allow_none=True, metadata={
        "description": "When Facebook stored the post an unanswered call created"})


class PublicationSchema(Schema):
    """One publication of a post (the first, or one per retry)."""

    id = fields.Integer()
    status = fields.String(metadata={"description": "queued, in_flight, succeeded, failed, "
                                                    "cancelled"})
    due_at = fields.DateTime()
    claims = fields.Integer(attribute="attempts")
    failures = fields.Integer(metadata={"description": "Failed Graph calls (the limit counts "
                                                      "these, never crashes)"})
    first_attempt_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    last_error_code = fields.String(allow_none=True)
    last_error = fields.String(allow_none=True)
    graph_post_id = fields.String(allow_none=True)
    calls = fields.List(fields.Nested(GraphCallSchema))


class PublicationHistorySchema(Schema):
    """A post's publications and every Graph call they made, newest publication first."""

    post_id = fields.Integer()
    status = fields.String()
    facebook_post_id = fields.String(allow_none=True)
    permalink = fields.String(allow_none=True)
    may_be_on_facebook = fields.Boolean(metadata={
        "description": "A publish call may have reached Facebook unanswered: retry looks first"})
    publications = fields.List(fields.Nested(PublicationSchema))
