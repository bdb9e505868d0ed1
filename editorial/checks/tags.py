"""Checks on what the text must carry: hashtags, mentions, disclaimers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from editorial.checks.base import HASHTAG, MENTION, Context, RuleMeta, TemplateFacts, rule_type
from editorial.errors import N_
from editorial.model import FixAction, FixHint, Violation
from editorial.params import ParamReader
from editorial.terms import fold_term, phrase_pattern


def _normalise(values: tuple[str, ...], sign: str, pattern: re.Pattern[str],
               reader: ParamReader, key: str) -> tuple[str, ...]:
    """Prefix ``sign`` when missing, check the syntax, keep the author's spelling."""
    result = []
    for number, value in enumerate(values):
        written = sign + value.strip().removeprefix(sign)
        if pattern.fullmatch(written):
            result.append(written)
        else:
            reader.problem(f"{key}[{number}]", "param.bad_tag", N_("{tag} is not a valid tag",
                                                                    tag=repr(written)))
    return tuple(result)


@dataclass(frozen=True, slots=True)
class RequiredTagsCheck:
    """Required hashtags or mentions: all of them, or at least one of them (``any``)."""

    meta: RuleMeta
    tags: tuple[str, ...]
    any_of: bool
    mentions: bool

    def run(self, context: Context) -> Iterator[Violation]:
        """Report each missing tag (or the missing choice), with an append fix."""
        present = context.present(self.mentions)
        end = len(context.text)
        kind = "mention" if self.mentions else "hashtag"
        missing = [tag for tag in self.tags if tag.casefold() not in present]
        if self.any_of:
            if len(missing) == len(self.tags):
                fix = FixHint(FixAction.APPEND, (end, end), self.tags[0], automatic=True)
                params = {"tags": list(self.tags)}
                yield self.meta.violation(f"{kind}.missing_one_of", (end, end), params, fix)
            return
        for tag in missing:
            fix = FixHint(FixAction.APPEND, (end, end), tag, automatic=True)
            yield self.meta.violation(f"{kind}.missing", (end, end), {"tag": tag}, fix)


@rule_type("hashtags.required")
def parse_hashtags_required(
    reader: ParamReader, meta: RuleMeta, facts: TemplateFacts
) -> RequiredTagsCheck | None:
    """``{"tags": [...], "mode": "all" | "any"}``: hashtags that must appear."""
    tags = _normalise(reader.strings("tags", required=True), "#", HASHTAG, reader, "tags")
    any_of = _mode(reader)
    return RequiredTagsCheck(meta, tags, any_of, mentions=False) if tags else None


@rule_type("mentions.required")
def parse_mentions_required(
    reader: ParamReader, meta: RuleMeta, facts: TemplateFacts
) -> RequiredTagsCheck | None:
    """``{"mentions": [...], "mode": "all" | "any"}``: accounts that must be mentioned."""
    tags = _normalise(reader.strings("mentions", required=True), "@", MENTION, reader, "mentions")
    any_of = _mode(reader)
    return RequiredTagsCheck(meta, tags, any_of, mentions=True) if tags else None


def _mode(reader: ParamReader) -> bool:
    mode = reader.string("mode") or "all"
    if mode not in ("all", "any"):
        reader.problem("mode", "param.not_a_choice", N_("'mode' must be 'all' or 'any'"))
    return mode == "any"


@dataclass(frozen=True, slots=True)
class HashtagLimitCheck:
    """At most ``maximum`` hashtags."""

    meta: RuleMeta
    maximum: int

    def run(self, context: Context) -> Iterator[Violation]:
        """Report the hashtags beyond the limit (span: first extra to last)."""
        tags = context.hashtags
        if len(tags) <= self.maximum:
            return
        span = (tags[self.maximum][1], tags[-1][2])
        params = {"max": self.maximum, "count": len(tags)}
        yield self.meta.violation("hashtag.too_many", span, params, FixHint(FixAction.EDIT, span))


@rule_type("hashtags.max")
def parse_hashtags_max(
    reader: ParamReader, meta: RuleMeta, facts: TemplateFacts
) -> HashtagLimitCheck | None:
    """``{"max": int}``: at most this many hashtags."""
    maximum = reader.integer("max", required=True)
    return None if maximum is None else HashtagLimitCheck(meta, maximum)


# What may follow a disclaimer that must close the post: spaces, hashtags and mentions.
_CLOSING = re.compile(r"(?:\s|#\w+|@\w+(?:\.\w+)*|[.!])*")


@dataclass(frozen=True, slots=True)
class DisclaimerCheck:
    """A disclaimer must appear (case, accents and spacing aside), at the end if ``at_end``."""

    meta: RuleMeta
    text: str
    pattern: re.Pattern[str]
    at_end: bool
    # Other disclaimers of the template may stand after this one without breaking ``at_end``.
    others: re.Pattern[str] | None = field(default=None)

    def run(self, context: Context) -> Iterator[Violation]:
        """Report a missing disclaimer (append fix) or one that does not close the post."""
        folded = context.folded
        matches = list(self.pattern.finditer(folded.text))
        end = len(context.text)
        if not matches:
            fix = FixHint(FixAction.APPEND, (end, end), self.text, automatic=True)
            yield self.meta.violation("disclaimer.missing", (end, end), {"text": self.text}, fix)
            return
        if not self.at_end or any(self._closes(folded.text, m.end()) for m in matches):
            return
        span = folded.to_original(*matches[-1].span())
        params = {"text": self.text}
        yield self.meta.violation(
            "disclaimer.not_at_end", span, params, FixHint(FixAction.EDIT, span)
        )

    def _closes(self, folded: str, end: int) -> bool:
        tail = folded[end:]
        if self.others is not None:
            tail = self.others.sub(" ", tail)
        return _CLOSING.fullmatch(tail) is not None


@rule_type("disclaimer.required")
def parse_disclaimer(
    reader: ParamReader, meta: RuleMeta, facts: TemplateFacts
) -> DisclaimerCheck | None:
    """``{"text": str, "at_end": bool?}``: a disclosure the post must carry."""
    text = reader.string("text", required=True)
    at_end = reader.boolean("at_end")
    if text is None:
        return None
    folded = fold_term(text)
    if not folded:
        reader.problem("text", "param.not_string", N_("the disclaimer needs some letters"))
        return None
    return DisclaimerCheck(meta, text.strip(), re.compile(phrase_pattern(folded)), at_end)
