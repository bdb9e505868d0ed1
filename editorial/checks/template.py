"""Checks every template carries without configuring them: network length, its body, slots."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from editorial.body import Piece, walk
from editorial.checks.base import Context, RuleMeta
from editorial.model import FixAction, FixHint, Severity, Slot, Violation
from editorial.slots import slot_value_issue

NETWORK_LENGTH = RuleMeta("builtin:network-length", Severity.ERROR)
LOCKED_TEXT = RuleMeta("builtin:locked-text", Severity.ERROR)
SLOT_VALUES = RuleMeta("builtin:slots", Severity.ERROR)


def _label(slot: Slot) -> dict[str, str]:
    """The slot's label for messages, when it has one (``slot`` stays its id)."""
    return {"label": slot.label} if slot.label else {}


@dataclass(frozen=True, slots=True)
class AdaptationCheck:
    """A post adapting a body keeps its locked text in order; slot values fit their types."""

    pieces: tuple[Piece, ...]
    slots: tuple[Slot, ...]
    meta: None = None

    def run(self, context: Context) -> Iterator[Violation]:
        """Report each locked segment that is missing or altered, then each bad slot value."""
        values = context.draft.slot_values
        result = walk(self.pieces, context.text, values)
        for divergence in result.divergences:
            where = (divergence.start, divergence.end)
            params = {"expected": divergence.expected, "segment": divergence.index}
            fix = FixHint(FixAction.REPLACE, where, divergence.expected)
            yield LOCKED_TEXT.violation("template.locked_text_changed", where, params, fix)
        for slot in self.slots:
            value = values.get(slot.name)
            if not isinstance(value, str) or not value.strip():
                if slot.required:
                    missing = {"slot": slot.name, "type": slot.type.value} | _label(slot)
                    yield SLOT_VALUES.violation("slot.missing", None, missing)
                continue
            issue = slot_value_issue(slot, value)
            if issue is None:
                continue
            code, params = issue
            span: tuple[int, int] | None = result.slot_spans.get(slot.name)
            if span is not None and context.text[span[0] : span[1]].strip() != value.strip():
                span = None
            params = ({"slot": slot.name, "type": slot.type.value, "value": value}
                      | _label(slot) | params)
            yield SLOT_VALUES.violation(code, span, params)
