"""Messages and fix hints for every violation code, in French and English.

The engine only returns codes and parameters; the service layer calls ``render_message``.
French entries are written with plain spaces for readability and get their no-break spaces
(before ``: ; ! ?`` and inside « ») once, when this module is loaded.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime

from editorial.definition import load_zone
from editorial.model import Violation

LANGUAGES = ("fr", "en")

# code -> (French message, French hint, English message, English hint)
_CATALOGUE: dict[str, tuple[str, str, str, str]] = {
    "length.too_long": (
        "Le texte fait {length} caractères : le maximum est {max}.",
        "Raccourcissez-le de {excess} caractères.",
        "The text is {length} characters long; the maximum is {max}.",
        "Shorten it by {excess} characters.",
    ),
    "length.network_limit": (
        "Le texte fait {length} caractères : {network} en accepte {max} au plus.",
        "Raccourcissez-le de {excess} caractères.",
        "The text is {length} characters long; {network} accepts at most {max}.",
        "Shorten it by {excess} characters.",
    ),
    "length.too_short": (
        "Le texte fait {length} caractères : le minimum est {min}.",
        "Ajoutez au moins {missing} caractères.",
        "The text is {length} characters long; the minimum is {min}.",
        "Add at least {missing} characters.",
    ),
    "lines.too_many": (
        "Le texte compte {lines} lignes : le maximum est {max}.",
        "Regroupez ou supprimez des lignes.",
        "The text has {lines} lines; the maximum is {max}.",
        "Merge or remove some lines.",
    ),
    "typography.space_before_punctuation": (
        "Espace ordinaire avant « {punctuation} ».",
        "Remplacez-la par une espace insécable ({replacement}).",
        "Plain space before “{punctuation}”.",
        "Replace it with a no-break space ({replacement}).",
    ),
    "pattern.matched": (
        "Contenu interdit ({label}) : « {found} ».",
        "Reformulez ou supprimez ce passage.",
        "Forbidden content ({label}): “{found}”.",
        "Rephrase or remove this passage.",
    ),
    "pattern.missing": (
        "Contenu obligatoire absent : {label}.",
        "Ajoutez-le au texte.",
        "Required content is missing: {label}.",
        "Add it to the text.",
    ),
    "hashtag.missing": (
        "Le hashtag {tag} est obligatoire.",
        "Ajoutez {tag} à la fin du texte.",
        "The hashtag {tag} is required.",
        "Add {tag} at the end of the text.",
    ),
    "hashtag.missing_one_of": (
        "Il faut au moins un de ces hashtags : {tags}.",
        "Ajoutez-en un à la fin du texte.",
        "At least one of these hashtags is required: {tags}.",
        "Add one of them at the end of the text.",
    ),
    "mention.missing": (
        "La mention {tag} est obligatoire.",
        "Ajoutez {tag} à la fin du texte.",
        "The mention {tag} is required.",
        "Add {tag} at the end of the text.",
    ),
    "mention.missing_one_of": (
        "Il faut mentionner au moins un de ces comptes : {tags}.",
        "Ajoutez-en un à la fin du texte.",
        "At least one of these accounts must be mentioned: {tags}.",
        "Add one of them at the end of the text.",
    ),
    "hashtag.too_many": (
        "{count} hashtags : le maximum est {max}.",
        "Gardez les {max} plus utiles.",
        "{count} hashtags; the maximum is {max}.",
        "Keep the {max} most useful ones.",
    ),
    "disclaimer.missing": (
        "La mention légale « {text} » est obligatoire.",
        "Ajoutez-la à la fin du texte.",
        "The disclaimer “{text}” is required.",
        "Add it at the end of the text.",
    ),
    "disclaimer.not_at_end": (
        "La mention légale « {text} » doit terminer le texte.",
        "Déplacez-la à la fin (seuls des hashtags peuvent la suivre).",
        "The disclaimer “{text}” must end the text.",
        "Move it to the end (only hashtags may follow it).",
    ),
    "term.forbidden": (
        "« {found} » est proscrit par la charte ({term}).",
        "Reformulez sans ce terme.",
        "“{found}” is banned by the charter ({term}).",
        "Rephrase without this term.",
    ),
    "link.domain_not_allowed": (
        "Lien vers un site non autorisé : {host}.",
        "Utilisez un lien vers : {domains}.",
        "Link to a site that is not allowed: {host}.",
        "Link to one of: {domains}.",
    ),
    "link.tracking_missing": (
        "Paramètres de suivi manquants dans ce lien : {missing}.",
        "Ajoutez-les à l’adresse du lien.",
        "Tracking parameters missing from this link: {missing}.",
        "Add them to the link’s address.",
    ),
    "link.shortener": (
        "Lien raccourci ({host}) : le lecteur ne voit pas où il mène.",
        "Mettez l’adresse complète.",
        "Shortened link ({host}): readers cannot see where it leads.",
        "Use the full address.",
    ),
    "media.too_few": (
        "Images jointes : {count} ; il en faut au moins {min}.",
        "Ajoutez une image.",
        "Images attached: {count}; at least {min} required.",
        "Attach an image.",
    ),
    "media.too_many": (
        "{count} images jointes : le maximum est {max}.",
        "Retirez-en quelques-unes.",
        "{count} images attached; the maximum is {max}.",
        "Remove some of them.",
    ),
    "media.alt_missing": (
        "L’image n° {number} n’a pas de texte alternatif.",
        "Décrivez l’image pour les personnes qui ne la voient pas.",
        "Image #{number} has no alternative text.",
        "Describe the image for people who cannot see it.",
    ),
    "geo.geotag_missing": (
        "La publication doit être géolocalisée.",
        "Placez la publication sur la carte.",
        "The post must be geotagged.",
        "Place the post on the map.",
    ),
    "geo.outside_territory": (
        "Le lieu de la publication est hors de votre territoire.",
        "Choisissez un lieu dans votre territoire.",
        "The post’s place is outside your territory.",
        "Choose a place inside your territory.",
    ),
    "geo.radius_missing": (
        "Le rayon de diffusion n’est pas indiqué.",
        "Indiquez un rayon de diffusion.",
        "The audience radius is not set.",
        "Set an audience radius.",
    ),
    "geo.radius_too_small": (
        "Rayon de diffusion de {radius_km} km : le minimum est {min_km} km.",
        "Élargissez le rayon.",
        "Audience radius of {radius_km} km; the minimum is {min_km} km.",
        "Widen the radius.",
    ),
    "geo.radius_too_large": (
        "Rayon de diffusion de {radius_km} km : le maximum est {max_km} km.",
        "Réduisez le rayon.",
        "Audience radius of {radius_km} km; the maximum is {max_km} km.",
        "Narrow the radius.",
    ),
    "time.before_window": (
        "Publication prévue avant l’ouverture de la période ({start}).",
        "Choisissez une date à partir du {start}.",
        "Publication is planned before the window opens ({start}).",
        "Pick a time from {start} on.",
    ),
    "time.after_window": (
        "Publication prévue après la fin de la période ({end}).",
        "Choisissez une date avant le {end}.",
        "Publication is planned after the window closes ({end}).",
        "Pick a time before {end}.",
    ),
    "time.outside_hours": (
        "Publication prévue à {local_time}, hors des horaires permis ({start}–{end}, {timezone}).",
        "Choisissez une heure entre {start} et {end} ({timezone}).",
        "Publication is planned at {local_time}, outside allowed hours "
        "({start}–{end}, {timezone}).",
        "Pick a time between {start} and {end} ({timezone}).",
    ),
    "time.lead_too_short": (
        "Publication trop proche : il faut {min_duration} de délai.",
        "Programmez-la au moins {min_duration} à l’avance.",
        "Publication is too soon: {min_duration} of notice is required.",
        "Schedule it at least {min_duration} ahead.",
    ),
    "time.unknown_timezone": (
        "Fuseau horaire inconnu « {timezone} » : {fallback} est utilisé.",
        "Vérifiez le fuseau horaire du territoire.",
        "Unknown timezone “{timezone}”; {fallback} is used instead.",
        "Check the territory’s timezone.",
    ),
    "template.locked_text_changed": (
        "Le texte imposé par le modèle a été modifié : « {expected} ».",
        "Rétablissez le texte d’origine à cet endroit.",
        "The template’s locked text was changed: “{expected}”.",
        "Restore the original text here.",
    ),
    "slot.missing": (
        "Le champ « {slot} » n’est pas rempli.",
        "Remplissez-le.",
        "The field “{slot}” is empty.",
        "Fill it in.",
    ),
    "slot.too_short": (
        "« {slot} » est trop court ({length} caractères, minimum {min}).",
        "Complétez-le.",
        "“{slot}” is too short ({length} characters, minimum {min}).",
        "Lengthen it.",
    ),
    "slot.too_long": (
        "« {slot} » est trop long ({length} caractères, maximum {max}).",
        "Raccourcissez-le.",
        "“{slot}” is too long ({length} characters, maximum {max}).",
        "Shorten it.",
    ),
    "slot.not_a_choice": (
        "« {value} » n’est pas un choix possible pour « {slot} ».",
        "Choisissez parmi : {choices}.",
        "“{value}” is not a valid choice for “{slot}”.",
        "Choose one of: {choices}.",
    ),
    "slot.invalid_date": (
        "« {value} » n’est pas une date valide pour « {slot} ».",
        "Écrivez la date comme 14/07/2026.",
        "“{value}” is not a valid date for “{slot}”.",
        "Write the date like 2026-07-14.",
    ),
    "slot.invalid_phone": (
        "« {value} » n’est pas un numéro de téléphone français.",
        "Écrivez-le comme 01 23 45 67 89.",
        "“{value}” is not a French phone number.",
        "Write it like 01 23 45 67 89.",
    ),
    "slot.invalid_url": (
        "« {value} » n’est pas une adresse web.",
        "Écrivez une adresse complète, en https://.",
        "“{value}” is not a web address.",
        "Write a full address, starting with https://.",
    ),
    "slot.invalid_integer": (
        "« {value} » n’est pas un nombre entier.",
        "Écrivez un nombre, sans unité.",
        "“{value}” is not a whole number.",
        "Write a number, without unit.",
    ),
    "slot.too_small": (
        "« {slot} » vaut {value} : le minimum est {min}.",
        "Indiquez une valeur plus grande.",
        "“{slot}” is {value}; the minimum is {min}.",
        "Use a larger value.",
    ),
    "slot.too_large": (
        "« {slot} » vaut {value} : le maximum est {max}.",
        "Indiquez une valeur plus petite.",
        "“{slot}” is {value}; the maximum is {max}.",
        "Use a smaller value.",
    ),
    "engine.check_failed": (
        "Une vérification n’a pas pu aboutir ({check}).",
        "Signalez-le à l’équipe technique.",
        "A check could not complete ({check}).",
        "Please report it to the technical team.",
    ),
}

_FALLBACK = (
    "Règle non respectée ({code}).", "Corrigez le texte.",
    "Rule not followed ({code}).", "Fix the text.",
)
_FRENCH_SPACES = re.compile(r"« | »| ([:;!?])")


def _french(text: str) -> str:
    """Give French text its no-break spaces (narrow before ; ! ?)."""

    def space(match: re.Match[str]) -> str:
        token = match.group()
        if token == "« ":
            return "«\u00a0"
        if token == " »":
            return "\u00a0»"
        return ("\u00a0" if token[1] == ":" else "\u202f") + token[1]

    return _FRENCH_SPACES.sub(space, text)


_FRENCH = {code: (_french(e[0]), _french(e[1])) for code, e in _CATALOGUE.items()}
_FRENCH_FALLBACK = (_french(_FALLBACK[0]), _french(_FALLBACK[1]))


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
        shown = f"{value:,.1f}".removesuffix(".0")
        return shown.replace(",", "\u202f").replace(".", ",") if lang == "fr" else shown
    if isinstance(value, list | tuple):
        return ", ".join(_show(item, lang) for item in value)
    return str(value)


def duration(minutes: int, lang: str) -> str:
    """``minutes`` as people say it: "10 minutes", "2 h", "1 h 30" ("2 hours", "1 h 30 min")."""
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
_LOCAL_TIME = {"fr": "heure locale", "en": "local time"}  # reports saved before zones were named


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


def _params(violation: Violation, lang: str) -> _Params:
    params = _Params({key: _show(value, lang) for key, value in violation.params.items()})
    zone_name = violation.params.get("timezone")
    params.setdefault("timezone", _LOCAL_TIME[lang])
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
_RENDERED: dict[Hashable, tuple[RenderedMessage, RenderedMessage]] = {}
RENDERED_LIMIT = 4096  # distinct (code, parameters) pairs: the memo is cleared when full


def params_key(params: Mapping[str, object]) -> Hashable | None:
    """A key of a violation's parameters that tells apart what shows differently, or None.

    None when a parameter is of a kind no key is made for (a dict, say).
    """
    frozen = tuple([(name, _frozen(value)) for name, value in params.items()])
    if any(value is _UNKEYED for _name, value in frozen):
        return None
    return frozen


def render_messages(violation: Violation) -> tuple[RenderedMessage, RenderedMessage]:
    """The message and hint for ``violation`` in French and in English.

    What a violation shows depends on its code and parameters only, and dry runs and review
    screens show the same few again and again (a missing hashtag, a space before "!"): each
    is rendered once per process, then read from a bounded memo.
    """
    frozen = params_key(violation.params)
    if frozen is None:
        return _render(violation, english=False), _render(violation, english=True)
    key = (violation.code, frozen)
    found = _RENDERED.get(key)
    if found is None:
        found = _render(violation, english=False), _render(violation, english=True)
        if len(_RENDERED) >= RENDERED_LIMIT:
            _RENDERED.clear()  # rare: new templates or a new charter bring new parameters
        _RENDERED[key] = found
    return found


def render_message(violation: Violation, lang: str = "fr") -> RenderedMessage:
    """The message and hint for ``violation`` in ``lang`` ("fr" or "en"; French otherwise)."""
    return render_messages(violation)[1 if lang.lower().startswith("en") else 0]


def _render(violation: Violation, *, english: bool) -> RenderedMessage:
    language = "en" if english else "fr"
    params = _params(violation, language)
    entry = _CATALOGUE.get(violation.code, _FALLBACK)
    if english:
        message, hint = entry[2], entry[3]
    else:
        message, hint = _FRENCH.get(violation.code, _FRENCH_FALLBACK)
    return RenderedMessage(message.format_map(params), hint.format_map(params))


def catalogue_codes() -> Mapping[str, tuple[str, str, str, str]]:
    """Every code with its messages (for tests and documentation)."""
    return dict(_CATALOGUE)
