"""Regional posts: write, edit, see; the territory rules that keep regions apart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from geoalchemy2 import Geography, Geometry, WKBElement
from geoalchemy2.shape import to_shape
from sqlalchemy import cast, func, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from editorial import (
    Draft,
    Media,
    Report,
    ViolationMessages,
    render_template,
    template_from_dict,
)
from editorial.errors import N_
from regions import audit, standards
from regions.actors import Actor
from regions.db import UnitOfWork, read, read_later
from regions.errors import InvalidInput, NotFound
from regions.geotags import (
    place_name_at,
    point,
    refuse_outside,
    require_territory,
)
from regions.models import (
    AdminArea,
    Campaign,
    Post,
    PostStatus,
    TemplateVersion,
    Territory,
    campaign_targets,
)
from regions.patterns import ENGINE as PATTERNS
from regions.reports import report_to_dict
from regions.workflow import AUTHORS, Action, next_state

PUBLIC_STATES = frozenset({PostStatus.PUBLISHED})
MAX_RADIUS_KM = 500
MAX_LINK = 2000  # the column's length (and the API's limit on an image's address)
MAX_MEDIA = 20  # images of a post, as the API's schema allows
MAX_ALT = 1000  # characters of an image's alternative text, as the API's schema allows


@dataclass
class PostFields:
    """What an author writes; None means "leave as it is" when editing."""

    text: str | None = None
    slot_values: dict[str, str] | None = None
    media: list[dict[str, str]] | None = None
    link: str | None = None
    lon: float | None = None
    lat: float | None = None
    place_name: str | None = None
    audience_radius_km: float | None = None
    audience_area_codes: list[tuple[str, str]] | None = None
    publish_at: datetime | None = None
    clear: set[str] = field(default_factory=set)


def can_see(actor: Actor, post: Post) -> bool:
    """Central roles see everything; others see their territories' posts and all published."""
    return (actor.is_central or post.territory_id in actor.territory_ids
            or post.status in PUBLIC_STATES)


def get_post(session: Session, actor: Actor, post_id: int, *, for_update: bool = False) -> Post:
    """A post the actor may see; another territory's draft is a 404, so it does not leak."""
    query = select(Post).where(Post.id == post_id)
    post = session.scalar(query.with_for_update() if for_update else query)
    if post is None or not can_see(actor, post):
        raise NotFound(f"No post {post_id}.", params={"kind": "post", "id": post_id})
    return post


# A post's columns as the ORM loads them (but the deferred ``geom_3857``), in plain SQL: a
# decision locks its post with the reads queued before it, in one round trip, and skips the
# ORM's query machinery (``lock_post``).
_LOADED = [c for c in Post.__table__.columns if c.key != "geom_3857"]
_GEOMETRIES = {c.key: c.type.srid for c in _LOADED if isinstance(c.type, Geometry)}
_SELECTED = ", ".join(f"ST_AsEWKB({c.name})" if c.key in _GEOMETRIES else c.name for c in _LOADED)
_LOCK = f"SELECT {_SELECTED} FROM posts WHERE id = %(post_id)s FOR UPDATE"


def lock_post(session: Session, actor: Actor, post_id: int) -> Post:
    """``get_post(for_update=True)`` read through the driver, with the reads queued before it.

    The row is made into the session's object as if the ORM had loaded it. A post the session
    already holds is locked and used through the ORM, as ``get_post`` does.
    """
    if session.identity_map.get(identity_key(Post, post_id)) is not None:
        return get_post(session, actor, post_id, for_update=True)
    rows = read(session, _LOCK, {"post_id": post_id})
    post = _loaded(rows[0]) if rows else None
    if post is None or not can_see(actor, post):
        raise NotFound(f"No post {post_id}.", params={"kind": "post", "id": post_id})
    session.add(post)
    return post


def _loaded(row: tuple[Any, ...]) -> Post:
    """A post row of ``_LOCK`` as a detached object with no changes (as loaded by the ORM)."""
    values = dict(zip((c.key for c in _LOADED), row, strict=True))
    for key, srid in _GEOMETRIES.items():
        if values[key] is not None:  # as geoalchemy2's result processor makes them
            values[key] = WKBElement(values[key], srid=srid, extended=True)
    values["status"] = PostStatus(values["status"])
    post = Post(**values)
    make_transient_to_detached(post)
    return post


