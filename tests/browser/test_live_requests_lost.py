"""Live requests that get no answer, in a real browser: the ambassador's charter check, the
desk's template preview.

The network is cut, the server breaks or the answer never comes (Playwright's routes): the page
says the check is unavailable instead of leaving the verdict on the previous text in place, and
keeps what the person typed (an ambassador may still share: the server checks the text then).
(The post form's, the map's and the campaign map's are in their pages' own modules.)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from shapely.geometry import box

from config.settings import Settings
from regions import accounts, kits, posts, standards, teams, territories
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import AmbassadorProfile, Role
from service.i18n import load_violation_messages
from tests.browser.conftest import screenshot, served
from tests.conftest import TEST_SECRET, FreshDatabase

pytestmark = pytest.mark.browser
PASSWORD = "ambassador-offline-2026"
AMBASSADOR = "dominique@offline.test"
CHARTER = {"rules": [{"id": "superlatifs", "type": "terms.forbidden",
                      "params": {"terms": ["imbattable"]}}]}
SUGGESTION = "Venez aux portes ouvertes de mon agence !"
UNAVAILABLE = ("La vérification est indisponible pour l’instant\u00a0; "
               "le texte sera vérifié au partage.")
CHECK = "**/api/ambassador/kits/*/check"
REPORT = ".share-form .report-area"


@pytest.fixture(scope="module")
def base(fresh_database: FreshDatabase) -> Iterator[str]:
    """A database of its own (its charter applies to every text): a desk, an ambassador, a kit."""
    url, drop = fresh_database()
    engine = make_engine(url)
    now = datetime.now(UTC)
    with UnitOfWork(make_session_factory(engine)) as uow:
        desk = accounts.create_user(uow, None, email="desk@offline.test", display_name="Desk",
                                    role=Role.CENTRAL_EDITOR, password=PASSWORD)
        lyon, _ = territories.create_territory(
            uow, None, name="Lyon", slug="lyon", kind="region", parent_id=None,
            shape=box(4.70, 45.60, 5.00, 45.90))
        actor = accounts.load_actor(desk)
        charter = standards.update_charter(uow, actor, CHARTER)
        standards.create_template(uow, actor, "annonce", {"name": "Annonce", "body": ""})
        standards.publish_template(uow, actor, "annonce", now=now)
        post = posts.create_post(uow, actor, territory_id=lyon.id, template_key="annonce",
                                 fields=posts.PostFields(text="Portes ouvertes samedi à Lyon"))
        uow.flush()
        post.status = posts.PostStatus.PUBLISHED
        post.permalink = "https://www.facebook.com/2001/posts/42"
        post.published_at = now
        user = accounts.create_user(uow, None, email=AMBASSADOR, display_name="Dominique",
                                    role=Role.AMBASSADOR, password=PASSWORD)
        teams.add_member(uow, None, user, lyon.id)
        uow.session.add(AmbassadorProfile(user_id=user.id, charter_version_id=charter.id,
                                          charter_accepted_at=now))
        kits.create_kit(uow, actor, kits.KitDraft(
            title="Portes ouvertes à Lyon", suggestions=(SUGGESTION,), networks=("x",),
            ends_at=now + timedelta(days=7), post_id=post.id),
            now=now, messages=load_violation_messages())
        uow.commit()
    settings = Settings(environment="test", secret_key=TEST_SECRET, database_url=url)
    with served(settings) as served_at:
        yield served_at
    engine.dispose()
    drop()


def open_kits(page: Any, base: str) -> None:
    """Log in as the ambassador; the first check of the suggested text has answered."""
    page.goto(f"{base}/login")
    page.fill("input[name=email]", AMBASSADOR)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/ambassador")
    page.wait_for_selector(f"{REPORT} .report.ok")


def refuse(page: Any) -> None:
    """A text breaking the charter is refused live: marked, and the share button disabled."""
    page.locator("[data-testid=kit-text]").fill("Un accueil imbattable, venez !")
    page.wait_for_selector(f"{REPORT} mark.violation")
    assert page.locator("[data-testid=share-button]").is_disabled()


def assert_check_unavailable(page: Any) -> None:
    """The old verdict is gone, the text kept, and it may be shared (the server checks it)."""
    notice = page.wait_for_selector(f"{REPORT} .notice.warning")
    assert notice.inner_text() == UNAVAILABLE
    assert page.locator(f"{REPORT} mark, {REPORT} .report").count() == 0
    assert page.input_value("[data-testid=kit-text]") == "Un accueil chaleureux, venez !"
    assert page.locator("[data-testid=share-button]").is_enabled()
    assert page.get_attribute(".share-form", "data-checked") is None


def test_a_check_the_network_lost_says_so_instead_of_the_last_verdict(page, base):
    open_kits(page, base)  # the suggested text: « Ce texte respecte la charte. »
    page.route(CHECK, lambda route: route.abort("internetdisconnected"))
    page.locator("[data-testid=kit-text]").fill("Un accueil imbattable, venez !")
    # The verdict on the suggestion must not stay beside a text the check never saw.
    notice = page.wait_for_selector(f"{REPORT} .notice.warning")
    assert notice.inner_text() == UNAVAILABLE
    assert page.locator(f"{REPORT} .report.ok").count() == 0
    assert page.input_value("[data-testid=kit-text]") == "Un accueil imbattable, venez !"
    assert page.get_attribute(REPORT, "aria-live") == "polite"
    screenshot(page, "ambassador-check-lost")
    # Chromium logs the aborted request; nothing else may fail in the page.
    page.console_errors[:] = [e for e in page.console_errors
                              if "net::ERR_INTERNET_DISCONNECTED" not in e]


def test_a_check_the_server_broke_on_says_it_is_unavailable_and_lets_share(page, base):
    open_kits(page, base)
    refuse(page)
    page.route(CHECK, lambda route: route.fulfill(
        status=500, content_type="application/json",
        body='{"code": "internal", "status": 500, "message": "Erreur interne"}'))
    page.locator("[data-testid=kit-text]").fill("Un accueil chaleureux, venez !")
    assert_check_unavailable(page)  # not the server's bare « Erreur interne »
    # Chromium logs the failed answer; nothing else may fail in the page.
    page.console_errors[:] = [e for e in page.console_errors if "500" not in e]


def test_a_check_that_never_answers_counts_as_lost_after_ten_seconds(page, base):
    held: list[Any] = []
    page.clock.install()
    open_kits(page, base)
    page.locator("[data-testid=kit-text]").fill("Un accueil imbattable, venez !")
    page.clock.run_for(300)  # the typing pause the form waits for
    page.wait_for_selector(f"{REPORT} mark.violation")
    page.route(CHECK, lambda route: held.append(route))  # it leaves; no answer comes back
    with page.expect_request(lambda request: request.url.endswith("/check")):
        page.locator("[data-testid=kit-text]").fill("Un accueil chaleureux, venez !")
        page.clock.run_for(300)
    page.clock.run_for(9_000)
    assert page.locator(f"{REPORT} mark.violation").count() == 1  # still waiting
    page.clock.run_for(1_500)
    assert_check_unavailable(page)
    assert len(held) == 1


NO_NETWORK = "internetdisconnected"
BROKEN = "500"


@pytest.mark.parametrize("failure", [NO_NETWORK, BROKEN])
def test_a_template_preview_that_gets_no_answer_says_so_and_keeps_the_sample(page, base,
                                                                             failure):
    page.goto(f"{base}/login?next=/standards/templates/annonce")
    page.fill("input[name=email]", "desk@offline.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    preview = page.locator("#template-preview-report")
    page.wait_for_selector("#template-preview-report .fb-preview")  # the first preview came
    page.route("**/standards/templates/preview", lambda route: (
        route.abort(NO_NETWORK) if failure == NO_NETWORK else route.fulfill(status=500)))
    page.fill("#sample-text", "Un accueil imbattable, venez !")
    notice = page.wait_for_selector("#template-preview-report .notice.warning")
    assert notice.inner_text() == (
        "L’aperçu est indisponible pour l’instant (pas de réponse du serveur)\u00a0; "
        "vos modifications restent dans le formulaire.")
    assert preview.locator(".fb-preview").count() == 0  # the last preview is not left as current
    assert preview.get_attribute("aria-live") == "polite"
    assert page.input_value("#sample-text") == "Un accueil imbattable, venez !"
    screenshot(page, f"template-preview-lost-{failure}")
    # Chromium logs the failed request, htmx its own error events; nothing else may fail.
    page.console_errors[:] = [e for e in page.console_errors if not (
        "net::ERR_INTERNET_DISCONNECTED" in e or "500" in e or e.startswith("htmx:"))]
