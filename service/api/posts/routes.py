"""Posts: write, list, review (submit, approve, request changes…), comments, audit, conflicts."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView

from regions import post_queries, posts, review
from regions.geotags import require_territory
from regions.models import Post, PostStatus
from regions.post_queries import PostFilters
from regions.review_screen import require_reviewer
from service.api.common import Blueprint, json_response
from service.api.posts import views
from service.api.posts.schemas import (
    AuditArgs,
    AuditEventSchema,
    CommentArgs,
    CommentedDecisionArgs,
    CommentSchema,
    DecisionArgs,
    PostCreateArgs,
    PostListArgs,
    PostPageSchema,
    PostSchema,
    PostUpdateArgs,
    QueueArgs,
)
from service.auth import current_actor
from service.runtime import reading, settings, unit_of_work, violation_messages

blp = Blueprint("posts", __name__, url_prefix="/api",
                description="Regional posts and their review.")


def _view(uow: Any, post: Any, actor: Any, *, refused: set[int] | None = None,
          **kwargs: Any) -> dict[str, Any]:
    view = views.post_view(uow.session, post, actor,
                           lead_can_approve=settings().regional_lead_can_approve, **kwargs)
    # A writer of the post may not approve it (decision 0015): do not offer it.
    if "approve" not in view["allowed_actions"]:
        return view
    if refused is None:
        refused = review.approval_refused(uow.session, actor, [post])
    if post.id in refused:
        view["allowed_actions"].remove("approve")
    return view


def _page(uow: Any, items: list[Any], actor: Any, next_cursor: str | None, *,
          conflict_window_hours: int | None = None) -> dict[str, Any]:
    refs = views.template_refs(uow.session, {p.template_version_id for p in items})
    conflicts: dict[int, Any] = {}
    if conflict_window_hours is not None:  # one query for the page, not one per post
        conflicts = views.page_conflicts(uow.session, items, actor,
                                         window_hours=conflict_window_hours)
    refused = review.approval_refused(uow.session, actor, items)
    return {"items": [_view(uow, p, actor, templates=refs, refused=refused,
                            conflict_window_hours=conflict_window_hours,
                            conflicts=conflicts.get(p.id, [])
                            if conflict_window_hours is not None else None)
                      for p in items],
            "next_cursor": next_cursor}


@blp.route("/posts")
class Posts(MethodView):
    """The posts the caller may see."""

    @blp.arguments(PostListArgs, location="query")
    @blp.response(200, PostPageSchema)
    def get(self, args: dict[str, Any]) -> Response:
        """List posts, newest first, with filters and cursor pagination.

        Filters: territory (with descendants), status, campaign, author, period, bounding box
        and text.
        """
        filters = PostFilters(
            territory_id=args.get("territory_id"),
            statuses=[PostStatus(s) for s in args.get("status", [])],
            campaign_id=args.get("campaign_id"), author_id=args.get("author_id"),
            publish_from=args.get("publish_from"), publish_to=args.get("publish_to"),
            bbox=tuple(args["bbox"]) if "bbox" in args else None, text=args.get("q"))
        with reading() as uow:  # nothing is written: one connection, no transaction
            # The territory's descendants ride with the token's read: one round trip for both.
            scope = post_queries.scope_later(uow.session, filters.territory_id)
            actor = current_actor(uow)
            rows, cursor = post_queries.list_post_rows(
                uow.session, actor, filters, limit=args["limit"], cursor=args.get("cursor"),
                scope=scope())
            waiting = [Post(id=row.id, status=row.status) for row in rows
                       if row.status == PostStatus.SUBMITTED]  # what approval_refused reads
            refused = review.approval_refused(uow.session, actor, waiting)
            # Plain values already, as PostPageSchema documents them (no conflicts here).
            return json_response({"items": views.list_items(
                rows, actor, lead_can_approve=settings().regional_lead_can_approve,
                refused=refused), "next_cursor": cursor})

    @blp.arguments(PostCreateArgs)
    @blp.response(201, PostSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Write a draft in one of your territories (original, or a campaign's adaptation)."""
        actor = current_actor()
        with unit_of_work() as uow:
            post = posts.create_post(uow, actor, territory_id=args["territory_id"],
                                     fields=views.fields_from(args),
                                     template_key=args.get("template"),
                                     campaign_id=args.get("campaign_id"))
            uow.commit()
            return _view(uow, post, actor)


@blp.route("/posts/<int:post_id>")
class PostById(MethodView):
    """One post."""

    @blp.response(200, PostSchema)
    def get(self, post_id: int) -> dict[str, Any]:
        """Read a post, with its report, allowed actions and audience conflicts."""
        actor = current_actor()
        with unit_of_work() as uow:
            post = posts.get_post(uow.session, actor, post_id)
            return _view(uow, post, actor,
                         conflict_window_hours=settings().conflict_window_hours)

    @blp.arguments(PostUpdateArgs)
    @blp.response(200, PostSchema)
    def patch(self, args: dict[str, Any], post_id: int) -> dict[str, Any]:
        """Edit a post (send the version you loaded); an approved post goes back to review."""
        actor = current_actor()
        with unit_of_work() as uow:
            post = posts.edit_post(uow, actor, post_id, expected_version=args["version"],
                                   fields=views.fields_from(args), messages=violation_messages())
            uow.commit()
            return _view(uow, post, actor)


