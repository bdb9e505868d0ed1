"""A campaign's posts by territory: a team reads its part of a campaign, not all of it.

``ix_posts_campaign_territory`` (campaign, territory) replaces ``ix_posts_campaign_id``
(campaign): it answers everything the old one did (its first column), and a team's home page
and map read, per open campaign, only the posts written beneath their own targets instead of
every post of every campaign (``regions.campaigns.beneath``).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 23:40:00
"""

from __future__ import annotations

from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_posts_campaign_territory', 'posts', ['campaign_id', 'territory_id'],
                    unique=False)
    op.drop_index('ix_posts_campaign_id', table_name='posts')


def downgrade() -> None:
    op.create_index('ix_posts_campaign_id', 'posts', ['campaign_id'], unique=False)
    op.drop_index('ix_posts_campaign_territory', table_name='posts')
