"""Fixtures of the integration tests: the fake Graph on a movable clock, a Page, a publisher;
two apps on one fresh database."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from config.settings import Settings
from regions.models import Role
from regions.publishing.connections import PlaceSpec, connect_page
from regions.publishing.graph import GraphClient
from regions.publishing.page_tokens import cipher_for
from regions.publishing.publisher import Publisher
from service.fakegraph import FakeGraphServer, FakePage
from tests.conftest import TEST_SECRET
from tests.integration.publishing_world import (
    CLIENT_TIMEOUT,
    CONFIG,
    NEAR_PLACE,
    PAGE,
    PAGE_PLACE,
    TOKEN,
    Clock,
    seed_posts,
)


@pytest.fixture()
def two_apps_db(fresh_database: Any) -> Iterator[tuple[str, Callable[[], tuple[Any, Any]]]]:
    """A fresh database and a maker of two apps on it (two servers' pools and indexes).

    Yields the database URL and a function giving the two apps' test clients. Afterwards,
    every request must have given its connection back to the pool; then the database goes.
    """
    from service.app import create_app

    url, drop = fresh_database()
    apps: list[Any] = []

    def make() -> tuple[Any, Any]:
        settings = Settings(environment="test", secret_key=TEST_SECRET, database_url=url)
        apps.extend((create_app(settings), create_app(settings)))
        return apps[-2].test_client(), apps[-1].test_client()

    yield url, make
    for app in apps:
        engine = app.extensions["relais"].engine
        assert engine.pool.checkedout() == 0  # every request gave its connection back
        engine.dispose()
    drop()


@pytest.fixture()
def clock():
    return Clock(datetime.now(UTC))


@pytest.fixture()
def fake(clock):
    with FakeGraphServer([FakePage(PAGE, "Relais Lyon", {TOKEN})],
                         clock=lambda: clock.now.timestamp()) as server:
        yield server


@pytest.fixture()
def graph(fake):
    client = GraphClient(base_url=fake.base_url, timeout=CLIENT_TIMEOUT)
    yield client
    client.close()


@pytest.fixture()
def cipher():
    return cipher_for(None, TEST_SECRET, production=False)


@pytest.fixture()
def lyon(make_territory, make_user, uow, cipher):
    territory = make_territory("Lyon", bbox=(4.7, 45.6, 5.0, 45.9))
    author = make_user(Role.REGIONAL_EDITOR, territory_ids=[territory])
    with uow() as unit:
        connect_page(unit, None, territory, page_id=PAGE, token=TOKEN, cipher=cipher,
                     place_id=PAGE_PLACE, places=[PlaceSpec(NEAR_PLACE, "Bellecour", 4.832,
                                                            45.757, 1500)])
        unit.commit()
    return {"territory": territory, "author": author.id}


@pytest.fixture()
def publisher(session_factory, graph, cipher, clock):
    return Publisher(session_factory, graph, cipher, CONFIG, worker="test:1",
                     clock=lambda _uow: clock.now, rng=random.Random(7))


@pytest.fixture()
def posts(uow, lyon, clock):
    def make(*texts, **options):
        options.setdefault("due_at", clock.now)
        with uow() as unit:
            ids = seed_posts(unit.session, lyon["territory"], lyon["author"], texts, **options)
            unit.commit()
        return ids
    return make
