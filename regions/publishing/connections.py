"""Facebook Page connections: connect, rotate the token, disconnect, check, place tags.

The Page token is encrypted before it reaches the session (see :mod:`page_tokens`); only a
short hint of its last characters is ever shown, and neither audit entries nor logs hold it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from geoalchemy2 import WKTElement
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session

from editorial.errors import N_
from regions import audit
from regions.actors import DESK_ROLES, Actor
from regions.db import UnitOfWork
from regions.errors import InvalidInput, PermissionDenied
from regions.models import PageConnection, Post, PostStatus, Publication, Territory
from regions.models.publishing import FacebookPlace
from regions.publishing.graph import GraphClient
from regions.publishing.graph_errors import GraphError
from regions.publishing.outbox import schedule_if_connected
from regions.publishing.page_tokens import TokenCipher, TokenUnreadable, token_hint
from regions.territories import get_territory


@dataclass(frozen=True, slots=True)
class PlaceSpec:
    """A Facebook place near which the territory's posts are tagged with it."""

    place_id: str
    name: str
    lon: float
    lat: float
    radius_m: int = 2000


@dataclass(frozen=True, slots=True)
class ConnectionCheck:
    """The answer of "check connection": ok with the Page name, or the readable reason."""

    ok: bool
    page_name: str | None
    reason: str | None
    code: str | None
    checked_at: datetime


def find_connection(session: Session, actor: Actor, territory_id: int) -> PageConnection | None:
    """The territory's connection, for the central desk and the territory's members."""
    get_territory(session, territory_id)
    if not actor.is_central and territory_id not in actor.territory_ids:
        raise PermissionDenied("You do not belong to this territory.",
                               params={"territory_id": territory_id})
    return session.scalar(select(PageConnection).where(PageConnection.territory_id == territory_id))


def list_connections(session: Session, actor: Actor
                     ) -> list[tuple[Territory, PageConnection | None]]:
    """Every territory with its Page connection (or None), by name (central roles)."""
    actor.require(*DESK_ROLES)
    rows = session.execute(
        select(Territory, PageConnection)
        .outerjoin(PageConnection, PageConnection.territory_id == Territory.id)
        .order_by(Territory.name, Territory.id))
    return [(territory, connection) for territory, connection in rows]


TOKEN_REFUSED = "graph.token_invalid"  # TokenInvalid's code (graph_errors): reconnect the Page


@dataclass(frozen=True, slots=True)
class PageFailures:
    """A territory's posts whose publication failed (not retried yet), and the last failure."""

    count: int
    last_reason: str | None
    last_code: str | None  # the publication's error code (``graph.token_invalid``…)
    last_at: datetime | None

    def token_refused_since(self, connection: PageConnection) -> bool:
        """Whether the Page must be reconnected: Facebook last refused its token.

        Not when the token was given again (connected or rotated) or a check found the Page
        working since that failure.
        """
        if self.last_code != TOKEN_REFUSED or self.last_at is None:
            return False
        if connection.updated_at is not None and connection.updated_at > self.last_at:
            return False
        checked = connection.checked_at
        return not (connection.check_ok and checked is not None and checked > self.last_at)


def failures_by_territory(session: Session, actor: Actor) -> dict[int, PageFailures]:
    """Per territory with failed posts: how many, and the last failure (central roles)."""
    actor.require(*DESK_ROLES)
    counts = dict(session.execute(
        select(Post.territory_id, func.count()).where(Post.status == PostStatus.FAILED)
        .group_by(Post.territory_id)).all())
    if not counts:
        return {}
    moment = func.coalesce(Publication.finished_at, Post.updated_at)
    last = session.execute(
        select(Post.territory_id, Post.failure_reason, Publication.last_error_code, moment)
        .outerjoin(Publication, (Publication.post_id == Post.id)
                   & (Publication.status == "failed"))
        .where(Post.status == PostStatus.FAILED)
        .ext(distinct_on(Post.territory_id))
        .order_by(Post.territory_id, moment.desc(), Publication.id.desc().nulls_last()))
    return {territory_id: PageFailures(counts[territory_id], reason, code, at)
            for territory_id, reason, code, at in last}


def places_of(session: Session, territory_id: int) -> list[tuple[FacebookPlace, float, float]]:
    """The territory's places with their lon/lat, by name."""
    rows = session.execute(
        select(FacebookPlace, func.ST_X(FacebookPlace.geom), func.ST_Y(FacebookPlace.geom))
        .where(FacebookPlace.territory_id == territory_id).order_by(FacebookPlace.name))
    return [(place, float(lon), float(lat)) for place, lon, lat in rows]