# A post's territory facts for the editorial engine, in plain SQL so that they ride with the
# other reads of a submission (``regions.db.read_later``): the territory's slug and time zone,
# whether its own shape covers the geotag (the rule of ``geotags.geotag_inside``), and the
# gazetteer codes of the areas the geotag lies in and of the audience areas.
_DRAFT_FACTS = """
SELECT t.slug, t.timezone, ST_Covers(t.geom, p.geom),
       array(SELECT a.code FROM admin_areas a
             WHERE a.id = ANY(p.audience_area_ids) OR ST_Covers(a.geom, p.geom))
FROM posts p LEFT JOIN territories t ON t.id = p.territory_id
WHERE p.id = %(post_id)s"""


def draft_later(session: Session, post: Post) -> Callable[[], Draft]:
    """The editorial engine's view of a stored post (territory facts computed in PostGIS).

    The facts are read with the session's next read: call the result once every read the
    caller needs is queued. They are those of the post as stored: call this before changing
    its geotag, territory or audience in the session.
    """
    rows = read_later(session, _DRAFT_FACTS, {"post_id": post.id})

    def draft() -> Draft:
        slug, timezone, covered, codes = rows()[0]
        return Draft(
            text=post.text, slot_values=dict(post.slot_values or {}),
            media=tuple(Media(m.get("url", ""), m.get("alt", "")) for m in post.media or []),
            geotagged=post.geom is not None,
            inside_territory=bool(covered) if post.geom is not None else None,
            audience_radius_km=(float(post.audience_radius_km) if post.audience_radius_km
                                else None),
            territory_codes=(slug, *codes) if slug is not None else tuple(codes),
            publish_at=post.publish_at, timezone=timezone,
        )

    return draft


def checked_link(link: str) -> str:
    """The post's link as published (Facebook's ``link``): an absolute http(s) address.

    The API's schema checks it too; the pages pass it as typed, and ``javascript:alert(1)``
    was saved, then offered to the desk's approval as a link.
    """
    text = link.strip()
    if not is_web_address(text):
        raise InvalidInput("The link must be an absolute http(s) address.", errors={"link": [
            N_("An absolute address starting with https:// (or http://).")]})
    return text


def checked_media(media: list[dict[str, str]]) -> list[dict[str, str]]:
    """The post's images as stored: absolute http(s) addresses, alternative texts as the API's.

    The API's schema checks them too; the post form passed the image address as typed.
    """
    if len(media) > MAX_MEDIA:
        raise InvalidInput(f"At most {MAX_MEDIA} images.", errors={"media": [
            N_("At most {max} images.", max=MAX_MEDIA)]})
    kept = []
    for item in media:
        url, alt = item.get("url"), item.get("alt", "")
        if not isinstance(url, str) or not is_web_address(url.strip()):
            raise InvalidInput("An image's address must be an absolute http(s) address.",
                               errors={"media": [N_(
                                   "An absolute address starting with https:// (or http://).")]})
        if not isinstance(alt, str) or len(alt) > MAX_ALT:
            raise InvalidInput(f"An image's alternative text holds at most {MAX_ALT} characters.",
                               errors={"media": [N_(
                                   "The image description holds at most {max} characters.",
                                   max=MAX_ALT)]})
        kept.append({"url": url.strip(), "alt": alt})
    return kept


def is_web_address(text: str) -> bool:
    """Whether ``text`` (without surrounding spaces) is an absolute http(s) address."""
    try:
        parts = urlsplit(text)
        web = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # an unclosed IPv6 bracket
        web = False
    return (web and len(text) <= MAX_LINK
            and not any(char.isspace() or not char.isprintable() for char in text))


