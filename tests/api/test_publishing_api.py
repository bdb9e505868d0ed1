"""API: a territory's Facebook Page (token never shown), check, retry, retract, and their rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from regions.models import PageConnection, Post, PostStatus, Publication, PublicationAttempt, Role
from regions.models.audit import AuditEvent
from regions.publishing.graph import GraphClient
from service.fakegraph import FakeGraphServer, FakePage
from tests.integration.test_publishing_worker import seed_posts

PAGE, TOKEN = "1001", "EAAPage1001-api-s3cret-token-value"
PLACE = {"place_id": "500000000000002", "name": "Bellecour", "lon": 4.832, "lat": 45.757}


@pytest.fixture()
def fake():
    with FakeGraphServer([FakePage(PAGE, "Relais Lyon", {TOKEN})]) as server:
        yield server


@pytest.fixture()
def settings(settings, fake):
    return settings.with_changes(graph_base_url=fake.base_url, graph_timeout_seconds=2)


@pytest.fixture()
def world(make_user, make_territory):
    lyon, lille = make_territory("Lyon"), make_territory("Lille", bbox=(2.9, 50.5, 3.2, 50.8))
    return {"lyon": lyon, "lille": lille, "desk": make_user(Role.CENTRAL_EDITOR),
            "editor": make_user(Role.REGIONAL_EDITOR, territory_ids=[lyon]),
            "contributor": make_user(Role.CONTRIBUTOR, territory_ids=[lyon]),
            "lille_editor": make_user(Role.REGIONAL_EDITOR, territory_ids=[lille])}


@pytest.fixture()
def responses():
    """Every response body a test saw, to search for the token."""
    seen = []
    yield seen
    assert not [text for text in seen if TOKEN in text]


def call(seen, user, method, path, **kwargs):
    response = user.request(method, path, **kwargs)
    seen.append(response.get_data(as_text=True))
    return response


def connect(world, seen, **extra):
    body = {"page_id": PAGE, "token": TOKEN, "place_id": "500000000000001", **extra}
    response = call(seen, world["desk"], "PUT", f"/api/territories/{world['lyon']}/page",
                    json=body)
    assert response.status_code == 200, response.json
    return response.json


def make_post(uow, world, status, **options):
    with uow() as unit:
        [post_id] = seed_posts(unit.session, world["lyon"], world["editor"].id, ["Bonjour Lyon"],
                               status=status, **options)
        unit.commit()
    return post_id


def test_desk_connects_a_page_and_the_token_never_comes_back(world, responses, uow):
    shown = connect(world, responses, places=[PLACE])

    assert shown["connected"] and shown["page_id"] == PAGE and "token" not in shown
    assert shown["token_hint"] == "…" + TOKEN[-4:]
    assert shown["places"][0]["place_id"] == PLACE["place_id"]
    again = call(responses, world["editor"], "GET", f"/api/territories/{world['lyon']}/page")
    assert again.status_code == 200 and again.json["page_id"] == PAGE
    with uow() as unit:
        stored = unit.session.scalar(select(PageConnection))
        assert TOKEN.encode() not in bytes(stored.token_ciphertext)
        audit = [str(e.data) for e in unit.session.scalars(select(AuditEvent))]
    assert not [data for data in audit if TOKEN in data]


def test_rotating_the_token_keeps_the_page_and_clears_the_last_check(world, responses, fake):
    connect(world, responses)
    call(responses, world["desk"], "POST", f"/api/territories/{world['lyon']}/page/check")
    fake.add_page(PAGE, TOKEN + "-new", "Relais Lyon")
    rotated = connect(world, responses, token=TOKEN + "-new")
    assert rotated["token_hint"] == "…" + "-new" and rotated["checked_at"] is None
    assert rotated["page_name"] == "Relais Lyon"


def test_regional_roles_cannot_connect_and_see_only_their_territorys_page(world, responses):
    connect(world, responses)
    path = f"/api/territories/{world['lyon']}/page"
    denied = call(responses, world["editor"], "PUT", path, json={"page_id": PAGE, "token": "x"})
    assert denied.status_code == 403
    assert call(responses, world["lille_editor"], "GET", path).status_code == 403
    assert call(responses, world["editor"], "DELETE", path).status_code == 403
    unknown = call(responses, world["desk"], "GET", "/api/territories/999999/page")
    assert unknown.status_code == 404


def test_invalid_connection_input_is_refused_with_422(world, responses):
    path = f"/api/territories/{world['lyon']}/page"
    response = call(responses, world["desk"], "PUT", path,
                    json={"page_id": "not-digits", "token": ""})
    assert response.status_code == 422
    assert set(response.json["errors"]["json"]) == {"page_id", "token"}


def test_connecting_schedules_posts_approved_before_the_page_existed(world, responses, uow):
    post_id = make_post(uow, world, PostStatus.APPROVED, queue=False)
    connect(world, responses)
    with uow() as unit:
        assert unit.session.get(Post, post_id).status == PostStatus.SCHEDULED
        assert unit.session.scalar(select(Publication.status).where(
            Publication.post_id == post_id)) == "queued"


def test_check_reports_the_page_name(world, responses):
    connect(world, responses)
    response = call(responses, world["desk"], "POST",
                    f"/api/territories/{world['lyon']}/page/check")
    assert response.status_code == 200
    assert response.json["ok"] is True and response.json["page_name"] == "Relais Lyon"
    shown = call(responses, world["desk"], "GET", f"/api/territories/{world['lyon']}/page").json
    assert shown["check_ok"] is True and shown["page_name"] == "Relais Lyon"


def test_check_with_a_refused_token_reports_the_reason_without_the_token(world, responses, fake):
    connect(world, responses)
    fake.inject("token_expired", op="get_page")
    response = call(responses, world["desk"], "POST",
                    f"/api/territories/{world['lyon']}/page/check")
    assert response.status_code == 200 and response.json["ok"] is False
    assert response.json["code"] == "graph.token_invalid"
    assert "token is invalid or expired" in response.json["reason"]


def test_check_of_a_territory_without_a_page_says_so(world, responses):
    response = call(responses, world["desk"], "POST",
                    f"/api/territories/{world['lyon']}/page/check")
    assert response.json["ok"] is False and response.json["code"] == "publishing.not_connected"


def test_disconnecting_forgets_the_page(world, responses, uow):
    connect(world, responses)
    path = f"/api/territories/{world['lyon']}/page"
    assert call(responses, world["desk"], "DELETE", path).status_code == 204
    assert call(responses, world["desk"], "GET", path).json["connected"] is False
    assert call(responses, world["desk"], "DELETE", path).status_code == 204
    with uow() as unit:
        assert unit.session.scalar(select(PageConnection)) is None


def test_production_without_an_encryption_key_refuses_to_store_a_token(
        world, settings, session_factory, responses):
    from service.app import create_app

    production = create_app(settings.with_changes(environment="production"),
                            session_factory=session_factory)
    response = production.test_client().put(
        f"/api/territories/{world['lyon']}/page", headers=world["desk"].headers(),
        json={"page_id": PAGE, "token": TOKEN})
    responses.append(response.get_data(as_text=True))
    assert response.status_code == 422
    assert response.json["code"] == "publishing.encryption_key_missing"
    assert "RELAIS_ENCRYPTION_KEY" in response.json["message"]


@pytest.mark.parametrize("who", ["desk", "editor"])
def test_a_failed_post_can_be_retried_by_the_desk_or_its_regional_editor(
        who, world, responses, uow):
    connect(world, responses)
    post_id = make_post(uow, world, PostStatus.FAILED, queue=False)
    response = call(responses, world[who], "POST", f"/api/posts/{post_id}/retry")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "scheduled" and response.json["due_at"]
    with uow() as unit:
        assert unit.session.scalar(select(Publication.status).where(
            Publication.post_id == post_id)) == "queued"
        assert unit.session.get(Post, post_id).failure_reason is None


def test_retry_rules_roles_territories_states_and_pages(world, responses, uow):
    failed = make_post(uow, world, PostStatus.FAILED, queue=False)
    assert call(responses, world["desk"], "POST",
                f"/api/posts/{failed}/retry").json["code"] == "publishing.page_not_connected"
    connect(world, responses)
    assert call(responses, world["contributor"], "POST",
                f"/api/posts/{failed}/retry").status_code == 403
    assert call(responses, world["lille_editor"], "POST",
                f"/api/posts/{failed}/retry").status_code == 404
    scheduled = make_post(uow, world, PostStatus.SCHEDULED)
    assert call(responses, world["desk"], "POST",
                f"/api/posts/{scheduled}/retry").status_code == 409


def _published(uow, world, fake):
    client = GraphClient(base_url=fake.base_url, timeout=2)
    created = client.publish_feed_post(PAGE, TOKEN, "Bonjour Lyon")
    client.close()
    post_id = make_post(uow, world, PostStatus.PUBLISHED, queue=False)
    with uow() as unit:
        unit.session.get(Post, post_id).facebook_post_id = created.id
        unit.commit()
    return post_id


def test_desk_retracts_a_published_post_from_facebook(world, responses, uow, fake):
    connect(world, responses)
    post_id = _published(uow, world, fake)

    response = call(responses, world["desk"], "POST", f"/api/posts/{post_id}/retract")

    assert response.status_code == 200 and response.json["status"] == "archived"
    assert fake.posts(PAGE) == []
    with uow() as unit:
        actions = unit.session.scalars(select(AuditEvent.action).where(
            AuditEvent.subject_type == "post", AuditEvent.subject_id == post_id)).all()
    assert "post.retracted" in actions


def test_retract_is_for_the_desk_and_a_graph_failure_keeps_the_post_published(
        world, responses, uow, fake):
    connect(world, responses)
    post_id = _published(uow, world, fake)
    path = f"/api/posts/{post_id}/retract"
    assert call(responses, world["editor"], "POST", path).status_code == 403
    fake.inject("server_error", op="delete_post")
    failed = call(responses, world["desk"], "POST", path)
    assert failed.status_code == 409 and failed.json["code"] == "publishing.retract_failed"
    assert "temporary problem" in failed.json["errors"]["graph"][0]
    assert len(fake.posts(PAGE)) == 1
    with uow() as unit:
        assert unit.session.get(Post, post_id).status == PostStatus.PUBLISHED


def test_editing_a_scheduled_post_cancels_its_publication_and_it_can_be_approved_again(
        world, responses, uow):
    connect(world, responses)
    desk, editor = world["desk"], world["editor"]
    post = _submitted_post(world)
    post = desk.post(f"/api/posts/{post['id']}/approve", json={"version": post["version"]}).json
    assert post["status"] == "scheduled"
    edited = editor.patch(f"/api/posts/{post['id']}",
                          json={"version": post["version"], "text": "Bonjour Villeurbanne",
                                "slot_values": {"ville": "Villeurbanne"}})
    assert edited.status_code == 200, edited.json
    assert edited.json["status"] == "submitted"
    approved = desk.post(f"/api/posts/{post['id']}/approve",
                         json={"version": edited.json["version"]})
    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "scheduled"
    with uow() as unit:
        states = sorted(unit.session.scalars(select(Publication.status).where(
            Publication.post_id == post["id"])))
    assert states == ["cancelled", "queued"]


def test_a_post_being_published_cannot_be_edited_or_withdrawn(world, responses, uow):
    connect(world, responses)
    post_id = make_post(uow, world, PostStatus.SCHEDULED)
    with uow() as unit:
        unit.session.scalars(select(Publication).where(
            Publication.post_id == post_id)).one().status = "in_flight"
        unit.commit()
    post = world["editor"].get(f"/api/posts/{post_id}").json
    edit = world["editor"].patch(f"/api/posts/{post_id}",
                                 json={"version": post["version"], "text": "Trop tard"})
    withdraw = world["editor"].post(f"/api/posts/{post_id}/withdraw",
                                    json={"version": post["version"]})
    for response in (edit, withdraw):
        assert response.status_code == 409
        assert response.json["code"] == "post.publishing"
    assert world["editor"].get(f"/api/posts/{post_id}").json["text"] == "Bonjour Lyon"


def _failed_after_an_unanswered_call(world, responses, uow, fake, session_factory):
    """A post whose publish call got no answer, then whose lookup was refused: failed."""
    import random as _random

    from regions.publishing.page_tokens import cipher_for
    from regions.publishing.publisher import Publisher, PublishingConfig
    from tests.conftest import TEST_SECRET

    connect(world, responses)
    post_id = make_post(uow, world, PostStatus.SCHEDULED)
    graph = GraphClient(base_url=fake.base_url, timeout=0.3)
    publisher = Publisher(session_factory, graph, cipher_for(None, TEST_SECRET, production=False),
                          PublishingConfig(graph_timeout=0.3, settle_margin=0.1), worker="api",
                          rng=_random.Random(1))
    fake.inject("timeout", op="publish", seconds=0.5)
    fake.inject("token_expired", op="list_posts")
    try:
        publisher.run_once()  # the call gets no answer: rescheduled
        with uow() as unit:  # due now, and the unanswered call has settled
            unit.session.execute(Publication.__table__.update().values(
                due_at=Publication.due_at - timedelta(minutes=5),
                first_attempt_at=Publication.first_attempt_at - timedelta(minutes=5)))
            unit.session.execute(PublicationAttempt.__table__.update().values(
                started_at=PublicationAttempt.started_at - timedelta(minutes=5)))
            unit.commit()
        publisher.run_once()  # the lookup is refused: the post fails
    finally:
        graph.close()
    return post_id


def test_the_desk_sees_every_publication_and_graph_call_of_a_post(
        world, responses, uow, fake, session_factory):
    post_id = _failed_after_an_unanswered_call(world, responses, uow, fake, session_factory)
    path = f"/api/posts/{post_id}/publications"

    shown = call(responses, world["desk"], "GET", path)

    assert shown.status_code == 200, shown.json
    assert shown.json["status"] == "failed" and shown.json["may_be_on_facebook"] is True
    [publication] = shown.json["publications"]
    assert publication["status"] == "failed" and publication["claims"] == 2
    assert publication["failures"] == 2
    assert [(c["kind"], c["outcome"], c["code"]) for c in publication["calls"]] == [
        ("publish", "error", "graph.timeout"), ("lookup", "error", "graph.token_invalid")]
    assert publication["calls"][0]["answered_at"] >= publication["calls"][0]["started_at"]
    assert call(responses, world["editor"], "GET", path).status_code == 200
    assert call(responses, world["lille_editor"], "GET", path).status_code in (403, 404)
    assert call(responses, world["desk"], "GET", "/api/posts/999999/publications"
                ).status_code == 404


def test_a_post_never_published_has_an_empty_history(world, responses, uow):
    post_id = make_post(uow, world, PostStatus.APPROVED, queue=False)
    shown = call(responses, world["desk"], "GET", f"/api/posts/{post_id}/publications")
    assert shown.status_code == 200
    assert shown.json["publications"] == [] and shown.json["may_be_on_facebook"] is False


def test_the_post_page_says_a_failed_post_may_be_on_facebook_and_lists_the_calls(
        world, responses, uow, fake, session_factory, sign_in):
    post_id = _failed_after_an_unanswered_call(world, responses, uow, fake, session_factory)
    editor = sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lyon"]])
    page = editor.get(f"/posts/{post_id}").get_data(as_text=True)

    assert 'id="maybe-on-facebook"' in page and 'id="publications"' in page
    assert "Tentatives de publication" in page and "graph.timeout" in page
    assert "Chercher sur la Page" in page and "graph.token_invalid" in page
    outsider = sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lille"]])
    assert 'id="publications"' not in outsider.get(f"/posts/{post_id}").get_data(as_text=True)


def test_a_live_post_without_its_link_yet_says_it_is_on_facebook(world, responses, uow,
                                                                   sign_in):
    post_id = make_post(uow, world, PostStatus.PUBLISHED, queue=False)
    with uow() as unit:
        post = unit.session.get(Post, post_id)
        post.facebook_post_id, post.published_at = f"{PAGE}_77", post.updated_at
        unit.commit()
    desk = sign_in(Role.CENTRAL_EDITOR)
    page = desk.get(f"/posts/{post_id}").get_data(as_text=True)
    assert 'id="permalink-pending"' in page and f"{PAGE}_77" in page


def test_a_failed_post_that_may_be_on_facebook_offers_retry_not_rewriting(
        world, responses, uow, fake, session_factory, sign_in):
    post_id = _failed_after_an_unanswered_call(world, responses, uow, fake, session_factory)
    version = call(responses, world["editor"], "GET", f"/api/posts/{post_id}").json["version"]
    edited = call(responses, world["editor"], "PATCH", f"/api/posts/{post_id}",
                  json={"version": version, "text": "Bonjour Lyon, autrement"})
    assert edited.status_code == 409 and edited.json["code"] == "post.may_be_on_facebook"
    editor = sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lyon"]])
    page = editor.get(f"/posts/{post_id}").get_data(as_text=True)
    assert 'id="retry-post"' in page and 'id="edit-post"' not in page

    assert editor.post(f"/posts/{post_id}/retry").status_code == 303
    with uow() as unit:
        assert unit.session.get(Post, post_id).status == PostStatus.SCHEDULED
        assert unit.session.scalar(select(Publication.first_attempt_at).where(
            Publication.post_id == post_id, Publication.status == "queued")) is not None


def test_once_a_lookup_answered_the_failed_post_may_be_edited_again(
        world, responses, uow, fake, session_factory):
    post_id = _failed_after_an_unanswered_call(world, responses, uow, fake, session_factory)
    with uow() as unit:  # a later retry looked, found nothing, and Facebook refused the post
        publication = unit.session.scalar(select(Publication).where(
            Publication.post_id == post_id))
        unit.session.add(PublicationAttempt(
            publication_id=publication.id, claim=3, kind="lookup", outcome="not_found",
            started_at=publication.first_attempt_at + timedelta(minutes=10)))
        unit.commit()
    from regions.publishing.claims import may_be_on_facebook

    with uow() as unit:
        assert not may_be_on_facebook(unit.session, post_id)
    version = call(responses, world["editor"], "GET", f"/api/posts/{post_id}").json["version"]
    edited = call(responses, world["editor"], "PATCH", f"/api/posts/{post_id}",
                  json={"version": version, "text": "Bonjour Lyon, autrement"})
    # the seeded template is bare, so the edit is judged on its content, not refused as a rewrite
    assert edited.json.get("code") != "post.may_be_on_facebook", edited.json


def test_an_approval_with_a_page_writes_the_post_once_with_its_publication(
        world, responses, uow, connection):
    """Approved then scheduled in one UPDATE (one version), the events in their order."""
    from tests.api.test_queue_queries import counted

    connect(world, responses)
    desk = world["desk"]
    post = _submitted_post(world)
    with counted(connection) as approving:
        approved = desk.post(f"/api/posts/{post['id']}/approve", json={"version": post["version"]})

    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "scheduled"
    assert approved.json["version"] == post["version"] + 1
    assert sum(s.lstrip().startswith("UPDATE posts") for s in approving) == 1, approving
    with uow() as unit:
        publication = unit.session.scalars(select(Publication).where(
            Publication.post_id == post["id"])).one()
        stored = unit.session.get(Post, post["id"])
        trail = list(unit.session.scalars(select(AuditEvent).where(
            AuditEvent.subject_type == "post", AuditEvent.subject_id == post["id"])
            .order_by(AuditEvent.id)))
    assert stored.status == PostStatus.SCHEDULED and stored.version == approved.json["version"]
    assert publication.status == "queued"
    assert publication.due_at == stored.updated_at  # no publish_at: due as soon as approved
    assert approved.json["updated_at"] == stored.updated_at.isoformat()
    assert [e.action for e in trail][-2:] == ["post.approve", "post.scheduled"]
    assert trail[-2].data["to"] == "approved"
    assert trail[-1].data["publication_id"] == publication.id


def _submitted_post(world):
    """A post of Lyon on a published one-slot template, submitted to the desk."""
    desk, editor = world["desk"], world["editor"]
    created = desk.post("/api/templates", json={"key": "libre", "name": "Libre",
                                                "body": "Bonjour {ville}",
                                                "slots": [{"name": "ville"}]})
    assert created.status_code == 201, created.json
    assert desk.post("/api/templates/libre/publish").status_code == 200
    post = editor.post("/api/posts", json={"territory_id": world["lyon"], "template": "libre",
                                           "text": "Bonjour Lyon",
                                           "slot_values": {"ville": "Lyon"}}).json
    assert "id" in post, post
    return editor.post(f"/api/posts/{post['id']}/submit", json={"version": post["version"]}).json
