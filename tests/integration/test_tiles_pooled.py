"""The post tiles as served: token and posts' counter as one statement on a pooled connection.

Each app has its own engine, pool and tile cache, as two server processes do, and every change
is committed: a warm cache must still follow the posts, the token and the caller's scope.
"""

from __future__ import annotations

from datetime import UTC, datetime

import mapbox_vector_tile
import pytest
from shapely.geometry import MultiPolygon, box
from sqlalchemy import text

from regions import accounts, standards, teams, territories
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import Role

TEMPLATE = {"name": "T", "network": "facebook", "language": "fr", "body": "{text}",
            "slots": [{"name": "text", "type": "text", "max_length": 400}], "rules": []}
TILE = "/api/map/posts/14/8412/5845.mvt"  # Lyon (4.85, 45.75) at zoom 14


def ids(response):
    assert response.status_code == 200, response.status_code
    layer = mapbox_vector_tile.decode(response.get_data()).get("posts", {"features": []})
    return sorted(f["properties"]["id"] for f in layer["features"])


@pytest.fixture()
def served(two_apps_db):
    """Two apps on one database: two regions, a draft in each at Lyon; desk and editor tokens."""
    url, two_apps = two_apps_db
    engine = make_engine(url)
    with UnitOfWork(make_session_factory(engine)) as uow:
        desk = accounts.create_user(uow, None, email="desk@example.test", display_name="D",
                                    role=Role.CENTRAL_EDITOR)
        actor = accounts.load_actor(desk)
        standards.create_template(uow, actor, "t", TEMPLATE)
        version = standards.publish_template(uow, actor, "t", now=datetime.now(UTC))
        here, _ = territories.create_territory(uow, None, name="Ici",
                                               shape=MultiPolygon([box(4, 45, 6, 46)]))
        there, _ = territories.create_territory(uow, None, name="Là-bas",
                                                shape=MultiPolygon([box(0, 40, 2, 42)]))
        editor = accounts.create_user(uow, None, email="ed@example.test", display_name="E",
                                      role=Role.REGIONAL_EDITOR)
        uow.flush()
        teams.add_member(uow, None, editor, here.id)
        tokens = {name: accounts.issue_token(uow, accounts.load_actor(user), user_id=user.id,
                                             name="t", expires_in_days=1).plaintext
                  for name, user in (("desk", desk), ("editor", editor))}
        posts = {}
        for name, territory in (("ours", here), ("theirs", there)):
            posts[name] = uow.session.execute(text(
                "INSERT INTO posts (territory_id, author_id, template_version_id, status, text, "
                "geom, place_name) VALUES (:t, :a, :v, 'draft', 'x', "
                "ST_SetSRID(ST_MakePoint(4.85, 45.75), 4326), 'Lyon') RETURNING id"),
                {"t": territory.id, "a": desk.id, "v": version.id}).scalar_one()
        uow.commit()
    headers = {name: {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
               for name, token in tokens.items()}
    yield list(two_apps()), headers, posts, engine
    engine.dispose()


def test_each_scope_sees_its_posts_cold_and_warm(served):
    (one, _other), headers, posts, _engine = served
    for _ in range(2):  # the second answer comes from the worker's cache
        assert ids(one.get(TILE, headers=headers["desk"])) == sorted(posts.values())
        # A regional editor never sees another region's draft, even after the desk's visit.
        assert ids(one.get(TILE, headers=headers["editor"])) == [posts["ours"]]


def test_a_warm_copy_follows_a_change_made_by_the_other_process(served):
    (one, other), headers, posts, engine = served
    first = one.get(TILE, headers=headers["editor"])
    assert ids(first) == [posts["ours"]]
    assert ids(one.get(TILE, headers=headers["editor"])) == [posts["ours"]]  # cached
    with engine.begin() as conn:
        conn.execute(text("UPDATE posts SET status = 'published' WHERE id = :id"),
                     {"id": posts["theirs"]})  # published: every role may see it
    assert ids(one.get(TILE, headers=headers["editor"])) == sorted(posts.values())
    assert other.get(TILE, headers={**headers["editor"], "If-None-Match": first.headers[
        "ETag"]}).status_code == 200


def test_conditional_gets_and_refusals_are_as_before(served):
    (one, other), headers, _posts, _engine = served
    first = one.get(TILE, headers=headers["desk"])
    etag = first.headers["ETag"]
    for client in (one, other):  # warm in one, cold in the other
        again = client.get(TILE, headers={**headers["desk"], "If-None-Match": etag})
        assert (again.status_code, again.headers["ETag"]) == (304, etag)
    # The editor's copy is another scope: a 200, not the desk's 304.
    assert one.get(TILE, headers={**headers["editor"], "If-None-Match": etag}).status_code == 200
    anonymous = one.get(TILE)
    assert (anonymous.status_code, anonymous.json["code"]) == (401, "auth.required")
    assert one.get("/api/map/posts/3/8/0.mvt").status_code == 401  # 401 before the 404
    assert one.get("/api/map/posts/3/8/0.mvt", headers=headers["desk"]).status_code == 404
    bad = {"Authorization": "Bearer relais_nope"}
    assert one.get(TILE, headers=bad).status_code == 401


def test_a_revoked_token_is_refused_by_a_warm_worker(served):
    (one, other), headers, _posts, _engine = served
    assert other.get(TILE, headers=headers["desk"]).status_code == 200  # now in its cache
    me = one.get("/api/me", headers=headers["desk"]).json
    [token] = one.get(f"/api/users/{me['id']}/tokens", headers=headers["desk"]).json
    assert one.delete(f"/api/tokens/{token['id']}", headers=headers["desk"]).status_code == 204
    assert other.get(TILE, headers=headers["desk"]).status_code == 401
