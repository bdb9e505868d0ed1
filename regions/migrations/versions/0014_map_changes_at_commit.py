"""The map's change counters are bumped at commit, once per transaction (decision 0031).

Migration 0006 bumped ``map_changes`` in a statement-level trigger, at the writing
transaction's first statement on ``posts`` or ``territories``: the counter's row stayed locked
until the commit, so every transaction writing posts queued behind the previous one for its
whole length (loading, validating, auditing). Here the bump is a deferred constraint trigger:
it runs inside the same transaction, so a reader still sees the new counter exactly when it
sees the new rows, but at commit time, so the row is locked only while the transaction commits.

A constraint trigger is row-level: its ``WHEN`` clause (evaluated at once, per row) marks the
table in a transaction-local setting and queues an event only for the transaction's first row
of that table. The event bumps every marked table, in the order of their names (two
transactions writing both tables lock the counters in the same order), then clears the marks,
so a write after ``SET CONSTRAINTS … IMMEDIATE`` queues a new bump. A rolled-back savepoint
takes its mark and its queued event away together. ``TRUNCATE`` (statement-level only) still
bumps at once, as before.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 15:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TRACKED = ('posts', 'territories')
MARK = "relais.map_changed_"  # + the table's name: 'yes' once its change is queued

MARK_FUNCTION = f"""
CREATE FUNCTION map_changes_mark(source text) RETURNS boolean LANGUAGE sql AS $$
    SELECT CASE WHEN current_setting('{MARK}' || source, true) = 'yes' THEN false
                ELSE set_config('{MARK}' || source, 'yes', true) = 'yes' END
$$;
"""

BUMP_MARKED = f"""
CREATE FUNCTION map_changes_bump_marked() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    marked text;
BEGIN
    FOR marked IN SELECT source FROM map_changes ORDER BY source LOOP
        IF current_setting('{MARK}' || marked, true) = 'yes' THEN
            UPDATE map_changes SET counter = counter + 1 WHERE source = marked;
            PERFORM set_config('{MARK}' || marked, '', true);
        END IF;
    END LOOP;
    RETURN NULL;
END $$;
"""

def upgrade() -> None:
    op.execute(MARK_FUNCTION)
    op.execute(BUMP_MARKED)
    for table in TRACKED:
        op.execute(f"DROP TRIGGER {table}_map_changes ON {table}")
        op.execute(f"CREATE CONSTRAINT TRIGGER {table}_map_changes "
                   f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                   f"WHEN (map_changes_mark('{table}')) "
                   f"EXECUTE FUNCTION map_changes_bump_marked()")
        op.execute(f"CREATE TRIGGER {table}_map_changes_truncate BEFORE TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION map_changes_bump()")


def downgrade() -> None:
    for table in TRACKED:
        op.execute(f"DROP TRIGGER {table}_map_changes_truncate ON {table}")
        op.execute(f"DROP TRIGGER {table}_map_changes ON {table}")
        op.execute(f"CREATE TRIGGER {table}_map_changes BEFORE INSERT OR UPDATE OR DELETE "
                   f"OR TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION map_changes_bump()")
    op.execute("DROP FUNCTION map_changes_bump_marked()")
    op.execute("DROP FUNCTION map_changes_mark(text)")
