"""Property-based: partial edits of posts and arbitrary GeoJSON never answer a 5xx.

Random sequences of partial PATCHes on a geotagged post (any subset of its fields, geotag,
audience radius or areas, nulls that clear) and random GeoJSON shapes (Z and M coordinates,
deep nesting, wrong types) sent as territories: every answer is a success or a 4xx in the
one error shape.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ERROR_KEYS = {"code", "status", "message", "errors", "request_id"}
LON, LAT = st.floats(4.70, 5.00), st.floats(45.60, 45.90)
FIELD_EDITS = st.fixed_dictionaries({}, optional={
    "text": st.text(max_size=40),
    "geotag": st.none() | st.fixed_dictionaries({"lon": LON | st.floats(-180, 180),
                                                 "lat": LAT | st.floats(-90, 90)}),
    "audience": st.none() | st.fixed_dictionaries({"radius_km": st.floats(0.1, 500)})
    | st.fixed_dictionaries({"areas": st.lists(st.fixed_dictionaries(
        {"level": st.just("commune"), "code": st.text("0123456789", min_size=1, max_size=5)}),
        min_size=1, max_size=3)}),
    "place_name": st.none() | st.text(max_size=20),
    "publish_at": st.none() | st.just("2031-05-01T10:00:00+02:00"),
    "link": st.none() | st.just("https://example.org/a"),
    "media": st.lists(st.fixed_dictionaries({"url": st.just("https://example.org/i.jpg")}),
                      max_size=2),
    "slot_values": st.dictionaries(st.sampled_from(["city", "details"]),
                                   st.text(max_size=20), max_size=2),
})
NUMBER = st.floats(-200, 200) | st.integers(-200, 200)
POSITION = st.lists(NUMBER, min_size=0, max_size=5)
RING = st.lists(POSITION, max_size=6)
COORDINATES = st.recursive(POSITION | NUMBER | st.text(max_size=3) | st.none(),
                           lambda inner: st.lists(inner, max_size=4), max_leaves=30)
GEOMETRY = st.fixed_dictionaries({
    "type": st.sampled_from(["Polygon", "MultiPolygon", "Point", "polygon"]),
    "coordinates": COORDINATES | st.lists(RING, max_size=3) | st.lists(st.lists(RING, max_size=2),
                                                                       max_size=2),
})
PROPERTY = settings(max_examples=25, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


def _assert_not_a_server_error(response):
    assert response.status_code < 500, response.json
    if response.status_code >= 400:
        assert set(response.json) == ERROR_KEYS


def test_partial_edits_of_a_geotagged_post_never_answer_a_server_error(world):
    editor = world["ed_lyon"]
    created = editor.post("/api/posts", json={
        "territory_id": world["lyon"], "template": "portes-ouvertes", "text": "Bonjour #Relais",
        "geotag": {"lon": 4.85, "lat": 45.75}, "audience": {"radius_km": 5}})
    assert created.status_code == 201, created.json
    post_id = created.json["id"]

    @PROPERTY
    @given(edits=st.lists(FIELD_EDITS, min_size=1, max_size=4))
    def edit(edits):
        for body in edits:
            version = editor.get(f"/api/posts/{post_id}").json["version"]
            answer = editor.patch(f"/api/posts/{post_id}", json={"version": version, **body})
            _assert_not_a_server_error(answer)

    edit()


def test_arbitrary_geojson_territories_never_answer_a_server_error(world):
    desk = world["desk"]

    @PROPERTY
    @given(geometry=GEOMETRY, depth=st.integers(0, 300))
    def create(geometry, depth):
        for _ in range(depth % 3 and depth):  # some shapes deeply nested inside a list
            geometry = {**geometry, "coordinates": [geometry["coordinates"]]}
        answer = desk.post("/api/territories", json={"name": "Forme", "geometry": geometry})
        _assert_not_a_server_error(answer)

    create()


def test_positions_with_altitude_or_measure_are_accepted_in_two_dimensions(world):
    ring = [[4.1, 45.1], [4.2, 45.1], [4.2, 45.2], [4.1, 45.1]]
    for extra, name in (([300.0], "Z"), ([300.0, 7.0], "ZM")):
        geometry = {"type": "Polygon", "coordinates": [[[*p, *extra] for p in ring]]}
        answer = world["desk"].post("/api/territories", json={"name": name,
                                                              "geometry": geometry})
        assert answer.status_code == 201, answer.json
        assert answer.json["geometry"]["coordinates"][0][0][0] == [4.1, 45.1]


def test_a_body_nested_too_deeply_is_a_422_naming_the_limit(world):
    body = '{"name": "Deep", "geometry": ' + "[" * 40 + "]" * 40 + "}"
    answer = world["desk"].post("/api/territories", data=body,
                                headers={"Content-Type": "application/json"})
    assert answer.status_code == 422
    assert answer.json["code"] == "request.too_deep"
