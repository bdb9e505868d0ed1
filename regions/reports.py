"""Validation reports as JSON: stored on posts, returned by the API, in French and English."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from editorial import Report, Violation, render_messages


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: object) -> Any:
    if type(value) in _SCALARS or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return str(value)


def violation_to_dict(violation: Violation) -> dict[str, Any]:
    """One violation: which rule, where in the text, why, and how to fix it, in fr and en."""
    french, english = render_messages(violation)
    fix = violation.fix
    return {
        "rule_id": violation.rule_id,
        "code": violation.code,
        "severity": violation.severity.value,
        "span": list(violation.span) if violation.span else None,
        "params": _plain(violation.params),
        "message": {"fr": french.message, "en": english.message},
        "hint": {"fr": french.hint, "en": english.hint},
        "fix": None if fix is None else {
            "action": fix.action.value, "span": list(fix.span) if fix.span else None,
            "text": fix.text, "automatic": fix.automatic,
        },
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    """A whole report."""
    return {
        "ok": report.ok,
        "template": {"id": report.template_id, "version": report.template_version},
        "counts": report.counts,
        "violations": [violation_to_dict(v) for v in report.violations],
    }
