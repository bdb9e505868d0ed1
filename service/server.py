"""Run the app under gunicorn (sync workers: fastest on database routes here)."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from config.settings import Settings


class RelaisServer(BaseApplication):
    """Gunicorn embedded in ``relais serve``; each worker builds its own app and engine."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        """Gunicorn settings from Relais settings."""
        options: dict[str, Any] = {
            "bind": f"{self.settings.host}:{self.settings.port}",
            "workers": self.settings.workers,
            "worker_class": "sync",
            "control_socket_disable": True,
            "accesslog": "-",
            "graceful_timeout": 10,
            "timeout": 60,
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

        app = create_app(self.settings)
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
