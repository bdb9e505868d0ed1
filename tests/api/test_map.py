"""Map data: activity per territory and posts as vector tiles, by what each role may see."""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest

from regions.models import Post, PostStatus

LYON_POINT = (4.85, 45.75)


def tile_of(lon, lat, z):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def activity(user, **query):
    response = user.get("/api/map/activity", query_string=query)
    assert response.status_code == 200, response.json
    return {f["id"]: f["properties"] for f in response.json["features"]}


def test_activity_counts_what_each_role_may_see(world, drafts, uow):
    desk, lyon_editor = world["desk"], world["ed_lyon"]
    seen_by_desk = activity(desk)
    assert seen_by_desk[world["lyon"]]["posts"] == 1
    assert seen_by_desk[world["marseille"]]["posts"] == 1
    seen_by_lyon = activity(lyon_editor)
    assert seen_by_lyon[world["lyon"]]["posts"] == 1
    assert seen_by_lyon[world["marseille"]]["posts"] == 0  # another region's draft
    with uow() as unit:
        unit.session.get(Post, drafts["b"]["id"]).status = PostStatus.PUBLISHED
        unit.commit()
    published = activity(lyon_editor)[world["marseille"]]
    assert published["posts"] == 1 and published["published"] == 1


def test_activity_filters_by_period_and_simplifies_by_zoom(world, drafts):
    assert activity(world["desk"], since="2000-01-01T00:00:00+00:00",
                    until="2000-02-01T00:00:00+00:00")[world["lyon"]]["posts"] == 0
    coarse = world["desk"].get("/api/map/activity?zoom=3").json["features"][0]
    assert coarse["geometry"]["type"] in ("Polygon", "MultiPolygon")


def decode(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    layers = mapbox_vector_tile.decode(response.get_data())
    return layers.get("posts", {}).get("features", [])


def test_a_tile_holds_the_visible_geotagged_posts(world, drafts):
    z, x, y = tile_of(*LYON_POINT, 10)
    features = decode(world["desk"].get(f"/api/map/posts/{z}/{x}/{y}.mvt"))
    assert [f["properties"]["id"] for f in features] == [drafts["a"]["id"]]
    assert features[0]["properties"]["status"] == "draft"
    assert decode(world["ed_marseille"].get(f"/api/map/posts/{z}/{x}/{y}.mvt")) == []
    filtered = world["desk"].get(f"/api/map/posts/{z}/{x}/{y}.mvt?status=published")
    assert decode(filtered) == []


@pytest.mark.parametrize("path", ["/api/map/posts/3/8/0.mvt", "/api/map/posts/23/0/0.mvt"])
def test_a_tile_outside_the_grid_is_404(world, path):
    response = world["desk"].get(path)
    assert response.status_code == 404
    assert response.json["code"] == "not_found"


def test_a_tile_with_an_unknown_status_is_422(world):
    response = world["desk"].get("/api/map/posts/0/0/0.mvt?status=flying")
    assert response.status_code == 422
