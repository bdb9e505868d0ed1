"""Share kits: a published post's link and suggested personal texts for its ambassadors.

Every text (the team's suggestions, then what an ambassador writes) is validated by the same
engine as posts, against a relaxed "personal voice" template: no locked text, no slots, but the
group's charter (forbidden terms, disclaimers…) and the network's length still apply.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from urllib.parse import quote, urlencode

from geoalchemy2 import Geography
from sqlalchemy import cast, func, insert, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from editorial import (
    CompiledTemplate,
    Draft,
    Report,
    ViolationMessages,
    charter_from_dict,
    compile_template,
    template_from_dict,
    validate,
)
from editorial.catalog import RULE_DOCS
from editorial.errors import N_
from editorial.model import Rule
from regions import ambassadors, audit, geotags, standards, webhooks
from regions.actors import DESK_ROLES, Actor
from regions.db import UnitOfWork
from regions.errors import BLANK, InvalidInput, NotFound, is_blank
from regions.models import (
    Campaign,
    Post,
    PostStatus,
    Role,
    Share,
    ShareKit,
    Territory,
    campaign_targets,
    kit_recipients,
)
from regions.patterns import ENGINE as PATTERNS
from regions.reports import report_to_dict

SHARE_NETWORKS = ("facebook", "linkedin", "x", "whatsapp", "email")
KIT_BUILDERS = (*DESK_ROLES, Role.REGIONAL_EDITOR)
# The network whose length limit applies to a personal text (messaging has Facebook's).
_LENGTH_NETWORK = {"x": "x", "linkedin": "linkedin"}
CODE_BYTES = 6  # 8 URL-safe characters: 2^48 codes


class KitTextInvalid(InvalidInput):
    """A suggested or personal text breaks the charter: the report says where and why."""

    code = "kit.text_invalid"


class KitClosed(InvalidInput):
    """The kit has ended or was withdrawn: it can no longer be shared."""

    code = "kit.closed"


# The charter's rules that speak of a post's place, pictures, timing or the Page's own tags
# cannot bind a person's text shared from their own account: the rest (terms, patterns,
# disclaimers, links, typography, length) does.
_NOT_PERSONAL_FAMILIES = frozenset({"geo", "media", "time"})
_NOT_PERSONAL_TYPES = frozenset({"hashtags.required", "mentions.required"})


def _personal(rule: Rule) -> bool:
    doc = RULE_DOCS.get(rule.type)
    family = doc.family if doc else ""
    return family not in _NOT_PERSONAL_FAMILIES and rule.type not in _NOT_PERSONAL_TYPES


@lru_cache(maxsize=64)
def _personal_voice(network: str, charter_json: str | None) -> CompiledTemplate:
    template = template_from_dict({"id": "personal-voice", "name": "Personal voice", "body": "",
                                   "network": _LENGTH_NETWORK.get(network, "facebook")},
                                  patterns=PATTERNS)
    charter = (charter_from_dict(json.loads(charter_json), patterns=PATTERNS) if charter_json
               else None)
    if charter is not None:
        charter = replace(charter, rules=tuple(r for r in charter.rules if _personal(r)))
    return compile_template(template, charter, patterns=PATTERNS)


def check_text(session: Session, text: str, network: str, *, now: datetime) -> Report:
    """Validate a personal text against the current charter, as it would be shared."""
    charter = standards.current_charter(session)
    compiled = _personal_voice(network, json.dumps(charter.data, sort_keys=True)
                               if charter else None)
    return validate(compiled, Draft(text=text), now=now)


def _refuse(report: Report, field: str, messages: ViolationMessages) -> None:
    if not report.ok:
        raise KitTextInvalid(f"The text breaks {report.counts['error']} rule(s) of the charter.",
                             params={"errors": report.counts["error"]},
                             errors={field: report_to_dict(report, messages)})


@dataclass(frozen=True, slots=True)
class KitDraft:
    """What the team writes: the source (a published post or a campaign) and the texts."""

    title: str
    suggestions: tuple[str, ...]
    networks: tuple[str, ...]
    ends_at: datetime
    post_id: int | None = None
    campaign_id: int | None = None
    link: str | None = None
    image_url: str | None = None
    image_alt: str | None = None
    neighbour_km: float | None = None


def _source(session: Session, actor: Actor, draft: KitDraft) -> tuple[str, int, int | None,
                                                                      set[int]]:
    """(link, home territory, campaign, territories it goes to) from the post or campaign."""
    if draft.post_id is not None:
        post = session.get(Post, draft.post_id)
        if post is None:
            raise InvalidInput(f"No post {draft.post_id}.",
                               errors={"post_id": [N_("Unknown post.")]})
        geotags.require_territory(actor, post.territory_id)
        if post.status != PostStatus.PUBLISHED or not (post.permalink or draft.link):
            raise InvalidInput("Only a published post can be shared.",
                               errors={"post_id": [N_("The post is not published.")]})
        return (draft.link or post.permalink or "", post.territory_id, post.campaign_id,
                {post.territory_id})
    assert draft.campaign_id is not None
    campaign = session.get(Campaign, draft.campaign_id)
    if campaign is None:
        raise InvalidInput(f"No campaign {draft.campaign_id}.",
                           errors={"campaign_id": [N_("Unknown campaign.")]})
    if campaign.archived_at is not None:  # withdrawing ended its kits: no new one
        raise InvalidInput(f"Campaign {campaign.id} is withdrawn.",
                           errors={"campaign_id": [N_("The campaign is withdrawn.")]})
    if not draft.link:
        raise InvalidInput("A campaign's kit needs the link to share.",
                           errors={"link": [N_("Give the link to share.")]})
    targets = set(session.scalars(select(campaign_targets.c.territory_id).where(
        campaign_targets.c.campaign_id == campaign.id)))
    if not actor.is_central:
        targets &= set(actor.territory_ids)
    if not targets:
        raise InvalidInput("The campaign is not sent to any of your territories.",
                           errors={"campaign_id": [N_("Not sent to your territories.")]})
    return draft.link, min(targets), campaign.id, targets


def neighbours(session: Session, territory_ids: set[int], km: float) -> set[int]:
    """Territories whose shapes come within ``km`` of one of these territories' shapes."""
    home = aliased(Territory)
    query = (select(Territory.id).join(home, home.id.in_(territory_ids or {0}))
             .where(Territory.geom.is_not(None), home.geom.is_not(None),
                    func.ST_DWithin(cast(Territory.geom, Geography(srid=4326)),
                                    cast(home.geom, Geography(srid=4326)), km * 1000.0)))
    return set(session.scalars(query))


