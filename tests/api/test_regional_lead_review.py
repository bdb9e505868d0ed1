"""With RELAIS_REGIONAL_LEAD_CAN_APPROVE, a regional editor reviews its territories' posts only."""

from __future__ import annotations

from dataclasses import replace

import pytest

from regions.models import Role
from tests.api.conftest import SOON
from tests.api.test_web_review import review_ids, write


@pytest.fixture()
def settings(settings):
    return replace(settings, regional_lead_can_approve=True)


def _submit(editor, post):
    answer = editor.post(f"/api/posts/{post['id']}/submit", json={"version": post["version"]})
    assert answer.status_code == 200, answer.json


def test_a_regional_lead_reads_the_queue_of_its_own_territories(world, drafts):
    _submit(world["ed_lyon"], drafts["a"])
    _submit(world["ed_marseille"], drafts["b"])
    queue = world["ed_lyon"].get("/api/review-queue")
    assert queue.status_code == 200, queue.json
    assert [item["id"] for item in queue.json["items"]] == [drafts["a"]["id"]]


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.VIEWER], ids=lambda r: r.value)
def test_other_regional_roles_do_not_read_the_review_queue(role, world, drafts, make_user):
    """The setting makes regional *editors* reviewers, as the review page has it (403)."""
    _submit(world["ed_lyon"], drafts["a"])
    member = make_user(role, territory_ids=[world["lyon"]])
    refused = member.get("/api/review-queue")
    assert refused.status_code == 403 and refused.json["code"] == "forbidden"


def test_a_lead_s_queue_flags_no_conflict_with_another_territory_s_unpublished_post(world,
                                                                                     sign_in):
    """Marseille's submitted post reaches Lyon's audience at the same time: the desk sees the
    conflict; Lyon's lead, who may not see that post, is not told of it (decision 0047)."""
    wide = {"audience": {"radius_km": 200}, "publish_at": SOON.isoformat()}
    lyon, marseille = write(world, "lyon", **wide), write(world, "marseille", **wide)
    desk = sign_in(Role.CENTRAL_EDITOR)
    flagged = review_ids(desk.get("/review?conflicts=1").get_data(as_text=True))
    assert flagged == [lyon["id"], marseille["id"]]
    lead = sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lyon"]])
    page = lead.get("/review").get_data(as_text=True)
    assert review_ids(page) == [lyon["id"]] and "Conflit d’audience" not in page
    assert review_ids(lead.get("/review?conflicts=1").get_data(as_text=True)) == []
