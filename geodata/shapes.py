"""Pure geometry steps of an import: reproject, check, repair, promote (no I/O, no database)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geodata.errors import FeatureProblem, UnknownCrs

WGS84 = CRS.from_epsg(4326)
POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass(frozen=True, slots=True)
class Repair:
    """An invalid geometry that was made valid, and what was wrong with it."""

    index: int
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class CleanFeature:
    """A feature ready to store: text code, name and a valid MultiPolygon in EPSG:4326."""

    index: int
    code: str
    name: str
    shape: MultiPolygon
    repaired_because: str | None = None


@dataclass(slots=True)
class BatchResult:
    """What one batch of raw features became."""

    features: list[CleanFeature] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    problems: list[FeatureProblem] = field(default_factory=list)


def transformer_to_wgs84(crs_text: str | None) -> Transformer | None:
    """The transformer from a file's CRS to lon/lat WGS84; None when no change is needed.

    A file without a CRS is taken as EPSG:4326, as RFC 7946 says of GeoJSON.
    """
    if not crs_text:
        return None
    try:
        crs = CRS.from_user_input(crs_text)
    except CRSError as exc:
        raise UnknownCrs(
            f"The file's coordinate reference system is not understood: {exc}",
            params={"crs": crs_text},
        ) from None
    if crs.equals(WGS84, ignore_axis_order=True):
        return None
    return Transformer.from_crs(crs, WGS84, always_xy=True)


def reproject(shapes: Any, transformer: Transformer | None) -> Any:
    """Shapes (an array, None allowed) moved to lon/lat; unchanged without a transformer."""
    if transformer is None:
        return shapes
    # types-shapely types only the interleaved form (one (n, 2) array in and out).
    return shapely.transform(shapes, transformer.transform,  # type: ignore[arg-type]
                             interleaved=False)


def to_multipolygon(shape: BaseGeometry) -> MultiPolygon:
    """The polygonal parts of a shape as one MultiPolygon (empty when there are none)."""
    if isinstance(shape, MultiPolygon):
        return shape
    if isinstance(shape, Polygon):
        return MultiPolygon([shape])
    parts = [part for part in shapely.get_parts(shape) if isinstance(part, Polygon | MultiPolygon)]
    polygons = [p for part in parts for p in shapely.get_parts(part)]
    return MultiPolygon(polygons)


def repair(shape: BaseGeometry) -> MultiPolygon:
    """A valid MultiPolygon from an invalid polygonal shape (collapsed parts are dropped)."""
    fixed = shapely.make_valid(shape, method="structure", keep_collapsed=False)
    return to_multipolygon(fixed)


def _problem(index: int, code: str | None, problem: str, message: str) -> FeatureProblem:
    return FeatureProblem(index=index, code=code, problem=f"geodata.{problem}", message=message)


def _shape_problem(index: int, code: str, shape: BaseGeometry | None) -> FeatureProblem | None:
    if shape is None or shape.is_empty:
        return _problem(index, code, "empty_geometry", "has no geometry")
    if shape.geom_type not in POLYGONAL:
        return _problem(index, code, "not_polygon",
                        f"is a {shape.geom_type}, not a Polygon or MultiPolygon")
    west, south, east, north = shape.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        return _problem(index, code, "out_of_range",
                        "has coordinates outside longitude/latitude range "
                        "(is the file's coordinate system missing or wrong?)")
    return None


def clean_feature(
    index: int, code: str | None, name: str | None, shape: BaseGeometry | None
) -> CleanFeature | FeatureProblem:
    """Check and fix one feature: a clean feature (saying why it was repaired) or its problem."""
    if not code:
        return _problem(index, None, "missing_code", "has no code")
    if not name:
        return _problem(index, code, "missing_name", "has no name")
    problem = _shape_problem(index, code, shape)
    if problem is not None:
        return problem
    assert shape is not None
    if shapely.is_valid(shape):
        return CleanFeature(index, code, name, to_multipolygon(shape))
    reason = shapely.is_valid_reason(shape)
    fixed = repair(shape)
    if fixed.is_empty:
        return _problem(index, code, "unrepairable",
                        f"is invalid ({reason}) and has no area left once repaired")
    return CleanFeature(index, code, name, fixed, repaired_because=reason)


def clean_batch(
    start: int,
    codes: Sequence[str | None],
    names: Sequence[str | None],
    shapes: Sequence[BaseGeometry | None],
    seen_codes: set[str],
) -> BatchResult:
    """Clean a batch of features numbered from ``start``; duplicate codes become problems."""
    result = BatchResult()
    for offset, (code, name, shape) in enumerate(zip(codes, names, shapes, strict=True)):
        index = start + offset
        if code and code in seen_codes:
            result.problems.append(_problem(index, code, "duplicate_code",
                                            "repeats a code already used in this file"))
            continue
        if code:
            seen_codes.add(code)
        outcome = clean_feature(index, code, name, shape)
        if isinstance(outcome, FeatureProblem):
            result.problems.append(outcome)
            continue
        result.features.append(outcome)
        if outcome.repaired_because:
            result.repairs.append(Repair(index, outcome.code, outcome.repaired_because))
    return result


def as_text(values: Any) -> list[str | None]:
    """Field values as trimmed text; integral numbers lose no digits but gain no '.0'."""
    texts: list[str | None] = []
    for value in values:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            texts.append(None)
        elif isinstance(value, float | np.floating) and float(value).is_integer():
            texts.append(str(int(value)))
        else:
            texts.append(str(value).strip() or None)
    return texts
