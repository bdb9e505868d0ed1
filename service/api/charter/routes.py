"""The group's social-media charter: versioned rules every template inherits."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from regions import standards
from regions.models import CharterVersion
from service.api.charter.schemas import CharterArgs, CharterSchema
from service.api.common import Blueprint
from service.auth import current_actor
from service.runtime import unit_of_work

blp = Blueprint("charter", __name__, url_prefix="/api/charter",
                description="The social-media charter every template inherits.")
NO_CHARTER = {"number": 0, "created_at": None, "created_by": None,
              "data": {"version": 0, "rules": []}}


def _charter(row: CharterVersion) -> dict[str, Any]:
    return {"number": row.number, "created_at": row.created_at, "created_by": row.created_by,
            "data": row.data}


@blp.route("")
class Charter(MethodView):
    """The current charter."""

    @blp.response(200, CharterSchema)
    def get(self) -> dict[str, Any]:
        """The current charter version (number 0, no rules, until the desk writes one)."""
        current_actor()
        with unit_of_work() as uow:
            row = standards.current_charter(uow.session)
            return _charter(row) if row is not None else NO_CHARTER

    @blp.arguments(CharterArgs)
    @blp.response(200, CharterSchema)
    def put(self, args: dict[str, Any]) -> dict[str, Any]:
        """Write the next charter version (central desk); earlier versions stay as they were."""
        actor = current_actor()
        with unit_of_work() as uow:
            row = standards.update_charter(uow, actor, args)
            uow.commit()
            return _charter(row)


@blp.route("/versions/<int:number>")
class CharterVersionByNumber(MethodView):
    """One charter version."""

    @blp.response(200, CharterSchema)
    def get(self, number: int) -> dict[str, Any]:
        """A charter version, as it was written."""
        current_actor()
        with unit_of_work() as uow:
            return _charter(standards.get_charter_version(uow.session, number))
