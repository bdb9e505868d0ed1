"""The regional workspace pages: my posts, writing a post, a post's page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from html import unescape

import pytest

from regions import audit
from regions.models import Post, PostStatus, Role, User
from tests.api.conftest import SOON, SOON_DAY

GOOD = "Portes ouvertes à Ici ! Bienvenue #Relais"
SLOTS = {"slot-city": "Ici", "slot-details": "Bienvenue #Relais"}


def _english(uow, person):
    with uow() as unit:
        unit.session.get(User, person.user.id).language = "en"
        unit.commit()
    return person


@pytest.fixture()
def lyon_editor(world, sign_in):
    person = sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lyon"]])
    # Logging in starts a new session: the forms' CSRF token is the one pages show from now on.
    found = re.search(r'name="csrf-token" content="([^"]+)"', _page(person.get("/posts")))
    assert found is not None
    person.csrf_token = found.group(1)
    return person


@pytest.fixture()
def campaign(world):
    created = world["desk"].post("/api/campaigns", json={
        "title": "Journées portes ouvertes", "template": "portes-ouvertes",
        "slot_values": {"city": "Lyon", "details": "Venez nombreux #Relais"},
        "targets": "list", "territory_ids": [world["lyon"]]})
    assert created.status_code == 201, created.json
    return created.json["id"]


def _page(answer):
    return unescape(answer.get_data(as_text=True))


def _new(person, territory, *, action="draft", text=GOOD, lon="4.85", lat="45.75", **extra):
    return person.post("/posts/new?template=portes-ouvertes", data={
        "territory_id": str(territory), "text": text, "lon": lon, "lat": lat,
        "audience_radius_km": "5", "publish_at": "2031-05-01T10:00", "action": action,
        **SLOTS, **extra})


def _post_id(answer):
    found = re.search(r"/posts/(\d+)$", answer.headers["Location"])
    assert found, answer.headers["Location"]
    return int(found.group(1))


# -- my posts ----------------------------------------------------------------------------------
def test_my_posts_lists_what_i_may_see_with_status_in_words(world, drafts, lyon_editor):
    page = _page(lyon_editor.get("/posts"))
    assert f'href="/posts/{drafts["a"]["id"]}"' in page
    assert f'href="/posts/{drafts["b"]["id"]}"' not in page  # Marseille's draft
    assert 'class="badge status-draft">Brouillon<' in page


def test_my_posts_filter_by_status_campaign_territory_and_period(world, drafts, campaign,
                                                                 lyon_editor):
    editor = world["ed_lyon"]
    post = drafts["a"]
    editor.post(f"/api/posts/{post['id']}/submit", json={"version": post["version"]})
    adapted = editor.post("/api/posts", json={
        "territory_id": world["lyon"], "campaign_id": campaign,
        "publish_at": SOON.isoformat()}).json

    def ids(query):
        return {int(i) for i in re.findall(r'data-post-id="(\d+)"',
                                           _page(lyon_editor.get(f"/posts?{query}")))}

    assert ids("status=submitted") == {post["id"]}
    assert ids("status=draft") == {adapted["id"]}
    assert ids(f"campaign_id={campaign}") == {adapted["id"]}
    assert ids(f"territory_id={world['lyon']}") == {post["id"], adapted["id"]}
    day = SOON_DAY.isoformat()
    assert ids(f"from={day}&to={day}") == {adapted["id"]}
    assert ids("from=2000-01-01&to=2000-01-02") == set()
    desk = _page(lyon_editor.get("/posts?status=draft&status=submitted"))
    assert 'value="draft" checked' in desk


def test_my_posts_count_a_period_s_days_in_paris_time_whatever_the_server_s_zone(
        world, lyon_editor, monkeypatch):
    """Pages show times in Paris time, so « from 5 to 5 » means Paris's 5th: a post due at
    23:30 UTC on the 4th (00:30 on the 5th in Paris) is in it, on a server set to UTC or not."""
    import time

    monkeypatch.setenv("TZ", "America/New_York")  # a server far from Paris
    time.tzset()
    try:
        day = (SOON_DAY + timedelta(days=1))
        late_evening = datetime.combine(day - timedelta(days=1), dt_time(23, 30), tzinfo=UTC)
        answer = world["ed_lyon"].post("/api/posts", json={
            "territory_id": world["lyon"], "template": "portes-ouvertes",
            "text": "Portes ouvertes à Ici ! Bienvenue #Relais",
            "geotag": {"lon": 4.85, "lat": 45.75}, "publish_at": late_evening.isoformat(),
            "slot_values": {"city": "Ici", "details": "Bienvenue #Relais"}})
        assert answer.status_code == 201, answer.json
        post = answer.json

        def ids(first, last):
            return {int(i) for i in re.findall(r'data-post-id="(\d+)"', _page(lyon_editor.get(
                f"/posts?from={first.isoformat()}&to={last.isoformat()}")))}

        assert post["id"] in ids(day, day)
        assert post["id"] not in ids(day - timedelta(days=1), day - timedelta(days=1))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_the_desk_sees_every_region_in_the_posts_list(world, drafts, sign_in):
    page = _page(sign_in(Role.CENTRAL_EDITOR).get("/posts"))
    assert f'href="/posts/{drafts["a"]["id"]}"' in page
    assert f'href="/posts/{drafts["b"]["id"]}"' in page


# -- writing a post ----------------------------------------------------------------------------
def test_new_post_from_a_campaign_shows_its_locked_text_and_slots(world, campaign, lyon_editor):
    page = _page(lyon_editor.get(f"/posts/new?campaign={campaign}"))
    assert '<span class="locked">Portes ouvertes à </span>' in page
    assert 'name="slot-city"' in page and 'value="Lyon"' in page
    assert re.search(r'<label for="slot-city">Ville\b', page)  # the slot's label, not its id
    assert 'id="post-text"' in page and "Portes ouvertes à Lyon ! Venez nombreux #Relais" in page
    for element in ('id="validation-report"', 'id="post-map"', 'id="geotag-lon"',
                    'id="geotag-lat"', 'id="geotag-error"', 'id="save-draft"',
                    'id="submit-post"', 'class="fb-preview"', 'aria-live="polite"'):
        assert element in page
    assert 'data-template-key="portes-ouvertes"' in page


def _shown(page, element):
    """The text area, the template's text and the preview of a post form, by name."""
    pattern = {"text": r'<textarea id="post-text"[^>]*>(.*?)</textarea>',
               "locked": r'<p class="annotated" id="locked-text">(.*?)</p>',
               "preview": r'<div class="fb-text" id="preview-text">(.*?)</div>'}[element]
    found = re.search(pattern, page, re.S)
    assert found is not None, element
    return found.group(1)


