"""The HTTP servers of ``relais serve``: their own refusals, and kept-alive connections.

Over real HTTP: ``service.server.run_server`` in a child process on the test session's
database, once with granian (production, decision 0030) and once with gunicorn's gthread
workers (the other server still selectable with RELAIS_WORKER_CLASS).
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import socket
import time

import pytest

from config.settings import Settings
from tests.conftest import TEST_SECRET

KEEPALIVE_SECONDS = 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(database_url: str, port: int, worker_class: str) -> None:
    from service.server import run_server

    run_server(Settings(environment="test", secret_key=TEST_SECRET, database_url=database_url,
                        host="127.0.0.1", port=port, workers=1, worker_class=worker_class,
                        keepalive_seconds=KEEPALIVE_SECONDS))


@pytest.fixture(scope="module", params=["granian", "gthread"])
def server(request, database_url, engine):
    port = _free_port()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(database_url, port, request.param))  # granian forks: no daemon
    process.start()
    deadline = time.monotonic() + 180  # a limit for a loaded machine
    while time.monotonic() < deadline and process.is_alive():
        try:
            if _get(port, "/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    try:
        yield request.param, port
    finally:
        process.terminate()
        process.join(20)


def _get(port: int, path: str, headers: dict[str, str] | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:  # the connection is kept alive: close it here
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        conn.close()


@pytest.mark.parametrize(("path", "headers", "status", "code"), [
    ("/api/posts?q=" + "x" * 9000, {}, 414, "request.uri_too_long"),
    ("/api/posts", {"X-Big": "y" * 9000}, 431, "request.headers_too_large"),
])
def test_the_servers_own_refusals_answer_the_json_error_shape(server, path, headers, status,
                                                              code):
    answered, content_type, body = _get(server[1], path, headers)
    assert (answered, content_type) == (status, "application/json")
    payload = json.loads(body)
    assert payload["status"] == status and payload["code"] == code
    assert set(payload) == {"code", "status", "message", "errors", "request_id"}


def test_too_many_header_fields_are_refused(server):
    worker_class, port = server
    status, content_type, body = _get(port, "/api/posts", {f"X-H{i}": "1" for i in range(150)})
    assert status == 431
    if worker_class == "granian":
        # granian's HTTP parser (Rust) refuses over 100 fields before Python sees the
        # request: the status only, no body (docs/decisions/0030).
        assert (content_type, body) == (None, b"")
    else:
        assert json.loads(body)["code"] == "request.headers_too_large"


def test_an_ordinary_request_still_reaches_the_app(server):
    status, content_type, body = _get(server[1], "/healthz")
    assert (status, content_type, json.loads(body)) == (200, "application/json",
                                                         {"status": "ok"})


def test_a_client_keeps_its_connection_until_it_idles_past_the_keepalive(server):
    conn = http.client.HTTPConnection("127.0.0.1", server[1], timeout=10)
    try:
        local_ends = []
        for _ in range(3):
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            assert response.status == 200 and response.getheader("Connection") != "close"
            response.read()
            local_ends.append(conn.sock.getsockname())
        assert len(set(local_ends)) == 1  # three requests, one TCP connection
        # Idle past RELAIS_KEEPALIVE_SECONDS, the server closes it (end of stream).
        assert conn.sock.recv(1) == b""
    finally:
        conn.close()
