import re

from regions.models import Role

PASSWORD = "correct horse battery"


def csrf_from(client, path="/login"):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_login_page_renders_in_french_by_default(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert "<h1>Se connecter</h1>" in page.get_data(as_text=True)
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user(Role.VIEWER, password=PASSWORD)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "jeton de sécurité manque" in response.get_data(as_text=True)


def test_login_logout_roundtrip(client, make_user):
    user = make_user(Role.CENTRAL_EDITOR, password=PASSWORD)
    token = csrf_from(client)
    response = client.post(
        "/login", data={"email": user.email.upper(), "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    assert client.get("/api/me").json["email"] == user.email
    home = client.get("/").get_data(as_text=True)
    assert "Éditeur·rice du desk central" in home
    out = client.post("/logout", data={"csrf_token": csrf_from(client, "/")})
    assert client.get("/api/me").status_code == 401
    login = client.get(out.headers["Location"]).get_data(as_text=True)
    assert "Vous êtes déconnecté·e." in login  # said once, on the login page it leads to
    assert "Vous êtes déconnecté·e." not in client.get("/login").get_data(as_text=True)


def test_an_ambassador_is_not_offered_the_api_documentation(client, make_user):
    """The footer's API link is for people with tools; an ambassador shares from the pages."""
    for role, offered in ((Role.AMBASSADOR, False), (Role.REGIONAL_EDITOR, True)):
        user = make_user(role, password=PASSWORD)
        client.post("/login", data={"email": user.email, "password": PASSWORD,
                                    "csrf_token": csrf_from(client)})
        home = client.get("/", follow_redirects=True).get_data(as_text=True)
        assert ('href="/api/docs"' in home) is offered, role
        token = re.search(r'name="csrf_token" value="([^"]+)"', home).group(1)
        client.post("/logout", data={"csrf_token": token})


def test_login_with_the_production_password_hashing(client, make_user, uow,
                                                    real_password_hashing):
    """The other tests hash at Argon2's lowest costs (tests/conftest.py); these are the real
    ones: RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes)."""
    from regions.models import User

    user = make_user(Role.VIEWER, password=PASSWORD)
    with uow() as unit:
        stored = unit.session.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": csrf_from(client)})
    assert response.status_code == 303
    assert client.get("/api/me").json["email"] == user.email


def test_cookie_authenticated_api_write_needs_the_csrf_header(client, make_user):
    user = make_user(Role.VIEWER, password=PASSWORD)
    client.post("/login", data={"email": user.email, "password": PASSWORD,
                                "csrf_token": csrf_from(client)})
    refused = client.post(f"/api/users/{user.id}/tokens", json={"name": "x"})
    assert refused.status_code == 400
    assert refused.json["code"] == "auth.csrf_failed"
    token = csrf_from(client, "/")
    accepted = client.post(f"/api/users/{user.id}/tokens", json={"name": "x"},
                           headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_wrong_password_is_401_and_attempts_are_rate_limited(client, make_user, settings):
    user = make_user(Role.VIEWER, password=PASSWORD)
    token = csrf_from(client)
    for _ in range(settings.login_max_attempts):
        wrong = client.post("/login", data={"email": user.email, "password": "nope-nope-nope",
                                            "csrf_token": token})
        assert wrong.status_code == 401
    blocked = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                          "csrf_token": token})
    assert blocked.status_code == 429
    assert "patientez" in blocked.get_data(as_text=True)


def test_unknown_email_and_wrong_password_look_the_same(client, make_user):
    make_user(Role.VIEWER, password=PASSWORD)
    token = csrf_from(client)
    unknown = client.post("/login", data={"email": "ghost@example.test", "password": PASSWORD,
                                          "csrf_token": token})
    assert unknown.status_code == 401
    assert "incorrect" in unknown.get_data(as_text=True)


def test_a_password_change_ends_existing_browser_sessions(client, make_user):
    admin = make_user(Role.ADMIN)
    user = make_user(Role.VIEWER, password=PASSWORD)
    client.post("/login", data={"email": user.email, "password": PASSWORD,
                                "csrf_token": csrf_from(client)})
    assert client.get("/api/me").status_code == 200
    assert admin.patch(f"/api/users/{user.id}",
                       json={"password": "a-new-password-123"}).status_code == 200
    assert client.get("/api/me").status_code == 401
