"""Translations: Flask-Babel with gettext catalogues (``service/translations``).

Message ids are English; ``fr`` is the catalogue every string must have (a test checks it).
The language of a request: a signed-in person's own choice on web pages, else the
``Accept-Language`` header, else ``RELAIS_LANGUAGE``. API answers (``/api/``, ``/ogc/``) follow
``Accept-Language`` first, as documented, so scripts get what they ask for whatever the account
says.
"""

from __future__ import annotations

import gettext
from pathlib import Path

from babel.support import Translations
from flask import Flask, current_app, g, request
from flask_babel import Babel

from editorial import ViolationMessages

LANGUAGES = ("fr", "en")
TRANSLATIONS = Path(__file__).parent / "translations"

babel = Babel()


def header_language() -> str | None:
    """The best of fr/en in ``Accept-Language``, or None when it names neither."""
    if not request.accept_languages:
        return None
    return request.accept_languages.best_match(LANGUAGES)


def select_language() -> str:
    """The language of this request's messages (see the module docstring)."""
    default: str = current_app.config.get("RELAIS_DEFAULT_LANGUAGE", "fr")
    if not request:
        return default
    is_api = request.path.startswith(("/api/", "/ogc/"))  # machines: Accept-Language first
    actor = g.get("actor")
    chosen = getattr(actor, "language", None) if actor is not None and not is_api else None
    return chosen or header_language() or default


def init_app(app: Flask) -> None:
    """Bind Flask-Babel to the app with Relais' catalogues and language choice."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    babel.init_app(app, locale_selector=select_language, default_timezone="Europe/Paris")


def load_violation_messages() -> ViolationMessages:
    """The validation engine's messages, with the French of the compiled catalogue.

    Loaded as Flask-Babel loads it (``babel.support.Translations``). A missing ``.mo`` would
    silently give English where reports keep French: it is refused here instead.
    """
    french = Translations.load(str(TRANSLATIONS), ["fr"])
    if not isinstance(french, gettext.GNUTranslations):
        raise RuntimeError(f"no compiled French catalogue in {TRANSLATIONS}: run "
                           "`pybabel compile -d service/translations` (./dev.sh does)")
    return ViolationMessages(french)
