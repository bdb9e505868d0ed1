"""The desk's standards editor: the charter and the templates, edited in forms, with a preview."""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from editorial import RULE_TYPES, Draft, TemplateInvalid, template_from_dict
from editorial import render_template as fill_body
from editorial.catalog import RULE_DOCS, Kind
from editorial.errors import DefinitionInvalid
from regions import standards
from regions.actors import DESK_ROLES
from regions.errors import InvalidInput, StaleVersion
from regions.models import TemplateRecord
from regions.patterns import ENGINE as PATTERNS
from regions.reports import report_to_dict
from regions.review_screen import filled_text, slot_labels, structure
from service.auth import csrf
from service.runtime import reading, unit_of_work, violation_messages
from service.web import standards_forms as forms
from service.web import standards_labels as labels
from service.web.pages import error_message, field_messages, login_required, page_actor

bp = Blueprint("standards", __name__, url_prefix="/standards")
NETWORKS = ("facebook", "instagram", "x", "linkedin", "google_business")
SLOT_TYPES = ("text", "date", "phone", "choice", "integer", "url")
NEW_TEMPLATE = {"name": "", "network": "facebook", "language": "fr", "timezone": "Europe/Paris",
                "body": "", "slots": [], "rules": []}


def _desk() -> None:
    """The editor is the central desk's: others get the 403 page."""
    page_actor().require(*DESK_ROLES)


def _editor_globals() -> dict[str, Any]:
    return {"rule_docs": RULE_DOCS, "rule_types": RULE_TYPES, "kinds": Kind,
            "param_display": forms.param_display, "networks": NETWORKS,
            "slot_types": SLOT_TYPES, "param_label": labels.param_label,
            "choice_label": labels.choice_label, "slot_type_label": labels.slot_type_label}


def _state(record: TemplateRecord) -> str:
    if record.archived_at is not None:
        return "archived"
    return "published" if record.versions[-1].published_at else "draft"


@bp.get("")
@login_required
def index() -> ResponseReturnValue:
    """The charter (current version) and every template with its versions and state."""
    _desk()
    with reading() as uow:
        charter = standards.current_charter(uow.session)
        records = standards.list_templates(uow.session, include_archived=True)
        templates = [{"record": r, "state": _state(r), "versions": list(r.versions)}
                     for r in records]
        return render_template("standards/index.html", charter=charter, templates=templates,
                               rule_docs=RULE_DOCS)


def _charter_page(rules: list[dict[str, Any]], number: int, errors: dict[str, list[str]],
                  status: int = 200) -> ResponseReturnValue:
    page = render_template("standards/charter.html", rules=rules, number=number,
                           errors=errors, **_editor_globals())
    return page, status


@bp.route("/charter", methods=["GET", "POST"])
@login_required
def charter() -> ResponseReturnValue:
    """Edit the charter: saving writes its next version."""
    _desk()
    if request.method == "GET":
        with reading() as uow:
            row = standards.current_charter(uow.session)
            rules = list(row.data.get("rules", [])) if row else [
                forms.new_rule("terms.forbidden", []), forms.new_rule("disclaimer.required", [])]
            return _charter_page(rules, row.number if row else 0, {})
    csrf.protect()
    rules = forms.read_rules(request.form)
    number = request.form.get("number", type=int) or 0
    if request.form.get("action") == "add_rule":
        return _charter_page(_with_new_rule(rules), number, {})
    try:
        with unit_of_work() as uow:
            row = standards.update_charter(uow, page_actor(), {"rules": rules})
            uow.commit()
            saved = row.number
    except DefinitionInvalid as error:
        return _charter_page(rules, number, forms.field_errors(error.errors, ""), 422)
    flash(_("Charter version %(number)s saved.", number=saved), "success")
    return redirect(url_for("web.standards.index"), code=303)


