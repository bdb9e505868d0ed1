"""Acceptance: GDAL's OAPIF driver (Debian's ogrinfo/ogr2ogr) reads Relais's OGC collections.

A live server on 127.0.0.1 over its own committed database; GDAL reads each collection with a
bearer token, and its feature counts are the API's. GDAL asks 10 features a page, so every
collection here holds more than 10: reading it all follows the ``next`` links.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box
from werkzeug.serving import make_server

from config.settings import Settings
from regions import accounts, posts, standards
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import AdminArea, Post, PostStatus, Role
from tests.builders import ApiUser, territory_builder, user_builder
from tests.conftest import TEST_SECRET, FreshDatabase

OGRINFO, OGR2OGR = shutil.which("ogrinfo"), shutil.which("ogr2ogr")
TEMPLATE = {"name": "Info", "body": "Info {city}", "slots": [{"name": "city"}]}
PUBLISHED, DRAFTS, LOCAL_TERRITORIES, COMMUNES = 13, 4, 12, 23


@dataclass
class Live:
    """The served app's address and two callers: a viewer and a regional editor."""

    url: str
    viewer: ApiUser
    editor: ApiUser

    def api(self, user: ApiUser, path: str, **params: Any) -> Any:
        response = requests.get(self.url + path, params=params, headers=user.headers(),
                                timeout=30)
        assert response.status_code == 200, response.text
        return response.json()


def _seed(uow: Callable[[], UnitOfWork]) -> dict[str, ApiUser]:
    """Territories (a region and its local areas), communes, and posts in two states."""
    make_territory, make_user = territory_builder(uow), user_builder(uow, None)  # type: ignore[arg-type]
    region = make_territory("Rhône", bbox=(4.2, 45.4, 5.2, 46.2))
    for number in range(LOCAL_TERRITORIES):
        west = 4.25 + number * 0.07
        make_territory(f"Agence {number}", bbox=(west, 45.5, west + 0.06, 45.6),
                       parent_id=region, kind="local")
    desk, editor = make_user(Role.CENTRAL_EDITOR), make_user(Role.REGIONAL_EDITOR,
                                                             territory_ids=[region])
    with uow() as unit:
        for number in range(COMMUNES):
            shape = from_shape(MultiPolygon([box(4.3 + number * 0.03, 45.7,
                                                 4.32 + number * 0.03, 45.72)]), srid=4326)
            unit.session.add(AdminArea(level="commune", code=f"69{number:03d}",
                                       name=f"Commune {number}", search_name=f"commune {number}",
                                       geom=shape, geom_simplified=shape))
        actor = accounts.load_actor(accounts.get_user(unit, desk.id))
        standards.create_template(unit, actor, "info", TEMPLATE)
        standards.publish_template(unit, actor, "info", now=datetime.now(UTC))
        author = accounts.load_actor(accounts.get_user(unit, editor.id), frozenset({region}))
        for number in range(PUBLISHED + DRAFTS):
            post = posts.create_post(unit, author, territory_id=region, template_key="info",
                                     fields=posts.PostFields(
                                         text="Info Lyon", slot_values={"city": "Lyon"},
                                         lon=4.3 + number * 0.05, lat=45.8))
            if number < PUBLISHED:
                unit.flush()
                published = unit.session.get(Post, post.id)
                published.status = PostStatus.PUBLISHED
                published.published_at = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(days=number)
        unit.commit()
    return {"viewer": make_user(Role.VIEWER), "editor": editor}


@pytest.fixture(scope="module")
def live(fresh_database: FreshDatabase) -> Iterator[Live]:
    """The app served on a free port of 127.0.0.1, over a committed database of its own."""
    from service.app import create_app

    if OGRINFO is None or OGR2OGR is None:
        pytest.fail("GDAL's ogrinfo/ogr2ogr are missing: ./dev.sh test installs gdal-bin")
    url, drop = fresh_database()
    engine = make_engine(url)
    users = _seed(lambda: UnitOfWork(make_session_factory(engine)))
    app = create_app(Settings(environment="test", secret_key=TEST_SECRET, database_url=url))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Live(f"http://127.0.0.1:{server.server_port}", users["viewer"], users["editor"])
    server.shutdown()
    app.extensions["relais"].engine.dispose()
    engine.dispose()
    drop()


