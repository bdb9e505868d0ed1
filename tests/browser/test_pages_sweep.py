"""Every page of the people's side, as the person who uses it, on the demo data.

For each page, in French then in English: axe-core finds no serious or critical violation,
the console stays clean, nothing overflows a 390-px-wide phone, screenshots at phone and
laptop size are written (test-artifacts/screenshots/<page>-<lang>[-phone].png), and the
visible text holds no word of the other language's interface. The demo content is French, so
in English what people wrote (post texts, comments, names) is left out of that last check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from config.settings import Settings
from regions import accounts, profile, standards
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import (
    Campaign,
    CharterVersion,
    Comment,
    Post,
    PostStatus,
    Share,
    ShareKit,
    TemplateVersion,
    Territory,
    User,
)
from regions.publishing.page_tokens import cipher_for
from service.demo import DEMO_PASSWORD, demo_email, demo_fake_pages
from service.fakegraph import FakeGraphServer
from tests.browser.conftest import axe_violations, screenshot, seed_demo_world, served
from tests.conftest import TEST_SECRET, FreshDatabase

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
LOCALES = {"fr": "fr-FR", "en": "en-US"}
COMPARED_TEMPLATE = "annonce-evenement"

# Words of an English interface that a French page never shows (whole words, case kept).
ENGLISH_UI = (
    "the", "and", "of", "to", "with", "for", "your", "you", "this", "that", "not", "from",
    "is", "has", "have", "will", "was", "been", "there", "which", "when", "what",
    "Save", "Submit", "Cancel", "Edit", "Delete", "Search", "Filter", "Filters", "Status",
    "Approve", "Reject", "Draft", "Drafts", "Published", "Template", "Templates", "Territory",
    "Territories", "Password", "Language", "Settings", "Next", "Previous", "Back", "Required",
    "Must", "Missing", "Invalid", "Not a valid", "field", "Sign in", "Sign out", "Log in",
    "Log out", "Home", "Review", "Campaign", "Campaigns", "Request changes", "Changes requested",
    "Scheduled", "Failed", "Approved", "Submitted", "Rejected", "Archived", "Withdrawn",
    "Deadline", "Due", "History", "Account", "Users", "User", "Role", "Name", "Email", "Create",
    "New", "Preview", "Compare", "Charter", "Forbidden", "Loading", "Error", "Not found",
    "None", "Yes", "Close", "Add", "Remove", "Apply", "Hint", "Show", "Hide", "characters",
    "Today", "Yesterday", "ago", "hours", "days", "Connect", "Disconnect", "Token",
    "Tokens", "Revoke", "Comments", "Write", "Place", "Conflicts",
    "Queue", "Waiting", "Nothing", "Open", "Choose", "Slots", "Locked", "Rules", "Terms",
)
# Words of a French interface that an English page never shows.
FRENCH_UI = (
    "le", "la", "les", "des", "du", "une", "est", "pour", "avec", "vous", "votre", "vos",
    "aux", "dans", "sur", "pas", "qui", "été", "être",
    "Enregistrer", "Soumettre", "Brouillon", "Brouillons", "Publié", "Publiée", "Publiés",
    "Modèle", "Modèles", "Territoire", "Territoires", "Mot de passe", "Annuler", "Modifier",
    "Supprimer", "Rechercher", "Filtrer", "Statut", "Approuver", "Approuvé", "Rejeter",
    "Refuser", "Suivant", "Précédent", "Retour", "Obligatoire", "Connexion", "Se connecter",
    "Se déconnecter", "Campagne", "Campagnes", "Accueil", "Compte", "Mon compte", "Langue",
    "Utilisateur", "Utilisateurs", "Rôle", "Aucun", "Aucune", "Créer", "Nouveau", "Nouvelle",
    "Aperçu", "Comparer", "Charte", "Historique", "Commentaire", "Commentaires", "Échéance",
    "Modifications", "Erreur", "Envoyer", "Valider", "Fermer", "Ajouter", "Retirer",
    "Afficher", "Masquer", "caractères", "jours", "heures", "Aujourd’hui", "Hier", "Il y a",
    "Programmé", "Échec", "Soumis", "Refusé", "Archivé", "Retiré", "Jeton", "Jetons",
    "Révoquer", "Lieu", "Règles", "introuvable",
)
# Shorter strings of what people wrote are kept: they could be words of the interface.
MIN_USER_STRING = 4
# A list shows the start of a long text (then "…"): this much of it must match to strip it.
EXCERPT_ANCHOR = 24
CODE = "pre, code, kbd"  # identifiers and data (rule types, JSON keys), not messages
SLOT = re.compile(r"\{\w+\}")  # a template's locked text around its slots


@dataclass(frozen=True)
class Visit:
    """One page of the sweep: its name, who opens it and where."""

    name: str
    user: str | None
    path: str


def _words_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w’'.-])(" + "|".join(map(re.escape, words)) + r")(?![\w’'-])")


ENGLISH_PATTERN, FRENCH_PATTERN = _words_pattern(ENGLISH_UI), _words_pattern(FRENCH_UI)
FOREIGN = {"fr": ENGLISH_PATTERN, "en": FRENCH_PATTERN}


def without_user_content(text: str, written: list[str]) -> str:
    """The page's text without what people wrote (whole, or the start of it in a list)."""
    text = " ".join(text.split())
    by_anchor: dict[str, list[str]] = {}
    for piece in written:
        if len(piece) > EXCERPT_ANCHOR:
            by_anchor.setdefault(piece[:EXCERPT_ANCHOR], []).append(piece)
    for anchor, pieces in by_anchor.items():
        pattern = re.compile(r"(?<!\w)" + re.escape(anchor))
        while (found := pattern.search(text)) is not None:
            start = found.start()
            end = max(start + _common_prefix(text[start:], piece) for piece in pieces)
            text = text[:start] + " " + text[end:]
    for piece in written:
        text = re.sub(r"(?<!\w)" + re.escape(piece) + r"(?!\w)", " ", text)
    return text