def _with_new_rule(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rule_type = request.form.get("new_rule_type", "")
    if rule_type not in RULE_DOCS:
        return rules
    return [*rules, forms.new_rule(rule_type, rules)]


def _editor(data: dict[str, Any], *, key: str | None, record: Any = None,
            revision: int | None = None, errors: dict[str, list[str]] | None = None,
            notice: str | None = None, status: int = 200) -> ResponseReturnValue:
    page = render_template(
        "standards/template.html", data=data, key=key, record=record, revision=revision,
        errors=errors or {}, notice=notice, versions=list(record.versions) if record else [],
        state=_state(record) if record else "new", **_editor_globals())
    return page, status


def _edit_action(data: dict[str, Any]) -> dict[str, Any] | None:
    """Adding a slot or a rule only redisplays the form; None when the form is to be saved."""
    action = request.form.get("action")
    if action == "add_rule":
        return {**data, "rules": _with_new_rule(data["rules"])}
    if action == "add_slot":
        return {**data, "slots": [*data["slots"], {"name": "", "type": "text"}]}
    return None


@bp.route("/templates/new", methods=["GET", "POST"])
@login_required
def new_template() -> ResponseReturnValue:
    """Write a new template: version 1 is a draft until published."""
    _desk()
    if request.method == "GET":
        return _editor(dict(NEW_TEMPLATE), key=None)
    csrf.protect()
    data, key = forms.read_template(request.form), request.form.get("key", "").strip()
    if (changed := _edit_action(data)) is not None:
        return _editor(changed, key=None)
    try:
        with unit_of_work() as uow:
            standards.create_template(uow, page_actor(), key, data)
            uow.commit()
    except DefinitionInvalid as error:
        return _editor(data, key=None, errors=forms.field_errors(error.errors, ""), status=422)
    except (InvalidInput, standards.TemplateKeyTaken) as error:
        return _editor(data, key=None, errors={"key": [_("This key is already taken.")]}
                       if isinstance(error, standards.TemplateKeyTaken) else
                       field_messages(error) or {"key": [error_message(error)]}, status=422)
    flash(_("Template created as a draft."), "success")
    return redirect(url_for("web.standards.template", key=key), code=303)


@bp.route("/templates/<template_key:key>", methods=["GET", "POST"])
@login_required
def template(key: str) -> ResponseReturnValue:
    """Edit a template's draft (or start its next version), see and compare its versions."""
    _desk()
    if request.method == "POST":
        return _save_template(key)
    with reading() as uow:
        record = standards.get_template(uow.session, key)
        data = dict(standards.latest_version(uow.session, record).data)
        return _editor(data, key=key, record=record, revision=record.version)


def _save_template(key: str) -> ResponseReturnValue:
    csrf.protect()
    data = forms.read_template(request.form)
    revision = request.form.get("revision", type=int)
    notice, errors, status = None, {}, 200
    changed = _edit_action(data)
    if changed is None:
        try:
            with unit_of_work() as uow:
                standards.edit_template(uow, page_actor(), key, data, expected_version=revision)
                uow.commit()
            flash(_("Draft saved."), "success")
            return redirect(url_for("web.standards.template", key=key), code=303)
        except StaleVersion:
            notice = _("Someone changed this template since you opened it: your changes are "
                       "not saved. Copy them, then reload the page.")
            status = 409
        except DefinitionInvalid as error:
            errors, status = forms.field_errors(error.errors, ""), 422
    with reading() as uow:
        record = standards.get_template(uow.session, key)
        return _editor(changed or data, key=key, record=record, revision=revision,
                       errors=errors, notice=notice, status=status)


@bp.post("/templates/<template_key:key>/publish")
@login_required
def publish(key: str) -> ResponseReturnValue:
    """Publish the draft: new posts follow it from now on."""
    _desk()
    csrf.protect()
    try:
        with unit_of_work() as uow:
            version = standards.publish_template(uow, page_actor(), key, now=datetime.now(UTC),
                                                 expected_version=request.form.get(
                                                     "revision", type=int))
            uow.commit()
            flash(_("Version %(number)s published.", number=version.number), "success")
    except StaleVersion:
        flash(_("Someone changed this template since you opened it: check the draft, then "
                "publish again."), "error")
    except standards.AlreadyPublished:
        flash(_("This version is already published."), "error")
    return redirect(url_for("web.standards.template", key=key), code=303)


@bp.post("/templates/<template_key:key>/archive")
@login_required
def archive(key: str) -> ResponseReturnValue:
    """Archive a template: no new post follows it."""
    _desk()
    csrf.protect()
    with unit_of_work() as uow:
        standards.archive_template(uow, page_actor(), key, now=datetime.now(UTC))
        uow.commit()
    flash(_("Template archived."), "success")
    return redirect(url_for("web.standards.index"), code=303)


@bp.get("/templates/<template_key:key>/compare")
@login_required
def compare(key: str) -> ResponseReturnValue:
    """Two versions side by side as a unified diff of their content."""
    _desk()
    first, second = request.args.get("a", type=int), request.args.get("b", type=int)
    with reading() as uow:
        record = standards.get_template(uow.session, key)
        numbers = [v.number for v in record.versions]
        if first is None or second is None:
            first, second = (numbers[-2], numbers[-1]) if len(numbers) > 1 else (1, 1)
        if first not in numbers or second not in numbers:
            abort(404)
        before = standards.get_version(uow.session, key, first).data
        after = standards.get_version(uow.session, key, second).data
        lines = _diff_lines(before, after, first, second)
        return render_template("standards/compare.html", record=record, numbers=numbers,
                               first=first, second=second, lines=lines)


def _diff_lines(before: dict[str, Any], after: dict[str, Any], first: int, second: int
                ) -> list[tuple[str, str]]:
    """(kind, line) pairs of a unified diff; kind is add, remove, hunk or same."""
    def dump(data: dict[str, Any]) -> list[str]:
        shown = {k: v for k, v in data.items() if k != "version"}
        return json.dumps(shown, indent=2, ensure_ascii=False, sort_keys=True).splitlines()

    diff = difflib.unified_diff(dump(before), dump(after), f"v{first}", f"v{second}",
                                lineterm="", n=3)
    kinds = {"+": "add", "-": "remove", "@": "hunk"}
    return [(kinds.get(line[:1], "same"), line) for line in list(diff)[2:]]


@bp.post("/templates/preview")
@login_required
def preview() -> ResponseReturnValue:
    """The live preview (htmx): the sample post checked against the template being edited."""
    _desk()
    csrf.protect()
    data = forms.read_template(request.form)
    values = {slot["name"]: request.form.get(f"sample-slot-{slot['name']}", "")
              for slot in data["slots"] if slot.get("name")}
    text = request.form.get("sample-text", "").replace("\r\n", "\n")
    problems: dict[str, list[str]] = {}
    report = None
    blanks: list[tuple[int, str]] = []
    try:
        if not text.strip():
            text = fill_body(template_from_dict({**data, "id": "preview"}, patterns=PATTERNS),
                             values)
            blanks = _blanks(data, values, text)
        now = datetime.now(UTC)
        # The sample goes out now: the time rules show what they say of a post sent today
        # (an undated post is not judged on them, decision 0053).
        with reading() as uow:
            report = standards.preview_template(uow.session, page_actor(), data,
                                                Draft(text=text, slot_values=values,
                                                      publish_at=now), now=now)
    except TemplateInvalid as error:
        problems = forms.field_errors(error.errors, "")
    return render_template("standards/_report.html", text=text, problems=problems,
                           report=report_to_dict(report, violation_messages()) if report else None,
                           segments=annotate(text, report.violations, blanks) if report else [])


def _blanks(data: dict[str, Any], values: dict[str, str], text: str) -> list[tuple[int, str]]:
    """(offset in ``text``, label) of each slot the sample leaves empty, as a visible blank."""
    segments = structure(data.get("body", ""), values, slot_labels(data))
    if filled_text(segments) != text:
        return []  # not the body filled in: no place to show the blanks
    blanks, offset = [], 0
    for seg in segments:
        if seg.kind == "slot-empty":
            blanks.append((offset, seg.slot or ""))
        else:
            offset += len(seg.text)
    return blanks


def annotate(text: str, violations: Any, blanks: Sequence[tuple[int, str]] = ()
             ) -> list[tuple[str, str | None]]:
    """The text cut into (piece, severity or None): pieces inside a violation's span marked.

    ``blanks`` are (offset, label) of empty slots, shown as ("label", "blank") pieces there.
    """
    marks: list[str | None] = [None] * len(text)
    for violation in violations:
        if violation.span is None:
            continue
        start, end = violation.span
        for index in range(max(start, 0), min(end, len(text))):
            if marks[index] != "error":
                marks[index] = violation.severity.value
    waiting = list(reversed(blanks))  # in text order: the next one last
    pieces: list[tuple[str, str | None]] = []
    for index, (char, mark) in enumerate(zip(text, marks, strict=True)):
        while waiting and waiting[-1][0] <= index:
            pieces.append((waiting.pop()[1], "blank"))
        if pieces and pieces[-1][1] == mark:
            pieces[-1] = (pieces[-1][0] + char, mark)
        else:
            pieces.append((char, mark))
    pieces.extend((label, "blank") for _offset, label in reversed(waiting))
    return pieces
