"""A version counter per indexed table, bumped by statement-level triggers.

Each process keeps in-memory indexes of the territories (and of the gazetteer areas) and must
know when the table changed. Before, it compared a fingerprint (count, sum of versions, max id)
computed over every territory row on every lookup: a cost that grew with the number of
territories. Now any INSERT, UPDATE, DELETE or TRUNCATE on ``territories`` or ``admin_areas``
bumps one row of ``index_versions`` once per statement (a bulk insert of 35,000 territories
bumps it once), and a lookup reads that one row by primary key.

The bump takes the row's lock until the writing transaction ends, so a reader that sees a
version also sees every change made under it (they commit together).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TABLES = ("territories", "admin_areas")

BUMP = """
CREATE FUNCTION bump_index_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE index_versions SET version = version + 1 WHERE name = TG_ARGV[0];
    RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.create_table(
        "index_versions",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_index_versions")),
    )
    op.execute("INSERT INTO index_versions (name) VALUES ('territories'), ('admin_areas')")
    op.execute(BUMP)
    for table in TABLES:
        op.execute(f"CREATE TRIGGER {table}_index_version AFTER INSERT OR UPDATE OR DELETE "
                   f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION "
                   f"bump_index_version('{table}')")
        op.execute(f"CREATE TRIGGER {table}_index_version_truncate AFTER TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION bump_index_version('{table}')")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_index_version_truncate ON {table}")
        op.execute(f"DROP TRIGGER {table}_index_version ON {table}")
    op.execute("DROP FUNCTION bump_index_version()")
    op.drop_table("index_versions")
