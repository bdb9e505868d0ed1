import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from geodata.errors import FeatureProblem, UnknownCrs
from geodata.shapes import (
    CleanFeature,
    as_text,
    clean_batch,
    clean_feature,
    reproject,
    transformer_to_wgs84,
)

BOW_TIE = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])


def test_lambert93_false_origin_lands_on_3_east_46_5_north():
    # Lambert-93 puts its false origin (700 000 m, 6 600 000 m) at 3°E, 46°30'N by definition.
    transformer = transformer_to_wgs84("EPSG:2154")
    moved = reproject(np.array([shapely.Point(700_000, 6_600_000)]), transformer)
    assert moved[0].x == pytest.approx(3.0, abs=1e-9)
    assert moved[0].y == pytest.approx(46.5, abs=1e-9)


@pytest.mark.parametrize("crs", [None, "", "EPSG:4326", "OGC:CRS84"])
def test_lon_lat_or_missing_crs_needs_no_reprojection(crs):
    assert transformer_to_wgs84(crs) is None


def test_nonsense_crs_is_refused():
    with pytest.raises(UnknownCrs):
        transformer_to_wgs84("not a crs at all")


def test_polygon_is_promoted_to_a_one_part_multipolygon():
    outcome = clean_feature(0, "01", "Ain", box(5, 45, 6, 46))
    assert isinstance(outcome, CleanFeature)
    assert isinstance(outcome.shape, MultiPolygon) and len(outcome.shape.geoms) == 1
    assert outcome.repaired_because is None


def test_bow_tie_is_repaired_into_two_triangles_and_says_why():
    outcome = clean_feature(3, "X", "Bow tie", BOW_TIE)
    assert isinstance(outcome, CleanFeature)
    assert outcome.shape.is_valid and len(outcome.shape.geoms) == 2
    assert outcome.shape.area == pytest.approx(0.5)
    assert outcome.repaired_because.startswith("Self-intersection")


def test_line_is_rejected_naming_the_feature():
    outcome = clean_feature(7, "L1", "Line", LineString([(0, 0), (1, 1)]))
    assert isinstance(outcome, FeatureProblem)
    assert outcome.problem == "geodata.not_polygon"
    assert "LineString" in outcome.message
    assert outcome.describe().startswith("feature #7 (code 'L1')")


def test_projected_coordinates_read_as_lon_lat_are_rejected_as_out_of_range():
    outcome = clean_feature(0, "69", "Rhône", box(840_000, 6_510_000, 850_000, 6_520_000))
    assert isinstance(outcome, FeatureProblem) and outcome.problem == "geodata.out_of_range"


def test_zero_area_polygon_cannot_be_repaired():
    flat = Polygon([(0, 0), (1, 1), (2, 2), (0, 0)])
    outcome = clean_feature(0, "F", "Flat", flat)
    assert isinstance(outcome, FeatureProblem) and outcome.problem == "geodata.unrepairable"


@pytest.mark.parametrize(
    ("code", "name", "problem"),
    [(None, "Ain", "geodata.missing_code"), ("01", None, "geodata.missing_name")],
)
def test_feature_without_code_or_name_is_rejected(code, name, problem):
    outcome = clean_feature(0, code, name, box(0, 0, 1, 1))
    assert isinstance(outcome, FeatureProblem) and outcome.problem == problem


def test_batch_reports_duplicate_codes_and_repairs_with_file_indexes():
    seen: set[str] = set()
    result = clean_batch(10, ["01", "01", "2A"], ["Ain", "Ain bis", "Corse-du-Sud"],
                         [box(0, 0, 1, 1), box(0, 0, 1, 1), BOW_TIE], seen)
    assert [f.code for f in result.features] == ["01", "2A"]
    assert [(p.index, p.problem) for p in result.problems] == [(11, "geodata.duplicate_code")]
    assert [(r.index, r.code) for r in result.repairs] == [(12, "2A")]


def test_codes_stay_text_and_integral_numbers_lose_no_digits():
    assert as_text(np.array(["01", " 2A ", None, ""], dtype=object)) == ["01", "2A", None, None]
    assert as_text(np.array([974.0, np.nan])) == ["974", None]
    assert as_text(np.array([75, 1])) == ["75", "1"]
