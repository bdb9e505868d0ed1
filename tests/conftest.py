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
from collections import OrderedDict
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
# ``fresh_database``: make a database of one's own; returns its URL and its drop.
FreshDatabase = Callable[[], tuple[str, Callable[[], None]]]


def _fresh_database_on(server_url: str, *, template: str | None = None
                       ) -> tuple[str, Callable[[], None]]:
    """A new empty database on ``server_url``'s server (or a copy of ``template``); its drop."""
    url = make_url(normalise_url(server_url))
    name = f"relais_test_{secrets.token_hex(4)}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(False)
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy}')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.set(database=name).render_as_string(False), drop


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # an unknown hook without xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With ``-n`` (``--dist load``): keep each module's module-scoped setup on one worker."""
    if config.getvalue("dist") != "load":
        return None
    from tests.xdist_units import ModuleFixtureScheduling

    return ModuleFixtureScheduling(config, log)


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


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[tuple[Any, str, Any]]:
    """Argon2 at its lowest costs in every test (``tests/builders.py``); the production hashers.

    At its production costs one hash takes a second or more on a loaded two-core machine, and
    signing a test user in costs a hash and a check. ``real_password_hashing`` brings the
    production hashers back for a test that needs them.
    """
    from regions import accounts, profile
    from tests.builders import cheap_password_hashing

    production = (accounts._hasher, accounts._DUMMY_HASH, profile._hasher)
    with pytest.MonkeyPatch.context() as patch:
        cheap_password_hashing(patch)
        yield production


@pytest.fixture()
def real_password_hashing(_cheap_password_hashing: tuple[Any, str, Any],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The production password hashers (costs), for this test only."""
    from regions import accounts, profile

    hasher, dummy, profile_hasher = _cheap_password_hashing
    monkeypatch.setattr(accounts, "_hasher", hasher)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", dummy)
    monkeypatch.setattr(profile, "_hasher", profile_hasher)


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


@pytest.fixture(scope="session")
def _migrated_template(database_url: str) -> Iterator[str]:
    """A database the migrations made once, never connected to again: ``fresh_database``
    copies it (PostgreSQL copies a database only while nobody is connected to it)."""
    url, drop = _fresh_database_on(database_url)
    template = make_engine(url)
    migrate.upgrade(template)
    template.dispose()
    yield str(make_url(url).database)
    drop()


@pytest.fixture(scope="session")
def fresh_database(database_url: str, _migrated_template: str) -> FreshDatabase:
    """Make a database of a test's own, its schema at head; returns its URL and its drop.

    A copy of one migrated template (``CREATE DATABASE … TEMPLATE``) takes a fraction of a
    second where running the migrations takes seconds. Tests of the migrations themselves
    start from an empty database (``_fresh_database_on``).
    """
    return lambda: _fresh_database_on(database_url, template=_migrated_template)


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


# What an app holds per run (``service/runtime.py``, the tile cache, the click counter): a
# shared app gets these afresh for each test. Every other extension is a library's, which
# keeps only what the settings decide. A new per-app state must be added here (the check in
# ``_renew_state`` fails until it is), or a test would see the one before it.
_PER_APP_STATE = ("relais", "relais_tiles", "relais_clicks")
_LIBRARY_EXTENSIONS = frozenset({"babel", "csrf", "flask-smorest"})
_APPS_KEPT = 4


def _renew_state(application: Any, settings: Settings, session_factory: sessionmaker[Any]
                 ) -> None:
    """Bind a built app to this test's transaction, with none of an earlier test's state."""
    from service import links
    from service.runtime import Runtime

    unknown = set(application.extensions) - set(_PER_APP_STATE) - _LIBRARY_EXTENSIONS
    assert not unknown, f"per-app state that tests/conftest.py does not renew: {unknown}"
    application.extensions.pop("relais_tiles", None)  # made again on first use
    # The validation messages are read-only (a catalogue, and a memo of pure renderings): kept,
    # so a test does not load the catalogue again.
    messages = application.extensions["relais"].violation_messages
    application.extensions["relais"] = Runtime(settings, session_factory,
                                               violation_messages=messages)
    application.extensions[links.EXTENSION] = links.ClickCounter(
        session_factory, settings.click_flush_seconds, background=False)


@pytest.fixture(scope="session")
def _built_apps() -> OrderedDict[Settings, Any]:
    """Apps already built in this worker, by their settings (the most recent few)."""
    return OrderedDict()


@pytest.fixture()
def app(settings: Settings, session_factory: sessionmaker[Any],
        _built_apps: OrderedDict[Settings, Any]) -> Any:
    """The Flask app on the test's transaction.

    Building the app (routes, the OpenAPI spec) costs far more than most tests, so one app
    per settings serves every test of a worker, its per-app state renewed for each. A test
    that adds routes of its own takes ``fresh_app``.
    """
    application = _built_apps.pop(settings, None)
    if application is None:
        application = _build_app(settings, session_factory)
    _built_apps[settings] = application
    while len(_built_apps) > _APPS_KEPT:
        _built_apps.popitem(last=False)
    _renew_state(application, settings, session_factory)
    return application


@pytest.fixture()
def fresh_app(settings: Settings, session_factory: sessionmaker[Any]) -> Any:
    """An app of this test's own (for a test that adds routes to it)."""
    return _build_app(settings, session_factory)


def _build_app(settings: Settings, session_factory: sessionmaker[Any]) -> Any:
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

