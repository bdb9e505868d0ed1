"""Locate on real French boundaries (IGN ADMIN EXPRESS COG 2018, via ../shared/geodata)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from geodata.importer import import_boundaries
from geodata.index import IndexCache
from geodata.locate import locate_point, locate_points
from regions import territories
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.territories import AreaSelection

GEODATA = Path(__file__).resolve().parents[2].parent / "shared" / "geodata"
pytestmark = pytest.mark.skipif(
    not (GEODATA / "departements-avec-outre-mer.geojson").exists(),
    reason=f"real boundary files not found in {GEODATA}",
)


@pytest.fixture(scope="module")
def france(fresh_database):
    """A database with régions, départements and territories composed from them."""
    url, drop = fresh_database()
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with UnitOfWork(factory) as uow:
        import_boundaries(uow, GEODATA / "regions-avec-outre-mer.geojson", level="region",
                          code_field="code", name_field="nom")
    with UnitOfWork(factory) as uow:
        import_boundaries(uow, GEODATA / "departements-avec-outre-mer.geojson",
                          level="departement", code_field="code", name_field="nom",
                          parent_level="region")
    ids = {}
    with UnitOfWork(factory) as uow:
        group, _ = territories.create_territory(uow, None, name="Groupe", kind="group")
        ids["group"] = group.id

        def compose(key, name, level, codes, parent):
            territory, _ = territories.create_territory(
                uow, None, name=name, parent_id=parent, areas=AreaSelection(level, codes))
            ids[key] = territory.id

        compose("ara", "Auvergne-Rhône-Alpes", "region", ("84",), group.id)
        compose("rhone", "Rhône", "departement", ("69",), ids["ara"])
        compose("loire", "Loire", "departement", ("42",), ids["ara"])
        compose("alps", "Alpes du Nord", "departement", ("01", "38", "73", "74"), ids["ara"])
        compose("corse_sud", "Corse-du-Sud", "departement", ("2A",), group.id)
        compose("reunion", "La Réunion", "departement", ("974",), group.id)
        uow.commit()
    yield factory, ids
    engine.dispose()
    drop()


@pytest.fixture()
def session(france):
    factory, _ids = france
    with factory() as session:
        yield session


def where(session, lon, lat):
    return locate_point(session, IndexCache(), lon, lat)


def test_lyon_is_in_the_rhone_within_auvergne_rhone_alpes(session, france):
    _, ids = france
    found = where(session, 4.835, 45.758)
    assert found.territory.id == ids["rhone"]
    assert [a.id for a in found.ancestors] == [ids["ara"], ids["group"]]
    assert [(a.level, a.code) for a in found.areas] == [("region", "84"), ("departement", "69")]


def test_ajaccio_is_in_corse_du_sud(session, france):
    _, ids = france
    found = where(session, 8.7369, 41.9192)
    assert found.territory.id == ids["corse_sud"]
    assert ("departement", "2A") in [(a.level, a.code) for a in found.areas]


def test_saint_denis_de_la_reunion_is_in_974(session, france):
    _, ids = france
    found = where(session, 55.4504, -20.8823)
    assert found.territory.id == ids["reunion"]
    assert [(a.level, a.code) for a in found.areas] == [("region", "04"), ("departement", "974")]


def test_a_point_in_the_atlantic_is_outside_everything(session):
    found = where(session, -20.0, 45.0)
    assert found.territory is None
    assert found.areas == []
    assert found.maybe_swapped is False


def test_lyon_with_swapped_coordinates_is_outside_with_a_hint(session):
    found = where(session, 45.758, 4.835)
    assert found.territory is None
    assert found.maybe_swapped is True


def test_a_point_on_the_rhone_loire_border_goes_to_the_older_territory(session, france):
    _, ids = france
    lon, lat = session.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT (ST_DumpPoints(ST_Intersection("
        " ST_Boundary(a.geom), ST_Boundary(b.geom)))).geom AS p"
        " FROM territories a, territories b WHERE a.id = :a AND b.id = :b) s"
        " WHERE GeometryType(p) = 'POINT' LIMIT 1"
    ), {"a": ids["rhone"], "b": ids["loire"]}).one()
    found = where(session, lon, lat)
    assert found.territory.id == min(ids["rhone"], ids["loire"]) == ids["rhone"]
    bulk = locate_points(session, IndexCache(), *_arrays([(lon, lat)]))
    assert bulk.ids.tolist() == [ids["rhone"]]


def test_composed_territory_has_the_area_of_its_departements_union(session, france):
    _, ids = france
    composed, parts = session.execute(text(
        "SELECT (SELECT ST_Area(geom::geography) FROM territories WHERE id = :id),"
        " (SELECT sum(ST_Area(geom::geography)) FROM admin_areas"
        "  WHERE level = 'departement' AND code IN ('01', '38', '73', '74'))"
    ), {"id": ids["alps"]}).one()
    assert composed == pytest.approx(parts, rel=0.001)


def test_bulk_and_single_locate_agree_on_real_shapes(session):
    import numpy as np

    rng = np.random.default_rng(7)
    points = np.column_stack([rng.uniform(3.5, 6.5, 300), rng.uniform(44.5, 46.8, 300)])
    cache = IndexCache()
    bulk = locate_points(session, cache, points[:, 0].copy(), points[:, 1].copy()).ids
    single = [locate_point(session, cache, x, y).territory for x, y in points]
    assert bulk.tolist() == [t.id if t else 0 for t in single]
    assert (bulk != 0).sum() > 100


def _arrays(points):
    import numpy as np

    array = np.array(points, dtype=float)
    return array[:, 0].copy(), array[:, 1].copy()
