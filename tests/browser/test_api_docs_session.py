"""The API docs page in a real browser: signed in, "Try it out" writes with the session."""

from __future__ import annotations

import json

import pytest

from regions import accounts
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import Role

pytestmark = pytest.mark.browser
PASSWORD = "browser-password-2"


@pytest.fixture(scope="module")
def viewer(live_database):
    engine = make_engine(live_database)
    with UnitOfWork(make_session_factory(engine)) as uow:
        user = accounts.create_user(uow, None, email="docs@browser.test", display_name="Docs",
                                    role=Role.VIEWER, password=PASSWORD)
        uow.commit()
        user_id = user.id
    engine.dispose()
    return user_id


def test_try_it_out_creates_a_token_with_the_browser_session(page, live_server, viewer):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "docs@browser.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/api/docs/")  # the trailing slash leads to the page too
    operation = page.locator(".opblock-post", has_text="/api/users/{user_id}/tokens").first
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("input[placeholder='user_id']").fill(str(viewer))
    operation.locator("textarea.body-param__text").fill(json.dumps({"name": "from the docs"}))
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "201"
    assert "rls_" in operation.locator(".live-responses-table tbody .response-col_description"
                                       ).first.inner_text()
