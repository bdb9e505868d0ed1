"""The layers Relais shares with GIS tools: territories, gazetteer areas and published posts.

One definition per layer serves both the OGC API – Features collections and the GeoPackage
export, so a layer has the same fields, types and rows wherever it is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, FromClause, true

from editorial.errors import N_, Text
from regions.models import AdminArea, Post, Territory
from regions.posts import PUBLIC_STATES

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@dataclass(frozen=True, slots=True)
class Field:
    """One attribute of a layer: its name, its column and its kind (integer, number, text…)."""

    name: str
    column: Any
    kind: str


@dataclass(frozen=True, slots=True)
class Layer:
    """A layer: where its rows come from, which rows everyone may read, and their fields."""

    id: str
    title: Text
    description: Text
    source: FromClause
    key: Any
    geometry: Any
    geometry_type: str
    fields: tuple[Field, ...]
    readable: ColumnElement[bool]
    temporal: Any = None  # the column the ``datetime`` filter applies to, if the layer has one


_posts_source = Post.__table__.join(Territory.__table__, Territory.id == Post.territory_id)

LAYERS: dict[str, Layer] = {
    layer.id: layer for layer in (
        Layer(
            id="territories",
            title=N_("Territories"),
            description=N_("The organisation's territories: group, regions and local areas."),
            source=Territory.__table__, key=Territory.id, geometry=Territory.geom,
            geometry_type="MultiPolygon",
            fields=(
                Field("id", Territory.id, "integer"),
                Field("slug", Territory.slug, "string"),
                Field("name", Territory.name, "string"),
                Field("kind", Territory.kind, "string"),
                Field("parent_id", Territory.parent_id, "integer"),
                Field("timezone", Territory.timezone, "string"),
                Field("geom_source", Territory.geom_source, "string"),
                Field("updated_at", Territory.updated_at, "datetime"),
            ),
            # Everyone signed in sees every territory, as GET /api/territories shows them.
            readable=true(),
        ),
        Layer(
            id="areas",
            title=N_("Gazetteer areas"),
            description=N_("Administrative areas imported from boundary files (régions, "
                           "départements, communes…)."),
            source=AdminArea.__table__, key=AdminArea.id, geometry=AdminArea.geom,
            geometry_type="MultiPolygon",
            fields=(
                Field("id", AdminArea.id, "integer"),
                Field("level", AdminArea.level, "string"),
                Field("code", AdminArea.code, "string"),
                Field("name", AdminArea.name, "string"),
                Field("parent_id", AdminArea.parent_id, "integer"),
                Field("source", AdminArea.source, "string"),
                Field("updated_at", AdminArea.updated_at, "datetime"),
            ),
            readable=true(),  # as GET /api/gazetteer: every signed-in user
        ),
        Layer(
            id="posts",
            title=N_("Published posts"),
            description=N_("Posts published to the regions' Facebook Pages, where they were "
                           "geotagged."),
            source=_posts_source, key=Post.id, geometry=Post.geom, geometry_type="Point",
            fields=(
                Field("id", Post.id, "integer"),
                Field("territory_id", Post.territory_id, "integer"),
                Field("territory", Territory.slug, "string"),
                Field("territory_name", Territory.name, "string"),
                Field("campaign_id", Post.campaign_id, "integer"),
                Field("text", Post.text, "string"),
                Field("link", Post.link, "string"),
                Field("place_name", Post.place_name, "string"),
                Field("audience_radius_km", Post.audience_radius_km, "number"),
                Field("permalink", Post.permalink, "string"),
                Field("published_at", Post.published_at, "datetime"),
            ),
            # Published posts are public to every role (regions.posts.can_see); drafts and
            # posts under review never leave the API, whoever asks.
            readable=Post.status.in_(PUBLIC_STATES),
            temporal=Post.published_at,
        ),
    )
}


def layer_named(name: str) -> Layer | None:
    """The layer called ``name``, or None."""
    return LAYERS.get(name)
