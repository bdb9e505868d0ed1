"""The fake Graph API server: start it in a background thread, or serve in the foreground."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from service.fakegraph.faults import Fault, FaultInjector, FaultPlan
from service.fakegraph.handler import GraphRequestHandler
from service.fakegraph.state import FakePage, GraphState

log = logging.getLogger("relais.fakegraph")
MAX_RECORDED_REQUESTS = 10_000


class FakeGraphHTTPServer(ThreadingHTTPServer):
    """The socket server; carries the shared state the handlers use."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], state: GraphState, faults: FaultInjector):
        super().__init__(address, GraphRequestHandler)
        self.state = state
        state.site = self.base_url  # the fake's permalinks open its own pages
        self.faults = faults
        self.stopping = threading.Event()  # wakes handlers held by latency or timeouts
        self._log_lock = threading.Lock()
        self._requests: list[dict[str, Any]] = []
        self._late: list[threading.Timer] = []
        self._in_progress = 0

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout) is normal here; log anything else without a trace."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            log.warning("fake Graph handler failed: %s", type(error).__name__)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/``."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"

    def record(self, entry: dict[str, Any]) -> None:
        """Remember one handled Graph or admin request (no tokens in it)."""
        with self._log_lock:
            self._requests.append(entry)
            del self._requests[:-MAX_RECORDED_REQUESTS]

    def store_later(self, seconds: float, store: Callable[[], object]) -> None:
        """Run ``store`` in ``seconds`` (a late store by Facebook); a reset cancels it."""
        timer = threading.Timer(seconds, store)
        timer.daemon = True
        with self._log_lock:
            self._late = [t for t in self._late if t.is_alive()] + [timer]
        timer.start()

    def calling(self, change: int) -> None:
        """Count a Graph call in (+1) or out (-1)."""
        with self._log_lock:
            self._in_progress += change

    def in_progress(self) -> int:
        """Graph calls received and not answered yet."""
        with self._log_lock:
            return self._in_progress

    def pending_stores(self) -> int:
        """Late stores not done yet."""
        with self._log_lock:
            return sum(timer.is_alive() for timer in self._late)

    def recorded(self) -> list[dict[str, Any]]:
        """Requests handled so far, oldest first."""
        with self._log_lock:
            return list(self._requests)

    def cancel_late_stores(self) -> None:
        """Late stores not done yet never happen."""
        with self._log_lock:
            for timer in self._late:
                timer.cancel()
            self._late.clear()

    def reset(self) -> None:
        """Forget posts, faults, late stores and recorded requests; keep the Pages."""
        self.cancel_late_stores()
        self.state.clear_posts()
        self.faults.configure(FaultPlan())
        with self._log_lock:
            self._requests.clear()


class FakeGraphServer:
    """A Graph-compatible server on 127.0.0.1 for tests and the demo.

    ``pages`` maps Page id to its token, or lists :class:`FakePage`. Use as a context manager,
    or call :meth:`start` / :meth:`stop`; ``port=0`` picks a free port (see :attr:`base_url`).
    With ``store``, the posts are kept in that JSON file and read back by the next server.
    """

    def __init__(
        self,
        pages: Mapping[str, str] | Iterable[FakePage] = (),
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultPlan | None = None,
        reject_duplicates: bool = False,
        clock: Callable[[], float] = time.time,
        store: Path | None = None,
    ) -> None:
        page_list = (
            [FakePage(page_id, tokens={token}) for page_id, token in pages.items()]
            if isinstance(pages, Mapping)
            else list(pages)
        )
        self.state = GraphState(page_list, reject_duplicates=reject_duplicates, clock=clock,
                                store=store)
        self.faults = FaultInjector(faults)
        self._httpd = FakeGraphHTTPServer((host, port), self.state, self.faults)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """The URL to configure as the Graph base URL (with its trailing slash)."""
        return self._httpd.base_url

    @property
    def port(self) -> int:
        """The bound TCP port."""
        return int(self._httpd.server_address[1])

    def start(self) -> FakeGraphServer:
        """Serve in a daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="fake-graph",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until :meth:`stop` (from another thread) or Ctrl-C."""
        try:
            self._httpd.serve_forever(poll_interval=0.2)
        finally:
            self._httpd.server_close()

    def stop(self) -> None:
        """Stop serving, wake held requests and close the socket."""
        self._httpd.stopping.set()
        self._httpd.cancel_late_stores()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeGraphServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- test and demo helpers ---------------------------------------------------------

    def add_page(self, page_id: str, token: str, name: str = "") -> None:
        """Register a Page (or replace its name and tokens)."""
        self.state.add_page(FakePage(page_id, name, {token}))

    def inject(self, kind: str, **options: Any) -> Fault:
        """Queue one fault, e.g. ``inject("rate_limit", code=32, op="publish")``."""
        fault = Fault(kind, **options)
        self.faults.add(fault)
        return fault

    def throttle(self, scope: str, seconds: float, *, page_id: str | None = None,
                 code: int | None = None) -> None:
        """Throttle the app (#4) or one Page (#32) for ``seconds`` of the fake's clock."""
        self.faults.throttle(scope, self.state.clock() + seconds, page_id=page_id, code=code)

    def calls_in_progress(self) -> int:
        """Graph calls received and not answered yet (held by latency or a timeout fault)."""
        return self._httpd.in_progress()

    def pending_stores(self) -> int:
        """Late stores (``store_after``) that have not happened yet."""
        return self._httpd.pending_stores()

    def configure_faults(self, **settings: Any) -> FaultPlan:
        """Change plan settings, e.g. ``configure_faults(random_failure_rate=0.3, seed=7)``."""
        return self.faults.update(settings)

    def clear_faults(self) -> None:
        """Remove every fault and the random failure rate."""
        self.faults.configure(FaultPlan())

    def posts(self, page_id: str | None = None) -> list[dict[str, Any]]:
        """Stored posts (all fields plus ``page_id``), oldest first."""
        return self.state.all_posts(page_id)

    def requests(self) -> list[dict[str, Any]]:
        """Requests handled so far: method, path, status (None = no answer), note."""
        return self._httpd.recorded()

    def reset(self) -> None:
        """Forget posts, faults and recorded requests; keep the Pages."""
        self._httpd.reset()


def serve(
    pages: Mapping[str, str] | Iterable[FakePage],
    *,
    host: str = "127.0.0.1",
    port: int = 8090,
    faults: FaultPlan | None = None,
    reject_duplicates: bool = False,
    ready: Callable[[FakeGraphServer], None] | None = None,
    store: Path | None = None,
) -> None:
    """Run a fake Graph API in the foreground until interrupted (``relais fake-graph``)."""
    server = FakeGraphServer(
        pages, host=host, port=port, faults=faults, reject_duplicates=reject_duplicates,
        store=store,
    )
    page_ids = ", ".join(page["id"] for page in server.state.pages()) or "none"
    log.info("fake Graph API on %s (pages: %s)", server.base_url, page_ids)
    if ready is not None:
        ready(server)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("fake Graph API stopped")
