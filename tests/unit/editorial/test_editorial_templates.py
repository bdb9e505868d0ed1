from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from editorial import (
    CharterInvalid,
    Draft,
    EditorialError,
    TemplateInvalid,
    charter_from_dict,
    charter_to_dict,
    compile_template,
    next_version,
    render_template,
    template_from_dict,
    template_to_dict,
    validate,
)

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
BODY = "Rendez-vous à {city} le {date} ! Appelez le {agency_phone}."
SLOTS = [
    {"name": "city", "type": "text", "min_length": 2, "max_length": 20},
    {"name": "date", "type": "date"},
    {"name": "agency_phone", "type": "phone"},
]
VALUES = {"city": "Brest", "date": "14/07/2026", "agency_phone": "02 98 00 00 00"}


def base(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": "rdv", "name": "Rendez-vous", "network": "facebook",
                            "language": "fr", "version": 1, "timezone": "Europe/Paris",
                            "body": BODY, "slots": SLOTS, "rules": []}
    return data | fields


def test_render_fills_slots_and_keeps_locked_text() -> None:
    template = template_from_dict(base())
    assert render_template(template, VALUES) == (
        "Rendez-vous à Brest le 14/07/2026 ! Appelez le 02 98 00 00 00."
    )
    assert render_template(template, {"city": "Brest"}).endswith("{agency_phone}.")


def test_adaptation_keeping_locked_text_in_order_passes() -> None:
    compiled = compile_template(template_from_dict(base()))
    text = "Grande fête ! " + render_template(compiled.template, VALUES) + " #EDF"
    assert validate(compiled, Draft(text, slot_values=VALUES), now=NOW).violations == ()


def test_changed_locked_text_is_reported_where_it_diverges() -> None:
    compiled = compile_template(template_from_dict(base()))
    text = "Rendez-vous à Brest le 14/07/2026 ! Téléphonez au 02 98 00 00 00."
    report = validate(compiled, Draft(text, slot_values=VALUES), now=NOW)
    [violation] = report.violations
    assert violation.code == "template.locked_text_changed"
    assert violation.params["expected"] == " ! Appelez le "
    assert violation.span is not None
    assert text[violation.span[0] :].startswith("Téléphonez")


