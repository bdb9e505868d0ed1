"""Admin settings: the longest API token lifetime, and whether authors may self-approve."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask.views import MethodView

from regions import site
from service.api.common import Blueprint
from service.api.settings.schemas import SiteSettingsArgs, SiteSettingsSchema
from service.auth import current_actor
from service.runtime import unit_of_work

blp = Blueprint("settings", __name__, url_prefix="/api",
                description="Settings an admin changes at run time.")


@blp.route("/settings")
class SiteSettings(MethodView):
    """The admin settings."""

    @blp.response(200, SiteSettingsSchema)
    def get(self) -> dict[str, Any]:
        """Read the admin settings (admins)."""
        actor = current_actor()
        with unit_of_work() as uow:
            return asdict(site.read_settings(uow, actor))

    @blp.arguments(SiteSettingsArgs)
    @blp.response(200, SiteSettingsSchema)
    def patch(self, args: dict[str, Any]) -> dict[str, Any]:
        """Change admin settings (admins); a lower token maximum shortens live tokens."""
        actor = current_actor()
        with unit_of_work() as uow:
            changed = site.update_settings(uow, actor, **args)
            uow.commit()
            return asdict(changed)