CITY_BLANK = ('<span class="slot-empty blank" data-slot="city" data-label="Ville">'
              '<span class="visually-hidden">à remplir\u00a0: </span>Ville</span>')


def test_a_new_post_shows_empty_slots_as_labelled_blanks_never_their_ids(world, lyon_editor):
    page = _page(lyon_editor.get("/posts/new?template=portes-ouvertes"))
    assert _shown(page, "text") == "Portes ouvertes à  ! "  # what is posted: no "{city}"
    for element in ("locked", "preview"):
        shown = _shown(page, element)
        assert CITY_BLANK in shown and "{" not in shown, element


def test_editing_a_post_shows_its_empty_slot_by_label(world, lyon_editor):
    text = "Portes ouvertes à  ! Bienvenue #Relais"
    post_id = _post_id(_new(lyon_editor, world["lyon"], text=text, **{"slot-city": ""}))
    page = _page(lyon_editor.get(f"/posts/{post_id}/edit"))
    assert _shown(page, "text") == text
    for element in ("locked", "preview"):
        shown = _shown(page, element)
        assert CITY_BLANK in shown and "Bienvenue #Relais</span>" in shown, element
    rewritten = "Portes ouvertes à  ! Bienvenue, vraiment #Relais"  # no longer the slots' text
    edited = _post_id(_new(lyon_editor, world["lyon"], text=rewritten, **{"slot-city": ""}))
    assert _shown(_page(lyon_editor.get(f"/posts/{edited}/edit")), "preview") == rewritten


def test_saving_a_campaign_adaptation_creates_a_draft(world, campaign, lyon_editor, uow):
    answer = lyon_editor.post(f"/posts/new?campaign={campaign}", data={
        "territory_id": str(world["lyon"]), "text": "Portes ouvertes à Lyon ! Venez #Relais",
        "slot-city": "Lyon", "slot-details": "Venez #Relais", "lon": "4.85", "lat": "45.75",
        "place_name": "", "audience_radius_km": "3", "action": "draft"})
    assert answer.status_code == 303, _page(answer)
    with uow() as unit:
        post = unit.session.get(Post, _post_id(answer))
        assert (post.campaign_id, post.status) == (campaign, PostStatus.DRAFT)
        assert post.slot_values == {"city": "Lyon", "details": "Venez #Relais"}
        assert float(post.audience_radius_km) == 3.0


