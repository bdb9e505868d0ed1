"""Browser sessions kept in the database, and the settings an admin changes at run time.

``web_sessions``: one row per signed-in browser (the cookie holds a random id, the table its
SHA-256); logging out, a password change, disabling the account or an admin's "sign out
everywhere" end the row, so a captured cookie stops working at once (decision 0015).

``site_settings``: a single row (id 1) with the maximum lifetime of API tokens (365 days by
default; NULL allows tokens that never expire) and whether someone may approve a post they
wrote (no by default). Tokens that already outlive the new maximum are shortened to it
(at the earliest 30 days after the upgrade).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'web_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('secret_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('end_reason', sa.String(length=32), nullable=True),
        sa.Column('remote_addr', sa.String(length=64), nullable=True),
        sa.Column('user_agent', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_web_sessions_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions')),
        sa.UniqueConstraint('secret_hash', name=op.f('uq_web_sessions_secret_hash')),
    )
    op.create_index(op.f('ix_web_sessions_user_id'), 'web_sessions', ['user_id'], unique=False)
    op.create_table(
        'site_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_max_days', sa.Integer(), server_default='365', nullable=True),
        sa.Column('allow_self_approval', sa.Boolean(), server_default='false', nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_site_settings_single_row')),
        sa.CheckConstraint('token_max_days IS NULL OR token_max_days >= 1',
                           name=op.f('ck_site_settings_token_max_days_positive')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_site_settings')),
    )
    op.execute("INSERT INTO site_settings (id) VALUES (1)")
    # Existing tokens obey the new maximum from now on (never-expiring ones included), with
    # 30 days of grace so that scripts are not cut off the moment the upgrade runs.
    op.execute("UPDATE api_tokens SET expires_at = LEAST(COALESCE(expires_at, 'infinity'), "
               "GREATEST(created_at + interval '365 days', now() + interval '30 days')) "
               "WHERE revoked_at IS NULL")


def downgrade() -> None:
    op.drop_table('site_settings')
    op.drop_index(op.f('ix_web_sessions_user_id'), table_name='web_sessions')
    op.drop_table('web_sessions')
