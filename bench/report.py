"""One row format for every benchmark, so `./dev.sh bench` can print one table over all of them.

A benchmark calls `row(...)` for each figure that has a target or a baseline. The row is printed
for people (an aligned line) and, when `RELAIS_BENCH_ROWS` names a file (`./dev.sh bench` sets
it), appended to that file as one JSON object a line, which the table over every benchmark is
built from. Figures are measured, never asserted on.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Row:
    """One measured figure, its same-run baseline and its target."""

    bench: str  # the benchmark's short name, e.g. "validation"
    name: str  # what was measured, e.g. "whole validation, ~1 KB posts"
    figure: float
    unit: str  # e.g. "posts/s", "ms p50", "req/s"
    baseline_name: str | None = None  # what the figure is compared with, in the same run
    baseline: float | None = None
    target: str | None = None  # e.g. "≥ 0.6 ×", "≤ 2 ms"; None when there is none

    @property
    def ratio(self) -> float | None:
        """The figure over its baseline (None without one)."""
        if self.baseline in (None, 0):
            return None
        return self.figure / self.baseline  # type: ignore[operator]


def row(
    bench: str, name: str, figure: float, unit: str, *,
    baseline_name: str | None = None, baseline: float | None = None, target: str | None = None,
) -> Row:
    """Print one measured figure (with its same-run baseline and target) and return it."""
    r = Row(bench, name, figure, unit, baseline_name, baseline, target)
    ratio = f"  = {r.ratio:.2f} × {baseline_name} ({baseline:,.2f})" if r.ratio is not None else ""
    goal = f"  (target {target})" if target else ""
    print(f"  {name:<52} {figure:>12,.2f} {unit}{ratio}{goal}")
    if path := os.environ.get("RELAIS_BENCH_ROWS"):
        with open(path, "a", encoding="utf-8") as rows:
            rows.write(json.dumps(asdict(r) | {"ratio": r.ratio}, ensure_ascii=False) + "\n")
    return r
