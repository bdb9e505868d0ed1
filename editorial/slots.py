"""Slot values: what each slot type accepts (text, choice, date, French phone, URL, integer)."""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import urlsplit

from editorial.model import ParamValue, Slot, SlotType

# French numbers: 0X XX XX XX XX or +33 X XX XX XX XX, with spaces, dots or hyphens.
_PHONE = re.compile(r"(?:0|\+33 ?(?:\(0\))? ?)[1-9](?:[ .-]?\d{2}){4}")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")

SlotIssue = tuple[str, dict[str, ParamValue]]


def slot_value_issue(slot: Slot, value: str) -> SlotIssue | None:
    """Why ``value`` does not fit ``slot`` (a code and its params), or None if it fits."""
    checker = _CHECKERS[slot.type]
    return checker(slot, value)


def _text(slot: Slot, value: str) -> SlotIssue | None:
    length = len(value.strip())
    if slot.min_length is not None and length < slot.min_length:
        return "slot.too_short", {"min": slot.min_length, "length": length}
    if slot.max_length is not None and length > slot.max_length:
        return "slot.too_long", {"max": slot.max_length, "length": length}
    return None


def _choice(slot: Slot, value: str) -> SlotIssue | None:
    if value in slot.choices:
        return None
    return "slot.not_a_choice", {"choices": list(slot.choices)}


def parse_date(value: str) -> date | None:
    """A date written ``YYYY-MM-DD`` or ``DD/MM/YYYY``, or None."""
    for form in _DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), form).date()
        except ValueError:
            continue
    return None


def _date(slot: Slot, value: str) -> SlotIssue | None:
    return None if parse_date(value) else ("slot.invalid_date", {})


def _phone(slot: Slot, value: str) -> SlotIssue | None:
    return None if _PHONE.fullmatch(value.strip()) else ("slot.invalid_phone", {})


def _url(slot: Slot, value: str) -> SlotIssue | None:
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return "slot.invalid_url", {}
    if parts.scheme in ("http", "https") and parts.hostname:
        return None
    return "slot.invalid_url", {}


def _integer(slot: Slot, value: str) -> SlotIssue | None:
    text = value.strip()
    if not re.fullmatch(r"[+-]?\d{1,18}", text, flags=re.ASCII):
        return "slot.invalid_integer", {}
    number = int(text)
    if slot.minimum is not None and number < slot.minimum:
        return "slot.too_small", {"min": slot.minimum, "value": number}
    if slot.maximum is not None and number > slot.maximum:
        return "slot.too_large", {"max": slot.maximum, "value": number}
    return None


_CHECKERS = {
    SlotType.TEXT: _text,
    SlotType.CHOICE: _choice,
    SlotType.DATE: _date,
    SlotType.PHONE: _phone,
    SlotType.URL: _url,
    SlotType.INTEGER: _integer,
}