def _common_prefix(text: str, piece: str) -> int:
    size = 0
    while size < min(len(text), len(piece)) and text[size] == piece[size]:
        size += 1
    return size


def foreign_words(text: str, language: str) -> list[str]:
    """The words of the other language's interface found in a page's text, in context."""
    return sorted({" ".join(text[max(0, m.start() - 30):m.end() + 30].split())
                   for m in FOREIGN[language].finditer(text)})


@pytest.fixture(scope="module")
def demo_graph() -> Iterator[Any]:
    """The demo's fake Facebook Pages, which the seeding publishes to."""
    with FakeGraphServer(demo_fake_pages()) as server:
        yield server


@pytest.fixture(scope="module")
def demo_database(fresh_database: FreshDatabase) -> Iterator[str]:
    """A database of the sweep's own: the demo's charter applies to every template, so the
    other browser tests' posts must not meet it in the shared live database."""
    url, drop = fresh_database()
    yield url
    drop()


@pytest.fixture(scope="module")
def demo_server(demo_database: str, demo_graph: Any) -> Iterator[str]:
    """The app served on the demo database (as tests/browser/conftest.py's live_server)."""
    with served(Settings(environment="test", secret_key=TEST_SECRET, database_url=demo_database,
                         graph_base_url=demo_graph.base_url, graph_timeout_seconds=2,
                         basemap_url="none")) as url:  # no map tiles from the internet
        yield url


@pytest.fixture(scope="module")
def demo(demo_database: str, demo_graph: Any) -> Iterator[dict[str, Any]]:
    """The demo seeded once (idempotent, as ``relais demo``), and the ids the sweep needs."""
    engine = make_engine(demo_database)
    sessions = make_session_factory(engine)
    cipher = cipher_for(None, TEST_SECRET, production=False)
    seed_demo_world(sessions, demo_graph.base_url, cipher, extra=_second_template_version)
    with sessions() as session:
        ids = _ids(session)
        ids["written"] = _written(session)
    yield ids
    engine.dispose()


def _second_template_version(uow: UnitOfWork) -> None:
    """A draft v2 of one template, so the version compare page has a difference to show."""
    record = standards.get_template(uow.session, COMPARED_TEMPLATE)
    if len(record.versions) > 1:
        return
    desk = _actor(uow, "desk")
    data = dict(standards.latest_version(uow.session, record).data)
    data["name"] = data["name"] + " (v2)"
    standards.edit_template(uow, desk, COMPARED_TEMPLATE, data)


def _actor(uow: UnitOfWork, name: str) -> Any:
    user = uow.session.scalar(select(User).where(User.email == demo_email(name)))
    return accounts.actor_for_user_id(uow, user.id)


