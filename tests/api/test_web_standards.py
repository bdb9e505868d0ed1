"""The desk's standards editor: charter and templates in forms, preview, versions, publish."""

from __future__ import annotations

import re

import pytest

from regions.models import Role
from tests.api.conftest import error_summary

TEMPLATE_FORM = {
    "key": "promo", "name": "Promo", "network": "facebook", "language": "fr",
    "timezone": "Europe/Paris", "body": "Rendez-vous à {city} !",
    "slot-0-name": "city", "slot-0-label": "Ville", "slot-0-type": "text",
    "slot-0-max_length": "40", "slot-0-required": "1",
    "rule-0-type": "hashtags.required", "rule-0-id": "tag", "rule-0-severity": "error",
    "rule-0-param-tags": "#EDF\n#Relais", "rule-0-param-mode": "any",
    "rule-1-type": "terms.forbidden", "rule-1-id": "words", "rule-1-severity": "warning",
    "rule-1-param-terms": "gratuit* | gratuitement\narnaque",
    "rule-2-type": "time.hours", "rule-2-id": "hours", "rule-2-severity": "error",
    "rule-2-param-start": "08:00", "rule-2-param-end": "20:00",
}


@pytest.fixture()
def desk(sign_in):
    return sign_in(Role.CENTRAL_EDITOR)


def _created(desk):
    answer = desk.post("/standards/templates/new", data=TEMPLATE_FORM)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return answer


def test_a_template_written_in_the_form_is_stored_as_rules_with_params(desk):
    answer = _created(desk)
    assert answer.headers["Location"].endswith("/standards/templates/promo")
    stored = desk.api("GET", "/api/templates/promo/versions/1").json["data"]
    rules = {rule["id"]: rule for rule in stored["rules"]}
    assert rules["tag"]["params"] == {"tags": ["#EDF", "#Relais"], "mode": "any"}
    assert rules["words"]["params"]["terms"] == [
        {"term": "gratuit*", "exceptions": ["gratuitement"]}, "arnaque"]
    assert rules["words"]["severity"] == "warning"
    assert stored["slots"] == [{"name": "city", "label": "Ville", "type": "text",
                                "max_length": 40}]
    page = desk.get("/standards/templates/promo").get_data(as_text=True)
    assert 'id="template-form"' in page and 'id="publish-template"' in page
    assert "gratuit* | gratuitement" in page  # shown again as typed, not as JSON


def test_every_rule_type_is_documented_in_the_form(desk):
    page = desk.get("/standards/templates/new").get_data(as_text=True)
    from editorial import RULE_TYPES
    for rule_type in RULE_TYPES:
        assert f'<option value="{rule_type}">' in page
    added = desk.post("/standards/templates/new", data={**TEMPLATE_FORM, "action": "add_rule",
                                                        "new_rule_type": "geo.radius"})
    html = added.get_data(as_text=True)
    assert added.status_code == 200
    assert 'name="rule-3-param-max_km"' in html and "kilomètres" in html
    assert desk.api("GET", "/api/templates").json == []  # adding a row saves nothing


def test_engine_problems_are_shown_beside_their_field(desk):
    answer = desk.post("/standards/templates/new", data={
        **TEMPLATE_FORM, "body": "Rendez-vous à {town} !", "rule-2-param-start": "25:99"})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'id="body-error"' in html and 'id="rule-2-param-start-error"' in html
    heading, links = error_summary(html)  # listed at the top too, each linked
    assert [target for target, _text in links] == ["body", "slot-0-error",
                                                    "rule-2-param-start-error"]
    assert heading == "Le formulaire contient 3 erreurs"
    assert 'aria-invalid="true"' in html
    # In the page's language: the engine's problems are French on a French page.
    assert "no such slot is declared" not in html
    # In the form's words (« Texte verrouillé », « champ »), as a sentence.
    assert ("Le texte verrouillé utilise {town}, mais aucun champ de ce nom n’est déclaré"
            in html)


def test_the_preview_marks_the_violating_span_of_the_sample(desk):
    answer = desk.post("/standards/templates/preview", data={
        **TEMPLATE_FORM, "sample-slot-city": "Lyon",
        "sample-text": "Rendez-vous à Lyon ! C'est gratuite #EDF"})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert '<mark class="violation warning">gratuite</mark>' in html
    assert "words" in html


def test_the_preview_names_slots_by_label_and_times_in_the_template_zone(desk):
    window = {"rule-3-type": "time.window", "rule-3-id": "window", "rule-3-severity": "error",
              "rule-3-param-start": "2099-01-01T07:00:00Z"}
    html = desk.post("/standards/templates/preview", data={
        **TEMPLATE_FORM, **window, "sample-text": "Rendez-vous à  ! #EDF"}).get_data(as_text=True)
    assert "Ville" in html and "«\u00a0city\u00a0»" not in html
    assert "01/01/2099 08:00 Europe/Paris" in html  # 07:00 UTC, in the template's zone
    assert "T07:00" not in html
    form = desk.post("/standards/templates/new", data={**TEMPLATE_FORM, "key": "promo2"})
    page = desk.get(form.headers["Location"]).get_data(as_text=True)
    assert 'name="slot-0-label"' in page and 'value="Ville"' in page
    assert '<label for="sample-slot-city">Ville</label>' in page


def test_the_preview_shows_the_slots_left_empty_as_labelled_blanks(desk):
    html = desk.post("/standards/templates/preview", data={
        **TEMPLATE_FORM, "body": "{city} : rendez-vous le {day} à {place}.",
        "slot-1-name": "day", "slot-1-type": "text",
        "slot-2-name": "place", "slot-2-label": "Lieu", "slot-2-type": "text",
        "sample-slot-day": "14/07"}).get_data(as_text=True)
    blank = ('<span class="slot-empty blank"><span class="visually-hidden">à remplir : </span>'
             '{}</span>')
    text = re.search(r'<p class="fb-text annotated">(.*?)</p>', html, re.S).group(1)
    assert text.replace("\u00a0", " ") == (
        blank.format("Ville") + " : rendez-vous le 14/07 à " + blank.format("Lieu") + ".")


