"""Approving an undated post judges its template's hours, days and window at the approval.

Also: a link or medium saved before addresses were checked is not approved (decision 0054).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from regions import accounts, review, standards
from regions.models import AuditEvent, PageConnection, Post, PostStatus, Publication, Role
from regions.timing import NoAllowedMoment
from tests.api.conftest import TEMPLATE, create_post

PARIS = ZoneInfo("Europe/Paris")
TEXT = "Portes ouvertes à Ici ! Bienvenue #Relais"
WORKING = {"id": "horaires", "type": "time.hours",
           "params": {"start": "08:00", "end": "19:00", "weekdays": [1, 2, 3, 4, 5]}}
SUNDAY_NIGHT = datetime(2027, 1, 3, 22, 0, tzinfo=PARIS)  # Sunday 3 January 2027
MONDAY_MORNING = datetime(2027, 1, 4, 8, 0, tzinfo=PARIS)


def publish(uow, desk, key: str, *rules: dict[str, Any]) -> None:
    """Publish a template ``key``: the posts' template with these time rules besides its own."""
    with uow() as unit:
        actor = accounts.load_actor(accounts.get_user(unit, desk.id))
        standards.create_template(unit, actor, key, {**TEMPLATE,
                                                     "rules": [*TEMPLATE["rules"], *rules]})
        standards.publish_template(unit, actor, key, now=datetime.now(UTC))
        unit.commit()


def connect_page(uow, territory_id: int) -> None:
    with uow() as unit:
        unit.session.add(PageConnection(territory_id=territory_id, page_id="1001",
                                        token_ciphertext=b"x", token_hint="x"))
        unit.commit()


def write(world, key: str, *, submit: bool = True, **extra: Any) -> dict[str, Any]:
    return create_post(world["ed_lyon"], {
        "territory_id": world["lyon"], "template": key, "text": TEXT,
        "slot_values": {"city": "Ici", "details": "Bienvenue #Relais"}, **extra}, submit=submit)


def approve(uow, world, post: dict[str, Any], now: datetime) -> None:
    with uow() as unit:
        actor = accounts.load_actor(accounts.get_user(unit, world["desk"].id))
        review.approve_post(unit, actor, post["id"], expected_version=post["version"], now=now)
        unit.commit()


def stored(uow, post_id: int) -> tuple[Post, list[Publication], list[AuditEvent]]:
    with uow() as unit:
        post = unit.session.get(Post, post_id)
        publications = list(unit.session.scalars(
            select(Publication).where(Publication.post_id == post_id)))
        events = list(unit.session.scalars(select(AuditEvent).where(
            AuditEvent.subject_type == "post", AuditEvent.subject_id == post_id)
            .order_by(AuditEvent.id)))
        unit.session.expunge_all()
        return post, publications, events


def test_undated_post_approved_on_sunday_night_is_published_next_working_morning(world, uow):
    publish(uow, world["desk"], "horaires", WORKING)
    connect_page(uow, world["lyon"])
    post = write(world, "horaires")
    approve(uow, world, post, SUNDAY_NIGHT)
    after, publications, events = stored(uow, post["id"])
    assert after.status == PostStatus.SCHEDULED
    assert after.publish_at == MONDAY_MORNING
    assert [p.due_at for p in publications] == [MONDAY_MORNING]
    [approval] = [e for e in events if e.action == "post.approve"]
    assert approval.data["publish_at"] == MONDAY_MORNING.astimezone(UTC).isoformat()
    assert approval.data["publish_at_reason"] == "next_allowed_moment"


def test_undated_post_approved_within_the_hours_goes_out_at_once(world, uow):
    publish(uow, world["desk"], "horaires", WORKING)
    connect_page(uow, world["lyon"])
    post = write(world, "horaires")
    approve(uow, world, post, MONDAY_MORNING + timedelta(hours=2))
    after, publications, events = stored(uow, post["id"])
    assert after.status == PostStatus.SCHEDULED and after.publish_at is None
    assert [p.due_at for p in publications] == [after.updated_at]  # the approval's moment
    [approval] = [e for e in events if e.action == "post.approve"]
    assert "publish_at" not in approval.data


