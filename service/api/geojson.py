"""GeoJSON geometry as a marshmallow field: syntax checked here, meaning in the domain."""

from __future__ import annotations

import math
from typing import Any

import shapely
from marshmallow import ValidationError, fields
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from editorial.errors import N_

MAX_VERTICES = 200_000
MAX_MEMBERS = 8  # type, coordinates and the optional members (bbox…), ignored
POLYGONAL = ("Polygon", "MultiPolygon")
# How many list levels hold the positions of each type (a position is itself a list).
DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
         "MultiPolygon": 3}
BAD_COORDINATES = N_("The coordinates do not form a valid geometry.")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _position(value: Any) -> list[float]:
    """A position as longitude, latitude: an altitude (Z) or measure (M) is dropped."""
    if not isinstance(value, list) or not 2 <= len(value) <= 4 or not all(map(_number, value)):
        raise ValidationError(N_(
            "Each position must be [longitude, latitude], optionally followed by an altitude."))
    return [float(value[0]), float(value[1])]


def flat_coordinates(coordinates: Any, depth: int) -> Any:
    """The coordinates with 2D positions, checked level by level (never recursing deeper).

    Walks exactly ``depth`` list levels, so a nesting hundreds of levels deep is refused at
    the first wrong level rather than handed to a recursive parser.
    """
    if depth == 0:
        return _position(coordinates)
    if not isinstance(coordinates, list):
        raise ValidationError(BAD_COORDINATES)
    return [flat_coordinates(part, depth - 1) for part in coordinates]


def _count_positions(coordinates: Any, depth: int) -> int:
    if depth == 0:
        return 1
    return sum(_count_positions(part, depth - 1) for part in coordinates)


class GeoJSONGeometry(fields.Field[BaseGeometry]):
    """A GeoJSON geometry object (lon/lat, EPSG:4326) loaded as a shapely geometry (2D)."""

    def __init__(self, *, types: tuple[str, ...] = POLYGONAL, **kwargs: Any) -> None:
        metadata = kwargs.pop("metadata", {})
        metadata.setdefault("description", f"GeoJSON geometry: {' or '.join(types)}, lon/lat "
                            "(an altitude, if any, is dropped)")
        super().__init__(metadata=metadata, **kwargs)
        self.types = types

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> BaseGeometry:
        if not isinstance(value, dict) or "type" not in value or "coordinates" not in value:
            raise ValidationError(N_('Expected a GeoJSON geometry: {"type": …, "coordinates": …}.'))
        if len(value) > MAX_MEMBERS:
            raise ValidationError(N_("At most {max} members in a GeoJSON geometry.",
                                     max=MAX_MEMBERS))
        if value["type"] not in self.types:
            raise ValidationError(N_("The geometry must be one of {expected}, not {got}.",
                                     expected=", ".join(self.types), got=repr(value["type"])))
        depth = DEPTH[value["type"]]
        coordinates = flat_coordinates(value["coordinates"], depth)
        if _count_positions(coordinates, depth) > MAX_VERTICES:
            raise ValidationError(N_("More than {max} vertices.", max=MAX_VERTICES))
        try:
            geometry: BaseGeometry = shape({"type": value["type"], "coordinates": coordinates})
        except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.ShapelyError):
            raise ValidationError(BAD_COORDINATES) from None
        if geometry.is_empty:
            raise ValidationError(N_("The geometry is empty."))
        minx, miny, maxx, maxy = geometry.bounds
        if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            raise ValidationError(N_(
                "Coordinates out of range: longitude must be within ±180 and latitude ±90 "
                "(GeoJSON order is [longitude, latitude])."
            ))
        return geometry

    def _serialize(self, value: BaseGeometry | None, attr: str | None, obj: Any,
                   **kwargs: Any) -> Any:
        return value
