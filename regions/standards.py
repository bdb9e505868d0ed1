"""Editorial standards in storage: versioned templates and the charter, compiled on demand.

A template's versions are numbered from 1. The newest version is either a draft (editable)
or published (immutable, enforced by a database trigger); editing a template whose newest
version is published starts the next draft. Posts keep the id of the version they were
validated against, so publishing v2 never changes what a v1 post shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from editorial import (
    Draft,
    Edit,
    Report,
    autofix,
    charter_from_dict,
    charter_to_dict,
    compile_template,
    template_from_dict,
    template_to_dict,
    validate,
)
from editorial.errors import N_
from regions import audit, compiled, geotags
from regions.actors import DESK_ROLES, Actor
from regions.db import Reading, UnitOfWork
from regions.errors import Conflict, InvalidInput, NotFound, check_version
from regions.models import (
    AdminArea,
    CharterVersion,
    TemplateRecord,
    TemplateVersion,
    Territory,
)
from regions.patterns import ENGINE as PATTERNS


class TemplateKeyTaken(Conflict):
    """Another template already has this key."""

    code = "template.key_taken"


class TemplateArchived(Conflict):
    """The template is archived: it can no longer be edited or published."""

    code = "template.archived"


class AlreadyPublished(Conflict):
    """The newest version is already published: edit the template to start the next one."""

    code = "template.already_published"


class NotPublished(InvalidInput):
    """The template (or the asked version) has no published version to follow."""

    code = "template.not_published"


def _checked_template(data: dict[str, Any], key: str, number: int) -> dict[str, Any]:
    """Validate a template dict (every problem at once) and return its canonical form."""
    template = template_from_dict({**data, "id": key, "version": number}, patterns=PATTERNS)
    # Bad or unsafe regexes, unknown slots… raise TemplateInvalid (422).
    compile_template(template, patterns=PATTERNS)
    return template_to_dict(template)


def get_template(session: Session, key: str) -> TemplateRecord:
    """A template by key."""
    record = session.scalar(select(TemplateRecord).where(TemplateRecord.key == key))
    if record is None:
        raise _no_template(key)
    return record


def list_templates(session: Session, *, include_archived: bool = False) -> list[TemplateRecord]:
    """Templates, newest first."""
    query = select(TemplateRecord).order_by(TemplateRecord.id.desc())
    if not include_archived:
        query = query.where(TemplateRecord.archived_at.is_(None))
    return list(session.scalars(query))


def latest_version(session: Session, record: TemplateRecord) -> TemplateVersion:
    """The newest version (draft or published)."""
    version = session.scalar(
        select(TemplateVersion).where(TemplateVersion.template_id == record.id)
        .order_by(TemplateVersion.number.desc()).limit(1)
    )
    assert version is not None  # every template is created with version 1
    return version


def _no_template(key: str) -> NotFound:
    return NotFound(f"No template {key!r}.", params={"kind": "template", "id": key})


def _no_version(key: str, number: int) -> NotFound:
    return NotFound(f"Template {key!r} has no version {number}.",
                    params={"kind": "template version", "id": f"{key} v{number}"})


def _not_published(key: str, number: int | None) -> NotPublished:
    return NotPublished(
        f"Template {key!r} has no published version{f' {number}' if number else ''}.",
        params={"key": key}, errors={"template": [N_("Publish the template first.")]},
    )


def get_version(session: Session, key: str, number: int) -> TemplateVersion:
    """One version of a template, draft or published."""
    record = get_template(session, key)
    version = session.scalar(select(TemplateVersion).where(
        TemplateVersion.template_id == record.id, TemplateVersion.number == number))
    if version is None:
        raise _no_version(key, number)
    return version


def published_version(session: Session, key: str, number: int | None = None) -> TemplateVersion:
    """A published version of a template: the given number, or the newest one."""
    record = get_template(session, key)
    query = select(TemplateVersion).where(
        TemplateVersion.template_id == record.id, TemplateVersion.published_at.is_not(None))
    if number is not None:
        query = query.where(TemplateVersion.number == number)
    version = session.scalar(query.order_by(TemplateVersion.number.desc()).limit(1))
    if version is None or record.archived_at is not None:
        raise _not_published(key, number)
    return version


def _require_open(record: TemplateRecord) -> None:
    if record.archived_at is not None:
        raise TemplateArchived(f"Template {record.key!r} is archived.",
                               params={"key": record.key})


def create_template(uow: UnitOfWork, actor: Actor, key: str, data: dict[str, Any]
                    ) -> TemplateVersion:
    """Create a template; its first version is a draft until published."""
    actor.require(*DESK_ROLES)
    canonical = _checked_template(data, key, 1)
    record = TemplateRecord(key=key, name=canonical["name"], network=canonical["network"],
                            language=canonical["language"], created_by=actor.user_id)
    try:
        with uow.session.begin_nested():
            uow.session.add(record)
    except IntegrityError:
        raise TemplateKeyTaken(f"A template with the key {key!r} already exists.",
                               params={"key": key},
                               errors={"key": [N_("Already taken.")]}) from None
    version = TemplateVersion(template=record, number=1, data=canonical,
                              created_by=actor.user_id)
    uow.session.add(version)
    uow.flush()
    audit.record(uow.session, actor.user_id, "template.created", "template", record.id,
                 {"key": key})
    return version


def _touch(record: TemplateRecord) -> None:
    """Count a change in the template's optimistic version, even when only a version changed."""
    flag_modified(record, "name")


