"""The ambassador's page and the team's page, through the forms (as a browser without script)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from regions.models import Role, Share
from tests.api.test_ambassadors_api import CHARTER, LATER, published  # noqa: F401 - fixture
from tests.builders import WEB_PASSWORD

_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def _csrf(client, path="/"):
    return _CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def _join_on_the_page(app, editor, territory):
    """The editor makes an invitation link on the team page; a visitor joins and logs in."""
    made = editor.post("/ambassadors/invitations", {"territory_id": str(territory)})
    assert made.status_code == 303
    flashed = editor.get("/ambassadors").get_data(as_text=True)
    token = re.search(r"/ambassador/join/(inv_[\w-]+)", flashed).group(1)
    visitor = app.test_client()
    page = visitor.get(f"/ambassador/join/{token}")
    assert page.status_code == 200 and "Lyon" in page.get_data(as_text=True)
    form = {"email": "web-amb@example.test", "display_name": "Alix", "password": WEB_PASSWORD,
            "csrf_token": _csrf(visitor, f"/ambassador/join/{token}")}
    refused = visitor.post(f"/ambassador/join/{token}", data=form)
    assert refused.status_code == 422  # joining is explicit: the box must be ticked
    joined = visitor.post(f"/ambassador/join/{token}", data={**form, "consent": "1"})
    assert joined.status_code == 303 and "/login" in joined.location
    assert visitor.get(f"/ambassador/join/{token}").status_code == 404  # single use
    login = visitor.post("/login", data={"email": "web-amb@example.test",
                                         "password": WEB_PASSWORD,
                                         "csrf_token": _csrf(visitor, "/login"),
                                         "next": "/ambassador"})
    assert login.status_code == 303
    return visitor


@pytest.fixture()
def lyon_editor(sign_in, world):
    return sign_in(Role.REGIONAL_EDITOR, territory_ids=[world["lyon"]])


def test_ambassador_page_story(app, world, published, lyon_editor, uow):  # noqa: F811
    world["desk"].put("/api/charter", json=CHARTER)
    me = _join_on_the_page(app, lyon_editor, world["lyon"])
    assert me.get("/").location.endswith("/ambassador")
    page = me.get("/ambassador").get_data(as_text=True)
    assert "version 1" in page and "gratuit" in page

    kit = lyon_editor.post("/ambassadors/kits", {
        "title": "Portes ouvertes", "post_id": str(published), "networks": "x",
        "suggestion-0": "Venez nombreux !", "ends_at": "2099-01-01T10:00",
        "image_url": "https://energie-commune.example/agence.jpg", "image_alt": "L'agence"})
    assert kit.status_code == 303, kit.get_data(as_text=True)[-2000:]
    page = me.get("/ambassador").get_data(as_text=True)
    assert "Portes ouvertes" in page and "Venez nombreux" in page
    assert 'href="https://energie-commune.example/agence.jpg"' in page
    kit_id = int(re.search(r'data-kit="(\d+)"', page).group(1))
    token = _csrf(me, "/ambassador")

    blocked = me.post(f"/ambassador/kits/{kit_id}/share", data={
        "text": "Venez !", "network": "x", "csrf_token": token})
    assert blocked.status_code == 409
    assert me.post("/ambassador/charter", data={"number": "1", "csrf_token": token}
                   ).status_code == 303
    refused = me.post(f"/ambassador/kits/{kit_id}/share", data={
        "text": "C'est gratuit !", "network": "x", "csrf_token": token})
    assert refused.status_code == 422
    assert '<mark class="violation">gratuit</mark>' in refused.get_data(as_text=True)
    shared = me.post(f"/ambassador/kits/{kit_id}/share", data={
        "text": "C'est ouvert à tous !", "network": "x", "csrf_token": token})
    assert shared.status_code == 303 and "shared=" in shared.location
    page = me.get(shared.location).get_data(as_text=True)
    code = re.search(r"/s/([\w-]+)", page).group(1)
    assert "https://x.com/intent/post?" in page
    assert me.get(f"/s/{code}").status_code == 302

    team = lyon_editor.get("/ambassadors").get_data(as_text=True)
    assert re.search(r'data-testid="amp-clicks">1<', team)
    unconfirmed = me.post("/ambassador/leave", data={"csrf_token": token})
    assert unconfirmed.location.endswith("/ambassador")  # nothing happens without the box
    left = me.post("/ambassador/leave", data={"csrf_token": token, "confirm": "1"})
    assert left.status_code == 303 and "/login" in left.location
    assert me.get("/ambassador").status_code == 302  # signed out, sent to the login page
    with uow() as unit:
        assert [s.user_id for s in unit.session.scalars(select(Share))] == [None]


def test_team_page_refuses_suggestions_that_break_the_charter(world, published,  # noqa: F811
                                                              lyon_editor):
    world["desk"].put("/api/charter", json=CHARTER)
    answer = lyon_editor.post("/ambassadors/kits", {
        "title": "K", "post_id": str(published), "networks": "x",
        "suggestion-0": "Bien", "suggestion-1": "C'est gratuit", "ends_at": "2099-01-01T10:00"})
    assert answer.status_code == 422 and "gratuit" in answer.get_data(as_text=True)
    empty = lyon_editor.post("/ambassadors/kits", {"title": "", "ends_at": "soon"})
    assert empty.status_code == 422


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CONTRIBUTOR, Role.AMBASSADOR])
def test_team_page_is_for_the_teams(sign_in, role):
    assert sign_in(role).get("/ambassadors").status_code == 403


def test_campaign_dashboard_shows_what_ambassadors_bring(world, published, sign_in,  # noqa: F811
                                                         uow, client):
    from sqlalchemy import update

    from regions.models import Post

    desk = world["desk"]
    campaign = desk.post("/api/campaigns", json={"title": "C", "template": "portes-ouvertes",
                                                 "targets": "all"}).json
    with uow() as unit:
        unit.session.execute(update(Post).where(Post.id == published).values(
            campaign_id=campaign["id"]))
        unit.commit()
    desk.post("/api/kits", json={"title": "K", "post_id": published, "networks": ["x"],
                                 "suggestions": ["Bonjour"], "ends_at": LATER})
    page = sign_in(Role.CENTRAL_EDITOR).get(f"/campaigns/{campaign['id']}")
    assert page.status_code == 200
    assert 'data-testid="amp-shares">0<' in page.get_data(as_text=True)
