"""Campaigns (central content), regional posts, review comments and webhook deliveries."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Computed,
    Date,
    DateTime,
    Double,
    Enum,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from regions.db import Base
from regions.models.accounts import enum_values


class PostStatus(enum.StrEnum):
    """Where a post stands in the workflow."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    FAILED = "failed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    ARCHIVED = "archived"


campaign_targets = Table(
    "campaign_targets",
    Base.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("territory_id", ForeignKey("territories.id", ondelete="CASCADE"), primary_key=True),
)


class Campaign(Base):
    """Central content sent to territories for local adaptation."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    template_version_id: Mapped[int] = mapped_column(ForeignKey("template_versions.id"))
    master_text: Mapped[str] = mapped_column(Text, server_default="")
    slot_values: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    media: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    window_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    adapt_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class Post(Base):
    """A geotagged local post, validated against one template version."""

    __tablename__ = "posts"
    __table_args__ = (
        # Lists newest first by territory, by state, or both: one backward scan per territory
        # and state asked for, merged (regions.post_queries, decision 0040).
        Index("ix_posts_territory_status", "territory_id", "status", "id"),
        Index("ix_posts_territory_newest", "territory_id", "id"),
        Index("ix_posts_status_newest", "status", "id"),
        Index("ix_posts_status_publish_at", "status", "publish_at"),
        # A campaign's posts, and its posts beneath some targets (a team's part: its home page,
        # its map), without reading the others (regions.campaigns, migration 0018).
        Index("ix_posts_campaign_territory", "campaign_id", "territory_id"),
        Index("ix_posts_text_trgm", "text", postgresql_using="gin",
              postgresql_ops={"text": "gin_trgm_ops"}),
        # The activity map: untagged posts (the rest are counted in map_cells), and periods.
        Index("ix_posts_untagged", "territory_id", "status", postgresql_where=text("geom IS NULL")),
        Index("ix_posts_publish_at", "publish_at",
              postgresql_include=["territory_id", "status"]),
        # The desk's queue, waiting longest first: read in order, whatever the archive's size.
        Index("ix_posts_submitted_queue", "updated_at", "id",
              postgresql_where=text("status = 'submitted'")),
        # Posts in a box, newest first, cell by cell (regions.post_queries.box_cells).
        Index("ix_posts_box_cell", text("(map_cell(ST_X(geom_3857)) >> 4)"),
              text("(map_cell(ST_Y(geom_3857)) >> 4)"), "id",
              postgresql_where=text("geom_3857 IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL")
    )
    template_version_id: Mapped[int] = mapped_column(ForeignKey("template_versions.id"))
    charter_version_id: Mapped[int | None] = mapped_column(ForeignKey("charter_versions.id"))
    status: Mapped[PostStatus] = mapped_column(
        Enum(PostStatus, name="post_status", values_callable=enum_values),
        server_default=PostStatus.DRAFT.value,
    )
    text: Mapped[str] = mapped_column(Text, server_default="")
    slot_values: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    media: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    link: Mapped[str | None] = mapped_column(String(2000))
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=True)
    # The same point in Web Mercator, kept by PostgreSQL, for vector tiles (no per-tile transform).
    # Only SQL reads it: deferred, so loading posts does not encode and parse it for nothing.
    geom_3857 = mapped_column(Geometry("POINT", srid=3857, spatial_index=True),
                              Computed("ST_Transform(geom, 3857)", persisted=True), nullable=True,
                              deferred=True)
    place_name: Mapped[str | None] = mapped_column(String(200))
    audience_radius_km: Mapped[Decimal | None] = mapped_column(Numeric(7, 3))
    audience_area_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer), server_default="{}")
    audience_geom = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=True
    )
    publish_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    report: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    has_warnings: Mapped[bool] = mapped_column(Boolean, server_default="false")
    facebook_post_id: Mapped[str | None] = mapped_column(String(100))
    permalink: Mapped[str | None] = mapped_column(String(500))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # Use cases set it to now() (the transaction's time): FetchedValue has it come back with
    # the UPDATE (eager_defaults, below) instead of a SELECT of its own.
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), server_onupdate=FetchedValue()
    )
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    # eager_defaults: what PostgreSQL computes (updated_at, geom_3857) comes back with the
    # INSERT or UPDATE (RETURNING), so showing a post after a write reads nothing more.
    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}


class MapChange(Base):
    """How many committed transactions changed a table the map draws (bumped at commit).

    The map's ETags are made of these counters: reading them is one index lookup, never a scan.
    """

    __tablename__ = "map_changes"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    counter: Mapped[int] = mapped_column(BigInteger, server_default="0")


class _CellCounts:
    """A map cell's key below its level and its figures (``MapCell``, ``MapCellPending``)."""

    ix: Mapped[int] = mapped_column(Integer, primary_key=True)
    iy: Mapped[int] = mapped_column(Integer, primary_key=True)
    territory_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[PostStatus] = mapped_column(
        Enum(PostStatus, name="post_status", values_callable=enum_values, create_type=False),
        primary_key=True,
    )
    posts: Mapped[int] = mapped_column(Integer)
    sum_x: Mapped[float] = mapped_column(Double)
    sum_y: Mapped[float] = mapped_column(Double)


