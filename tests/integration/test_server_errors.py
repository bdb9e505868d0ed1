"""Gunicorn's own refusals (request line or headers too large) answer the JSON error shape.

Over real HTTP: ``relais serve``'s gunicorn (``service.server.RelaisServer``) in a child
process, on the test session's database.
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(database_url: str, port: int) -> None:
    from service.server import RelaisServer

    settings = Settings(environment="test", secret_key=TEST_SECRET, database_url=database_url,
                        host="127.0.0.1", port=port, workers=1)
    RelaisServer(settings).run()


@pytest.fixture(scope="module")
def server(database_url, engine):
    port = _free_port()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(database_url, port), daemon=True)
    process.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    yield port
    process.terminate()
    process.join(10)


def _get(port: int, path: str, headers: dict[str, str] | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:  # gthread workers keep the connection alive: close it here
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        conn.close()


@pytest.mark.parametrize(("path", "headers", "status", "code"), [
    ("/api/posts?q=" + "x" * 9000, {}, 414, "request.uri_too_long"),
    ("/api/posts", {"X-Big": "y" * 9000}, 431, "request.headers_too_large"),
    ("/api/posts", {f"X-H{i}": "1" for i in range(150)}, 431, "request.headers_too_large"),
])
def test_the_servers_own_refusals_answer_the_json_error_shape(server, path, headers, status,
                                                              code):
    answered, content_type, body = _get(server, path, headers)
    assert (answered, content_type) == (status, "application/json")
    payload = json.loads(body)
    assert payload["status"] == status and payload["code"] == code
    assert set(payload) == {"code", "status", "message", "errors", "request_id"}


def test_an_ordinary_request_still_reaches_the_app(server):
    status, content_type, body = _get(server, "/healthz")
    assert (status, content_type, json.loads(body)) == (200, "application/json",
                                                         {"status": "ok"})
