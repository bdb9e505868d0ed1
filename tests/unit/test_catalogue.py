"""The French catalogue is complete: every message the code and pages use has a translation."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from editorial import Severity, Violation, ViolationMessages
from editorial.messages import FALLBACK, LOCAL_TIME, VIOLATION_MESSAGES
from service import i18n
from service.i18n import load_violation_messages

ROOT = Path(__file__).resolve().parents[2]
FRENCH = ROOT / "service/translations/fr/LC_MESSAGES/messages.po"


def _extract(tmp_path: Path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
         "-k", "_l", "--no-location", "-o", str(pot), "."],
        cwd=ROOT, check=True,
    )
    with pot.open("rb") as handle:
        return {_key(message.id) for message in read_po(handle) if message.id}


def _key(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def _french() -> dict[str, object]:
    with FRENCH.open("rb") as handle:
        catalogue = read_po(handle)
    return {_key(message.id): message for message in catalogue if message.id}


def test_every_message_in_the_code_is_in_the_french_catalogue(tmp_path):
    missing = _extract(tmp_path) - set(_french())
    assert not missing, f"run pybabel extract + update (README), then translate: {sorted(missing)}"


def test_every_french_message_is_translated_and_reviewed():
    untranslated = [key for key, message in _french().items()
                    if not (message.string if isinstance(message.string, str)
                            else all(message.string))]
    fuzzy = [key for key, message in _french().items() if message.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_french_translations_keep_their_placeholders():
    placeholder = re.compile(r"%\((\w+)\)s|\{(\w+)\}")
    wrong = []
    for key, message in _french().items():
        strings = [message.string] if isinstance(message.string, str) else message.string
        for text in strings:
            if set(placeholder.findall(key)) - set(placeholder.findall(text)):
                wrong.append(key)
    assert wrong == []


def test_french_punctuation_has_its_no_break_space():
    wrong = []
    for key, message in _french().items():
        strings = [message.string] if isinstance(message.string, str) else message.string
        # Code between backticks (an HTTP header, a command) keeps its own punctuation.
        prose = [re.sub(r"`[^`]*`", "", text).replace("://", "") for text in strings]
        if any(re.search(r"[^\u00a0\u202f][:;!?](\s|$)", text) for text in prose):
            wrong.append(key)
    assert wrong == [], "French puts a no-break space (U+00A0) before : ; ! ?"


def test_french_guillemets_hold_their_no_break_spaces():
    wrong = []
    for key, message in _french().items():
        strings = [message.string] if isinstance(message.string, str) else message.string
        if any(re.search(r"«(?![\u00a0\u202f])|(?<![\u00a0\u202f])»", text) for text in strings):
            wrong.append(key)
    assert wrong == [], "French writes «\u00a0text\u00a0» (U+00A0 inside the guillemets)"


VIOLATION_IDS = sorted({*(text for pair in VIOLATION_MESSAGES.values() for text in pair),
                        *FALLBACK, LOCAL_TIME})


def test_every_violation_message_is_translated_with_the_engine_s_spaces():
    """Reports keep « : » after a no-break space and « ; ! ? » after a narrow one (U+202F)."""
    french = _french()
    missing = [key for key in VIOLATION_IDS if key not in french or not french[key].string]
    assert missing == []
    wrong = [key for key in VIOLATION_IDS
             if re.search(r"[ \u202f]:|[ \u00a0][;!?]|« | »", french[key].string)]
    assert wrong == []


def test_the_compiled_catalogue_gives_violations_the_french_of_the_po():
    """The service renders from the ``.mo``: stale, it would show old French (compile it)."""
    french = _french()

    class FromPo:
        def gettext(self, message: str) -> str:
            found = french.get(message)
            return found.string if found is not None else message

    compiled, written = load_violation_messages(), ViolationMessages(FromPo())
    for code in [*VIOLATION_MESSAGES, "no.such"]:
        violation = Violation("r", code, Severity.ERROR)
        assert compiled.render(violation, "fr") == written.render(violation, "fr"), code


def test_without_a_compiled_catalogue_the_service_refuses_to_start(tmp_path, monkeypatch):
    """Else every stored report would hold English where French is expected."""
    (tmp_path / "fr/LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "fr/LC_MESSAGES/messages.po").write_bytes(FRENCH.read_bytes())  # not compiled
    monkeypatch.setattr(i18n, "TRANSLATIONS", tmp_path)
    with pytest.raises(RuntimeError, match="pybabel compile"):
        load_violation_messages()


def test_french_names_a_template_s_parts_as_the_editor_form_does():
    """The form says « Texte verrouillé » and « Champs »: never « corps » or « emplacement »."""
    assert _french()["Locked text"].string == "Texte verrouillé"
    assert _french()["Add a slot"].string == "Ajouter un champ"
    named = []  # "locked text" and "slot" (not the {slot} placeholder) keep their French names
    for key, message in _french().items():
        words = re.sub(r"\{\w+\}", "", key)
        strings = [message.string] if isinstance(message.string, str) else message.string
        if (re.search(r"\blocked text\b", words, re.I)
                and not all(re.search("texte verrouillé", t, re.I) for t in strings)) or (
                re.search(r"\bslots?\b", words, re.I)
                and not all(re.search(r"\bchamps?\b", t, re.I) for t in strings)):
            named.append(key)
    assert named == []
    wrong = []
    for key, message in _french().items():
        strings = [message.string] if isinstance(message.string, str) else message.string
        for text in strings:
            # « corps de la requête », « corps JSON »: an HTTP request's body keeps its name.
            if re.search(r"\bemplacements?\b|\bcorps\b(?! (de la requête|JSON))", text, re.I):
                wrong.append(key)
    assert wrong == []
