"""Writing a post in a real browser: live validation, a one-click fix, the geotag refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from shapely.geometry import box

from regions import accounts, standards, teams, territories
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import Role
from tests.api.conftest import TEMPLATE
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser
PASSWORD = "browser-password-2"
EDITOR = "editor@workspace.test"
GEO_TEMPLATE = "portes-ouvertes-geo"  # its one rule: the geotag inside the territory
CHECKED = "#validation-report [data-testid=annotated-text]"  # the text the live check judged


@pytest.fixture(scope="module")
def editor(live_database):
    engine = make_engine(live_database)
    with UnitOfWork(make_session_factory(engine)) as uow:
        desk = accounts.create_user(uow, None, email="desk@workspace.test", display_name="D",
                                    role=Role.CENTRAL_EDITOR, password=PASSWORD)
        actor = accounts.load_actor(desk)
        standards.create_template(uow, actor, "portes-ouvertes-web", TEMPLATE)
        standards.publish_template(uow, actor, "portes-ouvertes-web", now=datetime.now(UTC))
        standards.create_template(uow, actor, GEO_TEMPLATE, {**TEMPLATE, "rules": [
            {"id": "inside", "type": "geo.inside_territory", "params": {}}]})
        standards.publish_template(uow, actor, GEO_TEMPLATE, now=datetime.now(UTC))
        lyon, _report = territories.create_territory(
            uow, None, name="Lyon", slug="lyon-web", kind="region", parent_id=None,
            shape=box(4.70, 45.60, 5.00, 45.90))
        user = accounts.create_user(uow, None, email=EDITOR, display_name="E",
                                    role=Role.REGIONAL_EDITOR, password=PASSWORD)
        teams.add_member(uow, None, user, lyon.id)
        uow.commit()
    engine.dispose()
    return EDITOR


def _log_in(page, live_server, email, template="portes-ouvertes-web"):
    page.goto(f"{live_server}/login?next=/posts/new%3Ftemplate%3D{template}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#post-text")


def test_typing_shows_violations_live_and_a_fix_applies_in_one_click(page, live_server, editor):
    _log_in(page, live_server, editor)
    page.wait_for_selector("#post-map canvas")
    page.fill("#slot-city", "Lyon")
    page.fill("#slot-details", "C’est gratuit")
    assert page.input_value("#post-text") == "Portes ouvertes à Lyon ! C’est gratuit"
    page.wait_for_selector("#validation-report mark.violation")
    marked = page.locator("#validation-report mark.violation").all_inner_texts()
    assert "gratuit" in marked
    codes = page.locator("#validation-report li").evaluate_all(
        "items => items.map(li => li.dataset.code)")
    assert {"term.forbidden", "hashtag.missing"} <= set(codes)
    page.locator("li[data-code='hashtag.missing'] .fix-button").click()
    page.wait_for_function(
        "() => !document.querySelector(\"#validation-report li[data-code='hashtag.missing']\")")
    assert page.input_value("#post-text").endswith("#Relais")
    assert "#Relais" in page.inner_text("#preview-text")


def test_a_point_outside_the_territory_is_refused_with_the_servers_words(page, live_server,
                                                                        editor):
    _log_in(page, live_server, editor)
    page.wait_for_selector("#post-map[data-ready='true']")  # the form's script is running
    page.fill("#geotag-lon", "2.35")
    page.fill("#geotag-lat", "48.85")
    page.locator("#geotag-lat").dispatch_event("change")
    page.wait_for_function("() => document.querySelector('#geotag-error').textContent.trim()")
    assert "hors du territoire" in page.inner_text("#geotag-error")
    page.fill("#geotag-lon", "4.85")
    page.fill("#geotag-lat", "45.75")
    page.locator("#geotag-lat").dispatch_event("change")
    page.wait_for_function("() => !document.querySelector('#geotag-error').textContent.trim()")
    assert page.get_attribute("#geotag-lat", "aria-invalid") == "false"


def test_a_click_on_the_map_inside_the_territory_places_the_post(page, live_server, editor):
    _log_in(page, live_server, editor)
    page.wait_for_selector("#post-map[data-ready='true'] canvas")  # fitted to the outline
    page.locator("#post-map canvas").click()  # the centre of the map: inside the outline
    page.wait_for_function("() => document.querySelector('#geotag-lon').value !== ''")
    lon, lat = float(page.input_value("#geotag-lon")), float(page.input_value("#geotag-lat"))
    assert 4.70 < lon < 5.00 and 45.60 < lat < 45.90
    assert page.inner_text("#geotag-error").strip() == ""


def test_empty_slots_show_as_labelled_blanks_in_french_as_the_slots_fill(page, live_server,
                                                                         editor):
    """The text holds no ``{city}``; the template's text and the preview name the blank."""
    _log_in(page, live_server, editor)
    page.wait_for_selector("#post-map canvas")
    assert page.input_value("#post-text") == "Portes ouvertes à  ! "
    blanks = "#preview-text .blank"
    assert page.locator(blanks).all_text_contents() == ["à remplir\u00a0: Ville",
                                                        "à remplir\u00a0: details"]
    page.fill("#slot-city", "Lyon")
    assert page.input_value("#post-text") == "Portes ouvertes à Lyon ! "
    assert page.locator(blanks).all_text_contents() == ["à remplir\u00a0: details"]
    assert page.locator("#locked-text .slot-filled").all_text_contents() == ["Lyon"]
    # The live check runs 300 ms after the last keystroke: its box judges "Lyon" once it answers.
    page.wait_for_function(f"() => document.querySelector('{CHECKED}')?.textContent"
                           " === 'Portes ouvertes à Lyon ! '")
    problems = page.locator("#validation-report li").all_inner_texts()
    assert not any("Ville" in problem for problem in problems), problems
    assert any("«\u00a0details\u00a0» n’est pas rempli" in problem
               for problem in problems), problems
    screenshot(page, "workspace-form-blanks-fr")
    page.fill("#slot-city", "")  # emptied again: the blank is back, by its label
    assert page.locator("#locked-text .blank").first.text_content() == "à remplir\u00a0: Ville"
    page.fill("#post-text", "Portes ouvertes à Lyon, {ville} !")  # rewritten by hand: as typed
    assert page.locator("#preview-text").text_content() == "Portes ouvertes à Lyon, {ville} !"


