"""Reads queued with ``read_later`` ride along with the next ``read`` (psycopg pipeline mode)."""

from __future__ import annotations

from sqlalchemy import event, text

from regions.db import read, read_later


def test_a_queued_read_is_answered_with_the_next_read(uow) -> None:
    with uow() as unit:
        first = read_later(unit.session, "SELECT %(x)s::int, 'first'", {"x": 1})
        second = read_later(unit.session, "SELECT g FROM generate_series(1, %(n)s) g", {"n": 3})
        assert read(unit.session, "SELECT %(y)s::int", {"y": 2}) == [(2,)]
        assert first() == [(1, "first")]
        assert second() == [(1,), (2,), (3,)]
        assert read(unit.session, "SELECT 4", {}) == [(4,)]  # nothing queued any more


def test_a_queued_read_nobody_carried_runs_alone(uow, connection) -> None:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    with uow() as unit:
        pending = read_later(unit.session, "SELECT 'alone' WHERE %(x)s", {"x": True})
        event.listen(connection, "before_cursor_execute", record)
        try:
            assert pending() == [("alone",)]
            assert pending() == [("alone",)]  # answered once, kept
        finally:
            event.remove(connection, "before_cursor_execute", record)
    # Alone, it goes through SQLAlchemy like any read (once), not through a pipeline.
    assert [s for s in seen if "alone" in s] == ["SELECT 'alone' WHERE %(x)s"]


def test_a_queued_read_sees_the_units_transaction(uow) -> None:
    with uow() as unit:
        unit.session.execute(text("CREATE TEMP TABLE ride (n int) ON COMMIT DROP"))
        unit.session.execute(text("INSERT INTO ride VALUES (7)"))
        pending = read_later(unit.session, "SELECT n FROM ride", {})
        assert read(unit.session, "SELECT count(*) FROM ride", {}) == [(1,)]
        assert pending() == [(7,)]
