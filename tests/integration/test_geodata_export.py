"""``relais geodata export``: one GeoPackage with the OGC API's layers, read back with pyogrio."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pyogrio
import pyogrio.raw
import pytest
import shapely
from click.testing import CliRunner
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box

from geodata.export import export_geopackage
from geodata.layers import LAYERS
from geodata.ogc_queries import FeatureQuery, feature_page
from regions import accounts, posts, standards
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import AdminArea, Post, PostStatus, Role
from tests.builders import territory_builder, user_builder

TEMPLATE = {"name": "Info", "body": "Info {city}", "slots": [{"name": "city"}]}


def seed(uow, *, published=3, drafts=2):
    """A region, a local area without shape, two communes, published posts and drafts."""
    make_territory, make_user = territory_builder(uow), user_builder(uow, None)
    region = make_territory("Rhône", bbox=(4.2, 45.4, 5.2, 46.2))
    make_territory("Sans forme", bbox=None, parent_id=region, kind="local")
    desk, editor = make_user(Role.CENTRAL_EDITOR), make_user(Role.REGIONAL_EDITOR,
                                                             territory_ids=[region])
    with uow() as unit:
        for code in ("69123", "69266"):
            shape = from_shape(MultiPolygon([box(4.8, 45.7, 4.9, 45.8)]), srid=4326)
            unit.session.add(AdminArea(level="commune", code=code, name=f"Commune {code}",
                                       search_name=code, geom=shape, geom_simplified=shape))
        desk_actor = accounts.load_actor(accounts.get_user(unit, desk.id))
        standards.create_template(unit, desk_actor, "info", TEMPLATE)
        standards.publish_template(unit, desk_actor, "info", now=datetime.now(UTC))
        author = accounts.load_actor(accounts.get_user(unit, editor.id), frozenset({region}))
        for number in range(published + drafts):
            geotag = {"lon": 4.3 + number * 0.05, "lat": 45.8} if number % 2 == 0 else {}
            post = posts.create_post(unit, author, territory_id=region, template_key="info",
                                     fields=posts.PostFields(text="Info Lyon",
                                                             slot_values={"city": "Lyon"},
                                                             **geotag))
            if number < published:
                unit.flush()
                row = unit.session.get(Post, post.id)
                row.status, row.published_at = PostStatus.PUBLISHED, datetime(
                    2026, 3, 1 + number, 8, 15, tzinfo=UTC)
                row.audience_radius_km = 2.5 if number == 0 else None
        unit.commit()


def served(session, layer_id):
    """The layer as the OGC API serves it: id → (properties, geometry)."""
    page = feature_page(session, LAYERS[layer_id], FeatureQuery(limit=10_000))
    features = [json.loads(text) for text in page.features]
    return {f["id"]: (f["properties"], f["geometry"]) for f in features}


def comparable(value):
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else str(value.astype("datetime64[s]"))
    if isinstance(value, np.generic):
        value = value.item()
    return None if isinstance(value, float) and np.isnan(value) else value


def as_api_value(value):
    if isinstance(value, str) and value[:4].isdigit() and "T" in value and value[-6] == "+":
        return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return value


def test_export_writes_the_three_layers_as_the_ogc_api_serves_them(uow, tmp_path):
    seed(uow)
    target = tmp_path / "relais.gpkg"
    with uow() as unit:
        report = export_geopackage(unit.session, target, list(LAYERS), batch_rows=2)
        expected = {name: served(unit.session, name) for name in LAYERS}
    assert report.features == {"territories": 2, "areas": 2, "posts": 3}
    assert not report.replaced
    assert {tuple(row) for row in pyogrio.list_layers(target)} == {
        ("territories", "MultiPolygon"), ("areas", "MultiPolygon"), ("posts", "Point")}
    for name, features in expected.items():
        meta, _fids, geometries, columns = pyogrio.raw.read(target, layer=name)
        assert list(meta["fields"]) == [f.name for f in LAYERS[name].fields]
        assert len(geometries) == len(features)
        for row, wkb in enumerate(geometries):
            values = {field: comparable(column[row])
                      for field, column in zip(meta["fields"], columns, strict=True)}
            properties, geometry = features[values["id"]]
            assert values == {key: as_api_value(v) for key, v in properties.items()}
            if geometry is None:
                assert wkb is None
            else:
                # The API rounds coordinates to 6 decimals (10 cm); the file keeps them all.
                assert shapely.from_wkb(wkb).equals_exact(shapely.geometry.shape(geometry),
                                                          tolerance=1e-6)


def test_only_published_posts_are_exported(uow, tmp_path):
    seed(uow, published=1, drafts=3)
    with uow() as unit:
        export_geopackage(unit.session, tmp_path / "posts.gpkg", ["posts"])
    assert pyogrio.read_info(tmp_path / "posts.gpkg", layer="posts")["features"] == 1
    assert [tuple(row) for row in pyogrio.list_layers(tmp_path / "posts.gpkg")] == [
        ("posts", "Point")]


def test_an_empty_layer_is_written_with_its_fields(uow, tmp_path):
    with uow() as unit:
        report = export_geopackage(unit.session, tmp_path / "empty.gpkg", ["posts"])
    info = pyogrio.read_info(tmp_path / "empty.gpkg", layer="posts")
    assert report.features == {"posts": 0} and info["features"] == 0
    assert "published_at" in list(info["fields"])


def test_unknown_layers_are_refused(uow, tmp_path):
    with uow() as unit, pytest.raises(ValueError, match="rivers"):
        export_geopackage(unit.session, tmp_path / "x.gpkg", ["territories", "rivers"])
    assert not (tmp_path / "x.gpkg").exists()


@pytest.fixture()
def committed_database(fresh_database, monkeypatch):
    """A database of its own with committed rows, that the CLI finds through DATABASE_URL."""
    url, drop = fresh_database()
    engine = make_engine(url)
    seed(lambda: UnitOfWork(make_session_factory(engine)))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("RELAIS_ENV", "test")
    yield url
    engine.dispose()
    drop()


def test_the_cli_writes_then_replaces_the_file_whole(committed_database, tmp_path):
    from service.cli import cli

    target = tmp_path / "relais.gpkg"
    runner = CliRunner()
    first = runner.invoke(cli, ["geodata", "export", str(target)])
    assert first.exit_code == 0, first.output
    assert first.output.strip() == f"Wrote {target}: territories 2, areas 2, posts 3 features."
    again = runner.invoke(cli, ["geodata", "export", str(target), "--layers", "posts"])
    assert again.exit_code == 0, again.output
    assert again.output.strip() == f"Replaced {target}: posts 3 features."
    assert [tuple(row) for row in pyogrio.list_layers(target)] == [("posts", "Point")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["relais.gpkg"]  # nothing left over
    refused = runner.invoke(cli, ["geodata", "export", str(target), "--layers", "rivers"])
    assert refused.exit_code == 2 and "territories, areas, posts" in refused.output
