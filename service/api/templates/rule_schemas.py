"""The OpenAPI description of rules: one schema per rule type, generated from the engine.

``editorial.catalog.RULE_DOCS`` documents every registered rule type and its parameters (a
unit test keeps it equal to the registry); this module turns it into JSON Schema components:
``Rule`` is one of the per-type schemas, chosen by the ``type`` property.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from marshmallow import ValidationError

from editorial import RULE_TYPES
from editorial.catalog import RULE_DOCS, SEVERITY_HELP, TERRITORIES_HELP, Kind, ParamDoc, RuleDoc
from editorial.errors import N_, Text

RULE_REF = "#/components/schemas/Rule"
# Every list and every text inside a rule, whatever its type: documented below, checked by
# ``rule_within_limits`` (the engine then checks what the values mean).
MAX_RULE_ITEMS = 500
MAX_RULE_TEXT = 1000
_TEXT = {"type": "string", "minLength": 1, "maxLength": MAX_RULE_TEXT}
_STRINGS = {"type": "array", "maxItems": MAX_RULE_ITEMS, "items": _TEXT}
_KINDS: dict[Kind, dict[str, Any]] = {
    Kind.INTEGER: {"type": "integer", "minimum": 0},
    Kind.NUMBER: {"type": "number", "minimum": 0},
    Kind.BOOLEAN: {"type": "boolean"},
    Kind.STRING: _TEXT,
    Kind.STRINGS: _STRINGS,
    Kind.CHOICE: {"type": "string", "maxLength": MAX_RULE_TEXT},
    Kind.DATETIME: {"type": "string", "format": "date-time", "maxLength": MAX_RULE_TEXT},
    Kind.TIME: {"type": "string", "pattern": r"^\d{2}:\d{2}$"},
    Kind.WEEKDAYS: {"type": "array", "maxItems": MAX_RULE_ITEMS,
                    "items": {"type": "integer", "minimum": 1, "maximum": 7}},
    Kind.TERMS: {"type": "array", "maxItems": MAX_RULE_ITEMS, "items": {"oneOf": [
        _TEXT,
        {"type": "object", "required": ["term"], "additionalProperties": False,
         "properties": {"term": _TEXT, "exceptions": _STRINGS}},
    ]}},
}


def _limit_errors(value: Any) -> list[Text]:
    """Lists longer than ``MAX_RULE_ITEMS`` or texts longer than ``MAX_RULE_TEXT``, anywhere."""
    pending, found = [value], []
    while pending:  # no recursion: the parser already bounds the depth
        item = pending.pop()
        if isinstance(item, str) and len(item) > MAX_RULE_TEXT:
            found.append(N_("Texts in a rule have at most {max} characters.", max=MAX_RULE_TEXT))
        elif isinstance(item, list):
            if len(item) > MAX_RULE_ITEMS:
                found.append(N_("Lists in a rule have at most {max} items.", max=MAX_RULE_ITEMS))
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.values())
    return sorted(set(found), key=str)


def rule_within_limits(rule: dict[str, Any]) -> None:
    """Marshmallow validator: a rule's lists and texts stay within the documented sizes."""
    if errors := _limit_errors(rule):
        raise ValidationError(errors)


def component_name(rule_type: str) -> str:
    """``hashtags.required`` → ``RuleHashtagsRequired``."""
    return "Rule" + "".join(part.capitalize() for part in rule_type.replace("_", ".").split("."))


def _param(doc: ParamDoc) -> dict[str, Any]:
    schema = {**_KINDS[doc.kind], "description": doc.help}
    if doc.choices:
        schema["enum"] = list(doc.choices)
    return schema


def rule_schema(doc: RuleDoc) -> dict[str, Any]:
    """The JSON Schema of one rule type: its identity fields and its documented ``params``."""
    params: dict[str, Any] = {
        "type": "object", "additionalProperties": False,
        "properties": {p.name: _param(p) for p in doc.params},
        "example": dict(doc.example),
    }
    required = [p.name for p in doc.params if p.required]
    if required:
        params["required"] = required
    return {
        "type": "object", "title": doc.type, "description": doc.summary,
        "additionalProperties": False, "required": ["id", "type"],
        "properties": {
            "id": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
                   "maxLength": 64,
                   "description": "Unique within the template (or the charter)."},
            "type": {"type": "string", "enum": [doc.type]},
            "severity": {"type": "string", "enum": ["error", "warning"], "default": "error",
                         "maxLength": 7,
                         "description": SEVERITY_HELP},
            "territories": {**_STRINGS, "description": TERRITORIES_HELP},
            "params": params,
        },
    }


def register_rule_schemas(spec: APISpec) -> None:
    """Add ``Rule`` and one component per rule type of the engine's registry to the spec."""
    mapping = {}
    for rule_type in RULE_TYPES:  # the registry itself: a type without docs fails loudly here
        name = component_name(rule_type)
        spec.components.schema(name, rule_schema(RULE_DOCS[rule_type]))
        mapping[rule_type] = f"#/components/schemas/{name}"
    spec.components.schema("Rule", {
        "description": "A rule of a template or of the charter; `type` says which parameters "
                       "`params` takes.",
        "oneOf": [{"$ref": ref} for ref in mapping.values()],
        "discriminator": {"propertyName": "type", "mapping": mapping},
    })


def rules_field_metadata() -> dict[str, Any]:
    """Metadata that documents a ``fields.Dict`` rule item as the ``Rule`` component."""
    return {"allOf": [{"$ref": RULE_REF}]}
