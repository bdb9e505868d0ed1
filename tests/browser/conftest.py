"""Browser tests: the real app served on 127.0.0.1, driven in Debian's headless Chromium."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from config.settings import Settings
from regions.db import UnitOfWork, make_engine
from tests.conftest import TEST_SECRET, FreshDatabase

CHROMIUM = next((p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
                 if Path(p).exists()), shutil.which("chromium"))
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def live_database(fresh_database: FreshDatabase) -> Iterator[str]:
    """A committed database of its own: the served app and the test share it."""
    url, drop = fresh_database()
    yield url
    drop()


STORY_PAGE_ID, STORY_PAGE_TOKEN = "2001", "EAAPage2001-browser-story-token"


@pytest.fixture(scope="session")
def fake_graph() -> Iterator[Any]:
    """The fake Graph API the served app and its worker publish to, with one Page."""
    from service.fakegraph import FakeGraphServer, FakePage

    with FakeGraphServer([FakePage(STORY_PAGE_ID, "Relais Lyon", {STORY_PAGE_TOKEN})]) as server:
        yield server


@pytest.fixture(scope="session")
def live_settings(live_database: str, fake_graph: Any) -> Settings:
    """The served app's settings: the live database and the fake Graph API; no basemap (the
    tests never leave this machine: the map's tiles would come from the internet)."""
    return Settings(environment="test", secret_key=TEST_SECRET, database_url=live_database,
                    graph_base_url=fake_graph.base_url, graph_timeout_seconds=2,
                    basemap_url="none")


@pytest.fixture(scope="session")
def publishing_worker(live_settings: Settings) -> Iterator[None]:
    """A publishing worker thread on the live database, as `relais worker` runs it."""
    from regions.db import make_session_factory
    from regions.publishing.publisher import Publisher, PublishingConfig
    from service.publishing import graph_client, token_cipher

    engine = make_engine(live_settings.database_url or "")
    config = PublishingConfig(graph_timeout=2.0, settle_margin=1.0, backoff_base=0.5,
                              backoff_cap=2.0, poll_interval=0.2)
    publisher = Publisher(make_session_factory(engine), graph_client(live_settings),
                          token_cipher(live_settings), config, worker="browser-tests")
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            if publisher.run_once() is None:
                stop.wait(config.poll_interval)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=10)
    engine.dispose()


@contextmanager
def served(settings: Settings) -> Iterator[str]:
    """The app built from ``settings``, served on a free port of 127.0.0.1 in a thread."""
    from service.app import create_app

    app = create_app(settings)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        app.extensions["relais"].engine.dispose()


def seed_demo_world(sessions: Any, graph_base_url: str, cipher: Any,
                    extra: Callable[[UnitOfWork], None] | None = None) -> None:
    """Seed the demo as `relais demo` does (idempotent), then publish what is due."""
    from regions.publishing.graph import GraphClient
    from service.demo import seed_demo, seed_demo_pages
    from service.demo_ambassadors import seed_demo_ambassadors
    from service.demo_stories import publish_due, seed_demo_content

    with UnitOfWork(sessions) as uow:
        seed_demo(uow)
        seed_demo_pages(uow, cipher)
        seed_demo_content(uow, now=datetime.now(UTC))
        if extra is not None:
            extra(uow)
        uow.commit()
    graph = GraphClient(base_url=graph_base_url, timeout=5)
    try:
        publish_due(sessions, graph, cipher)
        seed_demo_ambassadors(sessions, now=datetime.now(UTC), graph=graph, cipher=cipher)
    finally:
        graph.close()


@pytest.fixture(scope="session")
def live_server(live_settings: Settings) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, in a thread."""
    with served(live_settings) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium under Playwright (never a downloaded browser)."""
    if CHROMIUM is None:
        pytest.fail("Debian's chromium is not installed: ./dev.sh test installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (cookies) and page; console errors fail the test."""
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: page.console_errors.append(msg.text)
            if msg.type == "error" else None)
    yield page
    context.close()
    assert page.console_errors == [], page.console_errors


ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "service/web/static/vendor/axe.min.js"  # copied from npm by ./dev.sh (dev mode)
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
BLOCKING_IMPACTS = ("serious", "critical")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core (from npm) in the page; the serious and critical violations it finds."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: ./dev.sh test installs it with npm ci")
    # Served by the app itself, so the pages' strict CSP (script-src 'self') allows it.
    origin = "/".join(page.url.split("/")[:3])
    page.add_script_tag(url=f"{origin}/static/vendor/axe.min.js")
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [node["target"] for node in v["nodes"]][:5]}
        for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS
    ]


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as a test artifact (test-artifacts/screenshots/NAME.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# Words of one language's interface that never appear in the other's (user content aside:
# the stories write French posts, so the French list avoids words a French post could hold).
ENGLISH_UI = (
    "the", "and", "your", "with", "Save", "Submit", "Cancel", "Edit", "Delete", "Search",
    "Filter", "Status", "Approve", "Reject", "Draft", "Published", "Template", "Territory",
    "Password", "Language", "Settings", "Next", "Previous", "Required", "Missing", "Invalid",
    "Not a valid", "field", "Log out", "Home", "Review", "Campaigns", "Account", "Welcome",
    "Changes requested", "History", "Preview", "Map", "Radius", "Awaiting", "Scheduled",
    "Rejected", "Withdrawn", "Failed", "Back", "Help", "Shortcuts", "Request changes",
)
FRENCH_UI = (
    "Enregistrer", "Soumettre", "Brouillon", "Publié", "Modèle", "Territoire", "Mot de passe",
    "Se déconnecter", "Accueil", "Relecture", "Campagnes", "Aucun", "Aucune",
    "Modifications demandées", "Approuver", "Refuser", "Historique", "Aperçu", "Carte",
    "Rechercher", "Filtrer", "Statut", "Langue", "Retour", "Précédent", "Suivant", "Programmé",
)


def foreign_words(text: str, language: str) -> list[str]:
    """The other language's interface words found in ``text`` (a page in ``language``)."""
    import re

    words = ENGLISH_UI if language == "fr" else FRENCH_UI
    return [word for word in words if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)]
