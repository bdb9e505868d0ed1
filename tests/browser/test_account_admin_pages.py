"""My account and the admin pages in a real browser: the token shown once and copied, axe-core
finds no serious problem, and the pages fit a 390-px-wide phone."""

from __future__ import annotations

from pathlib import Path

import pytest

from regions import accounts, territories
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import Role

pytestmark = pytest.mark.browser
PASSWORD = "browser-password-3"
AXE = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def admin(live_database):
    engine = make_engine(live_database)
    with UnitOfWork(make_session_factory(engine)) as uow:
        accounts.create_user(uow, None, email="admin@browser.test", display_name="Admin",
                             role=Role.ADMIN, password=PASSWORD)
        territory, _report = territories.create_territory(
            uow, None, name="Rhône", slug="rhone-browser", kind="region", parent_id=None,
            shape=None)
        uow.commit()
        territory_id = territory.id
    engine.dispose()
    return territory_id


def _serious_violations(page):
    page.evaluate(AXE.read_text())
    found = page.evaluate("axe.run(document).then(r => r.violations.map("
                          "v => [v.id, v.impact, v.nodes.length]))")
    return [v for v in found if v[1] in ("serious", "critical")]


def _sign_in(page, live_server):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "admin@browser.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")


def test_a_new_token_is_shown_once_and_copied(page, live_server, admin):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                   origin=live_server)
    _sign_in(page, live_server)
    page.goto(f"{live_server}/account")
    assert _serious_violations(page) == []
    page.fill("#token-name", "browser")
    page.click("#token-form button[type=submit]")
    secret = page.input_value("#new-token-value")
    assert secret.startswith("rls_")
    assert _serious_violations(page) == []
    page.click("#copy-token")
    page.wait_for_function("document.getElementById('copy-status').textContent.length > 0")
    assert page.text_content("#copy-status") == "Copié dans le presse-papiers."
    assert page.evaluate("navigator.clipboard.readText()") == secret
    page.click("text=Retour à mon compte")
    assert secret not in page.content()


@pytest.mark.parametrize("path", ["/account", "/admin/users", "/admin/users/new",
                                  "/admin/pages", "/admin/pages/{territory}",
                                  "/admin/settings"])
def test_account_and_admin_pages_are_accessible_and_fit_a_phone(page, live_server, admin, path):
    _sign_in(page, live_server)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(live_server + path.format(territory=admin))
    assert page.locator("h1").count() == 1
    assert _serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
