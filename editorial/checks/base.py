"""What every check shares: its rule's identity, the per-draft context, the parser registry."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Protocol
from urllib.parse import parse_qsl, urlsplit

from editorial.body import Piece
from editorial.model import (
    EMPTY,
    Draft,
    FixHint,
    Network,
    ParamValue,
    Severity,
    Slot,
    Span,
    Violation,
)
from editorial.params import ParamReader
from editorial.patterns import BOUNDED_ONLY, PatternEngine
from editorial.text import Folded, count_graphemes, fold

HASHTAG = re.compile(r"#\w+")
MENTION = re.compile(r"@\w+(?:\.\w+)*")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"«»]+", re.IGNORECASE)
_URL_TAIL = ".,;:!?)]}'’\u00a0\u202f…"


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """Who reports: the rule id, its severity, and the territories it is limited to."""

    rule_id: str
    severity: Severity
    territories: frozenset[str] = frozenset()

    def violation(
        self,
        code: str,
        span: Span | None = None,
        params: Mapping[str, ParamValue] = EMPTY,
        fix: FixHint | None = None,
    ) -> Violation:
        """A violation of this rule."""
        return Violation(self.rule_id, code, self.severity, span, params, fix)


@dataclass(frozen=True, slots=True)
class Link:
    """A link found in the text, with its host (lowercase) and query parameter names."""

    url: str
    start: int
    end: int
    host: str
    query: frozenset[str]


class Context:
    """One validation run: the draft, the clock, and text facts computed once, on demand."""

    __slots__ = (
        "draft", "text", "now", "zone", "_folded", "_graphemes", "_hashtags", "_mentions", "_links"
    )

    def __init__(self, draft: Draft, now: datetime, zone: tzinfo) -> None:
        self.draft = draft
        self.text = draft.text
        self.now = now
        self.zone = zone
        self._folded: Folded | None = None
        self._graphemes: int | None = None
        self._hashtags: list[tuple[str, int, int]] | None = None
        self._mentions: list[tuple[str, int, int]] | None = None
        self._links: list[Link] | None = None

    @property
    def folded(self) -> Folded:
        """The text folded for case- and accent-insensitive matching."""
        if self._folded is None:
            self._folded = fold(self.text)
        return self._folded

    def graphemes(self) -> int:
        """The length of the text as people count it."""
        if self._graphemes is None:
            self._graphemes = count_graphemes(self.text, self.folded)
        return self._graphemes

    @property
    def hashtags(self) -> list[tuple[str, int, int]]:
        """Each hashtag (casefolded, with ``#``) and its span."""
        if self._hashtags is None:
            self._hashtags = _tokens(HASHTAG, "#", self.text)
        return self._hashtags

    def present(self, mentions: bool) -> set[str]:
        """The mentions or the hashtags present (casefolded, with their sign)."""
        return {tag for tag, _, _ in (self.mentions if mentions else self.hashtags)}

    @property
    def mentions(self) -> list[tuple[str, int, int]]:
        """Each mention (casefolded, with ``@``) and its span."""
        if self._mentions is None:
            self._mentions = _tokens(MENTION, "@", self.text)
        return self._mentions

    @property
    def links(self) -> list[Link]:
        """Each link written in the text."""
        if self._links is None:
            self._links = find_links(self.text)
        return self._links


def _tokens(pattern: re.Pattern[str], sign: str, text: str) -> list[tuple[str, int, int]]:
    if sign not in text:
        return []
    found = []
    for match in pattern.finditer(text):
        start = match.start()
        # A sign glued to a word ("a#b", "name@example.org") is not a hashtag or a mention.
        if start and (text[start - 1].isalnum() or text[start - 1] == "_"):
            continue
        found.append((match.group().casefold(), start, match.end()))
    return found


def find_links(text: str) -> list[Link]:
    """Every http(s) or www. link in ``text``, trailing punctuation excluded."""
    if "://" not in text and "www." not in text and "WWW." not in text:
        return []
    links = []
    for match in _URL.finditer(text):
        url = match.group().rstrip(_URL_TAIL)
        try:
            parts = urlsplit(url if "://" in url else "http://" + url)
            host = (parts.hostname or "").rstrip(".")
        except ValueError:
            host, parts = "", None
        query = frozenset(key for key, _ in parse_qsl(parts.query)) if parts else frozenset()
        links.append(Link(url, match.start(), match.start() + len(url), host, query))
    return links


def host_in(host: str, domains: Iterable[str]) -> bool:
    """True when ``host`` is one of ``domains`` or a subdomain of one."""
    return any(host == domain or host.endswith("." + domain) for domain in domains)


class Check(Protocol):
    """A compiled rule: ``meta`` is None when the check reports for several rules itself."""

    @property
    def meta(self) -> RuleMeta | None:
        """The rule this check reports for."""

    def run(self, context: Context) -> Iterable[Violation]:
        """Every violation of the rule in this context."""


@dataclass(frozen=True, slots=True)
class TemplateFacts:
    """What parsers may need to know about the template they compile for."""

    network: Network
    language: str
    pieces: tuple[Piece, ...]
    slots: tuple[Slot, ...]
    patterns: PatternEngine = BOUNDED_ONLY


Parser = Callable[[ParamReader, RuleMeta, TemplateFacts], Check | None]
PARSERS: dict[str, Parser] = {}


def rule_type(name: str) -> Callable[[Parser], Parser]:
    """Register the parser of a rule type under its stable ``name``."""

    def register(parser: Parser) -> Parser:
        PARSERS[name] = parser
        return parser

    return register