# The page's first dry run (its text before any slot is typed) is held until the next one has
# answered: the box must keep the answer about the current text.
FIRST_CHECK_ANSWERS_LAST = """
(() => {
  const fetchForReal = window.fetch.bind(window);
  let calls = 0;
  let releaseFirst;
  const nextAnswered = new Promise((resolve) => { releaseFirst = resolve; });
  window.checksAnswered = [];
  window.fetch = async (url, options) => {
    if (!String(url).includes('/validate')) return fetchForReal(url, options);
    const call = ++calls;
    const response = await fetchForReal(url, options);
    if (call === 1) await nextAnswered;
    window.checksAnswered.push(call);
    if (call > 1) setTimeout(releaseFirst, 200);  // once the page has shown the later answer
    return response;
  };
})();
"""


def test_a_check_answering_late_never_replaces_the_one_about_the_current_text(page, live_server,
                                                                             editor):
    page.add_init_script(FIRST_CHECK_ANSWERS_LAST)
    _log_in(page, live_server, editor)
    page.wait_for_selector("#post-map[data-ready='true']")  # the form's script is running
    page.fill("#slot-city", "Lyon")
    page.wait_for_function("() => window.checksAnswered.length === 2")
    assert page.evaluate("() => window.checksAnswered") == [2, 1]
    assert page.text_content(CHECKED) == "Portes ouvertes à Lyon ! "
    problems = page.locator("#validation-report li").all_inner_texts()
    assert not any("Ville" in problem for problem in problems), problems


