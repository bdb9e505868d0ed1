"""Persistence plumbing: the declarative base, engines and the unit of work."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import psycopg
from sqlalchemy import MetaData, create_engine
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql import ClauseElement

from regions.errors import RegionsError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The one declarative base of every Relais table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class DatabaseUrlInvalid(RegionsError):
    """DATABASE_URL cannot be understood."""

    code = "database.url_invalid"


def normalise_url(url: str) -> str:
    """Accept postgres://, postgresql:// and postgresql+psycopg:// URLs; use psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUrlInvalid(
            "DATABASE_URL is not a valid database URL "
            "(expected postgresql://user:password@host:port/database)."
        ) from None
    if parsed.drivername in ("postgres", "postgresql", "postgresql+psycopg"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise DatabaseUrlInvalid(
        f"DATABASE_URL must point to PostgreSQL, not {parsed.drivername!r}."
    )


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine on PostgreSQL through psycopg 3, with JIT off (it slows short queries)."""
    options: dict[str, Any] = {
        # No pre-ping: it costs a round trip per checkout. A connection that died with the
        # server is invalidated on first use (that request gets a 503), the pool then renews.
        "pool_recycle": 3600,
        "connect_args": {"options": "-c jit=off"},
    }
    options.update(kwargs)
    return create_engine(normalise_url(url), **options)


SessionFactory = Callable[[], Session]
Rows = list[tuple[Any, ...]]
_QUEUED = "relais.queued_reads"  # key of a session's ``info``: reads waiting for a ride


class _QueuedRead:
    """A read queued by ``read_later``; ``rows`` is set once it has been sent and answered."""

    __slots__ = ("params", "rows", "sql")

    def __init__(self, sql: str, params: Mapping[str, Any]) -> None:
        self.sql, self.params = sql, params
        self.rows: Rows | None = None


def read(session: Session, sql: str, params: Mapping[str, Any]) -> Rows:
    """Run a driver-level read (psycopg ``%(name)s`` parameters) and return its rows.

    Reads queued with ``read_later`` on this session go in the same round trip, through
    psycopg's pipeline mode: the server answers them in order, the client waits once. Without
    any queued, the read goes through SQLAlchemy as usual (logged and seen by its events).
    """
    queued: list[_QueuedRead] = session.info.pop(_QUEUED, [])
    if not queued:
        return [tuple(row) for row in session.connection().exec_driver_sql(sql, dict(params))]
    this = _QueuedRead(sql, params)
    batch = [this, *queued]
    driver = session.connection().connection.driver_connection
    with driver.pipeline():  # type: ignore[union-attr]
        cursors = [driver.execute(item.sql, item.params) for item in batch]  # type: ignore[union-attr]
    for item, cursor in zip(batch, cursors, strict=True):
        item.rows = cursor.fetchall()
    assert this.rows is not None
    return this.rows


def read_later(session: Session, sql: str, params: Mapping[str, Any]) -> Callable[[], Rows]:
    """Queue a read to ride along with the session's next ``read`` (one round trip for both).

    Returns a function giving its rows: if no other read has carried it by then, it runs alone.
    For latency-bound requests, where waiting for the database costs more than its work.
    """
    item = _QueuedRead(sql, params)
    session.info.setdefault(_QUEUED, []).append(item)

    def rows() -> Rows:
        if item.rows is None:
            queue = session.info.get(_QUEUED, [])
            if item in queue:
                queue.remove(item)
            item.rows = read(session, item.sql, item.params)
        return item.rows

    return rows


def driver_sql(statement: ClauseElement) -> tuple[str, dict[str, Any]]:
    """A Core statement as driver SQL for ``read``/``read_later``, with its fixed parameters.

    Compiled once (at import) by the caller: the statement keeps one source, written with
    SQLAlchemy, and ``read_later`` can send it in a pipeline. Add the bound parameters' values
    to the fixed ones (a LIMIT, say) when reading.
    """
    compiled = statement.compile(dialect=PGDialect_psycopg())  # type: ignore[no-untyped-call]
    return str(compiled), dict(compiled.params)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def make_readonly_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions in autocommit mode, for reads: no BEGIN/ROLLBACK round trips per request."""
    return sessionmaker(bind=engine.execution_options(isolation_level="AUTOCOMMIT"),
                        expire_on_commit=False)


class UnitOfWork:
    """One transaction: rolls back unless ``commit()`` is called; the only commit in Relais."""

    def __init__(self, session_factory: SessionFactory) -> None:
        self._session_factory = session_factory
        self.session: Session
        self._at_commit: list[tuple[str, Mapping[str, Any]]] = []

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self._at_commit = []  # what an earlier, uncommitted use queued went with its rollback
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back anything not committed but, unlike rollback(), leaves loaded
        # objects readable (detached), so views can render them after the unit ends.
        self.session.close()

    def write_at_commit(self, sql: str, params: Mapping[str, Any]) -> None:
        """Queue a write whose answer nobody needs (driver SQL): it goes with the COMMIT.

        It is sent after the ORM's pending changes, so queue only a unit's last writes.
        """
        self._at_commit.append((sql, params))

    def commit(self) -> None:
        """Make everything done in this unit permanent.

        Writes queued with ``write_at_commit`` go with the COMMIT in one round trip (psycopg's
        pipeline mode), after the ORM's pending changes. Inside an outer transaction (the
        tests'), they go alone and the unit's savepoint is released as usual.
        """
        writes, self._at_commit = self._at_commit, []
        if writes:
            self.session.flush()
            connection = self.session.connection()
            driver = connection.connection.driver_connection
            try:
                with driver.pipeline():  # type: ignore[union-attr]
                    for sql, params in writes:
                        driver.execute(sql, params)  # type: ignore[union-attr]
                    if not connection.in_nested_transaction():
                        # A plain COMMIT, not psycopg's commit(): that one waits for its
                        # answer before the pipeline's end waits again. SQLAlchemy's commit
                        # below then finds the transaction ended and sends nothing.
                        driver.execute("COMMIT")  # type: ignore[union-attr]
            except psycopg.Error as error:  # as SQLAlchemy would have raised it
                raise DBAPIError.instance(None, None, error, psycopg.Error) from error
        self.session.commit()

    def flush(self) -> None:
        """Send pending changes (to get ids or trip constraints) without committing."""
        self.session.flush()
