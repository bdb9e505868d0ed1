"""Territories over HTTP: shapes, hierarchy, overlaps, versions, teams and locate."""

from __future__ import annotations

import pytest

from regions.models import Role


def polygon(minx, miny, maxx, maxy):
    return {"type": "Polygon", "coordinates": [[[minx, miny], [maxx, miny], [maxx, maxy],
                                                [minx, maxy], [minx, miny]]]}


@pytest.fixture()
def desk(make_user):
    return make_user(Role.CENTRAL_EDITOR)


def create(user, name, geometry=None, **extra):
    body = {"name": name, **extra}
    if geometry is not None:
        body["geometry"] = geometry
    return user.post("/api/territories", json=body)


def test_central_desk_creates_a_drawn_territory_and_reads_it_as_a_feature(desk):
    response = create(desk, "Lyon Métropole", polygon(4.7, 45.6, 5.0, 45.9),
                      timezone="Europe/Paris")
    assert response.status_code == 201, response.json
    feature = response.json
    assert feature["type"] == "Feature"
    assert feature["properties"]["slug"] == "lyon-metropole"
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert feature["report"] == {"overlaps": [], "repairs": [], "posts_now_outside": []}
    again = desk.get(f"/api/territories/{feature['id']}").json
    assert again["properties"]["area_km2"] == pytest.approx(feature["properties"]["area_km2"])


def test_simplification_by_zoom_keeps_fewer_vertices(desk):
    import math
    angles = [a / 500 * 2 * math.pi for a in range(500)]
    ring = [[4.8 + 0.2 * math.cos(a), 45.7 + 0.2 * math.sin(a)] for a in angles]
    ring.append(ring[0])
    created = create(desk, "Round", {"type": "Polygon", "coordinates": [ring]}).json
    full = desk.get(f"/api/territories/{created['id']}").json
    coarse = desk.get(f"/api/territories/{created['id']}?zoom=5").json

    def count(feature):
        return sum(len(r) for p in feature["geometry"]["coordinates"] for r in p)

    assert count(coarse) < count(full) / 5


def test_collection_filters_by_parent_and_kind(desk):
    parent = create(desk, "Parent", kind="group").json["id"]
    create(desk, "Child A", polygon(0, 40, 1, 41), parent_id=parent, kind="local")
    create(desk, "Other", polygon(10, 40, 11, 41))
    children = desk.get(f"/api/territories?parent_id={parent}").json["features"]
    assert [f["properties"]["name"] for f in children] == ["Child A"]
    locals_ = desk.get("/api/territories?kind=local").json["features"]
    assert {f["properties"]["name"] for f in locals_} == {"Child A"}


def test_self_intersecting_shape_is_repaired_and_reported(desk):
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}
    response = create(desk, "Bow tie", bowtie)
    assert response.status_code == 201
    repairs = response.json["report"]["repairs"]
    assert repairs and "Self-intersection" in repairs[0]
    assert response.json["properties"]["area_km2"] > 0


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "de type Polygon, Multi"),
        (polygon(45.7, 4.8, 200, 5.0), "hors limites"),
        ({"type": "Polygon", "coordinates": "nope"}, "géométrie valide"),
        ({"coordinates": []}, "Une géométrie GeoJSON est attendue"),
    ],
)
def test_bad_geometries_are_422_with_the_field_named(desk, geometry, message):
    response = create(desk, "Bad", geometry)
    assert response.status_code == 422
    assert message in response.json["errors"]["json"]["geometry"][0]


def test_unknown_timezone_and_parent_are_422(desk):
    response = create(desk, "X", polygon(0, 0, 1, 1), timezone="Mars/Olympus", parent_id=999999)
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"timezone", "parent_id"}


def test_duplicate_slug_is_409(desk):
    assert create(desk, "Same", polygon(0, 0, 1, 1)).status_code == 201
    response = create(desk, "Same", polygon(2, 2, 3, 3))
    assert response.status_code == 409
    assert response.json["errors"] == {"slug": ["Déjà pris."]}


@pytest.fixture()
def communes(uow):
    """Two gazetteer communes to compose territories from."""
    from geoalchemy2.shape import from_shape
    from shapely.geometry import MultiPolygon, box

    from regions.models import AdminArea

    with uow() as unit:
        for code, bbox in (("69123", (4.77, 45.70, 4.90, 45.81)),
                           ("13055", (5.30, 43.20, 5.50, 43.40))):
            shape = from_shape(MultiPolygon([box(*bbox)]), srid=4326)
            unit.session.add(AdminArea(level="commune", code=code, name=code, search_name=code,
                                       geom=shape, geom_simplified=shape))
        unit.commit()
    return {"level": "commune", "codes": ["69123"]}


