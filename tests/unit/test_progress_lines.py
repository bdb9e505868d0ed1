"""Progress off a terminal: tqdm's redraws become a plain line every few seconds."""

from __future__ import annotations

import io

from tqdm import tqdm

from service.progress import PeriodicLines, progress_stream


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_long_bar_writes_a_line_every_period_and_its_last_state_at_the_end():
    out, clock = io.StringIO(), Clock()
    stream = PeriodicLines(out, every=5, clock=clock)
    with tqdm(total=100, unit="feature", desc="areas", file=stream, mininterval=0,
              leave=False) as bar:
        for _ in range(100):
            clock.now += 0.2
            bar.update(1)
    lines = out.getvalue().splitlines()
    assert 3 <= len(lines) <= 5  # 20 s of work: a line every 5 s, and the last state
    assert all("\r" not in line and line.startswith("areas:") for line in lines)
    assert "100/100" in lines[-1]


def test_a_quick_bar_writes_nothing():
    out, clock = io.StringIO(), Clock()
    with tqdm(total=10, file=PeriodicLines(out, every=5, clock=clock), leave=False) as bar:
        bar.update(10)
    assert out.getvalue() == ""


def test_a_terminal_gets_the_live_bar_itself():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    assert progress_stream(terminal) is terminal
    assert isinstance(progress_stream(io.StringIO()), PeriodicLines)
