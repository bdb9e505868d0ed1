"""The home page shows each person what needs them now."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from regions.models import Post, PostStatus, Role, User
from tests.api.test_web_review import write


def campaign_for(world, territory, title, *, due=None):
    answer = world["desk"].post("/api/campaigns", json={
        "title": title, "template": "portes-ouvertes", "targets": "list",
        "territory_ids": [world[territory]], "slot_values": {"details": "Venez #Relais"},
        "adapt_deadline": due.isoformat() if due else None})
    assert answer.status_code == 201, answer.json
    return answer.json


def fail(uow, post_id, reason="The Page refused the post."):
    with uow() as unit:
        unit.session.execute(update(Post).where(Post.id == post_id).values(
            status=PostStatus.FAILED, failure_reason=reason))
        unit.commit()


def test_the_desk_sees_the_posts_waiting_oldest_first_with_counts(world, sign_in):
    first, second = write(world, "lyon"), write(world, "marseille")
    page = sign_in(Role.CENTRAL_EDITOR).get("/").get_data(as_text=True)
    assert "<h1>Ce qui vous attend</h1>" in page
    links = re.findall(r'class="review-link" href="/review/(\d+)"', page)
    assert links == [str(first["id"]), str(second["id"])]
    assert "<strong>2</strong> posts en attente de relecture" in page
    assert "Ouvrir toute la file" in page


def test_every_figure_on_the_desks_home_names_what_it_counts(world, sign_in, uow):
    late = write(world, "lyon")
    write(world, "marseille")
    with uow() as unit:
        unit.session.execute(update(Post).where(Post.id == late["id"]).values(
            publish_at=datetime.now(UTC) - timedelta(hours=1)))
        unit.commit()
    desk = sign_in(Role.CENTRAL_EDITOR)
    card = r'<li class="card"><strong>(\d+)</strong> ([^<]+)</li>'
    assert re.findall(card, desk.get("/").get_data(as_text=True)) == [
        ("2", "posts en attente de relecture"), ("0", "post avec un conflit d’audience"),
        ("1", "post en retard sur son échéance"), ("0", "post géotagué hors de son territoire"),
        ("0", "publication en échec")]
    with uow() as unit:
        unit.session.get(User, desk.user.id).language = "en"
        unit.commit()
    assert re.findall(card, desk.get("/").get_data(as_text=True)) == [
        ("2", "posts waiting for review"), ("0", "posts with audience conflicts"),
        ("1", "post past its deadline"), ("0", "posts geotagged outside their territory"),
        ("0", "failed publications")]


def test_the_desk_with_nothing_to_review_is_told_so(world, sign_in):
    page = sign_in(Role.ADMIN).get("/").get_data(as_text=True)
    assert "Aucun post n’attend de relecture." in page
    assert "<strong>0</strong> post en attente de relecture" in page


def test_a_regional_editor_sees_changes_requested_campaigns_to_adapt_and_failures(
        world, sign_in, uow):
    due = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    to_adapt = campaign_for(world, "lyon", "Fête du quartier", due=due)
    started = campaign_for(world, "lyon", "Rentrée")
    draft = write(world, "lyon", campaign_id=started["id"], slot_values={"city": "Lyon"},
                  submit=False)
    done = campaign_for(world, "lyon", "Déjà faite")
    write(world, "lyon", campaign_id=done["id"], slot_values={"city": "Lyon"})
    campaign_for(world, "marseille", "Pas pour Lyon")
    sent_back = write(world, "lyon")
    assert world["desk"].post(f"/api/posts/{sent_back['id']}/request-changes", json={
        "version": sent_back["version"], "comment": "Plus court"}).status_code == 200
    failed = write(world, "lyon")
    fail(uow, failed["id"])
    other_region = write(world, "marseille")
    fail(uow, other_region["id"])

    editor = sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lyon"]])
    page = editor.get("/").get_data(as_text=True)
    changes = page.split('id="changes-title"')[1].split('id="adapt-title"')[0]
    assert f'href="/posts/{sent_back["id"]}"' in changes
    adapt = page.split('id="adapt-title"')[1].split('id="failed-title"')[0]
    assert (f'href="/posts/new?campaign={to_adapt["id"]}&amp;territory={world["lyon"]}"'
            in adapt)
    assert "Adapter «\u00a0Fête du quartier\u00a0»" in adapt and "attendue le" in adapt
    assert f'href="/posts/{draft["id"]}"' in adapt and "Brouillon commencé" in adapt
    assert "Déjà faite" not in adapt and "Pas pour Lyon" not in adapt
    failures = page.split('id="failed-title"')[1].split('id="drafts-title"')[0]
    assert f'href="/posts/{failed["id"]}"' in failures
    assert "The Page refused the post." in failures
    assert f'href="/posts/{other_region["id"]}"' not in page
    assert "Éditeur·rice régional·e" in page or "régional" in page


def test_a_contributor_sees_its_own_drafts(world, sign_in, make_user):
    contributor = sign_in(Role.CONTRIBUTOR, territory_ids=[world["lyon"]])
    created = contributor.api("POST", "/api/posts", json={
        "territory_id": world["lyon"], "template": "portes-ouvertes",
        "text": "Portes ouvertes à Ici ! Bienvenue #Relais"})
    assert created.status_code == 201, created.json
    someone_elses = write(world, "lyon", submit=False)
    page = contributor.get("/").get_data(as_text=True)
    drafts = page.split('id="drafts-title"')[1]
    assert f'href="/posts/{created.json["id"]}"' in drafts
    assert f'href="/posts/{someone_elses["id"]}"' not in drafts
    assert "Écrire un nouveau post" in drafts


def test_a_viewer_sees_recent_published_posts(world, sign_in, uow):
    post = write(world, "lyon")
    with uow() as unit:
        unit.session.execute(update(Post).where(Post.id == post["id"]).values(
            status=PostStatus.PUBLISHED, published_at=datetime.now(UTC)))
        unit.commit()
    page = sign_in(Role.VIEWER).get("/").get_data(as_text=True)
    assert "Publiés récemment" in page
    assert f'href="/posts/{post["id"]}"' in page
    assert "Lecteur·rice" in page


def test_the_home_page_speaks_english_to_an_english_speaker(world, sign_in, uow):
    write(world, "lyon")
    desk = sign_in(Role.CENTRAL_EDITOR)
    with uow() as unit:
        unit.session.execute(update(User).where(User.id == desk.user.id).values(language="en"))
        unit.commit()
    page = desk.get("/").get_data(as_text=True)
    assert "<h1>What needs you now</h1>" in page
    assert "<strong>1</strong> post waiting for review" in page
    assert "Central desk editor" in page


def test_a_failure_reads_in_french_with_facebook_s_english_folded_under_its_name(
        world, sign_in, uow):
    """The demo's Rennes Page: an expired token, given up after three calls."""
    from regions.publishing.claims import MAYBE_ON_FACEBOOK
    from regions.publishing.graph_errors import error_from_graph_body

    said = "Error validating access token: Session has expired on Monday."
    error = error_from_graph_body({"code": 190, "error_subcode": 463, "message": said})
    failed = write(world, "lyon")
    fail(uow, failed["id"], f"Gave up after 3 failed calls to Facebook. Last error: {error}"
                            f" {MAYBE_ON_FACEBOOK}")
    page = sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lyon"]]).get("/").get_data(
        as_text=True)
    failures = page.split('id="failed-title"')[1].split('id="drafts-title"')[0]
    shown, folded = failures.split('<details class="facebook-said">')
    assert ("Abandon après 3 appels à Facebook en échec. Le jeton d’accès de la Page est "
            "invalide ou expiré\u00a0; reconnectez la Page. Un appel de publication") in shown
    assert "Session has expired" not in shown and "Gave up" not in shown
    assert folded.startswith("<summary>Message de Facebook (code 190/463)</summary>"
                             f'<span lang="en">{said}</span></details>')


def test_every_role_reads_its_role_in_french_that_holds(world, sign_in):
    # « connecté·e en tant que Éditeur·rice » broke the elision and capitalised mid-sentence.
    for role in set(Role) - {Role.AMBASSADOR}:  # ambassadors have a home of their own
        territories = [] if role in (Role.ADMIN, Role.CENTRAL_EDITOR) else [world["lyon"]]
        page = sign_in(role, territory_ids=territories).get("/").get_data(as_text=True)
        assert "en tant que" not in page, role
        assert re.search(r"Votre rôle\u00a0: [^<.]+\.</p>", page), role
