"""Liveness and readiness probes."""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import text

from regions import migrate
from service.api.common import Blueprint
from service.api.health.schemas import AliveSchema, ReadySchema
from service.errors import error_response
from service.runtime import runtime

blp = Blueprint("health", __name__, url_prefix="", description="Liveness and readiness.")


@blp.route("/healthz")
class Health(MethodView):
    """The process is alive."""

    @blp.doc(security=[])
    @blp.response(200, AliveSchema)
    def get(self) -> dict[str, str]:
        """The process answers: it is alive."""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    """The service can serve requests."""

    @blp.doc(security=[])
    @blp.response(200, ReadySchema)
    def get(self) -> object:
        """The database answers and its schema is at the newest migration."""
        state = runtime()
        with state.session_factory() as session:
            session.execute(text("SELECT 1"))
            engine = session.get_bind().engine  # an Engine's .engine is itself
        current, head = migrate.current_revision(engine), migrate.head_revision()
        if current != head:
            return error_response(
                503, "database.not_migrated",
                params={"current": current, "head": head},
                errors={"migration": {"current": current, "head": head}},
            )
        return {"status": "ready", "migration": current}
