"""Run the app: granian (decision 0030), or gunicorn's sync/gthread workers to compare.

granian is a Rust HTTP server calling the WSGI app from a few Python threads per process; it
keeps API clients' connections alive without a Python poller thread in each process.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Iterable
from functools import partial
from http import HTTPStatus
from typing import Any

from flask import Flask
from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.server import MPServer
from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.workers.base import Worker
from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

from config.settings import Settings

# Gunicorn's own refusals, before any request reaches the app, as codes of the one error shape.
SERVER_ERROR_CODES = {400: "request.invalid", 414: "request.uri_too_long",
                      431: "request.headers_too_large", 500: "server.error"}


def error_body(status: int, reason: str) -> bytes:
    """A refusal made before the app routes the request, in the app's JSON error shape."""
    return json.dumps({
        "code": SERVER_ERROR_CODES.get(status, "http.error"), "status": status,
        "message": reason or "Bad request", "errors": {}, "request_id": None,
    }).encode()


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
        body = error_body(code, reason)
        head = (f"HTTP/1.1 {code} {reason}\r\nConnection: close\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                "X-Content-Type-Options: nosniff\r\n\r\n").encode("latin1")
        try:
            util.write_nonblock(client, head + body)
        except Exception:  # noqa: BLE001 - the client may be gone, as gunicorn itself allows
            self.log.debug("Failed to send error message.")


class LeavesCtrlCToTheArbiter(Worker):
    """Mixed into gunicorn's workers: Ctrl-C stops them through the arbiter only.

    Ctrl-C signals the whole process group, and the arbiter then sends each worker SIGQUIT:
    the second quit arrived while the worker's ``worker_exit`` hook was writing its clicks and
    cut the write short (its ``sys.exit`` lands in the middle). Ignoring SIGINT leaves one quit.
    """

    def init_signals(self) -> None:
        """Gunicorn's worker signals, with SIGINT ignored."""
        super().init_signals()
        signal.signal(signal.SIGINT, signal.SIG_IGN)


class JsonErrorSyncWorker(LeavesCtrlCToTheArbiter, JsonErrors, SyncWorker):
    """Gunicorn's sync worker (one connection at a time, closed after each answer)."""


class JsonErrorThreadWorker(LeavesCtrlCToTheArbiter, JsonErrors, ThreadWorker):
    """Gunicorn's gthread worker (threads, keep-alive; decision 0020, replaced by 0030)."""


# RELAIS_WORKER_CLASS → the worker gunicorn runs (granian is not gunicorn's).
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
            # Each worker listens on its own socket and the kernel spreads new connections
            # over them: on one shared socket, the worker awake first accepted all of a
            # client's kept-alive connections and the other one idled (decision 0030).
            "reuse_port": True,
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
        return worker_app(self.settings)


def worker_app(settings: Settings) -> Flask:
    """The app of one web worker process, ready for its first request."""
    import gc

    from service.app import create_app
    from service.runtime import warm_indexes

    app = create_app(settings)
    warm_indexes(app)  # the first request must not wait for the territory index
    # Everything loaded so far lives as long as the worker: keep it out of the collector's
    # full passes, which otherwise walk it again and again.
    gc.freeze()
    return app


def _write_pending_clicks(server: Any, worker: Any) -> None:
    """A stopping gunicorn worker writes the short-link clicks it still holds in memory."""
    from service.links import counter

    app = getattr(worker, "wsgi", None)
    if isinstance(app, Flask):
        counter(app).stop()


# gunicorn's default limits, which issue 11 answered as JSON 414/431 (JsonErrors). granian's
# own are higher (its HTTP parser refuses a URI over 64 KiB with a bare 414 and more than 100
# header fields with a bare 431, before Python sees the request): RequestLimits applies
# gunicorn's in the app's JSON shape below those.
REQUEST_URI_LIMIT = 4094
HEADER_FIELD_LIMIT = 8190

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class RequestLimits:
    """WSGI middleware: too long a URI (414) or header field (431), as gunicorn refused them."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse
                 ) -> Iterable[bytes]:
        """Refuse as gunicorn would have, or pass the request on."""
        status = self.refusal(environ)
        if status is None:
            return self.app(environ, start_response)
        body = error_body(status, HTTPStatus(status).phrase)
        start_response(f"{status} {HTTPStatus(status).phrase}", [
            ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
            ("X-Content-Type-Options", "nosniff")])  # no hop-by-hop header (PEP 3333)
        return [body]

    @staticmethod
    def refusal(environ: dict[str, Any]) -> int | None:
        """The status gunicorn would have refused this request with, if any."""
        uri = len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) + 1
        if uri > REQUEST_URI_LIMIT:
            return 414
        if any(len(key) - 5 + len(str(value)) + 2 > HEADER_FIELD_LIMIT
               for key, value in environ.items() if key.startswith("HTTP_")):
            return 431
        return None


def _granian_worker_app(settings: Settings) -> WsgiApp:
    """The app of one granian worker; its pending clicks are written when the process ends.

    granian runs each worker as a multiprocessing process, which runs its finalizers on the
    way out after a SIGTERM; this is what gunicorn's ``worker_exit`` hook did.
    """
    from multiprocessing import util

    from service.links import counter

    _leave_ctrl_c_to_the_main_process()
    app = worker_app(settings)
    util.Finalize(None, counter(app).stop, exitpriority=10)
    return RequestLimits(app)


def _leave_ctrl_c_to_the_main_process() -> None:
    """A granian worker ignores SIGINT; the main process stops it with SIGTERM instead.

    Ctrl-C signals the whole process group. A worker that got SIGINT and then the main
    process's SIGTERM mostly never ran its Python signal handler (granian 2.8; measured: 7
    workers of 8 hung), so it was killed after RELAIS_GRACEFUL_TIMEOUT_SECONDS, before its
    finalizer could write its clicks. Blocked here, before granian starts its threads (they
    inherit the mask), SIGINT stays pending and the worker stops on SIGTERM alone, as under
    systemd.
    """
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def granian_server(settings: Settings) -> tuple[MPServer, Callable[[], WsgiApp]]:
    """Granian configured from Relais settings (decision 0030), and its workers' app loader."""
    server = MPServer(  # processes: the GIL build of Python
        "relais", address=settings.host, port=settings.port, interface=Interfaces.WSGI,
        workers=settings.workers, blocking_threads=settings.threads, http=HTTPModes.http1,
        websockets=False,
        # An idle kept-alive connection waits this long for its next request's headers.
        http1_settings=HTTP1Settings(keep_alive=settings.keepalive_seconds > 0,
                                     header_read_timeout=max(1, settings.keepalive_seconds)
                                     * 1000),
        log_access=True, respawn_failed_workers=True,
        workers_kill_timeout=settings.graceful_timeout_seconds)
    return server, partial(_granian_worker_app, settings)


def run_server(settings: Settings) -> None:
    """Serve until SIGINT or SIGTERM; returns so the caller can stop the database."""
    from service.app import create_app

    # Build the app once before forking, so a broken configuration fails here, in one line.
    probe = create_app(settings)
    probe.extensions["relais"].engine.dispose()
    if settings.worker_class == "granian":
        server, loader = granian_server(settings)
        server.serve(target_loader=loader, wrap_loader=False)
        return
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
