"""Where a post may be placed: membership of its territory, and its geotag inside it.

One place decides, so the dry run, the map of the post form and the submission agree: a
geotag is inside when the post's own territory covers it (a campaign's other targets do not
count: they belong to other regions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from geoalchemy2 import WKTElement
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial.errors import N_
from regions.actors import Actor
from regions.errors import InvalidInput, PermissionDenied
from regions.models import AdminArea, Territory


class TerritoryNotMember(PermissionDenied):
    """The actor writes in a territory it is not a member of."""

    code = "territory.not_member"


class GeotagOutsideTerritory(InvalidInput):
    """The post's point is not inside its territory."""

    code = "post.geotag_outside_territory"


@dataclass(frozen=True, slots=True)
class GeotagCheck:
    """A point accepted for a territory, with the gazetteer's name for it (if any)."""

    lon: float
    lat: float
    place_name: str | None


def require_territory(actor: Actor, territory_id: int) -> None:
    """Regional roles act only inside their territories (and descendants)."""
    if not actor.is_central and territory_id not in actor.territory_ids:
        raise TerritoryNotMember("You are not a member of this territory.",
                                 params={"territory_id": territory_id})


def point(lon: float, lat: float) -> WKTElement:
    """A WGS84 point as the database stores geotags."""
    return WKTElement(f"POINT({lon} {lat})", srid=4326)


def covers(geom: Any) -> Any:
    """The SQL test that a territory row's own shape covers the point (see geotag_inside)."""
    return func.ST_Covers(Territory.geom, geom)


def geotag_inside(session: Session, territory_id: int, geom: Any) -> bool:
    """Whether the territory's own shape covers the point: THE rule, for every path."""
    return bool(session.scalar(select(covers(geom)).where(Territory.id == territory_id)))


def refuse_outside(session: Session, territory_id: int, geom: Any) -> None:
    """Raise GeotagOutsideTerritory unless the point lies inside the territory."""
    if not geotag_inside(session, territory_id, geom):
        raise GeotagOutsideTerritory(
            "The geotag is outside the post's territory.",
            params={"territory_id": territory_id},
            errors={"geotag": [
                N_("Outside the territory: check the point (longitude, latitude).")]},
        )


def place_name_at(session: Session, geom: Any) -> str | None:
    """The name of the finest gazetteer area (e.g. the commune) containing the point."""
    return session.scalar(
        select(AdminArea.name).where(func.ST_Covers(AdminArea.geom, geom))
        .order_by(func.ST_Area(AdminArea.geom), AdminArea.code).limit(1))


def check_geotag(session: Session, actor: Actor, territory_id: int, lon: float, lat: float
                 ) -> GeotagCheck:
    """Check a point picked for a post of this territory, as the submission will.

    Raises TerritoryNotMember or GeotagOutsideTerritory (the submission's own error, so the
    person sees the same message on the map as on saving); returns the suggested place name.
    """
    require_territory(actor, territory_id)
    geom = point(lon, lat)
    refuse_outside(session, territory_id, geom)
    return GeotagCheck(lon, lat, place_name_at(session, geom))
