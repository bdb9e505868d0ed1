"""Rolling territories out of the real French gazetteer (../shared/geodata, IGN/INSEE 2018)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from shapely.geometry import box
from sqlalchemy import select, text
from sqlalchemy.orm import sessionmaker

from geodata.importer import import_boundaries
from geodata.index import IndexCache
from geodata.locate import locate_point
from regions import territories
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.errors import InvalidInput
from regions.models import Territory
from regions.rollout import SlugsTaken, UnknownLevel, roll_out_territories

GEODATA = Path(__file__).resolve().parents[2].parent / "shared" / "geodata"
pytestmark = pytest.mark.skipif(
    not (GEODATA / "departements-avec-outre-mer.geojson").exists(),
    reason=f"real boundary files not found in {GEODATA}",
)
LYON = (4.835, 45.758)
SAINT_DENIS_974 = (55.4504, -20.8823)


@pytest.fixture(scope="module")
def gazetteer(fresh_database):
    """A database holding régions, départements (with parents) and two commune files."""
    url, drop = fresh_database()
    engine = make_engine(url)
    factory = make_session_factory(engine)
    for file, level, parent in (
        ("regions-avec-outre-mer.geojson", "region", None),
        ("departements-avec-outre-mer.geojson", "departement", "region"),
        ("communes-69-rhone.geojson", "commune", "departement"),
        ("communes-974-la-reunion.geojson", "commune", None),  # no stored parents
    ):
        with UnitOfWork(factory) as uow:
            import_boundaries(uow, GEODATA / file, level=level, code_field="code",
                              name_field="nom", parent_level=parent)
    yield engine
    engine.dispose()
    drop()


@pytest.fixture()
def uow(gazetteer):
    """Units of work inside one transaction that the test never commits."""
    with gazetteer.connect() as conn:
        outer = conn.begin()
        factory = sessionmaker(bind=conn, join_transaction_mode="create_savepoint",
                               expire_on_commit=False)
        yield lambda: UnitOfWork(factory)
        outer.rollback()


def roll_out(uow, **kwargs):
    with uow() as unit:
        report = roll_out_territories(unit, None, **kwargs)
        unit.commit()
        return report


def group(uow, slug="groupe"):
    with uow() as unit:
        territories.create_territory(unit, None, name="Groupe", slug=slug, kind="group")
        unit.commit()


def by_slug(uow):
    with uow() as unit:
        rows = unit.session.execute(select(Territory.slug, Territory.parent_id, Territory.id,
                                           Territory.kind, Territory.timezone)).all()
    ids = {row.id: row.slug for row in rows}
    return {row.slug: {"parent": ids.get(row.parent_id), "kind": row.kind,
                       "timezone": row.timezone} for row in rows}


def test_departements_roll_out_under_their_regions_then_a_second_run_changes_nothing(uow):
    group(uow)
    first = roll_out(uow, level="departement", parent_level="region", under="groupe")
    assert (first.areas, first.created, first.parents_created) == (101, 101, 18)
    assert first.changed_anything and first.without_parent == ()
    tree = by_slug(uow)
    assert tree["departement-69"] == {"parent": "region-84", "kind": "area",
                                      "timezone": "Europe/Paris"}
    assert tree["departement-2a"]["parent"] == "region-94"
    assert tree["region-84"] == {"parent": "groupe", "kind": "region", "timezone": "Europe/Paris"}
    assert tree["departement-974"]["timezone"] == tree["region-04"]["timezone"] == (
        "Indian/Reunion")
    version = index_version(uow)
    second = roll_out(uow, level="departement", parent_level="region", under="groupe")
    assert index_version(uow) == version  # nothing written: no worker rebuilds its index
    assert not second.changed_anything
    assert (second.created, second.parents_created, second.moved, second.reshaped,
            second.unchanged) == (0, 0, 0, 0, 101)
    assert by_slug(uow) == tree


def test_communes_nest_under_existing_departements_and_locate_gives_the_whole_chain(uow):
    group(uow)
    roll_out(uow, level="departement", parent_level="region", under="groupe")
    communes = roll_out(uow, level="commune", parent_level="departement")
    # 974's communes were imported without parents: their département is found by shape.
    assert (communes.areas, communes.created, communes.parents_created) == (278 + 24, 302, 0)
    assert communes.without_parent == ()
    with uow() as unit:
        found = locate_point(unit.session, IndexCache(), *LYON)
        reunion = locate_point(unit.session, IndexCache(), *SAINT_DENIS_974)
    assert [found.territory.slug, *(a.slug for a in found.ancestors)] == [
        "commune-69123", "departement-69", "region-84", "groupe"]
    assert found.territory.kind == "local"
    assert [reunion.territory.slug, *(a.slug for a in reunion.ancestors)][1:] == [
        "departement-974", "region-04", "groupe"]
    assert by_slug(uow)[reunion.territory.slug]["timezone"] == "Indian/Reunion"


def test_a_flat_roll_out_is_later_nested_when_a_parent_level_is_given(uow):
    flat = roll_out(uow, level="departement", codes=["69", "42", "2A"])
    assert (flat.created, flat.parents_created) == (3, 0)
    assert by_slug(uow)["departement-69"]["parent"] is None
    nested = roll_out(uow, level="departement", parent_level="region", codes=["69", "42", "2A"])
    assert (nested.created, nested.parents_created, nested.moved) == (0, 2, 3)
    tree = by_slug(uow)
    assert tree["departement-69"]["parent"] == tree["departement-42"]["parent"] == "region-84"
    assert tree["region-84"]["parent"] is None


def test_a_territory_composed_of_one_area_by_hand_is_found_again_not_duplicated(uow):
    with uow() as unit:
        territories.create_territory(unit, None, name="Rhône", slug="rhone",
                                     areas=territories.AreaSelection("departement", ("69",)))
        unit.commit()
    report = roll_out(uow, level="departement", codes=["69", "01"])
    assert (report.created, report.unchanged + report.reshaped) == (1, 1)
    assert "departement-69" not in by_slug(uow)


def test_a_taken_slug_stops_the_whole_roll_out(uow):
    with uow() as unit:
        territories.create_territory(unit, None, name="Squatter", slug="departement-38",
                                     shape=box(5, 45, 6, 46))
        unit.commit()
    with uow() as unit, pytest.raises(SlugsTaken) as caught:
        roll_out_territories(unit, None, level="departement", parent_level="region")
    assert caught.value.params["slugs"] == "departement-38"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"level": "canton"}, "level"),
    ({"level": "departement", "parent_level": "canton"}, "parent_level"),
    ({"level": "departement", "parent_level": "departement"}, "parent_level"),
    ({"level": "departement", "codes": ["69", "999"]}, "codes"),
    ({"level": "departement", "under": "nobody"}, "under"),
    ({"level": "departement", "timezone": "Mars/Olympus"}, "timezone"),
])
def test_bad_roll_out_requests_name_the_field(uow, kwargs, field):
    with uow() as unit, pytest.raises(InvalidInput) as caught:
        roll_out_territories(unit, None, **kwargs)
    assert field in caught.value.errors
    assert isinstance(caught.value, UnknownLevel) == ("canton" in kwargs.values())


def index_version(uow):
    with uow() as unit:
        return unit.session.execute(text(
            "SELECT version FROM index_versions WHERE name = 'territories'")).scalar_one()


def test_the_roll_out_bumps_the_index_version_once_per_statement_not_per_row(uow):
    before = index_version(uow)
    roll_out(uow, level="commune", codes=None)
    assert 1 <= index_version(uow) - before <= 3  # 302 territories, one INSERT


def test_the_command_rolls_out_then_says_there_is_nothing_to_do(fresh_database):
    from service.cli import cli

    url, drop = fresh_database()
    engine = make_engine(url)
    try:
        with UnitOfWork(make_session_factory(engine)) as unit:
            import_boundaries(unit, GEODATA / "communes-974-la-reunion.geojson",
                              level="commune", code_field="code", name_field="nom")
        env = {"DATABASE_URL": url, "RELAIS_ENV": "test"}
        args = ["territories", "from-areas", "--level", "commune"]
        first = CliRunner().invoke(cli, args, env=env)
        assert first.exit_code == 0, first.output
        assert first.output.startswith("24 commune territories were created; 0 moved")
        again = CliRunner().invoke(cli, args, env=env)
        assert again.output.strip() == (
            "Nothing to do: the 24 commune areas already have their territories.")
        wrong = CliRunner().invoke(cli, [*args[:-1], "canton"], env=env)
        assert wrong.exit_code == 1
        assert wrong.output.strip().startswith("Error: There are no gazetteer areas of level")
        with engine.connect() as conn:
            zones = conn.execute(text("SELECT DISTINCT timezone FROM territories")).scalars()
            assert list(zones) == ["Indian/Reunion"]
    finally:
        engine.dispose()
        drop()


def test_after_one_change_the_index_refetches_only_that_territorys_shape(uow):
    from geodata.index import TerritoryIndex

    roll_out(uow, level="departement", parent_level="region")
    with uow() as unit:
        before = TerritoryIndex.load(unit.session)
        rhone = unit.session.scalar(select(Territory).where(Territory.slug == "departement-69"))
        rhone.name = "Rhône renamed"
        unit.commit()
        after = TerritoryIndex.load(unit.session, before)
    reused = [i for i in before.shape_by_id if after.shape_by_id[i] is before.shape_by_id[i]]
    assert len(reused) == len(before.shape_by_id) - 1 == 118
    assert after.by_id[rhone.id].name == "Rhône renamed"
    assert after.locate_one(*LYON) == rhone.id


def test_the_demo_with_a_boundary_file_rolls_its_areas_out_under_the_real_group(uow):
    from service.demo import seed_real_territories

    for _ in range(2):  # seeding again changes nothing
        with uow() as unit:
            made = seed_real_territories(unit, GEODATA / "communes-974-la-reunion.geojson",
                                         level="commune", code_field="code", name_field="nom")
    assert made == {"areas": 24, "territories": 0}
    tree = by_slug(uow)
    assert tree["commune-97411"]["parent"] == "reel"
    # every commune of the gazetteer (the Rhône's too), as the demo always did
    assert sum(node["parent"] == "reel" for node in tree.values()) == 278 + 24
