"""Campaign updates and stale writes: two desk members never silently overwrite each other."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from regions.models import AuditEvent
from tests.api.conftest import SOON


@pytest.fixture()
def campaign(world):
    created = world["desk"].post("/api/campaigns", json={
        "title": "Printemps", "template": "portes-ouvertes", "slot_values": {"city": "Lyon"},
        "targets": "list", "territory_ids": [world["lyon"]],
        "adapt_deadline": SOON.isoformat()})
    assert created.status_code == 201, created.json
    assert created.json["version"] == 1
    return created.json


def test_the_desk_changes_targets_due_date_and_master_text(world, campaign, uow):
    later = SOON + timedelta(days=2)
    answer = world["desk"].patch(f"/api/campaigns/{campaign['id']}", json={
        "version": 1, "targets": "list", "territory_ids": [world["lyon"], world["lille"]],
        "adapt_deadline": later.isoformat(), "master_text": "Portes ouvertes partout !"})
    assert answer.status_code == 200, answer.json
    assert sorted(answer.json["target_ids"]) == sorted([world["lyon"], world["lille"]])
    assert answer.json["master_text"] == "Portes ouvertes partout !"
    assert answer.json["adapt_deadline"].startswith(later.date().isoformat())
    assert answer.json["version"] == 2
    assert answer.json["title"] == "Printemps"  # absent fields stay as they were
    with uow() as unit:
        event = unit.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "campaign.updated")).one()
    assert event.data["targets_added"] == [world["lille"]]
    assert set(event.data["fields"]) == {"master_text", "adapt_deadline", "targets"}


def test_a_stale_campaign_update_is_a_conflict_and_writes_nothing(world, campaign):
    path = f"/api/campaigns/{campaign['id']}"
    first = world["desk"].patch(path, json={"version": 1, "title": "Mine"})
    assert first.status_code == 200
    second = world["desk"].patch(path, json={"version": 1, "title": "Theirs"})
    assert second.status_code == 409
    assert second.json["code"] == "conflict.stale"
    assert world["desk"].get(path).json["title"] == "Mine"


def test_a_regional_editor_cannot_update_a_campaign(world, campaign):
    answer = world["ed_lyon"].patch(f"/api/campaigns/{campaign['id']}",
                                   json={"version": 1, "title": "x"})
    assert answer.status_code == 403
    assert answer.json["code"] == "forbidden"


def test_updating_an_unknown_campaign_is_not_found(world):
    answer = world["desk"].patch("/api/campaigns/999999", json={"version": 1, "title": "x"})
    assert answer.status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"title": "x"}, "version"),
    ({"version": 1, "title": ""}, "title"),
    ({"version": 1, "targets": "some"}, "targets"),
    ({"version": 1, "territory_ids": [1]}, "targets"),
    ({"version": 1, "window_start": SOON.isoformat(),
      "window_end": (SOON - timedelta(hours=1)).isoformat()}, "window_end"),
])
def test_bad_campaign_updates_are_refused_by_field(world, campaign, body, field):
    answer = world["desk"].patch(f"/api/campaigns/{campaign['id']}", json=body)
    assert answer.status_code == 422, answer.json
    assert field in str(answer.json["errors"])


def test_unknown_targets_are_refused_and_the_campaign_is_unchanged(world, campaign):
    path = f"/api/campaigns/{campaign['id']}"
    answer = world["desk"].patch(path, json={"version": 1, "targets": "list",
                                             "territory_ids": [999999]})
    assert answer.status_code == 422
    assert world["desk"].get(path).json["target_ids"] == [world["lyon"]]


def test_clearing_the_due_date_with_null(world, campaign):
    answer = world["desk"].patch(f"/api/campaigns/{campaign['id']}",
                                 json={"version": 1, "adapt_deadline": None})
    assert answer.status_code == 200, answer.json
    assert answer.json["adapt_deadline"] is None


def test_the_desk_withdraws_a_campaign_and_regions_no_longer_see_it(world, campaign):
    path = f"/api/campaigns/{campaign['id']}/withdraw"
    assert world["ed_lyon"].post(path).status_code == 403
    answer = world["desk"].post(path)
    assert answer.status_code == 200, answer.json
    assert answer.json["withdrawn_at"] is not None
    assert world["desk"].post(path).json["withdrawn_at"] == answer.json["withdrawn_at"]
    assert campaign["id"] not in [c["id"] for c in world["ed_lyon"].get("/api/campaigns").json]
    assert world["desk"].post("/api/campaigns/999999/withdraw").status_code == 404


@pytest.mark.parametrize("body", [
    {"json": {}}, {"data": "", "headers": {"Content-Type": "application/json"}}, {"data": ""}],
    ids=["empty object", "empty JSON body", "no body"])
def test_withdrawing_takes_no_body_or_an_empty_one(world, campaign, body):
    answer = world["desk"].post(f"/api/campaigns/{campaign['id']}/withdraw", **body)
    assert answer.status_code == 200, answer.json
    assert answer.json["withdrawn_at"] is not None


def test_withdrawing_again_answers_the_same_and_records_one_event(world, campaign, uow):
    """Idempotent like a kit's withdrawal: the first moment stays, one audit event."""
    path = f"/api/campaigns/{campaign['id']}/withdraw"
    first, again = world["desk"].post(path), world["desk"].post(path)
    assert again.status_code == 200
    assert again.json == first.json
    with uow() as unit:
        events = unit.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "campaign.withdrawn")).all()
    assert len(events) == 1


