"""The standards editor's forms: HTML form fields ⇄ the template and charter dict format.

A form never holds JSON: each slot and each rule is a row of fields named ``slot-<n>-<field>``
and ``rule-<n>-<field>`` (parameters ``rule-<n>-param-<name>``), documented by
``editorial.catalog``. Reading keeps what was typed even when it is wrong (``"abc"`` for a
number) so that the engine reports it by path and the form shows it again beside its field.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from editorial.catalog import RULE_DOCS, Kind, ParamDoc
from service.messages import localise

_ROW = re.compile(r"^(slot|rule)-(\d{1,3})-")
SLOT_NUMBERS = ("min_length", "max_length", "min", "max")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _number(text: str, kind: Kind) -> Any:
    text = text.strip()
    try:
        return int(text) if kind == Kind.INTEGER else float(text)
    except ValueError:
        try:
            return float(text)  # "2.5" for an integer: the engine says it must be an integer
        except ValueError:
            return text


def _term(line: str) -> Any:
    term, _, exceptions = line.partition("|")
    found = [e.strip() for e in exceptions.split(",") if e.strip()]
    return {"term": term.strip(), "exceptions": found} if found else term.strip()


def _param(form: MultiDict[str, str], field: str, doc: ParamDoc) -> Any:
    """One parameter from its field(s), or None when left empty."""
    if doc.kind == Kind.BOOLEAN:
        return True if form.get(field) else None
    if doc.kind == Kind.WEEKDAYS:
        days = [_number(day, Kind.INTEGER) for day in form.getlist(field)]
        return days or None
    text = form.get(field, "")
    if not text.strip():
        return None
    if doc.kind in (Kind.INTEGER, Kind.NUMBER):
        return _number(text, doc.kind)
    if doc.kind == Kind.STRINGS:
        return _lines(text)
    if doc.kind == Kind.TERMS:
        return [_term(line) for line in _lines(text)]
    return text.strip() if doc.kind != Kind.STRING else text


def _rows(form: MultiDict[str, str], kind: str) -> list[int]:
    found = {int(m.group(2)) for key in form if (m := _ROW.match(key)) and m.group(1) == kind}
    return sorted(n for n in found if not form.get(f"{kind}-{n}-remove"))


def read_rule(form: MultiDict[str, str], number: int) -> dict[str, Any]:
    """Rule ``number`` of the form as a rule dict."""
    prefix = f"rule-{number}-"
    rule_type = form.get(prefix + "type", "")
    rule: dict[str, Any] = {"id": form.get(prefix + "id", "").strip(), "type": rule_type,
                            "severity": form.get(prefix + "severity", "error")}
    territories = _lines(form.get(prefix + "territories", ""))
    if territories:
        rule["territories"] = territories
    doc = RULE_DOCS.get(rule_type)
    params = {} if doc is None else {p.name: _param(form, f"{prefix}param-{p.name}", p)
                                     for p in doc.params}
    rule["params"] = {name: value for name, value in params.items() if value is not None}
    return rule


def read_rules(form: MultiDict[str, str]) -> list[dict[str, Any]]:
    """Every rule row not marked for removal, in order."""
    return [read_rule(form, number) for number in _rows(form, "rule")]


def read_slot(form: MultiDict[str, str], number: int) -> dict[str, Any]:
    """Slot ``number`` of the form as a slot dict."""
    prefix = f"slot-{number}-"
    slot: dict[str, Any] = {"name": form.get(prefix + "name", "").strip(),
                            "type": form.get(prefix + "type", "text")}
    label = form.get(prefix + "label", "").strip()
    if label:
        slot["label"] = label
    if not form.get(prefix + "required"):
        slot["required"] = False
    for key in SLOT_NUMBERS:
        text = form.get(prefix + key, "").strip()
        if text:
            slot[key] = _number(text, Kind.INTEGER)
    choices = _lines(form.get(prefix + "choices", ""))
    if choices:
        slot["choices"] = choices
    return slot


def read_template(form: MultiDict[str, str]) -> dict[str, Any]:
    """The template dict the form describes (its key aside)."""
    return {
        "name": form.get("name", "").strip(), "network": form.get("network", "facebook"),
        "language": form.get("language", "fr").strip(),
        "timezone": form.get("timezone", "Europe/Paris").strip(),
        "body": form.get("body", "").replace("\r\n", "\n"),
        "slots": [read_slot(form, n) for n in _rows(form, "slot")],
        "rules": read_rules(form),
    }


def new_rule(rule_type: str, existing: list[dict[str, Any]]) -> dict[str, Any]:
    """An empty rule of ``rule_type`` with an id not used yet."""
    base = rule_type.replace(".", "-").replace("_", "-")
    taken = {rule.get("id") for rule in existing}
    number, rule_id = 1, base
    while rule_id in taken:
        number += 1
        rule_id = f"{base}-{number}"
    return {"id": rule_id, "type": rule_type, "severity": "error", "params": {}}


def param_display(doc: ParamDoc, value: Any) -> Any:
    """A stored parameter as its form field shows it."""
    if value is None:
        return [] if doc.kind == Kind.WEEKDAYS else ""
    if doc.kind == Kind.STRINGS and isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if doc.kind == Kind.TERMS and isinstance(value, list):
        return "\n".join(
            v if isinstance(v, str) else
            v.get("term", "") + (" | " + ", ".join(v["exceptions"]) if v.get("exceptions")
                                 else "") for v in value)
    if doc.kind == Kind.WEEKDAYS:
        return [str(v) for v in value] if isinstance(value, list) else []
    return value


def field_errors(errors: dict[str, Any], prefix: str) -> dict[str, list[str]]:
    """Engine problems (``rules[2].params.max``) as form field names (``rule-2-param-max``)."""
    found: dict[str, list[str]] = {}
    for path, problems in errors.items():
        name = _field_name(path, prefix)
        messages = [_sentence(p["message"] if isinstance(p, dict) else p) for p in problems]
        found.setdefault(name, []).extend(messages)
    return found


def _sentence(message: Any) -> str:
    """A problem shown beside its field, starting with a capital like the form's other texts.

    The engine writes its problems as clauses ("the body uses {slot}…"); a value quoted at the
    start ("{value} is not a domain") keeps its case.
    """
    shown = str(localise(message))
    values = getattr(message, "params", {}).values()
    if any(isinstance(value, str) and value and shown.startswith(value) for value in values):
        return shown
    return shown[:1].upper() + shown[1:]


def _field_name(path: str, prefix: str) -> str:
    path = path.removeprefix(prefix)
    match = re.match(r"^(rules|slots)\[(\d+)\](?:\.(params)\.?)?(\w*)", path)
    if match is None:
        return path.split(".")[0].split("[")[0] or "form"
    kind, number, params, field = match.groups()
    row = f"{kind[:-1]}-{number}"
    if params:
        return f"{row}-param-{field}" if field else f"{row}-params"
    return f"{row}-{field}" if field else row
