"""Every error a person can meet has a message in French and English."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import editorial
import geodata
import regions
from editorial.errors import EditorialError
from regions.errors import RegionsError
from service.messages import MESSAGES, message_for


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
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_domain_error_code_has_a_message(code, language):
    assert message_for(code, language), f"no {language} message for {code}"


def test_french_messages_use_french_typography():
    """A no-break space (never a breaking one) before : ; ? and !."""
    for code, (_english, french) in MESSAGES.items():
        for mark in "?!:;":
            assert f" {mark}" not in french, (code, french)