def test_composing_under_a_taken_slug_is_409_not_a_server_error(desk, communes):
    assert create(desk, "Same", polygon(0, 0, 1, 1)).status_code == 201
    response = create(desk, "Same", areas=communes)
    assert response.status_code == 409, response.json
    assert response.json["errors"] == {"slug": ["Déjà pris."]}


def test_unknown_area_codes_under_a_taken_slug_are_422_not_a_server_error(desk, communes):
    assert create(desk, "0", polygon(0, 0, 1, 1)).status_code == 201
    response = create(desk, "0", areas={"level": "0", "codes": ["0"]})
    assert response.status_code == 422, response.json
    assert response.json["errors"] == {"areas": {"codes": ["Code inconnu\u00a0: 0."]}}


@pytest.mark.parametrize("shape", [
    {},
    {"areas": {"level": "commune", "codes": ["13055"]}},
    {"geometry": polygon(2, 2, 3, 3)},
], ids=["no-shape", "areas", "drawn"])
def test_renaming_to_a_taken_slug_is_409_with_or_without_a_new_shape(desk, communes, shape):
    create(desk, "Taken", polygon(0, 0, 1, 1))
    other = create(desk, "Other", areas=communes).json
    response = desk.patch(f"/api/territories/{other['id']}", json={
        "version": other["properties"]["version"], "slug": "taken", **shape})
    assert response.status_code == 409, response.json
    assert response.json["errors"] == {"slug": ["Déjà pris."]}


def test_sibling_overlap_is_reported(desk):
    parent = create(desk, "Group", kind="group").json["id"]
    create(desk, "West", polygon(0, 45, 1, 46), parent_id=parent)
    east = create(desk, "East", polygon(0.5, 45, 1.5, 46), parent_id=parent).json
    overlaps = east["report"]["overlaps"]
    assert [o["name"] for o in overlaps] == ["West"]
    assert overlaps[0]["area_km2"] == pytest.approx(0.5 * 111.2 * 111.2 * 0.7, rel=0.1)


def test_sibling_overlap_is_refused_when_the_setting_says_so(desk, app):
    from dataclasses import replace

    runtime = app.extensions["relais"]
    runtime.settings = replace(runtime.settings, allow_territory_overlaps=False)
    create(desk, "West", polygon(0, 45, 1, 46))
    response = create(desk, "East", polygon(0.5, 45, 1.5, 46))
    assert response.status_code == 409
    assert "West" in response.json["errors"]["geometry"][0]
    assert desk.get("/api/territories").json["features"][-1]["properties"]["name"] == "West"


def test_stale_version_is_409_and_fresh_version_updates(desk):
    created = create(desk, "Versioned", polygon(0, 0, 1, 1)).json
    version = created["properties"]["version"]
    first = desk.patch(f"/api/territories/{created['id']}",
                       json={"version": version, "name": "Renamed"})
    assert first.status_code == 200
    assert first.json["properties"]["version"] == version + 1
    stale = desk.patch(f"/api/territories/{created['id']}",
                       json={"version": version, "name": "Lost update"})
    assert stale.status_code == 409
    assert desk.get(f"/api/territories/{created['id']}").json["properties"]["name"] == "Renamed"


def test_a_territory_cannot_move_under_its_own_descendant(desk):
    top = create(desk, "Top", kind="group").json
    child = create(desk, "Child", polygon(0, 0, 1, 1), parent_id=top["id"]).json
    response = desk.patch(f"/api/territories/{top['id']}",
                          json={"version": top["properties"]["version"], "parent_id": child["id"]})
    assert response.status_code == 422
    assert "parent_id" in response.json["errors"]


def test_delete_refuses_a_territory_with_children_then_works(desk):
    top = create(desk, "Top", kind="group").json["id"]
    child = create(desk, "Child", polygon(0, 0, 1, 1), parent_id=top).json["id"]
    assert desk.delete(f"/api/territories/{top}").status_code == 409
    assert desk.delete(f"/api/territories/{child}").status_code == 204
    assert desk.delete(f"/api/territories/{top}").status_code == 204
    assert desk.get(f"/api/territories/{top}").status_code == 404


def test_team_membership_gives_scope_over_descendants(make_user, desk):
    admin = make_user(Role.ADMIN)
    region = create(desk, "Region", polygon(0, 0, 2, 2)).json["id"]
    local = create(desk, "Local", polygon(0, 0, 1, 1), parent_id=region, kind="local").json["id"]
    editor = make_user(Role.REGIONAL_EDITOR)
    added = admin.post(f"/api/territories/{region}/members", json={"user_id": editor.id})
    assert added.status_code == 201
    assert added.json["role"] == "regional_editor"
    members = editor.get(f"/api/territories/{region}/members")
    assert [m["email"] for m in members.json] == [editor.email]
    assert editor.get(f"/api/territories/{local}/members").status_code == 200
    outsider = make_user(Role.REGIONAL_EDITOR)
    assert outsider.get(f"/api/territories/{region}/members").status_code == 403
    assert admin.delete(f"/api/territories/{region}/members/{editor.id}").status_code == 204
    assert admin.delete(f"/api/territories/{region}/members/{editor.id}").status_code == 404


