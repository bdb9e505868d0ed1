"""Campaigns: the central desk's content, sent to territories, and the adaptation dashboard."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask.views import MethodView

from regions import campaigns
from regions.campaigns import CampaignChanges, CampaignDraft, TargetMode
from service.api.campaigns.schemas import (
    CampaignCreateArgs,
    CampaignListArgs,
    CampaignSchema,
    CampaignUpdateArgs,
    DashboardRowSchema,
)
from service.api.common import Blueprint
from service.api.posts.views import template_refs
from service.auth import current_actor
from service.runtime import unit_of_work

# Campaigns a page of the list: as many as the campaign list page shows; at most 100, as for the
# users (each campaign carries its text and every target's id).
LIST_PAGE_SIZE, LIST_MAX_PAGE_SIZE = 50, 100

blp = Blueprint("campaigns", __name__, url_prefix="/api/campaigns",
                description="Central content for local adaptation.")


def campaign_views(uow: Any, items: list[Any]) -> list[dict[str, Any]]:
    """Campaigns with their template references and targets (two queries for any number)."""
    refs = template_refs(uow.session, {c.template_version_id for c in items})
    targets = campaigns.targets_by_campaign(uow.session, [c.id for c in items])
    views = []
    for campaign in items:
        view = {name: getattr(campaign, name) for name in (
            "id", "title", "master_text", "slot_values", "media", "window_start", "window_end",
            "adapt_deadline", "created_at", "version")}
        view["withdrawn_at"] = campaign.archived_at
        view["template"] = refs.get(campaign.template_version_id)
        view["target_ids"] = targets[campaign.id]
        views.append(view)
    return views


def campaign_view(uow: Any, campaign: Any) -> dict[str, Any]:
    """One campaign with its template reference and targets."""
    return campaign_views(uow, [campaign])[0]


@blp.route("")
class Campaigns(MethodView):
    """Campaigns."""

    @blp.arguments(CampaignListArgs, location="query")
    @blp.response(200, CampaignSchema(many=True))
    @blp.paginate(page_size=LIST_PAGE_SIZE, max_page_size=LIST_MAX_PAGE_SIZE)
    def get(self, _args: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """Open campaigns, newest first, paginated (regional roles: those sent to them).

        50 a page unless ``page_size`` says otherwise (at most 100); the ``X-Pagination`` header
        counts them all (``total``) and the pages.
        """
        actor = current_actor()
        with unit_of_work() as uow:
            items, total = campaigns.campaign_page(
                uow.session, actor, offset=pagination_parameters.first_item,
                limit=pagination_parameters.page_size)
            pagination_parameters.item_count = total
            return campaign_views(uow, items)

    @blp.arguments(CampaignCreateArgs)
    @blp.response(201, CampaignSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Create a campaign on a published template for all, listed or descendant territories."""
        actor = current_actor()
        draft = CampaignDraft(
            title=args["title"], template_key=args["template"], slot_values=args["slot_values"],
            media=args["media"], target_mode=TargetMode(args["targets"]),
            territory_ids=tuple(args["territory_ids"]), window_start=args["window_start"],
            window_end=args["window_end"], adapt_deadline=args["adapt_deadline"],
            master_text=args.get("master_text"))
        with unit_of_work() as uow:
            campaign = campaigns.create_campaign(uow, actor, draft)
            uow.commit()
            return campaign_view(uow, campaign)


@blp.route("/<int:campaign_id>")
class CampaignById(MethodView):
    """One campaign."""

    @blp.response(200, CampaignSchema)
    def get(self, campaign_id: int) -> dict[str, Any]:
        """Read a campaign."""
        current_actor()
        with unit_of_work() as uow:
            return campaign_view(uow, campaigns.get_campaign(uow.session, campaign_id))

    @blp.arguments(CampaignUpdateArgs)
    @blp.response(200, CampaignSchema)
    def patch(self, args: dict[str, Any], campaign_id: int) -> dict[str, Any]:
        """Change a campaign (central desk): title, master text, slots, targets, dates."""
        actor = current_actor()
        with unit_of_work() as uow:
            campaign = campaigns.update_campaign(
                uow, actor, campaign_id, expected_version=args.pop("version"),
                changes=campaign_changes(args))
            uow.commit()
            return campaign_view(uow, campaign)


def campaign_changes(args: dict[str, Any]) -> CampaignChanges:
    """The domain's changes from parsed update arguments (absent = unchanged, null = cleared)."""
    mode = args.get("targets")
    dates = ("window_start", "window_end", "adapt_deadline")
    return CampaignChanges(
        title=args.get("title"), master_text=args.get("master_text"),
        slot_values=args.get("slot_values"), target_mode=TargetMode(mode) if mode else None,
        territory_ids=tuple(args.get("territory_ids", ())),
        cleared=frozenset(d for d in dates if d in args and args[d] is None),
        **{d: args.get(d) for d in dates})


@blp.route("/<int:campaign_id>/withdraw")
class WithdrawCampaign(MethodView):
    """Take a campaign back."""

    @blp.no_body()
    @blp.response(200, CampaignSchema)
    def post(self, campaign_id: int) -> dict[str, Any]:
        """Withdraw a campaign (central desk): regions no longer see it; its share kits end."""
        actor = current_actor()
        with unit_of_work() as uow:
            campaign = campaigns.withdraw_campaign(uow, actor, campaign_id,
                                                   now=datetime.now(UTC))
            uow.commit()
            return campaign_view(uow, campaign)


@blp.route("/<int:campaign_id>/dashboard")
class Dashboard(MethodView):
    """Who adapted, who is late."""

    @blp.response(200, DashboardRowSchema(many=True))
    def get(self, campaign_id: int) -> list[dict[str, Any]]:
        """Per target territory: its adaptations' states and whether it is late."""
        actor = current_actor()
        with unit_of_work() as uow:
            return campaigns.dashboard(uow.session, actor, campaign_id, now=datetime.now(UTC))
