"""Map data from PostGIS: territories shaded by activity, posts as vector tiles."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView

from geodata.activity import post_tile, territory_activity
from geodata.features import tolerance_for_zoom
from regions.errors import NotFound
from regions.models import PostStatus
from service.api.common import Blueprint
from service.api.map.schemas import ActivityArgs, TileArgs
from service.api.territories.schemas import FeatureCollectionSchema
from service.auth import current_actor
from service.runtime import reading

blp = Blueprint("map", __name__, url_prefix="/api/map",
                description="Data for the map of regional activity.")
MVT = "application/vnd.mapbox-vector-tile"


@blp.route("/activity")
class Activity(MethodView):
    """Territories shaded by activity."""

    @blp.arguments(ActivityArgs, location="query")
    @blp.response(200, FeatureCollectionSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Territories with the posts you may see, counted by state, for a period."""
        actor = current_actor()
        tolerance = tolerance_for_zoom(args["zoom"]) if "zoom" in args else None
        with reading() as uow:
            return territory_activity(uow.session, actor, since=args.get("since"),
                                      until=args.get("until"), tolerance=tolerance,
                                      parent_id=args.get("parent_id"))


@blp.route("/posts/<int:z>/<int:x>/<int:y>.mvt")
class PostTiles(MethodView):
    """Geotagged posts as vector tiles."""

    @blp.arguments(TileArgs, location="query")
    @blp.response(200, content_type=MVT)
    def get(self, args: dict[str, Any], z: int, x: int, y: int) -> Response:
        """One web-mercator tile (layer `posts`: id, territory_id, status, place)."""
        actor = current_actor()
        if z > 22 or x >= 2**z or y >= 2**z:
            raise NotFound(f"No tile {z}/{x}/{y}.", params={"kind": "tile"})
        statuses = [PostStatus(s) for s in args.get("status", [])]
        with reading() as uow:
            tile = post_tile(uow.session, actor, z, x, y, statuses=statuses)
        return Response(tile, mimetype=MVT, headers={"Cache-Control": "private, max-age=30"})
