"""The map of regional activity in a real browser, on a live server with the demo data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box
from sqlalchemy import select

from config.settings import Settings
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import AdminArea, Territory
from regions.publishing.page_tokens import cipher_for
from service.demo import DEMO_PASSWORD, demo_fake_pages
from service.fakegraph import FakeGraphServer
from tests.browser.conftest import axe_violations, screenshot, seed_demo_world, served
from tests.conftest import TEST_SECRET, FreshDatabase

pytestmark = pytest.mark.browser
LYON = (4.8357, 45.7676)
SLOW = 90_000  # ms: WebGL through SwiftShader on a shared machine


def _communes(uow: UnitOfWork) -> None:
    """A 3 × 3 grid of gazetteer "communes" around Lyon, inside the demo's Lyon region (the
    outer ones far from the demo's posts)."""
    for row in range(3):
        for column in range(3):
            west, south = LYON[0] - 0.25 + column * 0.2, LYON[1] - 0.25 + row * 0.2
            shape = from_shape(MultiPolygon([box(west, south, west + 0.1, south + 0.1)]), 4326)
            name = f"Commune {row}{column}"
            uow.session.add(AdminArea(level="commune", code=f"69X{row}{column}", name=name,
                                      search_name=name.lower(), geom=shape,
                                      geom_simplified=shape))


@pytest.fixture(scope="module")
def demo_server(fresh_database: FreshDatabase) -> Iterator[dict[str, Any]]:
    """A database of its own with the demo seeded (as `relais demo` does) and the app serving
    it on 127.0.0.1 without a base map."""
    url, drop = fresh_database()
    engine = make_engine(url)
    try:
        yield from _serve_demo(url, engine)
    finally:
        engine.dispose()
        drop()


def _serve_demo(url: str, engine: Any) -> Iterator[dict[str, Any]]:
    factory = make_session_factory(engine)
    cipher = cipher_for(None, "map-browser-secret", production=False)
    with FakeGraphServer(demo_fake_pages()) as graph_server:
        seed_demo_world(factory, graph_server.base_url, cipher, extra=_communes)
    with UnitOfWork(factory) as uow:
        ids = {row[0]: row[1] for row in uow.session.execute(select(Territory.slug, Territory.id))}
    settings = Settings(environment="test", secret_key=TEST_SECRET, database_url=url,
                        basemap_url="none")
    with served(settings) as base:
        yield {"url": base, "ids": ids}


def _click_a_post_near_lyon(page: Any) -> dict[str, Any]:
    """Up close at Lyon, where a marker is one post (a sparse tile holds each post), click one
    post's marker (not a cluster); its id and where it was on the canvas."""
    page.evaluate("""([lon, lat]) => document.getElementById('map').relaisMap
                       .jumpTo({center: [lon, lat], zoom: 10})""", LYON)
    page.wait_for_function(
        "() => document.getElementById('map').relaisMap"
        ".queryRenderedFeatures({layers: ['posts-circle']}).some(f => f.properties.id)",
        timeout=SLOW)
    page.locator("#map").scroll_into_view_if_needed()
    canvas = page.locator("#map canvas").bounding_box()
    marker: dict[str, Any] = page.evaluate(
        """() => { const map = document.getElementById('map').relaisMap;
        const found = map.queryRenderedFeatures({layers: ['posts-circle']})
            .find(f => f.properties.id !== undefined);  // one post, not a cluster
        return {id: found.properties.id, ...map.project(found.geometry.coordinates)}; }""")
    page.mouse.click(canvas["x"] + marker["x"], canvas["y"] + marker["y"])
    return marker


def _open_map(page: Any, base: str, email: str, path: str = "/map") -> list[str]:
    """Log in and open the map; returns the list that collects requests leaving 127.0.0.1."""
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith(("http://127.0.0.1:", "blob:", "data:")) else None)
    page.goto(f"{base}/login?next={path.replace('?', '%3F').replace('&', '%26')}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#map canvas", timeout=SLOW)
    page.wait_for_function("() => document.getElementById('map').dataset.ready === '1'",
                           timeout=SLOW)
    return outside


