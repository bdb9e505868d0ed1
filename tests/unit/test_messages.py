"""Every error a person can meet has a message in French and English."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest
from babel.support import Translations
from marshmallow import Schema, fields, validate

import editorial
import geodata
import regions
from editorial.errors import N_, EditorialError, Text
from regions.errors import RegionsError
from service.field_messages import TEMPLATES, field_message
from service.i18n import TRANSLATIONS
from service.messages import MESSAGES, message_for

FRENCH = Translations.load(str(TRANSLATIONS), ["fr"])


def _all_error_codes() -> set[str]:
    for package in (regions, geodata, editorial):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)
    codes, pending = set(), [RegionsError, EditorialError]
    while pending:
        cls = pending.pop()
        codes.add(cls.code)
        pending.extend(cls.__subclasses__())
    return codes


@pytest.mark.parametrize("code", sorted(_all_error_codes()))
def test_every_domain_error_code_has_an_english_message_translated_into_french(code):
    assert message_for(code, "en"), f"no message for {code}"
    assert FRENCH.gettext(MESSAGES[code].template) != MESSAGES[code].template, code


def test_french_messages_use_french_typography():
    """A no-break space (never a breaking one) before : ; ? and !."""
    for code, english in MESSAGES.items():
        french = FRENCH.gettext(english.template)
        for mark in "?!:;":
            assert f" {mark}" not in french, (code, french)


def test_a_message_keeps_its_placeholders_filled_and_survives_missing_ones():
    assert message_for("template.key_taken", "en", {"key": "rentree"}) == (
        "A template with the key rentree already exists.")
    assert message_for("template.key_taken", "en") == (
        "A template with the key {key} already exists.")
    assert message_for("no.such.code", "en") is None


def test_a_marked_text_reads_as_english_and_keeps_its_template_through_formatting():
    text = N_("Unknown territory {id}.", id=7)
    assert text == "Unknown territory 7." and text.params == {"id": 7}
    formatted = N_("Lowercase letters, digits, dashes.").format(input="X", regex="^a$")
    assert isinstance(formatted, Text)
    assert formatted.template == "Lowercase letters, digits, dashes."


def _marshmallow_messages() -> set[str]:
    """Every English template marshmallow 4 has, with its English-filled fields written out."""
    found: set[str] = set(Schema._default_error_messages.values())
    for cls in vars(fields).values():
        if inspect.isclass(cls) and issubclass(cls, fields.Field):
            found.update(cls.default_error_messages.values())
    for cls in vars(validate).values():
        if inspect.isclass(cls) and issubclass(cls, validate.Validator):
            found.update(value for key, value in vars(cls).items()
                         if key in ("default_message", "message_min", "message_max",
                                    "message_all", "message_equal"))
    expanded = set()
    for template in found:
        if "{min_op}" in template or "{max_op}" in template:
            for low in ("greater than or equal to", "greater than"):
                for high in ("less than or equal to", "less than"):
                    expanded.add(template.format(min_op=low, max_op=high))
        elif "{obj_type}" in template:
            for kind in ("datetime", "time"):
                for awareness in ("naive", "aware"):
                    expanded.add(template.format(obj_type=kind, awareness=awareness,
                                                 input="{input}"))
        else:
            expanded.add(template.replace("{input!r}", "{input}"))
    return expanded


def test_every_marshmallow_message_is_known_so_it_can_be_translated():
    assert _marshmallow_messages() - set(TEMPLATES) == set()


def test_every_field_message_template_is_translated_with_its_placeholders():
    for template in TEMPLATES:
        french = FRENCH.gettext(template)
        assert french != template, template
        assert set(re.findall(r"\{(\w+)\}", french)) == set(re.findall(r"\{(\w+)\}", template))


@pytest.mark.parametrize(("english", "template"), [
    ("Longer than maximum length 200.", "Longer than maximum length {max}."),
    ("Must be greater than or equal to 1.", "Must be greater than or equal to {min}."),
    ("Must be greater than or equal to 1 and less than or equal to 9.",
     "Must be greater than or equal to {min} and less than or equal to {max}."),
    ("Must be one of: draft, submitted.", "Must be one of: {choices}."),
])
def test_library_messages_are_recognised_by_their_template(english, template):
    # Outside a request gettext answers the msgid: the message comes back as it was.
    assert field_message(english) == english
    params = re.fullmatch(re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
                          .replace("{min}", "(?P<min>.*?)").replace("{max}", "(?P<max>.*?)")
                          .replace("{choices}", "(?P<choices>.*?)"), english)
    assert params is not None
    assert FRENCH.gettext(template).format(**params.groupdict()) != english
