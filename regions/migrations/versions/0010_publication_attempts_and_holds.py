"""Publication attempts (every Graph call, for the desk), failures counted apart from claims,
and holds on a throttled scope (the app or one Page).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('publications', sa.Column('failures', sa.Integer(), server_default='0',
                                            nullable=False))
    op.create_table(
        'publication_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('publication_id', sa.Integer(), nullable=False),
        sa.Column('claim', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.Column('code', sa.String(length=64), nullable=True),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.Column('graph_post_id', sa.String(length=100), nullable=True),
        sa.Column('landed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['publication_id'], ['publications.id'],
                                name=op.f('fk_publication_attempts_publication_id_publications'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_attempts')),
    )
    op.create_index(op.f('ix_publication_attempts_publication_id'), 'publication_attempts',
                    ['publication_id'], unique=False)
    op.create_table(
        'graph_holds',
        sa.Column('scope', sa.String(length=80), nullable=False),
        sa.Column('until', sa.DateTime(timezone=True), nullable=False),
        sa.Column('graph_code', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
                  nullable=False),
        sa.PrimaryKeyConstraint('scope', name=op.f('pk_graph_holds')),
    )


def downgrade() -> None:
    op.drop_table('graph_holds')
    op.drop_index(op.f('ix_publication_attempts_publication_id'),
                  table_name='publication_attempts')
    op.drop_table('publication_attempts')
    op.drop_column('publications', 'failures')