def rendered(page: Any, layers: list[str]) -> list[dict[str, Any]]:
    return page.evaluate(
        """layers => document.getElementById('map').relaisMap
             .queryRenderedFeatures({layers}).map(f => f.properties)""", layers)


def _updated(page: Any, before: str) -> None:
    page.wait_for_function(
        "before => document.getElementById('map').dataset.updates !== before", arg=before,
        timeout=SLOW)
    page.wait_for_function("() => document.getElementById('map').relaisMap.loaded()",
                           timeout=SLOW)


def test_the_desk_sees_territories_posts_filters_and_a_territorys_gaps(page, demo_server):
    base = demo_server["url"]
    outside = _open_map(page, base, "desk@demo.relais.test")
    territories = rendered(page, ["territory-fill", "territory-child-fill"])
    assert {"Démo — Direction régionale Lyon", "Démo — Direction régionale Lille"} <= {
        t["name"] for t in territories}
    assert max(t["posts"] for t in territories) > 0
    markers = rendered(page, ["posts-circle"])
    assert markers, "no post marker rendered"
    statuses = {m.get("status") for m in markers}
    assert len(statuses) > 1  # the desk sees drafts, posts under review and published ones
    shown_before = page.get_attribute("#map", "data-post-count")
    count_text = page.inner_text("#posts-count")

    updates = page.get_attribute("#map", "data-updates")
    page.select_option("#filter-status", "published")
    _updated(page, updates)
    page.wait_for_function(
        "() => document.getElementById('map').relaisMap.queryRenderedFeatures("
        "{layers: ['posts-circle']}).every(f => f.properties.status === 'published')",
        timeout=SLOW)
    assert {m.get("status") for m in rendered(page, ["posts-circle"])} == {"published"}
    assert page.get_attribute("#map", "data-post-count") != shown_before
    assert page.inner_text("#posts-count") != count_text
    assert "status=published" in page.url  # the view is in the address

    # A marker's popup: its excerpt, status and link; the audience drawn. Up close, where a
    # marker is one post (a sparse tile holds each post).
    marker = _click_a_post_near_lyon(page)
    popup = page.wait_for_selector(".maplibregl-popup-content", timeout=SLOW)
    assert f'href="/posts/{marker["id"]}"' in popup.inner_html()
    assert "Publié" in popup.inner_text() and "Ouvrir la publication" in popup.inner_text()
    assert f"Post n°\u00a0{marker['id']}" in popup.inner_text()  # as the pages name it
    page.keyboard.press("Escape")  # closes the popup
    page.wait_for_selector(".maplibregl-popup", state="detached")

    # Click the Lyon region on the map, away from its posts: its panel and its gaps.
    target = [LYON[0] - 0.25, LYON[1] + 0.25]
    page.evaluate("""([lon, lat]) => document.getElementById('map').relaisMap
                       .jumpTo({center: [lon, lat], zoom: 8.5})""", target)
    page.wait_for_function("() => document.getElementById('map').relaisMap.loaded()",
                           timeout=SLOW)
    point = page.evaluate("""([lon, lat]) => document.getElementById('map').relaisMap
                                .project([lon, lat])""", target)
    canvas = page.locator("#map canvas").bounding_box()
    page.mouse.click(canvas["x"] + point["x"], canvas["y"] + point["y"])
    page.wait_for_function("() => document.getElementById('map').dataset.gaps !== undefined",
                           timeout=SLOW)
    assert page.inner_text("#panel-title") == "Démo — Direction régionale Lyon"
    assert "Publié" in page.inner_text("#panel-counts")
    gaps_text = page.inner_text("#panel-gaps")
    assert "zones sur 9 sans publication" in gaps_text, gaps_text
    assert page.get_attribute("#panel-review-link", "href") == (
        f"/review?territory={demo_server['ids']['demo-lyon']}")
    page.wait_for_function("() => document.getElementById('map').relaisMap.loaded()",
                           timeout=SLOW)
    assert int(page.get_attribute("#map", "data-gaps")) > 0
    assert rendered(page, ["gaps-fill"]), "coverage gaps not drawn"
    assert f"panel={demo_server['ids']['demo-lyon']}" in page.url
    screenshot(page, "map-desk-lyon-panel")
    assert axe_violations(page) == []
    assert outside == [], outside


