"""The publishing worker: threads that run the publisher until told to stop.

SIGTERM or SIGINT sets a stop flag; each thread finishes the publication in hand (so no
attempt is cut between its steps) and exits. A thread survives any error of one step (a
database restart, a bug): the publication's lease expires and it is taken over later.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from types import FrameType

from regions.db import SessionFactory
from regions.publishing.copies import sweep_copies
from regions.publishing.graph import GraphClient
from regions.publishing.page_tokens import TokenCipher
from regions.publishing.publisher import Outcome, Publisher, PublishingConfig, db_clock

log = logging.getLogger("relais.worker")


class WorkerStats:
    """Outcomes counted across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.outcomes: Counter[str] = Counter()

    def add(self, outcome: Outcome | str) -> None:
        """Count one outcome."""
        with self._lock:
            self.outcomes[str(outcome)] += 1


def install_stop_signals(stop: threading.Event) -> None:
    """SIGTERM and SIGINT ask for a graceful stop (call from the main thread)."""
    def ask_to_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("%s received: finishing the current publication, then stopping",
                 signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, ask_to_stop)
    signal.signal(signal.SIGINT, ask_to_stop)


def work(publisher: Publisher, stop: threading.Event, stats: WorkerStats, *,
         poll_interval: float, exit_when_idle: bool = False) -> None:
    """Run one publisher until ``stop`` is set (or the queue is empty, if asked)."""
    while not stop.is_set():
        try:
            outcome = publisher.run_once()
        except Exception:  # one failed step must not end the worker
            log.exception("publishing step failed; the lease will hand it over")
            stats.add("error")
            stop.wait(poll_interval)
            continue
        if outcome is not None:
            stats.add(outcome)
        elif exit_when_idle:
            return
        else:
            stop.wait(poll_interval)


def run_workers(make_publisher: Callable[[int], Publisher], *, threads: int,
                stop: threading.Event, poll_interval: float,
                exit_when_idle: bool = False, stats: WorkerStats | None = None) -> WorkerStats:
    """Run ``threads`` publishers side by side until they stop; return what they did."""
    stats = stats or WorkerStats()
    pool = [
        threading.Thread(target=work, name=f"publisher-{n}", daemon=True,
                         args=(make_publisher(n), stop, stats),
                         kwargs={"poll_interval": poll_interval,
                                 "exit_when_idle": exit_when_idle})
        for n in range(threads)
    ]
    for thread in pool:
        thread.start()
    while any(thread.is_alive() for thread in pool):
        for thread in pool:
            thread.join(timeout=0.2)  # short joins keep the main thread responsive to signals
    return stats


def run_sweeper(sessions: SessionFactory, graph: GraphClient, cipher: TokenCipher,
                config: PublishingConfig, stop: threading.Event, stats: WorkerStats) -> None:
    """Sweep copies of recent posts every ``config.sweep_interval`` seconds until ``stop``."""
    horizon = timedelta(hours=config.sweep_hours)
    while not stop.wait(config.sweep_interval):
        try:
            removed = sweep_copies(sessions, graph, cipher, clock=db_clock, horizon=horizon)
        except Exception:  # a failed sweep is tried again at the next interval
            log.exception("copy sweep failed")
            stats.add("error")
            continue
        for _ in range(removed):
            stats.add("copy_removed")
