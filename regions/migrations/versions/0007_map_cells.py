"""Posts counted per map cell, territory and state, for low-zoom clusters without reading posts.

``map_cells`` holds, for every zoom ``level`` from 0 to 8, the posts of each cell of the
32 × 32 grid of that zoom's tiles, by territory and state: their number and the sums of their
3857 coordinates. A tile up to zoom 8 then reads at most 1,024 cells × (territories × states)
rows whatever the number of posts, and still filters them by what the caller may see (which
depends on the territory and the state only).

Statement-level triggers with transition tables keep it: one aggregated upsert per statement
(a bulk insert of a million posts costs one pass, not a million upserts). An update touching
neither the point, the state nor the territory changes nothing. Existing posts are counted here.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

LEVELS = 8  # the finest zoom with clusters (geodata.activity.CLUSTER_MAX_ZOOM)
HALF = 20037508.342789244  # half the side of the Web Mercator square, in metres

CELL = f"""
CREATE FUNCTION map_cell(coordinate double precision) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT least(greatest(floor((coordinate + {HALF}) * {32 << LEVELS} / {2 * HALF}), 0),
                 {(32 << LEVELS) - 1})::integer
$$;
"""


def _points(table: str, sign: str, where: str = "") -> str:
    return (f"SELECT map_cell(ST_X(geom_3857)) AS ix, map_cell(ST_Y(geom_3857)) AS iy, "
            f"territory_id, status, {sign}1 AS n, {sign}ST_X(geom_3857) AS x, "
            f"{sign}ST_Y(geom_3857) AS y FROM {table} WHERE geom_3857 IS NOT NULL{where}")


def _apply(points: str) -> str:
    """Add the signed points to every level's cells, then drop the cells left empty."""
    key = "territory_id, status"
    ctes = [f"l{LEVELS} AS (SELECT {LEVELS} AS level, ix, iy, {key}, sum(n) AS n, "
            f"sum(x) AS x, sum(y) AS y FROM ({points}) AS d GROUP BY ix, iy, {key} "
            f"HAVING sum(n) <> 0 OR sum(x) <> 0 OR sum(y) <> 0)"]
    for level in range(LEVELS - 1, -1, -1):
        ctes.append(f"l{level} AS (SELECT {level} AS level, ix >> 1 AS ix, iy >> 1 AS iy, {key},"
                    f" sum(n) AS n, sum(x) AS x, sum(y) AS y FROM l{level + 1} "
                    f"GROUP BY ix >> 1, iy >> 1, {key})")
    union = " UNION ALL ".join(f"SELECT * FROM l{level}" for level in range(LEVELS + 1))
    return (f"WITH {', '.join(ctes)} "
            f"INSERT INTO map_cells (level, ix, iy, territory_id, status, posts, sum_x, sum_y) "
            f"{union} ON CONFLICT (level, ix, iy, territory_id, status) DO UPDATE SET "
            f"posts = map_cells.posts + excluded.posts, "
            f"sum_x = map_cells.sum_x + excluded.sum_x, "
            f"sum_y = map_cells.sum_y + excluded.sum_y;\n"
            f"    DELETE FROM map_cells WHERE posts = 0;")


CHANGED = (" AND id IN (SELECT o.id FROM old_posts o JOIN new_posts n USING (id) WHERE "
           "(ST_X(o.geom_3857), ST_Y(o.geom_3857), o.status, o.territory_id) IS DISTINCT FROM "
           "(ST_X(n.geom_3857), ST_Y(n.geom_3857), n.status, n.territory_id))")
TRIGGERS = {
    # name: (event, transition tables, the signed points)
    "insert": ("INSERT", "NEW TABLE AS new_posts", _points("new_posts", "+")),
    "delete": ("DELETE", "OLD TABLE AS old_posts", _points("old_posts", "-")),
    "update": ("UPDATE", "OLD TABLE AS old_posts NEW TABLE AS new_posts",
               f"{_points('old_posts', '-', CHANGED)} UNION ALL "
               f"{_points('new_posts', '+', CHANGED)}"),
}


def _function(name: str, points: str) -> str:
    return (f"CREATE FUNCTION map_cells_{name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n    {_apply(points)}\n    RETURN NULL;\nEND $$;")


def upgrade() -> None:
    op.create_table('map_cells',
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('ix', sa.Integer(), nullable=False),
    sa.Column('iy', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('status', postgresql.ENUM(name='post_status', create_type=False), nullable=False),
    sa.Column('posts', sa.Integer(), nullable=False),
    sa.Column('sum_x', sa.Double(), nullable=False),
    sa.Column('sum_y', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('level', 'ix', 'iy', 'territory_id', 'status',
                            name=op.f('pk_map_cells'))
    )
    op.create_index('ix_map_cells_empty', 'map_cells', ['level'], unique=False,
                    postgresql_where=sa.text('posts = 0'))
    op.execute(CELL)
    for name, (event, tables, points) in TRIGGERS.items():
        op.execute(_function(name, points))
        op.execute(f"CREATE TRIGGER posts_map_cells_{name} AFTER {event} ON posts "
                   f"REFERENCING {tables} FOR EACH STATEMENT "
                   f"EXECUTE FUNCTION map_cells_{name}()")
    op.execute("CREATE FUNCTION map_cells_truncate() RETURNS trigger LANGUAGE plpgsql AS $$\n"
               "BEGIN\n    DELETE FROM map_cells;\n    RETURN NULL;\nEND $$;")
    op.execute("CREATE TRIGGER posts_map_cells_truncate AFTER TRUNCATE ON posts "
               "FOR EACH STATEMENT EXECUTE FUNCTION map_cells_truncate()")
    op.execute(_apply(_points("posts", "+")).replace("\n    DELETE FROM map_cells WHERE posts = 0;",
                                                     ""))


def downgrade() -> None:
    for name in (*TRIGGERS, "truncate"):
        op.execute(f"DROP TRIGGER posts_map_cells_{name} ON posts")
        op.execute(f"DROP FUNCTION map_cells_{name}()")
    op.execute("DROP FUNCTION map_cell(double precision)")
    op.drop_index('ix_map_cells_empty', table_name='map_cells',
                  postgresql_where=sa.text('posts = 0'))
    op.drop_table('map_cells')