def _apply(session: Session, post: Post, fields: PostFields) -> None:
    if fields.link is not None:
        fields.link = checked_link(fields.link)
    if fields.media is not None:
        fields.media = checked_media(fields.media)
    for name in ("text", "link", "place_name", "publish_at"):
        if getattr(fields, name) is not None or name in fields.clear:
            setattr(post, name, getattr(fields, name))
    if fields.slot_values is not None:
        post.slot_values = fields.slot_values
    if fields.media is not None:
        post.media = fields.media
    if fields.lon is not None and fields.lat is not None:
        post.geom = point(fields.lon, fields.lat)
    elif "geotag" in fields.clear:
        post.geom = None
    if fields.audience_radius_km is not None or "audience_radius_km" in fields.clear:
        radius = fields.audience_radius_km
        if radius is not None and not 0 < radius <= MAX_RADIUS_KM:
            raise InvalidInput("The audience radius must be between 0 and 500 km.",
                               errors={"audience_radius_km": [
                                   N_("Between 0 and {max} km.", max=MAX_RADIUS_KM)]})
        post.audience_radius_km = Decimal(str(radius)) if radius is not None else None
    if fields.audience_area_codes is not None:
        post.audience_area_ids = _area_ids(session, fields.audience_area_codes)


def _area_ids(session: Session, codes: list[tuple[str, str]]) -> list[int]:
    found = {(row[1], row[2]): row[0] for row in session.execute(
        select(AdminArea.id, AdminArea.level, AdminArea.code).where(
            func.concat(AdminArea.level, ":", AdminArea.code).in_(
                [f"{level}:{code}" for level, code in codes])))}
    missing = [f"{level} {code}" for level, code in codes if (level, code) not in found]
    if missing:
        raise InvalidInput(f"Unknown gazetteer areas: {', '.join(missing)}.",
                           errors={"audience_areas": [N_("Unknown area {area}.", area=m)
                                                      for m in missing]})
    return sorted(found.values())


def _refresh_geography(session: Session, post: Post) -> None:
    """Check the geotag against the territory and recompute the audience shape.

    Nothing is flushed here: the caller flushes once, so one edit is one version.
    """
    if post.geom is not None:
        refuse_outside(session, post.territory_id, post.geom)
    if post.geom is not None and not post.place_name:
        post.place_name = suggested_place_name(session, post)
    audience: Any = None
    if post.audience_area_ids:
        audience = select(func.ST_Multi(func.ST_Union(AdminArea.geom))).where(
            AdminArea.id.in_(post.audience_area_ids)).scalar_subquery()
    elif post.audience_radius_km is not None and post.geom is not None:
        # A geotag loaded from the database is WKB: cast it as a geometry first.
        centre = cast(func.ST_GeomFromEWKT(_ewkt(post.geom)), Geography)
        disc = func.ST_Buffer(centre, post.audience_radius_km * 1000, 32)
        audience = func.ST_Multi(cast(disc, _geometry()))
    post.audience_geom = audience


def suggested_place_name(session: Session, post: Post) -> str | None:
    """The name of the finest gazetteer area (e.g. the commune) containing the geotag."""
    return place_name_at(session, post.geom) if post.geom is not None else None


def _ewkt(geom: Any) -> str:
    """A stored or new point as EWKT text."""
    if isinstance(geom, WKBElement):
        return f"SRID=4326;{to_shape(geom).wkt}"
    return f"SRID=4326;{geom.data}"


def _geometry() -> Any:
    from geoalchemy2 import Geometry

    return Geometry(srid=4326)


def _template_for(session: Session, campaign: Campaign | None, template_key: str | None
                  ) -> TemplateVersion:
    if campaign is not None:
        version = session.get(TemplateVersion, campaign.template_version_id)
        assert version is not None
        return version
    if not template_key:
        raise InvalidInput("Give a template or a campaign.", errors={"template": [N_("Required.")]})
    return standards.published_version(session, template_key)


def _require_target(session: Session, campaign: Campaign, territory_id: int) -> None:
    """An adaptation is written for one of the campaign's targets (or a territory under one)."""
    from regions.teams import descendants_of

    targets = set(session.scalars(select(campaign_targets.c.territory_id).where(
        campaign_targets.c.campaign_id == campaign.id)))
    if territory_id not in descendants_of(session, targets):
        raise InvalidInput("This campaign was not sent to this territory.",
                           params={"campaign_id": campaign.id, "territory_id": territory_id},
                           errors={"campaign_id": [N_("Not sent to this territory.")]})


