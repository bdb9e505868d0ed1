"""What each rule type means and which parameters it takes: the documentation of the registry.

The API schema (one schema per rule type) and the desk's rule forms are both generated from
``RULE_DOCS``; a unit test checks that it names every registered rule type and exactly the
parameters each parser reads, so the documentation cannot drift from the engine.
Texts are English; ``N_`` marks them for the service layer's gettext catalogue.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


def N_(text: str) -> str:  # noqa: N802 - the name gettext extractors look for
    """Mark ``text`` for translation; the service layer translates it when it shows it."""
    return text


class Kind(enum.StrEnum):
    """The shape of a parameter's value."""

    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    STRING = "string"
    STRINGS = "strings"  # a list of strings (one per line in a form)
    CHOICE = "choice"
    DATETIME = "datetime"  # ISO 8601 with its UTC offset
    TIME = "time"  # HH:MM
    WEEKDAYS = "weekdays"  # numbers 1 (Monday) to 7
    TERMS = "terms"  # words or phrases, with * wildcards and exceptions


@dataclass(frozen=True, slots=True)
class ParamDoc:
    """One parameter of a rule type."""

    name: str
    kind: Kind
    help: str
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleDoc:
    """One rule type: what it checks, its parameters, and an example of valid parameters."""

    type: str
    family: str
    summary: str
    params: tuple[ParamDoc, ...]
    example: MappingProxyType[str, Any]


def _rule(type_: str, family: str, summary: str, example: dict[str, Any],
          *params: ParamDoc) -> RuleDoc:
    return RuleDoc(type_, family, summary, params, MappingProxyType(example))


_DOMAINS = N_("Domains, one per line (sub-domains included), like example.org.")
_PATTERN = (
    ParamDoc("pattern", Kind.STRING, N_("A regular expression (Python syntax)."), required=True),
    ParamDoc("label", Kind.STRING, N_("What the pattern stands for, shown in messages.")),
    ParamDoc("ignore_case", Kind.BOOLEAN, N_("Ignore upper and lower case.")),
    ParamDoc("folded", Kind.BOOLEAN,
             N_("Match against the text without accents and in lower case.")),
    ParamDoc("prefilter", Kind.STRINGS,
             N_("Optional speed hint: the rule only runs when the text contains one of these "
                "words, which the pattern must imply.")),
)

