"""Run the app under gunicorn: threaded workers keeping API clients' connections alive."""

from __future__ import annotations

import json
import os
from typing import Any

from flask import Flask
from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.workers.base import Worker
from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

from config.settings import Settings

# Gunicorn's own refusals, before any request reaches the app, as codes of the one error shape.
SERVER_ERROR_CODES = {400: "request.invalid", 414: "request.uri_too_long",
                      431: "request.headers_too_large", 500: "server.error"}


class _Captured:
    """Stands in for the client socket while gunicorn writes its error page."""

    def __init__(self) -> None:
        self.data = b""

    def gettimeout(self) -> float:
        return 0.0  # "non-blocking": gunicorn writes straight away

    def sendall(self, data: bytes) -> None:
        self.data += data


class JsonErrors(Worker):
    """Mixed into gunicorn's workers: their own errors (414, 431, 400…) in Relais' JSON shape.

    Gunicorn refuses these while reading the request line or headers, before it knows the
    path, so every such answer is JSON (the API's shape; pages never send such requests).
    """

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        """Let gunicorn decide the status and log, then answer that status as JSON."""
        captured = _Captured()
        super().handle_error(req, captured, addr, exc)  # type: ignore[arg-type]
        status_line = captured.data.split(b"\r\n", 1)[0].decode("latin1")
        _, status, reason = (status_line.split(" ", 2) + ["", ""])[:3]
        code = int(status) if status.isdigit() else 500
        body = json.dumps({
            "code": SERVER_ERROR_CODES.get(code, "http.error"), "status": code,
            "message": reason or "Bad request", "errors": {}, "request_id": None,
        }).encode()
        head = (f"HTTP/1.1 {code} {reason}\r\nConnection: close\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                "X-Content-Type-Options: nosniff\r\n\r\n").encode("latin1")
        try:
            util.write_nonblock(client, head + body)
        except Exception:  # noqa: BLE001 - the client may be gone, as gunicorn itself allows
            self.log.debug("Failed to send error message.")


class JsonErrorSyncWorker(JsonErrors, SyncWorker):
    """Gunicorn's sync worker (one connection at a time, closed after each answer)."""


class JsonErrorThreadWorker(JsonErrors, ThreadWorker):
    """Gunicorn's gthread worker (threads, keep-alive), the default (decision 0020)."""


# RELAIS_WORKER_CLASS → the worker gunicorn runs.
JSON_ERROR_WORKERS = {"sync": "service.server.JsonErrorSyncWorker",
                      "gthread": "service.server.JsonErrorThreadWorker"}


class RelaisServer(BaseApplication):
    """Gunicorn embedded in ``relais serve``; each worker builds its own app and engine."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        """Gunicorn settings from Relais settings (decision 0020)."""
        settings = self.settings
        options: dict[str, Any] = {
            "bind": f"{settings.host}:{settings.port}",
            "workers": settings.workers,
            # gthread: each worker serves `threads` connections at once and keeps each alive
            # for `keepalive` seconds between requests; sync closes every connection.
            "worker_class": JSON_ERROR_WORKERS[settings.worker_class],
            "threads": settings.threads if settings.worker_class == "gthread" else 1,
            "keepalive": settings.keepalive_seconds,
            "control_socket_disable": True,
            "accesslog": "-",
            "graceful_timeout": settings.graceful_timeout_seconds,
            "timeout": settings.timeout_seconds,
            "worker_exit": _write_pending_clicks,
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    # types-gunicorn types start_response as (status, headers) -> None, narrower than WSGI's
    # (PEP 3333: optional exc_info, returns write()); Flask's __call__ asks for the full one.
    def load(self) -> Flask:  # type: ignore[override]
        """Build the app in each worker (after fork: no shared connections)."""
        import gc

        from service.app import create_app
        from service.runtime import warm_indexes

        app = create_app(self.settings)
        warm_indexes(app)  # the first request must not wait for the territory index
        # Everything loaded so far lives as long as the worker: keep it out of the collector's
        # full passes, which otherwise walk it again and again.
        gc.freeze()
        return app


def _write_pending_clicks(server: Any, worker: Any) -> None:
    """A stopping web worker writes the short-link clicks it still holds in memory."""
    from service.links import counter

    app = getattr(worker, "wsgi", None)
    if isinstance(app, Flask):
        counter(app).stop()


def run_server(settings: Settings) -> None:
    """Serve until SIGINT or SIGTERM; returns so the caller can stop the database."""
    from service.app import create_app

    # Build the app once before forking, so a broken configuration fails here, in one line.
    probe = create_app(settings)
    probe.extensions["relais"].engine.dispose()
    master = os.getpid()
    try:
        RelaisServer(settings).run()
    except SystemExit as exc:
        if os.getpid() != master:
            # A forked web worker ends here: it must not unwind into the caller's clean-up
            # (stopping the embedded database, the demo's fake Graph and worker), which
            # belongs to the master alone.
            os._exit(exc.code if isinstance(exc.code, int) else 1)
        if exc.code not in (0, None):
            raise