# -- locate ----------------------------------------------------------------------------------
@pytest.fixture()
def tree(desk):
    group = create(desk, "Group", kind="group").json["id"]
    west = create(desk, "West", polygon(0, 45, 1, 46), parent_id=group).json["id"]
    east = create(desk, "East", polygon(1, 45, 2, 46), parent_id=group).json["id"]
    town = create(desk, "Town", polygon(0.4, 45.4, 0.6, 45.6), parent_id=west,
                  kind="local").json["id"]
    return {"group": group, "west": west, "east": east, "town": town}


def test_locate_gives_the_deepest_territory_and_its_ancestors(desk, tree):
    found = desk.get("/api/locate?lon=0.5&lat=45.5").json
    assert found["inside"] is True
    assert found["territory"]["id"] == tree["town"]
    assert [a["id"] for a in found["ancestors"]] == [tree["west"], tree["group"]]


def test_a_point_on_a_shared_border_goes_to_the_oldest_sibling(desk, tree):
    found = desk.get("/api/locate?lon=1.0&lat=45.5").json
    assert found["territory"]["id"] == min(tree["west"], tree["east"]) == tree["west"]


def test_a_point_outside_every_territory_says_so(desk, tree):
    found = desk.get("/api/locate?lon=-30&lat=45", headers={"Accept-Language": "en"}).json
    assert found["inside"] is False
    assert found["territory"] is None
    assert found["message"] == "This point is outside every territory."
    assert found["hint"] is None


def test_swapped_coordinates_get_a_hint(desk, tree):
    found = desk.get("/api/locate?lon=45.5&lat=0.5", headers={"Accept-Language": "fr"}).json
    assert found["inside"] is False
    assert "inversant longitude et latitude" in found["hint"]


@pytest.mark.parametrize("query", ["lon=181&lat=0", "lon=0&lat=-91", "lon=abc&lat=1", "lat=1"])
def test_locate_out_of_range_or_missing_is_422(desk, query):
    response = desk.get(f"/api/locate?{query}")
    assert response.status_code == 422
    assert response.json["errors"]["query"]


def test_bulk_locate_follows_the_same_rules(desk, tree):
    points = [[0.5, 45.5], [1.0, 45.5], [1.5, 45.5], [-30, 45], [0.1, 45.1]]
    body = desk.post("/api/locate", json={"points": points}).json
    assert body["territory_ids"] == [tree["town"], tree["west"], tree["east"], None, tree["west"]]
    assert body["located"] == 4 and body["outside"] == 1
    assert body["territories"][str(tree["town"])]["name"] == "Town"


@pytest.mark.parametrize(
    ("points", "where"),
    [([[0, 0], [0, 95]], "1"), ([[0, 0, 0]], None), ([["a", "b"]], None), ([], None)],
)
def test_bulk_locate_bad_points_are_422(desk, points, where):
    response = desk.post("/api/locate", json={"points": points})
    assert response.status_code == 422
    errors = response.json["errors"]["json"]["points"]
    if where is not None:
        assert where in errors


def test_locate_sees_a_territory_created_after_the_index_was_built(desk, tree):
    assert desk.get("/api/locate?lon=5.5&lat=45.5").json["inside"] is False
    new = create(desk, "New", polygon(5, 45, 6, 46)).json["id"]
    assert desk.get("/api/locate?lon=5.5&lat=45.5").json["territory"]["id"] == new


def test_a_member_has_the_users_one_role_and_it_follows_role_changes(make_user, desk):
    admin = make_user(Role.ADMIN)
    region = create(desk, "Région", polygon(0, 0, 2, 2)).json["id"]
    editor = make_user(Role.REGIONAL_EDITOR)
    refused = admin.post(f"/api/territories/{region}/members",
                         json={"user_id": editor.id, "role": "viewer"})
    assert refused.status_code == 422 and "role" in refused.json["errors"]["json"]
    assert admin.post(f"/api/territories/{region}/members",
                      json={"user_id": editor.id}).status_code == 201
    admin.patch(f"/api/users/{editor.id}", json={"role": "contributor"})
    members = admin.get(f"/api/territories/{region}/members").json
    assert [m["role"] for m in members] == ["contributor"]


def test_a_territory_with_posts_cannot_be_deleted(world_with_post):
    desk, territory = world_with_post
    response = desk.delete(f"/api/territories/{territory}")
    assert response.status_code == 409
    assert "1 posts" in response.json["errors"]["territory"][0]


@pytest.fixture()
def world_with_post(world, drafts):
    return world["desk"], world["lyon"]
