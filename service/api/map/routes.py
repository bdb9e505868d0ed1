"""Map data from PostGIS: territories shaded by activity, posts as vector tiles."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask.views import MethodView

from geodata.activity import (
    ACTIVITY_SOURCES,
    POSTS_MARKER,
    change_marker,
    post_tile,
    territory_activity,
)
from geodata.features import tolerance_for_zoom
from regions.db import read_later
from regions.errors import NotFound
from regions.models import PostStatus
from service.api.common import Blueprint
from service.api.map.caching import (
    cache_headers,
    known_counter,
    make_etag,
    not_modified,
    scope_key,
)
from service.api.map.schemas import ActivityArgs, TileArgs
from service.api.map.tilecache import TileCache
from service.api.territories.schemas import FeatureCollectionSchema
from service.auth import current_actor
from service.runtime import driver_reading, reading, settings

blp = Blueprint("map", __name__, url_prefix="/api/map",
                description="Data for the map of regional activity.")
MVT = "application/vnd.mapbox-vector-tile"
CONDITIONAL = ("Conditional GET: the answer carries an `ETag` (it changes when posts or "
               "territories change, and differs by the caller's role and territories) and "
               "`Cache-Control: private, no-cache`; send it back in `If-None-Match` to get a "
               "304 while your copy is current.")


def tile_cache() -> TileCache | None:
    """The worker's cache of post tiles (``RELAIS_TILE_CACHE_MB``; None when 0)."""
    if "relais_tiles" not in current_app.extensions:
        budget = settings().tile_cache_mb * 1024 * 1024
        current_app.extensions["relais_tiles"] = TileCache(budget) if budget else None
    cache: TileCache | None = current_app.extensions["relais_tiles"]
    return cache


@blp.route("/activity")
class Activity(MethodView):
    """Territories shaded by activity."""

    @blp.arguments(ActivityArgs, location="query")
    @blp.response(200, FeatureCollectionSchema, description=CONDITIONAL)
    @blp.alt_response(304, description="Your copy (If-None-Match) is current.")
    def get(self, args: dict[str, Any]) -> Any:
        """Territories with the posts you may see, counted by state, for a period.

        With `zoom`, shapes are simplified to a screen pixel at that zoom and their
        coordinates rounded to match.
        """
        actor = current_actor()
        scope = scope_key("a", actor, args)
        tolerance = tolerance_for_zoom(args["zoom"]) if "zoom" in args else None
        with reading() as uow:
            marker = change_marker(uow.session, ACTIVITY_SOURCES)
            etag = make_etag("a", marker, scope)
            if known_counter("a", scope) == marker:
                return not_modified(etag)
            data = territory_activity(uow.session, actor, since=args.get("since"),
                                      until=args.get("until"), tolerance=tolerance,
                                      parent_id=args.get("parent_id"))
        return data, 200, cache_headers(etag)


@blp.route("/posts/<int:z>/<int:x>/<int:y>.mvt")
class PostTiles(MethodView):
    """Geotagged posts as vector tiles."""

    @blp.arguments(TileArgs, location="query")
    @blp.response(200, content_type=MVT, description=CONDITIONAL)
    @blp.alt_response(304, description="Your copy (If-None-Match) is current.")
    def get(self, args: dict[str, Any], z: int, x: int, y: int) -> Response:
        """One web-mercator tile of the posts you may see (layer `posts`).

        Up to zoom 8 (`CLUSTER_MAX_ZOOM`) the features are clusters, one per cell of a 32 × 32
        grid over the tile, placed at their members' mean position: `count` (posts in the
        cell), `status` (the most urgent of their states: failed, changes_requested,
        submitted, approved, scheduled, draft, published, then the others),
        `territory_id` (when all share one) and, when the cluster is a single post, `id` and
        `place`. From zoom 9 to 12, a tile where you may see more than 256 posts holds
        clusters too, on a coarser grid (16 × 16 at zoom 9, 8 × 8 at 10, 4 × 4 at 11,
        2 × 2 at 12); otherwise, and always beyond zoom 12, one feature per post: `id`,
        `territory_id`, `status`, `place`.
        """
        with driver_reading() as unit:  # one pooled connection, no ORM session
            # The posts' counter rides with the token's lookup (one statement): a copy that is
            # current, the caller's (304) or ours, is answered without a second round trip.
            marker = read_later(unit, POSTS_MARKER, {}, one_row=True)
            actor = current_actor(unit)
            if z > 22 or x >= 2**z or y >= 2**z:
                raise NotFound(f"No tile {z}/{x}/{y}.", params={"kind": "tile"})
            statuses = [PostStatus(s) for s in args.get("status", [])]
            scope = scope_key("t", actor, {"status": ",".join(sorted(statuses))})
            known = known_counter("t", scope)
            theirs = int(known) if known and known.isdigit() else None
            cache, key = tile_cache(), (scope, z, x, y)
            ours = cache.get(key) if cache else None
            rows = marker()
            counter = int(rows[0][0]) if rows else None
            held = tuple(c for c in (theirs, ours and ours[0]) if c is not None)
            tile = None  # a copy held, the caller's (304) or ours, is current
            if counter is None or counter not in held:
                # Built in its own snapshot: the tile and the counter it carries agree.
                counter, tile = post_tile(unit, actor, z, x, y, statuses=statuses, known=held)
                if tile is not None and cache:
                    cache.put(key, counter, tile)
        etag = make_etag("t", counter, scope)
        if tile is None:
            if counter == theirs:
                return not_modified(etag)
            tile = ours[1] if ours else b""  # our copy is current
        return Response(tile, mimetype=MVT, headers=cache_headers(etag))
