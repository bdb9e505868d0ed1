"""Admin settings: the longest lifetime of API tokens (API and page), and self-approval."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from regions.models import ApiToken, AuditEvent, Role


def _expires(token: dict) -> datetime | None:
    value = token["expires_at"]
    return datetime.fromisoformat(value) if value else None


def test_defaults_are_a_year_at_most_and_no_self_approval(make_user, client):
    spec = client.get("/api/openapi.json").json["components"]["schemas"]
    assert spec["SiteSettingsArgs"]["properties"]["allow_self_approval"]["type"] == "boolean"
    admin = make_user(Role.ADMIN)
    answer = admin.get("/api/settings")
    assert answer.status_code == 200
    assert answer.json == {"token_max_days": 365, "allow_self_approval": False}


@pytest.mark.parametrize("body", [
    {"token_max_days": 0}, {"token_max_days": 3651}, {"token_max_days": "30"},
    {"token_max_days": 1.5}, {"token_max_days": True}, {"allow_self_approval": "yes"},
    {"allow_self_approval": None}, {"allow_self_approval": 1}, {"allow_self_approval": 0},
    {"unknown": 1},
])
def test_invalid_settings_are_a_422_and_change_nothing(make_user, body):
    admin = make_user(Role.ADMIN)
    answer = admin.patch("/api/settings", json=body)
    assert answer.status_code == 422, answer.json
    assert set(answer.json) >= {"code", "status", "message", "errors"}
    assert admin.get("/api/settings").json == {"token_max_days": 365,
                                               "allow_self_approval": False}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(maximum=st.one_of(st.none(), st.integers(1, 3650)),
       requested=st.one_of(st.none(), st.integers(1, 3650)))
def test_a_new_token_may_not_outlive_the_maximum(make_user, maximum, requested):
    admin = make_user(Role.ADMIN)
    assert admin.patch("/api/settings", json={"token_max_days": maximum}).status_code == 200
    before = datetime.now(UTC)
    answer = admin.post(f"/api/users/{admin.id}/tokens",
                        json={"name": "script", "expires_in_days": requested})
    fits = maximum is None or (requested is not None and requested <= maximum)
    if not fits:
        assert answer.status_code == 422
        assert answer.json["code"] == "token.lifetime_too_long"
        assert f"{maximum}" in answer.json["message"]
        return
    assert answer.status_code == 201, answer.json
    expires = _expires(answer.json)
    if requested is None:
        assert expires is None
    else:
        assert before + timedelta(days=requested) - timedelta(minutes=1) <= expires
        assert expires <= datetime.now(UTC) + timedelta(days=requested)


def test_without_a_lifetime_a_token_gets_the_default_within_the_maximum(make_user):
    admin = make_user(Role.ADMIN)
    admin.patch("/api/settings", json={"token_max_days": 30})
    made = admin.post(f"/api/users/{admin.id}/tokens", json={"name": "default"}).json
    lifetime = _expires(made) - datetime.fromisoformat(made["created_at"])
    assert timedelta(days=30) - timedelta(minutes=1) <= lifetime <= timedelta(days=30, minutes=1)


def test_the_refusal_speaks_french_and_english(make_user):
    admin = make_user(Role.ADMIN)
    admin.patch("/api/settings", json={"token_max_days": 7})
    french = admin.post(f"/api/users/{admin.id}/tokens",
                        json={"name": "x", "expires_in_days": 8})
    assert french.json["message"].startswith("Un jeton d’API vit au plus 7\u00a0jours")
    assert french.json["errors"] == {"expires_in_days": ["Au plus 7\u00a0jours."]}
    english = admin.post(f"/api/users/{admin.id}/tokens", json={"name": "x"} | {
        "expires_in_days": None}, headers={"Accept-Language": "en"})
    assert english.json["message"] == ("API tokens may live at most 7 days (an admin "
                                       "setting): ask for fewer days.")


def test_lowering_the_maximum_shortens_live_tokens_and_can_expire_them(make_user, uow):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.VIEWER)
    admin.patch("/api/settings", json={"token_max_days": None})
    forever = person.post(f"/api/users/{person.id}/tokens",
                          json={"name": "forever", "expires_in_days": None}).json
    assert forever["expires_at"] is None
    with uow() as unit:  # the builder's own token is 20 days old
        unit.session.execute(update(ApiToken).where(ApiToken.user_id == person.id,
                                                    ApiToken.name == "test")
                             .values(created_at=ApiToken.created_at - timedelta(days=20),
                                     expires_at=None))
        unit.commit()
    assert person.get("/api/me").status_code == 200
    changed = admin.patch("/api/settings", json={"token_max_days": 10})
    assert changed.json == {"token_max_days": 10, "allow_self_approval": False}
    expired = person.get("/api/me")
    assert expired.status_code == 401 and expired.json["code"] == "auth.invalid_credentials"
    shortened = next(t for t in admin.get(f"/api/users/{person.id}/tokens").json
                     if t["name"] == "forever")
    lifetime = _expires(shortened) - datetime.fromisoformat(shortened["created_at"])
    assert lifetime == timedelta(days=10)
    with uow() as unit:
        event = unit.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "settings.updated").order_by(AuditEvent.id.desc())).first()
    assert event.actor_id == admin.id
    assert event.data["token_max_days"] == [None, 10] and event.data["tokens_shortened"] >= 2


def test_the_settings_page_saves_and_checks_in_both_languages(sign_in, make_user):
    admin = sign_in(Role.ADMIN)
    page = admin.get("/admin/settings").get_data(as_text=True)
    assert "Durée de vie maximale, en jours" in page and 'value="365"' in page
    refused = admin.post("/admin/settings", data={"token_max_days": "0"})
    assert refused.status_code == 422
    assert "Un nombre de jours de 1 à 3650." in refused.get_data(as_text=True)
    assert admin.api("GET", "/api/settings").json["token_max_days"] == 365
    saved = admin.post("/admin/settings", data={"token_max_days": "45",
                                                "allow_self_approval": "1"})
    assert saved.status_code == 303
    assert admin.api("GET", "/api/settings").json == {"token_max_days": 45,
                                                      "allow_self_approval": True}
    never = admin.post("/admin/settings", data={"token_max_days": "", "tokens_never_expire": "1"})
    assert never.status_code == 303
    assert admin.api("GET", "/api/settings").json == {"token_max_days": None,
                                                      "allow_self_approval": False}
    admin.post("/account/language", data={"language": "en"})
    english = admin.get("/admin/settings").get_data(as_text=True)
    assert "Longest lifetime, in days" in english and "No maximum" in english


def test_the_account_page_token_form_follows_the_maximum(sign_in, make_user):
    admin = make_user(Role.ADMIN)
    admin.patch("/api/settings", json={"token_max_days": 20})
    person = sign_in(Role.VIEWER)
    page = person.get("/account").get_data(as_text=True)
    assert 'max="20"' in page and 'value="20"' in page  # default 90 capped to 20
    refused = person.post("/account/tokens", data={"name": "long", "expires_in_days": "21"})
    assert refused.status_code == 422
    assert "Au plus 20\u00a0jours" in refused.get_data(as_text=True)
    assert person.post("/account/tokens", data={"name": "ok",
                                                "expires_in_days": "20"}).status_code == 200
