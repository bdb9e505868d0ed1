"""With RELAIS_REGIONAL_LEAD_CAN_APPROVE, a regional editor reviews its territories' posts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from regions.models import Role


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
