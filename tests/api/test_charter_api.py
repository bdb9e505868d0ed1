"""Charter API: append-only versions, every problem in one 422, inherited by every template."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from regions.models import Role

FREE = {"id": "free", "type": "terms.forbidden",
        "params": {"terms": [{"term": "gratuit", "exceptions": ["gratuité"]}]}}
DISCLOSURE = {"id": "ad", "type": "pattern.forbidden", "severity": "warning",
              "params": {"pattern": r"\bsponsoris", "label": "undisclosed sponsoring"}}


@pytest.fixture()
def desk(make_user):
    return make_user(Role.CENTRAL_EDITOR)


def test_before_any_charter_the_current_one_is_empty(make_user):
    response = make_user(Role.VIEWER).get("/api/charter")
    assert response.status_code == 200
    assert (response.json["number"], response.json["data"]["rules"]) == (0, [])


def test_each_update_is_a_new_version_and_earlier_ones_stay_as_written(desk):
    first = desk.put("/api/charter", json={"rules": [FREE]})
    assert first.status_code == 200, first.json
    assert (first.json["number"], first.json["data"]["version"]) == (1, 1)
    second = desk.put("/api/charter", json={"rules": [FREE, DISCLOSURE]})
    assert second.json["number"] == 2

    current = desk.get("/api/charter").json
    assert [r["id"] for r in current["data"]["rules"]] == ["free", "ad"]
    assert desk.get("/api/charter/versions/1").json == first.json
    assert desk.get("/api/charter/versions/3").status_code == 404


def test_invalid_charter_is_a_422_listing_every_problem_by_path(desk):
    bad = {"rules": [
        {"id": "re", "type": "pattern.forbidden", "params": {"pattern": "(unclosed"}},
        {"id": "what", "type": "no.such.rule"},
        {**FREE, "severity": "fatal"},
    ]}
    response = desk.put("/api/charter", json=bad, headers={"Accept-Language": "fr"})
    assert response.status_code == 422
    assert response.json["code"] == "charter.invalid"
    assert response.json["message"].startswith("Problèmes dans la charte\u00a0: 3.")
    assert set(response.json["errors"]) == {
        "rules[0].params.pattern", "rules[1].type", "rules[2].severity"}
    assert desk.get("/api/charter").json["number"] == 0  # nothing saved


def test_only_the_central_desk_writes_the_charter(make_user):
    for role in (Role.CONTRIBUTOR, Role.REGIONAL_EDITOR, Role.VIEWER):
        response = make_user(role).put("/api/charter", json={"rules": [FREE]})
        assert (response.status_code, response.json["code"]) == (403, "forbidden")
    assert make_user(Role.ADMIN).put("/api/charter", json={"rules": [FREE]}).status_code == 200


def test_every_template_inherits_the_charter_in_the_dry_run(desk, make_user):
    desk.post("/api/templates", json={"key": "plain", "name": "Plain"})
    desk.post("/api/templates/plain/publish")
    draft = {"text": "Atelier gratuit, gratuité garantie."}
    before = desk.post("/api/templates/plain/validate", json=draft).json
    assert before["violations"] == []

    desk.put("/api/charter", json={"rules": [FREE]})
    after = make_user(Role.CONTRIBUTOR).post("/api/templates/plain/validate", json=draft).json
    [violation] = after["violations"]
    assert violation["rule_id"] == "charter:free"
    start, end = violation["span"]
    assert draft["text"][start:end] == "gratuit"  # and "gratuité" is an exception


def test_database_keeps_charter_versions_append_only(desk, connection):
    desk.put("/api/charter", json={"rules": [FREE]})
    for statement in ("UPDATE charter_versions SET data = '{}'", "DELETE FROM charter_versions"):
        with pytest.raises(DBAPIError, match="append-only"):
            with connection.begin_nested():
                connection.execute(text(statement))
