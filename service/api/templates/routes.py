"""Templates: versioned editorial templates, written by the central desk, and the dry run."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response
from flask.views import MethodView

from editorial import Draft, Edit, Media
from regions import standards
from regions.models import TemplateRecord, TemplateVersion
from regions.reports import report_to_dict
from service.api.common import Blueprint, json_response
from service.api.templates.schemas import (
    DryRunArgs,
    DryRunQueryArgs,
    DryRunReportSchema,
    PreviewArgs,
    PublishArgs,
    TemplateCreateArgs,
    TemplateEditArgs,
    TemplateListArgs,
    TemplateSchema,
    TemplateSummarySchema,
    VersionSchema,
    WrittenVersionSchema,
)
from service.auth import current_actor
from service.runtime import driver_reading, unit_of_work, violation_messages

blp = Blueprint("templates", __name__, url_prefix="/api/templates",
                description="Editorial templates: versions, publication and the dry run.")


def _version_summary(version: TemplateVersion) -> dict[str, Any]:
    return {"number": version.number, "created_at": version.created_at,
            "status": "published" if version.published_at else "draft",
            "published_at": version.published_at}


def _version(key: str, version: TemplateVersion) -> dict[str, Any]:
    return {**_version_summary(version), "key": key, "data": version.data}


def _written(key: str, version: TemplateVersion) -> dict[str, Any]:
    return {**_version(key, version), "revision": version.template.version}


def _template(record: TemplateRecord, *, with_versions: bool = False) -> dict[str, Any]:
    versions = record.versions
    published = [v.number for v in versions if v.published_at is not None]
    data = {"key": record.key, "name": record.name, "network": record.network,
            "language": record.language, "created_at": record.created_at,
            "archived_at": record.archived_at, "latest_version": versions[-1].number,
            "published_version": published[-1] if published else None,
            "revision": record.version}
    if with_versions:
        data["versions"] = [_version_summary(v) for v in versions]
    return data


@blp.route("")
class Templates(MethodView):
    """All templates."""

    @blp.arguments(TemplateListArgs, location="query")
    @blp.response(200, TemplateSummarySchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Templates, newest first; archived ones only when asked."""
        current_actor()
        with unit_of_work() as uow:
            records = standards.list_templates(uow.session, include_archived=args["archived"])
            return [_template(record) for record in records]

    @blp.arguments(TemplateCreateArgs)
    @blp.response(201, WrittenVersionSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Create a template (central desk): version 1, a draft until published."""
        actor = current_actor()
        key = args.pop("key")
        with unit_of_work() as uow:
            version = standards.create_template(uow, actor, key, args)
            uow.commit()
            return _written(key, version)


@blp.route("/<template_key:key>")
class TemplateByKey(MethodView):
    """One template."""

    @blp.response(200, TemplateSchema)
    def get(self, key: str) -> dict[str, Any]:
        """A template with the summary of its versions."""
        current_actor()
        with unit_of_work() as uow:
            return _template(standards.get_template(uow.session, key), with_versions=True)

    @blp.arguments(TemplateEditArgs)
    @blp.response(200, WrittenVersionSchema)
    def put(self, args: dict[str, Any], key: str) -> dict[str, Any]:
        """Edit (central desk): changes the draft, or starts the next version after a publish.

        Send the `revision` you loaded: a template changed meanwhile answers 409
        `conflict.stale` instead of overwriting someone else's work.
        """
        actor = current_actor()
        revision = args.pop("revision", None)
        with unit_of_work() as uow:
            version = standards.edit_template(uow, actor, key, args, expected_version=revision)
            uow.commit()
            return _written(key, version)


@blp.route("/<template_key:key>/publish")
class PublishTemplate(MethodView):
    """Publication."""

    @blp.arguments(PublishArgs)
    @blp.response(200, WrittenVersionSchema)
    def post(self, args: dict[str, Any], key: str) -> dict[str, Any]:
        """Publish the draft (central desk): from now on this version never changes."""
        actor = current_actor()
        with unit_of_work() as uow:
            version = standards.publish_template(uow, actor, key, now=datetime.now(UTC),
                                                 expected_version=args.get("revision"))
            uow.commit()
            return _written(key, version)


@blp.route("/<template_key:key>/archive")
class ArchiveTemplate(MethodView):
    """Archiving."""

    @blp.no_body()
    @blp.response(200, TemplateSchema)
    def post(self, key: str) -> dict[str, Any]:
        """Archive (central desk): no new post follows it; existing posts keep their version."""
        actor = current_actor()
        with unit_of_work() as uow:
            record = standards.archive_template(uow, actor, key, now=datetime.now(UTC))
            uow.commit()
            return _template(record, with_versions=True)


@blp.route("/<template_key:key>/versions/<int:number>")
class TemplateVersionByNumber(MethodView):
    """One version."""

    @blp.response(200, VersionSchema)
    def get(self, key: str, number: int) -> dict[str, Any]:
        """A version's stored content: published versions never change."""
        current_actor()
        with unit_of_work() as uow:
            return _version(key, standards.get_version(uow.session, key, number))


def _draft(args: dict[str, Any]) -> Draft:
    return Draft(
        text=args["text"], slot_values=args["slot_values"],
        media=tuple(Media(m["url"], m["alt"]) for m in args["media"]),
        audience_radius_km=args.get("audience_radius_km"),
        territory_codes=tuple(args["territory_codes"]), publish_at=args.get("publish_at"),
    )


def _autofix(fixed: tuple[str, list[Edit]] | None) -> dict[str, Any] | None:
    if fixed is None:
        return None
    text, edits = fixed
    return {"text": text, "edits": [{"span": list(edit.span), "text": edit.text,
                                     "rule_id": edit.rule_id, "code": edit.code}
                                    for edit in edits]}


@blp.route("/<template_key:key>/validate")
class DryRun(MethodView):
    """The dry run."""

    @blp.arguments(DryRunQueryArgs, location="query")
    @blp.arguments(DryRunArgs)
    @blp.response(200, DryRunReportSchema)
    def post(self, query: dict[str, Any], args: dict[str, Any], key: str) -> Response:
        """Validate a draft against a template as on submission; nothing is saved."""
        geotag = args.get("geotag")
        with driver_reading() as unit:  # nothing is written: one connection, no transaction
            # The template's read is queued, then sent with the token's (one statement);
            # the token is still checked first, on every request.
            refs = standards.dry_run_refs_later(unit, key, args.get("version"))
            # Territories matter only to judge a territory's post (``territory_id``).
            actor = current_actor(unit, scope=args.get("territory_id") is not None)
            result = standards.dry_run(
                unit, actor, refs(), _draft(args), now=datetime.now(UTC),
                territory_id=args.get("territory_id"),
                point=(geotag["lon"], geotag["lat"]) if geotag else None, fix=query["autofix"],
            )
        return json_response({**report_to_dict(result.report, violation_messages()),
                              "autofix": _autofix(result.fixed)})


@blp.route("/preview")
class Preview(MethodView):
    """The editor's live preview."""

    @blp.arguments(PreviewArgs)
    @blp.response(200, DryRunReportSchema)
    def post(self, args: dict[str, Any]) -> Response:
        """Validate a sample post against an unsaved template (central desk); nothing is saved.

        A template that does not hold together answers 422 with every problem by path, as
        saving it would.
        """
        actor = current_actor()
        sample, geotag = args["draft"], args["draft"].get("geotag")
        with unit_of_work() as uow:
            report = standards.preview_template(
                uow.session, actor, args["template"], _draft(sample), now=datetime.now(UTC),
                territory_id=sample.get("territory_id"),
                point=(geotag["lon"], geotag["lat"]) if geotag else None)
        return json_response({**report_to_dict(report, violation_messages()), "autofix": None})
