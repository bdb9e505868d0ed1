"""Checks on the shape of the text: length, lines, French typography, regular expressions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from editorial.checks.base import Context, RuleMeta, TemplateFacts, rule_type
from editorial.errors import N_
from editorial.model import NETWORK_MAX_LENGTH, FixAction, FixHint, Violation
from editorial.params import ParamReader
from editorial.patterns import (
    Match,
    Matcher,
    PatternEngine,
    PatternInvalid,
    PatternUnsafe,
    compile_pattern,
)
from editorial.terms import fold_term
from editorial.text import grapheme_offset


@dataclass(frozen=True, slots=True)
class LengthCheck:
    """The text is between ``minimum`` and ``maximum`` characters as people count them."""

    meta: RuleMeta
    minimum: int | None
    maximum: int | None
    network: str | None = None

    def run(self, context: Context) -> Iterator[Violation]:
        """Report a text too long (span: the excess) or too short."""
        length = context.graphemes()
        extra: dict[str, object] = {"network": self.network} if self.network else {}
        if self.maximum is not None and length > self.maximum:
            start = grapheme_offset(context.text, self.maximum)
            span = (start, len(context.text))
            params: dict[str, object] = {
                "max": self.maximum, "length": length, "excess": length - self.maximum
            }
            code = "length.network_limit" if self.network else "length.too_long"
            yield self.meta.violation(code, span, params | extra, FixHint(FixAction.EDIT, span))
        if self.minimum is not None and length < self.minimum:
            params = {"min": self.minimum, "length": length, "missing": self.minimum - length}
            yield self.meta.violation("length.too_short", None, params)


@rule_type("length")
def parse_length(reader: ParamReader, meta: RuleMeta, facts: TemplateFacts) -> LengthCheck | None:
    """``{"min": int?, "max": int?}``: length in characters as people count them."""
    minimum = reader.integer("min")
    maximum = reader.integer("max", minimum=1)
    limit = NETWORK_MAX_LENGTH[facts.network]
    if maximum is not None and maximum > limit:
        message = N_("{max} is above the {network} limit of {limit}",
                     max=maximum, network=facts.network.value, limit=limit)
        reader.problem("max", "param.above_network_limit", message)
    if minimum is None and maximum is None:
        reader.problem("", "param.required", N_("give 'min', 'max' or both"))
    if not reader.contradiction("min", minimum, maximum):
        return None
    return LengthCheck(meta, minimum, maximum)


def count_lines(text: str) -> int:
    """Lines of the text, trailing blank lines not counted."""
    stripped = text.rstrip()
    return stripped.count("\n") + 1 if stripped else 0


@dataclass(frozen=True, slots=True)
class LinesCheck:
    """The text has at most ``maximum`` lines."""

    meta: RuleMeta
    maximum: int

    def run(self, context: Context) -> Iterator[Violation]:
        """Report the lines beyond the limit (span: from the first extra line to the end)."""
        text = context.text
        lines = count_lines(text)
        if lines <= self.maximum:
            return
        start = -1
        for _ in range(self.maximum):
            start = text.find("\n", start + 1)
        span = (start + 1, len(text.rstrip()))
        params = {"max": self.maximum, "lines": lines}
        yield self.meta.violation("lines.too_many", span, params, FixHint(FixAction.EDIT, span))


@rule_type("lines")
def parse_lines(reader: ParamReader, meta: RuleMeta, facts: TemplateFacts) -> LinesCheck | None:
    """``{"max": int}``: at most this many lines."""
    maximum = reader.integer("max", required=True, minimum=1)
    return None if maximum is None else LinesCheck(meta, maximum)


# A high punctuation mark after a plain space, used as punctuation (followed by a space, the
# end, more punctuation, or a closing parenthesis after ? and !) so that smileys like " :)"
# are left alone. The mark comes first in
# the pattern so that the regex engine skips quickly to candidates; the space is before it.
_SPACE_BEFORE = re.compile(r"[?!:;](?<= [?!:;])(?=[\s?!:;.,»\"'…]|$|(?<=[?!])\))")
_NARROW = "\u202f"
_NO_BREAK = "\u00a0"


def _space_for(mark: str) -> str:
    return _NO_BREAK if mark == ":" else _NARROW


def french_spacing(text: str) -> str:
    """``text`` with each plain space before high punctuation made the right no-break space."""
    parts: list[str] = []
    position = 0
    for match in _SPACE_BEFORE.finditer(text):
        mark = match.start()
        parts.append(text[position : mark - 1])
        parts.append(_space_for(match.group()))
        position = mark
    parts.append(text[position:])
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class FrenchTypographyCheck:
    """A normal space before ``? ! : ;`` should be a no-break space (narrow before ``?!;``)."""

    meta: RuleMeta

    def run(self, context: Context) -> Iterator[Violation]:
        """Report each plain space before a high punctuation mark, with its replacement."""
        text = context.text
        if " " not in text:
            return
        for match in _SPACE_BEFORE.finditer(text):
            mark = match.group()
            space = _space_for(mark)
            span = (match.start() - 1, match.start())
            fix = FixHint(FixAction.REPLACE, span, space, automatic=True)
            params = {"punctuation": mark, "replacement": f"U+{ord(space):04X}"}
            yield self.meta.violation("typography.space_before_punctuation", span, params, fix)


@rule_type("typography.french")
def parse_typography(
    reader: ParamReader, meta: RuleMeta, facts: TemplateFacts
) -> FrenchTypographyCheck:
    """``{}``: French spacing before high punctuation (a warning with an automatic fix)."""
    return FrenchTypographyCheck(meta)


@dataclass(frozen=True, slots=True)
class PatternCheck:
    """A regular expression that must not match (``forbidden``) or must match."""

    meta: RuleMeta
    pattern: Matcher
    forbidden: bool
    folded: bool
    prefilter: tuple[str, ...]
    label: str

    def run(self, context: Context) -> Iterator[Violation]:
        """Report each forbidden match (exact span) or the absence of a required match."""
        if self.prefilter and not any(s in context.folded.text for s in self.prefilter):
            matches: list[Match] = []
        else:
            subject = context.folded.text if self.folded else context.text
            matches = [m for m in self.pattern.finditer(subject) if m.end() > m.start()]
        params = {"label": self.label}
        if not self.forbidden:
            if not matches:
                yield self.meta.violation("pattern.missing", None, params)
            return
        for match in matches:
            span = match.span()
            if self.folded:
                span = context.folded.to_original(*span)
            found = {"found": context.text[span[0] : span[1]]}
            yield self.meta.violation(
                "pattern.matched", span, params | found, FixHint(FixAction.EDIT, span)
            )


def _parse_pattern(
    reader: ParamReader, meta: RuleMeta, forbidden: bool, engine: PatternEngine
) -> PatternCheck | None:
    source = reader.string("pattern", required=True)
    ignore_case = reader.boolean("ignore_case")
    folded = reader.boolean("folded")
    prefilter = tuple(fold_term(s) or s for s in reader.strings("prefilter"))
    label = reader.string("label") or (source or "")
    if source is None:
        return None
    try:
        pattern = compile_pattern(source, ignore_case, engine).matcher
    except PatternInvalid as error:
        reader.problem("pattern", "pattern.invalid", N_(
            "not a valid regular expression (at position {position})", position=error.position))
        return None
    except PatternUnsafe as unsafe:
        reader.problem("pattern", "pattern.unsafe", _unsafe_message(meta.rule_id, unsafe))
        return None
    if forbidden and pattern.fullmatch(""):
        reader.problem("pattern", "pattern.matches_empty", N_("the pattern matches an empty text"))
        return None
    return PatternCheck(meta, pattern, forbidden, folded, prefilter, label)


def _unsafe_message(rule_id: str, unsafe: PatternUnsafe) -> str:
    if unsafe.linear_tried:
        return N_("rule {rule}: the linear-time engine cannot run this pattern (look-around or "
                  "back-reference), and its unbounded repetitions could stall the server on a "
                  "long post: give each repetition an upper bound, or drop the look-arounds "
                  "and back-references", rule=rule_id)
    return N_("rule {rule}: this pattern's unbounded repetitions could stall the server on a "
              "long post: give each repetition an upper bound", rule=rule_id)


@rule_type("pattern.forbidden")
def parse_pattern_forbidden(
    reader: ParamReader, meta: RuleMeta, facts: TemplateFacts
) -> PatternCheck | None:
    """``{"pattern", "label"?, "ignore_case"?, "folded"?, "prefilter"?}``: must not match."""
    return _parse_pattern(reader, meta, True, facts.patterns)


@rule_type("pattern.required")
def parse_pattern_required(
    reader: ParamReader, meta: RuleMeta, facts: TemplateFacts
) -> PatternCheck | None:
    """Same parameters as ``pattern.forbidden``: must match somewhere."""
    return _parse_pattern(reader, meta, False, facts.patterns)
