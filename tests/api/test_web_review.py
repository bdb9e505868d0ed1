"""The central review desk in the browser's pages: the queue, the review screen, decisions."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from regions.models import Post, Role, User
from tests.api.conftest import SOON, SOON_DAY, create_post

STALE_FR = ("Quelqu’un d’autre a agi sur ce post depuis que vous l’avez ouvert\u00a0: "
            "le voici tel qu’il est maintenant.")
STALE_EN = "Someone else acted on this post since you opened it: here it is as it is now."
POINTS = {"lyon": (4.85, 45.75), "marseille": (5.37, 43.30)}


def write(world, where="lyon", *, text="Portes ouvertes à Ici ! Bienvenue #Relais", submit=True,
          **extra):
    """A post of ``where``'s editor, submitted unless told otherwise; returns its JSON."""
    editor = world[f"ed_{where}"]
    lon, lat = POINTS[where]
    body = {"territory_id": world[where], "geotag": {"lon": lon, "lat": lat}, **extra}
    if "campaign_id" not in extra:
        body.update(template="portes-ouvertes", text=text,
                    slot_values={"city": "Ici", "details": "Bienvenue #Relais"})
    return create_post(editor, body, submit=submit)


def status_of(world, post_id):
    return world["desk"].get(f"/api/posts/{post_id}").json


def as_english(uow, person):
    with uow() as unit:
        unit.session.execute(update(User).where(User.id == person.user.id).values(language="en"))
        unit.commit()
    return person


def review_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'class="review-link" href="/review/(\d+)', page)]


def test_the_queue_lists_submitted_posts_waiting_longest_first(world, sign_in):
    first, second = write(world, "lyon"), write(world, "marseille")
    write(world, "lyon", submit=False)  # a draft is not the desk's business yet
    page = sign_in(Role.CENTRAL_EDITOR).get("/review")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="review-queue"' in html
    assert review_ids(html) == [first["id"], second["id"]]
    assert "Lyon" in html and "Marseille" in html


def test_the_queue_filters_by_territory_campaign_deadline_and_conflicts(world, sign_in):
    radius = {"audience": {"radius_km": 5}, "publish_at": SOON.isoformat()}
    lyon = write(world, "lyon", **radius)
    lyon_again = write(world, "lyon", **radius)  # same audience, same time: a conflict
    marseille = write(world, "marseille")
    campaign = world["desk"].post("/api/campaigns", json={
        "title": "Printemps", "template": "portes-ouvertes", "targets": "list",
        "territory_ids": [world["marseille"]], "slot_values": {"details": "Venez #Relais"}})
    assert campaign.status_code == 201, campaign.json
    adapted = write(world, "marseille", campaign_id=campaign.json["id"],
                    slot_values={"city": "Marseille"})
    desk = sign_in(Role.CENTRAL_EDITOR)

    def ids(query):
        return review_ids(desk.get(f"/review?{query}").get_data(as_text=True))

    assert ids(f"territory={world['lyon']}") == [lyon["id"], lyon_again["id"]]
    assert ids(f"campaign={campaign.json['id']}") == [adapted["id"]]
    assert ids("conflicts=1") == [lyon["id"], lyon_again["id"]]
    assert ids(f"deadline={SOON_DAY.isoformat()}") == [lyon["id"], lyon_again["id"]]
    assert ids(f"deadline={(SOON_DAY - timedelta(days=2)).isoformat()}") == []
    assert ids("") == [lyon["id"], lyon_again["id"], marseille["id"], adapted["id"]]
    filtered = desk.get(f"/review?territory={world['lyon']}").get_data(as_text=True)
    assert "Conflit d’audience" in filtered
    # The review screen keeps the filters: next/previous stay inside the filtered queue.
    screen = desk.get(f"/review/{lyon['id']}?conflicts=1").get_data(as_text=True)
    assert f'data-next-url="/review/{lyon_again["id"]}?conflicts=1"' in screen
    assert f"Post n°\u00a0{lyon_again['id']}" in screen  # listed among the audience conflicts


def test_the_queue_pages_with_a_cursor(world, sign_in, monkeypatch):
    from service.web import review

    monkeypatch.setattr(review, "PAGE_SIZE", 1)
    first, second = write(world, "lyon"), write(world, "marseille")
    desk = sign_in(Role.CENTRAL_EDITOR)
    page = desk.get("/review").get_data(as_text=True)
    assert review_ids(page) == [first["id"]]
    following = re.search(r'href="(/review\?cursor=[^"]+)"', page).group(1)
    assert review_ids(desk.get(following).get_data(as_text=True)) == [second["id"]]


def test_the_review_screen_marks_the_report_spans(world, sign_in):
    long_text = "Portes ouvertes à Ici ! Bienvenue #Relais " + "et encore " * 45
    post = write(world, "lyon", text=long_text.strip())
    html = sign_in(Role.CENTRAL_EDITOR).get(f"/review/{post['id']}").get_data(as_text=True)
    assert 'id="review-text"' in html
    marked = re.search(r'<mark class="violation warning" aria-describedby="violation-1">',
                       html)
    assert marked, html
    assert 'id="violation-1"' in html and "Avertissement" in html
    assert 'id="approve"' in html and 'id="request-changes-comment"' in html
    assert f'name="version" value="{post["version"]}"' in html