def edit_template(uow: UnitOfWork, actor: Actor, key: str, data: dict[str, Any], *,
                  expected_version: int | None = None) -> TemplateVersion:
    """Change the draft, or start the next version when the newest one is published.

    ``expected_version`` is the template's ``version`` as the caller last read it: when
    someone changed the template since, nothing is written (409 ``conflict.stale``).
    """
    actor.require(*DESK_ROLES)
    record = get_template(uow.session, key)
    check_version("template", record.version, expected_version)
    _require_open(record)
    current = latest_version(uow.session, record)
    number = current.number + 1 if current.published_at else current.number
    canonical = _checked_template(data, key, number)
    if current.published_at is None:
        current.data = canonical
        version = current
    else:
        version = TemplateVersion(template=record, number=number, data=canonical,
                                  created_by=actor.user_id)
        uow.session.add(version)
    record.name, record.network = canonical["name"], canonical["network"]
    record.language = canonical["language"]
    _touch(record)
    uow.flush()
    audit.record(uow.session, actor.user_id, "template.edited", "template", record.id,
                 {"version": number})
    return version


def publish_template(uow: UnitOfWork, actor: Actor, key: str, *, now: datetime,
                     expected_version: int | None = None) -> TemplateVersion:
    """Publish the draft: from now on it never changes (a stale ``expected_version``: 409)."""
    actor.require(*DESK_ROLES)
    record = get_template(uow.session, key)
    check_version("template", record.version, expected_version)
    _require_open(record)
    current = latest_version(uow.session, record)
    if current.published_at is not None:
        raise AlreadyPublished(
            f"Version {current.number} is already published: edit to make a new one.",
            params={"version": current.number})
    current.published_at, current.published_by = now, actor.user_id
    _touch(record)
    uow.flush()
    audit.record(uow.session, actor.user_id, "template.published", "template", record.id,
                 {"version": current.number})
    return current


def archive_template(uow: UnitOfWork, actor: Actor, key: str, *, now: datetime
                     ) -> TemplateRecord:
    """Archive a template: no new posts follow it; existing posts keep their version."""
    actor.require(*DESK_ROLES)
    record = get_template(uow.session, key)
    if record.archived_at is None:
        record.archived_at = now
        uow.flush()
        audit.record(uow.session, actor.user_id, "template.archived", "template", record.id)
    return record


# -- the charter -------------------------------------------------------------------------------
def current_charter(session: Session) -> CharterVersion | None:
    """The newest charter version (None until the desk writes one)."""
    return session.scalar(select(CharterVersion).order_by(CharterVersion.number.desc()).limit(1))


def get_charter_version(session: Session, number: int) -> CharterVersion:
    """One charter version by number."""
    row = session.scalar(select(CharterVersion).where(CharterVersion.number == number))
    if row is None:
        raise NotFound(f"No charter version {number}.",
                       params={"kind": "charter version", "id": number})
    return row


def update_charter(uow: UnitOfWork, actor: Actor, data: dict[str, Any]) -> CharterVersion:
    """Write the next charter version; every template inherits it from now on."""
    actor.require(*DESK_ROLES)
    number = (uow.session.scalar(select(func.max(CharterVersion.number))) or 0) + 1
    # Reading the charter compiles its rules: a bad regex or term raises CharterInvalid (422).
    charter = charter_from_dict({**data, "version": number}, patterns=PATTERNS)
    row = CharterVersion(number=number, data=charter_to_dict(charter), created_by=actor.user_id)
    try:
        with uow.session.begin_nested():
            uow.session.add(row)
    except IntegrityError:  # someone wrote the same version number at the same moment
        raise Conflict("The charter changed meanwhile: reload and try again.",
                       params={"version": number}) from None
    audit.record(uow.session, actor.user_id, "charter.updated", "charter", row.id,
                 {"version": number})
    return row


