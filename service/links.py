"""Short links ``/s/<code>``: redirect at once, count the click later, in batches.

A redirect reads its target from a per-process cache (a code never changes target) and adds
one to an in-memory counter keyed by (share, day): nothing about the clicker is kept, not
even the IP. A thread of each web process writes the counters every
``RELAIS_CLICK_FLUSH_SECONDS`` in one upsert; the process writes what is left when it stops
(granian: a process finalizer; gunicorn: ``worker_exit``). An app bound to a test's
transaction (no engine of its own) has no thread: it writes each click at once, through the
same code.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import UTC, date, datetime

from flask import Blueprint, Flask, Response, current_app, redirect
from flask.typing import ResponseReturnValue

from regions import amplification
from regions.amplification import LinkTarget
from regions.db import SessionFactory, UnitOfWork
from service.runtime import reading

log = logging.getLogger("relais.links")
bp = Blueprint("links", __name__)
CACHE_LIMIT = 100_000  # codes kept per process (about 20 MB at most)
EXTENSION = "relais_clicks"


class ClickCounter:
    """Clicks counted in memory by (share, day), written in batches."""

    def __init__(self, session_factory: SessionFactory, flush_seconds: float, *,
                 background: bool) -> None:
        self._sessions = session_factory
        self._flush_seconds = flush_seconds
        self._background = background
        self._lock = threading.Lock()
        self._pending: Counter[tuple[int, date]] = Counter()
        self._targets: dict[str, LinkTarget] = {}
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def target(self, code: str) -> LinkTarget | None:
        """Where a code leads (cached; unknown codes are not cached)."""
        found = self._targets.get(code)
        if found is None:
            with reading() as uow:
                found = amplification.resolve(uow.session, code)
            if found is not None:
                if len(self._targets) >= CACHE_LIMIT:
                    self._targets.clear()
                self._targets[code] = found
        return found

    def count(self, share_id: int, day: date) -> None:
        """One click on a share, today."""
        with self._lock:
            self._pending[(share_id, day)] += 1
            if self._background and self._thread is None:
                self._thread = threading.Thread(target=self._run, name="relais-clicks",
                                                daemon=True)
                self._thread.start()
        if not self._background:
            self.flush()

    def flush(self) -> int:
        """Write the pending counts in one statement; returns how many clicks were written."""
        with self._lock:
            batch, self._pending = self._pending, Counter()
        if not batch:
            return 0
        try:
            with UnitOfWork(self._sessions) as uow:
                amplification.record_clicks(uow.session, batch)
                uow.commit()
        except Exception:
            with self._lock:  # keep them for the next round
                self._pending.update(batch)
            raise
        return sum(batch.values())

    def pending(self) -> int:
        """Clicks counted but not written yet."""
        with self._lock:
            return sum(self._pending.values())

    def stop(self) -> None:
        """Stop the thread and write what is left."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self._flush_seconds):
            try:
                self.flush()
            except Exception:  # the database may be away for a moment: retry next round
                log.exception("writing clicks failed; retrying")


def counter(app: Flask | None = None) -> ClickCounter:
    """The click counter of an app (the current one by default)."""
    found: ClickCounter = (app or current_app).extensions[EXTENSION]
    return found


@bp.get("/s/<code>")
def follow(code: str) -> ResponseReturnValue:
    """Redirect to the shared page and count the click (no personal data about the clicker)."""
    clicks = counter()
    target = clicks.target(code) if 4 <= len(code) <= 16 else None
    if target is None:
        return Response("Unknown link.\n", status=404, mimetype="text/plain")
    clicks.count(target.share_id, datetime.now(UTC).date())
    response = redirect(target.url, code=302)
    response.headers["Cache-Control"] = "no-store"  # every click must reach us
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def init_app(app: Flask) -> None:
    """Register the short-link route and the app's click counter."""
    relais = app.extensions["relais"]
    app.extensions[EXTENSION] = ClickCounter(
        relais.session_factory, relais.settings.click_flush_seconds,
        background=relais.engine is not None)
    app.register_blueprint(bp)
