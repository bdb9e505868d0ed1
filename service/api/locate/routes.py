"""Locate points: which territory (and gazetteer areas) a point falls in."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
from flask import Response
from flask.views import MethodView
from numpy.typing import NDArray

from editorial.errors import N_
from geodata.index import NO_TERRITORY, TerritoryInfo
from geodata.locate import locate_point, locate_points
from service.api.common import Blueprint
from service.api.locate.schemas import (
    BulkLocateArgs,
    BulkLocationSchema,
    LocateArgs,
    LocationSchema,
)
from service.auth import current_actor
from service.errors import RequestError
from service.messages import localise
from service.runtime import reading, runtime

blp = Blueprint("locate", __name__, url_prefix="/api/locate",
                description="Which territory a point falls in.")

OUTSIDE = N_("This point is outside every territory.")
SWAPPED = N_("It would fall inside with longitude and latitude swapped: "
             "send [longitude, latitude].")


def _ref(info: TerritoryInfo) -> dict[str, Any]:
    return {"id": info.id, "slug": info.slug, "name": info.name, "kind": info.kind}


def points_array(points: list[Any]) -> NDArray[np.float64]:
    """Check ``[[lon, lat], …]`` as one array; report the first bad points by index."""
    try:
        array = np.asarray(points, dtype=np.float64)
    except (ValueError, TypeError):
        array = np.empty((0,))
    if array.ndim != 2 or array.shape[1] != 2:
        raise RequestError("request.invalid", "Each point must be [longitude, latitude].",
                           errors={"json": {"points": [
                               N_("Each point must be [longitude, latitude] numbers.")]}})
    bad = ~np.isfinite(array).all(axis=1) | (np.abs(array[:, 0]) > 180) | (
        np.abs(array[:, 1]) > 90)
    if bad.any():
        indices = np.nonzero(bad)[0][:20].tolist()
        raise RequestError(
            "request.invalid", "Some points are out of range.",
            errors={"json": {"points": {
                str(i): [N_("Longitude must be within ±180, latitude ±90.")] for i in indices}}},
        )
    return array


@blp.route("")
class Locate(MethodView):
    """Point in territory."""

    @blp.arguments(LocateArgs, location="query")
    @blp.response(200, LocationSchema)
    def get(self, args: dict[str, Any]) -> Response:
        """Locate one point: the deepest territory, its ancestors and the gazetteer areas.

        Border rule: a territory covers its boundary; when several cover the point, the deepest
        wins, then the smallest id (the oldest).
        """
        current_actor()
        with reading() as uow:
            found = locate_point(uow.session, runtime().territory_index, args["lon"], args["lat"])
        body = {
            "lon": found.lon, "lat": found.lat, "inside": found.territory is not None,
            "territory": _ref(found.territory) if found.territory else None,
            "ancestors": [_ref(a) for a in found.ancestors],
            "areas": [{"level": a.level, "code": a.code, "name": a.name} for a in found.areas],
            "message": None if found.territory else localise(OUTSIDE),
            "hint": localise(SWAPPED) if found.maybe_swapped else None,
        }
        # Plain JSON already (the schema documents it): single lookups are latency-bound.
        return Response(orjson.dumps(body), mimetype="application/json")

    @blp.arguments(BulkLocateArgs)
    @blp.response(200, BulkLocationSchema)
    def post(self, args: dict[str, Any]) -> Response:
        """Locate many points in one call (up to 200,000), same border rule as one point."""
        current_actor()
        array = points_array(args["points"])
        with reading() as uow:
            ids, named = locate_points(uow.session, runtime().territory_index,
                                       array[:, 0].copy(), array[:, 1].copy())
        outside = int((ids == NO_TERRITORY).sum())
        body = {
            "territory_ids": [i or None for i in ids.tolist()],
            "territories": {str(k): _ref(v) for k, v in named.items()},
            "located": len(ids) - outside, "outside": outside,
        }
        # Already plain JSON: skip a field-by-field dump of up to 200,000 ids.
        return Response(orjson.dumps(body), mimetype="application/json")
