"""The embedded default database and the `relais` command on it, as a person would use them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from service.pgcluster import ClusterError, EmbeddedPostgres, check_postgis

RELAIS = str(Path(sys.executable).with_name("relais"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def data_dir():
    folder = Path(tempfile.mkdtemp(prefix="relais-data-"))
    folder.chmod(0o755)
    yield folder
    cluster = EmbeddedPostgres(folder / "postgres")
    if cluster.is_running():
        cluster.stop()
    subprocess.run(["rm", "-rf", str(folder)], check=False)


def relais_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"RELAIS_DATA_DIR": str(data_dir), "RELAIS_LOG_LEVEL": "WARNING"}, **extra)
    return env


def run_relais(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([RELAIS, *args], env=env, capture_output=True, text=True, timeout=120)


def postgres_processes(data_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if "postgres" in cmdline and str(data_dir) in cmdline:
            found.append(proc)
    return found


def wait_ready(port: int, timeout: float = 180) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as resp:
                return resp.status
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the service never became ready")


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_serve_runs_on_its_own_cluster_and_stops_it_on_signal(data_dir, stop_signal):
    port = free_port()
    server = subprocess.Popen(
        [RELAIS, "serve", "--port", str(port), "--workers", "1"],
        env=relais_env(data_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert wait_ready(port) == 200
        assert postgres_processes(data_dir), "the embedded cluster should be running"
    finally:
        server.send_signal(stop_signal)
        _out, err = server.communicate(timeout=60)
    assert server.returncode == 0, err
    assert postgres_processes(data_dir) == []


@pytest.mark.slow
def test_a_web_worker_that_exits_leaves_the_database_running(data_dir):
    # gunicorn forks its workers from inside `relais serve`: a worker's exit must not run the
    # parent's clean-up (stopping the embedded cluster), as it did before.
    port = free_port()
    server = subprocess.Popen(
        [RELAIS, "serve", "--port", str(port), "--workers", "1"],
        env=relais_env(data_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert wait_ready(port) == 200
        worker = psutil.Process(server.pid).children()[0]
        worker.terminate()  # a graceful worker exit, as after max-requests or a reload
        worker.wait(timeout=30)
        assert wait_ready(port) == 200  # a new worker answers, on a database still running
        assert postgres_processes(data_dir)
    finally:
        server.send_signal(signal.SIGTERM)
        _out, err = server.communicate(timeout=60)
    assert server.returncode == 0, err
    assert postgres_processes(data_dir) == []


def test_second_start_reuses_the_data(data_dir):
    env = relais_env(data_dir)
    first = run_relais("user", "create", "--email", "keep@example.test", "--role", "viewer",
                       env=env)
    assert first.returncode == 0, first.stderr
    assert postgres_processes(data_dir) == []  # a command that started the cluster stops it
    again = run_relais("user", "create", "--email", "keep@example.test", "--role", "viewer",
                       env=env)
    assert again.returncode == 1
    assert "already exists" in again.stderr


def test_db_migrate_twice_changes_nothing(data_dir):
    env = relais_env(data_dir)
    assert run_relais("db", "up", env=env).returncode == 0
    try:
        cluster = EmbeddedPostgres(data_dir / "postgres")
        first = run_relais("db", "migrate", env=env)
        assert first.returncode == 0, first.stderr
        before = schema_snapshot(cluster)
        second = run_relais("db", "migrate", env=env)
        assert second.returncode == 0, second.stderr
        assert schema_snapshot(cluster) == before
        status = run_relais("db", "status", env=env)
        assert "up to date" in status.stdout
    finally:
        assert run_relais("db", "down", env=env).returncode == 0
    assert postgres_processes(data_dir) == []


def schema_snapshot(cluster: EmbeddedPostgres) -> list[tuple]:
    import psycopg

    with psycopg.connect(cluster._conninfo("relais")) as conn:
        return conn.execute(
            "SELECT c.relname, c.relkind, c.relfilenode, a.attname, a.atttypid"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0"
            " WHERE n.nspname = 'public' ORDER BY 1, 4"
        ).fetchall()


# -- bad input: one clear sentence, exit 1, no traceback, no data touched --------------------
def assert_one_clear_sentence(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("not a url at all", "DATABASE_URL is not a valid database URL"),
        ("mysql://user@localhost/db", "must point to PostgreSQL"),
    ],
)
def test_malformed_database_url(data_dir, url, fragment):
    result = run_relais("db", "status", env=relais_env(data_dir, DATABASE_URL=url))
    assert_one_clear_sentence(result, fragment)


def test_unreachable_database_names_the_server_not_the_password(data_dir):
    port = free_port()
    url = f"postgresql://someone:s3cret-pass@127.0.0.1:{port}/relais"
    result = run_relais("db", "migrate", env=relais_env(data_dir, DATABASE_URL=url))
    assert_one_clear_sentence(result, "Cannot connect to the database at 127.0.0.1")
    assert "s3cret-pass" not in result.stderr


def test_wrong_user_on_a_real_server_is_one_sentence(data_dir, database_url):
    from sqlalchemy.engine import make_url

    url = make_url(database_url).set(username="nobody_here", password="wrong-password")
    result = run_relais(
        "db", "status", env=relais_env(data_dir, DATABASE_URL=url.render_as_string(False))
    )
    assert_one_clear_sentence(result, "Cannot connect to the database")
    assert "wrong-password" not in result.stderr


def test_occupied_port_is_refused_clearly(data_dir):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_relais("db", "up", env=relais_env(data_dir, RELAIS_EMBEDDED_PG_PORT=str(port)))
    assert_one_clear_sentence(result, f"Port {port}", "already in use")
    assert postgres_processes(data_dir) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the folder to another user")
def test_data_folder_owned_by_someone_else_is_refused_and_untouched(data_dir):
    folder = data_dir / "postgres"
    folder.mkdir()
    (folder / "precious.txt").write_text("keep me")
    os.chown(folder, 54321, 54321)
    result = run_relais("db", "up", env=relais_env(data_dir))
    assert_one_clear_sentence(result, "belongs to", "RELAIS_DATA_DIR")
    assert (folder / "precious.txt").read_text() == "keep me"
    assert folder.stat().st_uid == 54321


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs PostgreSQL as another user")
def test_a_0700_data_folder_from_mktemp_is_opened_for_entering_only():
    folder = Path(tempfile.mkdtemp(prefix="relais-closed-"))  # 0700, as `mktemp -d` makes
    cluster = EmbeddedPostgres(folder / "postgres", throwaway=True)
    try:
        assert cluster.init()
        assert folder.stat().st_mode & 0o777 == 0o701  # others may enter, not list
        assert cluster.is_initialised()
    finally:
        subprocess.run(["rm", "-rf", str(folder)], check=False)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs PostgreSQL as another user")
def test_a_closed_folder_further_up_is_named_with_the_command_that_opens_it():
    outer = Path(tempfile.mkdtemp(prefix="relais-outer-"))
    try:
        result = run_relais("db", "up", env=relais_env(outer / "relais"))
        assert_one_clear_sentence(result, f"cannot enter {outer} (drwx------",
                                  f"chmod o+x {outer}")
        assert outer.stat().st_mode & 0o777 == 0o700  # not ours to change
    finally:
        subprocess.run(["rm", "-rf", str(outer)], check=False)


def test_non_empty_folder_without_a_cluster_is_refused(data_dir):
    folder = data_dir / "postgres"
    folder.mkdir()
    if os.geteuid() == 0:
        import pwd

        os.chown(folder, pwd.getpwnam("postgres").pw_uid, -1)
    (folder / "notes.txt").write_text("mine")
    result = run_relais("db", "up", env=relais_env(data_dir))
    assert_one_clear_sentence(result, "not empty")
    assert (folder / "notes.txt").read_text() == "mine"


def test_missing_postgis_says_how_to_install_it(tmp_path):
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    postgres = fake_bin / "postgres"
    postgres.write_text("#!/bin/sh\necho 'postgres (PostgreSQL) 99.1'\n")
    postgres.chmod(0o755)
    with pytest.raises(ClusterError, match=r"apt-get install postgresql-99-postgis-3"):
        check_postgis(fake_bin)


def test_production_without_a_secret_key_refuses_to_start(data_dir):
    result = run_relais("serve", env=relais_env(data_dir, RELAIS_ENV="production"))
    assert_one_clear_sentence(result, "RELAIS_SECRET_KEY")
    assert not (data_dir / "postgres").exists()
