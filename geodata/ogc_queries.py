"""The SQL behind the OGC API – Features collections: pages of GeoJSON, counts and extents.

Each feature is serialised by PostGIS itself (``json_build_object`` + ``ST_AsGeoJSON``), so a
page of 10,000 features is one query and a string join, never a round trip through Python
dictionaries. The bounding box filter is ``ST_Intersects`` with an envelope, which PostGIS
answers with the GiST index (``&&``) before the exact test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.orm import Session

from geodata.features import COORDINATE_DECIMALS
from geodata.layers import Layer

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000

BBox = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class FeatureQuery:
    """Which features of a collection, and which page of them (offset paging, by id)."""

    bbox: BBox | None = None
    start: datetime | None = None  # a closed interval; None is open-ended
    end: datetime | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0


@dataclass(frozen=True, slots=True)
class FeaturePage:
    """One page of features, each already a GeoJSON Feature text, and how many match in all."""

    features: list[str]
    number_matched: int


@dataclass(frozen=True, slots=True)
class Extent:
    """Where and when a collection's readable features lie (None when it has none)."""

    bbox: BBox | None
    start: datetime | None
    end: datetime | None


def _envelope(west: float, south: float, east: float, north: float) -> Any:
    return func.ST_MakeEnvelope(west, south, east, north, 4326)


def _bbox_condition(geometry: Any, bbox: BBox) -> Any:
    west, south, east, north = bbox
    if west <= east:
        return func.ST_Intersects(geometry, _envelope(west, south, east, north))
    # A box across the antimeridian (OGC API allows west > east): two boxes.
    return or_(func.ST_Intersects(geometry, _envelope(west, south, 180, north)),
               func.ST_Intersects(geometry, _envelope(-180, south, east, north)))


def _conditions(layer: Layer, query: FeatureQuery) -> list[Any]:
    conditions = [layer.readable]
    if query.bbox is not None:
        conditions.append(_bbox_condition(layer.geometry, query.bbox))
    if layer.temporal is not None and (query.start or query.end):
        conditions.append(layer.temporal.is_not(None))
        if query.start is not None:
            conditions.append(layer.temporal >= query.start)
        if query.end is not None:
            conditions.append(layer.temporal <= query.end)
    return conditions


def _feature_json(layer: Layer) -> Any:
    """One feature as GeoJSON text, built in PostGIS (RFC 7946: outer rings counter-clockwise)."""
    properties: list[Any] = []
    for field in layer.fields:
        properties += [literal(field.name), field.column]
    geometry = func.ST_AsGeoJSON(func.ST_ForcePolygonCCW(layer.geometry), COORDINATE_DECIMALS)
    return cast(func.json_build_object(
        literal("type"), literal("Feature"), literal("id"), layer.key,
        literal("geometry"), cast(geometry, JSON),
        literal("properties"), func.json_build_object(*properties),
    ), Text)


def feature_page(session: Session, layer: Layer, query: FeatureQuery) -> FeaturePage:
    """A page of the layer's readable features matching ``query``, in id order."""
    conditions = _conditions(layer, query)
    rows = session.scalars(
        select(_feature_json(layer)).select_from(layer.source).where(*conditions)
        .order_by(layer.key).limit(max(1, min(query.limit, MAX_LIMIT)))
        .offset(max(0, query.offset))
    )
    features = list(rows)
    if query.offset == 0 and len(features) < query.limit:
        matched = len(features)  # the whole result fits on this page: no need to count
    else:
        matched = session.scalar(
            select(func.count()).select_from(layer.source).where(*conditions)) or 0
    return FeaturePage(features=features, number_matched=matched)


def one_feature(session: Session, layer: Layer, feature_id: int) -> str | None:
    """One readable feature as GeoJSON text, or None if there is none with this id."""
    return session.scalar(
        select(_feature_json(layer)).select_from(layer.source)
        .where(layer.readable, layer.key == feature_id)
    )


def extent(session: Session, layer: Layer) -> Extent:
    """The bounding box of the layer's readable features, and its time span if it has one."""
    box = func.ST_Extent(layer.geometry)
    columns = [func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box)]
    if layer.temporal is not None:
        columns += [func.min(layer.temporal), func.max(layer.temporal)]
    row = session.execute(select(*columns).select_from(layer.source).where(layer.readable)).one()
    bbox = None if row[0] is None else (float(row[0]), float(row[1]), float(row[2]),
                                        float(row[3]))
    start, end = (row[4], row[5]) if layer.temporal is not None else (None, None)
    return Extent(bbox=bbox, start=start, end=end)
