"""A failed publication's reason in the page's language.

The worker stores the reason as it logs it, in English: the engine's summary of Facebook's
answer (``regions.publishing.graph_errors``), then Facebook's own words. Pages translate the
summary they know and keep the rest, which is Facebook's text and its error code, as it is.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from regions.publishing.claims import MAYBE_ON_FACEBOOK

SUMMARIES = {
    "The Page access token is invalid or expired; reconnect the Page":
        _l("The Page access token is invalid or expired; reconnect the Page"),
    "Facebook rate-limited the Page; try again later":
        _l("Facebook rate-limited the Page; try again later"),
    "The Page token lacks a permission needed here (pages_manage_posts)":
        _l("The Page token lacks a permission needed here (pages_manage_posts)"),
    "Facebook rejected a parameter of the request":
        _l("Facebook rejected a parameter of the request"),
    "Facebook temporarily blocked this action for policy reasons":
        _l("Facebook temporarily blocked this action for policy reasons"),
    "Facebook refused this as a duplicate of a recent post":
        _l("Facebook refused this as a duplicate of a recent post"),
    "Facebook had a temporary problem": _l("Facebook had a temporary problem"),
    "Facebook refused the request": _l("Facebook refused the request"),
    MAYBE_ON_FACEBOOK: _l("A publish call may have reached Facebook without an answer: retrying "
                          "looks on the Page before posting again."),
}


def failure_reason(reason: str | None) -> Markup:
    """``reason`` with its known English summaries translated; Facebook's words kept."""
    if not reason:
        return Markup("")
    text = escape(reason)
    for english, translated in SUMMARIES.items():
        if english in reason:
            text = Markup(text.replace(escape(english), escape(str(translated))))
    return Markup(text)
