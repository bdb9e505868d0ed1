"""The single locate as served: the token and the lookup as one statement on a pooled connection.

The API tests bind the app to their own transaction; here each app has its own engine and pool,
as two server processes do, and every change is committed. The answers must be the ones the
plain session lookup (``geodata.locate.locate_point``) gives, whatever the area names hold.
"""

from __future__ import annotations

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box

from geodata.index import IndexCache
from geodata.locate import locate_point
from regions import accounts, territories
from regions.db import UnitOfWork, make_engine, make_readonly_session_factory, make_session_factory
from regions.models import AdminArea, Role

# Names a text array must carry intact: comma, quotes, braces, backslash, NULL-looking text.
AREAS = (
    ("region", "R1", 'Région "Grand, Est" {1}', (4.0, 44.0, 6.0, 46.0)),
    ("departement", "D1", "Côte-d'Or \\ Nord", (4.5, 44.5, 5.5, 45.5)),
    ("commune", "C1", "NULL", (4.9, 44.9, 5.1, 45.1)),
)
IN_TERRITORY = (5.0, 45.0)  # in the territory and in the three areas, largest first
IN_AREAS_ONLY = (4.2, 44.2)  # in the région only
SWAPPED = (45.2, 5.3)  # outside; inside the territory as (5.3, 45.2)
NOWHERE = (-30.0, 10.0)  # outside everything, swapped too


@pytest.fixture()
def served(two_apps_db):
    """Two apps on one fresh database with areas and a territory; a viewer's bearer header."""
    url, two_apps = two_apps_db
    engine = make_engine(url)
    with UnitOfWork(make_session_factory(engine)) as uow:
        for level, code, name, bbox in AREAS:
            shape = from_shape(MultiPolygon([box(*bbox)]), srid=4326)
            uow.session.add(AdminArea(level=level, code=code, name=name, search_name=name,
                                      geom=shape, geom_simplified=shape))
        uow.flush()
        territories.create_territory(uow, None, name="Dept D1", slug="dept-d1",
                                     areas=territories.AreaSelection("departement", ("D1",)))
        user = accounts.create_user(uow, None, email="viewer@example.test", display_name="V",
                                    role=Role.VIEWER)
        token = accounts.issue_token(uow, accounts.load_actor(user), user_id=user.id,
                                     name="t", expires_in_days=1).plaintext
        uow.commit()
    one, other = two_apps()
    yield one, other, {"Authorization": f"Bearer {token}", "Accept-Language": "en"}, engine
    engine.dispose()


def _expected(engine, lon, lat):
    with UnitOfWork(make_readonly_session_factory(engine)) as uow:
        return locate_point(uow.session, IndexCache(), lon, lat)


@pytest.mark.parametrize("point", [IN_TERRITORY, IN_AREAS_ONLY, SWAPPED, NOWHERE])
def test_the_served_answer_is_the_session_lookups(served, point):
    one, _other, headers, engine = served
    expected = _expected(engine, *point)
    for include in ("", "&include=", "&include=areas", "&include=ancestors"):
        got = one.get(f"/api/locate?lon={point[0]}&lat={point[1]}{include}", headers=headers)
        assert got.status_code == 200, got.json
        body = got.json
        assert body["inside"] is (expected.territory is not None)
        assert (body["territory"] or {}).get("slug") == (
            expected.territory.slug if expected.territory else None)
        assert (body["hint"] is not None) is expected.maybe_swapped
        if include in ("", "&include=areas"):
            assert [(a["level"], a["code"], a["name"]) for a in body["areas"]] == [
                (a.level, a.code, a.name) for a in expected.areas]
        else:
            assert "areas" not in body


def test_area_names_come_back_intact_and_largest_first(served):
    one, _other, headers, _engine = served
    body = one.get(f"/api/locate?lon={IN_TERRITORY[0]}&lat={IN_TERRITORY[1]}",
                   headers=headers).json
    assert [(a["level"], a["code"], a["name"]) for a in body["areas"]] == [
        (level, code, name) for level, code, name, _bbox in AREAS]
    assert body["territory"]["slug"] == "dept-d1" and body["hint"] is None
    only = one.get(f"/api/locate?lon={IN_AREAS_ONLY[0]}&lat={IN_AREAS_ONLY[1]}",
                   headers=headers).json
    assert only["inside"] is False and [a["code"] for a in only["areas"]] == ["R1"]
    assert only["hint"] is None  # inside an area: never said to be swapped
    swapped = one.get(f"/api/locate?lon={SWAPPED[0]}&lat={SWAPPED[1]}", headers=headers).json
    assert swapped["areas"] == [] and "swapped" in swapped["hint"]


def test_callers_and_inputs_are_refused_as_before(served):
    one, _other, headers, _engine = served
    anonymous = one.get("/api/locate?lon=5&lat=45")
    assert (anonymous.status_code, anonymous.json["code"]) == (401, "auth.required")
    assert one.get("/api/locate?lon=500&lat=45").status_code == 401  # 401 before the fields
    bad = {"Authorization": "Bearer relais_nope"}
    assert one.get("/api/locate?lon=5&lat=45", headers=bad).status_code == 401
    wrong = one.get("/api/locate?lon=500&lat=45", headers=headers)
    assert wrong.status_code == 422 and "lon" in wrong.json["errors"]["query"]


def test_a_revoked_token_is_refused_by_the_other_app_at_its_next_locate(served):
    one, other, headers, _engine = served
    where = f"/api/locate?lon={IN_TERRITORY[0]}&lat={IN_TERRITORY[1]}"
    assert other.get(where, headers=headers).status_code == 200
    me = one.get("/api/me", headers=headers).json
    [token] = one.get(f"/api/users/{me['id']}/tokens", headers=headers).json
    assert one.delete(f"/api/tokens/{token['id']}", headers=headers).status_code == 204
    assert other.get(where, headers=headers).status_code == 401


def test_a_connection_lost_with_the_server_is_a_503_then_renewed(served):
    _one, other, headers, engine = served
    where = f"/api/locate?lon={IN_TERRITORY[0]}&lat={IN_TERRITORY[1]}"
    assert other.get(where, headers=headers).status_code == 200
    with engine.connect() as conn:  # what a database restart does to the pool's connections
        conn.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    lost = other.get(where, headers=headers)
    assert (lost.status_code, lost.json["code"]) == (503, "database.unavailable")
    assert other.get(where, headers=headers).status_code == 200
    state = other.application.extensions["relais"]
    with state.engine.connect() as conn:  # back in the pool out of autocommit
        assert conn.connection.driver_connection.autocommit is False
