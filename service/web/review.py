"""The central review desk: the queue with its filters, the review screen, the decisions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from regions import campaigns, desk, review, timing
from regions.errors import Conflict, InvalidInput
from regions.models import Post, PostStatus
from regions.review_screen import require_reviewer, review_screen
from service.auth import csrf
from service.runtime import reading, settings, unit_of_work
from service.web.pages import day_start, login_required, page_actor, row_id

bp = Blueprint("review", __name__)

PAGE_SIZE = 25
FILTER_ARGS = ("territory", "campaign", "deadline", "conflicts")
STALE = _l("Someone else acted on this post since you opened it: here it is as it is now.")
DONE = {
    "approve": _l("Post #%(id)s approved."),
    "request_changes": _l("Changes requested on post #%(id)s."),
    "reject": _l("Post #%(id)s rejected."),
}
COMMENT_REQUIRED = {
    "request_changes": _l("Say what should change: a comment is required."),
    "reject": _l("Say why you reject it: a comment is required."),
}
SELF_APPROVAL = _l("You wrote or edited this post: another member of the desk must approve it.")
COMMENT_TOO_LONG = _l("A comment has 1 to 5000 characters.")
APPROVED_AT = _l("Post #%(id)s approved: it will be published on %(day)s at %(time)s.")
APPROVED_NOW = _l("Post #%(id)s approved: it is being published now.")
APPROVED_NO_PAGE = _l("Post #%(id)s approved: it will be published once its territory’s "
                      "Facebook Page is connected.")
NO_ALLOWED_MOMENT = _l("This post cannot be published within its template’s publication window "
                       "(it is over): request changes, or a new publication date.")
NOT_WEB = {
    "link": _l("The post’s link is not a web address: request changes (an address starting "
               "with https://)."),
    "media": _l("An image’s address is not a web address: request changes (an address "
                "starting with https://)."),
}


def _not_web(exc: InvalidInput) -> str:
    """The refusal of a post whose link or media address is not a web address, by field."""
    errors: dict[str, Any] = getattr(exc, "errors", {}) or {}
    return " ".join(str(NOT_WEB[field]) for field in NOT_WEB if field in errors)


def _filter_args() -> dict[str, Any]:
    """The queue's filters as given in the address (kept on every link of the review)."""
    return {name: request.args[name] for name in FILTER_ARGS if request.args.get(name)}


def _deadline(text: str | None) -> datetime | None:
    """A day given in a form: deadlines on that day or before (in the app's time zone)."""
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    if day is None:
        return None
    return day_start(day + timedelta(days=1))


def _filters(args: dict[str, Any]) -> desk.QueueFilters:
    def number(name: str) -> int | None:
        value = args.get(name, "")
        return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None

    return desk.QueueFilters(territory_id=number("territory"), campaign_id=number("campaign"),
                             deadline_before=_deadline(args.get("deadline")),
                             conflicts_only=args.get("conflicts") == "1")


def _require_reviewer() -> None:
    require_reviewer(page_actor(), lead_can_approve=settings().regional_lead_can_approve)


@bp.get("/review")
@login_required
def queue() -> ResponseReturnValue:
    """The review queue: submitted posts, waiting longest first, with filters."""
    _require_reviewer()
    actor, args = page_actor(), _filter_args()
    with reading() as uow:
        items, cursor = desk.desk_queue(
            uow.session, actor, _filters(args), window_hours=settings().conflict_window_hours,
            limit=PAGE_SIZE, cursor=request.args.get("cursor") or None)
        territories = desk.territory_choices(uow.session)
        campaign_list = campaigns.filter_choices(uow.session, actor,
                                                 selected=row_id(args.get("campaign")))
    return render_template("review/queue.html", items=items, next_cursor=cursor, args=args,
                           paged=bool(request.args.get("cursor")), territories=territories,
                           campaigns=campaign_list, now=datetime.now(UTC))