def test_typographic_spaces_do_not_count_as_changed_locked_text() -> None:
    compiled = compile_template(template_from_dict(base()))
    text = render_template(compiled.template, VALUES).replace(" !", "\u202f!")
    assert validate(compiled, Draft(text, slot_values=VALUES), now=NOW).violations == ()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"city": "B", "date": "2026-07-14", "agency_phone": "+33 2 98 00 00 00"},
         [("slot.too_short", "city")]),
        ({"city": "Brest", "date": "31/02/2026", "agency_phone": "02.98.00.00.00"},
         [("slot.invalid_date", "date")]),
        ({"city": "Brest", "date": "2026-07-14", "agency_phone": "12345"},
         [("slot.invalid_phone", "agency_phone")]),
        ({"date": "2026-07-14", "agency_phone": "0298000000"}, [("slot.missing", "city")]),
    ],
)
def test_slot_values_are_checked_by_type(
    values: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    compiled = compile_template(template_from_dict(base()))
    text = render_template(compiled.template, values)
    report = validate(compiled, Draft(text, slot_values=values), now=NOW)
    assert [(v.code, v.params["slot"]) for v in report.violations] == expected


def test_bad_slot_value_points_at_where_it_sits_in_the_text() -> None:
    compiled = compile_template(template_from_dict(base()))
    values = VALUES | {"city": "B"}
    text = render_template(compiled.template, values)
    [violation] = validate(compiled, Draft(text, slot_values=values), now=NOW).violations
    assert violation.span is not None
    assert text[violation.span[0] : violation.span[1]] == "B"


@pytest.mark.parametrize(
    ("slot", "value", "code"),
    [
        ({"type": "choice", "choices": ["A", "B"]}, "C", "slot.not_a_choice"),
        ({"type": "integer", "min": 1, "max": 10}, "11", "slot.too_large"),
        ({"type": "integer"}, "dix", "slot.invalid_integer"),
        ({"type": "url"}, "edf.fr", "slot.invalid_url"),
        ({"type": "url"}, "https://edf.fr/x", None),
        ({"type": "text", "max_length": 3}, "abcd", "slot.too_long"),
    ],
)
def test_each_slot_type_accepts_only_its_values(
    slot: dict[str, Any], value: str, code: str | None
) -> None:
    data = base(body="{x}", slots=[{"name": "x"} | slot])
    compiled = compile_template(template_from_dict(data))
    report = validate(compiled, Draft(value, slot_values={"x": value}), now=NOW)
    assert [v.code for v in report.violations] == ([code] if code else [])


def test_invalid_template_lists_every_problem_with_path_and_code() -> None:
    data = base(
        network="tiktok", timezone="Europe/Atlantis", body="{city} {unknown} {oops",
        slots=[{"name": "city", "min_length": 5, "max_length": 2}, {"name": "city"}],
        rules=[
            {"id": "a", "type": "pattern.forbidden", "params": {"pattern": "(unclosed"}},
            {"id": "a", "type": "no.such.rule"},
            {"id": "b", "type": "length", "params": {"min": 10, "max": 5}},
            {"id": "c", "type": "media.count", "params": {"min": 3, "max": 1, "maxi": 2}},
            {"id": "d", "type": "time.hours", "params": {"start": "20:00", "end": "08:00"}},
            {"id": "e", "type": "hashtags.required", "params": {"tags": ["not a tag"]}},
        ],
    )
    with pytest.raises(TemplateInvalid) as caught:
        template_from_dict(data)
    problems = {(p.path, p.code) for p in caught.value.problems}
    assert problems >= {
        ("network", "format.not_a_choice"),
        ("timezone", "template.bad_timezone"),
        ("body", "body.unknown_slot"),
        ("body", "body.bad_placeholder"),
        ("slots[0].min_length", "param.contradictory"),
        ("slots[1].name", "slot.duplicate"),
        ("rules[0].params.pattern", "pattern.invalid"),
        ("rules[1].id", "rule.duplicate_id"),
        ("rules[1].type", "rule.unknown_type"),
        ("rules[2].params.min", "param.contradictory"),
        ("rules[3].params.min", "param.contradictory"),
        ("rules[3].params.maxi", "param.unknown"),
        ("rules[4].params.start", "param.contradictory"),
        ("rules[5].params.tags[0]", "param.bad_tag"),
    }
    error = caught.value
    assert isinstance(error, EditorialError)
    assert error.code == "template.invalid"
    assert error.errors["timezone"] == [
        {"code": "template.bad_timezone", "message": error.problems[3].message}
    ] or "timezone" in error.errors


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        ({"type": "length", "params": {"max": 3000}}, "param.above_network_limit"),
        # "a?", not "a*": the default engine refuses unbounded repetitions (pattern.unsafe).
        ({"type": "pattern.forbidden", "params": {"pattern": "a?"}}, "pattern.matches_empty"),
        ({"type": "pattern.forbidden", "params": {"pattern": "(a+)+$"}}, "pattern.unsafe"),
        ({"type": "terms.forbidden", "params": {"terms": ["-x"]}}, "term.invalid"),
        ({"type": "terms.forbidden", "params": {"terms": ["a*b"]}}, "term.invalid"),
        ({"type": "links.allowed_domains", "params": {"domains": ["pas un domaine"]}},
         "param.bad_domain"),
        ({"type": "time.window", "params": {"start": "2026-01-01"}}, "param.not_datetime"),
        ({"type": "length", "severity": "fatal", "params": {"max": 3}}, "format.not_a_choice"),
        ({"type": "lines", "params": {"max": "10"}}, "param.not_integer"),
        ({"type": "lines"}, "param.required"),
    ],
)
def test_each_bad_rule_definition_is_a_problem(rule: dict[str, Any], code: str) -> None:
    with pytest.raises(TemplateInvalid) as caught:
        template_from_dict(base(network="x", rules=[{"id": "r"} | rule]))
    assert code in {p.code for p in caught.value.problems}


def test_template_dict_round_trips() -> None:
    data = base(rules=[
        {"id": "t", "type": "hashtags.required", "severity": "warning",
         "territories": ["29"], "params": {"tags": ["#EDF"], "mode": "all"}},
    ])
    template = template_from_dict(data)
    assert template_from_dict(template_to_dict(template)) == template
    assert template_to_dict(template)["rules"] == data["rules"]


def test_charter_reads_checks_and_round_trips() -> None:
    data = {"version": 3, "rules": [
        {"id": "terms", "type": "terms.forbidden", "severity": "error",
         "params": {"terms": ["arnaque"]}},
    ]}
    charter = charter_from_dict(data)
    assert charter_to_dict(charter) == data
    with pytest.raises(CharterInvalid) as caught:
        charter_from_dict({"version": 0, "rules": [{"id": "x", "type": "pattern.forbidden",
                                                      "params": {"pattern": "["}}]})
    assert {p.code for p in caught.value.problems} == {"charter.bad_version", "pattern.invalid"}


def test_published_version_never_changes_and_reports_keep_their_version(
    compile_rules: Callable[..., Any],
) -> None:
    v1 = template_from_dict(base())
    v2 = next_version(v1, body=BODY + " #EDF")
    with pytest.raises(dataclasses.FrozenInstanceError):
        v1.body = "x"  # type: ignore[misc]
    assert (v1.version, v2.version) == (1, 2)
    assert v1.body == BODY
    report = validate(compile_template(v1), Draft("x"), now=NOW)
    assert (report.template_id, report.template_version) == ("rdv", 1)
