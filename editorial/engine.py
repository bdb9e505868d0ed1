"""Validating a draft against a compiled template, and fixing what is mechanical."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo

from editorial.checks.base import Check, Context
from editorial.checks.text import FrenchTypographyCheck, french_spacing
from editorial.compiler import CompiledTemplate
from editorial.definition import load_zone
from editorial.model import Draft, Edit, FixAction, Report, Severity, Violation

_ENGINE_RULE = "builtin:engine"
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# Appended in this order: disclaimers close the text, tags and mentions may follow them.
_BLOCK_CODES = ("disclaimer.missing",)


def _zone(compiled: CompiledTemplate, draft: Draft) -> tuple[tzinfo, list[Violation]]:
    if draft.timezone is None:
        return compiled.zone, []
    zone = load_zone(draft.timezone)
    if zone is not None:
        return zone, []
    params = {"timezone": draft.timezone, "fallback": compiled.template.timezone}
    warning = Violation(_ENGINE_RULE, "time.unknown_timezone", Severity.WARNING, None, params)
    return compiled.zone, [warning]


def _in_scope(check: Check, territories: set[str]) -> bool:
    meta = check.meta
    return meta is None or not meta.territories or not meta.territories.isdisjoint(territories)


def _run(checks: Iterable[Check], context: Context) -> list[Violation]:
    territories = set(context.draft.territory_codes)
    found: list[Violation] = []
    for check in checks:
        meta = check.meta  # inlined _in_scope: this loop runs 30 times per draft
        if meta is not None and meta.territories and meta.territories.isdisjoint(territories):
            continue
        try:
            found.extend(check.run(context))
        except Exception as error:  # the engine must answer; a bug becomes a visible error
            params = {"check": type(check).__name__, "error": type(error).__name__}
            code = "engine.check_failed"
            found.append(Violation(_ENGINE_RULE, code, Severity.ERROR, None, params))
    return found


def validate(compiled: CompiledTemplate, draft: Draft, *, now: datetime) -> Report:
    """Run every rule of ``compiled`` on ``draft``; never raises for any content."""
    zone, violations = _zone(compiled, draft)
    moment = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    violations += _run(compiled.checks, Context(draft, moment, zone))
    template = compiled.template
    return Report(template.id, template.version, tuple(violations))


def _separator(current: str, block: bool) -> str:
    if not current or (current[-1].isspace() and not block) or current.endswith("\n\n"):
        return ""
    if block:
        return "\n" if current.endswith("\n") else "\n\n"
    return " "


def autofix(compiled: CompiledTemplate, draft: Draft) -> tuple[str, list[Edit]]:
    """Apply every automatic fix: returns the new text and the edits made, in order."""
    text = draft.text
    zone, _ = _zone(compiled, draft)
    found = [v for v in _run(compiled.fixable, Context(draft, _EPOCH, zone)) if v.fix]
    automatic = [v for v in found if v.fix is not None and v.fix.automatic]
    replacements: dict[tuple[int, int], Edit] = {}
    appends: list[Violation] = []
    for violation in automatic:
        fix = violation.fix
        assert fix is not None and fix.span is not None
        if fix.action is FixAction.REPLACE:
            edit = Edit(fix.span, fix.text, violation.rule_id, violation.code)
            replacements.setdefault(fix.span, edit)
        else:
            appends.append(violation)
    edits = sorted(replacements.values(), key=lambda edit: edit.span)
    current = _apply(text, edits)
    territories = set(draft.territory_codes)
    typography = any(
        isinstance(c, FrenchTypographyCheck) and _in_scope(c, territories)
        for c in compiled.fixable
    )
    appended: set[str] = set()
    appends.sort(key=lambda v: v.code not in _BLOCK_CODES)
    for violation in appends:
        assert violation.fix is not None
        content = violation.fix.text
        if content.casefold() in appended:
            continue
        appended.add(content.casefold())
        if typography:
            content = french_spacing(content)
        addition = _separator(current, violation.code in _BLOCK_CODES) + content
        edits.append(Edit((len(text), len(text)), addition, violation.rule_id, violation.code))
        current += addition
    return current, edits


def _apply(text: str, edits: list[Edit]) -> str:
    parts: list[str] = []
    position = 0
    for edit in edits:
        parts.append(text[position : edit.span[0]])
        parts.append(edit.text)
        position = edit.span[1]
    parts.append(text[position:])
    return "".join(parts)
