"""Indexes that read a territory's posts, or a state's, newest first.

``ix_posts_territory_newest`` (territory, id) and ``ix_posts_status_newest`` (state, id): the
post list filtered by territory or by state reads one backward scan of each per territory or
state it asks for, merged by id, instead of walking every newer post (decision 0040).
With ``ix_posts_territory_status`` (territory, state, id), a territory and a state together.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-01 17:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_posts_territory_newest', 'posts', ['territory_id', 'id'], unique=False)
    op.create_index('ix_posts_status_newest', 'posts', ['status', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_posts_status_newest', table_name='posts')
    op.drop_index('ix_posts_territory_newest', table_name='posts')
