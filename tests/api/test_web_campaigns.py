"""Campaign pages: the desk creates and edits campaigns, everyone sees the dashboard."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import pytest
from sqlalchemy import select

from regions import accounts, standards
from regions.models import AuditEvent, Role
from tests.api.conftest import error_summary


@pytest.fixture()
def desk_page(world, sign_in):
    """The desk signed in on the pages (the `world` template is published)."""
    return sign_in(Role.CENTRAL_EDITOR)


def _create(desk_page, world, **extra):
    data = {"template": "portes-ouvertes", "title": "Printemps", "master_text": "",
            "slot-city": "votre ville", "targets": "list",
            "territory_ids": [str(world["lyon"]), str(world["marseille"])],
            "adapt_deadline": "2030-05-01T18:00", **extra}
    return desk_page.post("/campaigns/new?template=portes-ouvertes", data=data)


def test_the_desk_creates_a_campaign_with_targets_and_due_date(desk_page, world):
    form = desk_page.get("/campaigns/new?template=portes-ouvertes").get_data(as_text=True)
    assert 'id="campaign-form"' in form and 'name="slot-city"' in form
    answer = _create(desk_page, world)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    campaign_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    stored = desk_page.api("GET", f"/api/campaigns/{campaign_id}").json
    assert sorted(stored["target_ids"]) == sorted([world["lyon"], world["marseille"]])
    assert stored["slot_values"] == {"city": "votre ville"}
    assert stored["adapt_deadline"].startswith("2030-05-01T16:00")  # Paris summer time
    assert stored["master_text"] == "Portes ouvertes à {city} ! {details}"


def test_a_campaign_without_targets_is_refused_beside_the_field(desk_page, world):
    answer = _create(desk_page, world, territory_ids=[])
    assert answer.status_code == 422
    assert 'id="territory_ids-error"' in answer.get_data(as_text=True)


def test_a_refused_campaign_lists_its_errors_at_the_top_linked_to_their_fields(desk_page,
                                                                              world):
    """The page comes back at its top: the errors are there too, each a link to its field."""
    answer = _create(desk_page, world, title=" ", window_start="2030-06-10T08:00",
                     window_end="2030-06-01T08:00")
    assert answer.status_code == 422
    html = unescape(answer.get_data(as_text=True))
    heading, links = error_summary(html)
    assert html.index('class="error-summary"') < html.index('id="campaign-form"')
    assert heading == "Le formulaire contient 2 erreurs"
    assert [target for target, _text in links] == ["title", "window_end"]
    assert links[0][1].startswith("Titre\u00a0: ")
    one = _create(desk_page, world, title=" ")
    assert error_summary(one.get_data(as_text=True))[0] == "Le formulaire contient 1 erreur"
    good = desk_page.get("/campaigns/new?template=portes-ouvertes").get_data(as_text=True)
    assert "error-summary" not in good


@pytest.mark.parametrize("targets", [
    {"targets": "list", "territory_ids": ["99999999999"]},
    {"targets": "descendants", "root_territory": "99999999999"},
])
def test_target_ids_beyond_the_databases_integers_are_refused_beside_the_field(
        desk_page, world, targets):
    answer = _create(desk_page, world, **targets)
    assert answer.status_code == 422
    assert 'id="territory_ids-error"' in answer.get_data(as_text=True)


def test_the_dashboard_shows_who_adapted_and_who_is_pending(desk_page, world):
    campaign_id = _create(desk_page, world).headers["Location"].rsplit("/", 1)[1]
    world["ed_lyon"].post("/api/posts", json={
        "territory_id": world["lyon"], "campaign_id": int(campaign_id),
        "slot_values": {"city": "Lyon", "details": "Bienvenue #Relais"}})
    html = desk_page.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert 'id="campaign-dashboard"' in html
    assert "Lyon" in html and "Marseille" in html
    assert "0 territoire sur 2 a soumis son adaptation" in html  # 0 takes the singular in French


def test_the_master_text_shows_its_slots_as_labelled_blanks_not_placeholders(desk_page, world,
                                                                           sign_in):
    """What the desk filled reads as text; what regions fill is a blank named by its label."""
    filled = _create(desk_page, world).headers["Location"].rsplit("/", 1)[1]
    blank = _create(desk_page, world, **{"slot-city": ""}).headers["Location"].rsplit("/", 1)[1]
    lyon = sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lyon"]])
    for person in (desk_page, lyon):
        page = person.get(f"/campaigns/{filled}").get_data(as_text=True)
        master = page.split('id="campaign-master"', 1)[1].split("</p>", 1)[0]
        assert "{" not in master and "}" not in master
        assert ('<span class="slot-filled" title="Ville" data-slot="city" data-label="Ville">'
                "votre ville</span>") in master
        assert ('<span class="slot-empty blank" data-slot="details" data-label="details">'
                '<span class="visually-hidden">à remplir : </span>details</span>'
                ) in master.replace("\u00a0", " ")
    master = desk_page.get(f"/campaigns/{blank}").get_data(as_text=True).split(
        'id="campaign-master"', 1)[1].split("</p>", 1)[0]
    assert '<span class="visually-hidden">à remplir\u00a0: </span>Ville</span>' in master
    assert '<span class="locked">Portes ouvertes à </span>' in master


def test_regional_people_see_their_campaigns_with_a_link_to_adapt(desk_page, world, sign_in):
    campaign_id = _create(desk_page, world, territory_ids=[str(world["lyon"])]
                          ).headers["Location"].rsplit("/", 1)[1]
    lyon = sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lyon"]])
    lille = sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lille"]])
    listed = lyon.get("/campaigns").get_data(as_text=True)
    assert f'href="/posts/new?campaign={campaign_id}&amp;territory={world["lyon"]}"' in listed
    assert "Printemps" not in lille.get("/campaigns").get_data(as_text=True)
    page = lyon.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert f'href="/posts/new?campaign={campaign_id}"' in page
    assert "/edit" not in page


def test_editing_a_campaign_and_a_stale_edit(desk_page, world):
    campaign_id = _create(desk_page, world).headers["Location"].rsplit("/", 1)[1]
    path = f"/campaigns/{campaign_id}/edit"
    form = desk_page.get(path).get_data(as_text=True)
    assert 'name="version" value="1"' in form
    data = {"version": "1", "title": "Printemps 2", "master_text": "Texte", "targets": "list",
            "territory_ids": [str(world["lille"])], "adapt_deadline": ""}
    assert desk_page.post(path, data=data).status_code == 303
    stored = desk_page.api("GET", f"/api/campaigns/{campaign_id}").json
    assert (stored["title"], stored["target_ids"], stored["adapt_deadline"]) == (
        "Printemps 2", [world["lille"]], None)
    stale = desk_page.post(path, data={**data, "title": "Printemps 3"})
    assert stale.status_code == 409
    assert desk_page.api("GET", f"/api/campaigns/{campaign_id}").json["title"] == "Printemps 2"


def _field_errors(answer, name):
    found = re.search(rf'<span class="field-error" id="{name}-error">(.*?)</span></span>',
                      unescape(answer.get_data(as_text=True)))
    assert found is not None, f"no error beside {name}"
    return re.findall(r'<span class="message">(.*?)(?:</span>|$)', found.group(1))


def test_a_blank_title_is_refused_beside_the_field_and_nothing_is_sent(desk_page, world):
    answer = _create(desk_page, world, title="   ")
    assert answer.status_code == 422
    assert _field_errors(answer, "title") == [
        "Obligatoire\u00a0: des espaces seuls ne comptent pas."]
    assert desk_page.api("GET", "/api/campaigns").json == []


def test_dates_out_of_order_are_refused_in_words_beside_their_fields(desk_page, world):
    answer = _create(desk_page, world, window_start="2030-06-10T08:00",
                     window_end="2030-06-01T08:00", adapt_deadline="2030-06-20T18:00")
    assert answer.status_code == 422
    assert _field_errors(answer, "window_end") == [
        "La fin de la période de publication doit suivre son début."]
    assert _field_errors(answer, "adapt_deadline") == [
        "L’échéance des adaptations doit précéder la fin de la période de publication."]
    campaign_id = _create(desk_page, world).headers["Location"].rsplit("/", 1)[1]
    edited = desk_page.post(f"/campaigns/{campaign_id}/edit", data={
        "version": "1", "title": "  ", "master_text": "Texte", "targets": "list",
        "territory_ids": [str(world["lyon"])], "window_start": "2030-06-10T08:00",
        "window_end": "2030-06-10T08:00", "adapt_deadline": ""})
    assert edited.status_code == 422
    assert _field_errors(edited, "title") == [
        "Obligatoire\u00a0: des espaces seuls ne comptent pas."]
    assert _field_errors(edited, "window_end") == [
        "La fin de la période de publication doit suivre son début."]


@pytest.mark.parametrize("method, path", [
    ("GET", "/campaigns/new"), ("POST", "/campaigns/new"),
    ("GET", "/campaigns/{id}/edit"), ("POST", "/campaigns/{id}/edit"),
])
def test_regional_people_cannot_open_the_desk_forms(desk_page, world, sign_in, method, path):
    campaign_id = _create(desk_page, world).headers["Location"].rsplit("/", 1)[1]
    person = sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lyon"]])
    path = path.format(id=campaign_id)
    answer = person.get(path) if method == "GET" else person.post(path, data={"title": "x"})
    assert answer.status_code == 403


def test_an_unknown_campaign_is_a_404_page(desk_page):
    assert desk_page.get("/campaigns/999999").status_code == 404


def _kit(desk_page, campaign_id, **extra):
    data = {"title": "Partagez le printemps", "link": "https://example.org/printemps",
            "suggestion-0": "Venez nous voir au printemps.", "networks": ["facebook", "x"],
            "ends_at": "2030-06-01T10:00", **extra}
    return desk_page.post(f"/campaigns/{campaign_id}/kits", data=data)


def test_the_desk_publishes_a_share_kit_from_the_campaign_page(desk_page, world):
    campaign_id = _create(desk_page, world).headers["Location"].rsplit("/", 1)[1]
    page = desk_page.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert 'id="kit-form"' in page and 'name="csrf_token"' in page
    answer = _kit(desk_page, campaign_id)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    stored = desk_page.api("GET", f"/api/kits?campaign_id={campaign_id}").json
    assert [(k["title"], k["networks"], k["withdrawn_at"]) for k in stored] == [
        ("Partagez le printemps", ["facebook", "x"], None)]
    assert stored[0]["ends_at"].startswith("2030-06-01T08:00")  # Paris summer time
    assert sorted(stored[0]["territory_ids"]) == sorted([world["lyon"], world["marseille"]])
    page = desk_page.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Partagez le printemps" in page
    assert f'/campaigns/{campaign_id}/kits/{stored[0]["id"]}/withdraw' in page


def test_a_kit_without_link_or_text_is_refused_beside_its_fields(desk_page, world):
    campaign_id = _create(desk_page, world).headers["Location"].rsplit("/", 1)[1]
    answer = _kit(desk_page, campaign_id, link="", **{"suggestion-0": "", "ends_at": "demain"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="suggestions-error"' in html and 'id="ends_at-error"' in html
    _heading, links = error_summary(html)
    assert [target for target, _text in links] == ["ends_at", "suggestions-error"]
    assert 'value="Partagez le printemps"' in html  # what was typed is kept
    assert desk_page.api("GET", f"/api/kits?campaign_id={campaign_id}").json == []


def test_a_suggestion_breaking_two_charter_rules_lists_both_under_one_id(desk_page, world):
    """Each message on its own line, in one element the field's aria-describedby names."""
    assert desk_page.post("/standards/charter", data={
        "rule-0-type": "terms.forbidden", "rule-0-id": "mots", "rule-0-severity": "error",
        "rule-0-param-terms": "gratuit*", "rule-1-type": "disclaimer.required",
        "rule-1-id": "mention", "rule-1-severity": "error",
        "rule-1-param-text": "Offre soumise à conditions.", "rule-1-param-at_end": "1",
    }).status_code == 303
    campaign_id = _create(desk_page, world).headers["Location"].rsplit("/", 1)[1]
    answer = _kit(desk_page, campaign_id, **{"suggestion-0": "C’est gratuit !"})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert html.count('id="suggestion-0-error"') == 1
    assert 'aria-describedby="suggestion-0-error"' in html
    block = html.split('id="suggestion-0-error">', 1)[1].split("</span></span>", 1)[0]
    assert block.count('<span class="message">') == 2
    assert "gratuit" in block and "Offre soumise à conditions." in block