def create_post(uow: UnitOfWork, actor: Actor, *, territory_id: int, fields: PostFields,
                template_key: str | None = None, campaign_id: int | None = None) -> Post:
    """Write a draft: an original post following a template, or a campaign's adaptation."""
    actor.require(*AUTHORS)
    require_territory(actor, territory_id)
    if uow.session.get(Territory, territory_id) is None:
        raise InvalidInput(f"No territory {territory_id}.",
                           errors={"territory_id": [N_("Unknown territory.")]})
    campaign = uow.session.get(Campaign, campaign_id) if campaign_id else None
    if campaign_id and (campaign is None or campaign.archived_at is not None):
        raise InvalidInput(f"No open campaign {campaign_id}.",
                           errors={"campaign_id": [N_("Unknown or archived campaign.")]})
    if campaign is not None:
        _require_target(uow.session, campaign, territory_id)
    version = _template_for(uow.session, campaign, template_key)
    post = Post(territory_id=territory_id, author_id=actor.user_id, campaign_id=campaign_id,
                template_version_id=version.id, status=PostStatus.DRAFT)
    if campaign is not None:
        slots = {**campaign.slot_values, **(fields.slot_values or {})}
        fields.slot_values = slots
        if fields.text is None:
            template = template_from_dict(version.data, patterns=PATTERNS)
            fields.text = render_template(template, slots)
        if fields.media is None:
            fields.media = list(campaign.media)
        if fields.publish_at is None:
            fields.publish_at = campaign.window_start
    with uow.session.no_autoflush:  # one INSERT once every field is known
        uow.session.add(post)
        _apply(uow.session, post, fields)
        _refresh_geography(uow.session, post)
    uow.flush()
    audit.record(uow.session, actor.user_id, "post.created", "post", post.id,
                 {"territory_id": territory_id, "campaign_id": campaign_id,
                  "template_version": version.number})
    return post


def edit_post(uow: UnitOfWork, actor: Actor, post_id: int, *, expected_version: int,
              fields: PostFields, messages: ViolationMessages) -> Post:
    """Change a post; an approved or scheduled post goes back to review.

    ``messages`` renders the report of a post that goes back to review as submitted.
    """
    from regions.review import check_version, text_diff

    post = get_post(uow.session, actor, post_id, for_update=True)
    require_territory(actor, post.territory_id)
    check_version(post, expected_version)
    before = post.text
    target = next_state(post.status, Action.EDIT, actor.role)
    if post.status == PostStatus.SCHEDULED:
        from regions.publishing.outbox import cancel_pending

        cancel_pending(uow, post)
    if post.status == PostStatus.FAILED:
        from regions.publishing.outbox import refuse_recreation

        refuse_recreation(uow, post)
    previous = post.status
    with uow.session.no_autoflush:  # one UPDATE, so one edit is one version
        _apply(uow.session, post, fields)
        _refresh_geography(uow.session, post)
        post.status, post.updated_at = target, func.now()
        if target == PostStatus.SUBMITTED:
            from regions.review import validate_for_submission

            validate_for_submission(uow.session, post, messages=messages)
    uow.flush()
    audit.record(uow.session, actor.user_id, "post.edited", "post", post.id,
                 {"from": previous.value, "to": target.value, "diff": text_diff(before, post.text)})
    return post


def report_of(post: Post) -> dict[str, Any]:
    """The stored validation report."""
    return dict(post.report or {})


def store_report(post: Post, report: Report, charter_id: int | None,
                 messages: ViolationMessages, *, loaded: bool = False) -> None:
    """Keep the last validation report on the post (errors, warnings, spans, messages).

    ``loaded``: the values are set as if loaded from the database, for a caller that writes
    them itself (a decision's UPDATE sent with the COMMIT): nothing is left for the ORM to flush.
    """
    fields = {"report": report_to_dict(report, messages),
              "has_warnings": any(v.severity.value == "warning" for v in report.violations),
              "charter_version_id": charter_id}
    for name, value in fields.items():
        if loaded:
            set_committed_value(post, name, value)
        else:
            setattr(post, name, value)
