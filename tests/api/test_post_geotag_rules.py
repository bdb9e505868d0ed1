"""One geotag rule for every path, membership said in words, one version per edit."""

from __future__ import annotations

import pytest

from regions.models import Role

RULED = {
    "name": "Local", "network": "facebook", "language": "fr", "body": "Bonjour {city}.",
    "slots": [{"name": "city", "type": "text"}],
    "rules": [{"id": "inside", "type": "geo.inside_territory", "params": {}}],
}


@pytest.fixture()
def campaign(world):
    """A template with the inside-territory rule, and a campaign sent to Lyon and Marseille."""
    desk = world["desk"]
    assert desk.post("/api/templates", json={"key": "local", **RULED}).status_code == 201
    assert desk.post("/api/templates/local/publish").status_code == 200
    created = desk.post("/api/campaigns", json={
        "title": "Fête", "template": "local", "slot_values": {"city": "Lyon"},
        "targets": "list", "territory_ids": [world["lyon"], world["marseille"]]})
    assert created.status_code == 201, created.json
    return created.json["id"]


def _dry_run_codes(editor, territory, lon, lat):
    response = editor.post("/api/templates/local/validate", json={
        "text": "Bonjour Lyon.", "slot_values": {"city": "Lyon"}, "territory_id": territory,
        "geotag": {"lon": lon, "lat": lat}})
    assert response.status_code == 200, response.json
    return {v["code"] for v in response.json["violations"]}


@pytest.mark.parametrize(("lon", "lat", "inside"), [
    (4.85, 45.75, True),     # in Lyon, the post's territory
    (5.37, 43.30, False),    # in Marseille: another target of the same campaign
    (2.35, 48.85, False),    # in no target at all
])
def test_dry_run_and_submission_agree_on_a_campaign_adaptations_geotag(
        world, campaign, lon, lat, inside):
    editor = world["ed_lyon"]
    dry_run = "geo.outside_territory" not in _dry_run_codes(editor, world["lyon"], lon, lat)
    created = editor.post("/api/posts", json={
        "territory_id": world["lyon"], "campaign_id": campaign,
        "geotag": {"lon": lon, "lat": lat}})
    assert dry_run is inside
    if inside:
        assert created.status_code == 201, created.json
        submitted = editor.post(f"/api/posts/{created.json['id']}/submit",
                                json={"version": created.json["version"]})
        assert submitted.status_code == 200, submitted.json
        assert "geo.outside_territory" not in {
            v["code"] for v in submitted.json["report"]["violations"]}
    else:
        assert (created.status_code, created.json["code"]) == (
            422, "post.geotag_outside_territory")


def test_moving_a_saved_geotag_into_another_target_is_refused_too(world, campaign):
    editor = world["ed_lyon"]
    created = editor.post("/api/posts", json={
        "territory_id": world["lyon"], "campaign_id": campaign,
        "geotag": {"lon": 4.85, "lat": 45.75}}).json
    moved = editor.patch(f"/api/posts/{created['id']}", json={
        "version": created["version"], "geotag": {"lon": 5.37, "lat": 43.30}})
    assert (moved.status_code, moved.json["code"]) == (422, "post.geotag_outside_territory")


@pytest.mark.parametrize(("language", "message"), [
    ("en", "You are not a member of this territory."),
    ("fr", "Vous n’êtes pas membre de ce territoire."),
])
def test_writing_in_a_territory_one_is_not_a_member_of_says_so(world, language, message):
    response = world["ed_lyon"].post(
        "/api/posts", headers={"Accept-Language": language},
        json={"territory_id": world["marseille"], "template": "portes-ouvertes",
              "text": "Bonjour"})
    assert response.status_code == 403
    assert response.json["code"] == "territory.not_member"
    assert response.json["message"] == message


def test_a_dry_run_in_a_territory_one_is_not_a_member_of_says_so(world):
    response = world["ed_lyon"].post("/api/templates/portes-ouvertes/validate", json={
        "text": "Bonjour", "territory_id": world["marseille"]})
    assert (response.status_code, response.json["code"]) == (403, "territory.not_member")


def test_a_role_without_writing_rights_still_hears_about_its_role(world, make_user):
    viewer = make_user(Role.VIEWER, territory_ids=[world["lyon"]])
    response = viewer.post("/api/posts", json={
        "territory_id": world["lyon"], "template": "portes-ouvertes", "text": "Bonjour"})
    assert (response.status_code, response.json["code"]) == (403, "forbidden")


def test_each_edit_raises_the_version_by_exactly_one(world):
    editor = world["ed_lyon"]
    created = editor.post("/api/posts", json={
        "territory_id": world["lyon"], "template": "portes-ouvertes",
        "text": "Portes ouvertes à Ici ! Bienvenue #Relais",
        "slot_values": {"city": "Ici", "details": "Bienvenue #Relais"},
        "geotag": {"lon": 4.85, "lat": 45.75}, "audience": {"radius_km": 5}})
    assert created.status_code == 201, created.json
    assert created.json["version"] == 1
    version = created.json["version"]
    for change in ({"text": "Portes ouvertes à Ici ! Entrez #Relais"},
                   {"geotag": {"lon": 4.80, "lat": 45.70}, "place_name": None},
                   {"audience": {"radius_km": 8}}):
        edited = editor.patch(f"/api/posts/{created.json['id']}",
                              json={"version": version, **change})
        assert edited.status_code == 200, edited.json
        assert edited.json["version"] == version + 1
        assert editor.get(f"/api/posts/{created.json['id']}").json["version"] == version + 1
        version += 1