def test_withdrawing_a_kit_from_the_campaign_page(desk_page, world):
    campaign_id = _create(desk_page, world).headers["Location"].rsplit("/", 1)[1]
    _kit(desk_page, campaign_id)
    kit_id = desk_page.api("GET", f"/api/kits?campaign_id={campaign_id}").json[0]["id"]
    answer = desk_page.post(f"/campaigns/{campaign_id}/kits/{kit_id}/withdraw")
    assert answer.status_code == 303
    assert desk_page.api("GET", f"/api/kits/{kit_id}").json["withdrawn_at"] is not None
    page = desk_page.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert f"/kits/{kit_id}/withdraw" not in page


def test_a_kit_is_withdrawn_only_through_its_own_campaigns_page(desk_page, world):
    """Another campaign's address (or an unknown one) is a 404 and the kit stays open."""
    campaign_id = _create(desk_page, world).headers["Location"].rsplit("/", 1)[1]
    other = _create(desk_page, world, title="Automne").headers["Location"].rsplit("/", 1)[1]
    _kit(desk_page, campaign_id)
    kit_id = desk_page.api("GET", f"/api/kits?campaign_id={campaign_id}").json[0]["id"]
    for wrong in (other, "999999"):
        answer = desk_page.post(f"/campaigns/{wrong}/kits/{kit_id}/withdraw")
        assert answer.status_code == 404 and answer.mimetype == "text/html"
    assert desk_page.api("GET", f"/api/kits/{kit_id}").json["withdrawn_at"] is None


