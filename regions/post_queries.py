"""Reading posts: filtered lists with cursor pagination, the review queue, the audit export."""

from __future__ import annotations

import base64
import csv
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Double,
    Row,
    Select,
    Text,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session

from editorial.errors import N_
from regions.actors import MAX_TERRITORY_DEPTH, Actor
from regions.audit import events_for
from regions.db import read_later
from regions.errors import InvalidInput
from regions.models import Campaign, Post, PostStatus, TemplateRecord, TemplateVersion, User
from regions.posts import PUBLIC_STATES
from regions.teams import descendants_of

FAR_FUTURE = datetime(9999, 1, 1).astimezone()
QUEUE_STATES = (PostStatus.SUBMITTED,)
# Posts in a box, newest first: ``ix_posts_box_cell`` (migration 0015) orders the geotagged
# posts by id within each web-mercator cell of level BOX_LEVEL (512 a side, ~78 km; the
# ``map_cell`` function numbers the level-8 cells, 8192 a side). A box read cell by cell,
# merged by id, reads about ``limit`` posts plus a few per cell whatever the number of posts
# (decision 0033), when it spans few cells (BOX_MAX_CELLS), covers a fair part of them
# (BOX_MIN_SHARE) and is the only filter; otherwise, a big box holds many posts (the primary
# key read backwards soon finds a page) and a small one few (the GiST index finds them all).
BOX_LEVEL = 4
BOX_CELLS = 32 << BOX_LEVEL
BOX_MAX_CELLS = 64
BOX_MIN_SHARE = 1 / 8
MERCATOR_MAX_LAT = 85.0511  # degrees: beyond, Web Mercator has no cells
_CELL_MARGIN = 1e-6  # of a cell: a box edge this close to a cell's is given both cells
# Posts by territory and state, newest first: one backward scan of an index on (territory, id),
# (state, id) or (territory, state, id) per territory and state asked for and seen, each
# stopping at a page, whatever the number of newer posts left out (decision 0040). Beyond
# MERGE_MAX_SCANS scans, reading a page from each costs more than the planner's own choice.
MERGE_MAX_SCANS = 16
MAX_ID = 2**31 - 1  # posts.id is an integer


@dataclass
class PostFilters:
    """What the list of posts can be narrowed by."""

    territory_id: int | None = None
    statuses: list[PostStatus] = field(default_factory=list)
    campaign_id: int | None = None
    author_id: int | None = None
    publish_from: datetime | None = None
    publish_to: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None
    text: str | None = None


def encode_cursor(values: list[Any]) -> str:
    """An opaque cursor from the last item's sort key."""
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *converters: Callable[[Any], Any]) -> list[Any]:
    """The sort key from a cursor, each value converted; a damaged cursor is a 422."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(converters):
            raise ValueError
        return [convert(value) for convert, value in zip(converters, values, strict=True)]
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError):
        raise InvalidInput("The cursor is not valid: start again without it.",
                           errors={"cursor": [N_("Invalid cursor.")]}) from None


def _row_id(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31:
        raise ValueError(value)
    return value


def _moment(value: Any) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(value)
    return moment


def visible(actor: Actor, post: Any = Post) -> ColumnElement[bool]:
    """What the actor may see: everything, or its territories' posts and all published ones.

    ``post`` is the posts table or an alias of it (the other post of a pair).
    """
    if actor.is_central:
        return literal(True)
    return or_(post.territory_id.in_(actor.territory_ids or {0}), post.status.in_(PUBLIC_STATES))


def statuses_seen(actor: Actor) -> frozenset[PostStatus]:
    """Every state a post the actor may see can be in (what ``visible`` lets through).

    The desk and the members of a territory see posts in every state; someone of no
    territory (a viewer of the whole network) sees published posts only.
    """
    if actor.is_central or actor.territory_ids:
        return frozenset(PostStatus)
    return PUBLIC_STATES


def _conditions(session: Session, actor: Actor, filters: PostFilters,
                scope: frozenset[int] | None = None) -> list[ColumnElement[bool]]:
    """What the filters and the actor's visibility ask of a post, as SQL conditions."""
    conditions = [visible(actor)]
    if filters.territory_id is not None:
        if scope is None:
            scope = descendants_of(session, {filters.territory_id})
        conditions.append(Post.territory_id.in_(scope or {0}))
    if filters.statuses:
        conditions.append(Post.status.in_(filters.statuses))
    for column, value in ((Post.campaign_id, filters.campaign_id),
                          (Post.author_id, filters.author_id)):
        if value is not None:
            conditions.append(column == value)
    if filters.publish_from is not None:
        conditions.append(Post.publish_at >= filters.publish_from)
    if filters.publish_to is not None:
        conditions.append(Post.publish_at < filters.publish_to)
    if filters.bbox is not None:
        west, south, east, north = filters.bbox
        envelope = func.ST_MakeEnvelope(west, south, east, north, 4326)
        conditions.append(func.ST_Intersects(Post.geom, envelope))
    if filters.text:
        escaped = filters.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(Post.text.ilike(f"%{escaped}%"))
    return conditions


