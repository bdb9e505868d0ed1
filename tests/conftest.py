"""Shared fixtures: one real PostgreSQL + PostGIS per test session, schema from migrations.

With no ``DATABASE_URL`` the session starts its own throwaway cluster (the embedded default,
with fsync off). With ``DATABASE_URL`` it creates a fresh database on that server, and drops it
at the end. Each test runs inside a transaction that is rolled back; use cases still call
``commit()``, which only releases a savepoint.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import sessionmaker

from config.settings import Settings
from regions import migrate
from regions.db import UnitOfWork, make_engine, normalise_url

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def _fresh_database_on(server_url: str) -> tuple[str, Callable[[], None]]:
    url = make_url(normalise_url(server_url))
    name = f"relais_test_{secrets.token_hex(4)}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.set(database=name).render_as_string(False), drop


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A database for this test session, on DATABASE_URL's server or a private cluster."""
    external = os.environ.get("DATABASE_URL")
    if external:
        url, drop = _fresh_database_on(external)
        yield url
        drop()
        return
    from service.pgcluster import EmbeddedPostgres

    folder = Path(tempfile.mkdtemp(prefix="relais-test-pg-"))
    folder.chmod(0o755)  # the cluster's owner (postgres, when we are root) must reach it
    cluster = EmbeddedPostgres(folder / "postgres", throwaway=True)
    cluster.start()
    try:
        yield cluster.url()
    finally:
        cluster.destroy()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The session's engine, on a schema made by the migrations."""
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


# The map's change counters are bumped by deferred triggers, at commit (migration 0014): a
# test's "commit" only releases a savepoint, so it runs them there, as a real commit would.
_AT_COMMIT = "posts_map_changes, territories_map_changes"


def _run_commit_triggers(conn: Connection, name: str, context: Any) -> None:
    conn.exec_driver_sql(f"SET CONSTRAINTS {_AT_COMMIT} IMMEDIATE")
    conn.exec_driver_sql(f"SET CONSTRAINTS {_AT_COMMIT} DEFERRED")


@pytest.fixture()
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that the test never commits."""
    with engine.connect() as conn:
        outer = conn.begin()
        event.listen(conn, "release_savepoint", _run_commit_triggers)
        yield conn
        outer.rollback()


@pytest.fixture()
def session_factory(connection: Connection) -> sessionmaker[Any]:
    """Sessions joined to the test's transaction: commit() releases a savepoint only."""
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture()
def uow(session_factory: sessionmaker[Any]) -> Callable[[], UnitOfWork]:
    """Make units of work on the test's transaction."""
    return lambda: UnitOfWork(session_factory)


@pytest.fixture()
def settings(database_url: str) -> Settings:
    """Test settings."""
    return Settings(environment="test", secret_key=TEST_SECRET, database_url=database_url)


@pytest.fixture()
def app(settings: Settings, session_factory: sessionmaker[Any]) -> Any:
    """The Flask app on the test's transaction."""
    from service.app import create_app

    application = create_app(settings, session_factory=session_factory)
    application.config["TESTING"] = True
    return application


@pytest.fixture()
def client(app: Any) -> Any:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture()
def make_user(uow: Callable[[], UnitOfWork], client: Any) -> Callable[..., Any]:
    """Create a user with a token (see tests/builders.py)."""
    from tests.builders import user_builder

    return user_builder(uow, client)


@pytest.fixture()
def make_territory(uow: Callable[[], UnitOfWork]) -> Callable[..., int]:
    """Create a territory (see tests/builders.py)."""
    from tests.builders import territory_builder

    return territory_builder(uow)


@pytest.fixture()
def sign_in(app: Any, make_user: Callable[..., Any]) -> Callable[..., Any]:
    """Sign a new user in through the login page (see tests/builders.py ``WebUser``)."""
    from tests.builders import web_builder

    return web_builder(app, make_user)
