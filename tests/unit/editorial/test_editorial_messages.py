from __future__ import annotations

import gettext
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

import editorial
from editorial import RenderedMessage, Severity, Violation, ViolationMessages
from editorial.messages import VIOLATION_MESSAGES
from service.i18n import load_violation_messages

CODES = sorted(VIOLATION_MESSAGES)
MESSAGES = load_violation_messages()  # French from the compiled catalogue, as the service has it
_QUOTED = re.compile(r'"([a-z_]+\.[a-z_]+)"')
_CALL = re.compile(r'[vV]iolation\(\s*(?:\w+,\s*)?"([a-z_]+\.[a-z_]+)"')
_EMITTING = ("code = ", "return \"slot.", "(\"slot.")


def _emitted_codes() -> set[str]:
    """Codes quoted where the engine builds violations or slot issues."""
    codes = {"hashtag.missing", "hashtag.missing_one_of", "mention.missing",
             "mention.missing_one_of"}  # built as f"{kind}.missing"
    for path in Path(editorial.__file__).parent.rglob("*.py"):
        if path.name == "errors.py":
            continue
        source = path.read_text(encoding="utf-8")
        codes.update(_CALL.findall(source))
        for line in source.splitlines():
            if any(marker in line for marker in _EMITTING):
                codes.update(_QUOTED.findall(line))
    return codes


ENGINE_CODES = _emitted_codes()


def render_message(violation: Violation, lang: str) -> RenderedMessage:
    return MESSAGES.render(violation, lang)


def test_every_code_the_engine_emits_has_a_message() -> None:
    assert ENGINE_CODES, "the scan of the engine sources found no codes"
    assert ENGINE_CODES - set(CODES) == set()


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_code_renders_a_message_and_hint_in_both_languages(code: str, lang: str) -> None:
    rendered = render_message(Violation("r", code, Severity.ERROR), lang)
    assert rendered.message and rendered.hint
    assert "{" not in rendered.message + rendered.hint


def test_french_messages_use_no_break_spaces_and_guillemets() -> None:
    violation = Violation("r", "term.forbidden", Severity.ERROR, (0, 7),
                          {"term": "gratuit", "found": "Gratuit"})
    assert render_message(violation, "fr").message == (
        "«\u00a0Gratuit\u00a0» est proscrit par la charte (gratuit)."
    )
    too_long = Violation("r", "length.too_long", Severity.ERROR, None,
                         {"length": 2500, "max": 2200, "excess": 300})
    assert render_message(too_long, "fr").message == (
        "Le texte fait 2\u202f500 caractères\u00a0: le maximum est 2\u202f200."
    )
    assert render_message(too_long, "en").message == (
        "The text is 2,500 characters long; the maximum is 2,200."
    )


@pytest.mark.parametrize(("minutes", "french", "english"), [
    (10, "10\u00a0minutes", "10 minutes"),
    (1, "1\u00a0minute", "1 minute"),
    (60, "1\u00a0h", "1 hour"),
    (90, "1\u00a0h\u00a030", "1 h 30 min"),
    (120, "2\u00a0h", "2 hours"),
    (2880, "48\u00a0h", "48 hours"),
    (65, "1\u00a0h\u00a005", "1 h 5 min"),
    (60_000, "1\u202f000\u00a0h", "1,000 hours"),
])
def test_minimum_notice_reads_as_a_duration(minutes: int, french: str, english: str) -> None:
    params = {"min_minutes": minutes, "lead_minutes": 0}
    violation = Violation("delai", "time.lead_too_short", Severity.ERROR, None, params)
    assert render_message(violation, "fr").message == (
        f"Publication trop proche\u00a0: il faut {french} de délai.")
    assert render_message(violation, "fr").hint == f"Programmez-la au moins {french} à l’avance."
    assert render_message(violation, "en").message == (
        f"Publication is too soon: {english} of notice is required.")
    assert render_message(violation, "en").hint == f"Schedule it at least {english} ahead."
    assert violation.params["min_minutes"] == minutes  # the machine-readable figure is kept


@pytest.mark.parametrize(("params", "french", "english"), [
    ({"min_km": 0.25, "radius_km": 0.2},
     "Rayon de diffusion de 0,2\u00a0km\u00a0: le minimum est 0,25\u00a0km.",
     "Audience radius of 0.2 km; the minimum is 0.25 km."),
    ({"min_km": 1.0, "radius_km": 0.125},
     "Rayon de diffusion de 0,125\u00a0km\u00a0: le minimum est 1\u00a0km.",
     "Audience radius of 0.125 km; the minimum is 1 km."),
])
def test_a_radius_reads_with_every_digit_it_was_given(params: dict[str, float], french: str,
                                                      english: str) -> None:
    """Rounded to one decimal, a minimum of 0.25 km read "0,2" beside a radius of 0,2 km."""
    violation = Violation("rayon", "geo.radius_too_small", Severity.ERROR, None, params)
    assert render_message(violation, "fr").message == french
    assert render_message(violation, "en").message == english


