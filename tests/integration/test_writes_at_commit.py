"""Writes queued with ``UnitOfWork.write_at_commit`` go with the COMMIT, all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from regions import audit
from regions.db import UnitOfWork, make_engine, make_session_factory, versioned

EVENTS = "SELECT action, data FROM audit_events WHERE subject_type = 'test' ORDER BY id"


@pytest.fixture()
def engine(fresh_database):
    """A database of its own: these units really commit."""
    url, drop = fresh_database()
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        drop()


def test_a_write_at_commit_lands_after_the_units_other_changes(engine):
    factory = make_session_factory(engine)
    with UnitOfWork(factory) as unit:
        audit.record(unit.session, None, "first", "test", 1)  # the ORM's, flushed at commit
        audit.record_at_commit(unit, None, "second", "test", 1, {"n": 2})
        unit.commit()
        # The transaction is over: the session goes on with a new one.
        assert unit.session.execute(text("SELECT 1")).scalar() == 1
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(text(EVENTS))] == [("first", {}),
                                                                 ("second", {"n": 2})]


def test_a_failing_write_at_commit_commits_nothing_of_the_unit(engine):
    factory = make_session_factory(engine)
    with UnitOfWork(factory) as unit:
        audit.record(unit.session, None, "kept only with the rest", "test", 1)
        audit.record_at_commit(unit, 999_999, "unknown actor", "test", 1)  # foreign key
        with pytest.raises(IntegrityError):
            unit.commit()
    with engine.connect() as conn:
        assert conn.execute(text(EVENTS)).all() == []
    with UnitOfWork(factory) as unit:  # the pool's connection is usable again
        audit.record_at_commit(unit, None, "after", "test", 1)
        unit.commit()
    with engine.connect() as conn:
        assert [r[0] for r in conn.execute(text(EVENTS))] == ["after"]


def test_a_unit_that_writes_again_sends_the_queued_write_first(engine):
    """The caller of a use case that queued its event may write more: the order holds."""
    factory = make_session_factory(engine)
    with UnitOfWork(factory) as unit:
        audit.record(unit.session, None, "before", "test", 1)  # pending when the next is queued
        audit.record_at_commit(unit, None, "queued", "test", 1)
        audit.record(unit.session, None, "after", "test", 1)
        unit.flush()
        audit.record_at_commit(unit, None, "queued again", "test", 1)
        audit.record(unit.session, None, "last", "test", 1)  # flushed by the commit
        unit.commit()
    with engine.connect() as conn:
        assert [r[0] for r in conn.execute(text(EVENTS))] == [
            "before", "queued", "after", "queued again", "last"]


VERSIONED = ("CREATE TEMP TABLE versioned_rows ON COMMIT DROP AS "
             "SELECT 1 AS id, 1 AS version")


def _versioned_rows(unit: UnitOfWork) -> None:
    """The unit's own versioned table, its version NOT NULL as the posts' is."""
    unit.session.execute(text(VERSIONED))
    unit.session.execute(text("ALTER TABLE versioned_rows ALTER version SET NOT NULL"))


def bump(version: int) -> str:
    return (f"UPDATE versioned_rows SET {versioned('version', '%(version)s')} "
            f"WHERE id = 1 RETURNING version")


@pytest.mark.parametrize("sent", ["with the commit", "before a later flush"])
def test_a_write_at_commit_gives_what_it_returned(engine, sent):
    factory = make_session_factory(engine)
    returned = []
    with UnitOfWork(factory) as unit:
        _versioned_rows(unit)
        unit.write_at_commit(bump(1), {"version": 1}, returned=returned.append)
        audit.record_at_commit(unit, None, "bumped", "test", 1)
        if sent == "before a later flush":
            audit.record(unit.session, None, "later", "test", 1)
            unit.flush()
            assert returned == [[(2,)]]  # sent, and answered, before the later change
        unit.commit()
    assert returned == [[(2,)]]
    with engine.connect() as conn:
        assert conn.execute(text(EVENTS)).all()[0][0] == "bumped"


@pytest.mark.parametrize("sent", ["with the commit", "before a later flush"])
def test_a_stale_version_in_a_write_at_commit_fails_as_the_orm_and_commits_nothing(engine, sent):
    """A row whose version is not the one expected: StaleDataError (a 409), nothing lands."""
    factory = make_session_factory(engine)
    returned = []
    with UnitOfWork(factory) as unit:
        _versioned_rows(unit)
        audit.record(unit.session, None, "kept only with the rest", "test", 1)
        unit.write_at_commit(bump(7), {"version": 7}, returned=returned.append)
        audit.record_at_commit(unit, None, "bumped", "test", 1)
        with pytest.raises(StaleDataError, match="versioned_rows row changed"):
            if sent == "before a later flush":
                audit.record(unit.session, None, "later", "test", 1)
                unit.flush()
            unit.commit()
    assert returned == []
    with engine.connect() as conn:
        assert conn.execute(text(EVENTS)).all() == []