def test_a_typed_point_refused_is_judged_by_the_live_check_too(page, live_server, editor):
    _log_in(page, live_server, editor, GEO_TEMPLATE)
    page.wait_for_selector("#post-map[data-ready='true']")
    page.fill("#slot-city", "Lyon")
    page.fill("#geotag-lon", "4.85")
    page.fill("#geotag-lat", "45.75")
    page.locator("#geotag-lat").dispatch_event("change")
    page.fill("#slot-details", "Venez nombreux")
    page.wait_for_selector("#validation-report p.report.ok")  # inside: nothing to say
    page.fill("#geotag-lon", "2.35")
    page.fill("#geotag-lat", "48.85")
    page.locator("#geotag-lat").dispatch_event("change")
    page.wait_for_function("() => document.querySelector('#geotag-error').textContent.trim()")
    # The refused point stays in the fields and would be sent: the box says what is wrong.
    page.wait_for_selector("#validation-report li[data-code='geo.outside_territory']")
    assert "hors de votre territoire" in page.inner_text("#validation-report")


def test_a_check_the_network_lost_says_the_check_is_unavailable(page, live_server, editor):
    _log_in(page, live_server, editor)
    page.wait_for_selector("#validation-report li")  # the first check answered
    page.route("**/validate*", lambda route: route.abort())
    page.fill("#slot-city", "Lyon")
    page.wait_for_selector("#validation-report .notice.warning")
    assert "vérification en direct est indisponible" in page.inner_text("#validation-report")
    # Chromium logs the aborted request; nothing else may fail in the page.
    page.console_errors[:] = [e for e in page.console_errors if "net::ERR_FAILED" not in e]


def test_a_check_the_server_broke_on_says_the_check_is_unavailable(page, live_server, editor):
    _log_in(page, live_server, editor)
    page.wait_for_selector("#validation-report li")  # the first check answered
    page.route("**/validate*", lambda route: route.fulfill(
        status=500, content_type="application/json",
        body='{"code": "internal", "status": 500, "message": "Erreur interne"}'))
    page.fill("#slot-city", "Lyon")
    notice = page.wait_for_selector("#validation-report .notice.warning")
    assert "vérification en direct est indisponible" in notice.inner_text()  # not the bare 500
    page.console_errors[:] = [e for e in page.console_errors if "500" not in e]


def test_a_point_the_network_could_not_judge_stays_and_the_live_check_judges_it(
        page, live_server, editor):
    _log_in(page, live_server, editor, GEO_TEMPLATE)
    page.wait_for_selector("#post-map[data-ready='true']")
    page.fill("#slot-city", "Lyon")
    page.route("**/posts/geotag*", lambda route: route.abort("internetdisconnected"))
    page.fill("#geotag-lon", "2.35")
    page.fill("#geotag-lat", "48.85")
    page.locator("#geotag-lat").dispatch_event("change")
    page.wait_for_function("() => document.querySelector('#geotag-error').textContent.trim()")
    assert page.inner_text("#geotag-error") == (
        "Ce point n’a pas pu être vérifié pour l’instant (pas de réponse du serveur)\u00a0; "
        "il le sera à la soumission du post.")
    assert (page.input_value("#geotag-lon"), page.input_value("#geotag-lat")) == ("2.35", "48.85")
    assert page.get_attribute("#geotag-lat", "aria-invalid") is None  # not judged either way
    assert page.get_attribute("#geotag-error", "class") == "notice warning"
    # The « Vérification » box, which did get an answer, says what is wrong with the point.
    page.wait_for_selector("#validation-report li[data-code='geo.outside_territory']")
    screenshot(page, "post-form-geotag-lost")
    page.console_errors[:] = [e for e in page.console_errors
                              if "net::ERR_INTERNET_DISCONNECTED" not in e]


def test_a_territory_outline_the_network_lost_is_said_under_the_map(page, live_server, editor):
    page.route("**/api/territories/*", lambda route: route.abort("internetdisconnected"))
    _log_in(page, live_server, editor)
    page.wait_for_selector("#post-map[data-ready='true']")  # the form works without it
    status = page.locator("#post-map-status")
    assert status.inner_text() == ("Le contour du territoire n’a pas pu être chargé (pas de "
                                   "réponse du serveur). Rechargez la page pour réessayer.")
    assert status.get_attribute("role") == "status"
    page.console_errors[:] = [e for e in page.console_errors
                              if "net::ERR_INTERNET_DISCONNECTED" not in e]


