"""Reports as JSON: what a violation shows is kept per process, and never handed out itself."""

from __future__ import annotations

from typing import Any

from editorial import FixAction, FixHint, Report, Severity, Violation
from regions import reports
from service.i18n import load_violation_messages

MESSAGES = load_violation_messages()


def violation_to_dict(violation: Violation) -> dict[str, Any]:
    return reports.violation_to_dict(violation, MESSAGES)


def _missing_one_of(span: tuple[int, int]) -> Violation:
    return Violation("region-tag", "hashtag.missing_one_of", Severity.WARNING, span,
                     {"tags": ["#Bretagne", "#Normandie"]},
                     FixHint(FixAction.APPEND, span, "#Bretagne", automatic=False))


def test_a_violation_shown_again_has_its_own_span_and_copies_of_what_is_kept() -> None:
    first = violation_to_dict(_missing_one_of((3, 3)))
    first["params"]["tags"].append("#Ailleurs")
    first["message"]["fr"] = "changed"
    again = violation_to_dict(_missing_one_of((9, 9)))
    assert again["params"] == {"tags": ["#Bretagne", "#Normandie"]}
    assert again["message"]["fr"].startswith("Il faut au moins un de ces hashtags")
    assert again["span"] == [9, 9] and again["fix"]["span"] == [9, 9]
    assert again["severity"] == "warning" and type(again["severity"]) is str


def test_same_parameters_under_another_rule_or_severity_show_as_theirs() -> None:
    base = _missing_one_of((0, 0))
    other = Violation("other-rule", base.code, Severity.ERROR, None, base.params)
    assert violation_to_dict(base)["rule_id"] == "region-tag"
    shown = violation_to_dict(other)
    assert (shown["rule_id"], shown["severity"], shown["fix"]) == ("other-rule", "error", None)
    report = reports.report_to_dict(Report("t", 1, (base, other)), MESSAGES)
    assert report["ok"] is False and [v["rule_id"] for v in report["violations"]] == [
        "region-tag", "other-rule"]
