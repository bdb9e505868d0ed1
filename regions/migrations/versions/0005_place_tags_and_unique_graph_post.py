"""Place tags (a Page's default place, places near which posts are tagged) and one Facebook
post per publication.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 03:23:24.234412
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_geospatial_table('facebook_places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('place_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('radius_m', sa.Integer(), server_default='2000', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['territory_id'], ['territories.id'], name=op.f('fk_facebook_places_territory_id_territories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facebook_places'))
    )
    op.create_geospatial_index('idx_facebook_places_geom', 'facebook_places', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_facebook_places_territory_id'), 'facebook_places', ['territory_id'], unique=False)
    op.add_column('page_connections', sa.Column('place_id', sa.String(length=64), nullable=True))
    op.create_index('uq_publications_graph_post_id', 'publications', ['graph_post_id'], unique=True, postgresql_where='graph_post_id IS NOT NULL')


def downgrade() -> None:
    op.drop_index('uq_publications_graph_post_id', table_name='publications', postgresql_where='graph_post_id IS NOT NULL')
    op.drop_column('page_connections', 'place_id')
    op.drop_index(op.f('ix_facebook_places_territory_id'), table_name='facebook_places')
    op.drop_geospatial_index('idx_facebook_places_geom', table_name='facebook_places', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('facebook_places')
