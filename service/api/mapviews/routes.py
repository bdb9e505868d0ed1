"""The map page's data: a territory's panel and coverage gaps, conflicts, campaign maps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask.views import MethodView

from geodata.amplification import ambassadors_layer
from geodata.conflicts import campaign_targets_map, conflict_pairs
from geodata.coverage import coverage_gaps
from geodata.features import tolerance_for_zoom
from geodata.panel import adaptations_by_territory, territory_panel
from regions.campaigns import get_campaign
from service.api.common import Blueprint
from service.api.mapviews.schemas import (
    AdaptationArgs,
    AdaptationCountSchema,
    AmbassadorsLayerArgs,
    AmbassadorsLayerSchema,
    CampaignMapSchema,
    ConflictArgs,
    ConflictCollectionSchema,
    GapsArgs,
    GapsSchema,
    PanelSchema,
)
from service.auth import current_actor
from service.runtime import reading, settings

blp = Blueprint("mapviews", __name__, url_prefix="/api",
                description="What the map page shows beside the tiles: panels, gaps, conflicts.")
CAMPAIGN_MAP_ZOOM = 8


@blp.route("/map/territories/<int:territory_id>/panel")
class TerritoryPanel(MethodView):
    """A territory's panel."""

    @blp.response(200, PanelSchema)
    def get(self, territory_id: int) -> dict[str, Any]:
        """Posts you may see in the territory by state, the latest, the adaptations due."""
        actor = current_actor()
        with reading() as uow:
            return territory_panel(uow.session, actor, territory_id, now=datetime.now(UTC))


@blp.route("/map/territories/<int:territory_id>/gaps")
class CoverageGaps(MethodView):
    """A territory's coverage gaps."""

    @blp.arguments(GapsArgs, location="query")
    @blp.response(200, GapsSchema)
    def get(self, args: dict[str, Any], territory_id: int) -> dict[str, Any]:
        """Gazetteer areas of the territory with no published post in the last `days` days."""
        actor = current_actor()
        with reading() as uow:
            return coverage_gaps(uow.session, actor, territory_id, days=args["days"],
                                 now=datetime.now(UTC), level=args.get("level"))


@blp.route("/map/conflicts")
class Conflicts(MethodView):
    """Audience conflicts as linked pairs."""

    @blp.arguments(ConflictArgs, location="query")
    @blp.response(200, ConflictCollectionSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Posts you may see whose audiences overlap at close times, as lines between them."""
        actor = current_actor()
        with reading() as uow:
            return conflict_pairs(uow.session, actor,
                                  window_hours=settings().conflict_window_hours, **args)


@blp.route("/map/adaptations")
class Adaptations(MethodView):
    """Campaign adaptations due and late, by territory."""

    @blp.arguments(AdaptationArgs, location="query")
    @blp.response(200, AdaptationCountSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Per territory you may follow: campaigns not adapted yet, due and late."""
        actor = current_actor()
        with reading() as uow:
            found = adaptations_by_territory(uow.session, actor, now=datetime.now(UTC),
                                             campaign_id=args.get("campaign_id"))
        return [{"territory_id": key, **value} for key, value in sorted(found.items())]


@blp.route("/campaigns/<int:campaign_id>/map")
class CampaignMap(MethodView):
    """A campaign's targets on a map."""

    @blp.response(200, CampaignMapSchema)
    def get(self, campaign_id: int) -> dict[str, Any]:
        """The campaign's target territories you may follow: adapted, pending or late."""
        actor = current_actor()
        with reading() as uow:
            get_campaign(uow.session, campaign_id)
            return campaign_targets_map(uow.session, actor, campaign_id, now=datetime.now(UTC),
                                        tolerance=tolerance_for_zoom(CAMPAIGN_MAP_ZOOM))


@blp.route("/map/ambassadors")
class AmbassadorsLayer(MethodView):
    """What ambassadors add, by territory."""

    @blp.arguments(AmbassadorsLayerArgs, location="query")
    @blp.response(200, AmbassadorsLayerSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """A point per territory whose ambassadors shared: their shares and clicks (GeoJSON)."""
        with reading() as uow:
            return ambassadors_layer(uow.session, current_actor(uow),
                                     campaign_id=args.get("campaign_id"))
