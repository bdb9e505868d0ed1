"""Territories: the hierarchy, drawn or composed shapes, and their teams."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask.views import MethodView
from flask_babel import format_decimal

from editorial.errors import N_
from geodata.features import composed_from, territory_features, tolerance_for_zoom
from regions import accounts, rollout, teams, territories
from regions.models import Role
from regions.territories import AreaSelection, ShapeReport
from service.api.common import Blueprint
from service.api.territories.schemas import (
    FeatureCollectionSchema,
    FeatureSchema,
    MemberArgs,
    MemberSchema,
    RolloutArgs,
    RolloutReportSchema,
    SimplifyArgs,
    TerritoryCreateArgs,
    TerritoryListArgs,
    TerritoryUpdateArgs,
    TerritoryWithReportSchema,
)
from service.auth import current_actor
from service.messages import localise
from service.runtime import settings, unit_of_work

blp = Blueprint("territories", __name__, url_prefix="/api/territories",
                description="Territories: hierarchy, shapes and teams.")


def _tolerance(args: dict[str, Any]) -> float | None:
    if "tolerance" in args:
        return float(args["tolerance"])
    return tolerance_for_zoom(args["zoom"]) if "zoom" in args else None


def _shape_args(args: dict[str, Any]) -> dict[str, Any]:
    areas = args.get("areas")
    return {
        "shape": args.get("geometry"),
        "areas": AreaSelection(areas["level"], tuple(areas["codes"])) if areas else None,
        "allow_overlaps": settings().allow_territory_overlaps,
    }


def _feature_with_report(uow: Any, territory_id: int, report: ShapeReport) -> dict[str, Any]:
    feature = territory_features(uow.session, ids=[territory_id])[0]
    feature["properties"]["areas"] = composed_from(uow.session, territory_id)
    return {**feature, "report": asdict(report)}


@blp.route("")
class Territories(MethodView):
    """All territories."""

    @blp.arguments(TerritoryListArgs, location="query")
    @blp.response(200, FeatureCollectionSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Territories as a GeoJSON FeatureCollection, filtered and simplified on demand."""
        current_actor()
        with unit_of_work() as uow:
            features = territory_features(
                uow.session, parent_id=args.get("parent_id"), kind=args.get("kind"),
                tolerance=_tolerance(args),
            )
        return {"type": "FeatureCollection", "features": features}

    @blp.arguments(TerritoryCreateArgs)
    @blp.response(201, TerritoryWithReportSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Create a territory: drawn (GeoJSON) or composed of gazetteer areas (central desk)."""
        actor = current_actor()
        with unit_of_work() as uow:
            territory, report = territories.create_territory(
                uow, actor, name=args["name"], slug=args.get("slug"), kind=args["kind"],
                parent_id=args["parent_id"], timezone=args["timezone"], **_shape_args(args),
            )
            uow.commit()
            return _feature_with_report(uow, territory.id, report)


def rollout_message(report: rollout.RolloutReport, dry_run: bool) -> str:
    """One sentence saying what the roll-out did (or would do), in the request's language."""
    if not report.changed_anything:
        return str(localise(N_("Nothing to do: the {areas} {level} areas already have their "
                               "territories.", areas=format_decimal(report.areas),
                               level=report.level)))
    # Thousands of communes at once: « 34 965 », "34,965" as the language groups them.
    counts = {name: format_decimal(count) for name, count in (
        ("created", report.created), ("parents", report.parents_created),
        ("moved", report.moved), ("reshaped", report.reshaped), ("unchanged", report.unchanged))}
    if dry_run:
        return str(localise(N_("Dry run, nothing changed: {created} territories would be "
                               "created (and {parents} for parent areas), {moved} moved, "
                               "{reshaped} reshaped; {unchanged} unchanged.", **counts)))
    return str(localise(N_("{created} territories created (and {parents} for parent areas), "
                           "{moved} moved, {reshaped} reshaped; {unchanged} unchanged.",
                           **counts)))


@blp.route("/from-areas")
class FromAreas(MethodView):
    """Roll-out from the gazetteer."""

    @blp.arguments(RolloutArgs)
    @blp.response(200, RolloutReportSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Make one territory per gazetteer area, nested like the areas (central desk).

        Idempotent (a second call changes nothing and says so) and all or nothing. Existing
        territories made of one area alone are found again: moved under their new parent if it
        differs, reshaped if the area changed since.
        """
        actor = current_actor()
        with unit_of_work() as uow:
            report = rollout.roll_out_territories(
                uow, actor, level=args["level"], parent_level=args.get("parent_level"),
                under=args.get("under"), codes=args.get("codes"), timezone=args["timezone"])
            if not args["dry_run"]:
                uow.commit()
        return {**asdict(report), "changed": report.changed_anything,
                "dry_run": args["dry_run"], "message": rollout_message(report, args["dry_run"])}


@blp.route("/<int:territory_id>")
class TerritoryById(MethodView):
    """One territory."""

    @blp.arguments(SimplifyArgs, location="query")
    @blp.response(200, FeatureSchema)
    def get(self, args: dict[str, Any], territory_id: int) -> dict[str, Any]:
        """A territory as a GeoJSON Feature, simplified by zoom or tolerance if asked."""
        current_actor()
        with unit_of_work() as uow:
            territories.get_territory(uow.session, territory_id)
            feature = territory_features(uow.session, ids=[territory_id],
                                         tolerance=_tolerance(args))[0]
            feature["properties"]["areas"] = composed_from(uow.session, territory_id)
            return feature

    @blp.arguments(TerritoryUpdateArgs)
    @blp.response(200, TerritoryWithReportSchema)
    def patch(self, args: dict[str, Any], territory_id: int) -> dict[str, Any]:
        """Change a territory (central desk); send the ``version`` you loaded."""
        actor = current_actor()
        changes = {k: v for k, v in args.items()
                   if k in ("name", "slug", "kind", "parent_id", "timezone")}
        with unit_of_work() as uow:
            territory, report = territories.update_territory(
                uow, actor, territory_id, expected_version=args["version"], changes=changes,
                **_shape_args(args),
            )
            uow.commit()
            return _feature_with_report(uow, territory.id, report)

    @blp.response(204)
    def delete(self, territory_id: int) -> None:
        """Delete a territory without sub-territories or members (central desk)."""
        actor = current_actor()
        with unit_of_work() as uow:
            territories.delete_territory(uow, actor, territory_id)
            uow.commit()


@blp.route("/<int:territory_id>/members")
class Members(MethodView):
    """A territory's team."""

    @blp.response(200, MemberSchema(many=True))
    def get(self, territory_id: int) -> list[dict[str, Any]]:
        """The territory's direct members (central desk, or members of the territory)."""
        actor = current_actor()
        if not actor.is_central and territory_id not in actor.territory_ids:
            actor.require(Role.ADMIN, Role.CENTRAL_EDITOR)
        with unit_of_work() as uow:
            territories.get_territory(uow.session, territory_id)
            return [{"user_id": user.id, "email": user.email, "display_name": user.display_name,
                     "role": membership.role.value}
                    for membership, user in teams.list_members(uow.session, territory_id)]

    @blp.arguments(MemberArgs)
    @blp.response(201, MemberSchema)
    def post(self, args: dict[str, Any], territory_id: int) -> dict[str, Any]:
        """Add a user to the territory's team (admins)."""
        actor = current_actor()
        with unit_of_work() as uow:
            territories.get_territory(uow.session, territory_id)
            user = accounts.get_user(uow, args["user_id"])
            membership = teams.add_member(uow, actor, user, territory_id)
            uow.commit()
            return {"user_id": user.id, "email": user.email, "display_name": user.display_name,
                    "role": membership.role.value}


@blp.route("/<int:territory_id>/members/<int:user_id>")
class Member(MethodView):
    """One membership."""

    @blp.response(204)
    def delete(self, territory_id: int, user_id: int) -> None:
        """Remove a user from the territory's team (admins)."""
        actor = current_actor()
        with unit_of_work() as uow:
            teams.remove_member(uow, actor, user_id, territory_id)
            uow.commit()