def _ids(session: Any) -> dict[str, Any]:
    lyon = session.scalar(select(Territory.id).where(Territory.slug == "demo-lyon"))

    def lyon_post(status: PostStatus, *extra: Any) -> int:
        return session.scalar(select(Post.id).where(
            Post.territory_id == lyon, Post.status == status, *extra).order_by(Post.id).limit(1))

    return {
        "draft": lyon_post(PostStatus.DRAFT),
        "changes": lyon_post(PostStatus.CHANGES_REQUESTED),
        "published": lyon_post(PostStatus.PUBLISHED, Post.permalink.is_not(None)),
        "failed": session.scalar(select(Post.id).join(Territory).where(
            Territory.slug == "demo-rennes", Post.status == PostStatus.FAILED)
            .order_by(Post.id).limit(1)),
        "submitted": session.scalar(select(Post.id).where(
            Post.status == PostStatus.SUBMITTED).order_by(Post.id).limit(1)),
        "campaign": session.scalar(select(Campaign.id).order_by(Campaign.id).limit(1)),
        "lyon_user": session.scalar(select(User.id).where(User.email == demo_email("lyon"))),
        "template": COMPARED_TEMPLATE,
    }


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _written(session: Any) -> list[str]:
    """Everything people wrote in the demo (French whatever the page's language), longest first."""
    columns = (Post.text, Post.place_name, Post.slot_values, Campaign.title, Campaign.master_text,
               Campaign.slot_values, Comment.body, Territory.name, User.display_name,
               TemplateVersion.data, CharterVersion.data, ShareKit.title, ShareKit.suggestions,
               Share.text)
    found = {" ".join(piece.split()) for column in columns
             for value in session.scalars(select(column)) for text in _strings(value)
             for piece in [text, *SLOT.split(text)]}
    return sorted((text for text in found if len(text) >= MIN_USER_STRING), key=len, reverse=True)


def _set_language(sessions: Any, language: str) -> None:
    """Every demo user's own language, through the use case the account page calls."""
    with UnitOfWork(sessions) as uow:
        for user in uow.session.scalars(select(User).where(
                User.email.like("%@demo.relais.test"))):
            actor = accounts.actor_for_user_id(uow, user.id)
            profile.set_language(uow, actor, language)
        uow.commit()


VISITS = (
    Visit("login", None, "/login"),
    Visit("not-found-anonymous", None, "/no-such-page"),
    Visit("home-desk", "desk", "/"),
    Visit("home-regional", "lyon", "/"),
    Visit("home-regional-failed", "rennes", "/"),  # the demo's Rennes Page: an expired token
    Visit("home-contributor", "contrib-lyon", "/"),
    Visit("home-viewer", "viewer", "/"),
    Visit("home-admin", "admin", "/"),
    Visit("posts", "lyon", "/posts"),
    Visit("post-choose", "lyon", "/posts/new"),
    Visit("post-new-campaign", "lyon", "/posts/new?campaign={campaign}"),
    Visit("post-new-template", "lyon", "/posts/new?template={template}"),
    Visit("post-draft", "lyon", "/posts/{draft}"),
    Visit("post-draft-edit", "lyon", "/posts/{draft}/edit"),
    Visit("post-changes-requested", "lyon", "/posts/{changes}"),
    Visit("post-published", "lyon", "/posts/{published}"),
    Visit("post-failed", "rennes", "/posts/{failed}"),
    Visit("review-queue", "desk", "/review"),
    Visit("review-post", "desk", "/review/{submitted}"),
    Visit("standards", "desk", "/standards"),
    Visit("charter", "desk", "/standards/charter"),
    Visit("template-editor", "desk", "/standards/templates/{template}"),
    Visit("template-new", "desk", "/standards/templates/new"),
    Visit("template-compare", "desk", "/standards/templates/{template}/compare"),
    Visit("campaigns", "desk", "/campaigns"),
    Visit("campaign-dashboard", "desk", "/campaigns/{campaign}"),
    Visit("campaign-new", "desk", "/campaigns/new"),
    Visit("campaign-edit", "desk", "/campaigns/{campaign}/edit"),
    Visit("account", "lyon", "/account"),
    Visit("admin-users", "admin", "/admin/users"),
    Visit("admin-user-edit", "admin", "/admin/users/{lyon_user}"),
    Visit("admin-user-new", "admin", "/admin/users/new"),
    Visit("admin-pages", "admin", "/admin/pages"),
    Visit("admin-settings", "admin", "/admin/settings"),
    Visit("not-found", "desk", "/no-such-page"),
    Visit("ambassador-kits", "ambassador", "/ambassador"),
    Visit("ambassadors-team", "lyon", "/ambassadors"),
    Visit("map-desk", "desk", "/map"),
    Visit("map-regional", "lyon", "/map"),
    Visit("not-found-ambassador-invitation", None, "/ambassador/join/inv_no-such-invitation"),
)


