"""The administrative gazetteer: search areas by name or code."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from geodata.gazetteer import AreaMatch, search_areas
from service.api.common import Blueprint
from service.api.gazetteer.schemas import AreaMatchSchema, GazetteerSearchArgs
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
