"""What the regional workspace shows: the frame of a post being written, a post's page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from regions import campaigns, standards
from regions.actors import Actor
from regions.errors import NotFound
from regions.geotags import require_territory
from regions.models import (
    Campaign,
    Comment,
    Post,
    PostStatus,
    TemplateRecord,
    TemplateVersion,
    Territory,
    User,
)
from regions.post_queries import audit_trail
from regions.posts import get_post
from regions.review import comments_on
from regions.teams import descendants_of


@dataclass(frozen=True, slots=True)
class WritingFrame:
    """What a post follows (template version, campaign) and where it may be written."""

    template_key: str
    template_version: int
    template: dict[str, Any]
    campaign: Campaign | None
    territories: list[Territory]


@dataclass
class PostPage:
    """A post with everything its page shows."""

    post: Post
    territory: Territory | None
    campaign: Campaign | None
    template_key: str
    template_version: int
    template_name: str = ""
    trail: list[dict[str, Any]] = field(default_factory=list)
    comments: list[Comment] | None = None
    authors: dict[int, str] = field(default_factory=dict)
    requested_changes: str | None = None


def territories_for(session: Session, actor: Actor, within: set[int] | None = None
                    ) -> list[Territory]:
    """The territories the actor may write in (all for the desk), optionally within some."""
    query = select(Territory).order_by(Territory.name, Territory.id)
    if not actor.is_central:
        query = query.where(Territory.id.in_(actor.territory_ids or {0}))
    if within is not None:
        query = query.where(Territory.id.in_(within or {0}))
    return list(session.scalars(query))


def _template_key(session: Session, version: TemplateVersion) -> str:
    key = session.scalar(select(TemplateRecord.key).where(
        TemplateRecord.id == version.template_id))
    assert key is not None
    return key


def writing_frame(session: Session, actor: Actor, *, campaign_id: int | None = None,
                  template_key: str | None = None) -> WritingFrame:
    """The frame of a new post, from a campaign or a published template (edits: ``edit_frame``)."""
    campaign = campaigns.get_campaign(session, campaign_id) if campaign_id else None
    if campaign is not None and campaign.archived_at is not None:  # withdrawn: none to adapt
        raise NotFound(f"Campaign {campaign.id} is withdrawn.",
                       params={"kind": "campaign", "id": campaign.id})
    within = None
    if campaign is not None:
        version = session.get(TemplateVersion, campaign.template_version_id)
        within = set(descendants_of(session, set(campaigns.target_ids(session, campaign.id))))
    else:
        version = standards.published_version(session, template_key or "")
    assert version is not None
    return WritingFrame(_template_key(session, version), version.number, dict(version.data),
                        campaign, territories_for(session, actor, within))


def edit_frame(session: Session, actor: Actor, post: Post) -> WritingFrame:
    """The frame of a saved post's form: its template version, and its campaign if any.

    An adaptation's form names its campaign as the post's page does, even once withdrawn.
    """
    version = session.get(TemplateVersion, post.template_version_id)
    assert version is not None
    campaign = session.get(Campaign, post.campaign_id) if post.campaign_id else None
    return WritingFrame(_template_key(session, version), version.number, dict(version.data),
                        campaign, territories_for(session, actor))


def post_page(session: Session, actor: Actor, post_id: int) -> PostPage:
    """A post the actor may see, with its history and discussion when it may follow them."""
    post = get_post(session, actor, post_id)
    version = session.get(TemplateVersion, post.template_version_id)
    assert version is not None
    page = PostPage(post, session.get(Territory, post.territory_id),
                    session.get(Campaign, post.campaign_id) if post.campaign_id else None,
                    _template_key(session, version), version.number,
                    str(version.data.get("name") or ""))
    if not actor.is_central and post.territory_id not in actor.territory_ids:
        return page  # another region's published post: the review behind it stays internal
    require_territory(actor, post.territory_id)
    page.trail = audit_trail(session, post.id)
    page.comments = comments_on(session, post.id)
    ids = {c.author_id for c in page.comments} | {post.author_id}
    page.authors = {row[0]: row[1] for row in session.execute(
        select(User.id, User.email).where(User.id.in_(ids)))}
    if post.status == PostStatus.CHANGES_REQUESTED:
        asked = [e for e in page.trail if e["action"] == "post.request_changes"]
        page.requested_changes = asked[-1]["data"].get("comment") if asked else None
    return page


def post_labels(session: Session, posts: list[Post]) -> tuple[dict[int, str], dict[int, str]]:
    """Territory names and campaign titles of a page of posts, in two queries."""
    territory_ids = {p.territory_id for p in posts} or {0}
    campaign_ids = {p.campaign_id for p in posts if p.campaign_id} or {0}
    names = {row[0]: row[1] for row in session.execute(
        select(Territory.id, Territory.name).where(Territory.id.in_(territory_ids)))}
    titles = {row[0]: row[1] for row in session.execute(
        select(Campaign.id, Campaign.title).where(Campaign.id.in_(campaign_ids)))}
    return names, titles
