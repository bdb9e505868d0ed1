"""Sessions end at logout: a cookie captured before logout, a password change, disabling or
"sign out everywhere" is refused on every route afterwards — pages and API, reads and writes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from regions.models import Role, User, WebSession
from tests.builders import WEB_PASSWORD, WebUser

NEW_PASSWORD = "another-strong-password-9"
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')



def _replay(app: Any, cookie: str) -> Any:
    """Another browser, holding a copy of the captured session cookie (and nothing else)."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def _requests(person: WebUser, csrf: str, territory: int) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, keyword arguments) of requests a signed-in person makes, reads and writes.

    Writes carry the CSRF token captured with the cookie: only the ended session may stop them.
    """
    me = person.user.id
    api = {"X-CSRFToken": csrf}
    return [
        ("GET", "/account", {}),
        ("GET", "/posts", {}),
        ("GET", "/campaigns", {}),
        ("GET", "/map", {}),
        ("GET", "/admin/users", {}),
        ("GET", "/admin/settings", {}),
        ("GET", "/api/me", {}),
        ("GET", f"/api/users/{me}", {}),
        ("GET", f"/api/users/{me}/tokens", {}),
        ("GET", "/api/territories", {}),
        ("GET", "/api/posts", {}),
        ("GET", "/api/settings", {}),
        ("GET", "/ogc/collections", {}),
        ("POST", "/account/language", {"data": {"csrf_token": csrf, "language": "en"}}),
        ("POST", "/account/tokens", {"data": {"csrf_token": csrf, "name": "stolen",
                                              "expires_in_days": "5"}}),
        ("POST", "/admin/settings", {"data": {"csrf_token": csrf, "token_max_days": "30",
                                              "allow_self_approval": "1"}}),
        ("POST", f"/api/users/{me}/tokens", {"json": {"name": "stolen", "expires_in_days": 3},
                                             "headers": api}),
        ("PATCH", "/api/settings", {"json": {"allow_self_approval": True}, "headers": api}),
        ("POST", "/api/users", {"json": {"email": f"new-{me}@example.test",
                                         "display_name": "N", "role": "viewer"},
                                "headers": api}),
        ("PATCH", f"/api/territories/{territory}", {"json": {"version": 1, "name": "Taken"},
                                                    "headers": api}),
        ("PATCH", f"/api/users/{me}", {"json": {"display_name": "Taken over"},
                                       "headers": api}),
    ]


def _is_refused(path: str, response: Any) -> bool:
    """Pages send the visitor to the login page; the API answers 401 in the error shape."""
    if path.startswith(("/api/", "/ogc/")):
        return response.status_code == 401 and response.json["code"] == "auth.required"
    return response.status_code == 302 and response.location.startswith("/login")


def _logout(app: Any, person: WebUser, admin: WebUser) -> None:
    assert person.post("/logout").status_code == 303


def _change_own_password(app: Any, person: WebUser, admin: WebUser) -> None:
    # From another browser: the thief's copy is of the session that stays open otherwise.
    other = _browser(app, person.user.email)
    answer = other.post("/account/password", data={
        "csrf_token": _page_csrf(other), "current_password": WEB_PASSWORD,
        "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD})
    assert answer.status_code == 303


def _admin_resets_password(app: Any, person: WebUser, admin: WebUser) -> None:
    answer = admin.api("PATCH", f"/api/users/{person.user.id}",
                       json={"password": NEW_PASSWORD})
    assert answer.status_code == 200


def _admin_disables(app: Any, person: WebUser, admin: WebUser) -> None:
    answer = admin.post(f"/admin/users/{person.user.id}/active", data={"active": "0"})
    assert answer.status_code == 303


def _admin_signs_out_on_the_page(app: Any, person: WebUser, admin: WebUser) -> None:
    answer = admin.post(f"/admin/users/{person.user.id}/sign-out")
    assert answer.status_code == 303


def _admin_signs_out_by_api(app: Any, person: WebUser, admin: WebUser) -> None:
    answer = admin.user.post(f"/api/users/{person.user.id}/sign-out-everywhere", json={})
    assert answer.status_code == 200 and answer.json["sessions_ended"] >= 1


def _signs_self_out_by_api(app: Any, person: WebUser, admin: WebUser) -> None:
    answer = person.user.post(f"/api/users/{person.user.id}/sign-out-everywhere",
                              json={"revoke_tokens": False})
    assert answer.status_code == 200 and answer.json["sessions_ended"] >= 1


ENDINGS: dict[str, Callable[[Any, WebUser, WebUser], None]] = {
    "logout": _logout,
    "own password change": _change_own_password,
    "admin resets the password": _admin_resets_password,
    "admin disables the account": _admin_disables,
    "admin signs out everywhere (page)": _admin_signs_out_on_the_page,
    "admin signs out everywhere (API)": _admin_signs_out_by_api,
    "signs self out everywhere (API)": _signs_self_out_by_api,
}


def _page_csrf(client: Any) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"',
                      client.get("/account").get_data(as_text=True))
    assert found is not None
    return found.group(1)


def _browser(app: Any, email: str, password: str = WEB_PASSWORD) -> Any:
    client = app.test_client()
    token = _CSRF_FIELD.search(client.get("/login").get_data(as_text=True))
    assert token is not None
    answer = client.post("/login", data={"email": email, "password": password,
                                         "csrf_token": token.group(1)})
    assert answer.status_code == 303, answer.status_code
    return client


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CONTRIBUTOR])
@pytest.mark.parametrize("ending", ENDINGS, ids=str)
def test_a_cookie_captured_before_the_session_ends_opens_nothing_after(
        ending, role, app, sign_in, make_territory, uow):
    territory = make_territory()
    admin = sign_in(Role.ADMIN)
    person = sign_in(role, territory_ids=[territory])
    cookie = person.client.get_cookie("session").value
    requests = _requests(person, person.csrf_token, territory)
    # The copy works while the session lives (so a refusal below is the session's end).
    thief = _replay(app, cookie)
    for method, path, kwargs in requests:
        answer = thief.open(path, method=method, **kwargs)
        assert not _is_refused(path, answer), (method, path, answer.status_code)
    ENDINGS[ending](app, person, admin)
    thief = _replay(app, cookie)
    for method, path, kwargs in requests:
        answer = thief.open(path, method=method, **kwargs)
        assert _is_refused(path, answer), (method, path, answer.status_code)
    # The person's own browser is signed out too.
    assert person.api("GET", "/api/me").status_code == 401
    with uow() as unit:
        renamed = unit.session.scalar(select(func.count()).select_from(User).where(
            User.display_name == "Taken over"))
    # The control run's write only (admins may rename), none after the end.
    assert renamed == (1 if role == Role.ADMIN else 0)


def test_logout_ends_only_this_browser(app, sign_in):
    person = sign_in(Role.VIEWER)
    laptop = _browser(app, person.user.email)
    assert person.post("/logout").status_code == 303
    assert person.api("GET", "/api/me").status_code == 401
    assert laptop.get("/api/me").status_code == 200
    assert person.user.get("/api/me").status_code == 200  # tokens are not sessions


def test_signing_in_again_in_the_same_browser_ends_its_previous_session(app, sign_in):
    person = sign_in(Role.VIEWER)
    before = person.client.get_cookie("session").value
    form = _CSRF_FIELD.search(person.client.get("/login?next=/account").get_data(as_text=True))
    # A signed-in person is sent on from the login page; post the form as a stale tab would.
    token = form.group(1) if form else person.csrf_token
    again = person.client.post("/login", data={"email": person.user.email,
                                               "password": WEB_PASSWORD, "csrf_token": token})
    assert again.status_code == 303
    assert person.client.get_cookie("session").value != before
    assert person.client.get("/api/me").status_code == 200
    assert _replay(app, before).get("/api/me").status_code == 401


def test_own_password_change_keeps_this_session_and_revokes_tokens(app, sign_in):
    person = sign_in(Role.VIEWER)
    laptop = _browser(app, person.user.email)
    answer = person.post("/account/password", data={
        "current_password": WEB_PASSWORD, "new_password": NEW_PASSWORD,
        "new_password_again": NEW_PASSWORD})
    assert answer.status_code == 303
    assert person.api("GET", "/api/me").status_code == 200
    assert laptop.get("/api/me").status_code == 401
    refused = person.user.get("/api/me")
    assert refused.status_code == 401 and refused.json["code"] == "auth.invalid_credentials"
    tokens = person.api("GET", f"/api/users/{person.user.id}/tokens").json
    assert tokens and all(t["revoked_at"] is not None for t in tokens)
    trail = person.get("/account").get_data(as_text=True)
    assert "votre jeton d’API est révoqué" in trail  # one token: no plural


def test_admin_sign_out_can_also_revoke_tokens_and_is_audited(app, sign_in, uow):
    admin = sign_in(Role.ADMIN)
    person = sign_in(Role.CENTRAL_EDITOR)
    answer = admin.user.post(f"/api/users/{person.user.id}/sign-out-everywhere",
                             json={"revoke_tokens": True})
    assert answer.status_code == 200
    assert answer.json == {"sessions_ended": 1, "tokens_revoked": 1}
    assert person.user.get("/api/me").status_code == 401
    assert person.api("GET", "/api/me").status_code == 401
    again = admin.user.post(f"/api/users/{person.user.id}/sign-out-everywhere", json={})
    assert again.json == {"sessions_ended": 0, "tokens_revoked": 0}
    with uow() as unit:
        from regions.models import AuditEvent

        events = unit.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "user.signed_out_everywhere",
            AuditEvent.subject_id == person.user.id)).all()
    assert [e.actor_id for e in events] == [admin.user.id, admin.user.id]
    assert events[0].data == {"sessions_ended": 1, "tokens_revoked": 1}


def test_the_admin_page_offers_sign_out_everywhere_in_both_languages(sign_in):
    admin = sign_in(Role.ADMIN)
    person = sign_in(Role.VIEWER)
    html = admin.get(f"/admin/users/{person.user.id}").get_data(as_text=True)
    assert "Déconnecter partout" in html and f"/admin/users/{person.user.id}/sign-out" in html
    done = admin.post(f"/admin/users/{person.user.id}/sign-out", follow_redirects=True)
    assert "Déconnexion partout\u00a0: 1 session fermée." in done.get_data(as_text=True)
    assert admin.post("/account/language", data={"language": "en"}).status_code == 303
    english = admin.get(f"/admin/users/{person.user.id}").get_data(as_text=True)
    assert "Sign out everywhere" in english and "Also revoke their API tokens" in english


def test_others_cannot_sign_someone_out(sign_in):
    person = sign_in(Role.CENTRAL_EDITOR)
    victim = sign_in(Role.VIEWER)
    answer = person.user.post(f"/api/users/{victim.user.id}/sign-out-everywhere", json={})
    assert answer.status_code == 404
    assert victim.api("GET", "/api/me").status_code == 200
    missing = person.user.post("/api/users/999999/sign-out-everywhere", json={})
    assert missing.status_code == 404


def test_sessions_are_stored_hashed_and_expire(app, sign_in, uow):
    person = sign_in(Role.VIEWER)
    cookie = person.client.get_cookie("session").value
    with uow() as unit:
        row = unit.session.scalars(select(WebSession).where(
            WebSession.user_id == person.user.id)).one()
        assert len(row.secret_hash) == 64 and row.secret_hash not in cookie
        row.expires_at = row.created_at  # as if 12 hours had passed
        unit.commit()
    refused = _replay(app, cookie).get("/api/me")
    assert refused.status_code == 401


def test_a_forged_or_foreign_session_value_is_refused(app, sign_in):
    person = sign_in(Role.VIEWER)
    with person.client.session_transaction() as stored:
        stored["sid"] = "rss_" + "A" * 43
    assert person.api("GET", "/api/me").status_code == 401
    with person.client.session_transaction() as stored:
        stored["sid"] = 12345
    assert person.client.get("/account").status_code == 302


def test_the_account_page_lists_my_browsers_and_signs_the_others_out(app, sign_in):
    person = sign_in(Role.VIEWER)
    laptop = _browser(app, person.user.email)
    page = person.get("/account").get_data(as_text=True)
    assert "Navigateurs connectés" in page and "Ce navigateur" in page
    done = person.post("/account/sessions/sign-out-others", follow_redirects=True)
    assert "1 session fermée." in done.get_data(as_text=True)  # one: no plural
    assert person.api("GET", "/api/me").status_code == 200
    assert laptop.get("/api/me").status_code == 401
    alone = person.get("/account").get_data(as_text=True)
    assert "/account/sessions/sign-out-others" not in alone  # nothing else to sign out


def test_signing_the_others_out_with_a_token_ends_every_browser(app, sign_in):
    person = sign_in(Role.VIEWER)
    answer = person.user.post("/account/sessions/sign-out-others")
    assert answer.status_code == 303
    assert person.api("GET", "/api/me").status_code == 401


def test_sign_out_everywhere_needs_no_body_and_checks_the_one_it_takes(sign_in, make_user):
    admin = make_user(Role.ADMIN)
    person = sign_in(Role.VIEWER)
    bare = admin.post(f"/api/users/{person.user.id}/sign-out-everywhere")
    assert bare.status_code == 200 and bare.json == {"sessions_ended": 1, "tokens_revoked": 0}
    for body in ({"revoke_tokens": "yes"}, {"revoke_tokens": 1}, {"other": True}):
        wrong = admin.post(f"/api/users/{person.user.id}/sign-out-everywhere", json=body)
        assert wrong.status_code == 422
        assert set(wrong.json["errors"]["json"]) == set(body), wrong.json
