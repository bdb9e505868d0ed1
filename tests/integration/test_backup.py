"""``relais db dump`` / ``relais db restore``: everything round-trips, table by table.

A source database is filled through the real use cases (territories with geometries, users,
posts, the audit trail, encrypted Page tokens, a webhook with its encrypted secret), dumped,
restored into a fresh embedded cluster, dumped again from there and restored onto a server
through DATABASE_URL; each copy must have the same rows in every table (count and checksum).
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from regions import accounts, webhooks
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import Role
from regions.publishing.page_tokens import cipher_for
from regions.webhook_targets import TargetPolicy
from service.backup import USER_TABLES
from service.cli import cli
from service.demo import seed_demo, seed_demo_pages
from service.demo_stories import seed_demo_content
from service.pgcluster import EmbeddedPostgres
from tests.conftest import TEST_SECRET, _fresh_database_on

CIPHER = cipher_for(None, TEST_SECRET, production=False)
CHECKSUM = ("SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
            "FROM {table} AS t")


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Rows and a checksum of their text, per table."""
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(conninfo) as conn:
        tables = [row[0] for row in conn.execute(USER_TABLES)] + ["public.spatial_ref_sys"]
        return {table: tuple(conn.execute(CHECKSUM.format(table=table)).fetchone())
                for table in tables}


@pytest.fixture(scope="module")
def source(fresh_database):
    """A database holding the demo world, published posts' tokens and a webhook."""
    url, drop = fresh_database()
    engine = make_engine(url)
    with UnitOfWork(make_session_factory(engine)) as uow:
        seed_demo(uow)
        seed_demo_pages(uow, CIPHER)
        seed_demo_content(uow, now=datetime.now(UTC))
        admin = accounts.create_user(uow, None, email="backup@example.test",
                                     display_name="Backup", role=Role.ADMIN, password=None)
        webhooks.create_endpoint(uow, accounts.load_actor(admin),
                                 url="https://93.184.215.14/hook", events=["post.failed"],
                                 cipher=CIPHER, targets=TargetPolicy())
        uow.commit()
    engine.dispose()
    yield url
    drop()


@pytest.fixture()
def data_dir():
    folder = Path(tempfile.mkdtemp(prefix="relais-backup-"))
    folder.chmod(0o755)  # the cluster's owner (postgres, when we are root) must reach it
    EmbeddedPostgres(folder / "postgres", throwaway=True).init()  # fresh, made without fsync
    yield folder
    CliRunner().invoke(cli, ["db", "down"], env={"DATABASE_URL": None,
                                                  "RELAIS_DATA_DIR": str(folder)})
    shutil.rmtree(folder, ignore_errors=True)


def relais(*args: str, **env: str | None):
    return CliRunner().invoke(cli, list(args), env={"RELAIS_SECRET_KEY": TEST_SECRET, **env})


def test_a_dump_restores_everything_into_a_fresh_cluster_and_onto_a_server(
        source, data_dir, database_url, tmp_path):
    expected = fingerprint(source)
    assert expected["public.audit_events"][0] > 0 and expected["public.page_connections"][0] > 0
    assert expected["public.territories"][0] > 0 and expected["public.webhook_endpoints"][0] == 1

    first, second = tmp_path / "server.dump", tmp_path / "embedded.dump"
    dumped = relais("db", "dump", str(first), DATABASE_URL=source)
    assert dumped.exit_code == 0, dumped.output
    assert f"[{len(expected)}/{len(expected)}] public." in dumped.output  # one line per table
    assert (first.stat().st_mode & 0o077) == 0  # readable by its owner only

    embedded = {"DATABASE_URL": None, "RELAIS_DATA_DIR": str(data_dir)}
    cluster_url = relais("db", "up", **embedded).output.strip()  # kept running in between
    restored = relais("db", "restore", str(first), **embedded)
    assert restored.exit_code == 0, restored.output
    assert "Restart the Relais service" in restored.output
    assert fingerprint(cluster_url) == expected

    assert relais("db", "dump", str(second), **embedded).exit_code == 0
    relais("db", "down", **embedded)
    target, drop = _fresh_database_on(database_url)
    try:
        assert relais("db", "restore", str(second), DATABASE_URL=target).exit_code == 0
        assert fingerprint(target) == expected
        conninfo = make_url(target).set(drivername="postgresql").render_as_string(False)
        with psycopg.connect(conninfo) as conn:  # the key of the source still opens them
            secret = conn.execute("SELECT secret_ciphertext FROM webhook_endpoints").fetchone()
            tokens = conn.execute("SELECT token_ciphertext FROM page_connections").fetchall()
        assert CIPHER.decrypt(secret[0]) and all(CIPHER.decrypt(row[0]) for row in tokens)
        refused = relais("db", "restore", str(second), DATABASE_URL=target)
        assert refused.exit_code == 1
        assert "is not empty" in refused.output and "--force" in refused.output
        forced = relais("db", "restore", "--force", str(second), DATABASE_URL=target)
        assert forced.exit_code == 0, forced.output
        assert fingerprint(target) == expected
    finally:
        drop()


def test_a_file_that_is_not_a_dump_is_refused_in_one_sentence(tmp_path, database_url):
    not_a_dump = tmp_path / "notes.txt"
    not_a_dump.write_text("hello")
    result = relais("db", "restore", str(not_a_dump), DATABASE_URL=database_url)
    assert result.exit_code == 1
    assert "is not a Relais dump" in result.output and "Traceback" not in result.output


def test_a_restore_by_a_role_that_is_not_superuser_needs_only_postgis_made_by_the_dba(
        source, database_url, tmp_path):
    dump_file = tmp_path / "managed.dump"
    assert relais("db", "dump", str(dump_file), DATABASE_URL=source).exit_code == 0
    server = make_url(database_url)
    admin = server.set(drivername="postgresql", database="postgres").render_as_string(False)
    role, name = "relais_restorer", "relais_test_managed"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"DROP ROLE IF EXISTS {role}")
        conn.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER")
        conn.execute(f"CREATE DATABASE {name} OWNER {role}")
    as_dba = server.set(drivername="postgresql", database=name).render_as_string(False)
    with psycopg.connect(as_dba, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")  # what a managed server's admin does
    target = server.set(database=name, username=role).render_as_string(False)
    try:
        restored = relais("db", "restore", str(dump_file), DATABASE_URL=target)
        assert restored.exit_code == 0, restored.output
        assert fingerprint(target) == fingerprint(source)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"DROP ROLE IF EXISTS {role}")


def test_a_dump_into_a_missing_folder_is_refused_in_one_sentence(tmp_path, database_url):
    result = relais("db", "dump", str(tmp_path / "nowhere" / "x.dump"), DATABASE_URL=database_url)
    assert result.exit_code == 1
    assert "Cannot write" in result.output and "No such file or directory" in result.output
    assert "Traceback" not in result.output
