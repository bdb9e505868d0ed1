"""Employee ambassadors: the role, opt-in profiles, invitations, share kits, shares, clicks.

``user_role`` gains ``ambassador``. ``share_clicks`` holds one counter per share and day (no
IP, nothing about the clicker); ``post_engagement`` the Page post's own reactions, comments and
shares as Graph last reported them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def _created(name: str = "created_at") -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(),
                     nullable=False)


def upgrade() -> None:
    # Adding an enum value is allowed inside a transaction (PostgreSQL 12+) as long as this
    # transaction does not use it.
    op.execute("ALTER TYPE user_role ADD VALUE IF NOT EXISTS 'ambassador'")
    op.create_table(
        "ambassador_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("charter_version_id", sa.Integer(), nullable=True),
        sa.Column("charter_accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("on_leaderboard", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("wants_digest", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("digest_sent_at", sa.DateTime(timezone=True), nullable=True),
        _created("joined_at"),
        sa.ForeignKeyConstraint(["charter_version_id"], ["charter_versions.id"],
                                name="fk_ambassador_profiles_charter_version_id_charter_versions"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name="fk_ambassador_profiles_user_id_users"),
        sa.PrimaryKeyConstraint("user_id", name="pk_ambassador_profiles"),
    )
    op.create_table(
        "ambassador_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _created(),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL",
                                name="fk_ambassador_invitations_created_by_users"),
        sa.ForeignKeyConstraint(["territory_id"], ["territories.id"], ondelete="CASCADE",
                                name="fk_ambassador_invitations_territory_id_territories"),
        sa.ForeignKeyConstraint(["used_by"], ["users.id"], ondelete="SET NULL",
                                name="fk_ambassador_invitations_used_by_users"),
        sa.PrimaryKeyConstraint("id", name="pk_ambassador_invitations"),
        sa.UniqueConstraint("token_hash", name="uq_ambassador_invitations_token_hash"),
    )
    op.create_index("ix_ambassador_invitations_territory_id", "ambassador_invitations",
                    ["territory_id"])
    op.create_table(
        "share_kits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("link", sa.String(2000), nullable=False),
        sa.Column("suggestions", postgresql.JSONB(), nullable=False),
        sa.Column("image_url", sa.String(2000), nullable=True),
        sa.Column("image_alt", sa.String(500), nullable=True),
        sa.Column("networks", postgresql.ARRAY(sa.String(16)), nullable=False),
        sa.Column("neighbour_km", sa.Numeric(7, 3), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _created(),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="SET NULL",
                                name="fk_share_kits_campaign_id_campaigns"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL",
                                name="fk_share_kits_created_by_users"),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], ondelete="SET NULL",
                                name="fk_share_kits_post_id_posts"),
        sa.ForeignKeyConstraint(["territory_id"], ["territories.id"],
                                name="fk_share_kits_territory_id_territories"),
        sa.PrimaryKeyConstraint("id", name="pk_share_kits"),
    )
    for column in ("post_id", "campaign_id", "territory_id"):
        op.create_index(f"ix_share_kits_{column}", "share_kits", [column])
    op.create_table(
        "kit_recipients",
        sa.Column("kit_id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["kit_id"], ["share_kits.id"], ondelete="CASCADE",
                                name="fk_kit_recipients_kit_id_share_kits"),
        sa.ForeignKeyConstraint(["territory_id"], ["territories.id"], ondelete="CASCADE",
                                name="fk_kit_recipients_territory_id_territories"),
        sa.PrimaryKeyConstraint("kit_id", "territory_id", name="pk_kit_recipients"),
    )
    op.create_index("ix_kit_recipients_territory_id", "kit_recipients", ["territory_id"])
    op.create_table(
        "shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kit_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(16), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        _created(),
        sa.ForeignKeyConstraint(["kit_id"], ["share_kits.id"], ondelete="CASCADE",
                                name="fk_shares_kit_id_share_kits"),
        sa.ForeignKeyConstraint(["territory_id"], ["territories.id"],
                                name="fk_shares_territory_id_territories"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL",
                                name="fk_shares_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_shares"),
        sa.UniqueConstraint("code", name="uq_shares_code"),
    )
    for column in ("kit_id", "user_id", "territory_id"):
        op.create_index(f"ix_shares_{column}", "shares", [column])
    op.create_table(
        "share_clicks",
        sa.Column("share_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["share_id"], ["shares.id"], ondelete="CASCADE",
                                name="fk_share_clicks_share_id_shares"),
        sa.PrimaryKeyConstraint("share_id", "day", name="pk_share_clicks"),
    )
    op.create_index("ix_share_clicks_day", "share_clicks", ["day"])
    op.create_table(
        "post_engagement",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("reactions", sa.Integer(), server_default="0", nullable=False),
        sa.Column("comments", sa.Integer(), server_default="0", nullable=False),
        sa.Column("shares", sa.Integer(), server_default="0", nullable=False),
        _created("fetched_at"),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], ondelete="CASCADE",
                                name="fk_post_engagement_post_id_posts"),
        sa.PrimaryKeyConstraint("post_id", name="pk_post_engagement"),
    )


def downgrade() -> None:
    for table in ("post_engagement", "share_clicks", "shares", "kit_recipients", "share_kits",
                  "ambassador_invitations", "ambassador_profiles"):
        op.drop_table(table)
    # PostgreSQL cannot drop one value of an enum: ambassadors become viewers, the value stays.
    op.execute("UPDATE memberships SET role = 'viewer' WHERE role = 'ambassador'")
    op.execute("UPDATE users SET role = 'viewer' WHERE role = 'ambassador'")