def gdal(program: str | None, *args: str, token: str | None) -> subprocess.CompletedProcess[str]:
    """Run a GDAL program, with the bearer token as an HTTP header of every request."""
    auth = ["--config", "GDAL_HTTP_HEADERS", f"Authorization: Bearer {token}"] if token else []
    assert program is not None
    return subprocess.run([program, *auth, *args], capture_output=True, text=True, timeout=120,
                          check=False, env={"PATH": "/usr/bin:/bin", "CPL_DEBUG": "OFF"})


def layer_counts(output: str) -> dict[str, int]:
    """``Layer name`` → ``Feature Count`` from ``ogrinfo -so -al``."""
    names = re.findall(r"^Layer name: (\S+)$", output, re.MULTILINE)
    counts = re.findall(r"^Feature Count: (\d+)$", output, re.MULTILINE)
    return dict(zip(names, map(int, counts), strict=True))


def api_counts(live: Live, user: ApiUser) -> dict[str, int]:
    """The same layers counted through the JSON API, as this user sees them."""
    published, cursor = 0, None
    while True:
        page = live.api(user, "/api/posts", status="published", limit=5,
                        **({"cursor": cursor} if cursor else {}))
        published += len(page["items"])
        if not (cursor := page["next_cursor"]):
            break
    return {
        "territories": len(live.api(user, "/api/territories")["features"]),
        "areas": len(live.api(user, "/api/gazetteer", q="commune", limit=100)),
        "posts": published,
    }


@pytest.mark.parametrize("who", ["viewer", "editor"])
def test_ogrinfo_reads_every_collection_with_the_apis_counts(live, who):
    user = getattr(live, who)
    result = gdal(OGRINFO, "-ro", "-so", "-al", f"OAPIF:{live.url}/ogc", token=user.token)
    assert result.returncode == 0, result.stderr
    assert layer_counts(result.stdout) == api_counts(live, user) == {
        "territories": LOCAL_TERRITORIES + 1, "areas": COMMUNES, "posts": PUBLISHED}
    assert "Geometry: Multi Polygon" in result.stdout and "Geometry: Point" in result.stdout
    assert "published_at: DateTime" in result.stdout


def test_ogrinfo_without_a_token_cannot_open_the_service(live):
    result = gdal(OGRINFO, "-ro", "-so", "-al", f"OAPIF:{live.url}/ogc", token=None)
    assert result.returncode != 0 and "401" in result.stderr


@pytest.mark.parametrize(("layer", "count"), [("posts", PUBLISHED), ("areas", COMMUNES)])
def test_ogr2ogr_copies_a_collection_page_by_page_into_a_geopackage(live, tmp_path: Path,
                                                                    layer, count):
    target = tmp_path / f"{layer}.gpkg"
    copied = gdal(OGR2OGR, "-f", "GPKG", "-oo", "PAGE_SIZE=5", str(target),
                  f"OAPIF:{live.url}/ogc", layer,
                  token=live.viewer.token)
    assert copied.returncode == 0, copied.stderr
    read = gdal(OGRINFO, "-ro", "-so", str(target), layer, token=None)
    assert read.returncode == 0, read.stderr
    assert layer_counts(read.stdout) == {layer: count}
    ids = gdal(OGRINFO, "-ro", "-q", "-dialect", "SQLite", "-sql",
               f"SELECT COUNT(DISTINCT id) AS n FROM {layer}", str(target), token=None)
    assert f"n (Integer) = {count}" in ids.stdout, ids.stdout + ids.stderr
