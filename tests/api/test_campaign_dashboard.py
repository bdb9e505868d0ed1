"""The campaign dashboard counts an adaptation for the target it was written beneath, once."""

from __future__ import annotations

import re

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
    assert "1 territoire sur 1 a soumis son adaptation" in page
    assert (f'<a href="/posts/{post_id}">Post n°\u00a0{post_id}</a> En attente de relecture '
            '<span class="muted">(Rhône)</span>') in page
    assert "compte une seule fois, pour le territoire ciblé le plus proche" in page


def _views(person, campaigns):
    """What one person's four views say: per view, the (campaign, target) pairs still due.

    The campaign list (the campaigns they adapt), their dashboards (targets shown, not yet
    adapted), their home page's « À adapter » list, and the map's "adaptations due" layer.
    """
    listed = {c["id"] for c in person.user.get("/api/campaigns").json} & set(campaigns)
    boards = {c: person.user.get(f"/api/campaigns/{c}/dashboard").json for c in campaigns}
    shown = {c for c, rows in boards.items() if rows}
    board_due = {(c, row["territory_id"]) for c, rows in boards.items() for row in rows
                 if not row["adapted"]}
    home = person.get("/").get_data(as_text=True)
    adapt = home.split('id="adapt-title"')[-1].split('id="failed-title"')[0]
    home_due = {(int(c), int(t)) for c, t in re.findall(
        r'<li><a href="[^"]*" data-campaign="(\d+)" data-target="(\d+)"', adapt)}
    layer = {(row["territory_id"], row["due"] + row["late"])
             for row in person.user.get("/api/map/adaptations").json}
    return listed, shown, board_due, home_due, layer


def test_list_home_map_and_dashboard_agree_for_a_region_and_two_departements(
        world, make_territory, sign_in):
    """Campaign A targets the région, B the région and Rhône. Rhône submits A (for the
    région), Isère drafts B (for the région, Isère being no target): every view of each person
    says the same thing, as the dashboard counts it (decision 0041)."""
    region = make_territory("Auvergne-Rhône-Alpes", bbox=REGION)
    rhone = make_territory("Rhône", bbox=LYON, parent_id=region, kind="area")
    isere = make_territory("Isère", bbox=ISERE, parent_id=region, kind="area")
    ed_rhone = sign_in(Role.REGIONAL_EDITOR, territory_ids=[rhone])
    ed_isere = sign_in(Role.REGIONAL_EDITOR, territory_ids=[isere])
    ed_region = sign_in(Role.REGIONAL_EDITOR, territory_ids=[region])
    desk = sign_in(Role.CENTRAL_EDITOR)
    a, b = _campaign(world, region), _campaign(world, region, rhone)
    _adapt(ed_rhone.user, a, rhone, 4.85, 45.75, submit=True)
    draft = _adapt(ed_isere.user, b, isere, 5.7, 45.2, submit=False)

    expected = {  # person: (campaigns listed, (campaign, target) still due)
        "rhône": (ed_rhone, {a, b}, {(b, rhone)}),
        "isère": (ed_isere, {a, b}, {(b, region)}),
        "région": (ed_region, {a, b}, {(b, region), (b, rhone)}),
        "desk": (desk, {a, b}, {(b, region), (b, rhone)}),
    }
    for who, (person, campaigns, due) in expected.items():
        listed, shown, board_due, home_due, layer = _views(person, [a, b])
        assert listed == shown == campaigns, who
        assert board_due == due, who
        assert home_due == (due if who != "desk" else set()), who  # the desk's home: reviews
        assert layer == {(t, sum(1 for _c, target in due if target == t))
                         for t in {target for _c, target in due}}, who

    home = ed_isere.get("/").get_data(as_text=True)
    assert f'href="/posts/{draft}"' in home  # Isère's own draft, counted for the région
    assert f"campaign={b}&amp;territory={rhone}" in ed_rhone.get("/").get_data(as_text=True)
    board = {row["territory_id"]: row for row in ed_isere.user.get(
        f"/api/campaigns/{a}/dashboard").json}
    assert list(board) == [region] and board[region]["adapted"]  # Rhône's post, for the région
    panel = desk.user.get(f"/api/map/territories/{region}/panel").json
    assert {(item["campaign_id"], item["territory_id"]) for item in panel["adaptations"]} == {
        (b, region), (b, rhone)}
    assert ed_isere.user.get(f"/api/map/territories/{region}/panel").json["adaptations"] == [
        item for item in panel["adaptations"] if item["territory_id"] == region]


