"""Territories (the organisation's own areas), memberships and the administrative gazetteer."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from regions.db import Base
from regions.models.accounts import Role, enum_values

territory_areas = Table(
    "territory_areas",
    Base.metadata,
    Column("territory_id", ForeignKey("territories.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("admin_areas.id", ondelete="RESTRICT"), primary_key=True),
)


class AdminArea(Base):
    """One administrative unit of the gazetteer (a région, a département, a commune…)."""

    __tablename__ = "admin_areas"
    __table_args__ = (
        UniqueConstraint("level", "code", name="uq_admin_areas_level_code"),
        Index("ix_admin_areas_search", "search_name", postgresql_using="gin",
              postgresql_ops={"search_name": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    search_name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("admin_areas.id", ondelete="SET NULL"), index=True
    )
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False)
    geom_simplified = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False
    )
    source: Mapped[str] = mapped_column(String(255), server_default="")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Territory(Base):
    """An area of the organisation: group › region › local area; drawn or composed."""

    __tablename__ = "territories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), server_default="region")
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("territories.id", ondelete="RESTRICT"), index=True
    )
    timezone: Mapped[str] = mapped_column(String(64), server_default="Europe/Paris")
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=True)
    geom_source: Mapped[str] = mapped_column(String(16), server_default="drawn")
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    parent: Mapped[Territory | None] = relationship(remote_side=[id])
    areas: Mapped[list[AdminArea]] = relationship(secondary=territory_areas)

    __mapper_args__ = {"version_id_col": version}


class IndexVersion(Base):
    """A counter bumped by a trigger on each statement that changes an indexed table.

    In-memory indexes (``geodata.index``) compare it instead of scanning the table.
    """

    __tablename__ = "index_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, server_default="1")


class Membership(Base):
    """A user's membership of a territory, with the role it holds there."""

    __tablename__ = "memberships"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    territory_id: Mapped[int] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", values_callable=enum_values, create_type=False)
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