class _DayCounts:
    """A day's key and figures (``ActivityDay``, ``ActivityDayPending``)."""

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    territory_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    posts: Mapped[int] = mapped_column(Integer)
    published: Mapped[int] = mapped_column(Integer)
    pending: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)


class MapCell(_CellCounts, Base):
    """Posts counted per cell of a grid, territory and state, for the map's low-zoom clusters.

    Kept by statement-level triggers on ``posts`` (migration 0007), in the writing transaction,
    applied at its commit (migration 0016).
    ``level`` is a zoom from 0 to 8; a cell is one of the 32 × 32 cells of a tile at that zoom
    (``ix`` from the west, ``iy`` from the south of the Web Mercator square). ``sum_x`` and
    ``sum_y`` (3857 metres) give the members' mean position.
    """

    __tablename__ = "map_cells"
    __table_args__ = (
        # Cells whose last post left: deleted when the changes are applied, at commit.
        Index("ix_map_cells_empty", "level", postgresql_where=text("posts = 0")),
    )

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, sort_order=-1)


class ActivityDay(_DayCounts, Base):
    """Posts counted per publication day (UTC) and territory, by state, for the activity map.

    Kept by statement-level triggers on ``posts`` (migration 0015), at the writing commit (0016),
    so a period of whole days is read from these rows, whatever the number of posts. One row
    a day and territory holds the figures the map shows (decision 0033): all posts, the
    published ones (the only public state, what other territories' editors see), the pending
    ones and the failed ones.
    """

    __tablename__ = "activity_days"
    __table_args__ = (
        # Days whose last post left: deleted when the changes are applied, at commit.
        Index("ix_activity_days_empty", "day", postgresql_where=text("posts = 0")),
    )



class MapCellPending(_CellCounts, Base):
    """A transaction's changes to ``map_cells``' finest cells, applied at commit (decision 0039).

    Upserted by the statement-level triggers on ``posts`` instead of the cells themselves, so
    that concurrent writers of one place lock nothing shared until they commit; the commit-time
    trigger of ``map_changes`` sums them up every level of ``map_cells`` and deletes them
    (migration 0016).
    Unlogged: no row outlives its transaction. Never read by the application.
    """

    __tablename__ = "map_cells_pending"
    __table_args__ = {"prefixes": ["UNLOGGED"]}

    xact: Mapped[int] = mapped_column(BigInteger, primary_key=True, sort_order=-1)


class ActivityDayPending(_DayCounts, Base):
    """A transaction's changes to ``activity_days``, applied at commit, like ``MapCellPending``."""

    __tablename__ = "activity_days_pending"
    __table_args__ = {"prefixes": ["UNLOGGED"]}

    xact: Mapped[int] = mapped_column(BigInteger, primary_key=True, sort_order=-1)


class Comment(Base):
    """A reviewer's or author's comment on a post."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class WebhookEndpoint(Base):
    """A URL that receives signed post lifecycle events."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)  # Fernet, like Page tokens
    events: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class WebhookDelivery(Base):
    """One event for one endpoint: written with the change (outbox), sent and retried later."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