def _render_post(post_id: int, *, errors: dict[str, str] | None = None,
                 comments: dict[str, str] | None = None, status: int = 200
                 ) -> ResponseReturnValue:
    actor, args = page_actor(), _filter_args()
    config = settings()
    with reading() as uow:
        screen = review_screen(uow.session, actor, post_id,
                               window_hours=config.conflict_window_hours,
                               lead_can_approve=config.regional_lead_can_approve)
        previous, following = desk.neighbours(uow.session, actor, _filters(args), screen.post,
                                              window_hours=config.conflict_window_hours)
        page = render_template(
            "review/post.html", screen=screen, post=screen.post, args=args,
            previous=previous, following=following, errors=errors or {},
            comments=comments or {},
            waiting=screen.post.status == PostStatus.SUBMITTED)
    return page, status


@bp.get("/review/<int:post_id>")
@login_required
def post(post_id: int) -> ResponseReturnValue:
    """The review screen of one post."""
    return _render_post(post_id)


def _decide(decision: str, post_id: int, version: int, comment: str) -> str:
    """Take the decision; what the flash says of it."""
    lead = settings().regional_lead_can_approve
    actor = page_actor()
    done = str(DONE[decision]) % {"id": post_id}
    with unit_of_work() as uow:
        if decision == "approve":
            post = review.approve_post(uow, actor, post_id, expected_version=version,
                                       lead_can_approve=lead)
            done = _approved(post)
        elif decision == "request_changes":
            review.request_changes(uow, actor, post_id, expected_version=version,
                                   comment=comment, lead_can_approve=lead)
        else:
            review.reject_post(uow, actor, post_id, expected_version=version, comment=comment)
        uow.commit()
    return done


def _approved(post: Post) -> str:
    """When an approved post goes out, as the flash says it."""
    if post.status != PostStatus.SCHEDULED:
        return str(APPROVED_NO_PAGE) % {"id": post.id}
    if post.publish_at is None:
        return str(APPROVED_NOW) % {"id": post.id}
    return str(APPROVED_AT) % {"id": post.id, "day": format_datetime(post.publish_at, "d MMMM y"),
                               "time": format_datetime(post.publish_at, "HH:mm")}


def _comment_error(decision: str, exc: InvalidInput) -> str | None:
    errors: dict[str, Any] = getattr(exc, "errors", {}) or {}
    if "comment" in errors and decision in COMMENT_REQUIRED:
        return str(COMMENT_REQUIRED[decision])
    if "body" in errors:
        return str(COMMENT_TOO_LONG)
    return None


@bp.post("/review/<int:post_id>")
@login_required
def decide(post_id: int) -> ResponseReturnValue:
    """Approve, request changes or reject, as the post was loaded; then the next post."""
    csrf.protect()
    _require_reviewer()
    decision = request.form.get("decision", "")
    if decision not in DONE:
        abort(400)
    version = request.form.get("version", "")
    comment = request.form.get("comment", "")
    args = _filter_args()
    try:
        done = _decide(decision, post_id, int(version) if version.isdigit() else 0, comment)
    except timing.NoAllowedMoment:
        return _render_post(post_id, errors={"approve": str(NO_ALLOWED_MOMENT)}, status=409)
    except timing.NotWebAddress as exc:
        return _render_post(post_id, errors={"approve": _not_web(exc)}, status=422)
    except Conflict:
        flash(str(STALE), "warning")
        return redirect(url_for(".post", post_id=post_id, **args), code=303)
    except review.SelfApproval:
        return _render_post(post_id, errors={"approve": str(SELF_APPROVAL)}, status=403)
    except InvalidInput as exc:
        message = _comment_error(decision, exc)
        if message is None:
            raise
        return _render_post(post_id, errors={decision: message},
                            comments={decision: comment}, status=422)
    flash(done, "success")
    following = request.form.get("next", "")
    if following.isdigit():
        return redirect(url_for(".post", post_id=int(following), **args), code=303)
    return redirect(url_for(".queue", **args), code=303)

