"""Names and titles people read in lists: three spaces pass a browser's ``required``, not Relais."""

from __future__ import annotations

from datetime import timedelta

import pytest

from regions.models import Role
from tests.api.conftest import SOON

BLANK_FR = "Obligatoire\u00a0: des espaces seuls ne comptent pas."
FR = {"Accept-Language": "fr"}


@pytest.fixture()
def campaign(world):
    created = world["desk"].post("/api/campaigns", json={
        "title": "Printemps", "template": "portes-ouvertes", "targets": "list",
        "territory_ids": [world["lyon"]]})
    assert created.status_code == 201, created.json
    return created.json["id"]


def test_a_kit_with_a_blank_title_or_suggestion_is_refused(world, campaign):
    kit = {"campaign_id": campaign, "link": "https://example.org/printemps",
           "networks": ["facebook"], "ends_at": (SOON + timedelta(days=3)).isoformat()}
    answer = world["desk"].post("/api/kits", headers=FR, json={
        **kit, "title": " \u00a0", "suggestions": ["Venez !", "\n  "]})
    assert answer.status_code == 422, answer.json
    assert answer.json["errors"] == {"title": [BLANK_FR], "suggestions.1": [BLANK_FR]}
    made = world["desk"].post("/api/kits", json={**kit, "title": " Printemps ",
                                                 "suggestions": ["Venez !"]})
    assert made.status_code == 201, made.json
    assert made.json["title"] == "Printemps"


def test_a_territory_with_a_blank_name_is_refused(world):
    answer = world["desk"].post("/api/territories", headers=FR, json={"name": "   "})
    assert answer.status_code == 422, answer.json
    assert answer.json["errors"] == {"name": [BLANK_FR]}
    path = f"/api/territories/{world['lyon']}"
    version = world["desk"].get(path).json["properties"]["version"]
    renamed = world["desk"].patch(path, headers=FR, json={"version": version, "name": "\t"})
    assert renamed.status_code == 422, renamed.json
    assert renamed.json["errors"] == {"name": [BLANK_FR]}
    assert world["desk"].get(path).json["properties"]["name"] == "Lyon"


def test_a_blank_user_name_is_refused(make_user):
    admin = make_user(Role.ADMIN)
    renamed = admin.patch(f"/api/users/{admin.id}", headers=FR,
                          json={"display_name": "  "})
    assert renamed.status_code == 422, renamed.json
    assert renamed.json["errors"] == {"display_name": [BLANK_FR]}


def test_a_blank_token_name_is_refused(make_user):
    admin = make_user(Role.ADMIN)
    token = admin.post(f"/api/users/{admin.id}/tokens", headers=FR, json={"name": "   "})
    assert token.status_code == 422, token.json
    assert token.json["errors"] == {"name": [BLANK_FR]}