def test_a_withdrawn_campaign_takes_no_new_share_kit(world, campaign):
    """Withdrawing ended the campaign's kits: publishing another one is refused (422)."""
    kit = {"title": "Partagez", "campaign_id": campaign["id"], "link": "https://example.org/p",
           "suggestions": ["Venez nous voir."], "networks": ["facebook"],
           "ends_at": SOON.isoformat()}
    assert world["desk"].post(f"/api/campaigns/{campaign['id']}/withdraw").status_code == 200
    refused = world["desk"].post("/api/kits", json=kit)
    assert refused.status_code == 422, refused.json
    assert refused.json["code"] == "invalid"
    assert refused.json["errors"] == {"campaign_id": ["La campagne est retirée."]}
    assert world["desk"].get(f"/api/kits?campaign_id={campaign['id']}").json == []


FR = {"Accept-Language": "fr"}
BLANK_FR = "Obligatoire\u00a0: des espaces seuls ne comptent pas."


def _new_campaign(world, **fields):
    return world["desk"].post("/api/campaigns", headers=FR, json={
        "title": "Printemps", "template": "portes-ouvertes", "targets": "list",
        "territory_ids": [world["lyon"]], **fields})


@pytest.mark.parametrize("fields, errors", [
    ({"title": "   "}, {"title": [BLANK_FR]}),
    ({"title": "\u00a0\u200b\t"}, {"title": [BLANK_FR]}),  # no-break and zero-width spaces
    ({"title": " ", "master_text": "\n "}, {"title": [BLANK_FR], "master_text": [BLANK_FR]}),
], ids=["spaces", "invisible", "title and master text"])
def test_a_blank_campaign_title_or_text_is_refused_and_nothing_is_sent(world, uow, fields,
                                                                       errors):
    answer = _new_campaign(world, **fields)
    assert answer.status_code == 422, answer.json
    assert answer.json["errors"] == errors
    assert world["ed_lyon"].get("/api/campaigns").json == []
    with uow() as unit:
        assert not unit.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "campaign.created")).all()


def test_a_campaign_title_is_stored_without_its_surrounding_spaces(world, campaign):
    assert _new_campaign(world, title="  Été \n").json["title"] == "Été"
    path = f"/api/campaigns/{campaign['id']}"
    renamed = world["desk"].patch(path, json={"version": 1, "title": " Automne "})
    assert renamed.json["title"] == "Automne"
    blank = world["desk"].patch(path, headers=FR, json={"version": 2, "title": "   "})
    assert blank.status_code == 422
    assert blank.json["errors"] == {"title": [BLANK_FR]}
    assert world["desk"].get(path).json["title"] == "Automne"


def test_a_publication_period_ending_before_it_starts_names_the_fields_in_words(world,
                                                                                campaign):
    dates = {"window_start": (SOON + timedelta(days=2)).isoformat(),  # the campaign is due SOON
             "window_end": (SOON + timedelta(days=1)).isoformat()}
    created = _new_campaign(world, **dates)
    updated = world["desk"].patch(f"/api/campaigns/{campaign['id']}", headers=FR,
                                  json={"version": 1, **dates})
    for answer in (created, updated):
        assert answer.status_code == 422, answer.json
        assert answer.json["errors"] == {"window_end": [
            "La fin de la période de publication doit suivre son début."]}


def test_adaptations_due_after_the_publication_period_ends_are_refused(world, campaign):
    """Due once the window has opened is a rolling campaign; due once it closed is a mistake."""
    start, end = SOON, SOON + timedelta(days=7)
    window = {"window_start": start.isoformat(), "window_end": end.isoformat()}
    for deadline in (end, end + timedelta(days=1)):
        answer = _new_campaign(world, adapt_deadline=deadline.isoformat(), **window)
        assert answer.status_code == 422, answer.json
        assert answer.json["errors"] == {"adapt_deadline": [
            "L’échéance des adaptations doit précéder la fin de la période de publication."]}
    rolling = _new_campaign(world, adapt_deadline=(start + timedelta(days=2)).isoformat(),
                            **window)
    assert rolling.status_code == 201, rolling.json
    # The existing campaign is due at SOON: a window closing then leaves no time.
    closing = world["desk"].patch(f"/api/campaigns/{campaign['id']}", json={
        "version": 1, "window_end": SOON.isoformat()})
    assert closing.status_code == 422 and "adapt_deadline" in closing.json["errors"]