def create_kit(uow: UnitOfWork, actor: Actor, draft: KitDraft, *, now: datetime,
               messages: ViolationMessages) -> ShareKit:
    """Build and publish a kit: every suggestion must pass the charter; ``kit.published`` fires.

    ``messages`` renders the report of a refused suggestion.
    """
    actor.require(*KIT_BUILDERS)
    blank = {field: [BLANK] for field, text in (
        ("title", draft.title),
        *((f"suggestions.{index}", text) for index, text in enumerate(draft.suggestions)))
        if is_blank(text)}
    if blank:
        raise InvalidInput("A kit's title and suggestions must not be blank.", errors=blank)
    draft = replace(draft, title=draft.title.strip())
    if draft.ends_at <= now:
        raise InvalidInput("The kit ends in the past.",
                           errors={"ends_at": [N_("Must be in the future.")]})
    link, home, campaign_id, targets = _source(uow.session, actor, draft)
    for index, text in enumerate(draft.suggestions):
        for network in draft.networks:
            _refuse(check_text(uow.session, text, network, now=now), f"suggestions.{index}",
                    messages)
    if draft.neighbour_km:
        targets |= neighbours(uow.session, targets, draft.neighbour_km)
    kit = ShareKit(title=draft.title, post_id=draft.post_id, campaign_id=campaign_id,
                   territory_id=home, link=link, suggestions=list(draft.suggestions),
                   image_url=draft.image_url, image_alt=draft.image_alt,
                   networks=list(draft.networks), ends_at=draft.ends_at,
                   neighbour_km=Decimal(str(draft.neighbour_km)) if draft.neighbour_km else None,
                   created_by=actor.user_id)
    uow.session.add(kit)
    uow.flush()
    uow.session.execute(insert(kit_recipients), [{"kit_id": kit.id, "territory_id": t}
                                                 for t in sorted(targets)])
    audit.record(uow.session, actor.user_id, "kit.published", "kit", kit.id,
                 {"recipients": sorted(targets), "post_id": draft.post_id,
                  "campaign_id": campaign_id})
    webhooks.enqueue_event(uow.session, "kit.published", {
        "event": "kit.published",
        "kit": {"id": kit.id, "title": kit.title, "post_id": kit.post_id,
                "campaign_id": kit.campaign_id, "territory_ids": sorted(targets),
                "networks": kit.networks, "ends_at": kit.ends_at.isoformat()}})
    return kit


def recipients(session: Session, kit_ids: list[int]) -> dict[int, list[int]]:
    """The territories each kit goes to."""
    found: dict[int, list[int]] = {kit_id: [] for kit_id in kit_ids}
    rows = session.execute(select(kit_recipients.c.kit_id, kit_recipients.c.territory_id)
                           .where(kit_recipients.c.kit_id.in_(kit_ids or [0]))
                           .order_by(kit_recipients.c.territory_id))
    for kit_id, territory_id in rows:
        found[kit_id].append(territory_id)
    return found


def _for_actor(actor: Actor) -> ColumnElement[bool]:
    return ShareKit.id.in_(select(kit_recipients.c.kit_id).where(
        kit_recipients.c.territory_id.in_(actor.territory_ids or {0})))


def list_kits(session: Session, actor: Actor, *, campaign_id: int | None = None,
              post_id: int | None = None, limit: int = 50, offset: int = 0) -> list[ShareKit]:
    """Kits, newest first (the team's view: regional editors see their territories')."""
    actor.require(*KIT_BUILDERS)
    query = select(ShareKit).order_by(ShareKit.id.desc())
    if not actor.is_central:
        query = query.where(_for_actor(actor))
    if campaign_id is not None:
        query = query.where(ShareKit.campaign_id == campaign_id)
    if post_id is not None:
        query = query.where(ShareKit.post_id == post_id)
    return list(session.scalars(query.limit(limit).offset(offset)))