def test_a_regional_editor_sees_no_other_territorys_drafts_on_a_phone(browser, demo_server):
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        # Marseille, at a zoom where its sparse tiles hold one feature per post:
        # the desk has drafts and posts under review there; the Lyon editor sees only what
        # Marseille published.
        outside = _open_map(page, demo_server["url"], "lyon@demo.relais.test",
                            "/map?center=5.37,43.3&zoom=9.5")
        ids = demo_server["ids"]
        marseille = {ids["demo-marseille"], ids["demo-aix"]}
        markers = page.evaluate(
            """() => document.getElementById('map').relaisMap
                 .querySourceFeatures('posts', {sourceLayer: 'posts'}).map(f => f.properties)""")
        assert markers, "no post in the editor's tiles"
        assert {m.get("territory_id") for m in markers} <= marseille
        assert {m.get("status") for m in markers} == {"published"}
        listed = page.locator("#post-table tbody tr").count()
        assert listed > 0
        assert page.locator("#post-table tbody tr a").first.inner_text().startswith("Post n°\u00a0")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        screenshot(page, "map-regional-editor-phone")
        assert axe_violations(page) == []
        assert outside == [], outside
    finally:
        context.close()
    assert errors == [], errors


def test_the_campaign_dashboard_maps_its_targets(page, demo_server):
    _open_map(page, demo_server["url"], "desk@demo.relais.test")
    page.goto(f"{demo_server['url']}/campaigns")
    page.locator("main table a").first.click()
    page.wait_for_function(
        "() => document.getElementById('campaign-map')?.dataset.ready === '1'", timeout=SLOW)
    states = page.evaluate("""() => document.getElementById('campaign-map').relaisMap
        .queryRenderedFeatures({layers: ['targets-fill']}).map(f => f.properties.state)""")
    assert states and set(states) <= {"adapted", "pending", "late"}
    rows = page.locator("#campaign-dashboard tbody tr").count()
    assert len(set(page.evaluate("""() => document.getElementById('campaign-map').relaisMap
        .querySourceFeatures('targets').map(f => f.properties.id)"""))) == rows
    screenshot(page, "campaign-dashboard-map")
    assert axe_violations(page) == []


def test_the_map_s_counts_agree_with_their_number_in_french(page, demo_server):
    """One territory is « 1 territoire. », never « 1 territoires. » (Intl.PluralRules)."""
    aix = demo_server["ids"]["demo-aix"]
    _open_map(page, demo_server["url"], "desk@demo.relais.test", f"/map?territory={aix}")
    page.wait_for_function("() => document.getElementById('map-status').textContent.trim()",
                           timeout=SLOW)
    assert page.inner_text("#map-status").startswith("1 territoire. ")
    shown = page.inner_text("#posts-count")
    count = int(shown.split()[0])
    assert shown == (f"{count} publication affichée dans cette vue." if count < 2
                     else f"{count} publications affichées dans cette vue."), shown


NO_NETWORK = "net::ERR_INTERNET_DISCONNECTED"


def test_a_territory_panel_the_network_lost_says_so_instead_of_the_last_figures(page,
                                                                               demo_server):
    _open_map(page, demo_server["url"], "desk@demo.relais.test")
    table = page.locator("#territory-table")
    table.get_by_role("button", name="Démo — Direction régionale Lyon").click()
    page.wait_for_function("() => document.getElementById('map').dataset.gaps !== undefined",
                           timeout=SLOW)
    assert "Publié" in page.inner_text("#panel-counts")
    page.route("**/api/map/territories/*/panel", lambda route: route.abort("internetdisconnected"))
    table.get_by_role("button", name="Démo — Direction régionale Lille").click()
    page.wait_for_selector("#panel-hint.notice.warning")
    assert page.inner_text("#panel-title") == "Démo — Direction régionale Lille"
    assert page.inner_text("#panel-hint") == (
        "Les chiffres de ce territoire n’ont pas pu être chargés (pas de réponse du serveur). "
        "Choisissez-le de nouveau pour réessayer.")
    assert page.locator("#panel-body").is_hidden()  # Lyon's figures are not shown as Lille's
    assert page.get_attribute("#territory-panel", "aria-live") == "polite"
    screenshot(page, "map-panel-lost")
    page.console_errors[:] = [e for e in page.console_errors if NO_NETWORK not in e]


