"""Boundary import and gazetteer search on real PostGIS, with the shared French boundary files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from pyogrio import raw
from pyproj import Transformer
from shapely.geometry import box, mapping
from sqlalchemy import text

from geodata.errors import (
    FeaturesRejected,
    GeodataError,
    InvalidJson,
    MissingField,
    ParentLevelMissing,
)
from geodata.gazetteer import search_areas
from geodata.importer import import_boundaries
from regions.db import UnitOfWork, make_engine, make_session_factory

REPO = Path(__file__).parents[2]
GEODATA = REPO.parent / "shared" / "geodata"
DEPARTEMENTS = GEODATA / "departements-avec-outre-mer.geojson"
REGIONS = GEODATA / "regions-avec-outre-mer.geojson"
LYON = (4.835, 45.758)

UowFactory = Callable[[], UnitOfWork]


def shared_file(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared boundary file {path.name} not found next to the repository "
                    f"(expected in {GEODATA})")
    return path


def run_import(uow: UowFactory, path: Path, **options: Any) -> Any:
    options.setdefault("level", "departement")
    options.setdefault("code_field", "code")
    options.setdefault("name_field", "nom")
    with uow() as unit:
        return import_boundaries(unit, path, **options)


def write_geojson(path: Path, features: list[tuple[str, str, Any]]) -> Path:
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": code, "nom": name},
         "geometry": shape if isinstance(shape, dict) else mapping(shape)}
        for code, name, shape in features
    ]}
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path


def rows(uow: UowFactory, sql: str, **params: Any) -> list[Any]:
    with uow() as unit:
        return list(unit.session.execute(text(sql), params))


def area_count(uow: UowFactory, level: str = "departement") -> int:
    return rows(uow, "SELECT count(*) FROM admin_areas WHERE level = :l", l=level)[0][0]


# -- the real départements and regions ------------------------------------------------------
def test_departements_file_gives_101_areas_with_their_codes_as_text(uow):
    report = run_import(uow, shared_file(DEPARTEMENTS))
    assert (report.features, report.created, report.updated, report.unchanged) == (101, 101, 0, 0)
    assert report.repairs == () and report.reprojected_from is None
    codes = {row.code for row in rows(uow, "SELECT code FROM admin_areas")}
    assert len(codes) == 101
    assert {"01", "05", "2A", "2B", "971", "972", "973", "974", "976"} <= codes
    shapes = rows(uow, """SELECT DISTINCT GeometryType(geom), GeometryType(geom_simplified),
                          bool_and(ST_IsValid(geom_simplified)) OVER () FROM admin_areas""")
    assert shapes == [("MULTIPOLYGON", "MULTIPOLYGON", True)]
    points = rows(uow, "SELECT sum(ST_NPoints(geom)), sum(ST_NPoints(geom_simplified)) "
                       "FROM admin_areas")[0]
    assert points[1] < points[0] / 2
    names = dict(rows(uow, "SELECT code, search_name FROM admin_areas WHERE code IN ('2A','974')"))
    assert names == {"2A": "corse du sud", "974": "la reunion"}


def test_importing_the_same_file_again_changes_nothing(uow):
    run_import(uow, shared_file(DEPARTEMENTS))
    before = rows(uow, "SELECT id, ctid::text, updated_at FROM admin_areas ORDER BY id")
    again = run_import(uow, DEPARTEMENTS)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 101)
    assert not again.changed_anything
    assert rows(uow, "SELECT id, ctid::text, updated_at FROM admin_areas ORDER BY id") == before


def test_changed_feature_is_updated_in_place_and_new_one_created(uow, tmp_path):
    first = write_geojson(tmp_path / "a.geojson", [("01", "Ain", box(5, 45.5, 6, 46.5))])
    run_import(uow, first)
    [(area_id,)] = rows(uow, "SELECT id FROM admin_areas WHERE code = '01'")
    second = write_geojson(tmp_path / "b.geojson", [("01", "Ain (nouveau)", box(5, 45.5, 6, 46.5)),
                                                    ("02", "Aisne", box(3, 49, 4, 50))])
    report = run_import(uow, second)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    assert rows(uow, "SELECT id, name FROM admin_areas WHERE code = '01'") == [
        (area_id, "Ain (nouveau)")]
    assert area_count(uow) == 2


def test_departements_get_the_region_containing_them_as_parent(uow):
    regions = run_import(uow, shared_file(REGIONS), level="region")
    assert regions.created == 18
    report = run_import(uow, DEPARTEMENTS, parent_level="region")
    assert report.without_parent == ()
    parents = dict(rows(uow, """SELECT d.code, r.code FROM admin_areas d
                                JOIN admin_areas r ON r.id = d.parent_id
                                WHERE d.level = 'departement'"""))
    assert len(parents) == 101
    assert (parents["69"], parents["75"], parents["2A"], parents["974"]) == ("84", "11", "94", "04")


def test_parent_level_with_no_areas_is_refused(uow):
    with pytest.raises(ParentLevelMissing, match="import them first"):
        run_import(uow, shared_file(DEPARTEMENTS), parent_level="region")
    assert area_count(uow) == 0


def test_import_records_one_audit_event_with_its_counts(uow, tmp_path):
    path = write_geojson(tmp_path / "one.geojson", [("01", "Ain", box(5, 45.5, 6, 46.5))])
    run_import(uow, path)
    [(data,)] = rows(uow, "SELECT data FROM audit_events WHERE action = 'geodata.imported'")
    assert data["created"] == 1 and data["level"] == "departement" and data["file"] == "one.geojson"


# -- bad inputs -----------------------------------------------------------------------------
def test_broken_json_is_refused_with_a_clear_error_and_nothing_is_written(uow, tmp_path):
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", ')
    with pytest.raises(InvalidJson, match="broken.geojson is not valid GeoJSON"):
        run_import(uow, broken)
    assert area_count(uow) == 0


def test_linestring_feature_is_rejected_naming_it_and_nothing_is_written(uow, tmp_path):
    path = write_geojson(tmp_path / "mixed.geojson", [
        ("01", "Ain", box(5, 45.5, 6, 46.5)),
        ("R1", "Route", {"type": "LineString", "coordinates": [[5, 45], [6, 46]]}),
        ("02", "Aisne", box(3, 49, 4, 50)),
    ])
    with pytest.raises(FeaturesRejected) as caught:
        run_import(uow, path)
    error = caught.value
    assert error.code == "geodata.features_rejected"
    assert [(p.index, p.code, p.problem) for p in error.problems] == [
        (1, "R1", "geodata.not_polygon")]
    assert "feature #1 (code 'R1'): is a LineString" in error.message
    assert area_count(uow) == 0


def test_self_intersecting_polygon_is_repaired_and_reported(uow, tmp_path):
    bow_tie = {"type": "Polygon",
               "coordinates": [[[4.0, 45.0], [5.0, 46.0], [5.0, 45.0], [4.0, 46.0], [4.0, 45.0]]]}
    path = write_geojson(tmp_path / "bowtie.geojson", [("BT", "Nœud papillon", bow_tie)])
    report = run_import(uow, path)
    [repair] = report.repairs
    assert (repair.index, repair.code) == (0, "BT")
    assert repair.reason.startswith("Self-intersection")
    [(valid, parts, area)] = rows(uow, "SELECT ST_IsValid(geom), ST_NumGeometries(geom), "
                                       "ST_Area(geom) FROM admin_areas WHERE code = 'BT'")
    assert (valid, parts) == (True, 2) and area == pytest.approx(0.5)


def lambert93_square_around(lon: float, lat: float, half_side_m: float) -> Any:
    x, y = Transformer.from_crs(4326, 2154, always_xy=True).transform(lon, lat)
    return box(x - half_side_m, y - half_side_m, x + half_side_m, y + half_side_m)


@pytest.mark.parametrize("driver,suffix", [("GPKG", ".gpkg"), ("ESRI Shapefile", ".shp")])
def test_lambert93_file_is_reprojected_to_lon_lat(uow, tmp_path, driver, suffix):
    path = tmp_path / f"lambert93{suffix}"
    square = lambert93_square_around(*LYON, 5_000)
    raw.write(path, geometry=np.array([shapely.to_wkb(square)], dtype=object),
                  field_data=[np.array(["069"], dtype=object), np.array(["Lyon"], dtype=object)],
                  fields=["code", "nom"], geometry_type="Polygon", crs="EPSG:2154",
                  driver=driver)
    report = run_import(uow, path, level="zone")
    assert report.reprojected_from == "EPSG:2154"
    [(code, lon, lat, srid)] = rows(uow, """SELECT code, ST_X(ST_Centroid(geom)),
                                    ST_Y(ST_Centroid(geom)), ST_SRID(geom) FROM admin_areas""")
    assert code == "069" and srid == 4326
    assert (lon, lat) == (pytest.approx(LYON[0], abs=1e-3), pytest.approx(LYON[1], abs=1e-3))


def test_missing_code_field_is_refused_naming_the_fields_there_are(uow, tmp_path):
    path = write_geojson(tmp_path / "a.geojson", [("01", "Ain", box(5, 45.5, 6, 46.5))])
    with pytest.raises(MissingField, match=r"no field 'INSEE_DEP' \(its fields: code, nom\)"):
        run_import(uow, path, code_field="INSEE_DEP")
    assert area_count(uow) == 0


def test_duplicate_code_in_one_file_is_rejected(uow, tmp_path):
    path = write_geojson(tmp_path / "dup.geojson", [("01", "Ain", box(5, 45.5, 6, 46.5)),
                                                    ("01", "Ain", box(5, 45.5, 6, 46.5))])
    with pytest.raises(FeaturesRejected) as caught:
        run_import(uow, path)
    assert [p.problem for p in caught.value.problems] == ["geodata.duplicate_code"]


# -- gazetteer search -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def gazetteer(fresh_database, tmp_path_factory) -> Iterator[UowFactory]:
    """Regions, départements and three communes, imported once into a database of the
    module's own: the search tests only read, and the imports cost seconds each."""
    url, drop = fresh_database()
    engine = make_engine(url)
    sessions = make_session_factory(engine)

    def unit_of_work() -> UnitOfWork:
        return UnitOfWork(sessions)

    # The lightly simplified metropolitan files: names and codes are what search needs.
    imports = [
        (shared_file(GEODATA / "regions-version-simplifiee.geojson"), "region"),
        (shared_file(GEODATA / "departements-version-simplifiee.geojson"), "departement"),
        (write_geojson(tmp_path_factory.mktemp("gazetteer") / "communes.geojson", [
            ("42218", "Saint-Étienne", box(4.35, 45.40, 4.45, 45.47)),
            ("76575", "Saint-Étienne-du-Rouvray", box(1.05, 49.35, 1.12, 49.40)),
            ("59009", "Villeneuve-d'Ascq", box(3.10, 50.60, 3.18, 50.66)),
        ]), "commune"),
    ]
    try:
        for path, level in imports:
            with unit_of_work() as unit:
                import_boundaries(unit, path, level=level, code_field="code", name_field="nom")
                unit.commit()
        yield unit_of_work
    finally:
        engine.dispose()
        drop()


