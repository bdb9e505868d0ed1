"""What a running app holds: its settings and its database access, per app (never global)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from config.settings import Settings
from editorial import ViolationMessages
from geodata.index import IndexCache
from regions.db import Reading, SessionFactory, UnitOfWork
from service.i18n import load_violation_messages


@dataclass
class Runtime:
    """Per-app state, kept in ``app.extensions["relais"]``."""

    settings: Settings
    session_factory: SessionFactory
    engine: Engine | None = None
    readonly_factory: SessionFactory | None = None
    territory_index: IndexCache = field(default_factory=IndexCache)
    violation_messages: ViolationMessages = field(default_factory=load_violation_messages)


def runtime() -> Runtime:
    """The current app's runtime."""
    value: Runtime = current_app.extensions["relais"]
    return value


def violation_messages() -> ViolationMessages:
    """The current app's validation messages (French from its catalogue, and English)."""
    return runtime().violation_messages


def unit_of_work() -> UnitOfWork:
    """A fresh unit of work on the current app's database."""
    return UnitOfWork(runtime().session_factory)


def reading() -> UnitOfWork:
    """A unit of work for reads only: autocommit, so no transaction round trips."""
    state = runtime()
    return UnitOfWork(state.readonly_factory or state.session_factory)


def driver_reading() -> Reading:
    """A unit for the hot read-only routes: driver-level reads on one pooled connection.

    No ORM session unless the route asks for one (see ``regions.db.Reading``); tests, which
    bind the app to their own transaction, read through a session of it.
    """
    state = runtime()
    return Reading(state.engine, state.readonly_factory or state.session_factory)


def warm_indexes(app: Flask) -> None:
    """Build the app's territory index now, so that no request waits for it (worker start).

    A database that cannot answer yet must not stop the worker: the first locate builds it.
    """
    state: Runtime = app.extensions["relais"]
    try:
        with UnitOfWork(state.readonly_factory or state.session_factory) as uow:
            state.territory_index.warm(uow.session)
    except SQLAlchemyError as exc:
        app.logger.warning("territory index not built at start (%s): the first locate will",
                           type(exc).__name__)


def settings() -> Settings:
    """The current app's settings."""
    return runtime().settings
