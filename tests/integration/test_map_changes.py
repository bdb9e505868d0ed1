"""The map's counters and counts move at commit, once per transaction, without early locks."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import Connection, text

from regions.db import make_engine

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


# The map's cell and day counts (map_cells, activity_days) are applied at commit too
# (migration 0016): concurrent writers of one place's posts do not wait for each other.

CELLS = ("SELECT coalesce(sum(posts), 0) FROM map_cells WHERE level = 0 AND territory_id = :t "
         "AND status = 'submitted'")
DAYS = "SELECT coalesce(sum(pending), 0) FROM activity_days WHERE territory_id = :t"
PENDING = ("SELECT (SELECT count(*) FROM map_cells_pending) "
           "+ (SELECT count(*) FROM activity_days_pending)")
PLACE = """
WITH t AS (INSERT INTO territories (slug, name) VALUES ('place', 'Place') RETURNING id),
     u AS (INSERT INTO users (email, display_name, role)
           VALUES ('author@example.test', 'Author', 'regional_editor') RETURNING id),
     k AS (INSERT INTO templates (key, name, network, language)
           VALUES ('tpl', 'Template', 'facebook', 'fr') RETURNING id),
     v AS (INSERT INTO template_versions (template_id, number, data)
           SELECT id, 1, '{}' FROM k RETURNING id)
SELECT t.id, u.id, v.id FROM t, u, v"""
DRAFTS = """
INSERT INTO posts (territory_id, author_id, template_version_id, status, text, geom, publish_at)
SELECT :t, :u, :v, 'draft', 'Draft ' || i, ST_SetSRID(ST_MakePoint(4.85, 45.75), 4326),
       timestamptz '2026-12-04 10:00Z'
FROM generate_series(1, 3) AS i RETURNING id"""
SUBMIT = "UPDATE posts SET status = 'submitted' WHERE id = :id"


@pytest.fixture()
def place(fresh_database):
    """A database of its own holding three drafts at one point, one day, one territory."""
    url, drop = fresh_database()
    engine = make_engine(url)
    with engine.begin() as conn:
        territory, user, version = conn.execute(text(PLACE)).one()
        ids = [row[0] for row in conn.execute(text(DRAFTS),
                                              {"t": territory, "u": user, "v": version})]
    try:
        yield engine, territory, ids
    finally:
        engine.dispose()
        drop()


def figures(conn: Connection, territory: int) -> tuple[int, int]:
    """Submitted posts of the territory by the level-0 cells and by the days, as ``conn`` sees."""
    with conn.begin():
        return (int(conn.execute(text(CELLS), {"t": territory}).scalar_one()),
                int(conn.execute(text(DAYS), {"t": territory}).scalar_one()))


def test_writers_of_one_place_do_not_wait_for_each_other_and_count_at_commit(place):
    engine, territory, (a, b, _) = place
    with engine.connect() as one, engine.connect() as two, engine.connect() as reader:
        with one.begin():
            one.execute(text(SUBMIT), {"id": a})
            with two.begin():
                # Under migration 0015 the second writer waited here for the first's commit.
                two.execute(text("SET LOCAL lock_timeout = '2s'"))
                two.execute(text(SUBMIT), {"id": b})
                assert figures(reader, territory) == (0, 0)
            assert figures(reader, territory) == (1, 1)
        assert figures(reader, territory) == (2, 2)
        with reader.begin():
            assert reader.execute(text(PENDING)).scalar_one() == 0


def test_a_rolled_back_savepoint_takes_its_counts_away(place):
    engine, territory, (a, b, c) = place
    with engine.connect() as writer:
        with writer.begin():
            writer.execute(text(SUBMIT), {"id": a})
            savepoint = writer.begin_nested()
            writer.execute(text(SUBMIT), {"id": b})
            savepoint.rollback()
            writer.execute(text(SUBMIT), {"id": c})
        assert figures(writer, territory) == (2, 2)
        with writer.begin():
            assert writer.execute(text(PENDING)).scalar_one() == 0
