"""Messages and fix hints for every violation code: English in the code, French from gettext.

The engine only returns codes and parameters. Each code's message and fix hint are English
texts marked with ``N_``: ``pybabel extract`` puts them in the service's catalogue
(``service/translations``), where their French lives, no-break spaces included. This package
reads no files: the service layer loads the French catalogue and makes a ``ViolationMessages``
with it, which renders a violation in either language.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from editorial.definition import load_zone
from editorial.errors import N_
from editorial.model import Violation

# code -> (message, fix hint), in English: the message ids of the catalogue.
VIOLATION_MESSAGES: Mapping[str, tuple[str, str]] = {
    "length.too_long": (
        N_("The text is {length} characters long; the maximum is {max}."),
        N_("Shorten it by {excess} characters."),
    ),
    "length.network_limit": (
        N_("The text is {length} characters long; {network} accepts at most {max}."),
        N_("Shorten it by {excess} characters."),
    ),
    "length.too_short": (
        N_("The text is {length} characters long; the minimum is {min}."),
        N_("Add at least {missing} characters."),
    ),
    "lines.too_many": (
        N_("The text has {lines} lines; the maximum is {max}."),
        N_("Merge or remove some lines."),
    ),
    "typography.space_before_punctuation": (
        N_("Plain space before “{punctuation}”."),
        N_("Replace it with a no-break space ({replacement})."),
    ),
    "pattern.matched": (
        N_("Forbidden content ({label}): “{found}”."),
        N_("Rephrase or remove this passage."),
    ),
    "pattern.missing": (
        N_("Required content is missing: {label}."),
        N_("Add it to the text."),
    ),
    "hashtag.missing": (
        N_("The hashtag {tag} is required."),
        N_("Add {tag} at the end of the text."),
    ),
    "hashtag.missing_one_of": (
        N_("At least one of these hashtags is required: {tags}."),
        N_("Add one of them at the end of the text."),
    ),
    "mention.missing": (
        N_("The mention {tag} is required."),
        N_("Add {tag} at the end of the text."),
    ),
    "mention.missing_one_of": (
        N_("At least one of these accounts must be mentioned: {tags}."),
        N_("Add one of them at the end of the text."),
    ),
    "hashtag.too_many": (
        N_("{count} hashtags; the maximum is {max}."),
        N_("Keep the {max} most useful ones."),
    ),
    "disclaimer.missing": (
        N_("The disclaimer “{text}” is required."),
        N_("Add it at the end of the text."),
    ),
    "disclaimer.not_at_end": (
        N_("The disclaimer “{text}” must end the text."),
        N_("Move it to the end (only hashtags may follow it)."),
    ),
    "term.forbidden": (
        N_("“{found}” is banned by the charter ({term})."),
        N_("Rephrase without this term."),
    ),
    "link.domain_not_allowed": (
        N_("Link to a site that is not allowed: {host}."),
        N_("Link to one of: {domains}."),
    ),
    "link.tracking_missing": (
        N_("Tracking parameters missing from this link: {missing}."),
        N_("Add them to the link’s address."),
    ),
    "link.shortener": (
        N_("Shortened link ({host}): readers cannot see where it leads."),
        N_("Use the full address."),
    ),
    "media.too_few": (
        N_("Images attached: {count}; at least {min} required."),
        N_("Attach an image."),
    ),
    "media.too_many": (
        N_("{count} images attached; the maximum is {max}."),
        N_("Remove some of them."),
    ),
    "media.alt_missing": (
        N_("Image #{number} has no alternative text."),
        N_("Describe the image for people who cannot see it."),
    ),
    "geo.geotag_missing": (
        N_("The post must be geotagged."),
        N_("Place the post on the map."),
    ),
    "geo.outside_territory": (
        N_("The post’s place is outside your territory."),
        N_("Choose a place inside your territory."),
    ),
    "geo.radius_missing": (
        N_("The audience radius is not set."),
        N_("Set an audience radius."),
    ),
    "geo.radius_too_small": (
        N_("Audience radius of {radius_km} km; the minimum is {min_km} km."),
        N_("Widen the radius."),
    ),
    "geo.radius_too_large": (
        N_("Audience radius of {radius_km} km; the maximum is {max_km} km."),
        N_("Narrow the radius."),
    ),
    "time.before_window": (
        N_("Publication is planned before the window opens ({start})."),
        N_("Pick a time from {start} on."),
    ),
    "time.after_window": (
        N_("Publication is planned after the window closes ({end})."),
        N_("Pick a time before {end}."),
    ),
    "time.outside_hours": (
        N_("Publication is planned at {local_time}, outside allowed hours "
           "({start}–{end}, {timezone})."),
        N_("Pick a time between {start} and {end} ({timezone})."),
    ),
    "time.outside_days": (
        N_("Publication is planned on a {weekday}, a day not allowed ({weekdays})."),
        N_("Pick another day: {weekdays}."),
    ),
    "time.in_past": (
        N_("Publication is planned in the past ({publish_at})."),
        N_("Schedule it at least {min_duration} ahead."),
    ),
    "time.lead_too_short": (
        N_("Publication is too soon: {min_duration} of notice is required."),
        N_("Schedule it at least {min_duration} ahead."),
    ),
    "time.unknown_timezone": (
        N_("Unknown timezone “{timezone}”; {fallback} is used instead."),
        N_("Check the territory’s timezone."),
    ),
    "template.locked_text_changed": (
        N_("The template’s locked text was changed: “{expected}”."),
        N_("Restore the original text here."),
    ),
    "slot.missing": (
        N_("The field “{slot}” is empty."),
        N_("Fill it in."),
    ),
    "slot.too_short": (
        N_("“{slot}” is too short ({length} characters, minimum {min})."),
        N_("Lengthen it."),
    ),
    "slot.too_long": (
        N_("“{slot}” is too long ({length} characters, maximum {max})."),
        N_("Shorten it."),
    ),
    "slot.not_a_choice": (
        N_("“{value}” is not a valid choice for “{slot}”."),
        N_("Choose one of: {choices}."),
    ),
    "slot.invalid_date": (
        N_("“{value}” is not a valid date for “{slot}”."),
        N_("Write the date like 2026-07-14."),
    ),
    "slot.invalid_phone": (
        N_("“{value}” is not a French phone number."),
        N_("Write it like 01 23 45 67 89."),
    ),
    "slot.invalid_url": (
        N_("“{value}” is not a web address."),
        N_("Write a full address, starting with https://."),
    ),
    "slot.invalid_integer": (
        N_("“{value}” is not a whole number."),
        N_("Write a number, without unit."),
    ),
    "slot.too_small": (
        N_("“{slot}” is {value}; the minimum is {min}."),
        N_("Use a larger value."),
    ),
    "slot.too_large": (
        N_("“{slot}” is {value}; the maximum is {max}."),
        N_("Use a smaller value."),
    ),
    "engine.check_failed": (
        N_("A check could not complete ({check})."),
        N_("Please report it to the technical team."),
    ),
}
FALLBACK = (N_("Rule not followed ({code})."), N_("Fix the text."))  # a code not listed above
LOCAL_TIME = N_("local time")  # the zone of reports saved before zones were named
# ISO weekdays 1 to 7, as a message names them ("a Sunday", « un dimanche »).
WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
            N_("Saturday"), N_("Sunday"))
# A template's network as people name it ("{network} accepts at most 280 characters").
NETWORK_NAMES: Mapping[str, str] = {
    "facebook": "Facebook", "instagram": "Instagram", "x": "X", "linkedin": "LinkedIn",
    "google_business": N_("Google Business Profile"),
}
DAY_RANGE = N_("{first} to {last}")  # three days or more in a row: « du lundi au vendredi »
DAY_CHOICE = N_("{days} or {last}")  # other sets of days: « samedi ou dimanche »


class Translations(Protocol):
    """What renders a message id in another language: ``gettext.NullTranslations`` and kin."""

    def gettext(self, message: str, /) -> str:
        """The translation of ``message``, or ``message`` itself."""


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """What to show a person: the message and the fix hint."""

    message: str
    hint: str


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "…"


def _show(value: object, lang: str) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f" if lang == "fr" else ",")
    if isinstance(value, float):
        # Every digit the value was given with (a minimum of 0.25 km never reads "0.2"), without
        # an exponent: the shortest text that reads back as ``value``, grouped by thousands.
        shown = format(Decimal(repr(value)), ",f").removesuffix(".0")
        return shown.replace(",", "\u202f").replace(".", ",") if lang == "fr" else shown
    if isinstance(value, list | tuple):
        return ", ".join(_show(item, lang) for item in value)
    return str(value)


def duration(minutes: int, lang: str) -> str:
    """``minutes`` as people say it: "10 minutes", "2 h", "1 h 30" ("2 hours", "1 h 30 min")."""
    # By hand: this package is standard library only, and Babel's format_timedelta gives one
    # rounded unit (90 minutes read "2 hours"), where a rule's minimum must read exactly.
    hours, rest = divmod(minutes, 60)
    if lang == "fr":
        if minutes < 60:
            return f"{minutes}\u00a0minute{'s' if minutes > 1 else ''}"
        return f"{_show(hours, lang)}\u00a0h" + (f"\u00a0{rest:02d}" if rest else "")
    if minutes < 60:
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    if rest:
        return f"{_show(hours, lang)} h {rest} min"
    return f"{_show(hours, lang)} hour{'' if hours == 1 else 's'}"


_DURATIONS = {"min_minutes": "min_duration"}  # a count of minutes -> its text for people
_MOMENTS = ("start", "end", "publish_at")  # ISO date-times, shown in the violation's zone


def _moment(value: object, zone_name: object, lang: str) -> str | None:
    """An ISO date-time with an offset as people read it in the named zone, else None."""
    zone = load_zone(zone_name)
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if zone is None or moment is None or moment.tzinfo is None:
        return None
    try:
        shown = moment.astimezone(zone)
    except OverflowError:  # year 1 or 9999 shifted out of range: keep the ISO text
        return None
    return shown.strftime("%d/%m/%Y %H:%M" if lang == "fr" else "%Y-%m-%d %H:%M")


@dataclass(frozen=True, slots=True)
class _Words:
    """What a language calls the parts of a message that are not numbers."""

    local_time: str
    weekdays: tuple[str, ...]  # Monday first
    day_range: str
    day_choice: str
    networks: Mapping[str, str]

    def days(self, numbers: object) -> str | None:
        """ISO weekdays as a message names them: "Monday to Friday", "Saturday or Sunday"."""
        if not isinstance(numbers, list | tuple) or not numbers or not all(
                isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 7 for n in numbers):
            return None
        days: list[int] = sorted({int(n) for n in numbers})
        names = [self.weekdays[n - 1] for n in days]
        if len(days) >= 3 and days[-1] - days[0] == len(days) - 1:
            return self.day_range.format(first=names[0], last=names[-1])
        if len(names) == 1:
            return names[0]
        return self.day_choice.format(days=", ".join(names[:-1]), last=names[-1])


def _params(violation: Violation, lang: str, words: _Words) -> _Params:
    params = _Params({key: _show(value, lang) for key, value in violation.params.items()})
    zone_name = violation.params.get("timezone")
    params.setdefault("timezone", words.local_time)
    weekday = violation.params.get("weekday")
    if isinstance(weekday, int) and not isinstance(weekday, bool) and 1 <= weekday <= 7:
        params["weekday"] = words.weekdays[weekday - 1]
    network = violation.params.get("network")
    if isinstance(network, str) and network in words.networks:
        params["network"] = words.networks[network]
    days = words.days(violation.params.get("weekdays"))
    if days is not None:
        params["weekdays"] = days
    for key in _MOMENTS:
        shown = _moment(violation.params.get(key), zone_name, lang)
        if shown is not None:
            params[key] = f"{shown} {zone_name}"
    for key, shown_as in _DURATIONS.items():
        minutes = violation.params.get(key)
        if isinstance(minutes, int) and not isinstance(minutes, bool):
            params[shown_as] = duration(minutes, lang)
    params["code"] = violation.code
    if violation.params.get("label"):  # a slot is named for people by its label
        params["slot"] = params["label"]
    index = violation.params.get("index")
    if isinstance(index, int):
        params["number"] = str(index + 1)
    return params


def _frozen(value: object) -> Hashable:
    """``value`` as a key that tells apart what renders differently; ``_UNKEYED`` if it can't.

    The type is part of the key: ``True``, ``1`` and ``1.0`` are equal in Python but show as
    "True", "1" and "1". A float keys by its text (``-0.0`` and ``0.0`` are equal too).
    """
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return (kind, value)
    if kind is float:
        return (kind, repr(value))
    if kind is list or kind is tuple:
        items = tuple(_frozen(item) for item in value)  # type: ignore[attr-defined]
        return _UNKEYED if _UNKEYED in items else (tuple, items)
    return _UNKEYED


_UNKEYED = object()  # a parameter of another kind (a dict, say): not cached
RENDERED_LIMIT = 4096  # distinct (code, parameters) pairs: the memo is cleared when full


def params_key(params: Mapping[str, object]) -> Hashable | None:
    """A key of a violation's parameters that tells apart what shows differently, or None.

    None when a parameter is of a kind no key is made for (a dict, say).
    """
    frozen = tuple([(name, _frozen(value)) for name, value in params.items()])
    if any(value is _UNKEYED for _name, value in frozen):
        return None
    return frozen


class ViolationMessages:
    """Violations' messages and hints in French (from ``french``, a catalogue) and English.

    What a violation shows depends on its code and parameters only, and dry runs and review
    screens show the same few again and again (a missing hashtag, a space before "!"): each is
    rendered once, then read from a bounded memo. The service layer makes one per app.
    """

    def __init__(self, french: Translations) -> None:
        """Look up every French text once; ``french.gettext`` is not called afterwards."""
        self._english = {code: (str(message), str(hint))
                         for code, (message, hint) in VIOLATION_MESSAGES.items()}
        self._french = {code: (french.gettext(message), french.gettext(hint))
                        for code, (message, hint) in VIOLATION_MESSAGES.items()}
        self._fallback = {"en": (str(FALLBACK[0]), str(FALLBACK[1])),
                          "fr": (french.gettext(FALLBACK[0]), french.gettext(FALLBACK[1]))}
        self._words = {
            "en": _Words(str(LOCAL_TIME), tuple(str(day) for day in WEEKDAYS), str(DAY_RANGE),
                         str(DAY_CHOICE), {key: str(name) for key, name in NETWORK_NAMES.items()}),
            "fr": _Words(french.gettext(LOCAL_TIME),
                         tuple(french.gettext(day) for day in WEEKDAYS),
                         french.gettext(DAY_RANGE), french.gettext(DAY_CHOICE),
                         {key: french.gettext(name) for key, name in NETWORK_NAMES.items()}),
        }
        self._rendered: dict[Hashable, tuple[RenderedMessage, RenderedMessage]] = {}

    def render_both(self, violation: Violation) -> tuple[RenderedMessage, RenderedMessage]:
        """The message and hint for ``violation`` in French and in English."""
        frozen = params_key(violation.params)
        if frozen is None:
            return self._render(violation, "fr"), self._render(violation, "en")
        key = (violation.code, frozen)
        found = self._rendered.get(key)
        if found is None:
            found = self._render(violation, "fr"), self._render(violation, "en")
            if len(self._rendered) >= RENDERED_LIMIT:
                self._rendered.clear()  # rare: new templates or a new charter bring new ones
            self._rendered[key] = found
        return found

    def render(self, violation: Violation, lang: str = "fr") -> RenderedMessage:
        """The message and hint for ``violation`` in ``lang`` ("fr" or "en"; French otherwise)."""
        return self.render_both(violation)[1 if lang.lower().startswith("en") else 0]

    def _render(self, violation: Violation, lang: str) -> RenderedMessage:
        params = _params(violation, lang, self._words[lang])
        texts = self._english if lang == "en" else self._french
        message, hint = texts.get(violation.code, self._fallback[lang])
        return RenderedMessage(message.format_map(params), hint.format_map(params))