def _cell_span(low: float, high: float) -> tuple[range, float]:
    """The cells (of BOX_LEVEL) from ``low`` to ``high`` (in cells) and the share they cover."""
    first = max(0, math.floor(low - _CELL_MARGIN))
    last = min(BOX_CELLS - 1, math.floor(high + _CELL_MARGIN))
    return range(first, last + 1), (high - low) / (last + 1 - first)


def box_cells(bbox: tuple[float, float, float, float]) -> list[tuple[int, int]] | None:
    """The cells a box is read from, cell by cell, or None when another plan reads fewer posts.

    The cells are those ``map_cell(...) >> (8 - BOX_LEVEL)`` gives the box's corners in Web
    Mercator, and all between.
    """
    west, south, east, north = bbox
    if not (-180 <= west < east <= 180
            and -MERCATOR_MAX_LAT <= south < north <= MERCATOR_MAX_LAT):
        return None

    def row(lat: float) -> float:
        return (math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi + 1) \
            * BOX_CELLS / 2

    columns, wide = _cell_span((west + 180) / 360 * BOX_CELLS, (east + 180) / 360 * BOX_CELLS)
    rows, high = _cell_span(row(south), row(north))
    if len(columns) * len(rows) > BOX_MAX_CELLS or wide * high < BOX_MIN_SHARE:
        return None
    return [(x, y) for x in columns for y in rows]


def _cell(coordinate: Any) -> ColumnElement[int]:
    """SQL: a post's cell of BOX_LEVEL along one axis, as ``ix_posts_box_cell`` keys it."""
    shift: ColumnElement[int] = literal_column(str(8 - BOX_LEVEL))  # a constant: the index matches
    cell: ColumnElement[int] = func.map_cell(coordinate(Post.geom_3857)).op(">>")(shift)
    return cell


_CELL_X, _CELL_Y = _cell(func.ST_X), _cell(func.ST_Y)


def _by_cells(conditions: list[ColumnElement[bool]], bbox: tuple[float, float, float, float],
              cells: list[tuple[int, int]], limit: int) -> ColumnElement[bool]:
    """Posts in the box as one index scan per cell, newest first, merged: a page's posts.

    The box is tested on the point's coordinates (what ``ST_Intersects`` says of a point), so
    that the planner has no other index to mix in and each scan stops once it has given its
    part of the page.
    """
    west, south, east, north = bbox
    scan = select(Post.id).where(
        *conditions, Post.geom_3857.is_not(None), func.ST_X(Post.geom).between(west, east),
        func.ST_Y(Post.geom).between(south, north)).order_by(Post.id.desc())
    ids = union_all(*(scan.where(_CELL_X == x, _CELL_Y == y) for x, y in cells)).subquery()
    return Post.id.in_(select(ids.c.id).order_by(ids.c.id.desc()).limit(limit))


@dataclass(frozen=True)
class _Scan:
    """Posts of one territory, of one state, or both (None: any), but none of ``not_in``."""

    territory_id: int | None = None
    status: PostStatus | None = None
    not_in: frozenset[int] = frozenset()

    def newest(self, before: int | None, limit: int) -> Select[Any]:
        """The ids of the scan's newest ``limit`` posts older than ``before``.

        Written as the range of an index on (territory, state, id) it reads, backwards: keys
        ``(v…, 1)`` to ``(v…, before - 1)``, ordered by the key. Only that index gives this
        order, so the planner reads it from ``before`` down, a page and no more. An equality
        (``status = 'published'``) would let it walk the primary key instead, which it thinks
        cheaper for a common value, not knowing that the newest posts may all lack it.
        """
        keys = [column for column, value in ((Post.territory_id, self.territory_id),
                                             (Post.status, self.status)) if value is not None]
        values = [value for value in (self.territory_id, self.status) if value is not None]
        last = before - 1 if before is not None else MAX_ID
        query = select(Post.id).where(
            tuple_(*keys, Post.id).between(tuple_(*values, 1), tuple_(*values, last)))
        if self.not_in:
            query = query.where(Post.territory_id.not_in(sorted(self.not_in)))
        return query.order_by(*(key.desc() for key in keys), Post.id.desc()).limit(limit)


