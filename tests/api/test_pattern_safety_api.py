"""Desk patterns cannot stall the server: RE2 runs them, what no safe engine can run is a 422."""

from __future__ import annotations

import pytest

from regions.models import Role

CATASTROPHIC = [r"(a+)+$", r"(a|aa)*b", r"(.*a){20}"]
# A back-reference (RE2 has none) around an unbounded repetition: no safe engine for it.
REPEATED_WORD = {"id": "mot-repete", "type": "pattern.forbidden",
                 "params": {"pattern": r"\b(\w+)\s+\1\b", "label": "mot répété"}}


def template(*rules: dict) -> dict:
    return {"name": "Annonce", "network": "facebook", "language": "fr", "body": "", "slots": [],
            "rules": list(rules)}


def forbidden(rule_id: str, pattern: str) -> dict:
    return {"id": rule_id, "type": "pattern.forbidden", "params": {"pattern": pattern}}


@pytest.fixture()
def desk(make_user):
    return make_user(Role.CENTRAL_EDITOR)


def test_catastrophic_patterns_are_accepted_and_a_dry_run_on_a_long_post_returns(desk):
    rules = [forbidden(f"p{number}", pattern) for number, pattern in enumerate(CATASTROPHIC)]
    created = desk.post("/api/templates", json={"key": "risque", **template(*rules)})
    assert created.status_code == 201, created.json
    assert desk.post("/api/templates/risque/publish").status_code == 200

    # On a backtracking engine each of these takes longer than the age of the universe here.
    text = "a" * 19_000 + "!"  # the API takes up to 20,000 characters
    response = desk.post("/api/templates/risque/validate", json={"text": text})
    assert response.status_code == 200, response.json
    found = {v["rule_id"] for v in response.json["violations"]}
    assert found == {"p2"}  # (.*a){20} matches; the other two need an end or a "b"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_pattern_no_safe_engine_can_run_is_a_422_naming_the_rule(desk, language):
    headers = {"Accept-Language": language}
    body = {"key": "repetitions", **template(forbidden("ok", r"(a+)+$"), REPEATED_WORD)}
    response = desk.post("/api/templates", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json["code"] == "template.invalid"
    problems = response.json["errors"]
    assert list(problems) == ["rules[1].params.pattern"]
    [problem] = problems["rules[1].params.pattern"]
    assert problem["code"] == "pattern.unsafe"
    assert "mot-repete" in problem["message"]
    assert ("linear-time engine" in problem["message"]) == (language == "en")
    assert desk.get("/api/templates/repetitions").status_code == 404  # nothing saved


def test_the_editors_preview_refuses_the_unsafe_pattern_the_same_way(desk):
    response = desk.post("/api/templates/preview",
                         json={"template": template(REPEATED_WORD), "draft": {"text": "le le"}})
    assert response.status_code == 422
    [problem] = response.json["errors"]["rules[0].params.pattern"]
    assert problem["code"] == "pattern.unsafe" and "mot-repete" in problem["message"]


def test_a_bounded_look_around_runs_on_re_and_catches_what_it_should(desk):
    phone = forbidden("telephone", r"0(?<!\d0)[1-9](?:[ .]?\d\d){4}(?!\d)")
    assert desk.post("/api/templates", json={"key": "tel", **template(phone)}).status_code == 201
    sample = "Appelez le 02 99 12 34 56, pas 1002991234567."
    response = desk.post("/api/templates/preview",
                         json={"template": template(phone), "draft": {"text": sample}})
    assert response.status_code == 200, response.json
    spans = [v["span"] for v in response.json["violations"] if v["rule_id"] == "telephone"]
    assert spans == [[11, 25]]


def test_the_charter_refuses_an_unsafe_pattern_naming_the_rule(desk):
    response = desk.put("/api/charter", json={"rules": [REPEATED_WORD]})
    assert response.status_code == 422 and response.json["code"] == "charter.invalid"
    [problem] = response.json["errors"]["rules[0].params.pattern"]
    assert problem["code"] == "pattern.unsafe" and "mot-repete" in problem["message"]
