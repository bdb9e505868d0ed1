"""Facebook Page connections of territories, and publication attempts (the outbox)."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from regions.db import Base


class PageConnection(Base):
    """A territory's Facebook Page; the Page token is stored encrypted, never returned."""

    __tablename__ = "page_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), unique=True
    )
    page_id: Mapped[str] = mapped_column(String(64))
    page_name: Mapped[str | None] = mapped_column(String(200))
    token_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    token_hint: Mapped[str] = mapped_column(String(8))
    # The Page's own location (a place Page id): the place tag when no nearer place is known.
    place_id: Mapped[str | None] = mapped_column(String(64))
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    check_ok: Mapped[bool | None]
    check_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class FacebookPlace(Base):
    """A Facebook place (a location Page) near which a territory's posts are tagged with it."""

    __tablename__ = "facebook_places"

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), index=True
    )
    place_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=False)
    radius_m: Mapped[int] = mapped_column(Integer, server_default="2000")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Publication(Base):
    """One approved post to publish: written with the approval, claimed by a worker.

    ``status``: queued → in_flight → succeeded | failed (or cancelled). ``attempts`` counts
    claims (it is the fence of each claim); ``failures`` counts the Graph calls that failed,
    which alone drive the backoff and the give-up limit, so a crashing worker never uses
    them up. Every Graph call is listed in ``publication_attempts``.
    """

    __tablename__ = "publications"
    __table_args__ = (
        Index("ix_publications_due", "status", "due_at"),
        Index("uq_publications_post_active", "post_id", unique=True,
              postgresql_where="status IN ('queued', 'in_flight')"),
        # One Facebook post belongs to one publication: two Relais posts with the same text
        # can never both adopt the same Facebook post during reconciliation.
        Index("uq_publications_graph_post_id", "graph_post_id", unique=True,
              postgresql_where="graph_post_id IS NOT NULL"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), server_default="queued")
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    failures: Mapped[int] = mapped_column(Integer, server_default="0")
    first_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempt_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    worker: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_code: Mapped[str | None] = mapped_column(String(64))
    graph_post_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PublicationAttempt(Base):
    """One Graph call made for a publication: what was tried, when, and Facebook's answer.

    ``kind``: publish, lookup, permalink or remove_copy. A publish row is written *before*
    the call (the mark) with no answer; ``outcome`` stays NULL until the answer is stored,
    and becomes ``no_answer`` when a later claim finds that the worker died in between.
    ``landed_at`` is when Facebook stored a post an unanswered call created (found later by
    a lookup or the copy sweep): how late Facebook stores is learnt from these rows.
    """

    __tablename__ = "publication_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publications.id", ondelete="CASCADE"), index=True)
    claim: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(16))
    code: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
    graph_post_id: Mapped[str | None] = mapped_column(String(100))
    landed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class GraphHold(Base):
    """Facebook throttled a whole scope (the app, or one Page): nothing of it runs until then."""

    __tablename__ = "graph_holds"

    scope: Mapped[str] = mapped_column(String(80), primary_key=True)  # "app" or "page:<id>"
    until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    graph_code: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
