"""My account page: language, password (other sessions end), personal tokens shown once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from regions.models import Role
from tests.api.conftest import error_summary
from tests.builders import WEB_PASSWORD

NEW_PASSWORD = "a-brand-new-password-2"
_SECRET = re.compile(r'id="new-token-value"[^>]*value="(rls_[^"]+)"')


def _login(app, email, password=WEB_PASSWORD):
    """Another browser of the same person."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"email": email, "password": password,
                                         "csrf_token": token})
    assert answer.status_code == 303
    return client


def test_account_page_shows_who_i_am_in_words(sign_in, make_territory):
    lyon = make_territory("Lyon")
    person = sign_in(Role.REGIONAL_EDITOR, territory_ids=[lyon])
    page = person.get("/account")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert person.user.email in html and "Lyon" in html
    assert "Éditeur·rice régional·e" in html or "régional" in html
    for form_id in ("language-form", "password-form", "token-form"):
        assert f'id="{form_id}"' in html


def test_choosing_english_turns_the_pages_english_at_once(sign_in):
    person = sign_in(Role.VIEWER)
    assert '<html lang="fr">' in person.get("/account").get_data(as_text=True)
    saved = person.post("/account/language", data={"language": "en"})
    assert saved.status_code == 303 and saved.headers["Location"] == "/account"
    page = person.get("/account").get_data(as_text=True)
    assert '<html lang="en">' in page and "<h1>My account</h1>" in page
    assert "Language saved." in page
    assert person.api("GET", "/api/me").json["language"] == "en"
    person.post("/account/language", data={"language": "fr"})
    page = person.get("/account").get_data(as_text=True)
    assert "<h1>Mon compte</h1>" in page and "Langue enregistrée." in page


def test_an_unknown_language_is_refused_beside_the_field(sign_in):
    person = sign_in(Role.VIEWER)
    refused = person.post("/account/language", data={"language": "de"})
    assert refused.status_code == 422
    assert 'id="language-error"' in refused.get_data(as_text=True)


def test_a_wrong_current_password_is_said_beside_the_field(sign_in):
    person = sign_in(Role.VIEWER)
    refused = person.post("/account/password", data={
        "current_password": "not-my-password", "new_password": NEW_PASSWORD,
        "new_password_again": NEW_PASSWORD})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="current_password-error">Mot de passe erroné.' in html
    heading, links = error_summary(html)
    assert heading == "Le formulaire contient 1 erreur"
    assert links == [("current_password", "Mot de passe actuel\u00a0: Mot de passe erroné.")]
    assert person.get("/account").status_code == 200  # still signed in


def test_guessing_the_current_password_is_rate_limited_like_logins(sign_in, settings):
    person = sign_in(Role.VIEWER)
    wrong = {"current_password": "guess-guess-guess", "new_password": NEW_PASSWORD,
             "new_password_again": NEW_PASSWORD}
    for _ in range(settings.login_max_attempts):
        assert person.post("/account/password", data=wrong).status_code == 422
    right = {**wrong, "current_password": WEB_PASSWORD}
    limited = person.post("/account/password", data=right)
    assert limited.status_code == 429
    assert "Trop d’échecs" in limited.get_data(as_text=True)


def test_the_new_password_follows_the_domains_rule_and_must_be_typed_twice(sign_in):
    person = sign_in(Role.VIEWER)
    short = person.post("/account/password", data={
        "current_password": WEB_PASSWORD, "new_password": "short", "new_password_again": "short"})
    assert short.status_code == 422
    assert 'id="new_password-error">De 10 à 256 caractères.' in short.get_data(as_text=True)
    differ = person.post("/account/password", data={
        "current_password": WEB_PASSWORD, "new_password": NEW_PASSWORD,
        "new_password_again": NEW_PASSWORD + "x"})
    assert differ.status_code == 422
    assert "Les deux nouveaux mots de passe diffèrent." in differ.get_data(as_text=True)