def search(uow: UowFactory, query: str, **options: Any) -> list[Any]:
    with uow() as unit:
        return search_areas(unit.session, query, **options)


@pytest.mark.parametrize("query", ["ile de france", "ILE-DE-FRANCE", "Île de France"])
def test_search_finds_ile_de_france_whatever_the_case_accents_and_hyphens(gazetteer, query):
    first = search(gazetteer, query)[0]
    assert (first.name, first.code, first.level, first.rank) == ("Île-de-France", "11", "region", 0)


def test_search_puts_the_exact_name_before_longer_names_starting_with_it(gazetteer):
    names = [match.name for match in search(gazetteer, "saint etienne")]
    assert names[:2] == ["Saint-Étienne", "Saint-Étienne-du-Rouvray"]


def test_search_by_code_ignores_case(gazetteer):
    first = search(gazetteer, "2a")[0]
    assert (first.code, first.name) == ("2A", "Corse-du-Sud")


def test_search_can_be_limited_to_one_level(gazetteer):
    matches = search(gazetteer, "corse", level="region")
    assert [(m.code, m.name) for m in matches] == [("94", "Corse")]


def test_search_finds_a_word_inside_the_name_and_tolerates_a_typo(gazetteer):
    assert search(gazetteer, "ascq")[0].name == "Villeneuve-d'Ascq"
    assert search(gazetteer, "bouches du rone")[0].name == "Bouches-du-Rhône"


