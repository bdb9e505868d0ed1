"""The desk reviews with the keyboard only, in a real browser."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from shapely.geometry import box
from sqlalchemy import select

from regions import accounts, posts, review, standards, teams, territories
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import Post, Role
from service.i18n import load_violation_messages
from tests.api.conftest import TEMPLATE

pytestmark = pytest.mark.browser
PASSWORD = "browser-password-1"
DESK = "review-desk@browser.test"


@pytest.fixture(scope="module")
def database(live_database):
    engine = make_engine(live_database)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def submitted(database):
    """Two posts waiting for review in a territory of their own; returns their ids."""
    with UnitOfWork(database) as uow:
        desk = accounts.create_user(uow, None, email=DESK, display_name="Desk",
                                    role=Role.CENTRAL_EDITOR, password=PASSWORD)
        editor = accounts.create_user(uow, None, email="review-editor@browser.test",
                                      display_name="Editor", role=Role.REGIONAL_EDITOR)
        territory, _report = territories.create_territory(
            uow, None, name="Lyon clavier", slug="lyon-clavier", kind="region", parent_id=None,
            shape=box(4.7, 45.6, 5.0, 45.9))
        teams.add_member(uow, None, editor, territory.id)
        standards.create_template(uow, accounts.load_actor(desk), "clavier", TEMPLATE)
        standards.publish_template(uow, accounts.load_actor(desk), "clavier",
                                   now=datetime.now(UTC))
        author = accounts.load_actor(editor, frozenset({territory.id}))
        ids = []
        for city in ("Vaise", "Gerland"):
            post = posts.create_post(uow, author, territory_id=territory.id, template_key="clavier",
                                     fields=posts.PostFields(
                                         text=f"Portes ouvertes à {city} ! Bienvenue #Relais",
                                         slot_values={"city": city, "details": "Bienvenue #Relais"},
                                         lon=4.85, lat=45.75, audience_radius_km=3))
            review.submit_post(uow, author, post.id, expected_version=post.version,
                               messages=load_violation_messages())
            ids.append(post.id)
        uow.commit()
    return ids


def status(database, post_id):
    with UnitOfWork(database) as uow:
        return uow.session.scalar(select(Post.status).where(Post.id == post_id)).value


def test_the_desk_requests_changes_and_approves_with_the_keyboard_only(
        page, live_server, database, submitted):
    first, second = submitted
    page.goto(f"{live_server}/login?next=/review")
    page.fill("input[name=email]", DESK)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/review")
    page.focus(f"#review-queue a.review-link[href='/review/{first}']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/review/{first}")
    page.wait_for_selector("#review-map canvas")

    page.keyboard.press("j")  # the next post in the queue, and back
    page.wait_for_url(f"{live_server}/review/{second}")
    page.keyboard.press("k")
    page.wait_for_url(f"{live_server}/review/{first}")

    page.keyboard.press("c")
    assert page.evaluate("document.activeElement.id") == "request-changes-comment"
    page.keyboard.type("Précisez l’horaire, s’il vous plaît.")
    assert page.locator("#approve").count() == 1  # typing "a" in the box did not approve
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"{live_server}/review/{second}")  # straight on to the next post
    assert status(database, first) == "changes_requested"
    assert f"Modifications demandées sur le post n°\u00a0{first}." in page.inner_text("main")

    page.keyboard.press("a")  # brings « Approuver » to hand: one stray key approves nothing
    assert page.evaluate("document.activeElement.id") == "approve"
    assert status(database, second) == "submitted"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/review")
    assert status(database, second) in ("approved", "scheduled")
    assert "Aucun post n’attend de relecture." in page.inner_text("main")
