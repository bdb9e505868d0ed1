"""Logging in through the real page, in a real browser."""

from __future__ import annotations

import pytest

from regions import accounts
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import Role

pytestmark = pytest.mark.browser
PASSWORD = "browser-password-1"


@pytest.fixture(scope="module")
def desk_user(live_database):
    engine = make_engine(live_database)
    with UnitOfWork(make_session_factory(engine)) as uow:
        accounts.create_user(uow, None, email="desk@browser.test", display_name="Desk",
                             role=Role.CENTRAL_EDITOR, password=PASSWORD)
        uow.commit()
    engine.dispose()
    return "desk@browser.test"


def test_a_person_logs_in_sees_their_role_and_logs_out(page, live_server, desk_user):
    page.goto(f"{live_server}/")
    assert page.url.endswith("/login")
    page.fill("input[name=email]", desk_user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    assert "Éditeur·rice du desk central" in page.locator("header").inner_text()
    assert page.locator("header").inner_text().count(desk_user) == 1
    page.click("text=Se déconnecter")
    page.wait_for_url(f"{live_server}/login")


def test_a_wrong_password_shows_a_french_message(page, live_server, desk_user):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", desk_user)
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").inner_text() == "Adresse ou mot de passe incorrect."
    # The refused login answers 401, which Chromium reports; nothing else may appear.
    assert page.console_errors == [
        "Failed to load resource: the server responded with a status of 401 (UNAUTHORIZED)"]
    page.console_errors.clear()


def test_the_api_docs_render_offline(page, live_server):
    page.goto(f"{live_server}/api/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "Relais API" in page.locator(".swagger-ui .info .title").inner_text()
