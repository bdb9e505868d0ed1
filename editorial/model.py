"""The editorial model: templates, rules, the charter, drafts and validation reports."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

Span = tuple[int, int]
ParamValue = object
EMPTY: Mapping[str, object] = MappingProxyType({})


def _empty() -> Mapping[str, object]:
    return EMPTY


class Severity(StrEnum):
    """How a violation weighs: an error blocks submission, a warning is shown to the reviewer."""

    ERROR = "error"
    WARNING = "warning"


class Network(StrEnum):
    """The social networks a template is written for."""

    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    X = "x"
    LINKEDIN = "linkedin"
    GOOGLE_BUSINESS = "google_business"


# What each network accepts, in user-perceived characters (grapheme clusters).
NETWORK_MAX_LENGTH: Mapping[Network, int] = MappingProxyType(
    {
        Network.FACEBOOK: 63206,
        Network.INSTAGRAM: 2200,
        Network.X: 280,
        Network.LINKEDIN: 3000,
        Network.GOOGLE_BUSINESS: 1500,
    }
)


class SlotType(StrEnum):
    """What a slot of a template body may hold."""

    TEXT = "text"
    CHOICE = "choice"
    DATE = "date"
    PHONE = "phone"
    URL = "url"
    INTEGER = "integer"


@dataclass(frozen=True, slots=True)
class Slot:
    """A named, typed hole in a template body, written ``{name}`` in the body."""

    name: str
    type: SlotType = SlotType.TEXT
    required: bool = True
    min_length: int | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    label: str = ""  # what people read ("Nom de l’agence"); ``name`` is the id in ``{name}``

    @property
    def shown(self) -> str:
        """The slot as people should read it: its label, else its name."""
        return self.label or self.name


@dataclass(frozen=True, slots=True)
class Rule:
    """One configured check: its kind (``type``), severity, parameters and territory scope."""

    id: str
    type: str
    severity: Severity = Severity.ERROR
    params: Mapping[str, ParamValue] = field(default_factory=_empty)
    territories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Template:
    """One immutable version of a template; editing a template means making the next version."""

    id: str
    name: str
    network: Network = Network.FACEBOOK
    language: str = "fr"
    version: int = 1
    body: str = ""
    slots: tuple[Slot, ...] = ()
    rules: tuple[Rule, ...] = ()
    timezone: str = "Europe/Paris"


def next_version(template: Template, **changes: object) -> Template:
    """The next version of ``template`` with ``changes`` applied; the original stays as it was."""
    updated = dataclasses.replace(template, **changes)  # type: ignore[arg-type]
    return dataclasses.replace(updated, version=template.version + 1)


@dataclass(frozen=True, slots=True)
class Charter:
    """The group's social-media charter: rules every template inherits."""

    version: int = 1
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True, slots=True)
class Media:
    """An attached image or video: its address and its alternative text."""

    url: str
    alt: str = ""


@dataclass(frozen=True, slots=True)
class Draft:
    """Everything the engine needs to know about a post being written; computed outside."""

    text: str
    slot_values: Mapping[str, str] = field(default_factory=dict)
    media: tuple[Media, ...] = ()
    geotagged: bool = False
    inside_territory: bool | None = None
    audience_radius_km: float | None = None
    territory_codes: tuple[str, ...] = ()
    publish_at: datetime | None = None
    timezone: str | None = None


class FixAction(StrEnum):
    """What a fix hint proposes to do."""

    APPEND = "append"
    REPLACE = "replace"
    REMOVE = "remove"
    EDIT = "edit"


@dataclass(frozen=True, slots=True)
class FixHint:
    """A proposed fix: an action, the span it acts on, the text to put; ``automatic`` if safe."""

    action: FixAction
    span: Span | None = None
    text: str = ""
    automatic: bool = False


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: stable ``code``, where it is in the text, and what to do about it."""

    rule_id: str
    code: str
    severity: Severity
    span: Span | None = None
    params: Mapping[str, ParamValue] = field(default_factory=_empty)
    fix: FixHint | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of validating one draft against one template version."""

    template_id: str
    template_version: int
    violations: tuple[Violation, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing blocks submission (warnings allowed)."""
        return not any(v.severity is Severity.ERROR for v in self.violations)

    @property
    def counts(self) -> dict[str, int]:
        """How many violations of each severity."""
        errors = sum(1 for v in self.violations if v.severity is Severity.ERROR)
        return {"error": errors, "warning": len(self.violations) - errors}

    @property
    def errors(self) -> tuple[Violation, ...]:
        """The violations that block submission."""
        return tuple(v for v in self.violations if v.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Violation, ...]:
        """The violations shown to the reviewer without blocking."""
        return tuple(v for v in self.violations if v.severity is Severity.WARNING)


@dataclass(frozen=True, slots=True)
class Edit:
    """One change made by autofix: ``span`` of the original text replaced by ``text``."""

    span: Span
    text: str
    rule_id: str
    code: str
