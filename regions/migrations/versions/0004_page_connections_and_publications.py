"""Facebook Page connections and the publication outbox.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 03:20:48.802063
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('page_connections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.String(length=64), nullable=False),
    sa.Column('page_name', sa.String(length=200), nullable=True),
    sa.Column('token_ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('token_hint', sa.String(length=8), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('check_ok', sa.Boolean(), nullable=True),
    sa.Column('check_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_page_connections_territory_id_territories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_connections')),
    sa.UniqueConstraint('territory_id', name=op.f('uq_page_connections_territory_id'))
    )
    op.create_table('publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='queued', nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('first_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempt_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('worker', sa.String(length=100), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_code', sa.String(length=64), nullable=True),
    sa.Column('graph_post_id', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_publications_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publications'))
    )
    op.create_index('ix_publications_due', 'publications', ['status', 'due_at'], unique=False)
    op.create_index(op.f('ix_publications_post_id'), 'publications', ['post_id'], unique=False)
    op.create_index('uq_publications_post_active', 'publications', ['post_id'], unique=True, postgresql_where="status IN ('queued', 'in_flight')")



def downgrade() -> None:
    op.drop_index('uq_publications_post_active', table_name='publications', postgresql_where="status IN ('queued', 'in_flight')")
    op.drop_index(op.f('ix_publications_post_id'), table_name='publications')
    op.drop_index('ix_publications_due', table_name='publications')
    op.drop_table('publications')
    op.drop_table('page_connections')

