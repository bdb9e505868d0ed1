"""Reads queued with ``read_later`` ride along with the next ``read`` (psycopg pipeline mode)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from regions.db import Reading, read, read_later


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


def test_single_row_reads_on_a_reading_go_as_one_statement(engine, session_factory) -> None:
    sent: list[str] = []
    with Reading(engine, session_factory) as unit:
        driver = unit.driver
        original = driver.execute
        driver.execute = lambda sql, params: sent.append(sql) or original(sql, params)
        try:
            _single_row_reads(unit, sent)
        finally:
            del driver.execute  # the pool's connection goes on as it was


def _single_row_reads(unit: Reading, sent: list[str]) -> None:
    found = read_later(unit, "SELECT %(a)s::int, 'a' WHERE %(a)s > 0", {"a": 1}, one_row=True)
    absent = read_later(unit, "SELECT %(b)s::int WHERE false", {"b": 2}, one_row=True)
    assert read(unit, "SELECT NULL::int, %(c)s::text", {"c": "c"}, one_row=True) == [
        (None, "c")]  # a row of NULLs is a row
    assert found() == [(1, "a")] and absent() == []
    assert len(sent) == 1
    several = read_later(unit, "SELECT g FROM generate_series(1, 2) g", {})
    assert read(unit, "SELECT 5", {}, one_row=True) == [(5,)]  # a pipeline, then
    assert several() == [(1,), (2,)] and len(sent) == 3
    read_later(unit, "SELECT %(x)s::int", {"x": 1}, one_row=True)
    with pytest.raises(ValueError, match="disagree"):
        read(unit, "SELECT %(x)s::int", {"x": 2}, one_row=True)
    read_later(unit, "SELECT generate_series(1, 2)", {}, one_row=True)  # a broken promise
    with pytest.raises(ValueError, match="several"):
        read(unit, "SELECT 1", {}, one_row=True)


def test_a_reading_without_an_engine_reads_in_the_sessions_transaction(session_factory) -> None:
    with Reading(None, session_factory) as unit:
        unit.session.execute(text("CREATE TEMP TABLE ride (n int) ON COMMIT DROP"))
        unit.session.execute(text("INSERT INTO ride VALUES (7)"))
        pending = read_later(unit, "SELECT n FROM ride", {}, one_row=True)
        assert read(unit, "SELECT count(*) FROM ride", {}, one_row=True) == [(1,)]
        assert pending() == [(7,)]
