"""Templates: what the API accepts and returns.

The input schemas check syntax only (types, lengths); what a template means — slots used in the
body, limits that agree, regular expressions that compile — is checked by the editorial engine,
which lists every problem by path (``rules[2].params.pattern``) in one 422.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate
from werkzeug.routing import BaseConverter

from editorial.errors import N_
from service.api.common import INT4_MAX, Integer, QueryArgs, RowId
from service.api.templates.rule_schemas import rule_within_limits, rules_field_metadata

KEY_PATTERN = r"[a-z0-9][a-z0-9-]{0,79}"
KEY = validate.Regexp(rf"^{KEY_PATTERN}$", error=N_("Lowercase letters, digits, dashes."))


class TemplateKeyConverter(BaseConverter):
    """``<template_key:key>``: only what a template key can be; anything else matches no route."""

    regex = KEY_PATTERN

    @staticmethod
    def param_schema(_converter: BaseConverter) -> dict[str, Any]:
        """The path parameter in the OpenAPI spec."""
        return {"type": "string", "pattern": f"^{KEY_PATTERN}$", "maxLength": 80}


class TemplateArgs(Schema):
    """A template's content, in the dict format of ``editorial/serialization.py``."""

    name = fields.String(validate=validate.Length(max=200))
    network = fields.String(validate=validate.Length(max=32))
    language = fields.String(validate=validate.Length(max=8))
    timezone = fields.String(validate=validate.Length(max=64))
    body = fields.String(validate=validate.Length(max=20_000))
    slots = fields.List(fields.Dict(validate=validate.Length(max=20)),
                        validate=validate.Length(max=100))
    rules = fields.List(fields.Dict(metadata=rules_field_metadata(),
                                    validate=[validate.Length(max=8), rule_within_limits]),
                        validate=validate.Length(max=500))


REVISION_HELP = (
    "The template's `revision` as you loaded it. Optional (older clients omit it); when given "
    "and someone changed the template since (edit, publication, archiving), nothing is written "
    "and the answer is 409 `conflict.stale`.")


class TemplateEditArgs(TemplateArgs):
    """A template's new content, with the revision it was edited from."""

    revision = Integer(strict=True, validate=validate.Range(min=1, max=INT4_MAX),
                              metadata={"description": REVISION_HELP})


class PublishArgs(Schema):
    """Optional body of a publication: the revision the caller reviewed."""

    revision = Integer(strict=True, validate=validate.Range(min=1, max=INT4_MAX),
                              metadata={"description": REVISION_HELP})


class TemplateCreateArgs(TemplateArgs):
    """A new template: its key (stable across versions) and its first version's content."""

    key = fields.String(required=True, validate=KEY)


class TemplateListArgs(QueryArgs):
    """Filters for the template list."""

    archived = fields.Boolean(load_default=False,
                              metadata={"description": "Include archived templates"})


class VersionSummarySchema(Schema):
    """One version, without its content."""

    number = fields.Integer()
    status = fields.String(metadata={"description": "draft or published"})
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)


class VersionSchema(VersionSummarySchema):
    """One version with its content (the stored template dict)."""

    key = fields.String()
    data = fields.Dict()


class WrittenVersionSchema(VersionSchema):
    """The version a write produced, with the template's revision to send with the next one."""

    revision = fields.Integer(metadata={"description": "The template's revision after this "
                                                       "change: send it with the next edit"})


class TemplateSummarySchema(Schema):
    """A template in lists."""

    key = fields.String()
    name = fields.String()
    network = fields.String()
    language = fields.String()
    created_at = fields.DateTime()
    archived_at = fields.DateTime(allow_none=True)
    latest_version = fields.Integer()
    published_version = fields.Integer(allow_none=True,
                                       metadata={"description": "What new posts follow"})
    revision = fields.Integer(metadata={
        "description": "Goes up with every edit, publication and archiving: send it back as "
                       "`revision` when editing or publishing"})


class TemplateSchema(TemplateSummarySchema):
    """A template with its versions, oldest first."""

    versions = fields.List(fields.Nested(VersionSummarySchema))


class DraftGeotagArgs(Schema):
    """A point: longitude, latitude (WGS84)."""

    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))


class DraftMediaArgs(Schema):
    """An attached image: its address (possibly still being typed) and its alternative text."""

    url = fields.String(required=True, validate=validate.Length(max=2000))
    alt = fields.String(load_default="", validate=validate.Length(max=1000))


class DryRunArgs(Schema):
    """A draft to check; nothing is saved."""

    text = fields.String(required=True, validate=validate.Length(max=20_000))
    slot_values = fields.Dict(keys=fields.String(validate=validate.Length(max=64)),
                              values=fields.String(validate=validate.Length(max=2000)),
                              validate=validate.Length(max=100),
                              load_default=dict)
    media = fields.List(fields.Nested(DraftMediaArgs), validate=validate.Length(max=20),
                        load_default=list)
    geotag = fields.Nested(DraftGeotagArgs, allow_none=True)
    audience_radius_km = fields.Float(allow_none=True, validate=validate.Range(min=0, max=500))
    territory_codes = fields.List(fields.String(validate=validate.Length(min=1, max=80)),
                                  validate=validate.Length(max=50), load_default=list)
    territory_id = RowId(
        strict=True, allow_none=True,
        metadata={"description": "The author's territory: adds its code and timezone, and "
                                 "checks that the geotag lies inside it"})
    publish_at = fields.AwareDateTime(allow_none=True)
    version = RowId(
        strict=True,
        metadata={"description": "A version number (drafts too); default: the newest published"})


class PreviewDraftArgs(DryRunArgs):
    """A sample post for the preview (the template is the one sent, not a stored version)."""

    class Meta:
        """The stored-version selector makes no sense here."""

        exclude = ("version",)


class PreviewArgs(Schema):
    """An unsaved template and a sample post to check against it (and the current charter)."""

    template = fields.Nested(TemplateArgs, required=True)
    draft = fields.Nested(PreviewDraftArgs, required=True)


class DryRunQueryArgs(QueryArgs):
    """Options of the dry run."""

    autofix = fields.Boolean(load_default=False,
                             metadata={"description": "Also return the automatically fixed text"})


class AutofixEditSchema(Schema):
    """One automatic change: ``span`` of the original text replaced by ``text``."""

    span = fields.List(fields.Integer())
    text = fields.String()
    rule_id = fields.String()
    code = fields.String()


class AutofixSchema(Schema):
    """The text with every automatic fix applied, and the edits made."""

    text = fields.String()
    edits = fields.List(fields.Nested(AutofixEditSchema))


class DryRunReportSchema(Schema):
    """A validation report: every violation with its span, message and hint in fr and en."""

    ok = fields.Boolean()
    template = fields.Dict()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    violations = fields.List(fields.Dict())
    autofix = fields.Nested(AutofixSchema, allow_none=True)