def get_kit(session: Session, actor: Actor, kit_id: int) -> ShareKit:
    """One kit the actor may see (the team, or an ambassador it goes to)."""
    kit = session.get(ShareKit, kit_id)
    if kit is None or not (actor.is_central or kit.id in set(session.scalars(
            select(kit_recipients.c.kit_id).where(
                kit_recipients.c.kit_id == kit_id,
                kit_recipients.c.territory_id.in_(actor.territory_ids or {0}))))):
        raise NotFound(f"No kit {kit_id}.", params={"kind": "kit", "id": kit_id})
    if actor.role not in (*KIT_BUILDERS, Role.AMBASSADOR):
        raise NotFound(f"No kit {kit_id}.", params={"kind": "kit", "id": kit_id})
    return kit


def withdraw_kit(uow: UnitOfWork, actor: Actor, kit_id: int, *, now: datetime) -> ShareKit:
    """End a kit early: ambassadors no longer see it; links already shared keep working."""
    actor.require(*KIT_BUILDERS)
    kit = get_kit(uow.session, actor, kit_id)
    if kit.withdrawn_at is None:
        kit.withdrawn_at = now
        audit.record(uow.session, actor.user_id, "kit.withdrawn", "kit", kit.id)
    return kit


def kits_for_ambassador(session: Session, actor: Actor, *, now: datetime, limit: int = 50,
                        offset: int = 0) -> list[ShareKit]:
    """The open kits for me, newest first."""
    ambassadors.get_profile(session, actor)
    query = (select(ShareKit).where(_for_actor(actor), ShareKit.withdrawn_at.is_(None),
                                    ShareKit.ends_at > now)
             .order_by(ShareKit.id.desc()).limit(limit).offset(offset))
    return list(session.scalars(query))


def my_shares(session: Session, actor: Actor, kit_ids: list[int]) -> dict[int, list[Share]]:
    """The acting ambassador's shares of these kits."""
    found: dict[int, list[Share]] = {kit_id: [] for kit_id in kit_ids}
    query = select(Share).where(Share.user_id == actor.user_id,
                                Share.kit_id.in_(kit_ids or [0])).order_by(Share.id)
    for share in session.scalars(query):
        found[share.kit_id].append(share)
    return found


def _open_kit_for(session: Session, actor: Actor, kit_id: int, network: str, now: datetime
                  ) -> ShareKit:
    kit = get_kit(session, actor, kit_id)
    if kit.withdrawn_at is not None or kit.ends_at <= now:
        raise KitClosed("This kit has ended: it can no longer be shared.",
                        params={"id": kit.id})
    if network not in kit.networks:
        raise InvalidInput(f"This kit is not meant for {network}.",
                           errors={"network": [N_("Choose one of: {networks}.",
                                                  networks=", ".join(kit.networks))]})
    return kit


def try_text(session: Session, actor: Actor, kit_id: int, *, text: str, network: str,
             now: datetime) -> Report:
    """Live validation of the text an ambassador is writing (saves nothing)."""
    ambassadors.get_profile(session, actor)
    _open_kit_for(session, actor, kit_id, network, now)
    return check_text(session, text, network, now=now)


def share(uow: UnitOfWork, actor: Actor, kit_id: int, *, text: str, network: str,
          now: datetime, messages: ViolationMessages) -> Share:
    """Record a share: charter accepted, text within the charter; returns its short link code.

    ``messages`` renders the report of a refused text.
    """
    profile = ambassadors.get_profile(uow.session, actor)
    ambassadors.require_charter(uow.session, profile)
    kit = _open_kit_for(uow.session, actor, kit_id, network, now)
    _refuse(check_text(uow.session, text, network, now=now), "text", messages)
    mine = sorted(set(recipients(uow.session, [kit.id])[kit.id]) & set(actor.territory_ids))
    territory_id = mine[0] if mine else kit.territory_id
    row = Share(kit_id=kit.id, user_id=actor.user_id, territory_id=territory_id,
                network=network, text=text, code=secrets.token_urlsafe(CODE_BYTES))
    uow.session.add(row)
    uow.flush()
    return row


def float_km(value: Decimal | None) -> float | None:
    """A kit's neighbourhood radius as a plain number."""
    return float(value) if value is not None else None



def share_address(network: str, url: str, text: str, title: str) -> str:
    """The network's own share address for a link and a text: nobody's account is needed."""
    with_link = f"{text}\n{url}"
    if network == "facebook":  # the dialog takes the link only; the text is pasted by hand
        return "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})
    if network == "linkedin":
        return "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url})
    if network == "x":
        return "https://x.com/intent/post?" + urlencode({"text": text, "url": url})
    if network == "whatsapp":
        return "https://wa.me/?" + urlencode({"text": with_link})
    return "mailto:?" + urlencode({"subject": title, "body": with_link}, quote_via=quote)