class Sweep:
    """One signed-in browser context per demo user and language, reused for every page."""

    def __init__(self, browser: Any, live_server: str, sessions: Any) -> None:
        self.browser, self.live_server, self.sessions = browser, live_server, sessions
        self.contexts: dict[tuple[str | None, str], Any] = {}
        self.language = "fr"

    def page(self, user: str | None, language: str) -> Any:
        """The open page of this user (None: nobody signed in) in this language."""
        if self.language != language:
            _set_language(self.sessions, language)
            self.language = language
        key = (user, language)
        if key not in self.contexts:
            # A signed-in person's own language wins over a French browser's.
            locale = LOCALES[language] if user is None else LOCALES["fr"]
            context = self.browser.new_context(locale=locale, viewport=PHONE)
            page = context.new_page()
            page.console_errors = []
            page.on("console", lambda msg, page=page: page.console_errors.append(msg.text)
                    if msg.type == "error" else None)
            if user is not None:
                self._sign_in(page, user)
            self.contexts[key] = context
        return self.contexts[key].pages[0]

    def _sign_in(self, page: Any, user: str) -> None:
        page.goto(f"{self.live_server}/login")
        page.fill("input[name=email]", demo_email(user))
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        landing = "/ambassador" if user.startswith("ambassador") else "/"  # their one page
        page.wait_for_url(f"{self.live_server}{landing}")

    def close(self) -> None:
        """Close every context."""
        for context in self.contexts.values():
            context.close()


@pytest.fixture(scope="module")
def sweep(browser: Any, demo_server: str, demo_database: str, demo: dict[str, Any]
          ) -> Iterator[Sweep]:
    """The signed-in contexts of the sweep (French first, then English)."""
    engine = make_engine(demo_database)
    sweep = Sweep(browser, demo_server, make_session_factory(engine))
    yield sweep
    sweep.close()
    engine.dispose()


def visible_ui_text(page: Any, written: list[str]) -> str:
    """The page's visible text, without what people wrote (the demo's French content) or code.

    It hides the code on the page: call it last.
    """
    text = page.evaluate("""(codes) => {
        document.querySelectorAll(codes).forEach(el => { el.hidden = true; });
        return document.body.innerText;
    }""", CODE)
    return without_user_content(str(text), written)


@pytest.mark.parametrize(("language", "visit"), [
    (language, visit) for language in ("fr", "en") for visit in VISITS],
    ids=[f"{visit.name}-{language}" for language in ("fr", "en") for visit in VISITS])
def test_page_is_accessible_fits_a_phone_and_speaks_one_language(sweep, demo, language, visit):
    page = sweep.page(visit.user, language)
    page.console_errors.clear()
    page.set_viewport_size(PHONE)
    expected = 404 if visit.name.startswith("not-found") else 200
    response = page.goto(sweep.live_server + visit.path.format(**demo),
                         wait_until="networkidle")
    assert response.status == expected, page.url
    assert page.locator("h1").count() == 1
    assert page.locator("html").get_attribute("lang") == language
    signed_in = page.locator("header form[action$='/logout']").count() == 1
    assert signed_in == (visit.user is not None), "the menu of the signed-in person"

    width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, f"{visit.name}-{language}-phone")
    assert width <= PHONE["width"] + 1, _widest(page)
    assert _clipped_tables(page) == []
    page.set_viewport_size(LAPTOP)
    screenshot(page, f"{visit.name}-{language}")
    assert axe_violations(page) == []

    text = visible_ui_text(page, demo["written"])
    found = foreign_words(text, language)
    assert not found, "\n".join(found)
    other = "en" if language == "fr" else "fr"
    assert foreign_words(text, other), "the language check would not see a wrong language"
    errors = list(page.console_errors)
    if expected == 404:
        errors = [e for e in errors if "404 (NOT FOUND)" not in e]
    assert errors == []


