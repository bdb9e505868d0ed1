"""Relais editorial standards: templates, the charter and the validation engine (stdlib only).

Typical use::

    compiled = compile_template(template_from_dict(data), charter_from_dict(charter_data))
    report = validate(compiled, Draft(text="…", territory_codes=("29",)), now=now)
    new_text, edits = autofix(compiled, draft)
"""

from collections.abc import Mapping

from editorial.body import parse_body, render
from editorial.compiler import RULE_TYPES, CompiledTemplate, compile_template
from editorial.engine import autofix, validate
from editorial.errors import CharterInvalid, EditorialError, Problem, TemplateInvalid
from editorial.messages import RenderedMessage, ViolationMessages, params_key
from editorial.model import (
    NETWORK_MAX_LENGTH,
    Charter,
    Draft,
    Edit,
    FixAction,
    FixHint,
    Media,
    Network,
    Report,
    Rule,
    Severity,
    Slot,
    SlotType,
    Template,
    Violation,
    next_version,
)
from editorial.patterns import BOUNDED_ONLY, PatternEngine
from editorial.serialization import (
    charter_from_dict,
    charter_to_dict,
    template_from_dict,
    template_to_dict,
)
from editorial.text import count_graphemes


def render_template(template: Template, slot_values: Mapping[str, str]) -> str:
    """The template body with its slots filled (missing ones stay as ``{name}``)."""
    pieces, _ = parse_body(template.body)
    return render(pieces, slot_values)


__all__ = [
    "BOUNDED_ONLY",
    "PatternEngine",
    "NETWORK_MAX_LENGTH",
    "RULE_TYPES",
    "Charter",
    "CharterInvalid",
    "CompiledTemplate",
    "Draft",
    "Edit",
    "EditorialError",
    "FixAction",
    "FixHint",
    "Media",
    "Network",
    "Problem",
    "RenderedMessage",
    "Report",
    "Rule",
    "Severity",
    "Slot",
    "SlotType",
    "Template",
    "TemplateInvalid",
    "Violation",
    "ViolationMessages",
    "autofix",
    "charter_from_dict",
    "charter_to_dict",
    "compile_template",
    "count_graphemes",
    "next_version",
    "params_key",
    "render_template",
    "template_from_dict",
    "template_to_dict",
    "validate",
]
