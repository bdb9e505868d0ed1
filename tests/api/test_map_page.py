"""The map page and its data: a territory's panel, coverage gaps, conflicts, campaign maps."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box

from regions import accounts, campaigns
from regions.models import AdminArea, Post, PostStatus, Role
from service.app import create_app
from tests.api.conftest import SOON
from tests.builders import web_builder

NOW = datetime.now(UTC)
# Three "communes" inside the Lyon territory of the `world` fixture (4.70–5.00, 45.60–45.90).
COMMUNES = (("69001", "Alpha", (4.72, 45.62, 4.80, 45.70)),
            ("69002", "Beta", (4.82, 45.72, 4.90, 45.80)),
            ("69003", "Gamma", (4.91, 45.81, 4.99, 45.89)))


def add_areas(uow, level="commune", areas=COMMUNES):
    with uow() as unit:
        for code, name, bbox in areas:
            shape = from_shape(MultiPolygon([box(*bbox)]), srid=4326)
            unit.session.add(AdminArea(level=level, code=code, name=name,
                                       search_name=name.lower(), geom=shape,
                                       geom_simplified=shape))
        unit.commit()


def set_post(uow, post_id, **values):
    with uow() as unit:
        post = unit.session.get(Post, post_id)
        for name, value in values.items():
            setattr(post, name, value)
        unit.commit()


def write(editor, territory, lon, lat, *, radius=None, submit=False, publish_at=SOON):
    body = {"territory_id": territory, "template": "portes-ouvertes",
            "text": "Portes ouvertes à Ici ! Bienvenue #Relais", "geotag": {"lon": lon, "lat": lat},
            "slot_values": {"city": "Ici", "details": "Bienvenue #Relais"},
            "publish_at": publish_at.isoformat()}
    if radius:
        body["audience"] = {"radius_km": radius}
    made = editor.post("/api/posts", json=body)
    assert made.status_code == 201, made.json
    if submit:
        done = editor.post(f"/api/posts/{made.json['id']}/submit",
                           json={"version": made.json["version"]})
        assert done.status_code == 200, done.json
    return made.json["id"]


# The page ------------------------------------------------------------------------------------

def test_the_map_page_renders_in_french_with_its_filters_list_and_menu_entry(sign_in, world):
    person = sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lyon"]])
    page = person.get(f"/map?status=published&territory={world['lyon']}&period=30")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Carte de l’activité régionale" in html
    assert '<a href="/map" aria-current="page">Carte</a>' in html
    assert '<option value="published" selected>' in html
    assert f'<option value="{world["lyon"]}" selected>' in html
    assert 'id="territory-table"' in html and 'id="post-table"' in html
    assert 'aria-live="polite"' in html and "js/map-index.js" in html
    csp = page.headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob: https://tile.openstreetmap.org" in csp
    assert "connect-src 'self' https://tile.openstreetmap.org" in csp
    assert 'data-basemap="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in html


def test_the_map_page_renders_in_english(sign_in):
    person = sign_in(Role.VIEWER)
    assert person.post("/account/language", data={"language": "en"}).status_code < 400
    html = person.get("/map").get_data(as_text=True)
    assert "Map of regional activity" in html and "Coverage gap" in html


def test_without_a_base_map_the_policy_stays_strict(settings, session_factory, make_user):
    offline = settings.with_changes(basemap_url="none")
    assert offline.basemap_origin is None
    app = create_app(offline, session_factory=session_factory)
    page = web_builder(app, make_user)(Role.VIEWER).get("/map")
    assert page.status_code == 200
    assert 'data-basemap=""' in page.get_data(as_text=True)
    csp = page.headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob:;" in csp and "connect-src 'self';" in csp


def test_a_signed_out_visitor_is_sent_to_login(client):
    answer = client.get("/map")
    assert answer.status_code == 302 and answer.location == "/login?next=/map"


# A territory's panel --------------------------------------------------------------------------

@pytest.fixture()
def campaign(world, uow):
    """A campaign sent to Lyon and Marseille, due yesterday; Lyon adapted it."""
    with uow() as unit:
        desk = accounts.load_actor(accounts.get_user(unit, world["desk"].id))
        made = campaigns.create_campaign(unit, desk, campaigns.CampaignDraft(
            "Semaine de l’énergie", "portes-ouvertes", {"city": "Ici"}, [],
            campaigns.TargetMode.LIST, (world["lyon"], world["marseille"]),
            adapt_deadline=NOW - timedelta(days=1)))
        unit.commit()
        return made.id


def test_the_panel_counts_what_the_caller_may_see(world, drafts, uow):
    lyon = world["lyon"]
    submitted = write(world["ed_lyon"], lyon, 4.86, 45.76, submit=True)
    desk = world["desk"].get(f"/api/map/territories/{lyon}/panel")
    assert desk.status_code == 200
    assert desk.json["counts"] == {"draft": 1, "submitted": 1}
    assert desk.json["awaiting_review"] == 1
    assert [p["id"] for p in desk.json["recent"]] == [submitted, drafts["a"]["id"]]
    other = world["ed_marseille"].get(f"/api/map/territories/{lyon}/panel").json
    assert other["counts"] == {} and other["recent"] == [] and other["awaiting_review"] is None
    set_post(uow, drafts["a"]["id"], status=PostStatus.PUBLISHED)
    other = world["ed_marseille"].get(f"/api/map/territories/{lyon}/panel").json
    assert other["counts"] == {"published": 1}
    assert [p["id"] for p in other["recent"]] == [drafts["a"]["id"]]


def test_the_panel_lists_the_adaptations_due_to_those_who_follow_them(world, campaign, uow,
                                                                       drafts):
    lyon, marseille = world["lyon"], world["marseille"]
    desk = world["desk"].get(f"/api/map/territories/{marseille}/panel").json
    assert [(a["campaign_id"], a["late"]) for a in desk["adaptations"]] == [(campaign, True)]
    # Lyon's adaptation is submitted: nothing due there any more.
    set_post(uow, drafts["a"]["id"], campaign_id=campaign, status=PostStatus.SUBMITTED)
    assert world["desk"].get(f"/api/map/territories/{lyon}/panel").json["adaptations"] == []
    # Another region's missed deadline is not the Lyon editor's to see.
    other = world["ed_lyon"].get(f"/api/map/territories/{marseille}/panel").json
    assert other["adaptations"] == []
    counts = world["desk"].get("/api/map/adaptations").json
    assert counts == [{"territory_id": marseille, "due": 0, "late": 1}]
    assert world["ed_lyon"].get("/api/map/adaptations").json == []
    assert world["ed_marseille"].get(
        f"/api/map/adaptations?campaign_id={campaign}").json == counts


# Ambassadors are refused the map's data altogether (tests/api/test_role_matrix.py).
@pytest.mark.parametrize("role", [r for r in Role if r != Role.AMBASSADOR], ids=lambda r: r.value)
def test_each_role_sees_another_regions_draft_only_if_central(role, world, drafts, make_user):
    person = make_user(role, territory_ids=[world["marseille"]]
                       if role in (Role.REGIONAL_EDITOR, Role.CONTRIBUTOR) else [])
    panel = person.get(f"/api/map/territories/{world['lyon']}/panel")
    assert panel.status_code == 200
    central = role in (Role.ADMIN, Role.CENTRAL_EDITOR)
    assert panel.json["counts"] == ({"draft": 1} if central else {})
    assert bool(panel.json["recent"]) is central


def test_the_panel_of_an_unknown_territory_is_404_and_needs_credentials(world, client):
    answer = world["desk"].get("/api/map/territories/999999/panel")
    assert answer.status_code == 404 and answer.json["code"] == "not_found"
    assert client.get(f"/api/map/territories/{world['lyon']}/panel").status_code == 401


# Coverage gaps -------------------------------------------------------------------------------

def test_gaps_are_the_areas_without_a_recent_published_post(world, drafts, uow):
    add_areas(uow)
    add_areas(uow, "elsewhere", (("13001", "Outside", (5.25, 43.25, 5.30, 43.30)),))
    lyon = world["lyon"]
    first = world["desk"].get(f"/api/map/territories/{lyon}/gaps").json
    assert (first["level"], first["areas"], first["gaps"], first["days"]) == ("commune", 3, 3, 30)
    assert first["levels"] == {"commune": 3}
    # The draft at 4.85, 45.75 lies in Beta: once published it covers it.
    set_post(uow, drafts["a"]["id"], status=PostStatus.PUBLISHED, published_at=NOW)
    gaps = world["ed_marseille"].get(f"/api/map/territories/{lyon}/gaps").json
    assert gaps["gaps"] == 2
    assert sorted(f["properties"]["name"] for f in gaps["features"]) == ["Alpha", "Gamma"]
    assert gaps["features"][0]["geometry"]["type"] == "MultiPolygon"
    # Published 40 days ago: a gap again for 30 days, not for 60.
    set_post(uow, drafts["a"]["id"], published_at=NOW - timedelta(days=40))
    assert world["desk"].get(f"/api/map/territories/{lyon}/gaps").json["gaps"] == 3
    assert world["desk"].get(f"/api/map/territories/{lyon}/gaps?days=60").json["gaps"] == 2


def test_a_draft_covers_nothing_and_a_level_can_be_chosen(world, drafts, uow):
    add_areas(uow)
    add_areas(uow, "canton", (("6901", "Canton", (4.71, 45.61, 4.99, 45.89)),))
    lyon = world["lyon"]
    canton = world["desk"].get(f"/api/map/territories/{lyon}/gaps?level=canton").json
    assert (canton["areas"], canton["gaps"]) == (1, 1)  # the Lyon draft is no coverage
    none = world["desk"].get(f"/api/map/territories/{lyon}/gaps?level=region").json
    assert (none["areas"], none["features"]) == (0, [])
    empty = world["desk"].get(f"/api/map/territories/{world['lille']}/gaps").json
    assert (empty["level"], empty["areas"]) == (None, 0)


@pytest.mark.parametrize("query", ["days=0", "days=4000", "days=many", "level=", "colour=red"])
def test_gaps_refuse_bad_arguments(world, query):
    answer = world["desk"].get(f"/api/map/territories/{world['lyon']}/gaps?{query}")
    assert answer.status_code == 422, answer.json


def test_gaps_of_an_unknown_territory_are_404(world):
    assert world["desk"].get("/api/map/territories/999999/gaps").status_code == 404


# Conflicts -----------------------------------------------------------------------------------

def pairs(user, **query):
    answer = user.get("/api/map/conflicts", query_string=query)
    assert answer.status_code == 200, answer.json
    return [(f["properties"]["a"], f["properties"]["b"]) for f in answer.json["features"]]


def test_conflicts_are_pairs_of_posts_the_caller_may_see(world, uow):
    lyon, editor = world["lyon"], world["ed_lyon"]
    a = write(editor, lyon, 4.85, 45.75, radius=5, submit=True)
    b = write(editor, lyon, 4.87, 45.76, radius=5, submit=True,
              publish_at=SOON + timedelta(hours=3))
    far = write(editor, lyon, 4.88, 45.77, radius=5, submit=True,
                publish_at=SOON + timedelta(days=9))
    assert pairs(world["desk"]) == [(a, b)]
    line = world["desk"].get("/api/map/conflicts").json["features"][0]
    assert line["geometry"] == {"type": "LineString", "coordinates": [[4.85, 45.75], [4.87, 45.76]]}
    assert line["properties"]["hours_apart"] == 3
    assert pairs(editor) == [(a, b)]
    assert pairs(world["ed_marseille"]) == []  # Lyon's posts under review stay in Lyon
    assert pairs(world["desk"], territory_id=world["marseille"]) == []
    assert pairs(world["desk"], since=(SOON + timedelta(days=1)).isoformat()) == []
    set_post(uow, a, status=PostStatus.PUBLISHED)
    set_post(uow, b, status=PostStatus.PUBLISHED)
    assert pairs(world["ed_marseille"]) == [(a, b)]
    assert far not in {post for pair in pairs(world["desk"]) for post in pair}


def test_conflicts_refuse_bad_arguments_and_need_credentials(world, client):
    assert world["desk"].get("/api/map/conflicts?since=yesterday").status_code == 422
    assert world["desk"].get("/api/map/conflicts?territory_id=0").status_code == 422
    assert client.get("/api/map/conflicts").status_code == 401


# The campaign map ----------------------------------------------------------------------------

def test_the_campaign_map_colours_targets_as_the_dashboard_does(world, campaign, drafts, uow):
    set_post(uow, drafts["a"]["id"], campaign_id=campaign, status=PostStatus.SUBMITTED)
    answer = world["desk"].get(f"/api/campaigns/{campaign}/map")
    assert answer.status_code == 200
    states = {f["id"]: f["properties"]["state"] for f in answer.json["features"]}
    assert states == {world["lyon"]: "adapted", world["marseille"]: "late"}
    assert answer.json["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    mine = world["ed_marseille"].get(f"/api/campaigns/{campaign}/map").json
    assert [f["id"] for f in mine["features"]] == [world["marseille"]]


def test_the_campaign_map_of_an_unknown_campaign_is_404(world, client):
    assert world["desk"].get("/api/campaigns/999999/map").status_code == 404
    assert client.get("/api/campaigns/1/map").status_code == 401


def test_the_campaign_page_holds_the_small_map(sign_in, world, campaign):
    html = sign_in(Role.CENTRAL_EDITOR).get(f"/campaigns/{campaign}").get_data(as_text=True)
    assert f'id="campaign-map" class="map-small" data-campaign="{campaign}"' in html
    assert "js/campaigns-show.js" in html


@pytest.mark.parametrize(("language", "one", "other"), [
    ("fr", "%(count)s territoire.", "%(count)s territoires."),
    ("en", "%(count)s territory.", "%(count)s territories."),
])
def test_the_map_s_script_gets_each_count_in_every_plural_form(sign_in, language, one, other):
    person = sign_in(Role.VIEWER)
    assert person.post("/account/language", data={"language": language}).status_code < 400
    page = person.get("/map").get_data(as_text=True)
    words = json.loads(html.unescape(re.search(r'data-words="([^"]*)"', page).group(1)))
    assert words["territories_shown"] == {"one": one, "many": other, "other": other}
    assert set(words["gaps"]) == set(words["conflicts"]) == {"one", "many", "other"}


def _offered(page: str, select_id: str) -> list[str]:
    chosen = page.split(f'id="{select_id}"')[1].split("</select>")[0]
    return [value for value in re.findall(r'<option value="([^"]*)"', chosen) if value]


def _columns(page: str) -> list[str]:
    return re.findall(r'<th scope="col" data-column="(\w+)">', page)


def test_someone_who_sees_published_posts_only_is_offered_nothing_else(sign_in, world):
    # A viewer of no territory saw « Brouillon », « En attente »… in the filter and a column
    # « En attente de relecture » reading 0 for every territory.
    viewer = sign_in(Role.VIEWER).get("/map").get_data(as_text=True)
    assert _offered(viewer, "filter-status") == ["published"]
    assert _offered(viewer, "filter-shade") == ["published"]
    assert _columns(viewer) == ["published", "posts"]
    assert "dot status-draft" not in viewer and "dot status-published" in viewer
    posts = sign_in(Role.VIEWER).get("/posts").get_data(as_text=True)
    assert re.findall(r'name="status" value="(\w+)"', posts) == ["published"]


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.VIEWER, Role.REGIONAL_EDITOR,
                                  Role.CENTRAL_EDITOR])
def test_members_of_a_territory_and_the_desk_are_offered_every_state(sign_in, world, role):
    person = sign_in(role, territory_ids=[] if role == Role.CENTRAL_EDITOR else [world["lyon"]])
    page = person.get("/map").get_data(as_text=True)
    assert "draft" in _offered(page, "filter-status")
    assert "submitted" in _offered(page, "filter-status")
    assert _offered(page, "filter-shade") == ["published", "pending", "late", "failed"]
    assert _columns(page) == ["published", "pending", "late", "failed", "posts"]
    posts = person.get("/posts").get_data(as_text=True)
    assert "draft" in re.findall(r'name="status" value="(\w+)"', posts)
