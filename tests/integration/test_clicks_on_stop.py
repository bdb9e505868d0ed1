"""A stopping `relais serve` writes the short-link clicks its web workers still hold.

Each web worker counts clicks in memory and writes them every ``RELAIS_CLICK_FLUSH_SECONDS``
(``service/links.py``). Here that is an hour, so nothing is written while the server runs:
every click the database holds afterwards was written by a worker on its way out (granian: a
process finalizer; gunicorn: its ``worker_exit`` hook), once `relais serve` was stopped as
systemd stops it (SIGTERM to the main process) or as Ctrl-C does (SIGINT to the whole group).
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from shapely.geometry import box
from sqlalchemy import func, select

from regions import territories
from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import Share, ShareClick, ShareKit
from tests.conftest import TEST_SECRET

RELAIS = str(Path(sys.executable).with_name("relais"))
CLICKS = 60
WORKERS = 2
STARTUP_SECONDS = 120  # generous: a busy two-core machine starts two workers slowly
TARGET = "https://www.facebook.com/2001/posts/42"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _seed_share(url: str) -> str:
    """One kit and one share behind a short link, committed; returns its code."""
    engine = make_engine(url)
    code = secrets.token_urlsafe(9)
    with UnitOfWork(make_session_factory(engine)) as uow:
        territory, _ = territories.create_territory(uow, None, name="Clics", slug="clics",
                                                    shape=box(4.7, 45.6, 5.0, 45.9))
        kit = ShareKit(title="Clics", territory_id=territory.id, link=TARGET,
                       suggestions=["Bonjour"], networks=["x"],
                       ends_at=datetime.now(UTC) + timedelta(days=1))
        uow.session.add(kit)
        uow.flush()
        uow.session.add(Share(kit_id=kit.id, territory_id=territory.id, network="x", code=code))
        uow.commit()
    engine.dispose()
    return code


def _serve(url: str, port: int, worker_class: str, log: Path) -> subprocess.Popen[bytes]:
    """`relais serve` on this database, in a process group of its own (for Ctrl-C's SIGINT)."""
    env = {**os.environ, "DATABASE_URL": url, "RELAIS_SECRET_KEY": TEST_SECRET,
           "RELAIS_ENV": "test", "RELAIS_LOG_LEVEL": "INFO", "RELAIS_WORKER_CLASS": worker_class,
           "RELAIS_CLICK_FLUSH_SECONDS": "3600"}
    with log.open("ab") as out:
        return subprocess.Popen([RELAIS, "serve", "--port", str(port), "--workers", str(WORKERS)],
                                env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _get(port: int, path: str) -> tuple[int, str | None]:
    """One request on a connection of its own (so the clicks spread over the workers)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location")
    finally:
        conn.close()


def _wait_ready(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    """Until `/readyz` answers; a server that dies or never answers fails with its log."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
        try:
            if _get(port, "/readyz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)


def _clicks(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.coalesce(func.sum(ShareClick.clicks), 0))))
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize(("worker_class", "stop"), [
    ("granian", "SIGTERM"), ("granian", "Ctrl-C"), ("sync", "SIGTERM"), ("sync", "Ctrl-C")])
def test_a_stopping_server_writes_every_click_its_workers_counted(
        fresh_database, tmp_path, worker_class, stop):
    url, drop = fresh_database()
    log = tmp_path / "serve.log"
    port = _free_port()
    try:
        code = _seed_share(url)
        server = _serve(url, port, worker_class, log)
        try:
            _wait_ready(port, server, log)
            answers = [_get(port, f"/s/{code}") for _ in range(CLICKS)]
            held = _clicks(url)
        finally:
            if stop == "SIGTERM":
                server.send_signal(signal.SIGTERM)
            else:  # a terminal's Ctrl-C signals the server and its workers alike
                os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        written = _clicks(url)
    finally:
        drop()

    assert answers == [(302, TARGET)] * CLICKS
    assert held == 0  # an hour between writes: the running workers held every click
    assert server.returncode == 0, log.read_text()[-3000:]
    assert written == CLICKS, log.read_text()[-3000:]
