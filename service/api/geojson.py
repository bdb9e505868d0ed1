"""GeoJSON geometry as a marshmallow field: syntax checked here, meaning in the domain."""

from __future__ import annotations

from typing import Any

import shapely
from marshmallow import ValidationError, fields
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from editorial.errors import N_

MAX_VERTICES = 200_000
POLYGONAL = ("Polygon", "MultiPolygon")


def _numbers_only(coordinates: Any) -> bool:
    """Whether no position in nested coordinate lists holds a string or a boolean.

    Only that: whatever else is malformed is left to the geometry's own parsing, which says
    the coordinates do not form a valid geometry.
    """
    stack = [coordinates] if isinstance(coordinates, list) else []
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str | bool):
            return False
    return True


class GeoJSONGeometry(fields.Field[BaseGeometry]):
    """A GeoJSON geometry object (lon/lat, EPSG:4326) loaded as a shapely geometry."""

    def __init__(self, *, types: tuple[str, ...] = POLYGONAL, **kwargs: Any) -> None:
        metadata = kwargs.pop("metadata", {})
        metadata.setdefault("description", f"GeoJSON geometry: {' or '.join(types)}, lon/lat")
        super().__init__(metadata=metadata, **kwargs)
        self.types = types

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> BaseGeometry:
        if not isinstance(value, dict) or "type" not in value or "coordinates" not in value:
            raise ValidationError(N_('Expected a GeoJSON geometry: {"type": …, "coordinates": …}.'))
        if value["type"] not in self.types:
            raise ValidationError(N_("The geometry must be one of {expected}, not {got}.",
                                     expected=", ".join(self.types), got=repr(value["type"])))
        if not _numbers_only(value["coordinates"]):
            raise ValidationError(N_("Coordinates must be numbers (not strings or booleans)."))
        try:
            geometry: BaseGeometry = shape(value)
        except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.ShapelyError):
            raise ValidationError(N_("The coordinates do not form a valid geometry.")) from None
        if geometry.is_empty:
            raise ValidationError(N_("The geometry is empty."))
        if shapely.get_num_coordinates(geometry) > MAX_VERTICES:
            raise ValidationError(N_("More than {max} vertices.", max=MAX_VERTICES))
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