def connect_page(uow: UnitOfWork, actor: Actor | None, territory_id: int, *, page_id: str,
                 token: str, cipher: TokenCipher, place_id: str | None = None,
                 places: list[PlaceSpec] | None = None) -> PageConnection:
    """Connect the territory's Page or rotate its token (central roles); schedule approved posts.

    ``actor=None`` is Relais itself (demo seeding).
    """
    if actor is not None:
        actor.require(*DESK_ROLES)
    get_territory(uow.session, territory_id)
    if not token.strip() or not page_id.strip():
        raise InvalidInput("A Page id and a Page access token are required.",
                           errors={"token": [N_("Required.")]})
    ciphertext = cipher.encrypt(token.strip())
    connection = uow.session.scalar(select(PageConnection).where(
        PageConnection.territory_id == territory_id).with_for_update())
    action = "page.token_rotated" if connection else "page.connected"
    if connection is None:
        connection = PageConnection(territory_id=territory_id)
        uow.session.add(connection)
    elif connection.page_id != page_id:
        action = "page.changed"
    connection.page_id, connection.token_ciphertext = page_id.strip(), ciphertext
    connection.token_hint, connection.place_id = token_hint(token.strip()), place_id
    connection.page_name = connection.page_name if action == "page.token_rotated" else None
    connection.checked_at = connection.check_ok = connection.check_error = None
    connection.updated_at = func.now()
    if places is not None:
        _replace_places(uow.session, territory_id, places)
    uow.flush()
    scheduled = _schedule_approved(uow, territory_id)
    audit.record(uow.session, actor.user_id if actor else None, action, "territory", territory_id,
                 {"page_id": connection.page_id, "token_hint": connection.token_hint,
                  "place_id": place_id, "places": len(places or []), "scheduled": scheduled})
    return connection


def _replace_places(session: Session, territory_id: int, places: list[PlaceSpec]) -> None:
    session.execute(delete(FacebookPlace).where(FacebookPlace.territory_id == territory_id))
    for spec in places:
        session.add(FacebookPlace(
            territory_id=territory_id, place_id=spec.place_id, name=spec.name,
            radius_m=spec.radius_m, geom=WKTElement(f"POINT({spec.lon} {spec.lat})", srid=4326)))


def _schedule_approved(uow: UnitOfWork, territory_id: int) -> int:
    """Posts approved while the territory had no Page are scheduled now."""
    waiting = uow.session.scalars(select(Post).where(
        Post.territory_id == territory_id, Post.status == PostStatus.APPROVED)
        .order_by(Post.id).with_for_update())
    return sum(schedule_if_connected(uow, post) is not None for post in waiting)


def disconnect_page(uow: UnitOfWork, actor: Actor, territory_id: int) -> bool:
    """Forget the territory's Page and its token; queued posts fail until it is reconnected."""
    actor.require(*DESK_ROLES)
    get_territory(uow.session, territory_id)
    connection = uow.session.scalar(select(PageConnection).where(
        PageConnection.territory_id == territory_id).with_for_update())
    if connection is None:
        return False
    uow.session.delete(connection)
    audit.record(uow.session, actor.user_id, "page.disconnected", "territory", territory_id,
                 {"page_id": connection.page_id})
    return True


def check_connection(units: Callable[[], UnitOfWork], actor: Actor, territory_id: int, *,
                     graph: GraphClient, cipher: TokenCipher,
                     now: datetime | None = None) -> ConnectionCheck:
    """Ask Graph for the Page's name with the stored token; record and return the outcome.

    The token is read in one transaction, Facebook is asked with none open, and the outcome is
    recorded in a second one, unless the Page or its token changed meanwhile (then the outcome
    is returned but not stored: it speaks of a token that is no longer there).
    """
    moment = now or datetime.now(UTC)
    with units() as uow:
        actor.require(*DESK_ROLES)
        get_territory(uow.session, territory_id)
        connection = uow.session.scalar(select(PageConnection).where(
            PageConnection.territory_id == territory_id))
        if connection is None:
            return ConnectionCheck(False, None, "No Facebook Page is connected to this "
                                   "territory.", "publishing.not_connected", moment)
        page_id, ciphertext, known_name = (connection.page_id, connection.token_ciphertext,
                                           connection.page_name)
    try:
        page = graph.get_page(page_id, cipher.decrypt(ciphertext))
    except (GraphError, TokenUnreadable) as exc:
        reason = exc.reason if isinstance(exc, GraphError) else exc.message
        result = ConnectionCheck(False, known_name, reason, exc.code, moment)
    else:
        result = ConnectionCheck(True, page.name, None, None, moment)
    with units() as uow:
        connection = uow.session.scalar(select(PageConnection).where(
            PageConnection.territory_id == territory_id).with_for_update())
        if connection is None or (connection.page_id, bytes(connection.token_ciphertext)) != (
                page_id, bytes(ciphertext)):
            return result
        if result.ok:
            connection.page_name = result.page_name
        connection.checked_at, connection.check_ok = moment, result.ok
        connection.check_error = result.reason
        audit.record(uow.session, actor.user_id, "page.checked", "territory", territory_id,
                     {"ok": result.ok, "code": result.code})
        uow.commit()
    return result
