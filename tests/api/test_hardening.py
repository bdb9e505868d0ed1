"""Authentication comes before validation; every answer carries the security headers."""

from __future__ import annotations

import pytest

from regions.models import Role


@pytest.mark.parametrize(("method", "path", "kwargs"), [
    ("POST", "/api/posts", {"json": {"territory_id": "x", "text": 5}}),
    ("POST", "/api/posts", {"data": "not json", "headers": {"Content-Type": "text/plain"}}),
    ("POST", "/api/territories", {"data": "{", "headers": {"Content-Type": "application/json"}}),
    ("GET", "/api/posts?limit=0&unknown=1", {}),
    ("PATCH", "/api/posts/1", {"json": {}}),
])
def test_an_anonymous_caller_gets_401_never_field_details(client, method, path, kwargs):
    answer = client.open(path, method=method, **kwargs)
    assert answer.status_code == 401, answer.json
    assert answer.json["code"] == "auth.required" and answer.json["errors"] == {}


def test_a_bad_token_gets_401_before_validation(client):
    answer = client.post("/api/posts", json={"territory_id": "x"},
                         headers={"Authorization": "Bearer rls_wrong"})
    assert answer.status_code == 401 and answer.json["errors"] == {}


def test_an_authenticated_caller_still_gets_the_field_details(make_user):
    desk = make_user(Role.CENTRAL_EDITOR)
    answer = desk.post("/api/posts", json={"territory_id": "x"})
    assert answer.status_code == 422 and "territory_id" in answer.json["errors"]["json"]


@pytest.mark.parametrize("path", ["/login", "/api/docs", "/api/openapi.json", "/healthz",
                                  "/api/nowhere"])
def test_every_answer_is_never_framed_nor_sniffed(client, path):
    answer = client.get(path)
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/login", "/api/docs"])
def test_pages_allow_only_the_apps_own_scripts(client, path):
    policy = client.get(path).headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]


def test_the_audit_trails_csv_answer_is_in_the_spec(client):
    answer = client.get("/api/openapi.json").json["paths"]["/api/posts/{post_id}/audit"]["get"]
    content = answer["responses"]["200"]["content"]
    assert set(content) == {"application/json", "text/csv"}
    assert content["application/json"]["schema"]["items"] == {
        "$ref": "#/components/schemas/AuditEvent"}
