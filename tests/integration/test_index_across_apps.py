"""Two app instances on one database (two servers, or two workers): each keeps its own index
of territories in memory, and a change made through one is seen by the other's next locate.
"""

from __future__ import annotations

import pytest

from config.settings import Settings
from regions import accounts
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import Role
from tests.conftest import TEST_SECRET

POINT = (5.5, 45.5)


def square(x, y, half=0.1):
    return {"type": "Polygon", "coordinates": [[[x - half, y - half], [x + half, y - half],
                                                [x + half, y + half], [x - half, y + half],
                                                [x - half, y - half]]]}


@pytest.fixture()
def two_apps(fresh_database):
    """Two apps, each with its own engine, connection pool and territory index."""
    from service.app import create_app

    url, drop = fresh_database()
    engine = make_engine(url)
    with UnitOfWork(make_session_factory(engine)) as uow:
        user = accounts.create_user(uow, None, email="desk@example.test", display_name="Desk",
                                    role=Role.CENTRAL_EDITOR)
        token = accounts.issue_token(uow, accounts.load_actor(user), user_id=user.id,
                                     name="t", expires_in_days=1).plaintext
        uow.commit()
    engine.dispose()
    settings = Settings(environment="test", secret_key=TEST_SECRET, database_url=url)
    apps = [create_app(settings), create_app(settings)]
    headers = {"Authorization": f"Bearer {token}"}
    yield [app.test_client() for app in apps], headers
    for app in apps:
        app.extensions["relais"].engine.dispose()
    drop()


def test_a_worker_builds_its_index_before_its_first_request(two_apps, database_url):
    from service.app import create_app
    from service.runtime import warm_indexes

    (one, _other), _headers = two_apps
    app = one.application
    assert not app.extensions["relais"].territory_index.built
    warm_indexes(app)
    assert app.extensions["relais"].territory_index.built
    unreachable = create_app(Settings(environment="test", secret_key=TEST_SECRET,
                                      database_url="postgresql://nobody@127.0.0.1:1/none"))
    warm_indexes(unreachable)  # a database not answering yet does not stop the worker
    assert not unreachable.extensions["relais"].territory_index.built


def test_a_territory_change_through_one_app_is_seen_by_the_others_next_locate(two_apps):
    (one, other), headers = two_apps
    where = f"/api/locate?lon={POINT[0]}&lat={POINT[1]}&include="
    assert other.get(where, headers=headers).json["inside"] is False  # its index is built

    created = one.post("/api/territories", json={"name": "Here", "geometry": square(*POINT)},
                       headers=headers)
    assert created.status_code == 201
    found = other.get(where, headers=headers).json
    assert found["territory"]["id"] == created.json["id"]

    moved = one.patch(f"/api/territories/{created.json['id']}", headers=headers, json={
        "version": created.json["properties"]["version"], "name": "Elsewhere",
        "geometry": square(POINT[0] + 1, POINT[1])})
    assert moved.status_code == 200, moved.json
    assert other.get(where, headers=headers).json["inside"] is False
    bulk = other.post("/api/locate", json={"points": [[POINT[0] + 1, POINT[1]]]},
                      headers=headers).json
    assert bulk["territories"][str(created.json["id"])]["name"] == "Elsewhere"

    assert one.delete(f"/api/territories/{created.json['id']}",
                      headers=headers).status_code == 204
    assert other.post("/api/locate", json={"points": [[POINT[0] + 1, POINT[1]]]},
                      headers=headers).json["territory_ids"] == [None]
