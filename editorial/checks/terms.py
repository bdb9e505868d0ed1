"""The forbidden-terms check: every term rule of the charter and template in one scan."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from editorial.checks.base import Context, RuleMeta, TemplateFacts, rule_type
from editorial.errors import N_, Problem
from editorial.model import FixAction, FixHint, Violation
from editorial.params import ParamReader
from editorial.patterns import LinearCompiler
from editorial.terms import TermEntry, TermMatcher, exceptions_pattern, fold_term, term_problem


@dataclass(frozen=True, slots=True)
class TermsRule:
    """One ``terms.forbidden`` rule before merging: its terms and their exceptions."""

    meta: RuleMeta
    terms: tuple[tuple[str, tuple[str, ...]], ...]

    def run(self, context: Context) -> Iterator[Violation]:
        """Check this rule alone (the compiler merges all term rules instead)."""
        return ForbiddenTermsCheck([self]).run(context)


@rule_type("terms.forbidden")
def parse_terms(reader: ParamReader, meta: RuleMeta, facts: TemplateFacts) -> TermsRule | None:
    """``{"terms": [str | {"term": str, "exceptions": [str]}]}``: words that must not appear."""
    terms = []
    for path, item in reader.items("terms"):
        term, exceptions = item.get("term"), item.get("exceptions", [])
        unknown = set(item) - {"term", "exceptions"}
        if unknown:
            message = N_("unknown keys {keys}", keys=", ".join(map(repr, sorted(unknown))))
            reader.problems.append(Problem(path, "param.unknown", message))
        why = term_problem(term) if isinstance(term, str) else N_("'term' must be a word or phrase")
        if not isinstance(term, str) or why is not None:
            reader.problems.append(Problem(f"{path}.term", "term.invalid", why or ""))
            continue
        if not isinstance(exceptions, list) or not all(
            isinstance(e, str) and fold_term(e) for e in exceptions
        ):
            message = N_("'exceptions' must be a list of phrases")
            where = f"{path}.exceptions"
            reader.problems.append(Problem(where, "param.not_string_list", message))
            continue
        terms.append((term.strip(), tuple(exceptions)))
    return TermsRule(meta, tuple(terms)) if terms else None


class ForbiddenTermsCheck:
    """All term rules merged: one trie pattern, hits reported under each owning rule."""

    __slots__ = ("_metas", "_matcher")

    meta = None

    def __init__(self, rules: Sequence[TermsRule], linear: LinearCompiler | None = None) -> None:
        self._metas = tuple(rule.meta for rule in rules)
        entries = [
            TermEntry(owner, term, fold_term(term), exceptions_pattern(exceptions))
            for owner, rule in enumerate(rules)
            for term, exceptions in rule.terms
        ]
        self._matcher = TermMatcher(entries, linear)

    def run(self, context: Context) -> Iterator[Violation]:
        """Report each forbidden term found, at its exact place in the original text."""
        folded = context.folded
        territories = set(context.draft.territory_codes)
        for hit in self._matcher.scan(folded):
            meta = self._metas[hit.entry.owner]
            if meta.territories and not meta.territories & territories:
                continue
            span = folded.to_original(hit.start, hit.end)
            params = {"term": hit.entry.term, "found": context.text[span[0] : span[1]]}
            yield meta.violation("term.forbidden", span, params, FixHint(FixAction.EDIT, span))