def test_new_original_post_saves_a_draft_and_its_page_shows_it(world, lyon_editor, uow):
    form = _page(lyon_editor.get("/posts/new?template=portes-ouvertes"))
    assert "Post original" in form and 'name="slot-city"' in form
    answer = _new(lyon_editor, world["lyon"])
    assert answer.status_code == 303
    post_id = _post_id(answer)
    with uow() as unit:
        post = unit.session.get(Post, post_id)
        assert (post.text, post.status, post.version) == (GOOD, PostStatus.DRAFT, 1)
        assert post.publish_at.isoformat() == "2031-05-01T08:00:00+00:00"  # Paris summer time
    page = _page(lyon_editor.get(f"/posts/{post_id}"))
    assert GOOD in page and "Brouillon" in page and "Créé" in page


@pytest.mark.parametrize("path", [
    "/posts?territory_id=99999999999&campaign_id=99999999999",
    "/posts/new?campaign=99999999999",
])
def test_ids_beyond_the_databases_integers_are_ignored_not_a_500(lyon_editor, path):
    answer = lyon_editor.get(path)
    assert answer.status_code == 200 and answer.mimetype == "text/html"


def test_a_withdrawn_campaign_cannot_be_adapted_any_more(world, campaign, lyon_editor):
    assert lyon_editor.get(f"/posts/new?campaign={campaign}").status_code == 200
    assert world["desk"].post(f"/api/campaigns/{campaign}/withdraw").status_code == 200
    answer = lyon_editor.get(f"/posts/new?campaign={campaign}")
    assert answer.status_code == 404 and answer.mimetype == "text/html"


def test_choosing_where_to_start_lists_campaigns_and_templates(world, campaign, lyon_editor):
    page = _page(lyon_editor.get("/posts/new"))
    assert f"/posts/new?campaign={campaign}" in page
    assert "/posts/new?template=portes-ouvertes" in page


def test_submitting_with_a_violation_shows_the_report_and_keeps_the_draft(world, lyon_editor,
                                                                          uow):
    bad = "Portes ouvertes à Ici ! C'est gratuit #Relais"
    answer = _new(lyon_editor, world["lyon"], action="submit", text=bad,
                  **{"slot-details": "C'est gratuit #Relais"})
    assert answer.status_code == 303
    page = _page(lyon_editor.get(answer.headers["Location"]))
    assert '<mark class="violation error" data-violation="0">gratuit</mark>' in page
    assert 'data-code="term.forbidden"' in page
    assert 'id="validation-report"' in page
    with uow() as unit:
        saved = unit.session.query(Post).filter_by(text=bad).one()
        assert saved.status == PostStatus.DRAFT


def test_after_a_refused_submission_the_form_edits_the_saved_draft(world, lyon_editor, uow):
    """The refused submission saved a draft: fixing it and sending again makes no second post."""
    bad = "Portes ouvertes à Ici ! C'est gratuit #Relais"
    refused = _new(lyon_editor, world["lyon"], action="submit", text=bad,
                   **{"slot-details": "C'est gratuit #Relais"})
    assert refused.status_code == 303
    with uow() as unit:
        draft = unit.session.query(Post).filter_by(text=bad).one()
        draft_id, version = draft.id, draft.version
    form = lyon_editor.get(refused.headers["Location"])
    found = re.search(r'<form method="post" id="post-form"[^>]*\saction="([^"]+)"', _page(form))
    assert found is not None and found.group(1) == f"/posts/{draft_id}/edit"
    again = lyon_editor.post(found.group(1), data={
        "text": GOOD, "lon": "4.85", "lat": "45.75", "audience_radius_km": "5",
        "publish_at": "2031-05-01T10:00", "action": "submit", "version": str(version), **SLOTS})
    assert again.status_code == 303, _page(again)
    assert _post_id(again) == draft_id
    with uow() as unit:
        assert unit.session.query(Post).count() == 1
        assert unit.session.get(Post, draft_id).status == PostStatus.SUBMITTED


SAVED_NEW = ('<p class="flash info" role="status">Brouillon enregistré\u00a0: corrigez les points '
             "signalés puis soumettez-le à nouveau.</p>")