def test_a_kit_sent_for_a_withdrawn_campaign_says_why_it_is_refused(desk_page, world):
    campaign_id = _create(desk_page, world).headers["Location"].rsplit("/", 1)[1]
    assert desk_page.post(f"/campaigns/{campaign_id}/withdraw",
                          data={"confirm": "1"}).status_code == 303
    answer = _kit(desk_page, campaign_id)
    assert answer.status_code == 422
    assert 'role="alert">La campagne est retirée.</p>' in answer.get_data(as_text=True)
    assert desk_page.api("GET", f"/api/kits?campaign_id={campaign_id}").json == []


def test_withdrawing_a_campaign_needs_the_confirmation_and_ends_its_kits(desk_page, world,
                                                                        sign_in):
    campaign_id = _create(desk_page, world).headers["Location"].rsplit("/", 1)[1]
    _kit(desk_page, campaign_id)
    path = f"/campaigns/{campaign_id}/withdraw"
    refused = desk_page.post(path, data={})
    assert refused.status_code == 422
    assert 'id="confirm-error"' in refused.get_data(as_text=True)
    lyon = sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lyon"]])
    assert "Printemps" in lyon.get("/campaigns").get_data(as_text=True)
    assert desk_page.post(path, data={"confirm": "1"}).status_code == 303
    assert "Printemps" not in lyon.get("/campaigns").get_data(as_text=True)
    kits = desk_page.api("GET", f"/api/kits?campaign_id={campaign_id}").json
    assert all(kit["withdrawn_at"] is not None for kit in kits) and kits
    page = desk_page.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert 'id="kit-form"' not in page and f'action="{path}"' not in page


