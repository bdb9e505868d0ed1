from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from editorial import Draft, autofix, validate

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
RULES = [
    {"id": "tags", "type": "hashtags.required", "params": {"tags": ["#EDF", "#Bretagne"]}},
    {"id": "one", "type": "hashtags.required", "params": {"tags": ["#A", "#B"], "mode": "any"}},
    {"id": "who", "type": "mentions.required", "params": {"mentions": ["@EDFofficiel"]}},
    {"id": "legal", "type": "disclaimer.required",
     "params": {"text": "Offre soumise à conditions ; voir edf.fr", "at_end": True}},
    {"id": "typo", "type": "typography.french", "severity": "warning"},
]


def test_autofix_appends_what_is_missing_and_fixes_spaces(
    compile_rules: Callable[..., Any],
) -> None:
    compiled = compile_rules(*RULES)
    draft = Draft("Venez nombreux ! Déjà #edf")
    new_text, edits = autofix(compiled, draft)
    assert new_text == (
        "Venez nombreux\u202f! Déjà #edf\n\n"
        "Offre soumise à conditions\u202f; voir edf.fr #Bretagne #A @EDFofficiel"
    )
    assert [(e.rule_id, e.span) for e in edits] == [
        ("typo", (14, 15)), ("legal", (26, 26)), ("tags", (26, 26)), ("one", (26, 26)),
        ("who", (26, 26)),
    ]
    assert validate(compiled, Draft(new_text), now=NOW).violations == ()


def test_autofix_changes_nothing_when_nothing_is_mechanical(
    compile_rules: Callable[..., Any],
) -> None:
    compiled = compile_rules(
        {"id": "len", "type": "length", "params": {"max": 5}}, *RULES[:1]
    )
    text = "Trop long pour ce modèle #EDF #Bretagne"
    assert autofix(compiled, Draft(text)) == (text, [])


def test_autofix_respects_territory_scope(compile_rules: Callable[..., Any]) -> None:
    compiled = compile_rules({"id": "dom", "type": "disclaimer.required",
                              "territories": ["971"], "params": {"text": "Offre DOM."}})
    assert autofix(compiled, Draft("Promo", territory_codes=("29",)))[0] == "Promo"
    assert autofix(compiled, Draft("Promo", territory_codes=("971",)))[0] == "Promo\n\nOffre DOM."


def test_edits_replay_on_the_original_text_give_the_new_text(
    compile_rules: Callable[..., Any],
) -> None:
    compiled = compile_rules(*RULES)
    text = "Quoi ? Oui ! Fin :"
    new_text, edits = autofix(compiled, Draft(text))
    rebuilt, position = [], 0
    for edit in edits:
        rebuilt += [text[position : edit.span[0]], edit.text]
        position = edit.span[1]
    assert "".join(rebuilt) + text[position:] == new_text