SAVED_EDIT = ('<p class="flash info" role="status">Modifications enregistrées\u00a0: corrigez les '
              "points signalés puis soumettez à nouveau le post.</p>")


def test_a_refused_submission_says_the_draft_was_saved(world, lyon_editor, uow):
    """The form now edits a saved draft (its title, its locked territory): the page says why."""
    bad = {"text": "Portes ouvertes à Ici ! C'est gratuit #Relais",
           "slot-details": "C'est gratuit #Relais"}
    refused = lyon_editor.get(_new(lyon_editor, world["lyon"], action="submit", **bad)
                              .headers["Location"])
    assert refused.status_code == 200
    assert SAVED_NEW in _page(refused) and SAVED_EDIT not in _page(refused)
    assert "Modifier le post" in _page(refused)
    with uow() as unit:
        draft = unit.session.query(Post).one()
        draft_id, version = draft.id, draft.version
    again = lyon_editor.post(f"/posts/{draft_id}/edit", data={
        "lon": "4.85", "lat": "45.75", "audience_radius_km": "5",
        "publish_at": "2031-05-01T10:00", "action": "submit", "version": str(version),
        **SLOTS, **bad})
    assert again.status_code == 303
    again = lyon_editor.get(again.headers["Location"])
    assert SAVED_EDIT in _page(again) and SAVED_NEW not in _page(again)
    # Nothing saved, nothing said: a refused save, or the post page's own submit button.
    unsaved = _new(lyon_editor, world["lyon"], action="submit", link="ftp://example.org")
    assert unsaved.status_code == 422 and "enregistr" not in _page(unsaved)
    with uow() as unit:
        version = unit.session.get(Post, draft_id).version
    button = lyon_editor.post(f"/posts/{draft_id}/submit", data={"version": str(version)})
    assert button.status_code == 303
    assert "enregistr" not in _page(lyon_editor.get(button.headers["Location"]))


def test_editing_a_campaign_adaptation_names_its_campaign(world, campaign, lyon_editor):
    created = world["ed_lyon"].post("/api/posts", json={
        "territory_id": world["lyon"], "campaign_id": campaign,
        "slot_values": {"city": "Lyon", "details": "C'est gratuit #Relais"}})
    assert created.status_code == 201, created.json
    named = "Adaptation de la campagne «\u00a0Journées portes ouvertes\u00a0»"
    post_id = created.json["id"]
    assert named in _page(lyon_editor.get(f"/posts/{post_id}"))
    form = _page(lyon_editor.get(f"/posts/{post_id}/edit"))
    assert named in form and "Post original" not in form
    refused = lyon_editor.post(f"/posts/{post_id}/submit",
                               data={"version": str(created.json["version"])})
    assert refused.status_code == 303  # « gratuit »: to the form, with the report
    refused = lyon_editor.get(refused.headers["Location"])
    assert named in _page(refused) and "Post original" not in _page(refused)


def test_a_refused_submission_redirects_to_the_drafts_form_so_reloading_saves_nothing(
        world, lyon_editor, uow):
    """Post/Redirect/Get: the refusal's page is a GET of the draft's form, with the report."""
    refused = _new(lyon_editor, world["lyon"], action="submit",
                   text="Portes ouvertes à Ici ! C'est gratuit #Relais",
                   **{"slot-details": "C'est gratuit #Relais"})
    with uow() as unit:
        draft_id = unit.session.query(Post).one().id
    assert refused.status_code == 303
    assert refused.headers["Location"] == f"/posts/{draft_id}/edit?refused=1"
    for reload in range(2):  # F5 on the page repeats its GET: no second draft
        page = _page(lyon_editor.get(refused.headers["Location"]))
        assert (SAVED_NEW in page) is (reload == 0)  # the notice, once
        report = page[page.index('id="validation-report"'):page.index('id="preview-title"')]
        assert 'class="violation-item error" data-code="term.forbidden"' in report
        with uow() as unit:
            assert unit.session.query(Post).count() == 1
    # Without the refusal's flag, the form is the plain edit form (the live check reports).
    plain = _page(lyon_editor.get(f"/posts/{draft_id}/edit"))
    assert 'class="violation-item' not in plain


