"""Locate points: which territory (and gazetteer areas) a point falls in."""

from __future__ import annotations

from itertools import chain
from typing import Any

import numpy as np
from flask import Response
from flask.views import MethodView
from numpy.typing import NDArray

from editorial.errors import N_
from geodata.index import NO_TERRITORY, TerritoryInfo
from geodata.locate import BulkLocation, locate_point_later, locate_points
from service.api.common import Blueprint, json_response
from service.api.locate.schemas import (
    BulkIncludeArgs,
    BulkLocateArgs,
    BulkLocationSchema,
    LocateArgs,
    LocationSchema,
)
from service.auth import current_actor
from service.errors import RequestError
from service.messages import localise
from service.runtime import driver_reading, reading, runtime

blp = Blueprint("locate", __name__, url_prefix="/api/locate",
                description="Which territory a point falls in.")

OUTSIDE = N_("This point is outside every territory.")
SWAPPED = N_("It would fall inside with longitude and latitude swapped: "
             "send [longitude, latitude].")


def _ref(info: TerritoryInfo) -> dict[str, Any]:
    return {"id": info.id, "slug": info.slug, "name": info.name, "kind": info.kind,
            "parent_id": info.parent_id}


def points_array(points: list[Any]) -> NDArray[np.float64]:
    """Check ``[[lon, lat], …]`` as one array; report the first bad points by index.

    Strict: only JSON numbers are coordinates (not ``true``, not ``"4.8"``).
    """
    try:
        kinds = set(map(type, chain.from_iterable(points)))
    except TypeError:  # a point that is a number or null, not a pair
        kinds = {type(None)}
    try:
        array = np.asarray(points, dtype=np.float64) if kinds <= NUMBERS else np.empty((0,))
    except (ValueError, TypeError):
        array = np.empty((0,))
    if array.ndim != 2 or array.shape[1] != 2:
        raise RequestError("request.invalid", "Each point must be [longitude, latitude].",
                           errors={"json": {"points": _not_pairs(points)}})
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


NUMBERS = {int, float}
NOT_A_PAIR = N_("Each point must be [longitude, latitude] numbers.")


def _not_pairs(points: list[Any]) -> dict[str, list[str]]:
    """The first points that are not two numbers (booleans and strings are not numbers)."""
    bad = [i for i, point in enumerate(points)
           if not (isinstance(point, list) and len(point) == 2
                   and all(type(value) in NUMBERS for value in point))]
    return {str(i): [NOT_A_PAIR] for i in bad[:20]} or {"_schema": [NOT_A_PAIR]}


@blp.route("")
class Locate(MethodView):
    """Point in territory."""

    @blp.arguments(LocateArgs, location="query")
    @blp.response(200, LocationSchema)
    def get(self, args: dict[str, Any]) -> Response:
        """Locate one point: the deepest territory, its chain of ancestors and the areas.

        Border rule: a territory covers its boundary; when several cover the point, the deepest
        wins, then the smallest id (the oldest). ``include`` chooses what to add (default:
        ancestors and areas).
        """
        include = set(args["include"])
        with driver_reading() as unit:  # one pooled connection, no ORM session, no transaction
            # Hot path: the lookup's read is queued first, then sent with the token's lookup
            # as one statement. The token is still checked on every request; an
            # unauthenticated caller's lookup is simply never sent.
            answer = locate_point_later(unit, runtime().territory_index, args["lon"],
                                        args["lat"], with_areas="areas" in include)
            current_actor(unit, scope=False)  # any user may locate: territories unused
            found = answer()
        body: dict[str, Any] = {
            "lon": found.lon, "lat": found.lat, "inside": found.territory is not None,
            "territory": _ref(found.territory) if found.territory else None,
        }
        if "ancestors" in include:
            body["ancestors"] = [_ref(a) for a in found.ancestors]
            body["chain"] = [{"id": t.id, "slug": t.slug} for t in (
                [found.territory, *found.ancestors] if found.territory else [])]
        if "areas" in include:
            body["areas"] = [{"level": a.level, "code": a.code, "name": a.name}
                             for a in found.areas]
        body["message"] = None if found.territory else localise(OUTSIDE)
        body["hint"] = localise(SWAPPED) if found.maybe_swapped else None
        # Plain JSON already (the schema documents it): single lookups are latency-bound.
        return json_response(body)

    @blp.arguments(BulkLocateArgs)
    @blp.arguments(BulkIncludeArgs, location="query", as_kwargs=True)
    @blp.response(200, BulkLocationSchema)
    def post(self, args: dict[str, Any], include: list[str]) -> Response:
        """Locate many points in one call (up to 200,000), same border rule as one point.

        ``?include=ancestors,areas`` adds each territory's chain and, per level, the gazetteer
        area of each point. Points outside that would be inside with longitude and latitude
        exchanged are listed in ``swapped``.
        """
        current_actor(scope=False)
        array = points_array(args["points"])
        with reading() as uow:
            found = locate_points(uow.session, runtime().territory_index,
                                  array[:, 0].copy(), array[:, 1].copy(),
                                  with_ancestors="ancestors" in include,
                                  with_areas="areas" in include)
        # Already plain JSON: skip a field-by-field dump of up to 200,000 ids.
        return json_response(_bulk_body(found, include))


def _bulk_body(found: BulkLocation, include: list[str]) -> dict[str, Any]:
    outside = int((found.ids == NO_TERRITORY).sum())
    territories = {str(k): _ref(v) for k, v in found.territories.items()}
    for territory_id, chain_ids in found.chains.items():
        territories[str(territory_id)]["chain"] = [
            {"id": i, "slug": found.territories[i].slug} for i in chain_ids]
    body: dict[str, Any] = {
        "territory_ids": [i or None for i in found.ids.tolist()], "territories": territories,
        "located": len(found.ids) - outside, "outside": outside,
        "swapped": found.swapped.tolist(), "swapped_count": found.swapped_count,
        "hint": localise(SWAPPED) if found.swapped_count else None,
    }
    if "areas" in include:
        infos = found.area_infos
        body["areas"] = {level: [infos[i].code if i else None for i in ids.tolist()]
                         for level, ids in found.areas.items()}
        body["area_names"] = {level: {infos[i].code: infos[i].name for i in set(ids.tolist()) if i}
                              for level, ids in found.areas.items()}
    return body