# -- validation --------------------------------------------------------------------------------
def check_draft(session: Session, version: TemplateVersion | int,
                draft: Draft | Callable[[], Draft], *, now: datetime
                ) -> tuple[Report, int | None]:
    """Validate a draft against a template version and the current charter; never saves.

    ``version``: the version, or its id (its document is then read only when this process
    has not compiled it yet). ``draft``: the draft, or a function giving it from reads queued
    with ``regions.db.read_later`` (they then go in the same round trip as the versions').
    Returns the report and the id of the charter version applied.
    """
    version_id = version if isinstance(version, int) else version.id
    refs = compiled.refs_for_version_later(session, version_id)
    draft = draft() if callable(draft) else draft
    ref, charter = refs()
    data = None if isinstance(version, int) else version.data
    template = compiled.compiled_version(session, ref, charter, data=data)
    return validate(template, draft, now=now), charter.id if charter else None


@dataclass(frozen=True, slots=True)
class DryRun:
    """What a dry run found: the report and, when asked, the automatically fixed text."""

    report: Report
    fixed: tuple[str, list[Edit]] | None


def _with_places(session: Session, actor: Actor, draft: Draft, point: tuple[float, float] | None,
                 territory_id: int | None) -> Draft:
    """Add what PostGIS knows: the areas around the point, and the territory's facts."""
    codes = list(draft.territory_codes)
    geom = geotags.point(*point) if point else None
    if geom is not None:
        covering = select(AdminArea.code).where(func.ST_Covers(AdminArea.geom, geom))
        codes += session.scalars(covering)
    if territory_id is None:
        return replace(draft, territory_codes=tuple(codes))
    geotags.require_territory(actor, territory_id)
    territory = session.get(Territory, territory_id)
    if territory is None:
        raise InvalidInput(f"No territory {territory_id}.",
                           errors={"territory_id": [N_("Unknown territory.")]})
    inside = None if geom is None else geotags.geotag_inside(session, territory_id, geom)
    return replace(draft, territory_codes=(territory.slug, *codes), inside_territory=inside,
                   timezone=draft.timezone or territory.timezone)


DryRunRefs = tuple[compiled.VersionRef, compiled.CharterRef | None]


def dry_run(unit: Reading, actor: Actor, refs: DryRunRefs, draft: Draft, *, now: datetime,
            point: tuple[float, float] | None = None, territory_id: int | None = None,
            fix: bool = False) -> DryRun:
    """Validate a draft as it would be on submission, saving nothing.

    ``refs``: the template version and charter to follow (``dry_run_refs_later``). The geotag
    is judged by ``geotags.geotag_inside``, as on submission. One fact of a real submission is
    not known here: the codes of gazetteer areas chosen as the audience. The unit's ORM
    session is made only when needed: for a geotag or a territory, or to compile a version
    this process has not compiled yet.
    """
    version, charter = refs
    draft = replace(draft, geotagged=point is not None)
    if point is not None or territory_id is not None:
        draft = _with_places(unit.session, actor, draft, point, territory_id)
    template = compiled.compiled_version(unit, version, charter)
    report = validate(template, draft, now=now)
    return DryRun(report, autofix(template, draft) if fix else None)


def dry_run_refs_later(source: Session | Reading, key: str, number: int | None
                       ) -> Callable[[], DryRunRefs]:
    """Queue the read of the version a dry run follows and the current charter (one query).

    The read rides along with the session's next one (``regions.db.read_later``): the caller
    authenticates, then calls the function. Without ``number`` the newest published version
    is used; with it, that version, even a draft (so the desk can try a template before
    publishing it): the same answers as ``published_version`` and ``get_version``.
    """
    pending = compiled.template_refs_later(source, key, number)

    def refs() -> DryRunRefs:
        row = pending()
        if row is None:
            raise _no_template(key)
        archived_at, version_id, version_number, published_at, charter_id, charter_at = row
        if number is None and (version_id is None or archived_at is not None):
            raise _not_published(key, None)
        if version_id is None:
            assert number is not None
            raise _no_version(key, number)
        return (compiled.VersionRef(version_id, version_number, published_at),
                compiled.charter_ref(charter_id, charter_at))

    return refs


def preview_template(session: Session, actor: Actor, data: dict[str, Any], draft: Draft, *,
                     now: datetime, territory_id: int | None = None,
                     point: tuple[float, float] | None = None) -> Report:
    """Validate a sample draft against an unsaved template and the current charter.

    The desk's editor calls it while typing: a template that does not hold together raises
    TemplateInvalid listing every problem by path, exactly as saving it would.
    """
    actor.require(*DESK_ROLES)
    canonical = _checked_template(data, str(data.get("id") or "preview"), 1)
    charter = current_charter(session)
    template = compiled.compiled_data(
        session, canonical,
        compiled.CharterRef(charter.id, charter.created_at) if charter else None)
    draft = _with_places(session, actor, replace(draft, geotagged=point is not None), point,
                         territory_id)
    return validate(template, draft, now=now)