def test_fields_refused_are_listed_at_the_top_of_the_post_form_linked_to_them(world,
                                                                             lyon_editor):
    answer = _new(lyon_editor, world["lyon"], link="ftp://example.org",
                  audience_radius_km="900")
    assert answer.status_code == 422
    page = _page(answer)
    found = re.search(r'<div class="error-summary" role="alert" tabindex="-1" autofocus[^>]*>'
                      r'(.*?)</div>', page, re.S)
    assert found is not None and page.index("error-summary") < page.index('id="post-form"')
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', found.group(1))
    assert links and {target for target, _text in links} <= {"audience-radius", "link"}
    assert any(text.startswith("Lien\u00a0: ") for _target, text in links)
    assert all(f'id="{target}"' in page for target, _text in links)


def test_a_stale_version_says_so_above_the_form_not_in_a_field_summary(world, lyon_editor):
    saved = _new(lyon_editor, world["lyon"])
    post_id = _post_id(saved)
    stale = lyon_editor.post(f"/posts/{post_id}/edit", data={
        "text": GOOD, "lon": "4.85", "lat": "45.75", "action": "draft", "version": "999",
        **SLOTS})
    assert stale.status_code == 422
    page = _page(stale)
    notice = re.search(r'<div class="notice error" role="alert" id="form-error">([^<]+)</div>',
                       page)
    assert notice is not None and "recharg" in notice.group(1).lower()
    assert "error-summary" not in page


def test_a_new_post_form_posts_to_its_own_address(world, lyon_editor):
    page = _page(lyon_editor.get("/posts/new?template=portes-ouvertes"))
    form = re.search(r'<form method="post" id="post-form"[^>]*>', page)
    assert form is not None and "action=" not in form.group(0)


def test_submitting_a_good_post_sends_it_to_the_desk(world, lyon_editor, uow):
    answer = _new(lyon_editor, world["lyon"], action="submit")
    assert answer.status_code == 303
    with uow() as unit:
        assert unit.session.get(Post, _post_id(answer)).status == PostStatus.SUBMITTED


@pytest.mark.parametrize(("english", "message"), [
    (False, "La géolocalisation est hors du territoire du post"),
    (True, "The geotag is outside the post's territory"),
])
def test_a_point_outside_the_territory_is_refused_with_the_submissions_message(
        world, lyon_editor, uow, english, message):
    if english:
        _english(uow, lyon_editor)
    check = lyon_editor.get(f"/posts/geotag?territory_id={world['lyon']}&lon=5.37&lat=43.30")
    assert check.json["inside"] is False and message in check.json["message"]
    saved = _new(lyon_editor, world["lyon"], lon="5.37", lat="43.30")
    assert saved.status_code == 422
    assert check.json["message"] in _page(saved)
    inside = lyon_editor.get(f"/posts/geotag?territory_id={world['lyon']}&lon=4.85&lat=45.75")
    assert inside.json["inside"] is True


@pytest.mark.parametrize("action", ["draft", "submit"])
def test_a_link_that_is_not_a_web_address_is_refused_beside_the_field(world, lyon_editor, uow,
                                                                    action):
    answer = _new(lyon_editor, world["lyon"], action=action, link="javascript:alert(1)")
    assert answer.status_code == 422
    page = _page(answer)
    assert ('<span class="field-error" id="link-error" aria-live="polite">Une adresse complète '
            "commençant par https:// (ou http://).</span>") in page
    assert 'aria-describedby="link-error"' in page
    api = world["ed_lyon"].post("/api/posts", json={  # the API's schema refused it already
        "territory_id": world["lyon"], "template": "portes-ouvertes", "text": GOOD,
        "link": "javascript:alert(1)"})
    assert api.status_code == 422 and list(api.json["errors"]["json"]) == ["link"]
    with uow() as unit:
        assert unit.session.query(Post).count() == 0


def test_the_post_page_and_the_review_screen_show_the_link_to_publish(world, lyon_editor,
                                                                      sign_in, uow):
    link = "https://example.org/forum?x=1&y=2"
    post_id = _post_id(_new(lyon_editor, world["lyon"], action="submit", link=f" {link} "))
    with uow() as unit:
        assert unit.session.get(Post, post_id).link == link
    shown = (f'<a href="{link}" id="post-link" rel="noopener noreferrer" target="_blank">'
             f"{link}</a>")
    assert shown in _page(lyon_editor.get(f"/posts/{post_id}"))
    desk = sign_in(Role.CENTRAL_EDITOR)
    screen = _page(desk.get(f"/review/{post_id}"))
    assert (f'<dt>Lien</dt><dd><a href="{link}" id="review-link" rel="noopener noreferrer" '
            f'target="_blank">{link}</a>') in screen


