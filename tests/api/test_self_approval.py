"""Separation of duties: nobody approves a post they wrote or edited (desk members included)
unless an admin allows it; the audit trail shows who wrote and who approved."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from regions.models import Post, PostStatus, Role

BODY = {"template": "portes-ouvertes", "text": "Portes ouvertes à Ici ! Bienvenue #Relais",
        "geotag": {"lon": 4.85, "lat": 45.75},
        "slot_values": {"city": "Ici", "details": "Bienvenue #Relais"}}



@pytest.fixture()
def cast(world, make_user):
    """The people who write, edit and approve: a regional editor, two desk members, an admin."""
    return {"regional": world["ed_lyon"], "desk": world["desk"],
            "desk2": make_user(Role.CENTRAL_EDITOR), "admin": make_user(Role.ADMIN)}


def allow_self_approval(admin: Any, allowed: bool) -> None:
    answer = admin.patch("/api/settings", json={"allow_self_approval": allowed})
    assert answer.status_code == 200 and answer.json["allow_self_approval"] is allowed


def write_and_submit(world: Any, author: Any, editors: list[Any] = ()) -> dict[str, Any]:
    """A post by ``author`` in Lyon, edited in turn by ``editors``, then submitted."""
    made = author.post("/api/posts", json={**BODY, "territory_id": world["lyon"]})
    assert made.status_code == 201, made.json
    post = made.json
    for number, editor in enumerate(editors):
        edited = editor.patch(f"/api/posts/{post['id']}",
                              json={"version": post["version"], "place_name": f"Salle {number}"})
        assert edited.status_code == 200, edited.json
        post = edited.json
    submitted = author.post(f"/api/posts/{post['id']}/submit", json={"version": post["version"]})
    assert submitted.status_code == 200, submitted.json
    return submitted.json


def approve(approver: Any, post: dict[str, Any], **headers: str) -> Any:
    return approver.post(f"/api/posts/{post['id']}/approve", json={"version": post["version"]},
                         headers=headers)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(author=st.sampled_from(["regional", "desk", "admin"]),
       editors=st.lists(st.sampled_from(["regional", "desk", "desk2", "admin"]), max_size=3),
       approver=st.sampled_from(["desk", "desk2", "admin"]), allowed=st.booleans())
def test_approval_is_refused_to_the_posts_writers_unless_allowed(
        world, cast, author, editors, approver, allowed):
    allow_self_approval(cast["admin"], allowed)
    post = write_and_submit(world, cast[author], [cast[name] for name in editors])
    own = approver == author or approver in editors
    # What the API offers agrees with what it does, for one post and in lists.
    offered = cast[approver].get(f"/api/posts/{post['id']}").json["allowed_actions"]
    assert ("approve" in offered) is (not own or allowed)
    listed = cast[approver].get("/api/posts?status=submitted").json
    rows = listed["items"] if isinstance(listed, dict) else listed
    row = next(item for item in rows if item["id"] == post["id"])
    assert ("approve" in row["allowed_actions"]) is (not own or allowed)
    answer = approve(cast[approver], post)
    if own and not allowed:
        assert answer.status_code == 403
        assert answer.json["code"] == "review.self_approval"
        still = cast["admin"].get(f"/api/posts/{post['id']}").json
        assert still["status"] == "submitted" and still["version"] == post["version"]
        return
    assert answer.status_code == 200, answer.json
    trail = cast["admin"].get(f"/api/posts/{post['id']}/audit").json
    created = next(e for e in trail if e["action"] == "post.created")
    approved = next(e for e in trail if e["action"] == "post.approve")
    assert created["actor"] == cast[author].email
    assert approved["actor"] == cast[approver].email
    assert approved["data"]["author_id"] == cast[author].id
    assert approved["data"]["self_approved"] is own


def test_the_refusal_is_explained_in_french_and_english(world, cast):
    post = write_and_submit(world, cast["desk"])
    french = approve(cast["desk"], post)
    assert french.status_code == 403
    assert "écrit ou modifié" in french.json["message"]
    english = approve(cast["desk"], post, **{"Accept-Language": "en"})
    assert english.json["message"] == ("You wrote or edited this post: someone else must "
                                       "approve it (an admin setting).")


def test_a_comment_is_not_writing(world, cast):
    post = write_and_submit(world, cast["regional"])
    said = cast["desk"].post(f"/api/posts/{post['id']}/comments", json={"body": "Joli."})
    assert said.status_code == 201
    assert approve(cast["desk"], post).status_code == 200


def test_the_audit_csv_names_the_writer_and_the_approver(world, cast):
    post = write_and_submit(world, cast["regional"], [cast["desk"]])
    assert approve(cast["desk2"], post).status_code == 200
    csv = cast["admin"].get(f"/api/posts/{post['id']}/audit?format=csv").get_data(as_text=True)
    lines = csv.splitlines()
    assert any("post.created" in line and cast["regional"].email in line for line in lines)
    assert any("post.edited" in line and cast["desk"].email in line for line in lines)
    assert any("post.approve" in line and cast["desk2"].email in line
               and '""self_approved"": false' in line for line in lines)


def test_the_review_page_hides_approve_from_the_writer_and_refuses_it(
        world, cast, sign_in, uow):
    reviewer = sign_in(Role.CENTRAL_EDITOR)
    post = write_and_submit(world, reviewer.user)
    page = reviewer.get(f"/review/{post['id']}").get_data(as_text=True)
    assert 'id="approve"' not in page and 'id="own-post"' in page
    assert 'id="request-changes"' in page
    refused = reviewer.post(f"/review/{post['id']}", data={
        "decision": "approve", "version": str(post["version"])})
    assert refused.status_code == 403 and refused.mimetype == "text/html"
    assert "un autre membre du desk doit l’approuver" in refused.get_data(as_text=True)
    with uow() as unit:
        status = unit.session.scalar(select(Post.status).where(Post.id == post["id"]))
    assert status == PostStatus.SUBMITTED
    other = sign_in(Role.CENTRAL_EDITOR)
    assert 'id="approve"' in other.get(f"/review/{post['id']}").get_data(as_text=True)
    done = other.post(f"/review/{post['id']}", data={
        "decision": "approve", "version": str(post["version"])})
    assert done.status_code == 303


def test_the_review_page_lets_the_writer_approve_when_an_admin_allows_it(world, cast, sign_in):
    reviewer = sign_in(Role.CENTRAL_EDITOR)
    post = write_and_submit(world, reviewer.user)
    admin = sign_in(Role.ADMIN)
    saved = admin.post("/admin/settings", data={"token_max_days": "365",
                                                "allow_self_approval": "1"})
    assert saved.status_code == 303
    assert 'id="approve"' in reviewer.get(f"/review/{post['id']}").get_data(as_text=True)
    done = reviewer.post(f"/review/{post['id']}", data={
        "decision": "approve", "version": str(post["version"])})
    assert done.status_code == 303
    trail = cast["admin"].get(f"/api/posts/{post['id']}/audit").json
    approved = next(e for e in trail if e["action"] == "post.approve")
    assert approved["actor"] == reviewer.user.email and approved["data"]["self_approved"]