def _scans(actor: Actor, scope: frozenset[int] | None,
           statuses: list[PostStatus]) -> list[_Scan]:
    """Disjoint scans whose posts are those of ``scope`` and ``statuses`` the actor may see.

    None of them reads a post the actor may not see: an editor's scans are its territories'
    posts and the public posts of the others (its own left out, which its own scans give).
    """
    own, public = actor.territory_ids, sorted(PUBLIC_STATES)
    territories: list[int | None] = [*sorted(scope)] if scope is not None else [None]
    states: list[PostStatus | None] = [*sorted(set(statuses))] or [None]
    scans: list[_Scan] = []
    for territory in territories:
        for status in states:
            if actor.is_central or status in PUBLIC_STATES or territory in own:
                scans.append(_Scan(territory, status))
            elif territory is not None:  # another territory's: its public posts only
                scans += [_Scan(territory, state) for state in public if status is None]
            elif status is not None:  # a state not public: in the actor's territories only
                scans += [_Scan(mine, status) for mine in sorted(own)]
            else:
                scans += [_Scan(mine) for mine in sorted(own)]
                scans += [_Scan(None, state, own) for state in public]
    return scans


def _page_conditions(session: Session, actor: Actor, filters: PostFilters, *, limit: int,
                     cursor: str | None,
                     scope: frozenset[int] | None) -> list[ColumnElement[bool]] | None:
    """What a page's posts are, newest first (the caller orders and limits); None: no post.

    A list by territory and state only is read as disjoint scans (``_scans``) of at most a
    page each, a box alone cell by cell (``box_cells``): either way a page or a few, whatever
    the number of newer posts the filters leave out (decisions 0033, 0040). Other filters have
    indexes of their own, which the planner weighs.
    """
    before = decode_cursor(cursor, _row_id)[0] if cursor else None
    older = [Post.id < before] if before is not None else []
    others = replace(filters, bbox=None)
    if filters.bbox is not None:
        # Another filter may keep few of a cell's posts: then its own index (or GiST) reads fewer.
        cells = box_cells(filters.bbox) if others == PostFilters() else None
        if cells:
            return [_by_cells([visible(actor), *older], filters.bbox, cells, limit)]
    elif others == PostFilters(territory_id=filters.territory_id, statuses=filters.statuses):
        if filters.territory_id is not None and scope is None:
            scope = descendants_of(session, {filters.territory_id})
        scans = _scans(actor, scope if filters.territory_id is not None else None,
                       filters.statuses)
        if not scans:
            return None
        if scans == [_Scan()]:  # every post: the primary key, backwards
            return older
        if len(scans) == 1:
            return [Post.id.in_(scans[0].newest(before, limit))]
        if len(scans) <= MERGE_MAX_SCANS:
            ids = union_all(*(scan.newest(before, limit) for scan in scans)).subquery()
            return [Post.id.in_(select(ids.c.id).order_by(ids.c.id.desc()).limit(limit))]
    return [*_conditions(session, actor, filters, scope), *older]


def list_posts(session: Session, actor: Actor, filters: PostFilters, *, limit: int,
               cursor: str | None,
               scope: frozenset[int] | None = None) -> tuple[list[Post], str | None]:
    """Newest first, one page, and the cursor of the next page (None at the end).

    ``scope``: the filter's territory and its descendants, when already read (``scope_later``).
    """
    conditions = _page_conditions(session, actor, filters, limit=limit + 1, cursor=cursor,
                                  scope=scope)
    if conditions is None:
        return [], None
    posts = list(session.scalars(
        select(Post).where(*conditions).order_by(Post.id.desc()).limit(limit + 1)))
    return posts[:limit], encode_cursor([posts[limit - 1].id]) if len(posts) > limit else None


