"""Ambassadors over the API: invitation, charter, kits, sharing, short links, leaving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from regions.models import Post, PostStatus, Role, Share, ShareClick
from tests.api.conftest import LILLE

LATER = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0).isoformat()
CHARTER = {"rules": [{"id": "no-free", "type": "terms.forbidden",
                      "params": {"terms": ["gratuit"]}}]}
PASSWORD = "ambassador-password-1"


@pytest.fixture()
def published(world, drafts, uow):
    """The Lyon draft, as if published on the Page (the publishing worker is tested apart)."""
    post_id = drafts["a"]["id"]
    with uow() as unit:
        unit.session.execute(update(Post).where(Post.id == post_id).values(
            status=PostStatus.PUBLISHED, facebook_post_id="2001_7",
            permalink="https://www.facebook.com/2001/posts/7", published_at=datetime.now(UTC)))
        unit.commit()
    return post_id


def _join(client, editor, territory, email):
    invitation = editor.post("/api/ambassador-invitations",
                             json={"territory_id": territory, "email": email})
    assert invitation.status_code == 201, invitation.json
    assert invitation.json["url"].endswith(f"/ambassador/join/{invitation.json['token']}")
    joined = client.post("/api/ambassador/join", json={
        "token": invitation.json["token"], "email": email, "display_name": "Camille",
        "password": PASSWORD})
    assert joined.status_code == 201, joined.json
    return invitation.json["token"], joined.json


class Ambassador:
    """Calls as the new ambassador, with the token the join answer gave."""

    def __init__(self, client, token):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def __getattr__(self, method):
        return lambda path, **kw: self.client.open(path, method=method.upper(),
                                                   headers=self.headers, **kw)


def test_ambassador_story_from_invitation_to_leaving(client, world, published, uow):
    desk = world["desk"]
    assert desk.put("/api/charter", json=CHARTER).status_code == 200
    token, joined = _join(client, world["ed_lyon"], world["lyon"], "camille@example.test")
    assert joined["territory_ids"] == [world["lyon"]]
    again = client.post("/api/ambassador/join", json={
        "token": token, "email": "other@example.test", "display_name": "X", "password": PASSWORD})
    assert again.status_code == 422 and again.json["code"] == "ambassador.invitation_invalid"
    me = Ambassador(client, joined["token"])

    profile = me.get("/api/ambassador").json
    assert profile["charter"] == {"current_number": 1, "accepted_number": None,
                                  "accepted_at": None, "up_to_date": False}

    kit = desk.post("/api/kits", json={
        "title": "Portes ouvertes", "post_id": published, "networks": ["linkedin", "x"],
        "suggestions": ["Venez aux portes ouvertes de Lyon !", "Mon agence ouvre ses portes."],
        "ends_at": LATER})
    assert kit.status_code == 201, kit.json
    assert kit.json["link"] == "https://www.facebook.com/2001/posts/7"
    assert kit.json["territory_ids"] == [world["lyon"]]
    kits = me.get("/api/ambassador/kits").json
    assert [k["id"] for k in kits] == [kit.json["id"]]

    path = f"/api/ambassador/kits/{kit.json['id']}"
    bad = "Venez, c'est gratuit !"
    refused = me.post(f"{path}/shares", json={"text": bad, "network": "x"})
    assert refused.status_code == 409 and refused.json["code"] == "ambassador.charter_not_accepted"
    accepted = me.post("/api/ambassador/charter/accept", json={"number": 1})
    assert accepted.status_code == 200 and accepted.json["charter"]["up_to_date"] is True

    live = me.post(f"{path}/check", json={"text": bad, "network": "x"}).json
    assert live["ok"] is False and live["violations"][0]["span"] == [13, 20]
    refused = me.post(f"{path}/shares", json={"text": bad, "network": "x"})
    assert refused.status_code == 422 and refused.json["code"] == "kit.text_invalid"
    violation = refused.json["errors"]["text"]["violations"][0]
    assert violation["span"] == [13, 20] and violation["code"] == "term.forbidden"
    assert "gratuit" in violation["message"]["fr"]

    shared = me.post(f"{path}/shares", json={"text": "Venez, c'est ouvert à tous !",
                                             "network": "x"})
    assert shared.status_code == 201, shared.json
    assert shared.json["share_url"].startswith("https://x.com/intent/post?")
    short = shared.json["short_url"]
    assert short.endswith(f"/s/{shared.json['code']}")
    for _ in range(3):
        follow = client.get(f"/s/{shared.json['code']}")
        assert follow.status_code == 302
        assert follow.location == "https://www.facebook.com/2001/posts/7"
    assert client.get("/s/unknown-code").status_code == 404

    figures = desk.get(f"/api/amplification?post_id={published}").json
    assert (figures["shares"], figures["clicks"], figures["ambassadors"]) == (1, 3, 1)
    assert figures["by_network"] == [{"network": "x", "shares": 1, "clicks": 3}]
    assert figures["by_territory"] == [{"territory_id": world["lyon"], "name": "Lyon",
                                        "shares": 1, "clicks": 3}]
    listed = desk.get("/api/kits").json
    assert (listed[0]["shares"], listed[0]["clicks"]) == (1, 3)

    assert me.delete("/api/ambassador").status_code == 204
    with uow() as unit:
        assert unit.session.scalars(select(Share).where(
            Share.user_id == joined["user_id"])).all() == []
        left = unit.session.scalars(select(Share)).all()
        assert [(s.user_id, s.text) for s in left] == [(None, None)]
        assert sum(c.clicks for c in unit.session.scalars(select(ShareClick))) == 3
    figures = desk.get(f"/api/amplification?post_id={published}").json
    assert (figures["shares"], figures["clicks"], figures["ambassadors"]) == (1, 3, 0)
    assert client.get(f"/s/{shared.json['code']}").status_code == 302  # links keep working
    assert me.get("/api/ambassador").status_code == 401  # the account is closed


def test_a_new_charter_version_blocks_sharing_until_accepted(client, world, published):
    desk = world["desk"]
    desk.put("/api/charter", json=CHARTER)
    _token, joined = _join(client, world["ed_lyon"], world["lyon"], "dom@example.test")
    me = Ambassador(client, joined["token"])
    me.post("/api/ambassador/charter/accept", json={"number": 1})
    kit = desk.post("/api/kits", json={"title": "K", "post_id": published,
                                       "networks": ["whatsapp"], "suggestions": ["Bonjour !"],
                                       "ends_at": LATER}).json
    path = f"/api/ambassador/kits/{kit['id']}/shares"
    assert me.post(path, json={"text": "Bonjour !", "network": "whatsapp"}).status_code == 201
    desk.put("/api/charter", json={"rules": [*CHARTER["rules"], {
        "id": "no-cheap", "type": "terms.forbidden", "params": {"terms": ["pas cher"]}}]})
    blocked = me.post(path, json={"text": "Bonjour !", "network": "whatsapp"})
    assert blocked.status_code == 409 and blocked.json["code"] == "ambassador.charter_not_accepted"
    stale = me.post("/api/ambassador/charter/accept", json={"number": 1})
    assert stale.status_code == 409
    assert me.post("/api/ambassador/charter/accept", json={"number": 2}).status_code == 200
    assert me.post(path, json={"text": "Bonjour !", "network": "whatsapp"}).status_code == 201


def test_kit_suggestions_that_break_the_charter_are_refused_with_their_span(world, published):
    world["desk"].put("/api/charter", json=CHARTER)
    answer = world["desk"].post("/api/kits", json={
        "title": "K", "post_id": published, "networks": ["facebook"], "ends_at": LATER,
        "suggestions": ["Très bien", "C'est gratuit"]})
    assert answer.status_code == 422 and answer.json["code"] == "kit.text_invalid"
    assert answer.json["errors"]["suggestions.1"]["violations"][0]["span"] == [6, 13]


def test_kit_reaches_neighbours_within_the_distance_and_not_beyond(world, published,
                                                                   make_territory):
    near = make_territory("Villeurbanne", bbox=(5.05, 45.7, 5.2, 45.85))  # ~4 km east
    body = {"title": "K", "post_id": published, "networks": ["email"], "ends_at": LATER,
            "suggestions": ["Bonjour"]}
    wide = world["desk"].post("/api/kits", json={**body, "neighbour_km": 10}).json
    assert sorted(wide["territory_ids"]) == sorted([world["lyon"], near])
    narrow = world["desk"].post("/api/kits", json={**body, "neighbour_km": 1}).json
    assert narrow["territory_ids"] == [world["lyon"]]
    assert world["lille"] not in wide["territory_ids"] and LILLE


def test_kit_errors_and_regional_scope(world, drafts, published, make_user):
    desk, other = world["desk"], world["ed_marseille"]
    body = {"title": "K", "networks": ["x"], "ends_at": LATER, "suggestions": ["Bonjour"]}
    unpublished = desk.post("/api/kits", json={**body, "post_id": drafts["b"]["id"]})
    assert unpublished.status_code == 422
    both = desk.post("/api/kits", json={**body, "post_id": published, "campaign_id": 1})
    assert both.status_code == 422 and "post_id" in both.json["errors"]["json"]
    past = desk.post("/api/kits", json={**body, "post_id": published,
                                        "ends_at": "2020-01-01T00:00:00+00:00"})
    assert past.status_code == 422
    assert other.post("/api/kits", json={**body, "post_id": published}).status_code == 403
    kit = world["ed_lyon"].post("/api/kits", json={**body, "post_id": published})
    assert kit.status_code == 201
    assert other.get(f"/api/kits/{kit.json['id']}").status_code == 404
    assert other.get("/api/kits").json == []
    assert make_user(Role.CONTRIBUTOR).get("/api/kits").status_code == 403
    invite = other.post("/api/ambassador-invitations", json={"territory_id": world["lyon"]})
    assert invite.status_code == 403 and invite.json["code"] == "territory.not_member"


def test_invitations_expire_and_bind_their_email(client, world, uow):
    from regions.models import AmbassadorInvitation

    made = world["ed_lyon"].post("/api/ambassador-invitations",
                                 json={"territory_id": world["lyon"], "email": "a@example.test"})
    body = {"token": made.json["token"], "email": "b@example.test", "display_name": "B",
            "password": PASSWORD}
    wrong = client.post("/api/ambassador/join", json=body)
    assert wrong.status_code == 422 and "email" in wrong.json["errors"]
    with uow() as unit:
        unit.session.execute(update(AmbassadorInvitation).values(
            expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        unit.commit()
    late = client.post("/api/ambassador/join", json={**body, "email": "a@example.test"})
    assert late.status_code == 422 and late.json["code"] == "ambassador.invitation_invalid"


def test_leaderboard_shows_only_those_who_opted_in(client, world, published):
    desk = world["desk"]
    kit = desk.post("/api/kits", json={"title": "K", "post_id": published, "networks": ["x"],
                                       "ends_at": LATER, "suggestions": ["Bonjour"]}).json
    people = []
    for email in ("p1@example.test", "p2@example.test"):
        me = Ambassador(client, _join(client, world["ed_lyon"], world["lyon"], email)[1]["token"])
        me.post(f"/api/ambassador/kits/{kit['id']}/shares", json={"text": "Bonjour",
                                                                  "network": "x"})
        people.append(me)
    assert people[0].patch("/api/ambassador", json={"on_leaderboard": True}).status_code == 200
    board = people[1].get("/api/ambassador/leaderboard").json
    assert [(row["rank"], row["shares"], row["me"]) for row in board] == [(1, 1, False)]
    assert desk.get("/api/ambassador/leaderboard").json[0]["shares"] == 1


def test_ambassadors_are_refused_the_rest_of_relais(client, world):
    _token, joined = _join(client, world["ed_lyon"], world["lyon"], "z@example.test")
    me = Ambassador(client, joined["token"])
    assert me.get("/api/me").status_code == 200
    for path in ("/api/posts", "/api/campaigns", "/api/territories", "/api/charter",
                 "/api/kits", "/api/amplification", "/api/map/activity"):
        answer = me.get(path)
        assert answer.status_code == 403 and answer.json["code"] == "forbidden", path


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_kit_routes_role_by_role(role, client, world, published, make_user):
    """The role matrix's rows that need a kit reaching the caller's territory."""
    caller = make_user(role, territory_ids=[world["lyon"]])
    body = {"title": "K", "post_id": published, "networks": ["x"], "ends_at": LATER,
            "suggestions": ["Bonjour"]}
    made = caller.post("/api/kits", json=body)
    builder = role in (Role.ADMIN, Role.CENTRAL_EDITOR, Role.REGIONAL_EDITOR)
    assert made.status_code == (201 if builder else 403), made.json
    kit = made.json if builder else world["desk"].post("/api/kits", json=body).json
    read = caller.get(f"/api/kits/{kit['id']}").status_code
    assert read == 200 if builder else read in (403, 404)
    text = {"text": "Bonjour", "network": "x"}
    ambassador = role == Role.AMBASSADOR
    for path, ok in ((f"/api/ambassador/kits/{kit['id']}/check", 200),
                     (f"/api/ambassador/kits/{kit['id']}/shares", 201)):
        answer = caller.post(path, json=text)
        assert answer.status_code == (ok if ambassador else 403), answer.json
    withdrawn = caller.post(f"/api/kits/{kit['id']}/withdraw").status_code
    assert withdrawn == 200 if builder else withdrawn in (403, 404)


def test_kit_published_webhook_and_the_map_layer(client, world, published, make_user, uow):
    from regions.models import WebhookDelivery

    admin = make_user(Role.ADMIN)
    hook = admin.post("/api/webhooks", json={"url": "https://93.184.215.14/kits",  # public
                                             "events": ["kit.published"]})
    assert hook.status_code == 201, hook.json
    desk = world["desk"]
    kit = desk.post("/api/kits", json={"title": "K", "post_id": published, "networks": ["x"],
                                       "suggestions": ["Bonjour"], "ends_at": LATER}).json
    with uow() as unit:
        sent = unit.session.scalars(select(WebhookDelivery)).all()
    assert [(d.event, d.payload["kit"]["id"]) for d in sent] == [("kit.published", kit["id"])]
    assert sent[0].payload["kit"]["territory_ids"] == [world["lyon"]]

    me = Ambassador(client, _join(client, world["ed_lyon"], world["lyon"],
                                  "map@example.test")[1]["token"])
    code = me.post(f"/api/ambassador/kits/{kit['id']}/shares",
                   json={"text": "Bonjour", "network": "x"}).json["code"]
    client.get(f"/s/{code}")
    layer = desk.get("/api/map/ambassadors").json
    assert [f["properties"]["territory_id"] for f in layer["features"]] == [world["lyon"]]
    assert layer["features"][0]["geometry"]["type"] == "Point"
    assert (layer["shares"], layer["clicks"]) == (1, 1)
    marseille = world["ed_marseille"].get("/api/map/ambassadors").json
    assert marseille["features"] == [] and marseille["clicks"] == 0  # not their territory


def test_a_campaign_kit_goes_to_the_campaign_targets_in_the_authors_scope(world):
    desk, editor = world["desk"], world["ed_lyon"]
    campaign = desk.post("/api/campaigns", json={
        "title": "C", "template": "portes-ouvertes", "targets": "list",
        "territory_ids": [world["lyon"], world["marseille"]]}).json
    body = {"title": "K", "campaign_id": campaign["id"], "networks": ["linkedin"],
            "suggestions": ["Bonjour"], "ends_at": LATER}
    no_link = desk.post("/api/kits", json=body)
    assert no_link.status_code == 422 and "link" in no_link.json["errors"]
    body["link"] = "https://energie-commune.example/portes-ouvertes"
    central = desk.post("/api/kits", json=body).json
    assert sorted(central["territory_ids"]) == sorted([world["lyon"], world["marseille"]])
    regional = editor.post("/api/kits", json=body).json
    assert regional["territory_ids"] == [world["lyon"]]
    assert regional["campaign_id"] == campaign["id"] and regional["link"] == body["link"]
    outside = world["ed_marseille"].post("/api/kits", json={**body, "campaign_id": desk.post(
        "/api/campaigns", json={"title": "L", "template": "portes-ouvertes", "targets": "list",
                                "territory_ids": [world["lille"]]}).json["id"]})
    assert outside.status_code == 422
    figures = desk.get(f"/api/amplification?campaign_id={campaign['id']}").json
    assert (figures["kits"], figures["shares"], figures["clicks"]) == (2, 0, 0)
