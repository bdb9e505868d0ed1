from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from editorial import Draft, Violation


def terms_rule(*terms: Any, rule_id: str = "terms", **extra: Any) -> dict[str, Any]:
    return {"id": rule_id, "type": "terms.forbidden", "params": {"terms": list(terms)}} | extra


Check = Callable[..., list[Violation]]


def found(violations: list[Violation], text: str) -> list[str]:
    return [text[v.span[0] : v.span[1]] for v in violations if v.span is not None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("C'est Gratuit !", ["Gratuit"]),
        ("C'EST GRATUIT !", ["GRATUIT"]),
        ("C'est gratuît !", ["gratuît"]),
        ("C'est grat\u0075\u0069\u0302t !", ["grat\u0075\u0069\u0302t"]),  # decomposed
        ("Un accès #gratuit", ["gratuit"]),
        ("gratuit, gratuit.", ["gratuit", "gratuit"]),
        ("gratuitement offert", []),  # inside a longer word
        ("ingratuit", []),
        ("gratuit_2026", []),
        ("😀gratuit😀", ["gratuit"]),
    ],
)
def test_forbidden_term_is_caught_case_and_accent_insensitively_as_a_whole_word(
    violations: Check, text: str, expected: list[str]
) -> None:
    result = violations(text, terms_rule("gratuit"))
    assert found(result, text) == expected
    assert all(v.code == "term.forbidden" and v.params["term"] == "gratuit" for v in result)


@pytest.mark.parametrize(
    ("term", "text", "expected"),
    [
        ("crédit facile", "Un CREDIT\n  facile ici", ["CREDIT\n  facile"]),
        ("gratuit*", "Entrée gratuite et gratuitement", ["gratuite", "gratuitement"]),
        ("cœur", "Au coeur et au cœur", ["coeur", "cœur"]),
        ("coeur", "Au CŒUR du sujet", ["CŒUR"]),
        ("l'arnaque", "C’est l’arnaque", ["l’arnaque"]),
        ("arnaque", "super-arnaque", ["arnaque"]),
    ],
)
def test_phrases_stems_ligatures_and_apostrophes_match_as_written(
    violations: Check, term: str, text: str, expected: list[str]
) -> None:
    assert found(violations(text, terms_rule(term)), text) == expected


def test_exception_phrase_cancels_a_match_inside_it_only(violations: Check) -> None:
    rule = terms_rule(
        {"term": "gratuit*", "exceptions": ["entrée gratuite pour les enfants"]}
    )
    text = "Entrée gratuite pour les enfants ; le parking est gratuit."
    assert found(violations(text, rule), text) == ["gratuit"]


def test_terms_from_charter_and_template_are_reported_under_their_own_rule(
    violations: Check,
) -> None:
    text = "Une arnaque vraiment pas chère"
    result = violations(
        text,
        terms_rule("pas chère", rule_id="local"),
        charter=[terms_rule("arnaque")],
    )
    assert sorted((v.rule_id, text[v.span[0] : v.span[1]]) for v in result if v.span) == [
        ("charter:terms", "arnaque"),
        ("local", "pas chère"),
    ]


def test_territory_scoped_term_rule_only_applies_in_its_territories(violations: Check) -> None:
    rule = terms_rule("chouchen", territories=["29"])
    assert violations(Draft("Du chouchen !", territory_codes=("29",)), rule)
    assert not violations(Draft("Du chouchen !", territory_codes=("75",)), rule)


def test_term_severity_comes_from_its_rule(violations: Check) -> None:
    result = violations("promo", terms_rule("promo", severity="warning"))
    assert [v.severity.value for v in result] == ["warning"]
