"""A failed publication's reason in the page's language.

The worker stores the reason as it logs it, in English: the engine's summary of Facebook's
answer (``regions.publishing.graph_errors``), then Facebook's own words — ``"<summary> (code
190/463): <Facebook's message>"``, perhaps after "Gave up after 3 failed calls to Facebook. Last
error: " and before the note that the post may be on Facebook. Pages show the summary in their
language and fold Facebook's message, in English, into a details element labelled as Facebook's.
A reason of another shape keeps its words, with the summaries it contains translated.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
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


_SAID = re.compile(r"(?:Gave up after (?P<calls>\d+) failed calls to Facebook\. Last error: )?"
                   r"(?P<what>.+?)(?: \((?P<ref>code [^)]*)\))?: (?P<said>.*)", re.S)


def failure_reason(reason: str | None) -> Markup:
    """``reason`` in the page's language, Facebook's own message folded under its name."""
    if not reason:
        return Markup("")
    maybe = " " + MAYBE_ON_FACEBOOK
    stated = reason.removesuffix(maybe)
    found = _SAID.fullmatch(stated)
    if found is None or found["what"] not in SUMMARIES:
        return _translated(reason)
    sentences = [str(SUMMARIES[found["what"]]) + "."]
    if found["calls"]:
        calls = int(found["calls"])
        sentences.insert(0, ngettext("Gave up after %(num)d failed call to Facebook.",
                                     "Gave up after %(num)d failed calls to Facebook.", calls))
    if stated != reason:
        sentences.append(str(SUMMARIES[MAYBE_ON_FACEBOOK]))
    label = _("Facebook's message")
    if found["ref"]:
        label = f"{label} ({found['ref']})"
    return Markup('{text} <details class="facebook-said"><summary>{label}</summary>'
                  '<span lang="en">{said}</span></details>').format(
        text=" ".join(sentences), label=label, said=found["said"])


def _translated(reason: str) -> Markup:
    """``reason`` with its known English summaries translated; the rest kept as it is."""
    text = escape(reason)
    for english, translated in SUMMARIES.items():
        if english in reason:
            text = Markup(text.replace(escape(english), escape(str(translated))))
    return Markup(text)
