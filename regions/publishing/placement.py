"""Where a post speaks: its Facebook place tag and the geo targeting of its local audience.

The place tag is the nearest known Facebook place of the post's territory whose radius covers
the geotag, else the Page's own place, else none. The local audience (a radius around the
geotag, or gazetteer areas) becomes one ``custom_locations`` circle, sent both as ``targeting``
(who may see the post) and ``feed_targeting`` (whose feeds should favour it).
"""

from __future__ import annotations

from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import cast, func, select
from sqlalchemy.orm import Session

from regions.models import PageConnection, Post
from regions.models.publishing import FacebookPlace

# Facebook accepts custom-location radii of about 1 to 80 km.
MIN_RADIUS_KM = 1.0
MAX_RADIUS_KM = 80.0


def place_for(session: Session, post: Post, connection: PageConnection) -> str | None:
    """The Facebook place id to tag the post with, when one is known."""
    if post.geom is not None:
        distance = func.ST_Distance(cast(FacebookPlace.geom, Geography), cast(Post.geom, Geography))
        nearest = session.scalar(
            select(FacebookPlace.place_id)
            .join(Post, Post.id == post.id)
            .where(FacebookPlace.territory_id == post.territory_id,
                   distance <= FacebookPlace.radius_m)
            .order_by(distance, FacebookPlace.id)
            .limit(1)
        )
        if nearest is not None:
            return nearest
    return connection.place_id


def audience_circle(session: Session, post: Post) -> tuple[float, float, float] | None:
    """The local audience as (lat, lon, radius km): a radius, or the circle around the areas."""
    if post.geom is not None and post.audience_radius_km is not None:
        lon, lat = session.execute(
            select(func.ST_X(Post.geom), func.ST_Y(Post.geom)).where(Post.id == post.id)).one()
        return float(lat), float(lon), float(post.audience_radius_km)
    if post.audience_geom is not None:
        center = func.ST_PointOnSurface(Post.audience_geom)
        reach = func.ST_Length(cast(func.ST_LongestLine(center, Post.audience_geom), Geography))
        lon, lat, metres = session.execute(
            select(func.ST_X(center), func.ST_Y(center), reach).where(Post.id == post.id)).one()
        return float(lat), float(lon), float(metres) / 1000
    return None


def targeting_for(lat: float, lon: float, radius_km: float) -> dict[str, Any]:
    """A Graph ``geo_locations`` object for one circle, its radius clamped to Facebook's range."""
    radius = round(min(max(radius_km, MIN_RADIUS_KM), MAX_RADIUS_KM), 1)
    circle = {"latitude": round(lat, 6), "longitude": round(lon, 6), "radius": radius,
              "distance_unit": "kilometer"}
    return {"geo_locations": {"custom_locations": [circle]}}
