"""Validation reports as JSON: stored on posts, returned by the API, in French and English."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from editorial import Report, Violation, ViolationMessages, params_key

_SCALARS = frozenset({str, int, float, bool, type(None)})
# What a violation shows apart from where it is: its rule, code, severity, parameters and
# messages, by (messages, rule, code, severity, parameters). Dry runs and review screens show
# the same few again and again; the memo is cleared when full.
_SHOWN: dict[Hashable, tuple[str, str, str, dict[str, Any], dict[str, str], dict[str, str]]] = {}
SHOWN_LIMIT = 4096


def _plain(value: object) -> Any:
    if type(value) in _SCALARS or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return str(value)


def _fresh(value: Any) -> Any:
    """A copy of plain data's containers: what the memo holds is never handed out itself."""
    if type(value) is dict:
        return {k: _fresh(v) for k, v in value.items()}
    if type(value) is list:
        return [_fresh(v) for v in value]
    return value


def _shown(violation: Violation, messages: ViolationMessages
           ) -> tuple[str, str, str, dict[str, Any], dict[str, str], dict[str, str]]:
    french, english = messages.render_both(violation)
    return (violation.rule_id, violation.code, violation.severity.value,
            _plain(violation.params), {"fr": french.message, "en": english.message},
            {"fr": french.hint, "en": english.hint})


def violation_to_dict(violation: Violation, messages: ViolationMessages) -> dict[str, Any]:
    """One violation: which rule, where in the text, why, and how to fix it, in fr and en.

    ``messages``: the service's ``ViolationMessages`` (its French catalogue).
    """
    frozen = params_key(violation.params)
    if frozen is None:
        shown = _shown(violation, messages)
    else:
        key = (messages, violation.rule_id, violation.code, violation.severity, frozen)
        found = _SHOWN.get(key)
        if found is None:
            found = _shown(violation, messages)
            if len(_SHOWN) >= SHOWN_LIMIT:
                _SHOWN.clear()
            _SHOWN[key] = found
        shown = found
    rule_id, code, severity, params, message, hint = shown
    fix = violation.fix
    return {
        "rule_id": rule_id,
        "code": code,
        "severity": severity,
        "span": list(violation.span) if violation.span else None,
        "params": _fresh(params),
        "message": dict(message),
        "hint": dict(hint),
        "fix": None if fix is None else {
            "action": fix.action.value, "span": list(fix.span) if fix.span else None,
            "text": fix.text, "automatic": fix.automatic,
        },
    }


def report_to_dict(report: Report, messages: ViolationMessages) -> dict[str, Any]:
    """A whole report, its messages rendered by ``messages``."""
    return {
        "ok": report.ok,
        "template": {"id": report.template_id, "version": report.template_version},
        "counts": report.counts,
        "violations": [violation_to_dict(v, messages) for v in report.violations],
    }
