from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from editorial import Draft, Media, Violation

Check = Callable[..., list[Violation]]
NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # 12:00 in Paris, a Monday


def rule(kind: str, severity: str = "error", territories: list[str] | None = None,
         **params: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": "r", "type": kind, "severity": severity, "params": params}
    if territories:
        data["territories"] = territories
    return data


def outcome(result: list[Violation], text: str) -> list[tuple[str, str | None]]:
    """Each violation as (code, the exact text its span points at, or None)."""
    return [(v.code, None if v.span is None else text[v.span[0] : v.span[1]]) for v in result]


FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
TEXT_CASES = [
    # length: characters as people count them
    ("ok-length", rule("length", max=5), "abcde", []),
    ("too-long", rule("length", max=5), "abcdefg", [("length.too_long", "fg")]),
    ("emoji-count-one", rule("length", max=3), f"a{FAMILY}🇫🇷", []),
    ("emoji-excess-span", rule("length", max=2), f"a{FAMILY}🇫🇷", [("length.too_long", "🇫🇷")]),
    ("combining-count-one", rule("length", max=3), "e\u0301te\u0301", []),
    ("too-short", rule("length", min=10), "court", [("length.too_short", None)]),
    # lines
    ("lines-ok", rule("lines", max=2), "a\nb\n\n", []),
    ("lines-too-many", rule("lines", max=2), "a\nb\nc\nd", [("lines.too_many", "c\nd")]),
    # hashtags
    ("tag-present", rule("hashtags.required", tags=["#EDF"]), "Hello #edf", []),
    ("tag-missing", rule("hashtags.required", tags=["EDF"]), "Hello #EDFx",
     [("hashtag.missing", "")]),
    ("tag-glued-is-not-a-tag", rule("hashtags.required", tags=["#EDF"]), "Hello#EDF",
     [("hashtag.missing", "")]),
    ("tag-one-of", rule("hashtags.required", tags=["#A", "#B"], mode="any"), "x #b", []),
    ("tag-none-of", rule("hashtags.required", tags=["#A", "#B"], mode="any"), "x #c",
     [("hashtag.missing_one_of", "")]),
    ("tags-too-many", rule("hashtags.max", max=2), "#a #b #c #d", [("hashtag.too_many", "#c #d")]),
    # mentions
    ("mention-present", rule("mentions.required", mentions=["@EDF"]), "Merci @edf !", []),
    ("mention-missing", rule("mentions.required", mentions=["EDF"]), "ecrire a x@edf.fr",
     [("mention.missing", "")]),
    # disclaimers
    ("disclaimer-present", rule("disclaimer.required", text="Offre soumise à conditions."),
     "Promo. OFFRE SOUMISE A\nconditions.", []),
    ("disclaimer-missing", rule("disclaimer.required", text="Offre soumise à conditions."),
     "Promo !", [("disclaimer.missing", "")]),
    ("disclaimer-at-end-then-tags", rule("disclaimer.required", text="Voir conditions",
                                         at_end=True), "Promo. Voir conditions. #EDF @edf", []),
    ("disclaimer-not-at-end", rule("disclaimer.required", text="Voir conditions", at_end=True),
     "Voir conditions. Et encore du texte", [("disclaimer.not_at_end", "Voir conditions")]),
    # regular expressions
    ("pattern-forbidden", rule("pattern.forbidden", pattern=r"\d{2}(?: \d{2}){4}"),
     "Appelez le 01 23 45 67 89 !", [("pattern.matched", "01 23 45 67 89")]),
    ("pattern-folded", rule("pattern.forbidden", pattern="tres cher", folded=True),
     "C'est TRÈS cher", [("pattern.matched", "TRÈS cher")]),
    ("pattern-prefilter-skips", rule("pattern.forbidden", pattern=r"\w+@\w+\.fr",
                                     prefilter=["@"]), "pas d'adresse", []),
    ("pattern-required-missing", rule("pattern.required", pattern=r"edf\.fr", label="site"),
     "Rien", [("pattern.missing", None)]),
    ("pattern-required-present", rule("pattern.required", pattern=r"edf\.fr"), "edf.fr", []),
    # links
    ("link-allowed-subdomain", rule("links.allowed_domains", domains=["edf.fr"]),
     "Voir https://agence.edf.fr/x.", []),
    ("link-not-allowed", rule("links.allowed_domains", domains=["edf.fr"]),
     "Voir https://edf.fr.evil.com/x, vite", [("link.domain_not_allowed", "https://edf.fr.evil.com/x")]),
    ("link-www", rule("links.allowed_domains", domains=["edf.fr"]),
     "Voir www.example.com.", [("link.domain_not_allowed", "www.example.com")]),
    ("link-tracking", rule("links.tracking", params=["utm_source"], domains=["edf.fr"]),
     "https://edf.fr/a?x=1 https://edf.fr/b?utm_source=fb https://autre.fr/c",
     [("link.tracking_missing", "https://edf.fr/a?x=1")]),
    ("link-shortener", rule("links.no_shorteners"), "Lien : https://bit.ly/abc)",
     [("link.shortener", "https://bit.ly/abc")]),
    ("link-broken-is-reported-not-raised", rule("links.allowed_domains", domains=["edf.fr"]),
     "http://[::1", [("link.domain_not_allowed", "http://[::1")]),
    # French typography
    ("typography", rule("typography.french", "warning"), "Quoi ? Oui ! Note : ça ; non",
     [("typography.space_before_punctuation", " ")] * 4),
    ("typography-good", rule("typography.french"), "Quoi\u202f? Note\u00a0: :) ;) http://x", []),
]


@pytest.mark.parametrize(("name", "rule_data", "text", "expected"), TEXT_CASES,
                         ids=[case[0] for case in TEXT_CASES])
def test_text_rule_reports_exactly_where_the_text_breaks_it(
    violations: Check, name: str, rule_data: dict[str, Any], text: str,
    expected: list[tuple[str, str | None]],
) -> None:
    assert outcome(violations(text, rule_data), text) == expected


def test_typography_spans_point_at_the_space_before_each_mark(violations: Check) -> None:
    text = "Quoi ? Note : oui"
    result = violations(text, rule("typography.french"))
    assert [(v.span, v.fix.text if v.fix else None) for v in result] == [
        ((4, 5), "\u202f"), ((11, 12), "\u00a0"),
    ]


def test_network_limit_applies_without_configuration(compile_rules: Callable[..., Any]) -> None:
    from editorial import validate

    compiled = compile_rules(network="x")
    report = validate(compiled, Draft("é" * 281), now=NOW)
    assert [(v.rule_id, v.code, v.params["max"]) for v in report.violations] == [
        ("builtin:network-length", "length.network_limit", 280)
    ]


CONTEXT_CASES = [
    ("media-required", rule("media.count", min=1), Draft("x"), ["media.too_few"]),
    ("media-too-many", rule("media.count", max=1), Draft("x", media=(Media("a"), Media("b"))),
     ["media.too_many"]),
    ("alt-missing", rule("media.alt_text"), Draft("x", media=(Media("a", "ok"), Media("b", " "))),
     ["media.alt_missing"]),
    ("geotag-missing", rule("geo.geotag_required"), Draft("x"), ["geo.geotag_missing"]),
    ("geotag-present", rule("geo.geotag_required"), Draft("x", geotagged=True), []),
    ("outside-territory", rule("geo.inside_territory"),
     Draft("x", geotagged=True, inside_territory=False), ["geo.outside_territory"]),
    ("inside-territory", rule("geo.inside_territory"),
     Draft("x", geotagged=True, inside_territory=True), []),
    ("radius-too-large", rule("geo.radius", max_km=30), Draft("x", audience_radius_km=50),
     ["geo.radius_too_large"]),
    ("radius-too-small", rule("geo.radius", min_km=5), Draft("x", audience_radius_km=1),
     ["geo.radius_too_small"]),
    ("radius-missing", rule("geo.radius", max_km=5, required=True), Draft("x"),
     ["geo.radius_missing"]),
    ("territory-disclaimer-applies", rule("disclaimer.required", territories=["971"],
                                          text="Offre DOM"),
     Draft("x", territory_codes=("971",)), ["disclaimer.missing"]),
    ("territory-disclaimer-elsewhere", rule("disclaimer.required", territories=["971"],
                                            text="Offre DOM"),
     Draft("x", territory_codes=("29",)), []),
    ("window-before", rule("time.window", start="2026-07-01T00:00:00+02:00"),
     Draft("x", publish_at=NOW), ["time.before_window"]),
    ("window-after", rule("time.window", end="2026-05-01T00:00:00+02:00"), Draft("x"),
     ["time.after_window"]),
    ("hours-ok-local-time", rule("time.hours", start="08:00", end="13:00"),
     Draft("x", publish_at=NOW), []),  # 12:00 in Paris
    ("hours-other-timezone", rule("time.hours", start="08:00", end="13:00"),
     Draft("x", publish_at=NOW, timezone="America/Guadeloupe"),
     ["time.outside_hours"]),  # 06:00 there
    ("hours-naive-is-local", rule("time.hours", start="08:00", end="13:00"),
     Draft("x", publish_at=datetime(2026, 6, 1, 21, 0)), ["time.outside_hours"]),
    ("hours-weekday", rule("time.hours", start="08:00", end="20:00", weekdays=[6, 7]),
     Draft("x", publish_at=NOW), ["time.outside_days"]),  # the hour is allowed, not Monday
    ("hours-weekday-and-hour", rule("time.hours", start="08:00", end="10:00", weekdays=[6, 7]),
     Draft("x", publish_at=NOW), ["time.outside_days", "time.outside_hours"]),
    ("hours-undated-not-judged", rule("time.hours", start="08:00", end="09:00"), Draft("x"),
     []),  # it goes out when the desk approves it: not at an hour known now
    ("lead-too-short", rule("time.lead", min_minutes=60),
     Draft("x", publish_at=NOW + timedelta(minutes=30)), ["time.lead_too_short"]),
    ("lead-undated-not-judged", rule("time.lead", min_minutes=1), Draft("x"), []),
    ("lead-in-the-past", rule("time.lead", min_minutes=60),
     Draft("x", publish_at=NOW - timedelta(minutes=1)), ["time.in_past"]),
    ("lead-now-too-short", rule("time.lead", min_minutes=1), Draft("x", publish_at=NOW),
     ["time.lead_too_short"]),
    ("window-before-undated-not-judged", rule("time.window", start="2026-07-01T00:00:00+02:00"),
     Draft("x"), []),
    ("lead-ok", rule("time.lead", min_minutes=60),
     Draft("x", publish_at=NOW + timedelta(hours=2)), []),
    ("unknown-timezone-falls-back", rule("time.lead", min_minutes=0),
     Draft("x", timezone="Mars/Olympus"), ["time.unknown_timezone"]),
]


@pytest.mark.parametrize(("name", "rule_data", "draft", "expected"), CONTEXT_CASES,
                         ids=[case[0] for case in CONTEXT_CASES])
def test_context_rule_reports_its_code(
    violations: Check, name: str, rule_data: dict[str, Any], draft: Draft, expected: list[str]
) -> None:
    assert [v.code for v in violations(draft, rule_data)] == expected


@pytest.mark.parametrize("moment", [datetime.min.replace(tzinfo=UTC), datetime.max])
def test_dates_at_the_calendar_edges_are_judged_not_raised(
    violations: Check, moment: datetime
) -> None:
    rules = [rule("time.hours", start="08:00", end="09:00") | {"id": "h"},
             rule("time.lead", min_minutes=5) | {"id": "l"}]
    draft = Draft("x", publish_at=moment, timezone="America/Guadeloupe")
    codes = {v.code for v in violations(draft, *rules, now=datetime.max.replace(tzinfo=UTC))}
    assert "engine.check_failed" not in codes
    assert "time.outside_hours" in codes


def test_hours_check_reports_the_local_time_it_saw(violations: Check) -> None:
    draft = Draft("x", publish_at=NOW, timezone="America/Guadeloupe")
    result = violations(draft, rule("time.hours", start="08:00", end="20:00"))
    assert result[0].params["local_time"] == "06:00"


def test_validation_runs_every_rule_without_stopping_at_the_first(violations: Check) -> None:
    result = violations(
        Draft("court"),
        rule("length", min=10) | {"id": "a"},
        rule("media.count", min=1) | {"id": "b"},
        rule("geo.geotag_required") | {"id": "c"},
    )
    assert [v.rule_id for v in result] == ["a", "b", "c"]


def test_report_is_ok_with_warnings_only(compile_rules: Callable[..., Any]) -> None:
    from editorial import validate

    compiled = compile_rules(rule("media.count", "warning", min=1))
    report = validate(compiled, Draft("x"), now=NOW)
    assert report.ok
    assert report.counts == {"error": 0, "warning": 1}
