"""The whole story in a real browser, in French and in English.

A regional editor opens a campaign, fills its slots, sees a violation highlighted live, applies
the fix, places the post outside then inside the territory, submits; the desk finds it in the
queue and requests changes with the keyboard only; the editor fixes and resubmits; the desk
approves; the worker publishes it to the fake Page; the post page shows the permalink, which
opens. Every page is checked with axe-core and for words of the other language, and screenshotted.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from shapely.geometry import box
from sqlalchemy import select

from regions import accounts, campaigns, profile, standards, teams, territories
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import Post, Role
from regions.publishing.connections import connect_page
from service.publishing import token_cipher
from tests.browser.conftest import (
    STORY_PAGE_ID,
    STORY_PAGE_TOKEN,
    axe_violations,
    foreign_words,
    screenshot,
)

pytestmark = pytest.mark.browser
PASSWORD = "story-password-2026"
TEMPLATE = {
    "name": "Portes ouvertes",
    "network": "facebook",
    "language": "fr",
    "body": "Portes ouvertes à {city} ! {details} #Relais",
    "slots": [
        {"name": "city", "type": "text", "max_length": 40},
        {"name": "details", "type": "text", "max_length": 300},
    ],
    "rules": [
        {"id": "tag", "type": "hashtags.required", "params": {"tags": ["#Relais"]}},
        {"id": "charter-words", "type": "terms.forbidden", "params": {"terms": ["gratuit*"]}},
    ],
}
BOX = (4.70, 45.60, 5.00, 45.90)
TEXTS = {
    "fr": {"changes": "Modifications demandées", "published": "Publié",
           "requested": "Modifications demandées sur le post", "outside": "hors du territoire"},
    "en": {"changes": "Changes requested", "published": "Published",
           "requested": "Changes requested on post", "outside": "outside the post's territory"},
}


class Story:
    """One run of the story: its people, territory and campaign, in one language."""

    def __init__(self, language: str, live_database: str, live_settings: Any) -> None:
        self.language = language
        self.engine = make_engine(live_database)
        self.sessions = make_session_factory(engine=self.engine)
        self.desk = f"desk-{language}@story.test"
        self.editor = f"editor-{language}@story.test"
        with UnitOfWork(self.sessions) as uow:
            desk = accounts.create_user(uow, None, email=self.desk, display_name="Desk",
                                        role=Role.CENTRAL_EDITOR, password=PASSWORD)
            editor = accounts.create_user(uow, None, email=self.editor, display_name="Editor",
                                          role=Role.REGIONAL_EDITOR, password=PASSWORD)
            for user in (desk, editor):
                profile.set_language(uow, accounts.load_actor(user), language)
            territory, _report = territories.create_territory(
                uow, None, name=f"Lyon {language}", slug=f"lyon-story-{language}",
                kind="region", parent_id=None, shape=box(*BOX))
            teams.add_member(uow, None, editor, territory.id)
            actor = accounts.load_actor(desk)
            key = f"story-{language}"
            standards.create_template(uow, actor, key, TEMPLATE)
            standards.publish_template(uow, actor, key, now=datetime.now(UTC))
            campaign = campaigns.create_campaign(uow, actor, campaigns.CampaignDraft(
                title=f"Portes ouvertes ({language})", template_key=key, slot_values={},
                media=[], target_mode=campaigns.TargetMode.LIST,
                territory_ids=(territory.id,),
                adapt_deadline=datetime.now(UTC) + timedelta(days=5)))
            connect_page(uow, None, territory.id, page_id=STORY_PAGE_ID, token=STORY_PAGE_TOKEN,
                         cipher=token_cipher(live_settings))
            uow.commit()
            self.territory_id, self.campaign_id = territory.id, campaign.id

    def post(self) -> Post:
        """The story's post, as the database has it now."""
        with UnitOfWork(self.sessions) as uow:
            post = uow.session.scalars(select(Post).where(
                Post.territory_id == self.territory_id)).one()
            uow.session.expunge(post)
            return post


def check_page(page: Any, language: str, name: str) -> None:
    """axe-core finds nothing serious, no word of the other language shows, a screenshot."""
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == [], name
    leftovers = foreign_words(page.inner_text("body"), language)
    assert leftovers == [], f"{name}: {leftovers}"
    screenshot(page, f"story-{name}-{language}")