def test_a_dated_post_keeps_its_date(world, uow):
    publish(uow, world["desk"], "horaires", WORKING)
    wished = (datetime.now(UTC) + timedelta(days=7)).astimezone(PARIS).replace(
        hour=10, minute=0, second=0, microsecond=0)
    while wished.isoweekday() > 5:
        wished += timedelta(days=1)
    post = write(world, "horaires", publish_at=wished.isoformat())
    approve(uow, world, post, SUNDAY_NIGHT)
    assert stored(uow, post["id"])[0].publish_at == wished


def test_approval_after_the_window_closed_is_refused_and_changes_nothing(world, uow):
    end = datetime.now(UTC) + timedelta(days=30)
    publish(uow, world["desk"], "fenetre",
            {"id": "periode", "type": "time.window", "params": {"end": end.isoformat()}})
    connect_page(uow, world["lyon"])
    post = write(world, "fenetre")
    with pytest.raises(NoAllowedMoment):
        approve(uow, world, post, end + timedelta(minutes=1))
    after, publications, events = stored(uow, post["id"])
    assert after.status == PostStatus.SUBMITTED and after.publish_at is None
    assert publications == [] and "post.approve" not in [e.action for e in events]


def submitted_directly(uow, world, key: str, **values: Any) -> dict[str, Any]:
    """A draft made submitted as it could be before today's checks (window then open…)."""
    post = write(world, key, submit=False)
    with uow() as unit:
        unit.session.execute(update(Post).where(Post.id == post["id"]).values(
            status=PostStatus.SUBMITTED, **values))
        unit.commit()
    return world["desk"].get(f"/api/posts/{post['id']}").json


def test_api_refuses_approval_once_the_window_is_over_with_409(world, uow):
    publish(uow, world["desk"], "passee", {"id": "periode", "type": "time.window",
                                           "params": {"end": "2026-01-01T00:00:00+01:00"}})
    post = submitted_directly(uow, world, "passee")
    answer = world["desk"].post(f"/api/posts/{post['id']}/approve",
                                json={"version": post["version"]})
    assert answer.status_code == 409, answer.json
    assert answer.json["code"] == "review.no_allowed_moment"
    assert "dans la période de publication de son modèle" in answer.json["message"]
    assert set(answer.json["errors"]) == {"publish_at"}
    assert world["desk"].get(f"/api/posts/{post['id']}").json["status"] == "submitted"


def test_api_approval_before_the_window_opens_schedules_the_post_at_its_start(world, uow):
    start = (datetime.now(UTC) + timedelta(days=20)).replace(microsecond=0)
    publish(uow, world["desk"], "bientot",
            {"id": "periode", "type": "time.window", "params": {"start": start.isoformat()}})
    connect_page(uow, world["lyon"])
    post = write(world, "bientot")
    answer = world["desk"].post(f"/api/posts/{post['id']}/approve",
                                json={"version": post["version"]})
    assert answer.status_code == 200, answer.json
    assert answer.json["status"] == "scheduled"
    assert datetime.fromisoformat(answer.json["publish_at"]) == start
    assert [p.due_at for p in stored(uow, post["id"])[1]] == [start]


@pytest.mark.parametrize(("values", "field"), [
    ({"link": "javascript:alert(1)"}, "link"),
    ({"media": [{"url": "https://example.org/a.jpg", "alt": "a"},
                {"url": "javascript:alert(1)", "alt": "b"}]}, "media"),
])
def test_a_link_or_medium_that_is_not_a_web_address_is_not_approved(world, uow, values, field):
    post = submitted_directly(uow, world, "portes-ouvertes", **values)
    answer = world["desk"].post(f"/api/posts/{post['id']}/approve",
                                json={"version": post["version"]})
    assert answer.status_code == 422, answer.json
    assert answer.json["code"] == "review.not_web_address"
    assert set(answer.json["errors"]) == {field}
    assert world["desk"].get(f"/api/posts/{post['id']}").json["status"] == "submitted"