def _decision(name: str, summary: str) -> None:
    """Register ``POST /posts/<id>/<name>`` calling the review use case of that name."""

    def action(args: dict[str, Any], post_id: int) -> dict[str, Any]:
        actor = current_actor()
        lead = settings().regional_lead_can_approve
        with unit_of_work() as uow:
            # The answer's template reference rides with the use case's reads.
            templates = views.template_ref_later(uow.session, post_id)
            if name == "submit":
                post = review.submit_post(uow, actor, post_id, expected_version=args["version"],
                                          messages=violation_messages())
            elif name == "withdraw":
                post = review.withdraw_post(uow, actor, post_id, expected_version=args["version"])
            elif name == "reject":
                post = review.reject_post(uow, actor, post_id, expected_version=args["version"],
                                          comment=args.get("comment"))
            elif name == "approve":
                post = review.approve_post(uow, actor, post_id, lead_can_approve=lead,
                                           expected_version=args["version"],
                                           comment=args.get("comment"))
            else:
                post = review.request_changes(uow, actor, post_id, lead_can_approve=lead,
                                              expected_version=args["version"],
                                              comment=args.get("comment"))
            uow.commit()
            return _view(uow, post, actor, templates=templates())

    action.__doc__ = summary
    action.__name__ = f"post_{name.replace('-', '_')}"
    arguments = CommentedDecisionArgs if name in ("reject", "request-changes") else DecisionArgs
    view = blp.response(200, PostSchema)(blp.arguments(arguments)(action))
    blp.route(f"/posts/<int:post_id>/{name}", methods=["POST"], endpoint=action.__name__)(view)


_decision("submit", "Submit for review: validated, errors block it (422 with the report).")
_decision("approve", "Approve as loaded (409 if it changed since); schedules publishing: "
          "an undated post at once, or at the next moment its template allows (publish_at).")
_decision("request-changes", "Send back to the authors with a comment.")
_decision("reject", "Refuse for good, with a comment.")
_decision("withdraw", "The authors take the post back.")


@blp.route("/posts/<int:post_id>/comments")
class Comments(MethodView):
    """A post's discussion."""

    @blp.response(200, CommentSchema(many=True))
    def get(self, post_id: int) -> list[Any]:
        """Comments on a post, oldest first (the desk, and the post's territory)."""
        actor = current_actor()
        with unit_of_work() as uow:
            post = posts.get_post(uow.session, actor, post_id)
            require_territory(actor, post.territory_id)  # review talk stays internal
            return review.comments_on(uow.session, post_id)

    @blp.arguments(CommentArgs)
    @blp.response(201, CommentSchema)
    def post(self, args: dict[str, Any], post_id: int) -> Any:
        """Comment on a post of your territories (or any, for the desk)."""
        actor = current_actor()
        with unit_of_work() as uow:
            comment = review.comment_on_post(uow, actor, post_id, args["body"])
            uow.commit()
            return comment


@blp.route("/posts/<int:post_id>/audit")
class Audit(MethodView):
    """A post's audit trail."""

    @blp.arguments(AuditArgs, location="query")
    @blp.response(200, AuditEventSchema(many=True))
    # Both answers documented (flask-smorest's response knows one content type).
    @blp.doc(responses={"200": {"description": "OK", "content": {
        "application/json": {"schema": {"type": "array",
                                        "items": {"$ref": "#/components/schemas/AuditEvent"}}},
        "text/csv": {"schema": {"type": "string", "description": (
            "With ?format=csv: one row per event, as an attachment")}}}}})
    def get(self, args: dict[str, Any], post_id: int) -> Any:
        """Every state change, edit (with diff), comment and decision; JSON or CSV.

        For the desk and the post's territory: other regions see published posts, not the
        review behind them.
        """
        actor = current_actor()
        with unit_of_work() as uow:
            post = posts.get_post(uow.session, actor, post_id)
            require_territory(actor, post.territory_id)
            trail = post_queries.audit_trail(uow.session, post_id)
        if args["format"] == "csv":
            return Response(post_queries.audit_csv(trail), mimetype="text/csv", headers={
                "Content-Disposition": f"attachment; filename=post-{post_id}-audit.csv"})
        return trail


@blp.route("/review-queue")
class ReviewQueue(MethodView):
    """What the central desk has to decide."""

    @blp.arguments(QueueArgs, location="query")
    @blp.response(200, PostPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The review queue: submitted posts, most urgent first.

        Ordered by campaign deadline, then publication time; each with its validation report
        and audience conflicts.
        """
        actor = current_actor()
        require_reviewer(actor, lead_can_approve=settings().regional_lead_can_approve)
        with unit_of_work() as uow:
            items, cursor = post_queries.review_queue(
                uow.session, actor, limit=args["limit"], cursor=args.get("cursor"),
                territory_id=args.get("territory_id"))
            return _page(uow, items, actor, cursor,
                         conflict_window_hours=settings().conflict_window_hours)