def test_search_ranks_prefix_matches_before_mere_similarity(gazetteer):
    matches = search(gazetteer, "haute", level="departement", limit=50)
    prefixed = [m.name for m in matches if m.rank == 1]
    assert len(prefixed) == 9 and all(name.startswith("Haute") for name in prefixed)
    assert [m.rank for m in matches] == sorted(m.rank for m in matches)


def test_blank_search_finds_nothing(gazetteer):
    assert search(gazetteer, " - ") == []


# -- a 50 MB file ---------------------------------------------------------------------------
MEASURE_IMPORT = textwrap.dedent("""
    import json, sys, time
    from sqlalchemy.orm import sessionmaker
    from regions.db import UnitOfWork, make_engine
    from geodata.importer import import_boundaries

    def memory_mb(field):  # VmRSS: resident now; VmHWM: the peak so far
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith(field + ":"))
        return int(line.split()[1]) / 1024


    url, path = sys.argv[1], sys.argv[2]
    engine = make_engine(url)
    with engine.connect() as connection:
        outer = connection.begin()  # rolled back below: the import leaves nothing behind
        factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        with UnitOfWork(factory) as warm_up:
            warm_up.session.execute(__import__("sqlalchemy").text("SELECT postgis_version()"))
        before, started = memory_mb("VmRSS"), time.perf_counter()
        with UnitOfWork(factory) as uow:
            report = import_boundaries(uow, path, level="stream-test", code_field="code",
                                       name_field="nom")
        seconds = time.perf_counter() - started
        outer.rollback()
    engine.dispose()
    print(json.dumps({"before_mb": before, "peak_mb": memory_mb("VmHWM"), "seconds": seconds,
                      "created": report.created}))
""")


