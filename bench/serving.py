"""What the HTTP benchmarks share: `relais serve` on a database, and `wrk` driving it.

Each benchmark keeps its own Lua script (what it counts differs); the script must print one
line `RESULT <fields…>`, which :func:`run_wrk` returns split.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import requests

STARTUP: list[float] = []  # seconds from `relais serve` to a ready worker, per server started


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(url: str, *, workers: int | None = None, **env: str) -> Iterator[str]:
    """`relais serve` on this database with these settings; its base URL once it is ready.

    ``workers`` None keeps `relais serve`'s own default. A server that exits or is not ready
    within two minutes raises with the end of its log, instead of measuring nothing.
    """
    with served(url, workers=workers, **env) as (base, _process):
        yield base


@contextmanager
def served(url: str, *, workers: int | None = None, command: Sequence[str] | None = None,
           ready: str = "/readyz", **env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """As :func:`server`, with the server's process; ``command`` replaces `relais serve`.

    ``command`` is given the port through ``{port}`` in its arguments; ``ready`` is the path
    answering 200 once it serves.
    """
    port = free_port()
    relais = Path(sys.executable).with_name("relais")
    if command is None:
        command = [str(relais), "serve", "--port", "{port}"]
        if workers is not None:
            command = [*command, "--workers", str(workers)]
    command = [part.replace("{port}", str(port)) for part in command]
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(command, env={**os.environ, "DATABASE_URL": url, **env},
                            stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"{command[0]} did not start: {log.read()[-2000:]!r}")
            try:
                if requests.get(f"{base}{ready}", timeout=5).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or no worker ready yet
                time.sleep(0.1)
        if command[0] == str(relais):
            STARTUP.append(time.perf_counter() - started)
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()


def run_wrk(lua: str, base: str, *, connections: int, duration: str, threads: int,
            options: Sequence[str] = ()) -> list[str]:
    """Run `wrk` with this Lua script on ``base``: the fields of its `RESULT` line."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", duration, "--latency",
               *options, "-s", script.name, base]
    try:
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    return next(line for line in out.splitlines() if line.startswith("RESULT")).split()[1:]