@pytest.mark.parametrize(("language", "withdrawn", "already"), [
    ("fr", "Campagne retirée\u00a0:", "Cette campagne était déjà retirée\u00a0: rien n’a changé."),
    ("en", "Campaign withdrawn:", "This campaign was already withdrawn: nothing changed.")])
def test_withdrawing_a_withdrawn_campaign_says_so_and_records_nothing(
        world, sign_in, uow, language, withdrawn, already):
    """A second tab, or the form sent twice: not a second success nor a second event."""
    desk = sign_in(Role.CENTRAL_EDITOR)
    assert desk.post("/account/language", data={"language": language}).status_code == 303
    campaign_id = _create(desk, world).headers["Location"].rsplit("/", 1)[1]
    path = f"/campaigns/{campaign_id}/withdraw"
    shown = []
    for _ in range(2):
        answer = desk.post(path, data={"confirm": "1"})
        assert answer.status_code == 303
        flashes = re.findall(r'<p class="flash (\w+)" role="status">([^<]*)</p>',
                             desk.get(answer.headers["Location"]).get_data(as_text=True))
        shown.append(flashes[-1])  # after those of the earlier steps
    assert shown[0][0] == "success" and shown[0][1].startswith(withdrawn)
    assert shown[1] == ("info", already)
    with uow() as unit:
        events = unit.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "campaign.withdrawn")).all()
    assert [e.subject_id for e in events] == [int(campaign_id)]


