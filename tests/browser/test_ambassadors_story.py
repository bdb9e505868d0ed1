"""Ambassadors in a real browser: invited, charter accepted, a refused then fixed text, a share.

A regional editor makes an invitation link on the team page; the ambassador joins with it,
logs in, accepts the charter; the editor sends a kit; the ambassador edits the suggested text
into one that breaks the charter (refused live, with the span marked), fixes it and shares;
the short link redirects and is counted; the desk sees the share and the click on the campaign
dashboard and on the map; the ambassador leaves, their personal data goes, the totals stay.
Pages are checked with axe-core and for words of the other language, and screenshotted.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from shapely.geometry import box
from sqlalchemy import select

from config.settings import Settings
from regions import accounts, campaigns, posts, standards, teams, territories
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import Role, Share, ShareClick
from tests.browser.conftest import axe_violations, screenshot, served
from tests.browser.test_pages_sweep import foreign_words
from tests.conftest import TEST_SECRET, FreshDatabase

pytestmark = pytest.mark.browser
PASSWORD = "ambassador-story-2026"
CHARTER = {"rules": [{"id": "superlatifs", "type": "terms.forbidden",
                      "params": {"terms": ["imbattable"]}}]}


@pytest.fixture(scope="module")
def story(fresh_database: FreshDatabase) -> Iterator[dict[str, Any]]:
    """A database of the story's own (its charter applies to every text), served."""
    url, drop = fresh_database()
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    with UnitOfWork(sessions) as uow:
        desk = accounts.create_user(uow, None, email="desk@amb.test", display_name="Desk",
                                    role=Role.CENTRAL_EDITOR, password=PASSWORD)
        editor = accounts.create_user(uow, None, email="lyon@amb.test", display_name="Lyon",
                                      role=Role.REGIONAL_EDITOR, password=PASSWORD)
        territory, _ = territories.create_territory(
            uow, None, name="Lyon", slug="lyon", kind="region", parent_id=None,
            shape=box(4.70, 45.60, 5.00, 45.90))
        teams.add_member(uow, None, editor, territory.id)
        actor = accounts.load_actor(desk)
        standards.update_charter(uow, actor, CHARTER)
        standards.create_template(uow, actor, "annonce", {"name": "Annonce", "body": ""})
        standards.publish_template(uow, actor, "annonce", now=now)
        campaign = campaigns.create_campaign(uow, actor, campaigns.CampaignDraft(
            "Portes ouvertes", "annonce", {}, [], campaigns.TargetMode.LIST, (territory.id,)))
        post = posts.create_post(uow, actor, territory_id=territory.id, template_key="annonce",
                                 fields=posts.PostFields(text="Portes ouvertes samedi à Lyon"))
        uow.flush()
        post.campaign_id = campaign.id
        post.status = posts.PostStatus.PUBLISHED
        post.permalink = "https://www.facebook.com/2001/posts/42"
        post.published_at = now
        uow.commit()
        ids = {"territory": territory.id, "campaign": campaign.id, "post": post.id}
    settings = Settings(environment="test", secret_key=TEST_SECRET, database_url=url)
    with served(settings) as base:
        yield {"base": base, "sessions": sessions, **ids}
    engine.dispose()
    drop()