def test_the_review_screen_shows_locked_text_and_filled_slots(world, sign_in):
    campaign = world["desk"].post("/api/campaigns", json={
        "title": "Printemps", "template": "portes-ouvertes", "targets": "list",
        "territory_ids": [world["lyon"]], "slot_values": {"details": "Venez #Relais"}})
    post = write(world, "lyon", campaign_id=campaign.json["id"], slot_values={"city": "Lyon"})
    html = sign_in(Role.CENTRAL_EDITOR).get(f"/review/{post['id']}").get_data(as_text=True)
    assert '<span class="locked">Portes ouvertes à </span>' in html
    assert '<span class="slot-filled" title="Ville">Lyon</span>' in html  # its label
    assert '<span class="slot-filled" title="details">Venez #Relais</span>' in html
    assert "exactement le texte maître" in html
    assert "Printemps" in html


def test_an_original_post_shows_its_words_added_to_the_template(world, sign_in):
    text = "Portes ouvertes à Ici ! Bienvenue #Relais et un café offert"
    post = write(world, "lyon", text=text)
    html = sign_in(Role.CENTRAL_EDITOR).get(f"/review/{post['id']}").get_data(as_text=True)
    assert 'id="review-diff"' in html
    assert "<ins> et un café offert</ins>" in html


def test_the_geotag_check_shows_in_the_queue_and_on_the_screen(world, sign_in, uow):
    post = write(world, "lyon")
    outside = {"ok": True, "counts": {"error": 0, "warning": 0}, "violations": [
        {"code": "geo.outside_territory", "severity": "warning", "span": None,
         "rule_id": "geo", "message": {"fr": "Hors du territoire.", "en": "Outside."},
         "hint": {"fr": "", "en": ""}}]}
    with uow() as unit:
        unit.session.execute(update(Post).where(Post.id == post["id"]).values(report=outside))
        unit.commit()
    desk = sign_in(Role.CENTRAL_EDITOR)
    assert "Géotag hors de son territoire" in desk.get("/review").get_data(as_text=True)
    screen = desk.get(f"/review/{post['id']}").get_data(as_text=True)
    assert "Le géotag est hors du territoire du post." in screen


def test_the_review_shows_the_geotag_as_the_post_page_does_longitude_first(world, sign_in):
    post = write(world, "lyon")
    shown = "longitude 4,85, latitude 45,75"  # French decimals, as every number on the pages
    screen = sign_in(Role.CENTRAL_EDITOR).get(f"/review/{post['id']}").get_data(as_text=True)
    assert f'<dd id="review-geotag">{shown}</dd>' in screen
    page = world["ed_lyon"].get(f"/posts/{post['id']}").get_data(as_text=True)
    assert shown in page


def test_approving_goes_to_the_next_post_of_the_queue(world, sign_in):
    first, second = write(world, "lyon"), write(world, "marseille")
    desk = sign_in(Role.CENTRAL_EDITOR)
    page = desk.get(f"/review/{first['id']}").get_data(as_text=True)
    assert f'name="next" value="{second["id"]}"' in page
    answer = desk.post(f"/review/{first['id']}", data={
        "decision": "approve", "version": first["version"], "next": second["id"]})
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/review/{second['id']}"
    assert status_of(world, first["id"])["status"] in ("approved", "scheduled")
    following = desk.get(answer.headers["Location"]).get_data(as_text=True)
    # No Page is connected: the flash says when it goes out (decision 0054).
    assert (f"Post n°\u00a0{first['id']} approuvé\u00a0: il sera publié dès que la Page "
            "Facebook de son territoire sera connectée.") in following


def test_requesting_changes_needs_a_comment_and_changes_nothing_without(world, sign_in):
    post = write(world, "lyon")
    desk = sign_in(Role.CENTRAL_EDITOR)
    refused = desk.post(f"/review/{post['id']}", data={
        "decision": "request_changes", "version": post["version"], "comment": "  "})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="request-changes-error"' in html
    assert "Dites ce qui doit changer\u00a0: un commentaire est requis." in html
    assert 'aria-invalid="true"' in html
    unchanged = status_of(world, post["id"])
    assert (unchanged["status"], unchanged["version"]) == ("submitted", post["version"])

    done = desk.post(f"/review/{post['id']}", data={
        "decision": "request_changes", "version": post["version"], "comment": "Plus court."})
    assert done.status_code == 303 and done.headers["Location"] == "/review"
    assert status_of(world, post["id"])["status"] == "changes_requested"
    comments = world["desk"].get(f"/api/posts/{post['id']}/comments").json
    assert [c["body"] for c in comments] == ["Plus court."]


def test_rejecting_needs_a_reason(world, sign_in):
    post = write(world, "lyon")
    desk = sign_in(Role.CENTRAL_EDITOR)
    refused = desk.post(f"/review/{post['id']}", data={
        "decision": "reject", "version": post["version"]})
    assert refused.status_code == 422
    assert 'id="reject-error"' in refused.get_data(as_text=True)
    done = desk.post(f"/review/{post['id']}", data={
        "decision": "reject", "version": post["version"], "comment": "Hors charte."})
    assert done.status_code == 303
    assert status_of(world, post["id"])["status"] == "rejected"


