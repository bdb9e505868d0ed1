"""Employee ambassadors: their opt-in, invitations, share kits, shares, clicks and engagement."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from regions.db import Base


class AmbassadorProfile(Base):
    """A volunteer's opt-in: which charter version they accepted, and their own choices.

    Personal data: deleted when the ambassador leaves (their shares are then anonymised).
    """

    __tablename__ = "ambassador_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    charter_version_id: Mapped[int | None] = mapped_column(ForeignKey("charter_versions.id"))
    charter_accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    on_leaderboard: Mapped[bool] = mapped_column(Boolean, server_default="false")
    wants_digest: Mapped[bool] = mapped_column(Boolean, server_default="true")
    digest_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    joined_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class AmbassadorInvitation(Base):
    """A single-use, expiring invitation link to join a territory as an ambassador."""

    __tablename__ = "ambassador_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    territory_id: Mapped[int] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


kit_recipients = Table(
    "kit_recipients",
    Base.metadata,
    Column("kit_id", ForeignKey("share_kits.id", ondelete="CASCADE"), primary_key=True),
    Column("territory_id", ForeignKey("territories.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class ShareKit(Base):
    """What the desk or a regional team gives ambassadors to share: a link and suggested texts."""

    __tablename__ = "share_kits"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), index=True
    )
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), index=True)
    link: Mapped[str] = mapped_column(String(2000))
    suggestions: Mapped[list[str]] = mapped_column(JSONB)
    image_url: Mapped[str | None] = mapped_column(String(2000))
    image_alt: Mapped[str | None] = mapped_column(String(500))
    networks: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    neighbour_km: Mapped[Decimal | None] = mapped_column(Numeric(7, 3))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Share(Base):
    """One ambassador's share of a kit on one network, behind its short link ``/s/<code>``.

    ``user_id`` and ``text`` are personal: erased when the ambassador leaves, while the row
    (its kit, territory, network and clicks) stays as an anonymous count and the link works.
    """

    __tablename__ = "shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    kit_id: Mapped[int] = mapped_column(ForeignKey("share_kits.id", ondelete="CASCADE"),
                                        index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id"), index=True)
    network: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(16), unique=True)
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ShareClick(Base):
    """Clicks on a share's short link, per day: no IP, no cookie, nothing about the clicker."""

    __tablename__ = "share_clicks"
    __table_args__ = (Index("ix_share_clicks_day", "day"),)

    share_id: Mapped[int] = mapped_column(
        ForeignKey("shares.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    clicks: Mapped[int] = mapped_column(Integer)


class PostEngagement(Base):
    """The Page post's own engagement as Graph last reported it (refreshed by the worker)."""

    __tablename__ = "post_engagement"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    reactions: Mapped[int] = mapped_column(Integer, server_default="0")
    comments: Mapped[int] = mapped_column(Integer, server_default="0")
    shares: Mapped[int] = mapped_column(Integer, server_default="0")
    fetched_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
