"""The map's cell and day counts are applied at commit, so writers of one place do not queue.

``map_cells`` (migration 0007) and ``activity_days`` (migration 0015) were upserted by the
statement-level triggers on ``posts``: the rows of a place's cells and of its day stayed
locked from the writing statement to the end of the transaction, round trips to the client
included. Every submission of one territory's posts (one point, one day) waited for the
previous one's commit (decision 0039).

The statement-level triggers now write the same aggregated changes, signed, to
``map_cells_pending`` and ``activity_days_pending``, keyed by the transaction's id first: rows
of its own, which lock nothing another writer needs. The deferred trigger that bumps ``map_changes``
at commit (migration 0014) first applies the transaction's pending changes, summed, in key
order (two committing transactions lock shared rows in the same order), then deletes them and
the rows left at zero. The counts, the counter and the posts still become visible together, at
the commit; inside the writing transaction the counts follow its writes at commit (or at
``SET CONSTRAINTS posts_map_changes IMMEDIATE``). A rolled-back savepoint takes its pending
rows away with it. The pending tables are unlogged: their rows never outlive their
transaction, and a crash, which aborts every open transaction, empties them.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 17:00:00
"""

from __future__ import annotations

from types import ModuleType

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

CELL_KEY = "level, ix, iy, territory_id, status"
FINEST_KEY = "ix, iy, territory_id, status"  # pending cell changes: the finest level's only
CELL_FIGURES = ("posts", "sum_x", "sum_y")
DAY_KEY = "day, territory_id"
DAY_FIGURES = ("posts", "published", "pending", "failed")
XACT = "txid_current()"  # the top-level transaction's id, in a savepoint too


def _module(name: str) -> ModuleType:
    """An earlier migration's module: the SQL of the changes is written there once."""
    script = op.get_context().script
    assert script is not None
    return script.get_revision(name).module


def _added(figures: tuple[str, ...]) -> str:
    """An upsert's sums: each figure plus the excluded row's (the table is aliased ``t``)."""
    return ", ".join(f"{f} = t.{f} + excluded.{f}" for f in figures)


def _cells_pending(points: str) -> str:
    """0007's signed points summed per cell of the finest level, into the pending table.

    The coarser levels are derived at commit: two pending rows for a post changing state
    instead of eighteen.
    """
    return (f"INSERT INTO map_cells_pending AS t (xact, {FINEST_KEY}, {', '.join(CELL_FIGURES)}) "
            f"SELECT {XACT}, ix, iy, territory_id, status, sum(n), sum(x), sum(y) "
            f"FROM ({points}) AS d GROUP BY ix, iy, territory_id, status "
            f"HAVING sum(n) <> 0 OR sum(x) <> 0 OR sum(y) <> 0 "
            f"ON CONFLICT (xact, {FINEST_KEY}) DO UPDATE SET {_added(CELL_FIGURES)};")


def _days_pending(posts: str) -> str:
    """0015's per-day aggregation of the signed posts, into the pending table."""
    days = _module('0015')
    return (f"INSERT INTO activity_days_pending AS t (xact, {DAY_KEY}, {', '.join(DAY_FIGURES)}) "
            f"SELECT {XACT}, * FROM (SELECT day, territory_id, sum(n) AS posts, "
            f"coalesce(sum(n) FILTER (WHERE status = 'published'), 0) AS published, "
            f"coalesce(sum(n) FILTER (WHERE status IN {days.PENDING}), 0) AS pending, "
            f"coalesce(sum(n) FILTER (WHERE status = 'failed'), 0) AS failed "
            f"FROM ({posts}) AS d GROUP BY day, territory_id) AS g "
            f"WHERE ({', '.join(DAY_FIGURES)}) <> (0, 0, 0, 0) "
            f"ON CONFLICT (xact, {DAY_KEY}) DO UPDATE SET {_added(DAY_FIGURES)};")


def _apply_cells() -> str:
    """Move the transaction's pending cell changes into ``map_cells``, every level, key order.

    The finest level's changes are summed up the levels as migration 0007 does; cells whose
    change sums to nothing are not touched (a move within a coarse cell locks no coarse row).
    """
    levels, key = _module('0007').LEVELS, "territory_id, status"
    ctes = [f"d AS (DELETE FROM map_cells_pending WHERE xact = {XACT} "
            f"RETURNING {FINEST_KEY}, {', '.join(CELL_FIGURES)})",
            f"l{levels} AS (SELECT {levels} AS level, ix, iy, {key}, sum(posts) AS n, "
            f"sum(sum_x) AS x, sum(sum_y) AS y FROM d GROUP BY ix, iy, {key})"]
    for level in range(levels - 1, -1, -1):
        ctes.append(f"l{level} AS (SELECT {level} AS level, ix >> 1 AS ix, iy >> 1 AS iy, {key},"
                    f" sum(n) AS n, sum(x) AS x, sum(y) AS y FROM l{level + 1} "
                    f"GROUP BY ix >> 1, iy >> 1, {key})")
    union = " UNION ALL ".join(f"SELECT * FROM l{level}" for level in range(levels + 1))
    return (f"WITH {', '.join(ctes)} "
            f"INSERT INTO map_cells AS t ({CELL_KEY}, {', '.join(CELL_FIGURES)}) "
            f"SELECT * FROM ({union}) AS c WHERE n <> 0 OR x <> 0 OR y <> 0 ORDER BY {CELL_KEY} "
            f"ON CONFLICT ({CELL_KEY}) DO UPDATE SET {_added(CELL_FIGURES)};\n"
            f"    DELETE FROM map_cells WHERE posts = 0;")


