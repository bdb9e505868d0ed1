"""Input the database cannot hold is refused over HTTP with a 4xx, never reaches it as a 500.

Found by fuzzing the OpenAPI spec: ids beyond PostgreSQL's ``integer`` and NUL characters
(which PostgreSQL text and JSONB refuse) used to fail in the database as 500s.
"""

from __future__ import annotations

import pytest

from regions.models import Role

TOO_BIG = 2**31  # one more than PostgreSQL's largest integer
LARGEST = 2**31 - 1


@pytest.fixture()
def admin(make_user):
    return make_user(Role.ADMIN)


@pytest.fixture()
def template(admin):
    response = admin.post("/api/templates", json={"key": "limits", "name": "Limits",
                                                  "network": "facebook", "language": "fr",
                                                  "body": "Bonjour", "slots": [], "rules": []})
    assert response.status_code == 201, response.json
    return "limits"


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/posts/{id}"),
    ("GET", "/api/posts/{id}/comments"),
    ("POST", "/api/posts/{id}/submit"),
    ("GET", "/api/users/{id}"),
    ("GET", "/api/users/{id}/tokens"),
    ("DELETE", "/api/tokens/{id}"),
    ("GET", "/api/territories/{id}"),
    ("GET", "/api/territories/{id}/members"),
    ("DELETE", "/api/territories/1/members/{id}"),
    ("GET", "/api/territories/{id}/page"),
    ("GET", "/api/campaigns/{id}"),
    ("GET", "/api/campaigns/{id}/dashboard"),
    ("GET", "/api/charter/versions/{id}"),
    ("DELETE", "/api/webhooks/{id}"),
    ("GET", "/api/webhooks/{id}/deliveries"),
    ("GET", "/api/templates/limits/versions/{id}"),
])
def test_a_path_id_beyond_postgresql_integer_is_404_not_a_server_error(admin, template, method,
                                                                        path):
    response = admin.request(method, path.format(id=TOO_BIG), json={"version": 1})
    assert response.status_code == 404, response.json
    assert response.json["code"] == "route.not_found"


def test_the_largest_postgresql_integer_is_still_a_valid_path_id(admin):
    response = admin.get(f"/api/posts/{LARGEST}")
    assert response.status_code == 404
    assert response.json["code"] != "route.not_found"


@pytest.mark.parametrize(("path", "field"), [
    ("/api/posts?territory_id={id}", "territory_id"),
    ("/api/posts?campaign_id={id}", "campaign_id"),
    ("/api/posts?author_id={id}", "author_id"),
    ("/api/review-queue?territory_id={id}", "territory_id"),
    ("/api/territories?parent_id={id}", "parent_id"),
    ("/api/map/activity?parent_id={id}", "parent_id"),
])
def test_a_query_id_beyond_postgresql_integer_is_422_naming_the_field(admin, path, field):
    response = admin.get(path.format(id=TOO_BIG))
    assert response.status_code == 422, response.json
    assert list(response.json["errors"]["query"]) == [field]


@pytest.mark.parametrize(("path", "body", "error"), [
    ("/api/posts", {"territory_id": TOO_BIG, "template": "limits", "text": "x"},
     {"territory_id": ["Must be greater than or equal to 1 and less than or equal to "
                       f"{LARGEST}."]}),
    ("/api/territories", {"name": "Child", "parent_id": TOO_BIG}, {"parent_id": [
        f"Must be greater than or equal to 1 and less than or equal to {LARGEST}."]}),
    ("/api/territories/1/members", {"user_id": TOO_BIG}, {"user_id": [
        f"Must be greater than or equal to 1 and less than or equal to {LARGEST}."]}),
    ("/api/users", {"email": "big@example.test", "display_name": "Big", "role": "viewer",
                    "territory_ids": [1, TOO_BIG]}, {"territory_ids": {"1": [
                        f"Must be greater than or equal to 1 and less than or equal to "
                        f"{LARGEST}."]}}),
    ("/api/templates/limits/validate", {"text": "x", "territory_id": TOO_BIG}, {
        "territory_id": [f"Must be greater than or equal to 1 and less than or equal to "
                         f"{LARGEST}."]}),
])
def test_a_body_id_beyond_postgresql_integer_is_422_naming_the_field(admin, template, path,
                                                                     body, error):
    response = admin.post(path, json=body, headers={"Accept-Language": "en"})
    assert response.status_code == 422, response.json
    assert response.json["errors"] == {"json": error}