def test_a_map_click_the_network_could_not_judge_places_the_point_with_a_warning(
        page, live_server, editor):
    _log_in(page, live_server, editor)
    page.wait_for_selector("#post-map[data-ready='true'] canvas")  # fitted to the outline
    page.route("**/posts/geotag*", lambda route: route.abort("internetdisconnected"))
    page.locator("#post-map canvas").click()  # the centre of the map: inside the outline
    page.wait_for_selector("#geotag-error.notice.warning")
    lon, lat = float(page.input_value("#geotag-lon")), float(page.input_value("#geotag-lat"))
    assert 4.70 < lon < 5.00 and 45.60 < lat < 45.90  # the click is kept, to be checked on submit
    assert page.inner_text("#geotag-error").startswith("Ce point n’a pas pu être vérifié")
    page.console_errors[:] = [e for e in page.console_errors
                              if "net::ERR_INTERNET_DISCONNECTED" not in e]


def test_a_field_the_check_refuses_is_named_as_the_form_labels_it(page, live_server, editor):
    """A radius beyond the limit: the check names the field and says why, not « voir `errors` »."""
    _log_in(page, live_server, editor)
    page.wait_for_selector("#validation-report li")  # the first check answered
    page.fill("#audience-radius", "600")
    notice = page.wait_for_selector("#validation-report .notice.warning li")
    shown = page.inner_text("#validation-report")
    assert "Rayon de diffusion (km)" in notice.inner_text()
    assert "500" in notice.inner_text()  # the server's own words about the limit
    assert "errors" not in shown
    screenshot(page, "workspace-radius-refused-fr")
    page.fill("#audience-radius", "5")  # corrected: the check judges the post again
    page.wait_for_selector("#validation-report li[data-code]")
    # The refused check's 422 is logged by Chromium; nothing else may fail in the page.
    page.console_errors[:] = [e for e in page.console_errors if "422" not in e]


def test_the_preview_shows_the_publication_time_in_the_territorys_zone(browser, live_server,
                                                                       editor):
    """Typed 10:00 in Lyon's zone, shown 10:00 to a browser in New York (not 04:00)."""
    context = browser.new_context(locale="fr-FR", timezone_id="America/New_York")
    try:
        page = context.new_page()
        _log_in(page, live_server, editor)
        page.fill("#publish-at", "2026-12-12T10:00")
        page.wait_for_selector("#preview-meta:has-text('2026')")
        meta = page.inner_text("#preview-meta")
        assert "10:00" in meta, meta
    finally:
        context.close()


def test_a_latitude_off_the_globe_is_named_as_such_not_outside_the_territory(page, live_server,
                                                                            editor):
    _log_in(page, live_server, editor)
    page.wait_for_selector("#validation-report li")  # the first check answered
    page.fill("#geotag-lon", "4.8")
    page.fill("#geotag-lat", "95")
    page.press("#geotag-lat", "Tab")  # a typed point is judged once the field is left
    notice = page.wait_for_selector("#validation-report .notice.warning li")
    assert notice.inner_text().startswith("Latitude —"), notice.inner_text()
    page.wait_for_selector("#geotag-error:has-text('latitude')")
    assert "entre −90 et 90" in page.inner_text("#geotag-error")
    assert "hors du territoire" not in page.inner_text("#geotag-error")
    page.console_errors[:] = [e for e in page.console_errors if "422" not in e]


def test_a_link_that_saving_would_refuse_is_flagged_as_it_is_typed(page, live_server, editor):
    _log_in(page, live_server, editor)
    page.wait_for_selector("#validation-report li")  # the page's script runs
    page.fill("#link", "ftp://example.org/programme")
    page.wait_for_selector("#link-error:has-text('https://')")
    assert page.get_attribute("#link", "aria-invalid") == "true"
    page.fill("#link", "https://example.org/programme")
    page.wait_for_selector("#link[aria-invalid=false]")
    assert page.inner_text("#link-error") == ""