def log_in(context: Any, live_server: str, email: str, target: str) -> Any:
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: page.console_errors.append(msg.text)
            if msg.type == "error" else None)
    page.goto(f"{live_server}/login?next={target}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == target.split("?")[0]
    return page


def write_and_submit(page: Any, story: Story, live_server: str) -> None:
    """The editor adapts the campaign: slots, a live violation and its fix, the geotag."""
    page.wait_for_selector("#post-map[data-ready='true'] canvas")
    check_page(page, story.language, "new-post")
    page.fill("#slot-city", "Vaise")
    page.fill("#slot-details", "Entrée gratuite pour tous")
    page.wait_for_selector("#validation-report mark.violation")
    assert "gratuite" in page.locator("#validation-report mark.violation").all_inner_texts()
    fix = page.locator("#validation-report li[data-code='term.forbidden'] .fix-button")
    if fix.count():  # the engine offers a fix: apply it in one click
        fix.first.click()
    else:  # no automatic fix for this rule: the editor rewrites the slot
        page.fill("#slot-details", "Entrée libre pour tous")
    page.wait_for_function(
        "() => !document.querySelector(\"#validation-report li[data-code='term.forbidden']\")")
    screenshot(page, f"story-new-post-fixed-{story.language}")
    canvas = page.locator("#post-map canvas")
    canvas.click(position={"x": 2, "y": 2})  # the map's corner: outside the territory
    page.wait_for_function("() => document.querySelector('#geotag-error').textContent.trim()")
    refused = page.inner_text("#geotag-error")
    assert TEXTS[story.language]["outside"] in refused
    screenshot(page, f"story-geotag-refused-{story.language}")
    canvas.click()  # the centre: inside
    page.wait_for_function("() => !document.querySelector('#geotag-error').textContent.trim()")
    lon, lat = float(page.input_value("#geotag-lon")), float(page.input_value("#geotag-lat"))
    assert BOX[0] < lon < BOX[2] and BOX[1] < lat < BOX[3]
    page.click("#submit-post")
    page.wait_for_url(re.compile(r"/posts/\d+$"))
    assert story.post().status.value == "submitted"


def desk_requests_changes(page: Any, story: Story, live_server: str, post_id: int) -> None:
    """The desk finds the post in the queue and asks for changes, keyboard only."""
    check_page(page, story.language, "review-queue")
    page.focus(f"#review-queue a.review-link[href^='/review/{post_id}']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/review/{post_id}"))
    page.wait_for_selector("#review-map canvas")
    check_page(page, story.language, "review-screen")
    page.keyboard.press("c")
    assert page.evaluate("document.activeElement.id") == "request-changes-comment"
    page.keyboard.type("Précisez l’horaire, s’il vous plaît.")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert TEXTS[story.language]["requested"] in page.inner_text("main")
    assert story.post().status.value == "changes_requested"


def editor_resubmits(page: Any, story: Story, live_server: str, post_id: int) -> None:
    page.goto(f"{live_server}/posts/{post_id}")
    assert "Précisez l’horaire" in page.inner_text("#requested-changes")
    check_page(page, story.language, "post-changes-requested")
    page.click("#edit-post")
    page.wait_for_selector("#post-map[data-ready='true'] canvas")
    page.fill("#slot-details", "Entrée libre de 9 h à 17 h")
    page.wait_for_function(
        "() => document.querySelector('#validation-report') && "
        "!document.querySelector('#validation-report mark.violation')")
    page.click("#submit-post")
    page.wait_for_url(re.compile(rf"/posts/{post_id}$"))
    assert story.post().status.value == "submitted"


def desk_approves(page: Any, story: Story, live_server: str, post_id: int) -> None:
    page.goto(f"{live_server}/review/{post_id}")
    page.wait_for_selector("#approve")
    page.keyboard.press("a")  # « Approuver » to hand, then Enter approves
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/review(\?.*)?$"))
    assert story.post().status.value in ("approved", "scheduled", "published")


def permalink_opens(page: Any, story: Story, live_server: str, post_id: int) -> None:
    """The worker publishes the post; its page shows the permalink, which opens."""
    deadline = time.monotonic() + 90  # live first, then its permalink (a step of its own)
    while time.monotonic() < deadline:
        if story.post().status.value == "published" and story.post().permalink:
            break
        page.wait_for_timeout(250)
    assert story.post().status.value == "published" and story.post().permalink
    page.goto(f"{live_server}/posts/{post_id}")
    assert TEXTS[story.language]["published"] in page.inner_text("#post-status")
    check_page(page, story.language, "post-published")
    permalink = page.get_attribute("#permalink", "href")
    assert permalink and permalink.startswith("http://127.0.0.1:")
    answer = page.request.get(permalink)
    assert answer.status == 200 and "Entrée libre de 9 h à 17 h" in answer.text()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_whole_story_from_campaign_to_facebook(browser, live_server, live_database,
                                                   live_settings, publishing_worker, language):
    story = Story(language, live_database, live_settings)
    editor_context = browser.new_context(locale=f"{language}-FR", viewport={"width": 1280,
                                                                             "height": 900})
    desk_context = browser.new_context(locale=f"{language}-FR", viewport={"width": 1280,
                                                                           "height": 900})
    try:
        editor = log_in(editor_context, live_server, story.editor, "/")
        check_page(editor, language, "home-editor")
        editor.click(f"a[href^='/posts/new?campaign={story.campaign_id}']")
        write_and_submit(editor, story, live_server)
        post_id = story.post().id
        check_page(editor, language, "post-submitted")

        desk = log_in(desk_context, live_server, story.desk, "/")
        check_page(desk, language, "home-desk")
        desk.goto(f"{live_server}/review")
        desk_requests_changes(desk, story, live_server, post_id)

        editor_resubmits(editor, story, live_server, post_id)
        desk_approves(desk, story, live_server, post_id)
        permalink_opens(editor, story, live_server, post_id)
        assert editor.console_errors == [] and desk.console_errors == []
    finally:
        editor_context.close()
        desk_context.close()
        story.engine.dispose()