def test_french_answer_names_the_link(world, uow):
    post = submitted_directly(uow, world, "portes-ouvertes", link="ftp://example.org/x")
    answer = world["desk"].post(f"/api/posts/{post['id']}/approve",
                                json={"version": post["version"]},
                                headers={"Accept-Language": "fr"})
    assert answer.status_code == 422
    assert answer.json["errors"]["link"] == [
        "Ce n’est pas une adresse web\u00a0: demandez une adresse complète commençant par "
        "https:// (ou http://)."]


@pytest.fixture()
def desk_page(world, sign_in):
    return sign_in(Role.CENTRAL_EDITOR)


def test_review_page_says_when_an_undated_post_will_go_out(world, uow, desk_page):
    start = datetime(2027, 3, 1, 9, 0, tzinfo=PARIS)
    publish(uow, world["desk"], "mars",
            {"id": "periode", "type": "time.window", "params": {"start": start.isoformat()}})
    later = write(world, "mars")
    page = desk_page.get(f"/review/{later['id']}").get_data(as_text=True)
    assert ("Sans date\u00a0: sera publié le 1 mars 2027 à 09:00 (prochain créneau permis)"
            in page)


def test_review_page_says_an_undated_post_goes_out_at_approval_when_allowed(world, uow,
                                                                            desk_page):
    publish(uow, world["desk"], "ouvert", {"id": "periode", "type": "time.window",
                                           "params": {"start": "2026-01-01T00:00:00+01:00"}})
    post = write(world, "ouvert")
    page = desk_page.get(f"/review/{post['id']}").get_data(as_text=True)
    assert "Sans date\u00a0: publié dès l’approbation" in page


def test_approving_on_the_page_says_when_the_post_goes_out(world, uow, desk_page):
    start = datetime(2027, 3, 1, 9, 0, tzinfo=PARIS)
    publish(uow, world["desk"], "mars",
            {"id": "periode", "type": "time.window", "params": {"start": start.isoformat()}})
    connect_page(uow, world["lyon"])
    post = write(world, "mars")
    done = desk_page.post(f"/review/{post['id']}",
                          data={"decision": "approve", "version": post["version"]},
                          follow_redirects=True)
    assert done.status_code == 200
    assert (f"Post n°\u00a0{post['id']} approuvé\u00a0: il sera publié le 1 mars 2027 à 09:00."
            in done.get_data(as_text=True))


def test_the_page_refuses_a_link_that_is_not_a_web_address(world, uow, desk_page):
    post = submitted_directly(uow, world, "portes-ouvertes", link="javascript:alert(1)")
    refused = desk_page.post(f"/review/{post['id']}",
                             data={"decision": "approve", "version": post["version"]})
    assert refused.status_code == 422
    assert "Le lien du post n’est pas une adresse web" in refused.get_data(as_text=True)
    assert world["desk"].get(f"/api/posts/{post['id']}").json["status"] == "submitted"


def test_the_page_refuses_an_approval_once_the_window_is_over(world, uow, desk_page):
    publish(uow, world["desk"], "passee", {"id": "periode", "type": "time.window",
                                           "params": {"end": "2026-01-01T00:00:00+01:00"}})
    post = submitted_directly(uow, world, "passee")
    page = desk_page.get(f"/review/{post['id']}").get_data(as_text=True)
    assert "Sans date\u00a0: son modèle ne permet plus aucun moment" in page
    refused = desk_page.post(f"/review/{post['id']}",
                             data={"decision": "approve", "version": post["version"]})
    assert refused.status_code == 409
    assert "ne peut plus être publié dans la période de publication" in refused.get_data(
        as_text=True)