def test_the_preview_lists_template_problems(desk):
    answer = desk.post("/standards/templates/preview", data={
        **TEMPLATE_FORM, "body": "{nothing}"})
    assert "body" in answer.get_data(as_text=True)


def test_publishing_then_editing_starts_a_new_version_and_versions_compare(desk):
    _created(desk)
    assert desk.post("/standards/templates/promo/publish",
                     data={"revision": "1"}).status_code == 303
    assert desk.api("GET", "/api/templates/promo").json["published_version"] == 1
    revision = desk.api("GET", "/api/templates/promo").json["revision"]
    form = {k: v for k, v in TEMPLATE_FORM.items() if k != "key"}
    saved = desk.post("/standards/templates/promo", data={
        **form, "body": "À bientôt à {city} !", "revision": str(revision)})
    assert saved.status_code == 303, saved.get_data(as_text=True)
    diff = desk.get("/standards/templates/promo/compare?a=1&b=2").get_data(as_text=True)
    assert re.search(r"<del>-.*Rendez-vous", diff) and re.search(r"<ins>\+.*bientôt", diff)


def test_a_stale_draft_save_says_so_and_keeps_the_other_edit(desk):
    _created(desk)
    form = {k: v for k, v in TEMPLATE_FORM.items() if k != "key"}
    assert desk.post("/standards/templates/promo",
                     data={**form, "name": "First", "revision": "1"}).status_code == 303
    stale = desk.post("/standards/templates/promo",
                      data={**form, "name": "Second", "revision": "1"})
    assert stale.status_code == 409
    assert "depuis que vous l’avez ouvert" in stale.get_data(as_text=True)
    assert desk.api("GET", "/api/templates/promo").json["name"] == "First"


def test_the_charter_form_writes_a_new_version(desk):
    page = desk.get("/standards/charter").get_data(as_text=True)
    assert 'id="charter-form"' in page and 'name="rule-0-param-terms"' in page
    answer = desk.post("/standards/charter", data={
        "rule-0-type": "terms.forbidden", "rule-0-id": "mots", "rule-0-severity": "error",
        "rule-0-param-terms": "arnaque\ngratuit*",
        "rule-1-type": "disclaimer.required", "rule-1-id": "mention",
        "rule-1-severity": "error", "rule-1-param-text": "Offre soumise à conditions.",
        "rule-1-param-at_end": "1"})
    assert answer.status_code == 303
    charter = desk.api("GET", "/api/charter").json
    assert charter["number"] == 1
    assert charter["data"]["rules"][0]["params"]["terms"] == ["arnaque", "gratuit*"]
    assert charter["data"]["rules"][1]["params"] == {"text": "Offre soumise à conditions.",
                                                     "at_end": True}
    index = desk.get("/standards").get_data(as_text=True)
    assert "Version 1" in index
    # each rule in words, its id beside it (not the engine's type identifier)
    assert "Mots ou expressions interdits, sans tenir compte des accents ni de la casse." \
        ' <span class="small muted">(<code>mots</code>)</span>' in index
    assert "terms.forbidden" not in index


def test_a_bad_charter_term_is_refused_beside_its_field(desk):
    answer = desk.post("/standards/charter", data={
        "rule-0-type": "terms.forbidden", "rule-0-id": "mots", "rule-0-param-terms": "*"})
    assert answer.status_code == 422
    assert 'id="rule-0-param-terms-error"' in answer.get_data(as_text=True)


def test_the_index_lists_templates_with_their_state(desk):
    _created(desk)
    html = desk.get("/standards").get_data(as_text=True)
    assert 'href="/standards/templates/promo"' in html and "v1 (brouillon)" in html


@pytest.mark.parametrize("method, path", [
    ("GET", "/standards"), ("GET", "/standards/charter"), ("POST", "/standards/charter"),
    ("GET", "/standards/templates/new"), ("POST", "/standards/templates/new"),
    ("GET", "/standards/templates/promo"), ("POST", "/standards/templates/promo"),
    ("POST", "/standards/templates/promo/publish"),
    ("POST", "/standards/templates/promo/archive"),
    ("GET", "/standards/templates/promo/compare"), ("POST", "/standards/templates/preview"),
])
@pytest.mark.parametrize("role", [Role.REGIONAL_EDITOR, Role.CONTRIBUTOR, Role.VIEWER])
def test_regional_people_get_403_on_the_editor(sign_in, desk, method, path, role):
    _created(desk)
    person = sign_in(role)
    answer = person.get(path) if method == "GET" else person.post(path, data=TEMPLATE_FORM)
    assert answer.status_code == 403
    assert desk.api("GET", "/api/templates/promo").json["latest_version"] == 1


def test_signed_out_visitors_are_sent_to_login(client):
    assert client.get("/standards").status_code == 302


def test_networks_are_named_as_people_name_them(desk):
    # The editor showed raw ids: « Linkedin », « Google_business ».
    desk.post("/standards/templates/new", data=TEMPLATE_FORM | {"network": "linkedin"})
    editor = desk.get("/standards/templates/promo").get_data(as_text=True)
    assert '<option value="linkedin" selected>LinkedIn</option>' in editor
    assert '<option value="google_business" >Fiche d’établissement Google</option>' in editor
    assert "Linkedin" not in editor and "Google_business" not in editor
    index = desk.get("/standards").get_data(as_text=True)
    assert ">LinkedIn</td>" in index and "Linkedin" not in index