def test_regional_editors_cannot_withdraw_a_campaign_or_publish_its_kit(desk_page, world,
                                                                         sign_in):
    campaign_id = _create(desk_page, world).headers["Location"].rsplit("/", 1)[1]
    lyon = sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lyon"]])
    assert 'id="kit-form"' not in lyon.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert lyon.post(f"/campaigns/{campaign_id}/withdraw",
                     data={"confirm": "1"}).status_code == 403
    assert _kit(lyon, campaign_id).status_code == 403
    assert "Printemps" in lyon.get("/campaigns").get_data(as_text=True)


def test_the_desk_s_values_are_listed_in_the_template_s_order(desk_page, world, uow):
    """Not in the stored keys' order (``city`` before ``when``): as the template lists them."""
    from tests.api.conftest import TEMPLATE
    template = {**TEMPLATE, "name": "Agenda", "body": "Le {when} à {city} : {details}",
                "slots": [{"name": "when", "label": "Date", "type": "text"},
                          *TEMPLATE["slots"]]}
    with uow() as unit:
        actor = accounts.load_actor(accounts.get_user(unit, world["desk"].id))
        standards.create_template(unit, actor, "agenda", template)
        standards.publish_template(unit, actor, "agenda", now=datetime.now(UTC))
        unit.commit()
    answer = desk_page.post("/campaigns/new?template=agenda", data={
        "template": "agenda", "title": "Agenda", "master_text": "", "slot-when": "12 mai",
        "slot-city": "Lyon", "slot-details": "Venez !", "targets": "list",
        "territory_ids": [str(world["lyon"])], "adapt_deadline": "2030-05-01T18:00"})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    page = desk_page.get(answer.headers["Location"]).get_data(as_text=True)
    listed = page.split('id="campaign-filled">', 1)[1].split("</dl>", 1)[0]
    assert re.findall(r"<dt>(.*?)</dt>", listed) == ["Date", "Ville", "details"]