def log_in(page: Any, base: str, email: str, landing: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{landing}")


def check_page(page: Any, name: str) -> None:
    """axe-core finds nothing serious, no English word shows, a screenshot."""
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == [], name
    assert foreign_words(page.inner_text("body"), "fr") == [], name
    screenshot(page, f"ambassadors-{name}")


def totals(page: Any) -> tuple[str, str]:
    return (page.inner_text("[data-testid=amp-shares]"),
            page.inner_text("[data-testid=amp-clicks]"))


def test_ambassador_story_in_the_browser(browser, story):
    base = story["base"]
    editor = browser.new_context(locale="fr-FR").new_page()
    log_in(editor, base, "lyon@amb.test", "/")
    editor.goto(f"{base}/ambassadors")
    editor.click("text=Créer un lien d’invitation")
    link = re.search(r"https?://\S+/ambassador/join/inv_[\w-]+",
                     editor.inner_text(".flashes")).group(0)
    check_page(editor, "team")

    ambassador = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    me = ambassador.new_page()
    me.goto(link)
    check_page(me, "join")
    me.fill("input[name=email]", "camille@amb.test")
    me.fill("input[name=display_name]", "Camille")
    me.fill("input[name=password]", PASSWORD)
    me.check("input[name=consent]")
    me.click("button[type=submit]")
    me.wait_for_url(re.compile(r".*/login.*"))
    me.fill("input[name=email]", "camille@amb.test")
    me.fill("input[name=password]", PASSWORD)
    me.click("button[type=submit]")
    me.wait_for_url(f"{base}/ambassador")
    assert "imbattable" in me.inner_text("#charter")
    me.click("text=J’accepte la charte (version 1)")
    me.wait_for_selector(".flash.success")
    assert me.query_selector("#charter") is None

    editor.goto(f"{base}/ambassadors")
    editor.fill("input[name=title]", "Portes ouvertes à Lyon")
    editor.select_option("select[name=post_id]", str(story["post"]))
    editor.fill("textarea[name=suggestion-0]", "Venez aux portes ouvertes de mon agence !")
    editor.fill("textarea[name=suggestion-1]", "Mon équipe vous attend samedi.")
    editor.click("text=Envoyer le kit")
    editor.wait_for_selector(".flash.success")

    me.reload()
    text = me.locator("[data-testid=kit-text]")
    assert text.input_value() == "Venez aux portes ouvertes de mon agence !"
    text.fill("Un accueil imbattable, venez !")
    marked = me.wait_for_selector("[data-testid=annotated-text] mark.violation")
    assert marked.inner_text() == "imbattable"
    assert me.locator("[data-testid=share-button]").is_disabled()
    check_page(me, "refused")
    text.fill("Un accueil chaleureux, venez !")
    me.wait_for_selector(".report.ok")
    me.select_option("select[name=network]", "x")
    me.click("[data-testid=share-button]")
    short = me.wait_for_selector("[data-testid=short-link]").inner_text()
    assert "x.com/intent/post" in me.get_attribute("[data-testid=share-open]", "href")
    check_page(me, "shared")

    answer = requests.get(short, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    assert answer.headers["Location"] == "https://www.facebook.com/2001/posts/42"

    desk = browser.new_context(locale="fr-FR").new_page()
    log_in(desk, base, "desk@amb.test", "/")
    deadline = time.monotonic() + 60  # the web process writes its clicks every second
    while True:
        desk.goto(f"{base}/campaigns/{story['campaign']}")
        if totals(desk) == ("1", "1") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert totals(desk) == ("1", "1")
    check_page(desk, "campaign")
    desk.goto(f"{base}/map?ambassadors=1")
    row = desk.wait_for_selector("#ambassador-table tbody tr")
    assert row.inner_text().split("\t") == ["Lyon", "1", "1"]
    desk.wait_for_function("document.getElementById('map').dataset.updates >= '1'")
    screenshot(desk, "ambassadors-map")

    me.goto(f"{base}/ambassador")
    me.check("input[name=confirm]")
    me.click("button.danger")
    me.wait_for_url(re.compile(r".*/login.*"))
    with UnitOfWork(story["sessions"]) as uow:
        shares = uow.session.scalars(select(Share)).all()
        assert [(s.user_id, s.text) for s in shares] == [(None, None)]
        assert sum(c.clicks for c in uow.session.scalars(select(ShareClick))) == 1
    desk.goto(f"{base}/campaigns/{story['campaign']}")
    assert totals(desk) == ("1", "1")
    for context in (editor.context, ambassador, desk.context):
        context.close()
