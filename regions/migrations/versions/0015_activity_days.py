"""Posts counted per publication day and territory, by state, for the activity map over a period.

``activity_days`` holds, for every UTC day and territory, the posts published (``publish_at``)
that day: all of them, the published ones, the pending ones (submitted, changes requested,
approved, scheduled) and the failed ones, the figures the map shows. The activity map over a
period then reads the whole days from these rows (at most days × territories of them, whatever
the number of posts) and only the posts of the partial days at its ends from ``posts``
(decision 0033).

Statement-level triggers with transition tables keep it, as ``map_cells`` (migration 0007):
one aggregated upsert per statement. An update touching neither the day, the state nor the
territory changes nothing. Existing posts are counted here.

``ix_posts_box_cell`` orders the geotagged posts by id within each web-mercator cell of level 4
(``map_cell``, migration 0007): the newest posts in a box are read cell by cell, merged, at a
cost that does not grow with the number of posts (decision 0033).

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-01 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

DAY = "(publish_at AT TIME ZONE 'UTC')::date"


def _posts(table: str, sign: str, where: str = "") -> str:
    return (f"SELECT {DAY} AS day, territory_id, status, {sign}1 AS n FROM {table} "
            f"WHERE publish_at IS NOT NULL{where}")


PENDING = "('submitted', 'changes_requested', 'approved', 'scheduled')"
FIGURES = ("posts", "published", "pending", "failed")


def _apply(posts: str) -> str:
    """Add the signed posts to their days, then drop the days left empty.

    A day and territory whose figures all sum to zero (a post changing state within the day
    and territory changes some) is not written. Rows are written in day order, so that a bulk
    load (or this migration's count) lays a period's rows side by side in the table.
    """
    figures = ", ".join(FIGURES)
    added = ", ".join(f"{f} = a.{f} + excluded.{f}" for f in FIGURES)
    return (f"INSERT INTO activity_days AS a (day, territory_id, {figures}) "
            f"SELECT * FROM (SELECT day, territory_id, sum(n) AS posts, "
            f"coalesce(sum(n) FILTER (WHERE status = 'published'), 0) AS published, "
            f"coalesce(sum(n) FILTER (WHERE status IN {PENDING}), 0) AS pending, "
            f"coalesce(sum(n) FILTER (WHERE status = 'failed'), 0) AS failed "
            f"FROM ({posts}) AS d GROUP BY day, territory_id) AS t "
            f"WHERE ({figures}) <> (0, 0, 0, 0) ORDER BY day, territory_id "
            f"ON CONFLICT (day, territory_id) DO UPDATE SET {added};\n"
            f"    DELETE FROM activity_days WHERE posts = 0;")


BOX_CELL = [sa.text("(map_cell(ST_X(geom_3857)) >> 4)"),
            sa.text("(map_cell(ST_Y(geom_3857)) >> 4)"), sa.text("id")]
CHANGED = (" AND id IN (SELECT o.id FROM old_posts o JOIN new_posts n USING (id) WHERE "
           "((o.publish_at AT TIME ZONE 'UTC')::date, o.status, o.territory_id) IS DISTINCT FROM "
           "((n.publish_at AT TIME ZONE 'UTC')::date, n.status, n.territory_id))")
TRIGGERS = {
    # name: (event, transition tables, the signed posts)
    "insert": ("INSERT", "NEW TABLE AS new_posts", _posts("new_posts", "+")),
    "delete": ("DELETE", "OLD TABLE AS old_posts", _posts("old_posts", "-")),
    "update": ("UPDATE", "OLD TABLE AS old_posts NEW TABLE AS new_posts",
               f"{_posts('old_posts', '-', CHANGED)} UNION ALL "
               f"{_posts('new_posts', '+', CHANGED)}"),
}


def upgrade() -> None:
    op.create_table('activity_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('posts', sa.Integer(), nullable=False),
    sa.Column('published', sa.Integer(), nullable=False),
    sa.Column('pending', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'territory_id', name=op.f('pk_activity_days'))
    )
    op.create_index('ix_activity_days_empty', 'activity_days', ['day'], unique=False,
                    postgresql_where=sa.text('posts = 0'))
    op.create_index('ix_posts_box_cell', 'posts', BOX_CELL, unique=False,
                    postgresql_where=sa.text('geom_3857 IS NOT NULL'))
    for name, (event, tables, posts) in TRIGGERS.items():
        op.execute(f"CREATE FUNCTION activity_days_{name}() RETURNS trigger LANGUAGE plpgsql "
                   f"AS $$\nBEGIN\n    {_apply(posts)}\n    RETURN NULL;\nEND $$;")
        op.execute(f"CREATE TRIGGER posts_activity_days_{name} AFTER {event} ON posts "
                   f"REFERENCING {tables} FOR EACH STATEMENT "
                   f"EXECUTE FUNCTION activity_days_{name}()")
    op.execute("CREATE FUNCTION activity_days_truncate() RETURNS trigger LANGUAGE plpgsql AS $$\n"
               "BEGIN\n    DELETE FROM activity_days;\n    RETURN NULL;\nEND $$;")
    op.execute("CREATE TRIGGER posts_activity_days_truncate AFTER TRUNCATE ON posts "
               "FOR EACH STATEMENT EXECUTE FUNCTION activity_days_truncate()")
    op.execute(_apply(_posts("posts", "+")).split(";")[0])


def downgrade() -> None:
    op.drop_index('ix_posts_box_cell', table_name='posts',
                  postgresql_where=sa.text('geom_3857 IS NOT NULL'))
    for name in (*TRIGGERS, "truncate"):
        op.execute(f"DROP TRIGGER posts_activity_days_{name} ON posts")
        op.execute(f"DROP FUNCTION activity_days_{name}()")
    op.drop_index('ix_activity_days_empty', table_name='activity_days',
                  postgresql_where=sa.text('posts = 0'))
    op.drop_table('activity_days')