def test_a_link_saved_before_links_were_checked_shows_as_text_never_as_a_link(
        world, lyon_editor, sign_in, uow):
    post_id = _post_id(_new(lyon_editor, world["lyon"], action="submit"))
    assert "Aucun lien" in _page(sign_in(Role.CENTRAL_EDITOR).get(f"/review/{post_id}"))
    with uow() as unit:
        unit.session.get(Post, post_id).link = "javascript:alert(1)"
        unit.commit()
    for person, path, element in ((lyon_editor, f"/posts/{post_id}", "post-link"),
                                  (sign_in(Role.CENTRAL_EDITOR), f"/review/{post_id}",
                                   "review-link")):
        page = _page(person.get(path))
        assert f'<span id="{element}">javascript:alert(1)</span>' in page
        assert 'href="javascript:' not in page
        assert "Ce n’est pas une adresse web\u00a0: elle ne peut pas être publiée" in page


@pytest.mark.parametrize("action", ["draft", "submit"])
@pytest.mark.parametrize("address", ["javascript:alert(1)", "//evil.example/x.png", "image.png"])
def test_an_image_address_that_is_not_a_web_address_is_refused_beside_the_field(
        world, lyon_editor, uow, action, address):
    answer = _new(lyon_editor, world["lyon"], action=action, media_url=address,
                  media_alt="La façade")
    assert answer.status_code == 422
    page = _page(answer)
    assert ('<span class="field-error" id="media-error">Une adresse complète commençant par '
            "https:// (ou http://).</span>") in page
    assert 'aria-describedby="media-error"' in page
    assert f'name="media_url" type="url" value="{address}"' in page  # kept, to be corrected
    with uow() as unit:
        assert unit.session.query(Post).count() == 0


def test_an_image_address_is_kept_without_surrounding_spaces(world, lyon_editor, uow):
    url = "https://example.org/facade.jpg?w=800&h=600"
    post_id = _post_id(_new(lyon_editor, world["lyon"], media_url=f" {url} ",
                            media_alt="La façade"))
    with uow() as unit:
        assert unit.session.get(Post, post_id).media == [{"url": url, "alt": "La façade"}]


def test_the_api_refuses_an_image_address_that_is_not_a_web_address(world):
    api = world["ed_lyon"].post("/api/posts", json={
        "territory_id": world["lyon"], "template": "portes-ouvertes", "text": GOOD,
        "media": [{"url": "javascript:alert(1)", "alt": "La façade"}]})
    assert api.status_code == 422 and list(api.json["errors"]["json"]) == ["media"]


def test_a_post_is_named_post_number_on_its_page_and_the_home_pages(world, lyon_editor, uow,
                                                                    sign_in):
    post_id = _post_id(_new(lyon_editor, world["lyon"], action="submit"))
    page = _page(lyon_editor.get(f"/posts/{post_id}"))
    assert f"<title>Post n°\u00a0{post_id} · Relais</title>" in page
    assert f"<h1>Post n°\u00a0{post_id}</h1>" in page
    desk = _page(sign_in(Role.CENTRAL_EDITOR).get("/"))
    assert f'href="/review/{post_id}">Post n°\u00a0{post_id} · Portes ouvertes' in desk
    assert f">#{post_id} " not in desk
    queue = _page(sign_in(Role.CENTRAL_EDITOR).get("/review"))
    assert f'href="/review/{post_id}">Post n°\u00a0{post_id} · Portes ouvertes' in queue
    assert f"<h1>Post #{post_id}</h1>" in _page(_english(uow, lyon_editor).get(f"/posts/{post_id}"))


def test_the_map_check_says_when_one_is_not_a_member(world, lyon_editor):
    check = lyon_editor.get(
        f"/posts/geotag?territory_id={world['marseille']}&lon=5.37&lat=43.30")
    assert check.json == {"inside": False, "code": "territory.not_member",
                          "message": "Vous n’êtes pas membre de ce territoire."}


def test_writing_in_another_territory_says_not_a_member(world, lyon_editor):
    answer = _new(lyon_editor, world["marseille"], lon="5.37", lat="43.30")
    assert answer.status_code == 403
    assert "Vous n’êtes pas membre de ce territoire." in _page(answer)



