"""Templates and the charter as plain JSON-able dicts: the stable storage and API format.

Template::

    {
      "id": "promo-ete",                 # stable identifier shared by all versions
      "name": "Promotion d'été",
      "network": "facebook",             # facebook | instagram | x | linkedin | google_business
      "language": "fr",
      "version": 3,                      # >= 1; a published version never changes
      "timezone": "Europe/Paris",        # IANA name; default for time rules
      "body": "Rendez-vous à {city} le {date} !",   # locked text + {slot}; {{ }} for braces
      "slots": [
        {"name": "city", "label": "Ville", "type": "text", "min_length": 2, "max_length": 40},
        {"name": "date", "type": "date"},                      # YYYY-MM-DD or DD/MM/YYYY
        {"name": "agency_phone", "type": "phone"},             # French numbers
        {"name": "offer", "type": "choice", "choices": ["A", "B"], "required": false},
        {"name": "seats", "type": "integer", "min": 1, "max": 500},
        {"name": "site", "type": "url"}
      ],
      "rules": [
        {"id": "max-length", "type": "length", "severity": "error", "params": {"max": 1200}},
        {"id": "dom-disclaimer", "type": "disclaimer.required", "severity": "error",
         "territories": ["971", "972"], "params": {"text": "Offre soumise à conditions.",
                                                   "at_end": true}}
      ]
    }

Charter::

    {"version": 7, "rules": [ ...same rule objects... ]}

A rule is ``{"id", "type", "severity"?, "territories"?, "params"?}``: ``severity`` is
``"error"`` (default, blocks submission) or ``"warning"``; ``territories`` limits the rule to
drafts from those territory codes. Rule types and their ``params``:

- ``length`` ``{"min"?, "max"?}`` (characters as people count them) · ``lines`` ``{"max"}``
- ``hashtags.required`` ``{"tags": [...], "mode": "all" | "any"}`` · ``hashtags.max``
  ``{"max"}`` · ``mentions.required`` ``{"mentions": [...], "mode"?}``
- ``disclaimer.required`` ``{"text", "at_end"?}``
- ``terms.forbidden`` ``{"terms": ["arnaque", {"term": "gratuit*", "exceptions": [...]}]}``
- ``pattern.forbidden`` / ``pattern.required`` ``{"pattern", "label"?, "ignore_case"?,
  "folded"?, "prefilter"?: [literal, ...]}`` (the rule only runs when the folded text contains
  one of the prefilter literals: a speed hint that must be implied by the pattern). Python
  syntax; the pattern runs on the linear-time engine given as ``patterns`` (RE2 in the service),
  or on ``re`` when its backtracking is bounded; otherwise it is refused (``pattern.unsafe``,
  see :mod:`editorial.patterns`)
- ``links.allowed_domains`` ``{"domains"}`` · ``links.tracking`` ``{"params", "domains"?}`` ·
  ``links.no_shorteners`` ``{"domains"?}``
- ``media.count`` ``{"min"?, "max"?}`` · ``media.alt_text`` ``{"min_length"?}``
- ``geo.geotag_required`` ``{}`` · ``geo.inside_territory`` ``{}`` · ``geo.radius``
  ``{"min_km"?, "max_km"?, "required"?}``
- ``time.window`` ``{"start"?, "end"?}`` (ISO 8601 with offset) · ``time.hours``
  ``{"start": "HH:MM", "end": "HH:MM", "weekdays"?: [1..7]}`` · ``time.lead``
  ``{"min_minutes"}``
- ``typography.french`` ``{}``

Reading a dict checks everything and raises ``TemplateInvalid`` / ``CharterInvalid`` listing
every problem with its path (``rules[2].params.pattern``), stable code and message.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from editorial.checks.base import TemplateFacts
from editorial.compiler import CHARTER_PREFIX, compile_rules
from editorial.definition import template_problems
from editorial.errors import N_, CharterInvalid, Problem, TemplateInvalid
from editorial.model import Charter, Network, Rule, Severity, Slot, SlotType, Template
from editorial.patterns import BOUNDED_ONLY, PatternEngine

_TEMPLATE_KEYS = {"id", "name", "network", "language", "version", "timezone", "body", "slots",
                  "rules"}
_RULE_KEYS = {"id", "type", "severity", "territories", "params"}
_SLOT_KEYS = {"name", "label", "type", "required", "min_length", "max_length", "choices", "min",
              "max"}


class _Reader:
    """Reads one object, recording problems; unknown keys are problems too."""

    def __init__(self, data: object, path: str, keys: set[str], problems: list[Problem]) -> None:
        self.problems = problems
        self.path = path
        self.data: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
        if not isinstance(data, Mapping):
            self.problem("", "format.not_object", N_("must be an object"))
        for key in sorted(set(self.data) - keys, key=str):
            self.problem(str(key), "format.unknown_key", N_("unknown key {key}", key=repr(key)))

    def problem(self, key: str, code: str, message: str) -> None:
        path = ".".join(part for part in (self.path, key) if part)
        self.problems.append(Problem(path or "$", code, message))

    def get(
        self, key: str, kind: type | tuple[type, ...], default: Any, required: bool = False
    ) -> Any:
        if key not in self.data or self.data[key] is None:
            if required:
                self.problem(key, "format.required", N_("'{key}' is required", key=key))
            return default
        value = self.data[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, (int, float))):
            self.problem(key, "format.wrong_type", N_("'{key}' has the wrong type", key=key))
            return default
        return value

    def items(self, key: str) -> list[Any]:
        return list(self.get(key, list, []))

    def choice(self, key: str, enum: type[Any], default: Any) -> Any:
        value = self.get(key, str, None)
        if value is None:
            return default
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            self.problem(key, "format.not_a_choice",
                         N_("{value} is not one of {choices}",
                            value=repr(value), choices=allowed))
            return default


def _rule(data: object, path: str, problems: list[Problem]) -> Rule:
    reader = _Reader(data, path, _RULE_KEYS, problems)
    territories = reader.items("territories")
    return Rule(
        id=reader.get("id", str, ""),
        type=reader.get("type", str, ""),
        severity=reader.choice("severity", Severity, Severity.ERROR),
        params=MappingProxyType(dict(reader.get("params", Mapping, {}))),
        territories=tuple(str(code) for code in territories),
    )


def _slot(data: object, path: str, problems: list[Problem]) -> Slot:
    reader = _Reader(data, path, _SLOT_KEYS, problems)
    return Slot(
        name=reader.get("name", str, "", required=True),
        type=reader.choice("type", SlotType, SlotType.TEXT),
        required=reader.get("required", bool, True),
        min_length=reader.get("min_length", int, None),
        max_length=reader.get("max_length", int, None),
        choices=tuple(str(choice) for choice in reader.items("choices")),
        minimum=reader.get("min", int, None),
        maximum=reader.get("max", int, None),
        label=reader.get("label", str, "").strip(),
    )


def template_from_dict(data: object, *, patterns: PatternEngine = BOUNDED_ONLY) -> Template:
    """Read and fully check a template; raises TemplateInvalid listing every problem."""
    problems: list[Problem] = []
    reader = _Reader(data, "", _TEMPLATE_KEYS, problems)
    template = Template(
        id=reader.get("id", str, ""),
        name=reader.get("name", str, ""),
        network=reader.choice("network", Network, Network.FACEBOOK),
        language=reader.get("language", str, "fr"),
        version=reader.get("version", int, 1),
        timezone=reader.get("timezone", str, "Europe/Paris"),
        body=reader.get("body", str, ""),
        slots=tuple(_slot(s, f"slots[{n}]", problems) for n, s in enumerate(reader.items("slots"))),
        rules=tuple(_rule(r, f"rules[{n}]", problems) for n, r in enumerate(reader.items("rules"))),
    )
    definition_problems, pieces = template_problems(template)
    facts = TemplateFacts(
        template.network, template.language, pieces, template.slots, patterns
    )
    compile_rules(template.rules, facts, "rules", "", definition_problems)
    if problems or definition_problems:
        raise TemplateInvalid(problems + definition_problems)
    return template


def charter_from_dict(data: object, *, patterns: PatternEngine = BOUNDED_ONLY) -> Charter:
    """Read and fully check a charter; raises CharterInvalid listing every problem."""
    problems: list[Problem] = []
    reader = _Reader(data, "", {"version", "rules"}, problems)
    version = reader.get("version", int, 1)
    if version < 1:
        reader.problem("version", "charter.bad_version", N_("versions start at 1"))
    rules = tuple(_rule(r, f"rules[{n}]", problems) for n, r in enumerate(reader.items("rules")))
    facts = TemplateFacts(Network.FACEBOOK, "fr", (), (), patterns)
    compile_rules(rules, facts, "rules", CHARTER_PREFIX, problems)
    if problems:
        raise CharterInvalid(problems)
    return Charter(version=version, rules=rules)


def _plain(value: object) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    """A rule as a plain dict."""
    data: dict[str, Any] = {"id": rule.id, "type": rule.type, "severity": str(rule.severity)}
    if rule.territories:
        data["territories"] = list(rule.territories)
    data["params"] = _plain(rule.params)
    return data


def _slot_to_dict(slot: Slot) -> dict[str, Any]:
    data: dict[str, Any] = {"name": slot.name, "type": str(slot.type)}
    if slot.label:
        data["label"] = slot.label
    if not slot.required:
        data["required"] = False
    optional = {"min_length": slot.min_length, "max_length": slot.max_length,
                "min": slot.minimum, "max": slot.maximum}
    data.update({key: value for key, value in optional.items() if value is not None})
    if slot.choices:
        data["choices"] = list(slot.choices)
    return data


def template_to_dict(template: Template) -> dict[str, Any]:
    """A template version as a plain JSON-able dict (the format above)."""
    return {
        "id": template.id,
        "name": template.name,
        "network": str(template.network),
        "language": template.language,
        "version": template.version,
        "timezone": template.timezone,
        "body": template.body,
        "slots": [_slot_to_dict(slot) for slot in template.slots],
        "rules": [rule_to_dict(rule) for rule in template.rules],
    }


def charter_to_dict(charter: Charter) -> dict[str, Any]:
    """The charter as a plain JSON-able dict."""
    return {"version": charter.version, "rules": [rule_to_dict(rule) for rule in charter.rules]}
