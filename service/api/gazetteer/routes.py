"""The administrative gazetteer: search areas by name or code."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from geodata.gazetteer import AreaListing, AreaMatch, list_areas, search_areas
from service.api.common import Blueprint
from service.api.gazetteer.schemas import (
    AreaListArgs,
    AreaListingSchema,
    AreaMatchSchema,
    GazetteerSearchArgs,
)
from service.auth import current_actor
from service.runtime import reading

blp = Blueprint("gazetteer", __name__, url_prefix="/api/gazetteer",
                description="Administrative areas imported from boundary files.")


@blp.route("")
class Gazetteer(MethodView):
    """Search."""

    @blp.arguments(GazetteerSearchArgs, location="query")
    @blp.response(200, AreaMatchSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[AreaMatch]:
        """Find areas by name or code ('ile de france' finds Île-de-France), best first."""
        current_actor()
        with reading() as uow:
            return search_areas(uow.session, args["q"], level=args.get("level"),
                                limit=args["limit"])


@blp.route("/areas")
class Areas(MethodView):
    """Listing."""

    @blp.arguments(AreaListArgs, location="query")
    @blp.response(200, AreaListingSchema(many=True))
    @blp.paginate(page_size=100, max_page_size=1000)
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> list[AreaListing]:
        """List areas by level and parent (id, or code), ordered by level and code, paginated.

        ``?level=commune&parent_code=69`` lists the communes of the Rhône; each area says which
        territory is made of it alone, if any.
        """
        current_actor()
        with reading() as uow:
            areas, total = list_areas(
                uow.session, level=args.get("level"), parent_id=args.get("parent_id"),
                parent_code=args.get("parent_code"), parent_level=args.get("parent_level"),
                offset=pagination_parameters.first_item, limit=pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return areas