def test_a_departement_adapts_its_region_s_campaign_in_its_own_territory(world, region, sign_in):
    """The home page's link writes in the département (the région is not the editor's to
    write in), and the form it opens accepts it."""
    campaign = _campaign(world, region["region"])
    editor = sign_in(Role.REGIONAL_EDITOR, territory_ids=[region["isere"]])
    home = editor.get("/").get_data(as_text=True)
    link = f"/posts/new?campaign={campaign}&amp;territory={region['isere']}"
    assert f'href="{link}" data-campaign="{campaign}" data-target="{region["region"]}"' in home
    form = editor.get(link.replace("&amp;", "&"))
    assert form.status_code == 200 and "Printemps" in form.get_data(as_text=True)


def test_a_departement_never_sees_a_sibling_s_posts_in_the_region_s_row(world, region, sign_in):
    """Isère's team shares the région's row with Rhône: Rhône's draft counts (« En cours »)
    but neither the API nor the page gives its id, state or territory."""
    campaign = _campaign(world, region["region"])
    draft = _adapt(region["ed_rhone"], campaign, region["rhone"], 4.85, 45.75, submit=False)
    [row] = region["ed_isere"].get(f"/api/campaigns/{campaign}/dashboard").json
    assert (row["posts"], row["elsewhere"], row["drafting"]) == ([], 1, True)
    [row] = region["ed_rhone"].get(f"/api/campaigns/{campaign}/dashboard").json
    assert ([p["id"] for p in row["posts"]], row["elsewhere"]) == ([draft], 0)
    [row] = _board(world, campaign).values()  # the desk sees every post
    assert ([p["id"] for p in row["posts"]], row["elsewhere"]) == ([draft], 0)
    isere = sign_in(Role.REGIONAL_EDITOR, territory_ids=[region["isere"]])
    page = isere.get(f"/campaigns/{campaign}").get_data(as_text=True)
    assert f'href="/posts/{draft}"' not in page and "(Rhône)" not in page
    assert "1 publication d’un autre territoire" in page


def _home_item(person, campaign, target):
    """The home page's « À adapter » entry for (campaign, target), its tags' text only."""
    home = person.get("/").get_data(as_text=True)
    adapt = home.split('id="adapt-title"')[-1].split('id="failed-title"')[0]
    item = adapt.split(f'data-campaign="{campaign}" data-target="{target}">', 1)[1]
    text = re.sub(r"<[^>]+>", " ", item.split("</li>", 1)[0])
    return re.sub(r"[ \n]+", " ", text).strip()  # no-break spaces kept


def test_a_draft_a_sibling_departement_started_reads_in_progress_on_the_home_page(
        world, region, sign_in):
    """Isère drafts the région's adaptation: Rhône's home says « En cours », as its dashboard
    does, and where; Rhône may still adapt it. Isère's own home offers its draft."""
    campaign = _campaign(world, region["region"])
    draft = _adapt(region["ed_isere"], campaign, region["isere"], 5.7, 45.2, submit=False)
    rhone = sign_in(Role.REGIONAL_EDITOR, territory_ids=[region["rhone"]])
    board = rhone.get(f"/campaigns/{campaign}").get_data(as_text=True)
    cell = board.split('<td data-label="Adaptation">', 1)[1].split("</td>", 1)[0]
    assert " ".join(re.sub(r"<[^>]+>", " ", cell).split()) == "En cours"

    item = _home_item(rhone, campaign, region["region"])
    assert item == ("Adapter «\u00a0Printemps\u00a0» Auvergne-Rhône-Alpes · pas de date attendue"
                    " En cours Brouillon commencé dans un autre territoire"), item
    assert "Isère" not in rhone.get("/").get_data(as_text=True)  # whose draft: never said
    assert f"/posts/new?campaign={campaign}&amp;territory={region['rhone']}" in rhone.get(
        "/").get_data(as_text=True)  # the région is still to adapt: Rhône may write it too

    isere = sign_in(Role.REGIONAL_EDITOR, territory_ids=[region["isere"]])
    assert f'href="/posts/{draft}" data-campaign="{campaign}"' in isere.get("/").get_data(
        as_text=True)
    item = _home_item(isere, campaign, region["region"])
    assert "Brouillon commencé" in item
    assert "autre territoire" not in item and "En cours" not in item