# A post as the list shows it, in plain values: the geotag as coordinates, the template as its
# key and version number, the JSON columns as their JSON text (sent on as they are).
ROW_COLUMNS = (
    Post.id, Post.territory_id, Post.author_id, Post.campaign_id, Post.text,
    cast(Post.slot_values, Text).label("slot_values"), cast(Post.media, Text).label("media"),
    Post.link, Post.place_name, Post.publish_at, cast(Post.report, Text).label("report"),
    Post.has_warnings, Post.facebook_post_id, Post.permalink, Post.published_at,
    Post.failure_reason, Post.created_at, Post.updated_at, Post.version, Post.status,
    TemplateRecord.key.label("template_key"), TemplateVersion.number.label("template_number"),
    func.ST_X(Post.geom).label("lon"), func.ST_Y(Post.geom).label("lat"),
    cast(Post.audience_radius_km, Double).label("radius_km"), Post.audience_area_ids)


def list_post_rows(session: Session, actor: Actor, filters: PostFilters, *, limit: int,
                   cursor: str | None,
                   scope: frozenset[int] | None = None) -> tuple[list[Row[Any]], str | None]:
    """``list_posts`` as rows of ROW_COLUMNS, with their templates, in one query."""
    conditions = _page_conditions(session, actor, filters, limit=limit + 1, cursor=cursor,
                                  scope=scope)
    if conditions is None:
        return [], None
    rows = list(session.execute(
        select(*ROW_COLUMNS).select_from(Post)
        .join(TemplateVersion, TemplateVersion.id == Post.template_version_id)
        .join(TemplateRecord, TemplateRecord.id == TemplateVersion.template_id)
        .where(*conditions).order_by(Post.id.desc()).limit(limit + 1)))
    return rows[:limit], encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None


# The filter's territory and its descendants, in driver SQL so that it rides with the token's
# read (``regions.db.read_later``); through the parent index, as ``regions.actors.SCOPE_SQL``.
_SCOPE_OF_TERRITORY = (
    "WITH RECURSIVE tree(id, depth) AS (SELECT t.id, 0 FROM territories t "
    "WHERE t.id = %(territory_id)s "
    "UNION ALL SELECT c.id, tree.depth + 1 FROM tree CROSS JOIN LATERAL "
    "(SELECT k.id FROM territories k WHERE k.parent_id = tree.id OFFSET 0) c "
    f"WHERE tree.depth < {MAX_TERRITORY_DEPTH}) "
    "SELECT id FROM tree")


def scope_later(session: Session,
                territory_id: int | None) -> Callable[[], frozenset[int] | None]:
    """``descendants_of`` one territory (None without one), read with the session's next read."""
    if territory_id is None:
        return lambda: None
    rows = read_later(session, _SCOPE_OF_TERRITORY, {"territory_id": territory_id})
    return lambda: frozenset(row[0] for row in rows())


def review_queue(session: Session, actor: Actor, *, limit: int, cursor: str | None,
                 territory_id: int | None = None) -> tuple[list[Post], str | None]:
    """Submitted posts, the most urgent first: campaign deadline, then publication time."""
    deadline = func.coalesce(Campaign.adapt_deadline, FAR_FUTURE)
    publish = func.coalesce(Post.publish_at, FAR_FUTURE)
    query = (
        select(Post).where(*_conditions(session, actor, PostFilters(
            territory_id=territory_id, statuses=list(QUEUE_STATES))))
        .outerjoin(Campaign, Campaign.id == Post.campaign_id)
        .add_columns(deadline, publish)
        .order_by(deadline, publish, Post.id)
    )
    if cursor:
        key = decode_cursor(cursor, _moment, _moment, _row_id)
        query = query.where(tuple_(deadline, publish, Post.id) > tuple_(*map(literal, key)))
    rows = list(session.execute(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor([rows[-1][1], rows[-1][2], rows[-1][0].id]) if more else None
    return [row[0] for row in rows], next_cursor


def audit_trail(session: Session, post_id: int) -> list[dict[str, Any]]:
    """Every event about a post, oldest first, with the actor's e-mail."""
    events = events_for(session, "post", post_id)
    actor_ids = {e.actor_id for e in events if e.actor_id}
    emails = {row[0]: row[1] for row in session.execute(
        select(User.id, User.email).where(User.id.in_(actor_ids)))} if actor_ids else {}
    return [{"id": e.id, "at": e.at, "action": e.action, "actor_id": e.actor_id,
             "actor": emails.get(e.actor_id) if e.actor_id else "system", "data": e.data}
            for e in events]


def audit_csv(trail: list[dict[str, Any]]) -> str:
    """The audit trail as CSV (one event a row, details as JSON)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "at", "action", "actor", "details"])
    for event in trail:
        writer.writerow([event["id"], event["at"].isoformat(), event["action"], event["actor"],
                         json.dumps(event["data"], ensure_ascii=False, sort_keys=True)])
    return out.getvalue()
