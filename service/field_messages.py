"""marshmallow's and webargs' field messages, recognised by their English templates.

The libraries write their messages in English (``"Longer than maximum length {max}."``), already
filled in. Rather than patching their classes before any schema exists, the error handler reads
each message back against the templates below and renders it again from the gettext
catalogue. A test checks that every template marshmallow has is listed here, so an upgrade that
adds one is noticed.
"""

from __future__ import annotations

import re
from functools import cache

from flask_babel import gettext

from editorial.errors import N_

# marshmallow 4 (fields, validators, schema) and webargs, one template per concrete wording:
# fields that marshmallow itself fills with English words (Range's "greater than", temporal
# types) are written out.
TEMPLATES: tuple[str, ...] = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Invalid type."),
    N_("Invalid input."),
    N_("Invalid input type."),
    N_("Unknown field."),
    N_("Not a valid list."),
    N_("Not a valid delimited list."),
    N_("Not a valid tuple."),
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid UUID."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Not a valid integer."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Not a valid boolean."),
    N_("Not a valid datetime."),
    N_("Not a valid naive datetime."),
    N_("Not a valid aware datetime."),
    N_("Not a valid time."),
    N_("Not a valid naive time."),
    N_("Not a valid aware time."),
    N_("Not a valid date."),
    N_("\"{input}\" cannot be formatted as a datetime."),
    N_("\"{input}\" cannot be formatted as a time."),
    N_("\"{input}\" cannot be formatted as a date."),
    N_("Not a valid period of time."),
    N_("{input} cannot be formatted as a timedelta."),
    N_("Not a valid mapping type."),
    N_("Not a valid URL."),
    N_("Not a valid email address."),
    N_("Not a valid IP address."),
    N_("Not a valid IPv4 address."),
    N_("Not a valid IPv6 address."),
    N_("Not a valid IP interface."),
    N_("Not a valid IPv4 interface."),
    N_("Not a valid IPv6 interface."),
    N_("Must be one of: {choices}."),
    N_("Must be greater than or equal to {min}."),
    N_("Must be greater than {min}."),
    N_("Must be less than or equal to {max}."),
    N_("Must be less than {max}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than or equal to {min} and less than {max}."),
    N_("Must be greater than {min} and less than or equal to {max}."),
    N_("Must be greater than {min} and less than {max}."),
    N_("Shorter than minimum length {min}."),
    N_("Longer than maximum length {max}."),
    N_("Length must be between {min} and {max}."),
    N_("Length must be {equal}."),
    N_("Must be equal to {other}."),
    N_("String does not match expected pattern."),
    N_("One or more of the choices you made was not in: {choices}."),
    N_("One or more of the choices you made was in: {values}."),
)

_FIELD = re.compile(r"\{(\w+)\}")


def _pattern(template: str) -> re.Pattern[str]:
    pieces = _FIELD.split(template)
    # split() alternates literal text and field names: text, name, text, name, text…
    return re.compile("".join(
        re.escape(piece) if i % 2 == 0 else f"(?P<{piece}>.*?)" for i, piece in enumerate(pieces)
    ))


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    # Most literal text first: "greater than or equal to {min}" before "greater than {min}".
    with_fields = sorted((t for t in TEMPLATES if _FIELD.search(t)),
                         key=lambda t: -len(_FIELD.sub("", t)))
    return tuple((_pattern(template), template) for template in with_fields)


_EXACT = frozenset(template for template in TEMPLATES if not _FIELD.search(template))


def field_message(text: str) -> str:
    """``text`` in the current language when it is a known library message, else unchanged."""
    if text in _EXACT:
        translated: str = gettext(text)
        return translated
    for pattern, template in _patterns():
        if match := pattern.fullmatch(text):
            try:
                return str(gettext(template)).format(**match.groupdict())
            except (KeyError, IndexError, ValueError):
                return text
    return text