def test_home_and_dashboard_agree_a_draft_is_in_progress_not_adapted(desk_page, world, sign_in):
    """Adapted = submitted to the desk at least once, on both pages; a draft is in progress."""
    from tests.api.test_web_review import write

    campaign_id = int(_create(desk_page, world, territory_ids=[
        str(world["lyon"]), str(world["marseille"]), str(world["lille"])],
        **{"slot-city": ""}).headers["Location"].rsplit("/", 1)[1])
    slots = {"city": "Ici", "details": "Bienvenue #Relais"}
    draft = write(world, "lyon", campaign_id=campaign_id, slot_values=slots, submit=False)
    sent_back = write(world, "marseille", campaign_id=campaign_id, slot_values=slots)
    assert world["desk"].post(f"/api/posts/{sent_back['id']}/request-changes", json={
        "version": sent_back["version"], "comment": "Plus court"}).status_code == 200

    page = desk_page.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    rows = re.findall(r'<td>([^<]+)</td>\s*<td data-label="Adaptation">(.*?)</td>', page, re.S)
    by_name = {name.strip(): " ".join(re.sub(r"<[^>]+>", " ", cell).split())
               for name, cell in rows}
    assert by_name == {"Lyon": "En cours", "Marseille": "Soumise au desk",
                       "Lille": "Pas commencée"}, by_name
    summary = page.split('id="dashboard-summary">', 1)[1].split("</p>", 1)[0]
    assert summary.startswith("1 territoire sur 3 a soumis son adaptation au desk")
    assert "1 en cours" in summary and "0 en retard" in summary

    regional = sign_in(Role.REGIONAL_EDITOR, territory_ids=[
        world["lyon"], world["marseille"], world["lille"]])
    home = regional.get("/").get_data(as_text=True)
    adapt = home.split('id="adapt-title"')[1].split('id="failed-title"')[0]
    assert f'href="/posts/{draft["id"]}"' in adapt and "Brouillon commencé" in adapt
    assert f"territory={world['lille']}" in adapt
    assert f"territory={world['marseille']}" not in adapt  # submitted, back for changes
    assert "soumise au desk" in adapt


def _states(person, campaign_ids):
    """Per campaign: the « Votre adaptation » cell of the list, and its line on « Écrire un
    post », as text."""
    def text(html):
        return " ".join(re.sub(r"<[^>]+>", " ", html).split())

    listed = person.get("/campaigns").get_data(as_text=True)
    choose = person.get("/posts/new").get_data(as_text=True)
    found = {}
    for campaign_id in campaign_ids:
        row = listed.split(f'href="/campaigns/{campaign_id}"', 1)[1].split("</tr>", 1)[0]
        cell = row.rsplit('data-label="Votre adaptation">', 1)[1].split("</td>", 1)[0]
        line = choose.split(f'href="/posts/new?campaign={campaign_id}"', 1)[1].split("</li>")[0]
        found[campaign_id] = (text(cell), text(line.split("<br>", 1)[1]))
    return found


def test_the_campaign_list_says_where_the_team_stands_with_each_campaign(
        desk_page, world, sign_in):
    """Not started, draft started, late, submitted: the list and « Écrire un post » say it
    as the home page does, and link to the right next step."""
    from tests.api.test_web_review import write

    def create(**extra):
        answer = _create(desk_page, world, territory_ids=[str(world["lyon"])],
                         **{"slot-city": "", **extra})
        return int(answer.headers["Location"].rsplit("/", 1)[1])

    fresh, drafted, submitted = create(), create(), create()
    late = create(adapt_deadline="2020-01-01T18:00")
    slots = {"city": "Ici", "details": "Bienvenue #Relais"}
    draft = write(world, "lyon", campaign_id=drafted, slot_values=slots, submit=False)
    write(world, "lyon", campaign_id=submitted, slot_values=slots)
    lyon = sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lyon"]])

    states = _states(lyon, [fresh, drafted, submitted, late])
    assert states == {
        fresh: ("L’adapter Pas commencée",) * 2,
        drafted: ("Continuer le brouillon Brouillon commencé",) * 2,
        submitted: ("Soumise au desk Écrire un autre post",) * 2,
        late: ("L’adapter En retard Pas commencée",) * 2,
    }, states
    listed = lyon.get("/campaigns").get_data(as_text=True)
    assert f'href="/posts/{draft["id"]}"' in listed
    assert f'href="/posts/new?campaign={fresh}&amp;territory={world["lyon"]}"' in listed
    assert "Votre adaptation" not in desk_page.get("/campaigns").get_data(as_text=True)


