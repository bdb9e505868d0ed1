"""What every web page shares: the menu by role, the person's language, the security headers."""

from regions.models import Role


def test_the_menu_shows_the_desk_pages_to_the_desk_only(sign_in):
    desk = sign_in(Role.CENTRAL_EDITOR).get("/").get_data(as_text=True)
    viewer = sign_in(Role.VIEWER).get("/").get_data(as_text=True)
    assert 'aria-label="Menu principal"' in desk and 'aria-label="Menu principal"' in viewer
    assert "Éditeur·rice du desk central" in desk
    assert "Lecteur·rice" in viewer


def test_pages_follow_the_browser_language_and_keep_a_strict_policy(sign_in):
    person = sign_in(Role.VIEWER)
    page = person.get("/", headers={"Accept-Language": "en"})
    # The account's language (French by default) wins over the browser's on pages.
    assert "Aller au contenu" in page.get_data(as_text=True)
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_a_signed_out_visitor_is_sent_to_login_and_back(client):
    answer = client.get("/")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/login"