RULES: tuple[RuleDoc, ...] = (
    _rule("length", "text", N_("Length of the text in characters as people count them "
                               "(emoji count as one)."), {"max": 500},
          ParamDoc("min", Kind.INTEGER, N_("At least this many characters.")),
          ParamDoc("max", Kind.INTEGER,
                   N_("At most this many characters (not above the network's own limit)."))),
    _rule("lines", "text", N_("Number of lines of the text."), {"max": 10},
          ParamDoc("max", Kind.INTEGER, N_("At most this many lines."), required=True)),
    _rule("typography.french", "text",
          N_("French typography: a no-break space before : ; ! and ? (fixable in one click)."),
          {}),
    _rule("pattern.forbidden", "text", N_("A regular expression that must not match."),
          {"pattern": r"\d{2}% off"}, *_PATTERN),
    _rule("pattern.required", "text", N_("A regular expression that must match somewhere."),
          {"pattern": r"\d{2} \d{2} \d{2} \d{2} \d{2}", "label": "phone"}, *_PATTERN),
    _rule("terms.forbidden", "text",
          N_("Words or phrases that must not appear, accents and case ignored."),
          {"terms": ["arnaque", {"term": "gratuit*", "exceptions": ["gratuitement"]}]},
          ParamDoc("terms", Kind.TERMS,
                   N_("One per line; * is a wildcard (gratuit* matches gratuite); after a | "
                      "list exceptions separated by commas."), required=True)),
    _rule("hashtags.required", "tags", N_("Hashtags the post must contain."),
          {"tags": ["#MaRegion"]},
          ParamDoc("tags", Kind.STRINGS, N_("Hashtags, one per line, like #MaRegion."),
                   required=True),
          ParamDoc("mode", Kind.CHOICE, N_("all: every hashtag; any: at least one."),
                   choices=("all", "any"))),
    _rule("hashtags.max", "tags", N_("At most this many hashtags."), {"max": 3},
          ParamDoc("max", Kind.INTEGER, N_("The largest number of hashtags."), required=True)),
    _rule("mentions.required", "tags", N_("Accounts the post must mention."),
          {"mentions": ["@relais"]},
          ParamDoc("mentions", Kind.STRINGS, N_("Mentions, one per line, like @relais."),
                   required=True),
          ParamDoc("mode", Kind.CHOICE, N_("all: every mention; any: at least one."),
                   choices=("all", "any"))),
    _rule("disclaimer.required", "tags", N_("A sentence the post must contain, word for word."),
          {"text": "Offre soumise à conditions.", "at_end": True},
          ParamDoc("text", Kind.STRING, N_("The disclaimer's exact text."), required=True),
          ParamDoc("at_end", Kind.BOOLEAN, N_("It must close the post."))),
    _rule("links.allowed_domains", "links", N_("Links may only lead to these domains."),
          {"domains": ["example.org"]},
          ParamDoc("domains", Kind.STRINGS, _DOMAINS, required=True)),
    _rule("links.tracking", "links", N_("Links must carry these query parameters (tracking)."),
          {"params": ["utm_source"]},
          ParamDoc("params", Kind.STRINGS, N_("Parameter names, one per line, like utm_source."),
                   required=True),
          ParamDoc("domains", Kind.STRINGS,
                   N_("Only links to these domains, one per line (default: every link)."))),
    _rule("links.no_shorteners", "links", N_("No link through a URL shortener."), {},
          ParamDoc("domains", Kind.STRINGS,
                   N_("Shortener domains, one per line (default: a common list)."))),
    _rule("media.count", "media", N_("Number of attached images."), {"min": 1},
          ParamDoc("min", Kind.INTEGER, N_("At least this many images.")),
          ParamDoc("max", Kind.INTEGER, N_("At most this many images."))),
    _rule("media.alt_text", "media", N_("Every image has an alternative text."), {},
          ParamDoc("min_length", Kind.INTEGER,
                   N_("Shortest alternative text in characters (default 1)."))),
    _rule("geo.geotag_required", "geo", N_("The post must be geotagged."), {}),
    _rule("geo.inside_territory", "geo",
          N_("The geotag must lie inside the author's territory."), {}),
    _rule("geo.radius", "geo", N_("The audience radius around the geotag."), {"max_km": 50},
          ParamDoc("min_km", Kind.NUMBER, N_("Smallest radius in kilometres.")),
          ParamDoc("max_km", Kind.NUMBER, N_("Largest radius in kilometres.")),
          ParamDoc("required", Kind.BOOLEAN, N_("A radius must be given."))),
    _rule("time.window", "time", N_("Publication only within this period."),
          {"start": "2026-06-01T00:00:00+02:00"},
          ParamDoc("start", Kind.DATETIME, N_("Not before this moment.")),
          ParamDoc("end", Kind.DATETIME, N_("Not after this moment."))),
    _rule("time.hours", "time", N_("Publication only at these hours of the day."),
          {"start": "08:00", "end": "20:00"},
          ParamDoc("start", Kind.TIME, N_("From this time (HH:MM)."), required=True),
          ParamDoc("end", Kind.TIME, N_("Until this time (HH:MM)."), required=True),
          ParamDoc("weekdays", Kind.WEEKDAYS,
                   N_("Only these days: 1 (Monday) to 7 (Sunday); default every day."))),
    _rule("time.lead", "time", N_("Submit early enough before publication."),
          {"min_minutes": 60},
          ParamDoc("min_minutes", Kind.INTEGER,
                   N_("Minutes between now and the publication time, at least."),
                   required=True)),
)

RULE_DOCS: MappingProxyType[str, RuleDoc] = MappingProxyType({doc.type: doc for doc in RULES})

SEVERITY_HELP = N_("error blocks the submission; warning only informs.")
TERRITORIES_HELP = N_("Territory codes the rule is limited to, one per line (default: all).")
