"""Words for the standards editor's fields: a rule parameter's label, a choice's meaning.

The engine names parameters and choices by identifiers (``terms``, ``min_km``, ``any``), the
API's field names; people read these labels in their language beside the documented help.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

PARAM_LABELS = {
    "pattern": _l("Pattern"),
    "label": _l("Name in messages"),
    "ignore_case": _l("Ignore case"),
    "folded": _l("Ignore accents and case"),
    "prefilter": _l("Only when the text contains"),
    "min": _l("Minimum"),
    "max": _l("Maximum"),
    "terms": _l("Forbidden terms"),
    "tags": _l("Hashtags"),
    "mode": _l("Which ones"),
    "mentions": _l("Mentions"),
    "text": _l("Disclaimer"),
    "at_end": _l("At the end of the post"),
    "domains": _l("Domains"),
    "params": _l("Query parameters"),
    "min_length": _l("Shortest alternative text"),
    "min_km": _l("Smallest radius (km)"),
    "max_km": _l("Largest radius (km)"),
    "required": _l("Radius required"),
    "start": _l("Start"),
    "end": _l("End"),
    "weekdays": _l("Days of the week"),
    "min_minutes": _l("Minimum notice (minutes)"),
}
CHOICE_LABELS = {
    "all": _l("all of them"),
    "any": _l("at least one"),
}
SLOT_TYPE_LABELS = {
    "text": _l("text"),
    "date": _l("date"),
    "phone": _l("phone number (French)"),
    "choice": _l("choice"),
    "integer": _l("whole number"),
    "url": _l("web address (URL)"),
}


def param_label(name: str) -> str:
    """A rule parameter's label in the page's language (its identifier when unknown)."""
    return str(PARAM_LABELS.get(name, name))


def choice_label(value: str) -> str:
    """A parameter choice's meaning in the page's language (the value when unknown)."""
    return str(CHOICE_LABELS.get(value, value))


def slot_type_label(value: str) -> str:
    """A slot type's name in the page's language (the identifier when unknown)."""
    return str(SLOT_TYPE_LABELS.get(value, value))
