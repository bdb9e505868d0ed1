"""An ambassador's own routes: what the API accepts and returns."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from regions.kits import SHARE_NETWORKS
from service.api.common import INT4_MAX
from service.api.kits.schemas import KitContentSchema

TEXT_MAX = 5000


class JoinArgs(Schema):
    """Accept an invitation: the account the ambassador creates."""

    token = fields.String(required=True, validate=validate.Length(min=8, max=100),
                          metadata={"description": "The token of the invitation link"})
    email = fields.Email(required=True, validate=validate.Length(max=254))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200),
                             load_only=True)
    language = fields.String(load_default="fr", validate=validate.OneOf(["fr", "en"]))


class JoinedSchema(Schema):
    """The new ambassador and a personal API token (shown once)."""

    user_id = fields.Integer()
    email = fields.String()
    display_name = fields.String()
    territory_ids = fields.List(fields.Integer())
    token = fields.String(metadata={"description": "A personal API token, shown only once"})


class CharterStatusSchema(Schema):
    """Where the ambassador stands with the charter."""

    current_number = fields.Integer(metadata={"description": "0 when there is no charter"})
    accepted_number = fields.Integer(allow_none=True)
    accepted_at = fields.AwareDateTime(allow_none=True)
    up_to_date = fields.Boolean(metadata={"description": "False: accept before sharing"})


class ProfileSchema(Schema):
    """The ambassador's own profile, choices and figures."""

    user_id = fields.Integer()
    display_name = fields.String()
    territory_ids = fields.List(fields.Integer())
    joined_at = fields.AwareDateTime()
    on_leaderboard = fields.Boolean()
    wants_digest = fields.Boolean()
    charter = fields.Nested(CharterStatusSchema)
    shares = fields.Integer()
    clicks = fields.Integer()


class ChoicesArgs(Schema):
    """The ambassador's choices; absent fields stay as they are."""

    on_leaderboard = fields.Boolean(metadata={"description": "Appear on the leaderboard"})
    wants_digest = fields.Boolean(metadata={"description": "At most one e-mail a day"})


class AcceptArgs(Schema):
    """Accept the charter version you read."""

    number = fields.Integer(strict=True, required=True,
                            validate=validate.Range(min=1, max=INT4_MAX))


class CharterTextSchema(Schema):
    """The current charter, to read before accepting it."""

    number = fields.Integer()
    created_at = fields.AwareDateTime(allow_none=True)
    data = fields.Dict()


class TextArgs(Schema):
    """A personal text for one network."""

    text = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    network = fields.String(required=True, validate=validate.OneOf(SHARE_NETWORKS))


class ShareSchema(Schema):
    """One of my shares: its short link and the network's own share address."""

    id = fields.Integer()
    kit_id = fields.Integer()
    network = fields.String()
    text = fields.String(allow_none=True)
    code = fields.String()
    short_url = fields.String()
    share_url = fields.String(metadata={"description": "Open it to share on the network"})
    created_at = fields.AwareDateTime()


class MyKitSchema(KitContentSchema):
    """A kit for me, with what I already shared of it."""

    shares = fields.List(fields.Nested(ShareSchema))


class LeaderboardRowSchema(Schema):
    """An ambassador who chose to appear."""

    rank = fields.Integer()
    user_id = fields.Integer()
    display_name = fields.String()
    shares = fields.Integer()
    clicks = fields.Integer()
    me = fields.Boolean()