def test_a_multi_line_template_submits_though_the_browser_sends_crlf(world, lyon_editor, uow):
    """Browsers send a textarea's line breaks as CRLF: the locked text's LF must still match."""
    desk = world["desk"]
    assert desk.post("/api/templates", json={
        "key": "deux-lignes", "name": "Deux lignes",
        "body": "Portes ouvertes à {city} !\n#Relais",
        "slots": [{"name": "city", "type": "text"}]}).status_code == 201
    assert desk.post("/api/templates/deux-lignes/publish").status_code == 200
    answer = lyon_editor.post("/posts/new?template=deux-lignes", data={
        "territory_id": str(world["lyon"]), "text": "Portes ouvertes à Ici !\r\n#Relais",
        "slot-city": "Ici", "lon": "4.85", "lat": "45.75", "publish_at": "2031-05-01T10:00",
        "action": "submit"})
    assert answer.status_code == 303, _page(answer)
    with uow() as unit:
        post = unit.session.get(Post, _post_id(answer))
        assert post.status == PostStatus.SUBMITTED
        assert post.text == "Portes ouvertes à Ici !\n#Relais"


def test_a_refused_submission_speaks_of_the_report_beside_the_form_not_of_errors(
        world, lyon_editor):
    answer = _new(lyon_editor, world["lyon"], action="submit",
                  text="Portes ouvertes à Ici ! C'est gratuit #Relais",
                  **{"slot-details": "C'est gratuit #Relais"})
    assert answer.status_code == 303
    page = _page(lyon_editor.get(answer.headers["Location"]))
    assert "le rapport à côté du formulaire" in page
    assert "`errors`" not in page


def test_saving_without_a_territory_asks_to_choose_one(world, lyon_editor, uow):
    answer = _new(lyon_editor, "")
    assert answer.status_code == 422
    page = _page(answer)
    assert "Choisissez le territoire du post" in page
    assert "pas membre" not in page and "`errors`" not in page
    with uow() as unit:
        assert unit.session.query(Post).count() == 0

# -- a post's page -----------------------------------------------------------------------------
def test_post_page_shows_history_comments_and_requested_changes(world, drafts, lyon_editor):
    editor, desk, post = world["ed_lyon"], world["desk"], drafts["a"]
    submitted = editor.post(f"/api/posts/{post['id']}/submit", json={"version": post["version"]})
    desk.post(f"/api/posts/{post['id']}/request-changes",
              json={"version": submitted.json["version"], "comment": "Ajoutez l’horaire"})
    commented = lyon_editor.post(f"/posts/{post['id']}/comments", data={"body": "C’est noté"})
    assert commented.status_code == 303
    page = _page(lyon_editor.get(f"/posts/{post['id']}"))
    assert 'id="requested-changes"' in page and "Ajoutez l’horaire" in page
    assert "C’est noté" in page
    for label in ("Créé", "Soumis à la relecture", "Modifications demandées", "Commenté"):
        assert label in page
    assert 'id="edit-post"' in page and 'id="resubmit-post"' in page


def test_post_page_names_relais_for_its_own_steps_and_no_dash_without_place(world, drafts,
                                                                            lyon_editor, uow):
    """Steps nobody did by hand (the worker's) are Relais's, in the page's words, not "system"."""
    post = drafts["a"]
    with uow() as unit:  # as the worker records a publication: no acting person
        audit.record(unit.session, None, "post.published", "post", post["id"], {})
        unit.commit()
    page = _page(lyon_editor.get(f"/posts/{post['id']}"))
    history = page.split('id="history"', 1)[1].split("</ol>", 1)[0]
    assert '<span class="small muted">Relais</span>' in history
    assert "system" not in history
    assert "<p>longitude 4,85, latitude 45,75" in page  # no place name: no leading dash


def test_editing_then_resubmitting_after_requested_changes(world, drafts, lyon_editor, uow):
    editor, desk, post = world["ed_lyon"], world["desk"], drafts["a"]
    submitted = editor.post(f"/api/posts/{post['id']}/submit", json={"version": post["version"]})
    asked = desk.post(f"/api/posts/{post['id']}/request-changes",
                      json={"version": submitted.json["version"], "comment": "Plus court"})
    form = _page(lyon_editor.get(f"/posts/{post['id']}/edit"))
    assert f'name="version" value="{asked.json["version"]}"' in form
    edited = lyon_editor.post(f"/posts/{post['id']}/edit", data={
        "version": str(asked.json["version"]), "territory_id": str(world["lyon"]),
        "text": "Portes ouvertes à Ici ! Court #Relais", "slot-city": "Ici",
        "slot-details": "Court #Relais", "lon": "4.85", "lat": "45.75", "action": "draft"})
    assert edited.status_code == 303
    with uow() as unit:
        saved = unit.session.get(Post, post["id"])
        assert saved.version == asked.json["version"] + 1
    again = lyon_editor.post(f"/posts/{post['id']}/submit", data={"version": str(saved.version)})
    assert again.status_code == 303
    with uow() as unit:
        assert unit.session.get(Post, post["id"]).status == PostStatus.SUBMITTED


