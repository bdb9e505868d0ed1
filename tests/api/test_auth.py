from datetime import timedelta

import pytest

from regions import accounts
from regions.models import ApiToken, Role


def test_me_with_a_valid_token_shows_the_caller(make_user):
    user = make_user(Role.REGIONAL_EDITOR)
    response = user.get("/api/me")
    assert response.status_code == 200
    assert response.json["email"] == user.email
    assert response.json["role"] == "regional_editor"


@pytest.mark.parametrize(
    "header",
    ["Bearer rls_not-a-real-token", "Bearer something-else", "Basic dXNlcjpwYXNz", "Bearer "],
)
def test_wrong_token_is_401_with_the_error_shape(client, header):
    response = client.get("/api/me", headers={"Authorization": header})
    assert response.status_code == 401
    body = response.json
    assert set(body) == {"code", "status", "message", "errors", "request_id"}
    assert body["status"] == 401
    assert body["code"] in {"auth.invalid_credentials", "auth.required"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_missing_token_is_401_auth_required(client):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json["code"] == "auth.required"


def test_expired_token_is_401(make_user, uow):
    user = make_user(Role.VIEWER)
    with uow() as unit:
        token = unit.session.query(ApiToken).filter_by(user_id=user.id).one()
        token.expires_at = accounts.utcnow() - timedelta(seconds=1)
        unit.commit()
    assert user.get("/api/me").status_code == 401


def test_revoked_token_is_401_at_once(make_user):
    user = make_user(Role.VIEWER)
    tokens = user.get(f"/api/users/{user.id}/tokens").json
    assert user.delete(f"/api/tokens/{tokens[0]['id']}").status_code == 204
    response = user.get("/api/me")
    assert response.status_code == 401
    assert response.json["code"] == "auth.invalid_credentials"


def test_token_of_a_disabled_user_is_401(make_user):
    admin = make_user(Role.ADMIN)
    user = make_user(Role.CONTRIBUTOR)
    assert admin.patch(f"/api/users/{user.id}", json={"is_active": False}).status_code == 200
    assert user.get("/api/me").status_code == 401


def test_issued_token_is_shown_once_and_stored_hashed(make_user, uow):
    user = make_user(Role.VIEWER)
    response = user.post(f"/api/users/{user.id}/tokens", json={"name": "ci", "expires_in_days": 7})
    assert response.status_code == 201
    secret = response.json["token"]
    assert secret.startswith("rls_")
    listed = user.get(f"/api/users/{user.id}/tokens").json
    assert all("token" not in item for item in listed)
    with uow() as unit:
        stored = unit.session.get(ApiToken, response.json["id"])
        assert stored.token_hash == accounts.hash_token(secret)
        assert secret not in stored.token_hash
    assert user.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_another_users_token_cannot_be_revoked_and_does_not_leak(make_user):
    owner = make_user(Role.VIEWER)
    other = make_user(Role.VIEWER)
    token_id = owner.get(f"/api/users/{owner.id}/tokens").json[0]["id"]
    response = other.delete(f"/api/tokens/{token_id}")
    assert response.status_code == 404
    assert owner.get("/api/me").status_code == 200


def test_missing_role_is_403(make_user):
    editor = make_user(Role.CENTRAL_EDITOR)
    response = editor.get("/api/users")
    assert response.status_code == 403
    assert response.json["code"] == "forbidden"
    assert "admin" in response.json["message"] or response.json["message"]


def test_the_user_list_shows_each_users_territories(make_user, make_territory):
    admin = make_user(Role.ADMIN)
    first, second = make_territory(bbox=(0, 0, 1, 1)), make_territory(bbox=(2, 2, 3, 3))
    both = make_user(Role.REGIONAL_EDITOR, territory_ids=[first, second])
    none = make_user(Role.VIEWER)
    listed = {u["id"]: u["territory_ids"] for u in admin.get("/api/users?page_size=100").json}
    assert listed[both.id] == sorted([first, second])
    assert listed[none.id] == []


def test_a_route_without_territories_then_one_with_them_reads_the_actor_again(app, make_user,
                                                                              make_territory):
    from service.auth import current_actor

    lyon = make_territory("Lyon")
    user = make_user(Role.REGIONAL_EDITOR, territory_ids=[lyon])
    with app.test_request_context("/api/locate", headers=user.headers()):
        scopeless = current_actor(scope=False)
        assert (scopeless.user_id, scopeless.scope_read) == (user.id, False)
        assert current_actor(scope=False) is scopeless  # read once a request
        scoped = current_actor()
        assert scoped.scope_read and lyon in scoped.territory_ids
        assert current_actor(scope=False) is scoped  # territories already read: kept


def test_a_dry_run_for_a_territory_still_checks_the_caller_s_territories(make_user,
                                                                         make_territory, uow):
    from datetime import UTC, datetime

    from regions import standards

    desk = make_user(Role.CENTRAL_EDITOR)
    with uow() as unit:
        actor = accounts.load_actor(accounts.get_user(unit, desk.id))
        standards.create_template(unit, actor, "annonce", {
            "name": "Annonce", "network": "facebook", "language": "fr", "body": "{text}",
            "slots": [{"name": "text", "type": "text"}], "rules": []})
        standards.publish_template(unit, actor, "annonce", now=datetime.now(UTC))
        unit.commit()
    lyon, lille = make_territory("Lyon"), make_territory("Lille")
    editor = make_user(Role.REGIONAL_EDITOR, territory_ids=[lyon])
    body = {"text": "Bonjour", "slot_values": {"text": "Bonjour"}}
    assert editor.post("/api/templates/annonce/validate", json=body).status_code == 200
    mine = editor.post("/api/templates/annonce/validate", json={**body, "territory_id": lyon})
    assert mine.status_code == 200, mine.json
    other = editor.post("/api/templates/annonce/validate", json={**body, "territory_id": lille})
    assert other.status_code == 403, other.json