def test_large_and_tiny_decimals_are_grouped_and_never_in_exponent_form() -> None:
    too_large = Violation("rayon", "geo.radius_too_large", Severity.ERROR, None,
                          {"max_km": 1e-7, "radius_km": 1234.5})
    assert render_message(too_large, "fr").message.startswith(
        "Rayon de diffusion de 1\u202f234,5\u00a0km\u00a0: le maximum est 0,0000001")
    assert render_message(too_large, "en").message.startswith(
        "Audience radius of 1,234.5 km; the maximum is 0.0000001 km")


def test_hint_names_the_fix() -> None:
    violation = Violation("r", "hashtag.missing", Severity.ERROR, (3, 3), {"tag": "#EDF"})
    assert render_message(violation, "en").hint == "Add #EDF at the end of the text."
    assert render_message(violation, "fr").hint == "Ajoutez #EDF à la fin du texte."


def test_unknown_code_or_missing_params_still_render() -> None:
    assert render_message(Violation("r", "no.such", Severity.ERROR), "de").message == (
        "Règle non respectée (no.such)."
    )
    assert "…" in render_message(Violation("r", "lines.too_many", Severity.ERROR), "en").message


def _rendered(template: dict[str, object], draft: editorial.Draft, lang: str) -> list[str]:
    compiled = editorial.compile_template(editorial.template_from_dict(template))
    now = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    return [render_message(v, lang).message + " " + render_message(v, lang).hint
            for v in editorial.validate(compiled, draft, now=now).violations]


def test_a_slot_is_named_by_its_label_in_messages() -> None:
    template = {"id": "t", "name": "T", "body": "Agence {nom_agence}", "slots": [
        {"name": "nom_agence", "label": "Nom de l’agence", "max_length": 3}]}
    empty = _rendered(template, editorial.Draft(text="Agence "), "fr")
    assert empty == ["Le champ «\u00a0Nom de l’agence\u00a0» n’est pas rempli. Remplissez-le."]
    long = _rendered(template, editorial.Draft(text="Agence Lyon", slot_values={
        "nom_agence": "Lyon"}), "en")
    assert "“Nom de l’agence” is too long" in long[0] and "nom_agence" not in long[0]


def test_a_slot_label_round_trips_and_a_slot_without_one_keeps_its_name() -> None:
    data = {"id": "t", "name": "T", "body": "{a} {b}", "slots": [
        {"name": "a", "label": "Ville"}, {"name": "b"}]}
    template = editorial.template_from_dict(data)
    assert [slot.shown for slot in template.slots] == ["Ville", "b"]
    assert editorial.template_to_dict(template)["slots"] == [
        {"name": "a", "type": "text", "label": "Ville"}, {"name": "b", "type": "text"}]


def test_window_moments_are_shown_in_the_template_zone_which_is_named() -> None:
    template = {"id": "t", "name": "T", "body": "", "timezone": "Europe/Paris", "rules": [
        {"id": "w", "type": "time.window", "params": {"start": "2027-01-01T07:00:00Z"}},
        {"id": "h", "type": "time.hours", "params": {"start": "08:00", "end": "09:00"}}]}
    wished = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # a Tuesday, 15:00 in Paris
    french = _rendered(template, editorial.Draft(text="Bonjour", publish_at=wished), "fr")
    assert "(01/01/2027 08:00 Europe/Paris)" in french[0]  # 07:00 UTC is 08:00 in Paris
    assert "07:00" not in french[0] and "T07" not in french[0]
    assert "à 15:00, hors des horaires permis (08:00–09:00, Europe/Paris)" in french[1]
    english = _rendered(template, editorial.Draft(text="Hello", publish_at=wished), "en")
    assert "(2027-01-01 08:00 Europe/Paris)" in english[0]


def test_a_report_saved_before_zones_were_named_still_reads_well() -> None:
    old = Violation("h", "time.outside_hours", Severity.WARNING, None,
                    {"start": "08:00", "end": "09:00", "local_time": "15:00"})
    hint = render_message(old, "fr").hint
    assert hint == "Choisissez une heure entre 08:00 et 09:00 (heure locale)."


def test_the_rendering_memo_tells_apart_values_python_finds_equal() -> None:
    def shown(value: object) -> str:
        violation = Violation("r", "length.too_long", Severity.ERROR, None,
                              {"length": value, "max": 1, "excess": 1})
        return render_message(violation, "en").message

    for _ in range(2):  # rendered, then read from the memo
        assert shown(True).startswith("The text is True ")
        assert shown(1).startswith("The text is 1 ") and shown(1.0).startswith("The text is 1 ")
    assert shown(-0.0) != shown(0)  # "-0" and "0": equal numbers, different text
    listed = Violation("r", "hashtag.missing_one_of", Severity.WARNING, None,
                       {"tags": ["#A", "#B"]})
    nested = Violation("r", "hashtag.missing_one_of", Severity.WARNING, None,
                       {"tags": {"#A": 1}})  # not a key: rendered each time, still right
    assert "#A, #B" in render_message(listed, "en").message
    assert render_message(nested, "fr") == render_message(nested, "fr")


