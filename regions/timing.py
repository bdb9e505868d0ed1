"""When an approved post goes out, and what it must carry to go out at all (decision 0054).

A post without a publication date goes out when the desk approves it (decision 0053). Its
template's hours, days and window then judge the moment of the approval: an approval at a
moment they allow publishes at once; else the post is given the next moment they allow
(``editorial.schedule``); when none is left, the approval is refused. The notice rule
(``time.lead``) does not judge it: the desk's approval is the notice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from editorial.errors import N_
from editorial.schedule import has_time_rules, next_allowed_moment
from regions import compiled
from regions.errors import Conflict, InvalidInput
from regions.models import Post
from regions.posts import draft_later, is_web_address


class NoAllowedMoment(Conflict):
    """No moment the template allows is left for this undated post: its window is over."""

    code = "review.no_allowed_moment"


class NotWebAddress(InvalidInput):
    """The post carries a link or a medium that is not an absolute http(s) address."""

    code = "review.not_web_address"


@dataclass(frozen=True, slots=True)
class Timing:
    """When an undated post approved at ``now`` goes out.

    ``limited``: hours, days or a window of its template judge it. ``at``: ``now`` when they
    allow it (or none applies), a later moment when they do not, None when none is left.
    """

    now: datetime
    limited: bool
    at: datetime | None

    @property
    def deferred(self) -> bool:
        """Whether the post waits for a later moment than its approval."""
        return self.at is not None and self.at > self.now


def timing_later(session: Session, post: Post) -> Callable[[datetime], Timing]:
    """The timing of an approval of ``post`` at a moment; its reads ride with the next read."""
    refs = compiled.refs_for_version_later(session, post.template_version_id)
    draft = draft_later(session, post)

    def timing(now: datetime) -> Timing:
        facts = draft()
        version, charter = refs()
        template = compiled.compiled_version(session, version, charter)
        if not has_time_rules(template, facts):
            return Timing(now, False, now)
        return Timing(now, True, next_allowed_moment(template, now, draft=facts))

    return timing


def publication_timing(session: Session, post: Post, now: datetime) -> Timing | None:
    """What approving ``post`` at ``now`` would do; None for a post with a date of its own."""
    return None if post.publish_at is not None else timing_later(session, post)(now)


def refuse_unpublishable_addresses(post: Post) -> None:
    """Refuse a post whose link or media addresses Facebook cannot be given (422 on the field).

    Saved before links were checked (or media through the pages), such an address would be
    handed to Facebook as it is: ``javascript:alert(1)`` as the post's link.
    """
    errors: dict[str, list[Any]] = {}
    if post.link and not is_web_address(post.link.strip()):
        errors["link"] = [N_("Not a web address: ask for an absolute address starting "
                             "with https:// (or http://).")]
    for index, medium in enumerate(post.media or []):
        url = str(medium.get("url", "")) if isinstance(medium, dict) else ""
        if not is_web_address(url.strip()):
            errors.setdefault("media", []).append(N_(
                "Image {number}: not a web address: ask for an absolute address starting "
                "with https:// (or http://).", number=index + 1))
    if errors:
        raise NotWebAddress("The post's link or media is not an absolute http(s) address.",
                            params={"fields": ", ".join(sorted(errors))}, errors=errors)


def schedule_on_approval(post: Post, timing: Timing) -> dict[str, Any]:
    """Give an undated post the moment it goes out, if later than now; refuse when none is left.

    Returns what the approval's audit event records.
    """
    if timing.at is None:
        raise NoAllowedMoment(
            "This post cannot be published within its template's publication rules "
            "(its window is over): request changes or a new date.",
            params={"post_id": post.id},
            errors={"publish_at": [N_("No moment allowed by the template is left: request "
                                      "changes, or a publication date.")]})
    if not timing.deferred:
        return {}
    post.publish_at = timing.at
    return {"publish_at": timing.at.isoformat(), "publish_at_reason": "next_allowed_moment"}
