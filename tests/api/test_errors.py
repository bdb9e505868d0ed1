import logging
import re
from typing import Any

import pytest

from regions.models import Role


def test_malformed_json_is_422_not_500(make_user):
    admin = make_user(Role.ADMIN)
    response = admin.post(
        "/api/users", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json["code"] == "request.malformed_json"


def test_wrong_types_give_field_errors(make_user):
    admin = make_user(Role.ADMIN)
    response = admin.post(
        "/api/users", json={"email": 12, "display_name": ["x"], "role": "emperor"}
    )
    assert response.status_code == 422
    fields = response.json["errors"]["json"]
    assert {"email", "display_name", "role"} <= set(fields)


def test_unknown_fields_are_refused_by_name(make_user):
    admin = make_user(Role.ADMIN)
    response = admin.post(
        "/api/users",
        json={"email": "a@b.test", "display_name": "A", "role": "viewer", "is_admin": True},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert response.json["errors"]["json"] == {"is_admin": ["Unknown field."]}


def test_field_messages_follow_accept_language(make_user):
    admin = make_user(Role.ADMIN)
    body = {"email": "a@b.test", "display_name": "A" * 500, "role": "emperor", "is_admin": 1}
    french = admin.post("/api/users", json=body, headers={"Accept-Language": "fr"}).json
    english = admin.post("/api/users", json=body, headers={"Accept-Language": "en"}).json
    assert french["errors"]["json"] == {
        "is_admin": ["Champ inconnu."],
        "display_name": ["La longueur doit être comprise entre 1 et 120."],
        "role": ["Doit être l’une de ces valeurs\u00a0: admin, central_editor, regional_editor, "
                 "contributor, viewer, ambassador."],
    }
    assert english["errors"]["json"]["display_name"] == ["Length must be between 1 and 120."]


def test_unknown_query_parameter_is_refused(make_user):
    admin = make_user(Role.ADMIN)
    response = admin.get("/api/users?colour=blue")
    assert response.status_code == 422
    assert "colour" in response.json["errors"]["query"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Authentication required"), ("fr", "Authentification requise"),
     ("de, en;q=0.5", "Authentication required")],
)
def test_messages_follow_accept_language(client, language, expected):
    response = client.get("/api/me", headers={"Accept-Language": language})
    assert response.json["message"].startswith(expected)


def test_unknown_route_uses_the_error_shape(client):
    response = client.get("/api/nothing-here", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.json["code"] == "route.not_found"
    assert response.json["request_id"] == response.headers["X-Request-ID"]


def test_wrong_method_is_405_in_the_error_shape(client):
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.json["code"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/healthz", "/api/posts"])
def test_wrong_method_names_the_allowed_ones(client, path):
    response = client.open(path, method="TRACE")
    assert response.status_code == 405
    assert {"GET"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_the_spec_documents_the_error_shape_the_api_answers(client):
    schema = client.get("/api/openapi.json").json["components"]["schemas"]["Error"]
    answered = client.get("/api/nothing-here").json
    assert set(schema["properties"]) == set(answered) == set(schema["required"])
    assert schema["properties"]["code"]["type"] == "string"
    assert schema["properties"]["status"]["type"] == "integer"


def test_a_bug_is_a_logged_500_with_request_id_and_no_secret(fresh_app, caplog):
    client = fresh_app.test_client()

    @fresh_app.get("/api/boom")
    def boom():
        raise RuntimeError("kaboom")

    with caplog.at_level(logging.ERROR, logger="relais.errors"):
        response = client.get(
            "/api/boom",
            headers={"Authorization": "Bearer rls_supersecret", "X-Request-ID": "abc123"},
        )
    assert response.status_code == 500
    assert response.json["code"] == "server.error"
    assert response.json["request_id"] == "abc123"
    assert "abc123" in caplog.text
    assert "rls_supersecret" not in caplog.text
    assert "kaboom" not in response.get_data(as_text=True)


def test_duplicate_email_is_409(make_user):
    admin = make_user(Role.ADMIN)
    body = {"email": "dup@example.test", "display_name": "D", "role": "viewer"}
    assert admin.post("/api/users", json=body).status_code == 201
    response = admin.post("/api/users", json=body, headers={"Accept-Language": "en"})
    assert response.status_code == 409
    assert response.json["errors"] == {"email": ["Already taken."]}


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml",
                                          "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_415(make_user, content_type):
    admin = make_user(Role.ADMIN)
    response = admin.post("/api/users", data="email=a@b.test",
                          headers={"Content-Type": content_type})
    assert response.status_code == 415
    assert response.json["code"] == "request.unsupported_media_type"


def test_the_last_active_admin_cannot_demote_or_disable_themselves(make_user, uow):
    from regions.models import User

    admin = make_user(Role.ADMIN)
    with uow() as unit:  # other admins from earlier builders must not count
        for other in unit.session.query(User).filter(User.role == Role.ADMIN,
                                                     User.id != admin.id):
            other.is_active = False
        unit.commit()
    for change in ({"is_active": False}, {"role": "viewer"}):
        response = admin.patch(f"/api/users/{admin.id}", json=change)
        assert response.status_code == 409
        assert response.json["code"] == "user.last_admin"
    second = make_user(Role.ADMIN)
    assert admin.patch(f"/api/users/{second.id}", json={"is_active": False}).status_code == 200
    assert admin.patch(f"/api/users/{admin.id}", json={"role": "viewer"}).status_code == 409
    assert admin.patch(f"/api/users/{second.id}", json={"is_active": True}).status_code == 200
    assert admin.patch(f"/api/users/{admin.id}", json={"role": "viewer"}).status_code == 200


def test_a_lost_race_on_a_versioned_row_is_a_409(fresh_app):
    from sqlalchemy.orm.exc import StaleDataError

    client = fresh_app.test_client()

    @fresh_app.get("/api/race")
    def race():
        raise StaleDataError("UPDATE statement on table 'territories' expected to update 1 row")

    response = client.get("/api/race", headers={"Accept-Language": "en"})
    assert response.status_code == 409
    assert response.json["code"] == "conflict.stale"


def test_user_search_treats_wildcards_as_text(make_user):
    admin = make_user(Role.ADMIN)
    make_user(Role.VIEWER, email="plain@example.test")
    assert admin.get("/api/users?q=%25").json == []
    assert admin.get("/api/users?q=_").json == []


@pytest.mark.parametrize(("language", "title"), [("fr", "Page introuvable"),
                                                 ("en", "Page not found")])
def test_an_unknown_page_address_is_an_html_page_in_the_readers_language(client, language, title):
    response = client.get("/no/such/page", headers={"Accept-Language": language})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert f"<h1>{title}</h1>" in response.get_data(as_text=True)
    assert client.get("/api/no/such").json["code"] == "route.not_found"


def _writes(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(method, path with its parameters filled) of every POST, PUT and PATCH of the spec."""
    found = []
    for path, operations in spec["paths"].items():
        for method in operations:
            if method not in ("post", "put", "patch"):
                continue
            # ids are integers; other parameters (template keys, tokens) words
            filled = re.sub(r"\{(\w+)\}", lambda m: "1" if m[1].endswith("id") else "some-key",
                            path)
            found.append((method.upper(), filled))
    return found


def test_every_write_refuses_malformed_json_even_one_that_takes_no_body(make_user, client):
    admin = make_user(Role.ADMIN)
    writes = _writes(client.get("/api/openapi.json").json)
    assert ("POST", "/api/campaigns/1/withdraw") in writes and len(writes) > 30
    answered = {(method, path): admin.request(method, path, data="{not json",
                                             headers={"Content-Type": "application/json"})
                for method, path in writes}
    wrong = {call: (r.status_code, (r.json or {}).get("code")) for call, r in answered.items()
             if (r.status_code, (r.json or {}).get("code")) != (422, "request.malformed_json")}
    assert wrong == {}


@pytest.mark.parametrize("path", ["/api/campaigns/1/withdraw", "/api/kits/1/withdraw",
                                  "/api/templates/portes-ouvertes/archive",
                                  "/api/posts/1/retry"])
def test_an_action_that_takes_no_body_refuses_unknown_fields(make_user, path):
    desk = make_user(Role.CENTRAL_EDITOR)
    response = desk.post(path, json={"confirm": True},
                         headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.json["code"] == "request.invalid"
    assert response.json["errors"] == {"json": {"confirm": ["Unknown field."]}}