def test_the_home_page_shows_the_most_pressing_campaigns_then_links_to_the_rest(
        desk_page, world, sign_in, uow, monkeypatch):
    """Twenty campaigns at most on the home page: in time (soonest first), then late (most
    recently due first); the others are one link away, in the campaign list."""
    due = ["2030-05-01T18:00", "2030-04-01T18:00", "2020-01-01T18:00", "2025-06-01T18:00"]
    made = {}
    for deadline in due:
        answer = _create(desk_page, world, territory_ids=[str(world["lyon"])],
                         adapt_deadline=deadline, title=f"Échéance {deadline[:10]}")
        made[deadline] = int(answer.headers["Location"].rsplit("/", 1)[1])
    lyon = sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lyon"]])
    home = lyon.get("/").get_data(as_text=True)
    shown = [int(c) for c in re.findall(r'data-campaign="(\d+)"', home)]
    assert shown == [made[d] for d in ("2030-04-01T18:00", "2030-05-01T18:00",
                                       "2025-06-01T18:00", "2020-01-01T18:00")]
    assert 'id="adapt-more"' not in home

    for n in range(18):  # 22 in all: the 20 most pressing, then a link to the list
        assert world["desk"].post("/api/campaigns", json={
            "title": f"Plus tard {n}", "template": "portes-ouvertes", "slot_values": {},
            "targets": "list", "territory_ids": [world["lyon"]],
            "adapt_deadline": f"2031-01-{n + 1:02d}T18:00:00Z"}).status_code == 201
    home = lyon.get("/").get_data(as_text=True)
    shown = [int(c) for c in re.findall(r'data-campaign="(\d+)"', home)]
    assert len(shown) == 20 and shown[:2] == [made["2030-04-01T18:00"], made["2030-05-01T18:00"]]
    assert made["2020-01-01T18:00"] not in shown and made["2025-06-01T18:00"] not in shown
    more = home.split('id="adapt-more">', 1)[1].split("</p>", 1)[0]
    assert 'href="/campaigns"' in more
    assert "2 autres campagnes à adapter\u00a0: les voir toutes" in more

    # Looked at a few campaigns at a time, most pressing first: the same twenty, and once
    # there are more than it shows, it stops looking (and counting).
    from regions import accounts, inbox

    monkeypatch.setattr(inbox, "PRESSING_BATCH", 3)
    now = datetime.now(UTC)
    with uow() as unit:
        actor = accounts.actor_for_user_id(unit, lyon.user.id)
        every = inbox.campaigns_to_adapt(unit.session, actor, now=now)
        for limit, total in ((5, None), (20, None), (22, 22), (30, 22)):
            shown, counted = inbox.most_pressing_to_adapt(unit.session, actor, now=now,
                                                          limit=limit)
            assert [item.campaign_id for item in shown] == [
                item.campaign_id for item in inbox.most_pressing(every, limit)], limit
            assert counted == total, limit
    monkeypatch.setattr(inbox, "PRESSING_BATCH", 100)
    monkeypatch.setattr(inbox, "most_pressing_to_adapt", lambda *a, **k: (every[:1], None))
    home = lyon.get("/").get_data(as_text=True)
    assert "D’autres campagnes sont à adapter\u00a0: les voir toutes" in home