NUL = "Must not contain NUL (\\u0000) characters."


@pytest.mark.parametrize(("path", "where"), [
    ("/api/posts?q=a%00b", {"query": {"q": [NUL]}}),
    ("/api/users?q=%00", {"query": {"q": [NUL]}}),
    ("/api/gazetteer?q=Lyon%00", {"query": {"q": [NUL]}}),
])
def test_a_nul_character_in_the_query_is_422_naming_the_field(admin, path, where):
    response = admin.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 422, response.json
    assert response.json["errors"] == where


@pytest.mark.parametrize(("path", "body", "where"), [
    ("/api/territories", {"name": "Ly\x00on"}, {"name": [NUL]}),
    ("/api/users", {"email": "nul@example.test", "display_name": "x\x00", "role": "viewer"},
     {"display_name": [NUL]}),
    ("/api/templates", {"key": "nul", "name": "N\x00", "network": "facebook",
                        "language": "fr", "body": "x", "slots": [], "rules": []},
     {"name": [NUL]}),
    ("/api/templates/limits/validate", {"text": "x", "slot_values": {"ci\x00ty": "Lyon"}},
     {"slot_values": {"ci\x00ty": [NUL]}}),
    ("/api/templates/limits/validate", {"text": "x", "territory_codes": ["69", "6\x009"]},
     {"territory_codes": {"1": [NUL]}}),
    ("/api/webhooks", {"url": "https://example.test/\x00", "events": ["post.published"]},
     {"url": [NUL]}),
])
def test_a_nul_character_anywhere_in_a_body_is_422_with_its_path(admin, template, path, body,
                                                                 where):
    response = admin.post(path, json=body, headers={"Accept-Language": "en"})
    assert response.status_code == 422, response.json
    assert response.json["code"] == "request.invalid"
    assert response.json["errors"] == {"json": where}


@pytest.mark.parametrize("key", ["a%00b", "UPPER", "-dash-first", "a" * 81])
def test_a_template_key_that_cannot_exist_matches_no_route(admin, key):
    response = admin.get(f"/api/templates/{key}")
    assert response.status_code == 404, response.json
    assert response.json["code"] == "route.not_found"


def test_the_spec_documents_the_bounds_of_path_parameters(client):
    paths = client.get("/api/openapi.json").json["paths"]
    post_id = paths["/api/posts/{post_id}"]["parameters"][0]["schema"]
    assert post_id == {"type": "integer", "minimum": 0, "maximum": LARGEST}
    key = paths["/api/templates/{key}"]["parameters"][0]["schema"]
    assert key["pattern"] == "^[a-z0-9][a-z0-9-]{0,79}$"
    territory_id = paths["/api/posts"]["get"]["parameters"][0]["schema"]
    assert territory_id["maximum"] == LARGEST


def test_a_page_number_beyond_postgresql_integer_is_422_not_a_server_error(admin):
    response = admin.get("/api/users?page=99999999999999999999999")
    assert response.status_code == 422, response.json
    assert list(response.json["errors"]["query"]) == ["page"]
    assert admin.get(f"/api/users?page={LARGEST}").json == []


def test_the_spec_documents_the_page_bound(client):
    parameters = client.get("/api/openapi.json").json["paths"]["/api/users"]["get"]["parameters"]
    page = next(p for p in parameters if p["name"] == "page")["schema"]
    assert (page["minimum"], page["maximum"]) == (1, LARGEST)
