"""Persistence plumbing: the declarative base, engines and the unit of work."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import psycopg
import psycopg.errors
from psycopg.pq import TransactionStatus
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
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
_AT_COMMIT = "relais.writes_at_commit"  # key of a session's ``info``: writes waiting for COMMIT


class _QueuedRead:
    """A read queued by ``read_later``; ``rows`` is set once it has been sent and answered."""

    __slots__ = ("one_row", "params", "rows", "sql")

    def __init__(self, sql: str, params: Mapping[str, Any], one_row: bool = False) -> None:
        self.sql, self.params, self.one_row = sql, params, one_row
        self.rows: Rows | None = None


def read(source: Session | Reading, sql: str, params: Mapping[str, Any], *,
         one_row: bool = False) -> Rows:
    """Run a driver-level read (psycopg ``%(name)s`` parameters) and return its rows.

    Reads queued with ``read_later`` on this session go in the same round trip, through
    psycopg's pipeline mode: the server answers them in order, the client waits once. Without
    any queued, the read goes through SQLAlchemy as usual (logged and seen by its events).

    On a ``Reading`` every read goes to the driver, and when this read and every queued one
    find at most one row (``one_row``: the caller's promise, such as a lookup by a unique key),
    they are sent as one statement, which costs less than a pipeline on both sides.
    """
    this = _QueuedRead(sql, params, one_row)
    if isinstance(source, Reading):
        try:
            _send(source.driver, [this, *source.take_queued()])
        except psycopg.Error as error:  # as SQLAlchemy raises it (a lost server is a 503)
            raise DBAPIError.instance(sql, dict(params), error, psycopg.Error) from error
    else:
        queued: list[_QueuedRead] = source.info.pop(_QUEUED, [])
        if not queued:
            return [tuple(row) for row in source.connection().exec_driver_sql(sql, dict(params))]
        driver = source.connection().connection.driver_connection
        _pipeline(driver, [this, *queued])
    assert this.rows is not None
    return this.rows


def read_later(source: Session | Reading, sql: str, params: Mapping[str, Any], *,
               one_row: bool = False) -> Callable[[], Rows]:
    """Queue a read to ride along with the source's next ``read`` (one round trip for both).

    Returns a function giving its rows: if no other read has carried it by then, it runs alone.
    For latency-bound requests, where waiting for the database costs more than its work.
    ``one_row``: the read finds at most one row (see ``read``).
    """
    item = _QueuedRead(sql, params, one_row)
    queue = source.queued if isinstance(source, Reading) else source.info.setdefault(_QUEUED, [])
    queue.append(item)

    def rows() -> Rows:
        if item.rows is None:
            if item in queue:
                queue.remove(item)
            item.rows = read(source, item.sql, item.params, one_row=item.one_row)
        return item.rows

    return rows


def _pipeline(driver: Any, batch: list[_QueuedRead]) -> None:
    with driver.pipeline():
        cursors = [driver.execute(item.sql, item.params) for item in batch]
    for item, cursor in zip(batch, cursors, strict=True):
        item.rows = cursor.fetchall()


def _send(driver: Any, batch: list[_QueuedRead]) -> None:
    """Send a batch of reads from a ``Reading``: one statement when each finds one row at most."""
    if len(batch) == 1:
        batch[0].rows = driver.execute(batch[0].sql, batch[0].params).fetchall()
    elif all(item.one_row for item in batch):
        _one_statement(driver, batch)
    else:
        _pipeline(driver, batch)


_SPLITS: dict[str, list[int]] = {}  # a combined statement's text -> where each read starts


def _one_statement(driver: Any, batch: list[_QueuedRead]) -> None:
    """Single-row reads as one statement: each joined to one row, with a column saying found.

    ``SELECT * FROM (VALUES (1)) one LEFT JOIN (SELECT true AS found_0, q.* FROM (…) q) ON true
    LEFT JOIN …``: one row comes back whatever each read finds; a read's columns start after
    its ``found_<i>`` column (NULL when it found nothing).
    """
    params: dict[str, Any] = {}
    joins = []
    for i, item in enumerate(batch):
        for name, value in item.params.items():
            if name in params and params[name] is not value and params[name] != value:
                raise ValueError(f"reads sent together disagree on parameter {name!r}")
            params[name] = value
        joins.append(f"LEFT JOIN (SELECT true AS relais_found_{i}, q.* FROM ({item.sql}) q) "
                     f"r{i} ON true")
    sql = "SELECT * FROM (VALUES (1)) one(relais_one) " + " ".join(joins)
    cursor = driver.execute(sql, params)
    rows = cursor.fetchall()
    if len(rows) != 1:
        raise ValueError("a read sent as finding one row at most found several")
    [row] = rows
    starts = _SPLITS.get(sql)
    if starts is None:  # once per statement: psycopg builds the description column by column
        names = [column.name for column in cursor.description]
        starts = _SPLITS[sql] = [names.index(f"relais_found_{i}") for i in range(len(batch))]
    ends = [*starts[1:], len(row)]
    for item, start, end in zip(batch, starts, ends, strict=True):
        item.rows = [tuple(row[start + 1:end])] if row[start] is not None else []


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

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
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

    @property
    def reader(self) -> Session:
        """Where ``read`` and ``read_later`` send this unit's reads: its session."""
        return self.session

    def write_at_commit(self, sql: str, params: Mapping[str, Any], *,
                        returned: Callable[[Rows], None] | None = None) -> None:
        """Queue a write (driver SQL) to go with the COMMIT, in the same round trip.

        ``returned``: called with the rows the write returns (``RETURNING``), once it is sent.
        If the unit writes again through the ORM before committing, the queued writes are sent
        first, at that flush (``_send_writes_queued_before``): order is kept whoever the caller.
        A write that sets a version column to NULL (``versioned``) makes the whole unit fail as
        the ORM's version check does, with ``StaleDataError``, and commits nothing.
        """
        self.session.flush()  # what came before goes before (nothing to send: no round trip)
        self.session.info.setdefault(_AT_COMMIT, []).append((sql, params, returned))

    def commit(self) -> None:
        """Make everything done in this unit permanent.

        Writes queued with ``write_at_commit`` (and not sent since by a later change) go with
        the COMMIT in one round trip (psycopg's pipeline mode): should one fail, the server skips
        the rest, the COMMIT included. Inside an outer transaction (the tests'), they go alone and
        the unit's savepoint is released as usual.
        """
        self.session.flush()  # changes made after the queued writes send these first
        writes = self.session.info.pop(_AT_COMMIT, [])
        if writes:
            connection = self.session.connection()
            driver = connection.connection.driver_connection
            try:
                with driver.pipeline():  # type: ignore[union-attr]
                    cursors = [driver.execute(sql, params)  # type: ignore[union-attr]
                               for sql, params, _ in writes]
                    if not connection.in_nested_transaction():
                        # A plain COMMIT, not psycopg's commit(): that one waits for its
                        # answer before the pipeline's end waits again. SQLAlchemy's commit
                        # below then finds the transaction ended and sends nothing.
                        driver.execute("COMMIT")  # type: ignore[union-attr]
            except psycopg.Error as error:  # as SQLAlchemy would have raised it
                raise _as_sqlalchemy(error) from error
            for (_, _, returned), cursor in zip(writes, cursors, strict=True):
                if returned is not None:
                    returned(cursor.fetchall())
        self.session.commit()

    def flush(self) -> None:
        """Send pending changes (to get ids or trip constraints) without committing."""
        self.session.flush()


@event.listens_for(Session, "before_flush")
def _send_writes_queued_before(session: Session, _context: object, _instances: object) -> None:
    """Writes queued for the COMMIT go before any later change of the unit, in their order.

    (A flush with nothing to write does not come here.) So a use case that records its audit
    event at commit stays right when its caller writes more in the same unit (as the demo's
    stories do): ids, hence the audit trail's order, follow the order of the calls.
    """
    writes = session.info.pop(_AT_COMMIT, None)
    if writes:
        connection = session.connection()
        for sql, params, returned in writes:
            try:
                result = connection.exec_driver_sql(sql, dict(params))
            except IntegrityError as error:
                raise _stale_or(error.orig, error) from error
            if returned is not None:
                returned([tuple(row) for row in result])


def versioned(column: str, expected: str) -> str:
    """SQL setting a version column to its next value, or to NULL if it is not ``expected``.

    ``expected``: the parameter (``%(version)s``). For a write queued with ``write_at_commit``:
    the version column is NOT NULL, so a row that changed since it was read fails the statement,
    and with it the COMMIT sent in the same round trip, as the ORM's version check would.
    """
    return f"{column} = CASE {column} WHEN {expected} THEN {column} + 1 END"


def _stale_or(error: BaseException | None, otherwise: Exception) -> Exception:
    """``StaleDataError`` for a version column set to NULL by ``versioned``, else ``otherwise``."""
    if isinstance(error, psycopg.errors.NotNullViolation) \
            and error.diag.column_name == "version":
        return StaleDataError(f"{error.diag.table_name} row changed since it was read "
                              f"(version check of a write sent with the commit)")
    return otherwise


def _as_sqlalchemy(error: psycopg.Error) -> Exception:
    """A driver error of a queued write as SQLAlchemy would raise it (a stale version too)."""
    return _stale_or(error, DBAPIError.instance(None, None, error, psycopg.Error))


class Reading:
    """A request's reads on one pooled connection in autocommit, sent through the driver.

    Lighter than a ``UnitOfWork`` on the hot read-only routes: the driver's connection comes
    straight from the engine's pool, and no ORM session is made unless ``session`` is asked
    for (a session of ``session_factory``, for the rare reads that need the ORM: a second
    checkout). Without an ``engine``, as in the tests, whose session factory is bound to their
    own transaction, the reads go through that session and so see its transaction.
    ``commit()`` commits the session, if any (a write done with it, such as a token's use).
    """

    def __init__(self, engine: Engine | None, session_factory: SessionFactory) -> None:
        self._engine, self._session_factory = engine, session_factory
        self._pooled: Any = None
        self._session: Session | None = None
        self.queued: list[_QueuedRead] = []

    def __enter__(self) -> Reading:
        if self._engine is not None:
            self._pooled = self._engine.raw_connection()
            # Autocommit: a read alone is its own transaction, no BEGIN/ROLLBACK round trips.
            # Set while the connection is idle, it is a flag of the client only.
            try:
                self._pooled.driver_connection.autocommit = True
            except psycopg.Error as error:  # a connection the pool did not know was lost
                self._pooled.invalidate()
                self._pooled.close()
                raise DBAPIError.instance(None, None, error, psycopg.Error) from error
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            self._session.close()
        if self._pooled is not None:
            driver = self._pooled.driver_connection
            if driver.closed or driver.broken:
                # The server went away (a restart, say): as SQLAlchemy does on a disconnect,
                # every connection of the pool made before now is renewed at its next checkout,
                # so one request answers 503, not one per pooled connection.
                self._engine.pool._invalidate(self._pooled, exc)  # type: ignore[union-attr]
            elif driver.info.transaction_status == TransactionStatus.IDLE:
                driver.autocommit = False  # as the pool's other users expect it
            else:  # stopped mid-query: never hand the pool a connection left in autocommit
                self._pooled.invalidate()
            self._pooled.close()  # back to the pool (which rolls back whatever is left)

    @property
    def reader(self) -> Reading:
        """Where ``read`` and ``read_later`` send this unit's reads: itself."""
        return self

    @property
    def session(self) -> Session:
        """An ORM session, made on first use."""
        if self._session is None:
            self._session = self._session_factory()
        return self._session

    @property
    def driver(self) -> Any:
        """The psycopg connection reads are sent on."""
        if self._pooled is not None:
            return self._pooled.driver_connection
        return self.session.connection().connection.driver_connection

    def take_queued(self) -> list[_QueuedRead]:
        """The reads queued with ``read_later``, which the next read carries."""
        queued, self.queued = self.queued, []
        return queued

    def commit(self) -> None:
        """Make a write done through ``session`` permanent."""
        if self._session is not None:
            self._session.commit()