def test_every_problem_of_the_password_form_is_said_at_once(sign_in):
    person = sign_in(Role.VIEWER)
    refused = person.post("/account/password", data={
        "current_password": "not-my-password", "new_password": "short",
        "new_password_again": "shorter"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="current_password-error">Mot de passe erroné.' in html
    assert 'id="new_password-error">De 10 à 256 caractères.' in html
    assert 'id="new_password_again-error">Les deux nouveaux mots de passe diffèrent.' in html
    assert re.findall(r'id="(\w+)-error"', html) == [
        "current_password", "new_password", "new_password_again"]
    # Only a mismatch, with the right current password: said alone, nothing changes.
    differ = person.post("/account/password", data={
        "current_password": WEB_PASSWORD, "new_password": NEW_PASSWORD,
        "new_password_again": NEW_PASSWORD + "x"})
    assert differ.status_code == 422
    assert re.findall(r'id="(\w+)-error"', differ.get_data(as_text=True)) == [
        "new_password_again"]
    assert person.post("/account/password", data={
        "current_password": WEB_PASSWORD, "new_password": NEW_PASSWORD,
        "new_password_again": NEW_PASSWORD}).status_code == 303


def test_changing_the_password_keeps_me_signed_in_and_ends_my_other_sessions(app, sign_in):
    person = sign_in(Role.VIEWER)
    other_browser = _login(app, person.user.email)
    assert other_browser.get("/api/me").status_code == 200
    changed = person.post("/account/password", data={
        "current_password": WEB_PASSWORD, "new_password": NEW_PASSWORD,
        "new_password_again": NEW_PASSWORD})
    assert changed.status_code == 303
    page = person.get("/account")
    assert page.status_code == 200 and "Mot de passe modifié." in page.get_data(as_text=True)
    assert person.api("GET", "/api/me").status_code == 200
    assert other_browser.get("/api/me").status_code == 401
    assert other_browser.get("/account").status_code == 302
    _login(app, person.user.email, NEW_PASSWORD)
    # Whoever knew the old password may have made tokens with it: they are revoked.
    assert person.user.get("/api/me").status_code == 401


def test_a_new_token_is_shown_once_then_only_its_prefix(sign_in, client):
    person = sign_in(Role.CONTRIBUTOR)
    created = person.post("/account/tokens", data={"name": "weekly export",
                                                    "expires_in_days": "30"})
    html = created.get_data(as_text=True)
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    secret = _SECRET.search(html).group(1)
    assert "seule fois" in html and 'id="copy-token"' in html
    me = client.get("/api/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json["email"] == person.user.email
    listing = person.get("/account").get_data(as_text=True)
    assert secret not in listing
    assert "weekly export" in listing and f"<code>{secret[:10]}…</code>" in listing


def test_the_token_form_checks_name_and_lifetime(sign_in):
    person = sign_in(Role.VIEWER)
    refused = person.post("/account/tokens", data={"name": " ", "expires_in_days": "0"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="token-name-error"' in html and 'id="token-expires_in_days-error"' in html
    assert 'id="new-token-value"' not in html


def test_revoking_a_token_stops_it_at_once(sign_in, client):
    person = sign_in(Role.VIEWER)
    created = person.post("/account/tokens", data={"name": "temp", "expires_in_days": "5"})
    secret = _SECRET.search(created.get_data(as_text=True)).group(1)
    token_id = [t["id"] for t in person.api("GET", f"/api/users/{person.user.id}/tokens").json
                if t["name"] == "temp"][0]
    revoked = person.post(f"/account/tokens/{token_id}/revoke")
    assert revoked.status_code == 303
    assert client.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    page = person.get("/account").get_data(as_text=True)
    assert "Révoqué" in page and "«\u00a0temp\u00a0» est révoqué" in page


def test_someone_elses_token_cannot_be_revoked_from_my_page(sign_in, make_user):
    other = make_user(Role.VIEWER)
    token_id = other.get(f"/api/users/{other.id}/tokens").json[0]["id"]
    person = sign_in(Role.VIEWER)
    assert person.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert other.get("/api/me").status_code == 200


def test_account_forms_need_the_csrf_token(sign_in):
    person = sign_in(Role.VIEWER)
    refused = person.client.post("/account/language", data={"language": "en"})
    assert refused.status_code == 400
    assert person.api("GET", "/api/me").json["language"] == "fr"


# --- the API docs page with the browser session ------------------------------------------

_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def test_the_docs_page_sends_the_sessions_csrf_token_without_inline_script(sign_in, app):
    person = sign_in(Role.VIEWER)
    docs = person.get("/api/docs")
    html = docs.get_data(as_text=True)
    assert docs.status_code == 200
    assert _META_CSRF.search(html) is not None
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []  # no inline script
    assert '<script type="module" src="/static/js/api-docs.js">' in html
    assert 'data-spec-url="/api/openapi.json"' in html
    module = (Path(app.static_folder) / "js" / "api-docs.js").read_text()
    assert "requestInterceptor: withCsrfToken" in module and "'X-CSRFToken'" in module


def test_a_write_from_the_docs_page_with_its_token_succeeds_with_the_session(sign_in):
    person = sign_in(Role.VIEWER)
    token = _META_CSRF.search(person.get("/api/docs").get_data(as_text=True)).group(1)
    path = f"/api/users/{person.user.id}/tokens"
    refused = person.client.post(path, json={"name": "from the docs"})
    assert refused.status_code == 400 and refused.json["code"] == "auth.csrf_failed"
    accepted = person.client.post(path, json={"name": "from the docs"},
                                  headers={"X-CSRFToken": token})
    assert accepted.status_code == 201 and accepted.json["token"].startswith("rls_")


def test_the_docs_answer_with_a_trailing_slash_too(client):
    answer = client.get("/api/docs/")
    assert answer.status_code == 308 and answer.headers["Location"] == "/api/docs"
    assert client.get("/api/docs/", follow_redirects=True).status_code == 200


CHROME_LINUX = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/131.0.0.0 Safari/537.36")


@pytest.mark.parametrize(("user_agent", "name"), [
    (CHROME_LINUX, "Chrome sur Linux"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
     "Firefox sur Windows"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
     "like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari sur iPhone"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.5 Safari/605.1.15", "Safari sur macOS"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome sur Android"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge sur Windows"),
    ("curl/8.5.0", "curl"),
    ("Mozilla/5.0 (Unknown; Nothing)", "Mozilla/5.0 (Unknown; Nothing)"),  # shown as it came
    ("", None),
])
def test_a_browser_is_named_as_its_owner_knows_it(app, user_agent, name):
    from flask_babel import force_locale

    from service.web.browsers import browser_name

    with app.test_request_context("/"), force_locale("fr"):
        assert browser_name(user_agent) == name


def test_my_other_browsers_are_named_in_words_with_the_full_string_at_hand(app, sign_in):
    # The list read « Mozilla/5.0 (X11; Linux x86_64)… » for each other browser.
    person = sign_in(Role.VIEWER)
    other = app.test_client()
    other.environ_base["HTTP_USER_AGENT"] = CHROME_LINUX
    page = other.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert other.post("/login", data={"email": person.user.email, "password": WEB_PASSWORD,
                                      "csrf_token": token}).status_code == 303
    html = person.get("/account").get_data(as_text=True)
    sessions = html.split('id="sessions-title"')[1].split("</ul>")[0]
    assert f'title="{CHROME_LINUX}">Chrome sur Linux</span>' in sessions
    assert f">{CHROME_LINUX}<" not in sessions