def _widest(page: Any) -> list[str]:
    """The elements that stick out of the viewport (to say what overflows)."""
    return list(page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 8).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
            + (el.className && typeof el.className === 'string'
               ? '.' + el.className.trim().split(/\\s+/).join('.') : ''))"""))


def _clipped_tables(page: Any) -> list[str]:
    """Tables wider than their box that one cannot scroll to with the keyboard, or see scroll.

    The page's own width does not tell: a table cut off inside a scrolling box leaves the
    document as wide as the phone (the map's territory table at 390 px). Such a table must sit
    in a ``.table-scroll`` box that scrolls, is a named region and takes the focus.
    """
    return list(page.evaluate("""() => [...document.querySelectorAll('table')]
        .filter(table => table.getClientRects().length > 0)
        .filter(table => {
            const box = table.parentElement;
            return table.getBoundingClientRect().width > box.clientWidth + 1
                || table.getBoundingClientRect().right > window.innerWidth + 1;
        })
        .filter(table => {
            const box = table.parentElement;
            return !(box.matches('.table-scroll[role=region][tabindex="0"]')
                     && (box.getAttribute('aria-label') || box.getAttribute('aria-labelledby'))
                     && getComputedStyle(box).overflowX === 'auto');
        })
        .map(table => table.id || table.dataset.testid || table.className)"""))


def test_the_maps_territory_table_scrolls_in_a_focusable_region_on_a_phone(sweep, demo):
    """It was cut off at 390 px (« Adaptations en retard »), with no way to its last columns
    from the keyboard. (The map is not in the sweep's pages: its own tests check it.)"""
    page = sweep.page("desk", "fr")
    page.set_viewport_size(PHONE)
    page.goto(sweep.live_server + "/map", wait_until="networkidle")
    page.locator("#territory-table tbody tr").first.wait_for()
    table = page.locator("#territory-table")
    assert table.evaluate("t => t.getBoundingClientRect().width") > PHONE["width"]
    screenshot(page, "map-desk-phone-tables")
    assert _clipped_tables(page) == []
    region = page.locator(".table-scroll:has(#territory-table)")
    assert region.get_attribute("aria-labelledby") == "territory-table-title"
    region.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector("
                           "'.table-scroll:has(#territory-table)').scrollLeft > 0")


def test_a_failed_posts_publishing_attempts_read_at_laptop_width(sweep, demo):
    """The attempts table sits where its Detail column has room: no sideways scroll at 1280 px."""
    page = sweep.page("rennes", "fr")
    page.set_viewport_size(LAPTOP)
    page.goto(sweep.live_server + f"/posts/{demo['failed']}", wait_until="networkidle")
    screenshot(page, "post-failed-attempts-laptop")
    wraps = page.locator("#publications .table-scroll")
    assert wraps.count() >= 1, "the demo's failed post has calls to Facebook to show"
    for size in wraps.evaluate_all(
            "els => els.map(el => [el.scrollWidth, el.clientWidth])"):
        assert size[0] <= size[1], f"the attempts table scrolls sideways: {size}"
    # The Detail column is wide enough to read (not one word per line).
    detail = page.locator("#publications td[data-label]").last.bounding_box()
    assert detail is not None and detail["width"] >= 200, detail
    page.set_viewport_size(PHONE)
    screenshot(page, "post-failed-attempts-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_a_long_slot_value_shows_whole_in_the_post_form(sweep, demo, size):
    """The campaign's « Détails » (a sentence) wraps in its box: no part of it out of sight."""
    page = sweep.page("lyon", "fr")
    page.set_viewport_size(size)
    page.goto(sweep.live_server + f"/posts/new?campaign={demo['campaign']}",
              wait_until="networkidle")
    box = page.locator("#slot-details")
    value = box.input_value()
    assert len(value) > 80, "the demo campaign's details are a sentence"
    sizes = box.evaluate("el => [el.scrollWidth, el.clientWidth, el.scrollHeight, el.clientHeight]")
    assert sizes[0] <= sizes[1] and sizes[2] <= sizes[3] + 1, sizes
    box.fill(value + " Merci.")  # the text follows the slot, whatever its box
    assert "Merci." in page.locator("#post-text").input_value()