def test_french_comes_from_the_catalogue_given_and_english_is_the_message_id() -> None:
    violation = Violation("r", "geo.geotag_missing", Severity.ERROR)
    assert render_message(violation, "fr") == RenderedMessage(
        "La publication doit être géolocalisée.", "Placez la publication sur la carte.")
    untranslated = ViolationMessages(gettext.NullTranslations())
    assert untranslated.render(violation, "fr") == untranslated.render(violation, "en") == (
        RenderedMessage("The post must be geotagged.", "Place the post on the map."))

    class Marked:
        def gettext(self, message: str) -> str:
            return f"[{message}]"

    marked = ViolationMessages(Marked())
    tag = Violation("r", "hashtag.missing", Severity.ERROR, None, {"tag": "#EDF"})
    assert marked.render(tag, "fr") == RenderedMessage(
        "[The hashtag #EDF is required.]", "[Add #EDF at the end of the text.]")
    assert marked.render(tag, "en").message == "The hashtag #EDF is required."
    assert marked.render(Violation("r", "no.such", Severity.ERROR)) == (
        RenderedMessage("[Rule not followed (no.such).]", "[Fix the text.]"))
    hours = Violation("h", "time.outside_hours", Severity.WARNING, None,
                      {"start": "08:00", "end": "09:00", "local_time": "15:00"})
    assert marked.render(hours, "fr").hint == (
        "[Pick a time between 08:00 and 09:00 ([local time]).]")


def test_a_day_not_allowed_is_named_and_not_told_as_an_hour() -> None:
    # 29/11/2026 is a Sunday: « Publication prévue à 11:00, hors des horaires permis
    # (08:00–19:00) » blamed the hour, which was allowed.
    template = {"id": "t", "name": "T", "body": "", "timezone": "Europe/Paris", "rules": [
        {"id": "h", "type": "time.hours",
         "params": {"start": "08:00", "end": "19:00", "weekdays": [1, 2, 3, 4, 5]}}]}
    sunday = editorial.Draft(text="Bonjour", publish_at=datetime(2026, 11, 29, 10, 0, tzinfo=UTC))
    assert _rendered(template, sunday, "fr") == [
        "Publication prévue un dimanche, jour non permis (du lundi au vendredi). "
        "Choisissez un autre jour\u00a0: du lundi au vendredi."]
    assert _rendered(template, sunday, "en") == [
        "Publication is planned on a Sunday, a day not allowed (Monday to Friday). "
        "Pick another day: Monday to Friday."]


@pytest.mark.parametrize(("weekdays", "french", "english"), [
    ([6, 7], "samedi ou dimanche", "Saturday or Sunday"),
    ([1, 3, 5], "lundi, mercredi ou vendredi", "Monday, Wednesday or Friday"),
    ([3], "mercredi", "Wednesday"),
    ([2, 3, 4], "du mardi au jeudi", "Tuesday to Thursday"),
])
def test_allowed_days_read_as_a_range_or_a_choice(weekdays: list[int], french: str,
                                                  english: str) -> None:
    violation = Violation("h", "time.outside_days", Severity.WARNING, None,
                          {"weekday": 2 if 2 not in weekdays else 1, "weekdays": weekdays,
                           "timezone": "Europe/Paris"})
    assert render_message(violation, "fr").hint == f"Choisissez un autre jour\u00a0: {french}."
    assert render_message(violation, "en").hint == f"Pick another day: {english}."


def test_a_date_in_the_past_is_told_as_past_not_as_too_soon() -> None:
    template = {"id": "t", "name": "T", "body": "", "timezone": "Europe/Paris", "rules": [
        {"id": "l", "type": "time.lead", "params": {"min_minutes": 2880}}]}
    past = editorial.Draft(text="Bonjour", publish_at=datetime(2020, 1, 1, 10, 0))
    assert _rendered(template, past, "fr") == [
        "Publication prévue dans le passé (01/01/2020 10:00 Europe/Paris). "
        "Programmez-la au moins 48\u00a0h à l’avance."]


@pytest.mark.parametrize(("network", "french", "english"), [
    ("linkedin", "LinkedIn", "LinkedIn"),
    ("google_business", "Fiche d’établissement Google", "Google Business Profile"),
])
def test_a_network_is_named_as_people_name_it(network: str, french: str, english: str) -> None:
    violation = Violation("r", "length.network_limit", Severity.ERROR, None,
                          {"length": 3001, "max": 3000, "excess": 1, "network": network})
    assert f"\u00a0: {french} en accepte" in render_message(violation, "fr").message
    assert f"; {english} accepts" in render_message(violation, "en").message
