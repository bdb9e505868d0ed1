"""Progress of long commands: a live bar on a terminal, a line every few seconds elsewhere.

The bars are tqdm's, drawn with carriage returns. In a log file or a pipe those would pile up
on one line (or a thousand), so off a terminal ``PeriodicLines`` keeps only the latest state of
the bar and writes it as a plain line at most every ``every`` seconds (the first after that long,
so a quick command prints nothing more), and once more when the bar closes, so a long import in
CI or under systemd still says how far it is.
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable
from typing import TextIO

LINE_EVERY_SECONDS = 5.0


class PeriodicLines(io.TextIOBase):
    """A text stream for tqdm that turns its redraws into a line now and then."""

    def __init__(self, out: TextIO, every: float = LINE_EVERY_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._out, self._every, self._clock = out, every, clock
        self._latest, self._shown, self._last_line = "", "", clock()

    def writable(self) -> bool:
        """Always: it is an output stream."""
        return True

    def write(self, text: str) -> int:
        """Keep the bar's latest state; write it out when due, or when the bar is cleared."""
        for piece in text.replace("\n", "\r").split("\r"):
            if piece.strip():
                self._latest = piece.strip()
        cleared = not text.strip() and bool(text)
        due = self._clock() - self._last_line >= self._every
        if self._latest != self._shown and (due or (cleared and self._shown)):
            self._out.write(self._latest + "\n")
            self._out.flush()
            self._shown, self._last_line = self._latest, self._clock()
        return len(text)

    def flush(self) -> None:
        """Flush the stream underneath."""
        self._out.flush()


def progress_stream(out: TextIO | None = None) -> TextIO:
    """Where a command draws its progress: the terminal itself, or periodic lines."""
    stream = out or sys.stderr
    return stream if stream.isatty() else PeriodicLines(stream)  # type: ignore[return-value]