def test_a_post_the_network_lost_says_so_where_its_popup_would_open(page, demo_server):
    _open_map(page, demo_server["url"], "desk@demo.relais.test")
    page.route("**/api/posts/*", lambda route: route.abort("internetdisconnected"))
    _click_a_post_near_lyon(page)
    popup = page.wait_for_selector(".maplibregl-popup-content .notice.warning", timeout=SLOW)
    words = ("Ce post n’a pas pu être chargé (pas de réponse du serveur). "
             "Cliquez de nouveau dessus pour réessayer.")
    assert popup.inner_text() == words
    assert page.inner_text("#map-status") == words  # the page's status line, read aloud
    screenshot(page, "map-post-lost")
    page.console_errors[:] = [e for e in page.console_errors if NO_NETWORK not in e]


def test_a_campaign_map_the_network_lost_is_said_under_it(page, demo_server):
    _open_map(page, demo_server["url"], "desk@demo.relais.test")
    page.route("**/api/campaigns/*/map", lambda route: route.abort("internetdisconnected"))
    page.goto(f"{demo_server['url']}/campaigns")
    page.locator("main table a").first.click()
    status = page.wait_for_selector("#campaign-map-status.notice.warning", timeout=SLOW)
    assert status.inner_text() == (
        "La carte n’a pas pu être chargée (pas de réponse du serveur)\u00a0: le tableau "
        "ci-dessus donne l’état de chaque territoire.")
    assert status.get_attribute("role") == "status"
    screenshot(page, "campaign-map-lost")
    page.console_errors[:] = [e for e in page.console_errors if NO_NETWORK not in e]


def test_a_post_page_whose_territory_outline_the_network_lost_says_so(page, demo_server):
    base = demo_server["url"]
    _open_map(page, base, "desk@demo.relais.test")
    answer = page.request.get(f"{base}/api/posts?status=published&limit=50").json()
    post = next(item for item in answer["items"] if item.get("geotag"))
    page.route("**/api/territories/*", lambda route: route.abort("internetdisconnected"))
    page.goto(f"{base}/posts/{post['id']}")
    status = page.wait_for_selector("#post-map-status.notice.warning", timeout=SLOW)
    assert status.inner_text() == ("Le contour du territoire n’a pas pu être chargé (pas de "
                                   "réponse du serveur). Rechargez la page pour réessayer.")
    page.console_errors[:] = [e for e in page.console_errors if NO_NETWORK not in e]


def test_the_map_controls_speak_the_page_s_language(page, demo_server):
    """MapLibre's own labels (« Zoom in », « Toggle attribution ») come from the catalogue."""
    _open_map(page, demo_server["url"], "desk@demo.relais.test")
    assert page.get_attribute(".maplibregl-ctrl-zoom-in", "title") == "Zoom avant"
    assert page.get_attribute(".maplibregl-ctrl-zoom-out", "title") == "Zoom arrière"
    assert page.get_attribute("#map canvas", "aria-label") == "Carte"
    assert page.get_attribute(".maplibregl-ctrl-attrib-button", "title") == (
        "Afficher ou masquer les crédits de la carte")
    page.goto(f"{demo_server['url']}/campaigns")  # the workspace's small maps (createMap)
    page.locator("main table a").first.click()
    page.wait_for_function(
        "() => document.getElementById('campaign-map')?.dataset.ready === '1'", timeout=SLOW)
    assert page.get_attribute("#campaign-map canvas", "aria-label") == "Carte"