def write_repeated_departements(path: Path, min_bytes: int) -> int:
    """The real départements repeated under distinct codes ('03-69'…) until min_bytes."""
    features = json.loads(shared_file(DEPARTEMENTS).read_text(encoding="utf-8"))["features"]
    count, written = 0, 0
    with path.open("w", encoding="utf-8") as out:
        out.write('{"type": "FeatureCollection", "features": [\n')
        copy = 0
        while written < min_bytes:
            for feature in features:
                code = f"{copy:02d}-{feature['properties']['code']}"
                line = json.dumps({**feature, "properties": {**feature["properties"],
                                                             "code": code}})
                written += out.write((",\n" if count else "") + line)
                count += 1
            copy += 1
        out.write("\n]}\n")
    return count


@pytest.mark.slow
def test_fifty_megabyte_file_is_streamed_with_bounded_memory(database_url, engine, tmp_path):
    path = tmp_path / "big.geojson"
    count = write_repeated_departements(path, 50 * 1024 * 1024)
    size_mb = path.stat().st_size / 2**20
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", MEASURE_IMPORT, database_url, str(path)],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=900)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    growth = figures["peak_mb"] - figures["before_mb"]  # loaded whole, it grew ~3x the file
    print(f"\n{size_mb:.1f} MB, {count} features imported in {figures['seconds']:.1f} s; "
          f"peak RSS {figures['peak_mb']:.0f} MB, growth during import {growth:.0f} MB")
    assert figures["created"] == count
    assert growth < 0.75 * size_mb


# -- the command line -----------------------------------------------------------------------
def run_cli(database_url: str, *args: str) -> Any:
    from service.cli import cli

    env = {"DATABASE_URL": database_url, "RELAIS_ENV": "test"}
    return CliRunner().invoke(cli, ["geodata", "import", *args], env=env)


def test_cli_import_of_broken_json_exits_1_with_one_sentence(database_url, tmp_path):
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json")
    result = run_cli(database_url, str(broken), "--level", "cli-test", "--code-field", "code",
                     "--name-field", "nom")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith("Error: broken.geojson is not valid GeoJSON")


def test_cli_lists_rejected_features_then_exits_1(database_url, tmp_path):
    path = write_geojson(tmp_path / "line.geojson", [
        ("R1", "Route", {"type": "LineString", "coordinates": [[5, 45], [6, 46]]})])
    result = run_cli(database_url, str(path), "--level", "cli-test", "--code-field", "code",
                     "--name-field", "nom")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "  rejected feature #0 (code 'R1'): is a LineString, not a Polygon or MultiPolygon",
        "Error: 1 feature(s) of line.geojson cannot be imported, so nothing was imported.",
    ]


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("communes.csv", "code,nom\n01,Ain\n02,Aisne\n",
     "Error: communes.csv holds no geometry (CSV data without shapes): give a GeoJSON, "
     "GeoPackage or Shapefile of areas."),
    ("blank.geojson", "", "Error: blank.geojson is empty."),
    ("blank.csv", "  \n", "Error: blank.csv is empty."),
])
def test_cli_import_of_a_file_without_shapes_is_one_sentence(database_url, tmp_path, name,
                                                             content, expected):
    path = tmp_path / name
    path.write_text(content)
    result = run_cli(database_url, str(path), "--level", "cli-test", "--code-field", "code",
                     "--name-field", "nom")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines() == [expected]


def test_unreadable_file_reason_ends_with_one_full_stop(uow, tmp_path):
    path = tmp_path / "notes.dat"
    path.write_bytes(b"\x00\x01 not a map")
    with pytest.raises(GeodataError) as caught, uow() as unit:
        import_boundaries(unit, path, level="x", code_field="code", name_field="nom")
    assert not caught.value.message.endswith("..")
