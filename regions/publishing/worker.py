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
from types import FrameType

from regions.publishing.publisher import Outcome, Publisher

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
                exit_when_idle: bool = False) -> WorkerStats:
    """Run ``threads`` publishers side by side until they stop; return what they did."""
    stats = WorkerStats()
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
