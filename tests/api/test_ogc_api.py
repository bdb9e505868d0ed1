"""OGC API – Features: the landing page, collections, items with bbox/datetime/paging, errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box

from regions.models import AdminArea, Post, PostStatus, Role

GEOJSON = "application/geo+json"
PUBLISHED_AT = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


@pytest.fixture()
def areas(uow):
    """Two communes of the gazetteer."""
    with uow() as unit:
        for code, bbox in (("69123", (4.77, 45.70, 4.90, 45.81)),
                           ("13055", (5.30, 43.20, 5.50, 43.40))):
            shape = from_shape(MultiPolygon([box(*bbox)]), srid=4326)
            unit.session.add(AdminArea(level="commune", code=code, name=f"Commune {code}",
                                       search_name=code, geom=shape, geom_simplified=shape))
        unit.commit()


@pytest.fixture()
def published(drafts, uow):
    """The Marseille draft published on 10 March 2026; the Lyon one stays a draft."""
    with uow() as unit:
        post = unit.session.get(Post, drafts["b"]["id"])
        post.status, post.published_at = PostStatus.PUBLISHED, PUBLISHED_AT
        post.permalink = "https://facebook.test/marseille/1"
        unit.commit()
    return drafts["b"]["id"]


def links(body, rel):
    return [link["href"] for link in body["links"] if link["rel"] == rel]


def test_the_landing_page_links_the_definition_conformance_and_collections(world):
    response = world["ed_lyon"].get("/ogc/")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert links(response.json, "self") == ["http://localhost/ogc/"]
    assert links(response.json, "conformance") == ["http://localhost/ogc/conformance"]
    assert links(response.json, "data") == ["http://localhost/ogc/collections"]
    [definition] = [link for link in response.json["links"] if link["rel"] == "service-desc"]
    api = world["ed_lyon"].get(definition["href"])
    assert api.status_code == 200 and api.headers["Content-Type"] == definition["type"]
    parameters = {path: [p["$ref"].rsplit("/", 1)[1] for p in api.json["paths"][path]["get"]
                         ["parameters"]] for path in api.json["paths"]}
    assert parameters["/collections/posts/items"] == ["f", "limit", "offset", "bbox", "datetime"]
    assert parameters["/collections/areas/items"] == ["f", "limit", "offset", "bbox"]
    assert api.json["servers"] == [{"url": "http://localhost/ogc"}]
    conformance = world["ed_lyon"].get("/ogc/conformance").json["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conformance


def test_collections_describe_the_three_layers_with_their_extent(world, areas, published):
    response = world["ed_lyon"].get("/ogc/collections", headers={"Accept-Language": "fr"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    described = {c["id"]: c for c in response.json["collections"]}
    assert list(described) == ["territories", "areas", "posts"]
    assert described["posts"]["title"] == "Publications publiées"
    assert described["posts"]["extent"]["spatial"]["bbox"] == [[5.37, 43.3, 5.37, 43.3]]
    assert described["posts"]["extent"]["temporal"]["interval"] == [
        ["2026-03-10T09:30:00+00:00", "2026-03-10T09:30:00+00:00"]]
    assert described["areas"]["extent"]["spatial"]["bbox"] == [[4.77, 43.2, 5.5, 45.81]]
    assert "temporal" not in described["territories"]["extent"]
    assert links(described["areas"], "items") == [
        "http://localhost/ogc/collections/areas/items"]
    one = world["ed_lyon"].get("/ogc/collections/areas")
    assert one.json["id"] == "areas" and links(one.json, "self") == [
        "http://localhost/ogc/collections/areas"]


def test_published_posts_only_whoever_asks(world, published, make_user):
    for caller in (world["desk"], world["ed_lyon"], world["ed_marseille"], make_user(Role.VIEWER)):
        response = caller.get("/ogc/collections/posts/items")
        assert response.status_code == 200 and response.mimetype == GEOJSON
        body = response.json
        assert [f["id"] for f in body["features"]] == [published]
        assert body["numberMatched"] == body["numberReturned"] == 1
        feature = body["features"][0]
        assert feature["geometry"] == {"type": "Point", "coordinates": [5.37, 43.3]}
        assert feature["properties"]["permalink"] == "https://facebook.test/marseille/1"
        assert feature["properties"]["territory_name"] == "Marseille"


def test_a_draft_is_not_a_feature_even_for_its_author(world, drafts, published):
    author = world["ed_lyon"]
    response = author.get(f"/ogc/collections/posts/items/{drafts['a']['id']}")
    assert response.status_code == 404 and response.json["code"] == "not_found"
    feature = author.get(f"/ogc/collections/posts/items/{published}")
    assert feature.status_code == 200 and feature.mimetype == GEOJSON
    assert feature.json["id"] == published and links(feature.json, "collection") == [
        "http://localhost/ogc/collections/posts"]


def test_territories_are_those_of_the_api_listing(world):
    listed = world["ed_lyon"].get("/api/territories").json["features"]
    body = world["ed_lyon"].get("/ogc/collections/territories/items").json
    assert [f["id"] for f in body["features"]] == [f["id"] for f in listed]
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"


def test_bbox_filters_features_that_intersect_it(world, areas):
    desk = world["desk"]
    near_lyon = desk.get("/ogc/collections/areas/items?bbox=4.8,45.7,4.85,45.75").json
    assert [f["properties"]["code"] for f in near_lyon["features"]] == ["69123"]
    assert near_lyon["numberMatched"] == 1
    nowhere = desk.get("/ogc/collections/areas/items?bbox=-10,-10,-9,-9").json
    assert nowhere["features"] == [] and nowhere["numberMatched"] == 0
    across_antimeridian = desk.get("/ogc/collections/areas/items?bbox=170,40,5.4,46").json
    assert {f["properties"]["code"] for f in across_antimeridian["features"]} == {"69123",
                                                                                "13055"}


@pytest.mark.parametrize(("interval", "found"), [
    ("2026-03-10T09:30:00Z", True), ("2026-03-10", True), ("2026-03-01T00:00:00Z/..", True),
    ("../2026-03-01T00:00:00Z", False), ("2026-03-11/2026-04-01", False),
])
def test_datetime_filters_posts_on_their_publication_time(world, published, interval, found):
    body = world["desk"].get("/ogc/collections/posts/items",
                             query_string={"datetime": interval}).json
    assert [f["id"] for f in body["features"]] == ([published] if found else [])


def test_pages_link_to_the_next_and_previous_ones(world, make_territory):
    for number in range(4):
        make_territory(f"Extra {number}", bbox=(number, 0, number + 0.5, 0.5))
    desk = world["desk"]
    first = desk.get("/ogc/collections/territories/items?limit=2&bbox=-1,-1,10,1").json
    assert first["numberMatched"] == 4 and first["numberReturned"] == 2
    assert links(first, "prev") == []
    [next_page] = links(first, "next")
    assert "offset=2" in next_page and "bbox=-1" in next_page and "limit=2" in next_page
    second = desk.get(next_page.removeprefix("http://localhost")).json
    assert second["numberReturned"] == 2 and links(second, "next") == []
    assert {f["id"] for f in second["features"]}.isdisjoint(f["id"] for f in first["features"])
    [previous] = links(second, "prev")
    again = desk.get(previous.removeprefix("http://localhost")).json
    assert [f["id"] for f in again["features"]] == [f["id"] for f in first["features"]]


@pytest.mark.parametrize("query", [
    "bbox=1,2,3", "bbox=0,50,1,40", "bbox=a,b,c,d", "limit=0", "limit=x", "offset=-1",
    "datetime=yesterday", "datetime=../..", "datetime=2026-03-02/2026-03-01", "f=html",
    "colour=red", "crs=http://www.opengis.net/def/crs/EPSG/0/2154",
])
def test_a_bad_parameter_is_a_400_in_the_one_error_shape(world, query):
    response = world["desk"].get(f"/ogc/collections/posts/items?{query}")
    assert response.status_code == 400, response.json
    assert response.json["code"] == "request.invalid" and response.json["errors"]


def test_datetime_on_a_collection_without_time_is_a_400(world):
    response = world["desk"].get("/ogc/collections/territories/items?datetime=2026-01-01")
    assert response.status_code == 400 and list(response.json["errors"]) == ["datetime"]


def test_a_huge_limit_is_served_as_the_maximum(world):
    response = world["desk"].get("/ogc/collections/territories/items?limit=1000000")
    assert response.status_code == 200 and response.json["numberReturned"] == 3


def test_texts_follow_the_accept_language(world):
    english = world["desk"].get("/ogc/", headers={"Accept-Language": "en"}).json
    french = world["desk"].get("/ogc/", headers={"Accept-Language": "fr"}).json
    assert english["links"][0]["title"] == "This document"
    assert french["links"][0]["title"] == "Ce document"
    error = world["desk"].get("/ogc/collections/posts/items?colour=red",
                              headers={"Accept-Language": "fr"}).json
    assert error["errors"] == {"colour": ["Paramètre inconnu\u00a0: colour."]}


def test_unknown_collections_and_the_anonymous_get_json_errors(world, client):
    missing = world["desk"].get("/ogc/collections/rivers")
    assert missing.status_code == 404 and missing.json["code"] == "not_found"
    anonymous = client.get("/ogc/collections")
    assert anonymous.status_code == 401 and anonymous.mimetype == "application/json"
    assert anonymous.json["code"] == "auth.required"


def test_the_browser_session_reads_the_collections(sign_in):
    person = sign_in(Role.VIEWER)
    response = person.get("/ogc/collections")
    assert response.status_code == 200 and len(response.json["collections"]) == 3