def test_campaign_filters_offer_the_newest_campaigns_and_the_one_chosen(
        desk_page, world, sign_in, uow):
    """A filter lists the newest campaigns a person sees, not every campaign of the years;
    an older one chosen in the address stays offered (and selected)."""
    from regions import accounts, campaigns

    made = [int(_create(desk_page, world, title=f"Campagne {n}",
                        territory_ids=[str(world["lyon"] if n != 2 else world["lille"])]
                        ).headers["Location"].rsplit("/", 1)[1]) for n in range(4)]
    lyon = sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lyon"]])
    with uow() as unit:
        desk = accounts.actor_for_user_id(unit, desk_page.user.id)
        editor = accounts.actor_for_user_id(unit, lyon.user.id)
        assert [i for i, _ in campaigns.filter_choices(unit.session, desk, limit=2)] == [
            made[3], made[2]]
        assert [i for i, _ in campaigns.filter_choices(
            unit.session, desk, limit=2, selected=made[0])] == [made[3], made[2], made[0]]
        assert [i for i, _ in campaigns.filter_choices(unit.session, editor, limit=2)] == [
            made[3], made[1]]  # Lille's campaign is not Lyon's to filter by
        assert [i for i, _ in campaigns.filter_choices(
            unit.session, editor, limit=1, selected=made[2])] == [made[3]]
    for page in ("/posts?campaign_id={id}", "/map?campaign={id}"):
        html = lyon.get(page.format(id=made[0])).get_data(as_text=True)
        assert f'<option value="{made[0]}" selected>Campagne 0</option>' in html, page


def test_the_campaign_list_shows_a_page_at_a_time_newest_first(
        desk_page, world, sign_in, monkeypatch):
    """Thousands of campaigns over the years: a page of them, newest first, and links to the
    pages before and after; each row's state is computed for that page's campaigns."""
    from service.web import campaigns as pages

    monkeypatch.setattr(pages, "LIST_PAGE", 2)
    made = [int(_create(desk_page, world, title=f"Campagne {n}",
                        territory_ids=[str(world["lyon"])]).headers["Location"].rsplit("/", 1)[1])
            for n in range(3)]
    lyon = sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lyon"]])
    for person in (desk_page, lyon):
        first = person.get("/campaigns").get_data(as_text=True)
        listed = [int(i) for i in re.findall(r'href="/campaigns/(\d+)"', first)]
        assert listed == [made[2], made[1]]
        assert 'href="/campaigns?page=2" rel="next">Campagnes plus anciennes' in first
        assert 'rel="prev"' not in first
        second = person.get("/campaigns?page=2").get_data(as_text=True)
        assert [int(i) for i in re.findall(r'href="/campaigns/(\d+)"', second)] == [made[0]]
        assert 'href="/campaigns" rel="prev">Campagnes plus récentes' in second
        assert 'rel="next"' not in second
    second = lyon.get("/campaigns?page=2").get_data(as_text=True)
    assert "L’adapter" in second and "Pas commencée" in second
    assert person.get("/campaigns?page=99999999999").status_code == 200  # not a number: page 1


def test_write_a_post_offers_the_newest_campaigns_then_the_list(
        desk_page, world, sign_in, monkeypatch):
    """« Écrire un post » lists the newest campaigns with their states, not every campaign of
    the years; the older ones are in the campaign list."""
    from service.web import workspace

    monkeypatch.setattr(workspace, "CHOOSE_CAMPAIGNS", 2)
    made = [int(_create(desk_page, world, title=f"Campagne {n}",
                        territory_ids=[str(world["lyon"])]).headers["Location"].rsplit("/", 1)[1])
            for n in range(3)]
    lyon = sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lyon"]])
    page = lyon.get("/posts/new").get_data(as_text=True)
    offered = [int(i) for i in re.findall(r'href="/posts/new\?campaign=(\d+)"', page)]
    assert offered == [made[2], made[1]]
    assert page.count("Pas commencée") == 2
    assert 'href="/campaigns">Campagnes plus anciennes' in page
