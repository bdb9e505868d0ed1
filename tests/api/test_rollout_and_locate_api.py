"""Roll-out, locate with includes, strict coordinates and the gazetteer listing, over HTTP.

The gazetteer is La Réunion, cut from the real files of ../shared/geodata into small files
in a temporary folder (région 04, département 974 and its 24 communes).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geodata.importer import import_boundaries
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import Role

GEODATA = Path(__file__).resolve().parents[2].parent / "shared" / "geodata"
pytestmark = pytest.mark.skipif(
    not (GEODATA / "communes-974-la-reunion.geojson").exists(),
    reason=f"real boundary files not found in {GEODATA}",
)
SAINT_DENIS = (55.4504, -20.8823)
EN = {"Accept-Language": "en"}


def _cut(source: str, code: str, folder: Path) -> Path:
    collection = json.loads((GEODATA / source).read_text())
    collection["features"] = [f for f in collection["features"]
                              if f["properties"]["code"] == code]
    path = folder / f"{code}-{source}"
    path.write_text(json.dumps(collection))
    return path


@pytest.fixture(scope="module")
def reunion_files(tmp_path_factory):
    """The three small files, cut once."""
    folder = tmp_path_factory.mktemp("reunion")
    return (
        (_cut("regions-avec-outre-mer.geojson", "04", folder), "region", None),
        (_cut("departements-avec-outre-mer.geojson", "974", folder), "departement", "region"),
        (GEODATA / "communes-974-la-reunion.geojson", "commune", "departement"),
    )


@pytest.fixture(scope="module")
def engine(fresh_database, reunion_files):
    """This module's database: La Réunion imported once (seconds) and committed.

    It stands for the session's ``engine`` (tests/conftest.py): each test still runs inside a
    transaction of its own that is rolled back, on a copy of the migrated template.
    """
    url, drop = fresh_database()
    engine = make_engine(url)
    try:
        for path, level, parent in reunion_files:
            with UnitOfWork(make_session_factory(engine)) as unit:
                import_boundaries(unit, path, level=level, code_field="code", name_field="nom",
                                  parent_level=parent)
                unit.commit()
        yield engine
    finally:
        engine.dispose()
        drop()


@pytest.fixture()
def reunion(engine):
    """Région 04, département 974 and its communes in the gazetteer, parents linked (in this
    module's database: see ``engine``)."""


@pytest.fixture()
def desk(make_user):
    return make_user(Role.CENTRAL_EDITOR)


def roll_out(user, **body):
    return user.post("/api/territories/from-areas", json=body, headers=EN)


def test_roll_out_over_http_is_idempotent_and_says_so(reunion, desk, make_territory):
    desk.post("/api/territories", json={"name": "Groupe", "slug": "groupe", "kind": "group"})
    first = roll_out(desk, level="commune", parent_level="departement", under="groupe")
    assert first.status_code == 200, first.json
    assert {k: first.json[k] for k in ("areas", "created", "parents_created", "changed")} == {
        "areas": 24, "created": 24, "parents_created": 1, "changed": True}
    assert first.json["message"].startswith("24 territories created (and 1 for parent areas)")
    again = roll_out(desk, level="commune", parent_level="departement", under="groupe")
    assert again.json["changed"] is False and again.json["unchanged"] == 24
    assert again.json["message"] == (
        "Nothing to do: the 24 commune areas already have their territories.")


def test_a_dry_run_says_what_it_would_do_and_changes_nothing(reunion, desk):
    before = len(desk.get("/api/territories").json["features"])
    dry = roll_out(desk, level="commune", dry_run=True)
    assert dry.json["created"] == 24 and dry.json["dry_run"] is True
    assert dry.json["message"].startswith("Dry run, nothing changed: 24 territories would be")
    assert len(desk.get("/api/territories").json["features"]) == before


def test_a_roll_out_that_fails_leaves_nothing_behind(reunion, desk):
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    desk.post("/api/territories", json={"name": "X", "slug": "commune-97415",
                                        "geometry": square})
    before = len(desk.get("/api/territories").json["features"])
    failed = roll_out(desk, level="commune", parent_level="departement")
    assert failed.status_code == 409
    assert failed.json["code"] == "rollout.slugs_taken"
    assert "commune-97415" in failed.json["message"]
    assert len(desk.get("/api/territories").json["features"]) == before


def test_roll_out_refuses_regional_editors_and_names_bad_fields(reunion, desk, make_user):
    editor = make_user(Role.REGIONAL_EDITOR)
    assert roll_out(editor, level="commune").status_code == 403
    wrong = roll_out(desk, level="canton", timezone="Europe/Paris")
    assert wrong.status_code == 422 and wrong.json["code"] == "rollout.unknown_level"
    assert "commune, departement, region" in wrong.json["errors"]["level"][0]
    zone = roll_out(desk, level="commune", timezone="Mars/Olympus")
    assert zone.status_code == 422 and "timezone" in zone.json["errors"]["json"]


def test_single_locate_includes_the_chain_and_areas_on_request(reunion, desk):
    roll_out(desk, level="commune", parent_level="departement")
    lon, lat = SAINT_DENIS
    full = desk.get(f"/api/locate?lon={lon}&lat={lat}").json
    assert [link["slug"] for link in full["chain"]] == ["commune-97411", "departement-974"]
    assert [(a["level"], a["code"]) for a in full["areas"]] == [
        ("region", "04"), ("departement", "974"), ("commune", "97411")]
    lean = desk.get(f"/api/locate?lon={lon}&lat={lat}&include=").json
    assert lean["territory"]["slug"] == "commune-97411"
    assert "areas" not in lean and "chain" not in lean
    chain_only = desk.get(f"/api/locate?lon={lon}&lat={lat}&include=ancestors").json
    assert "areas" not in chain_only and len(chain_only["chain"]) == 2
    bad = desk.get(f"/api/locate?lon={lon}&lat={lat}&include=everything")
    assert bad.status_code == 422


def test_bulk_locate_adds_chains_areas_and_the_swapped_hint(reunion, desk):
    roll_out(desk, level="commune", parent_level="departement")
    lon, lat = SAINT_DENIS
    points = [[lon, lat], [0.0, 0.0], [lat, lon]]
    plain = desk.post("/api/locate", json={"points": points}, headers=EN).json
    assert "areas" not in plain and "chain" not in plain["territories"][
        str(plain["territory_ids"][0])]
    assert plain["swapped"] == [2] and plain["swapped_count"] == 1
    assert "swapped" in plain["hint"]
    found = desk.post("/api/locate?include=ancestors,areas", json={"points": points}).json
    territory = found["territories"][str(found["territory_ids"][0])]
    assert [link["slug"] for link in territory["chain"]] == ["commune-97411", "departement-974"]
    assert str(territory["parent_id"]) in found["territories"]  # the ancestors are named too
    assert found["areas"] == {"commune": ["97411", None, None], "departement": ["974", None, None],
                              "region": ["04", None, None]}
    assert found["area_names"]["commune"] == {"97411": "Saint-Denis"}


@pytest.mark.parametrize("points", [
    [[True, 45.0]], [["55.45", -20.88]], [[55.45]], [None], [55.45, -20.88],
    [[55.45, -20.88, 3]], [[{"lon": 1}, 2]],
])
def test_bulk_locate_takes_only_numbers_as_coordinates(desk, points):
    response = desk.post("/api/locate", json={"points": [[1.0, 2.0], *points]}, headers=EN)
    assert response.status_code == 422
    assert response.json["errors"]["json"]["points"]["1"] == [
        "Each point must be [longitude, latitude] numbers."]


def test_single_locate_refuses_words_for_coordinates(desk):
    assert desk.get("/api/locate?lon=true&lat=45").status_code == 422
    assert desk.get("/api/locate?lon=nan&lat=45").status_code == 422


def test_gazetteer_lists_areas_by_level_and_parent_code_with_their_territory(reunion, desk):
    roll_out(desk, level="commune", codes=["97411"])
    page = desk.get("/api/gazetteer/areas?level=commune&parent_code=974&page_size=10")
    assert page.status_code == 200
    assert json.loads(page.headers["X-Pagination"])["total"] == 24
    assert [a["code"] for a in page.json] == sorted(a["code"] for a in page.json)
    saint_denis = desk.get("/api/gazetteer/areas?level=commune&parent_code=974&page=2"
                           "&page_size=10").json[0]
    assert (saint_denis["code"], saint_denis["parent_level"], saint_denis["parent_code"]) == (
        "97411", "departement", "974")
    assert saint_denis["territory_id"] is not None
    by_id = desk.get(f"/api/gazetteer/areas?parent_id={saint_denis['parent_id']}"
                     "&page_size=100").json
    assert len(by_id) == 24
    assert desk.get("/api/gazetteer/areas?parent_code=974&parent_level=region").json == []
    found = desk.get("/api/gazetteer?q=saint denis&level=commune").json[0]
    assert (found["parent_level"], found["parent_code"]) == ("departement", "974")


def test_json_coordinates_elsewhere_are_numbers_too(desk):
    post = desk.post("/api/posts", json={"geotag": {"lon": "4.85", "lat": True}}, headers=EN)
    assert post.status_code == 422
    assert post.json["errors"]["json"]["geotag"] == {"lon": ["Not a valid number."],
                                                     "lat": ["Not a valid number."]}
    ring = [[4.7, 45.6], [5.0, 45.6], ["5.0", 45.9], [4.7, 45.6]]
    drawn = desk.post("/api/territories", headers=EN, json={
        "name": "Strings", "geometry": {"type": "Polygon", "coordinates": [ring]}})
    assert drawn.status_code == 422
    assert drawn.json["errors"]["json"]["geometry"] == [
        "Each position must be [longitude, latitude], optionally followed by an altitude."]