@pytest.mark.parametrize("language, message", [("fr", STALE_FR), ("en", STALE_EN)])
def test_a_stale_decision_says_so_and_reloads_the_post(world, sign_in, uow, language, message):
    post = write(world, "lyon")
    desk = sign_in(Role.CENTRAL_EDITOR)
    if language == "en":
        as_english(uow, desk)
    # The author edits the post while the desk has it open.
    edited = world["ed_lyon"].patch(f"/api/posts/{post['id']}", json={
        "version": post["version"], "text": post["text"] + " Merci"})
    assert edited.status_code == 200, edited.json
    answer = desk.post(f"/review/{post['id']}", data={
        "decision": "approve", "version": post["version"]})
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/review/{post['id']}"
    assert status_of(world, post["id"])["status"] == "submitted"
    reloaded = desk.get(answer.headers["Location"]).get_data(as_text=True)
    assert message in reloaded
    assert f'name="version" value="{edited.json["version"]}"' in reloaded
    assert "Merci" in reloaded


def test_a_decision_on_a_post_decided_meanwhile_is_stale_too(world, sign_in):
    post = write(world, "lyon")
    desk, other = sign_in(Role.CENTRAL_EDITOR), sign_in(Role.ADMIN)
    assert other.post(f"/review/{post['id']}", data={
        "decision": "reject", "version": post["version"], "comment": "Non."}).status_code == 303
    answer = desk.post(f"/review/{post['id']}", data={
        "decision": "approve", "version": post["version"]})
    assert answer.headers["Location"] == f"/review/{post['id']}"
    page = desk.get(answer.headers["Location"]).get_data(as_text=True)
    assert STALE_FR in page and 'id="approve"' not in page
    assert status_of(world, post["id"])["status"] == "rejected"


@pytest.mark.parametrize("role", [Role.REGIONAL_EDITOR, Role.CONTRIBUTOR, Role.VIEWER])
def test_people_outside_the_desk_cannot_open_the_review(world, sign_in, role):
    post = write(world, "lyon")
    person = sign_in(role, territory_ids=[world["lyon"]])
    for answer in (person.get("/review"), person.get(f"/review/{post['id']}"),
                   person.post(f"/review/{post['id']}", data={
                       "decision": "approve", "version": post["version"]})):
        assert answer.status_code == 403
        assert answer.mimetype == "text/html"
    assert status_of(world, post["id"])["status"] == "submitted"


def test_the_review_speaks_english_to_an_english_speaker(world, sign_in, uow):
    post = write(world, "lyon")
    desk = as_english(uow, sign_in(Role.CENTRAL_EDITOR))
    queue = desk.get("/review").get_data(as_text=True)
    assert "<h1>Review queue</h1>" in queue and "Waiting since" in queue
    screen = desk.get(f"/review/{post['id']}").get_data(as_text=True)
    assert "Keyboard shortcuts" in screen and "Request changes" in screen
    refused = desk.post(f"/review/{post['id']}", data={
        "decision": "request_changes", "version": post["version"], "comment": ""})
    assert "Say what should change: a comment is required." in refused.get_data(as_text=True)


def test_the_shortcuts_name_the_keys_as_a_french_keyboard_does(world, sign_in):
    post = write(world)
    html = sign_in(Role.CENTRAL_EDITOR).get(f"/review/{post['id']}").get_data(as_text=True)
    assert "<kbd>Ctrl</kbd> + <kbd>Entrée</kbd>" in html and "<kbd>Enter</kbd>" not in html


@pytest.mark.parametrize("path", ["/map", "/posts/new?template=portes-ouvertes", "/review/{id}",
                                  "/campaigns/{campaign}", "/posts/{id}"])
def test_pages_with_maps_give_maplibre_its_texts_in_french(world, sign_in, path):
    # MapLibre's controls read « Zoom in », « Toggle attribution » on French pages.
    post = write(world)
    campaign = world["desk"].post("/api/campaigns", json={
        "title": "Rentrée", "template": "portes-ouvertes", "targets": "list",
        "territory_ids": [world["lyon"]], "slot_values": {"details": "Venez #Relais"}})
    assert campaign.status_code == 201, campaign.json
    person = (sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lyon"]])
              if path.startswith("/posts/new") else sign_in(Role.CENTRAL_EDITOR))
    page = person.get(path.format(
        id=post["id"], campaign=campaign.json["id"])).get_data(as_text=True)
    found = re.search(r'<meta name="relais-map-locale" content="([^"]+)">', page)
    assert found, path
    locale = json.loads(html.unescape(found.group(1)))
    assert locale["NavigationControl.ZoomIn"] == "Zoom avant"
    assert locale["NavigationControl.ZoomOut"] == "Zoom arrière"
    assert locale["Map.Title"] == "Carte"
    assert locale["AttributionControl.ToggleAttribution"] == (
        "Afficher ou masquer les crédits de la carte")
