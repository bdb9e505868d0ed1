"""The campaign dashboard counts an adaptation for the target it was written beneath, once."""

from __future__ import annotations

import pytest

from regions.models import Role
from tests.api.conftest import LYON

REGION = (4.0, 45.0, 6.0, 46.5)
ISERE = (5.5, 45.0, 5.9, 45.4)
GOOD = "Portes ouvertes à Ici ! Bienvenue #Relais"


@pytest.fixture()
def region(world, make_territory, make_user):
    """A région, two départements beneath it, and an editor for each département."""
    region = make_territory("Auvergne-Rhône-Alpes", bbox=REGION)
    rhone = make_territory("Rhône", bbox=LYON, parent_id=region, kind="area")
    isere = make_territory("Isère", bbox=ISERE, parent_id=region, kind="area")
    return {"region": region, "rhone": rhone, "isere": isere,
            "ed_rhone": make_user(Role.REGIONAL_EDITOR, territory_ids=[rhone]),
            "ed_isere": make_user(Role.REGIONAL_EDITOR, territory_ids=[isere])}


def _campaign(world, *targets):
    created = world["desk"].post("/api/campaigns", json={
        "title": "Printemps", "template": "portes-ouvertes", "slot_values": {},
        "targets": "list", "territory_ids": list(targets)})
    assert created.status_code == 201, created.json
    return created.json["id"]


def _adapt(editor, campaign_id, territory_id, lon, lat, *, submit):
    post = editor.post("/api/posts", json={
        "campaign_id": campaign_id, "territory_id": territory_id, "text": GOOD,
        "geotag": {"lon": lon, "lat": lat},
        "slot_values": {"city": "Ici", "details": "Bienvenue #Relais"}})
    assert post.status_code == 201, post.json
    if submit:
        answer = editor.post(f"/api/posts/{post.json['id']}/submit",
                             json={"version": post.json["version"]})
        assert answer.status_code == 200, answer.json
    return post.json["id"]


def _board(world, campaign_id):
    answer = world["desk"].get(f"/api/campaigns/{campaign_id}/dashboard")
    assert answer.status_code == 200, answer.json
    return {row["name"]: row for row in answer.json}


def test_a_departement_s_adaptation_counts_for_the_targeted_region(world, region):
    campaign = _campaign(world, region["region"])
    submitted = _adapt(region["ed_rhone"], campaign, region["rhone"], 4.85, 45.75, submit=True)
    draft = _adapt(region["ed_isere"], campaign, region["isere"], 5.7, 45.2, submit=False)
    board = _board(world, campaign)
    assert list(board) == ["Auvergne-Rhône-Alpes"]
    row = board["Auvergne-Rhône-Alpes"]
    assert (row["adapted"], row["late"]) == (True, False)
    assert row["posts"] == [
        {"id": submitted, "status": "submitted", "territory_id": region["rhone"],
         "territory_name": "Rhône"},
        {"id": draft, "status": "draft", "territory_id": region["isere"],
         "territory_name": "Isère"}]


def test_an_adaptation_counts_once_for_the_nearest_target(world, region):
    """Région and Rhône both targeted: Rhône's post is Rhône's, Isère's the région's."""
    campaign = _campaign(world, region["region"], region["rhone"])
    rhone_post = _adapt(region["ed_rhone"], campaign, region["rhone"], 4.85, 45.75, submit=True)
    isere_post = _adapt(region["ed_isere"], campaign, region["isere"], 5.7, 45.2, submit=False)
    board = _board(world, campaign)
    assert {name: [p["id"] for p in row["posts"]] for name, row in board.items()} == {
        "Auvergne-Rhône-Alpes": [isere_post], "Rhône": [rhone_post]}
    assert (board["Rhône"]["adapted"], board["Auvergne-Rhône-Alpes"]["adapted"]) == (True, False)


def test_the_campaign_page_names_where_a_counted_post_was_written(world, region, sign_in):
    campaign = _campaign(world, region["region"])
    post_id = _adapt(region["ed_rhone"], campaign, region["rhone"], 4.85, 45.75, submit=True)
    desk = sign_in(Role.CENTRAL_EDITOR)
    page = desk.get(f"/campaigns/{campaign}").get_data(as_text=True)
    assert "1 territoires sur 1 ont soumis leur adaptation" in page
    assert (f'<a href="/posts/{post_id}">#{post_id}</a> En attente de relecture '
            '<span class="muted">(Rhône)</span>') in page
    assert "compte une seule fois, pour le territoire ciblé le plus proche" in page
