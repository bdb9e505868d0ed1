"""One world for the crawls of tests/api/test_no_leak_between_territories.py (decision 0047).

Région R with départements A and B: A's people, signed in; what B shares with A (a published
post, its kit, a share, an invitation, campaign adaptations); B's unpublished posts on demand.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text, update

from regions.models import Post, PostStatus, Role
from regions.posts import PUBLIC_STATES
from tests.api.conftest import LYON

REGION, ISERE = (4.0, 45.0, 6.0, 46.5), (5.5, 45.0, 5.9, 45.4)
B_POINT, A_POINT = (4.85, 45.75), (5.7, 45.2)
SOON = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0).isoformat()
LATER = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0).isoformat()
# B's posts get ids no other row of the world has, so finding one in an answer is no accident.
B_FIRST_ID = 987_650_001
A_PEOPLE = (Role.REGIONAL_EDITOR, Role.CONTRIBUTOR, Role.VIEWER, Role.AMBASSADOR)


def sibling_world(world, make_territory, make_user, sign_in, uow):
    """Région R, départements A and B, A's people signed in, and what B shares with A.

    ``add_hidden()`` then writes B's posts in every state that is not public (and a draft of
    R's own team): nothing A is given may change with them.
    """
    desk = world["desk"]
    r = make_territory("Auvergne-Rhône-Alpes", bbox=REGION)
    a = make_territory("Isère", bbox=ISERE, parent_id=r, kind="area")
    b = make_territory("Rhône", bbox=LYON, parent_id=r, kind="area")
    b_editor = make_user(Role.REGIONAL_EDITOR, territory_ids=[b])
    r_editor = make_user(Role.REGIONAL_EDITOR, territory_ids=[r])
    a_people = {role: sign_in(role, territory_ids=[a]) for role in A_PEOPLE}
    a_editor = a_people[Role.REGIONAL_EDITOR].user
    campaign_r, campaign_b = (_campaign(desk, title, target)
                              for title, target in (("Printemps", r), ("Rhône seul", b)))
    a_posts = [_write(a_editor, a, A_POINT, "ZAPHOD-A", desk, PostStatus.SUBMITTED, uow)]
    with uow() as unit:  # transactional: rolled back with the test
        unit.session.execute(text(f"ALTER SEQUENCE posts_id_seq RESTART WITH {B_FIRST_ID}"))
        unit.commit()
    # Published far from A's post in time: no audience conflict that A may see.
    published = _write(b_editor, b, B_POINT, "ZORGLUB-published", desk, PostStatus.PUBLISHED,
                       uow, publish_at=LATER)
    # A campaign's adaptations count for its target, R, which A adapts too (decision 0041):
    # they are there from the start, hidden but counted.
    adaptations = [_write(b_editor, b, B_POINT, f"ZORGLUB-{name}", desk, state, uow,
                          campaign=campaign, publish_at=None)
                   for name, state, campaign in (
                       ("adapt-draft", PostStatus.DRAFT, campaign_r),
                       ("adapt-submitted", PostStatus.SUBMITTED, campaign_r),
                       ("own-campaign-draft", PostStatus.DRAFT, campaign_b))]
    kit = _kit_and_share(desk, b_editor, b, published, make_user)
    accepted = a_people[Role.AMBASSADOR].user.post("/api/ambassador/charter/accept",
                                                   json={"number": 1})
    assert accepted.status_code == 200, accepted.json
    hidden_states = [s for s in PostStatus if s not in PUBLIC_STATES]
    later = list(range(adaptations[-1] + 1, adaptations[-1] + 2 + len(hidden_states)))
    sibling = {
        "people": a_people, "hidden": set(adaptations) | set(later), "published": published,
        "b_posts": [published, *adaptations, *later], "a_posts": a_posts,
        "some_b_posts": [published, adaptations[1], *later[:2]],  # for filters
        "territories": [b, a, r], "campaigns": [campaign_r, campaign_b], "b_kits": [kit],
        "users": [b_editor.id, a_editor.id], "webhooks": [1], "templates": ["portes-ouvertes"],
        "versions": [1], "collections": ["posts", "territories", "areas"],
        "tiles": [_tile(*B_POINT, z) for z in (0, 12)], "b_authors": [b_editor.id],
        "states": [s.value for s in PostStatus], "markers": ["zorglub", "ZORGLUB-draft"],
        "b_boxes": [",".join(map(str, LYON))], "formats": ["csv"], "flags": ["1"],
        "moments": [f"{(datetime.now(UTC) + timedelta(days=days)):%Y-%m-%dT%H:%M:%SZ}"
                    for days in (-2, 30)],  # periods with whole and partial days
    }

    def add_hidden():
        made = [_write(b_editor, b, B_POINT, f"ZORGLUB-{state.value}", desk, state, uow)
                for state in hidden_states]
        made.append(_write(r_editor, r, B_POINT, "ZORGLUB-region-draft", desk,
                           PostStatus.DRAFT, uow))
        assert made == later  # the ids the first crawl asked for

    sibling["add_hidden"] = add_hidden
    return sibling

def _campaign(desk, title, target):
    created = desk.post("/api/campaigns", json={
        "title": title, "template": "portes-ouvertes", "slot_values": {},
        "targets": "list", "territory_ids": [target]})
    assert created.status_code == 201, created.json
    return created.json["id"]


def _write(editor, territory, point, marker, desk, state, uow, *, campaign=None,
           publish_at=SOON):
    """A post of ``editor``'s marked ``marker``, its desk comment, brought to ``state``."""
    details = f"{marker} Bienvenue #Relais"
    source = {"campaign_id": campaign} if campaign else {"template": "portes-ouvertes"}
    post = editor.post("/api/posts", json={
        **source, "territory_id": territory, "text": f"Portes ouvertes à Ici ! {details}",
        "slot_values": {"city": "Ici", "details": details}, "place_name": marker,
        "geotag": {"lon": point[0], "lat": point[1]}, "audience": {"radius_km": 150},
        "publish_at": publish_at})
    assert post.status_code == 201, post.json
    post_id, version = post.json["id"], post.json["version"]
    note = marker.replace("ZORGLUB-", "ZORGLUB-note-")
    assert desk.post(f"/api/posts/{post_id}/comments", json={"body": note}).status_code == 201

    def act(who, action, **body):
        nonlocal version
        answer = who.post(f"/api/posts/{post_id}/{action}", json={"version": version, **body})
        assert answer.status_code == 200, answer.json
        version = answer.json["version"]

    if state == PostStatus.WITHDRAWN:
        act(editor, "withdraw")
    elif state != PostStatus.DRAFT:
        act(editor, "submit")
    decisions = {PostStatus.CHANGES_REQUESTED: "request-changes", PostStatus.REJECTED: "reject"}
    if state in decisions:
        act(desk, decisions[state], comment=marker.replace("ZORGLUB-", "ZORGLUB-why-"))
    elif state in (PostStatus.APPROVED, PostStatus.SCHEDULED, PostStatus.PUBLISHED,
                   PostStatus.FAILED, PostStatus.ARCHIVED):
        act(desk, "approve")
    if state in (PostStatus.SCHEDULED, PostStatus.PUBLISHED, PostStatus.FAILED,
                 PostStatus.ARCHIVED):  # the publisher's part (tested apart)
        values: dict[str, Any] = {"status": state}
        if state in (PostStatus.PUBLISHED, PostStatus.ARCHIVED):
            values.update(facebook_post_id=f"2001_{post_id}", published_at=datetime.now(UTC),
                          permalink=f"https://www.facebook.com/2001/posts/{post_id}")
        with uow() as unit:
            unit.session.execute(update(Post).where(Post.id == post_id).values(**values))
            unit.commit()
    return post_id


def _kit_and_share(desk, b_editor, b, published, make_user):
    """B's kit from its published post, a share by B's ambassador, an invitation to B."""
    assert desk.put("/api/charter", json={"rules": []}).status_code == 200
    kit = desk.post("/api/kits", json={
        "title": "ZORGLUB-kit", "post_id": published, "networks": ["x"],
        "suggestions": ["ZORGLUB-kit-text Venez !"], "ends_at": LATER})
    assert kit.status_code == 201, kit.json
    ambassador = make_user(Role.AMBASSADOR, territory_ids=[b])
    accepted = ambassador.post("/api/ambassador/charter/accept", json={"number": 1})
    assert accepted.status_code == 200, accepted.json
    shared = ambassador.post(f"/api/ambassador/kits/{kit.json['id']}/shares",
                             json={"text": "ZORGLUB-share Venez !", "network": "x"})
    assert shared.status_code == 201, shared.json
    invited = b_editor.post("/api/ambassador-invitations",
                            json={"territory_id": b, "email": "zorglub-invite@example.test"})
    assert invited.status_code == 201, invited.json
    return kit.json["id"]


def _tile(lon, lat, z):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y
