"""The dry run as served: driver reads on a pooled connection, two apps on one database.

The API tests bind the app to their own transaction; here each app has its own engine and pool,
as two server processes do, and every change is committed. A token revoked, a role changed or a
template published through one app holds for the other's very next request: nothing about the
caller or the template is kept between requests.
"""

from __future__ import annotations

import pytest

from regions import accounts
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import Role, User

PROMO = {
    "name": "Promotion", "network": "facebook", "language": "fr", "body": "À {city} !",
    "slots": [{"name": "city", "type": "text"}],
    "rules": [{"id": "tag-edf", "type": "hashtags.required", "params": {"tags": ["#EDF"]}},
              {"id": "no-free", "type": "terms.forbidden", "params": {"terms": ["gratuit"]}}],
}
DRAFT = {"text": "Rendez-vous à Lyon ! C'est Gratuit.", "slot_values": {"city": "Lyon"}}
VALIDATE = "/api/templates/promo/validate"


@pytest.fixture()
def world(two_apps_db):
    """Two apps on one fresh database; bearer headers of a central editor and a contributor."""
    url, two_apps = two_apps_db
    engine = make_engine(url)
    headers = {}
    with UnitOfWork(make_session_factory(engine)) as uow:
        for name, role in (("desk", Role.CENTRAL_EDITOR), ("contributor", Role.CONTRIBUTOR)):
            user = accounts.create_user(uow, None, email=f"{name}@example.test",
                                        display_name=name, role=role)
            token = accounts.issue_token(uow, accounts.load_actor(user), user_id=user.id,
                                         name="t", expires_in_days=1).plaintext
            headers[name] = {"Authorization": f"Bearer {token}"}
        uow.commit()
    one, other = two_apps()
    assert one.post("/api/templates", json={"key": "promo", **PROMO},
                    headers=headers["desk"]).status_code == 201
    assert one.post("/api/templates/promo/publish", headers=headers["desk"]).status_code == 200
    yield one, other, headers, engine
    engine.dispose()


def test_a_revoked_token_is_refused_by_the_other_app_at_its_next_request(world):
    one, other, headers, _engine = world
    answered = other.post(VALIDATE, json=DRAFT, headers=headers["contributor"])
    assert answered.status_code == 200, answered.json
    assert {v["rule_id"] for v in answered.json["violations"]} >= {"tag-edf", "no-free"}
    [token] = _tokens(one, headers["contributor"])
    assert one.delete(f"/api/tokens/{token}", headers=headers["contributor"]).status_code == 204
    refused = other.post(VALIDATE, json=DRAFT, headers=headers["contributor"])
    assert (refused.status_code, refused.json["code"]) == (401, "auth.invalid_credentials")


def test_a_disabled_account_and_a_new_publication_hold_at_once_across_apps(world):
    one, other, headers, engine = world
    assert other.post(VALIDATE, json=DRAFT, headers=headers["contributor"]).status_code == 200
    assert one.put("/api/templates/promo", json={**PROMO, "rules": []},
                   headers=headers["desk"]).status_code == 200
    assert one.post("/api/templates/promo/publish", headers=headers["desk"]).status_code == 200
    newest = other.post(VALIDATE, json=DRAFT, headers=headers["contributor"]).json
    assert newest["template"]["version"] == 2
    assert not {v["rule_id"] for v in newest["violations"]} & {"tag-edf", "no-free"}
    with UnitOfWork(make_session_factory(engine)) as uow:
        uow.session.query(User).filter_by(email="contributor@example.test").update(
            {"is_active": False})
        uow.commit()
    refused = other.post(VALIDATE, json=DRAFT, headers=headers["contributor"])
    assert (refused.status_code, refused.json["code"]) == (401, "auth.invalid_credentials")


def test_unknown_template_anonymous_caller_and_bad_body_keep_their_answers(world):
    _one, other, headers, _engine = world
    missing = other.post("/api/templates/nothing/validate", json=DRAFT,
                         headers=headers["contributor"])
    assert (missing.status_code, missing.json["code"]) == (404, "not_found")
    assert other.post(VALIDATE, json=DRAFT).status_code == 401
    assert other.post(VALIDATE, json={"text": 3}).status_code == 401  # 401 before the fields
    invalid = other.post(VALIDATE, json={"text": 3},
                         headers={**headers["contributor"], "Accept-Language": "en"})
    assert (invalid.status_code, invalid.json["code"]) == (422, "request.invalid")
    assert invalid.json["errors"] == {"json": {"text": ["Not a valid string."]}}


def test_the_connection_goes_back_to_the_pool_out_of_autocommit(world):
    _one, other, headers, _engine = world
    for _ in range(3):
        assert other.post(VALIDATE, json=DRAFT, headers=headers["contributor"]).status_code == 200
    state = other.application.extensions["relais"]
    with state.engine.connect() as conn:  # the pool's connection, as the ORM gets it
        assert conn.connection.driver_connection.autocommit is False


def _tokens(client, headers):
    me = client.get("/api/me", headers=headers).json
    return [t["id"] for t in client.get(f"/api/users/{me['id']}/tokens", headers=headers).json]


def test_a_connection_lost_with_the_server_is_a_503_then_renewed(world):
    _one, other, headers, engine = world
    assert other.post(VALIDATE, json=DRAFT, headers=headers["contributor"]).status_code == 200
    with engine.connect() as conn:  # what a database restart does to the pool's connections
        conn.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    lost = other.post(VALIDATE, json=DRAFT, headers=headers["contributor"])
    assert (lost.status_code, lost.json["code"]) == (503, "database.unavailable")
    assert other.post(VALIDATE, json=DRAFT, headers=headers["contributor"]).status_code == 200
