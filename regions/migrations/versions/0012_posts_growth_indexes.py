"""Indexes that keep the activity map and the desk's queue off a scan of every post.

``ix_posts_untagged``: the posts without a geotag, by territory and state; the activity map
counts the geotagged ones from ``map_cells`` (zoom 0) and only these from ``posts``.
``ix_posts_publish_at``: the activity map over a period (publication time), covering the
territory and state so that the count is an index-only scan of the period's posts.
``ix_posts_submitted_queue``: the desk's queue (submitted posts, waiting longest first) read
in order, a page at a time, instead of sorting every submitted post.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_posts_untagged', 'posts', ['territory_id', 'status'], unique=False,
                    postgresql_where=sa.text('geom IS NULL'))
    op.create_index('ix_posts_publish_at', 'posts', ['publish_at'], unique=False,
                    postgresql_include=['territory_id', 'status'])
    op.create_index('ix_posts_submitted_queue', 'posts', ['updated_at', 'id'], unique=False,
                    postgresql_where=sa.text("status = 'submitted'"))


def downgrade() -> None:
    op.drop_index('ix_posts_submitted_queue', table_name='posts')
    op.drop_index('ix_posts_publish_at', table_name='posts')
    op.drop_index('ix_posts_untagged', table_name='posts')