def test_withdrawing_a_post(world, drafts, lyon_editor, uow):
    post = drafts["a"]
    answer = lyon_editor.post(f"/posts/{post['id']}/withdraw",
                              data={"version": str(post["version"])})
    assert answer.status_code == 303
    with uow() as unit:
        assert unit.session.get(Post, post["id"]).status == PostStatus.WITHDRAWN


def test_a_published_post_shows_its_permalink(world, drafts, lyon_editor, uow):
    with uow() as unit:
        post = unit.session.get(Post, drafts["a"]["id"])
        post.status, post.permalink = PostStatus.PUBLISHED, "https://fb.example.test/p/42"
        post.facebook_post_id, post.published_at = "123_42", SOON
        unit.commit()
    page = _page(_english(uow, lyon_editor).get(f"/posts/{drafts['a']['id']}"))
    assert '<a id="permalink" href="https://fb.example.test/p/42"' in page
    assert "Published on Facebook on" in page and "123_42" in page



def test_a_failed_post_says_why_in_the_page_language_with_facebooks_words_kept(
        world, drafts, lyon_editor, uow):
    from regions.publishing.graph_errors import error_from_graph_body

    reason = str(error_from_graph_body({"code": 190, "message": "Invalid OAuth access token"}))
    with uow() as unit:
        post = unit.session.get(Post, drafts["a"]["id"])
        post.status, post.failure_reason = PostStatus.FAILED, reason
        unit.commit()
    page = _page(lyon_editor.get(f"/posts/{drafts['a']['id']}"))
    assert "Le jeton d’accès de la Page est invalide ou expiré\u00a0; reconnectez la Page" in page
    # Facebook's own words, as said, folded under their name.
    assert ('<details class="facebook-said"><summary>Message de Facebook (code 190)</summary>'
            '<span lang="en">Invalid OAuth access token</span></details>') in page
    assert "The Page access token is invalid" not in page
    english = _page(_english(uow, lyon_editor).get(f"/posts/{drafts['a']['id']}"))
    assert "The Page access token is invalid or expired; reconnect the Page" in english

def test_another_regions_draft_is_not_found_on_every_page(world, drafts, lyon_editor):
    other = drafts["b"]["id"]
    assert lyon_editor.get(f"/posts/{other}").status_code == 404
    assert lyon_editor.get(f"/posts/{other}/edit").status_code == 404
    assert lyon_editor.post(f"/posts/{other}/comments", data={"body": "x"}).status_code == 404
    assert lyon_editor.post(f"/posts/{other}/submit",
                            data={"version": str(drafts["b"]["version"])}).status_code == 404


def test_pages_speak_english_to_english_speakers(world, drafts, lyon_editor, uow):
    _english(uow, lyon_editor)
    listing = _page(lyon_editor.get("/posts"))
    assert "Draft" in listing and "Brouillon" not in listing
    form = _page(lyon_editor.get("/posts/new?template=portes-ouvertes"))
    assert "Save draft" in form and "Submit for review" in form
    page = _page(lyon_editor.get(f"/posts/{drafts['a']['id']}"))
    assert "History" in page and "Created" in page


def test_a_long_text_slot_is_a_box_that_wraps_and_its_crlf_is_stored_as_lf(world, campaign,
                                                                           lyon_editor, uow):
    """Details (up to 300 characters) get a textarea; a short slot (city, 40) stays an input."""
    page = _page(lyon_editor.get(f"/posts/new?campaign={campaign}"))
    assert re.search(r'<textarea class="slot-long" rows="2" id="slot-details"', page)
    assert '<input id="slot-city"' in page
    answer = lyon_editor.post(f"/posts/new?campaign={campaign}", data={
        "territory_id": str(world["lyon"]), "text": "Portes ouvertes à Lyon ! Venez\n#Relais",
        "slot-city": "Lyon", "slot-details": "Venez\r\n#Relais", "lon": "4.85", "lat": "45.75",
        "action": "draft"})
    assert answer.status_code == 303, _page(answer)
    with uow() as unit:
        assert unit.session.get(Post, _post_id(answer)).slot_values["details"] == "Venez\n#Relais"
