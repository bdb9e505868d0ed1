"""The map's change counters move at commit, once per transaction, without an early lock."""

from __future__ import annotations

import secrets

from sqlalchemy import Connection, text

COUNTER = "SELECT counter FROM map_changes WHERE source = 'territories'"


def counter(conn: Connection, suffix: str = "") -> int:
    """The territories' counter as a new transaction of ``conn`` sees it."""
    with conn.begin():
        return int(conn.execute(text(COUNTER + suffix)).scalar_one())


def test_a_writer_bumps_the_counter_once_at_commit_and_does_not_lock_it_before(engine):
    slug = {"s": f"counter-{secrets.token_hex(4)}"}
    with engine.connect() as writer, engine.connect() as other:
        before = counter(other)
        with writer.begin():
            writer.execute(text("INSERT INTO territories (slug, name) VALUES (:s, 'A')"), slug)
            writer.execute(text("UPDATE territories SET name = 'B' WHERE slug = :s"), slug)
            writer.execute(text("UPDATE territories SET name = 'C' WHERE slug = :s"), slug)
            assert writer.execute(text(COUNTER)).scalar() == before
            # Another transaction takes the counter's row while the writer is still open.
            assert counter(other, " FOR UPDATE NOWAIT") == before
        assert counter(other) == before + 1
        with writer.begin():
            writer.execute(text("DELETE FROM territories WHERE slug = :s"), slug)
        assert counter(other) == before + 2


def test_a_rolled_back_savepoint_takes_its_bump_away(engine):
    with engine.connect() as writer:
        before = counter(writer)
        with writer.begin():
            savepoint = writer.begin_nested()
            writer.execute(text("INSERT INTO territories (slug, name) VALUES (:s, 'A')"),
                           {"s": f"counter-{secrets.token_hex(4)}"})
            savepoint.rollback()
        assert counter(writer) == before