def _apply_days() -> str:
    """Move the transaction's pending day changes into ``activity_days``, in key order."""
    sums = ", ".join(f"sum({f})" for f in DAY_FIGURES)
    nonzero = " OR ".join(f"sum({f}) <> 0" for f in DAY_FIGURES)
    figures = ", ".join(DAY_FIGURES)
    return (f"WITH d AS (DELETE FROM activity_days_pending WHERE xact = {XACT} "
            f"RETURNING {DAY_KEY}, {figures}) "
            f"INSERT INTO activity_days AS t ({DAY_KEY}, {figures}) "
            f"SELECT {DAY_KEY}, {sums} FROM d GROUP BY {DAY_KEY} HAVING {nonzero} "
            f"ORDER BY {DAY_KEY} ON CONFLICT ({DAY_KEY}) DO UPDATE SET {_added(DAY_FIGURES)};\n"
            f"    DELETE FROM activity_days WHERE posts = 0;")


def _apply() -> str:
    return (f"CREATE FUNCTION map_counts_apply() RETURNS void LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n    {_apply_cells()}\n    {_apply_days()}\nEND $$;")


def _bump_marked(apply: bool) -> str:
    """0014's commit-time bump; with ``apply``, the posts' pending counts go in first."""
    mark = _module('0014').MARK
    counts = ("IF marked = 'posts' THEN PERFORM map_counts_apply(); END IF;\n            "
              if apply else "")
    return f"""
CREATE OR REPLACE FUNCTION map_changes_bump_marked() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    marked text;
BEGIN
    FOR marked IN SELECT source FROM map_changes ORDER BY source LOOP
        IF current_setting('{mark}' || marked, true) = 'yes' THEN
            {counts}UPDATE map_changes SET counter = counter + 1 WHERE source = marked;
            PERFORM set_config('{mark}' || marked, '', true);
        END IF;
    END LOOP;
    RETURN NULL;
END $$;
"""


def _at_commit(pending: str) -> str:
    """Write pending changes; apply them at once if the commit-time trigger has already run.

    At the end of a statement, row-level trigger events fire before statement-level ones: under
    ``SET CONSTRAINTS posts_map_changes IMMEDIATE`` the bump (which clears the table's mark)
    has run by the time these changes are written, and no other bump would come for them.
    """
    mark = _module('0014').MARK
    return (f"{pending}\n    IF current_setting('{mark}posts', true) IS DISTINCT FROM 'yes' THEN\n"
            f"        PERFORM map_counts_apply();\n    END IF;")


def _function(name: str, body: str) -> str:
    return (f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n    {body}\n    RETURN NULL;\nEND $$;")


def _truncate(table: str, pending: bool) -> str:
    own = f"\n    DELETE FROM {table}_pending WHERE xact = {XACT};" if pending else ""
    return _function(f"{table}_truncate", f"DELETE FROM {table};{own}")


def upgrade() -> None:
    op.create_table('map_cells_pending',
    sa.Column('xact', sa.BigInteger(), nullable=False),
    sa.Column('ix', sa.Integer(), nullable=False),
    sa.Column('iy', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('status', postgresql.ENUM(name='post_status', create_type=False), nullable=False),
    sa.Column('posts', sa.Integer(), nullable=False),
    sa.Column('sum_x', sa.Double(), nullable=False),
    sa.Column('sum_y', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('xact', 'ix', 'iy', 'territory_id', 'status',
                            name=op.f('pk_map_cells_pending')),
    prefixes=['UNLOGGED'],
    )
    op.create_table('activity_days_pending',
    sa.Column('xact', sa.BigInteger(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('posts', sa.Integer(), nullable=False),
    sa.Column('published', sa.Integer(), nullable=False),
    sa.Column('pending', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('xact', 'day', 'territory_id', name=op.f('pk_activity_days_pending')),
    prefixes=['UNLOGGED'],
    )
    op.execute(_apply())
    op.execute(_bump_marked(apply=True))
    cells, days = _module('0007'), _module('0015')
    for name, (_, _, points) in cells.TRIGGERS.items():
        op.execute(_function(f"map_cells_{name}", _at_commit(_cells_pending(points))))
    for name, (_, _, posts) in days.TRIGGERS.items():
        op.execute(_function(f"activity_days_{name}", _at_commit(_days_pending(posts))))
    op.execute(_truncate("map_cells", pending=True))
    op.execute(_truncate("activity_days", pending=True))


def downgrade() -> None:
    cells, days = _module('0007'), _module('0015')
    # Whatever this transaction still has pending goes in before the tables go.
    op.execute("SELECT map_counts_apply()")
    for name, (_, _, points) in cells.TRIGGERS.items():
        op.execute(cells._function(name, points).replace("CREATE FUNCTION",
                                                         "CREATE OR REPLACE FUNCTION"))
    for name, (_, _, posts) in days.TRIGGERS.items():
        op.execute(_function(f"activity_days_{name}", days._apply(posts)))
    op.execute(_truncate("map_cells", pending=False))
    op.execute(_truncate("activity_days", pending=False))
    op.execute(_bump_marked(apply=False))
    op.execute("DROP FUNCTION map_counts_apply()")
    op.drop_table('activity_days_pending')
    op.drop_table('map_cells_pending')
