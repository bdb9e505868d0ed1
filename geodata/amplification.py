"""The map's ambassadors layer: shares and clicks of each territory's ambassadors, as points."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from regions import amplification
from regions.actors import Actor
from regions.models import Territory


def ambassadors_layer(session: Session, actor: Actor, *, campaign_id: int | None = None
                      ) -> dict[str, Any]:
    """A point inside each territory whose ambassadors shared, with its shares and clicks."""
    figures = amplification.summary(session, actor,
                                    amplification.Scope(campaign_id=campaign_id))
    rows = {row["territory_id"]: row for row in figures["by_territory"]}
    points = session.execute(
        select(Territory.id, func.ST_AsGeoJSON(func.ST_PointOnSurface(Territory.geom), 6))
        .where(Territory.id.in_(list(rows) or [0]), Territory.geom.is_not(None))
        .order_by(Territory.id))
    features = [{"type": "Feature", "id": territory_id, "geometry": json.loads(point),
                 "properties": rows[territory_id]} for territory_id, point in points]
    return {"type": "FeatureCollection", "features": features,
            "shares": figures["shares"], "clicks": figures["clicks"]}
