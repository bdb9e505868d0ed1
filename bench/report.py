"""One row format for every benchmark, so `./dev.sh bench` can print one table over all of them.

A benchmark calls `row(...)` for each figure that has a target or a baseline. The row is printed
for people (an aligned line) and, when `RELAIS_BENCH_ROWS` names a file (`./dev.sh bench` sets
it), appended to that file as one JSON object a line, which the table over every benchmark is
built from. Figures are measured, never asserted on.
"""

from __future__ import annotations

import json
import os
import platform
import re
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path


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


# -- the one table over every benchmark (`./dev.sh bench`) ------------------------------------
DOC_START, DOC_END = "<!-- bench:table:start -->", "<!-- bench:table:end -->"
_TARGET = re.compile(r"^\s*(≥|≤|>=|<=|<|>|=)?\s*([-\d.,]+)\s*(×|x)?\s*(.*)$")


def verdict(r: Row) -> str:
    """Whether the row meets its target: "met", "NOT met", or "" when there is none to read."""
    if not r.target:
        return ""
    match = _TARGET.match(r.target)
    if not match:
        return "see notes"
    operator, number, times, rest = match.groups()
    goal = float(number.replace(",", ""))
    value = r.ratio if times else r.figure
    if value is None or (rest and not times and rest.strip() not in r.unit):
        return "see notes"
    ok = {"≥": value >= goal, ">=": value >= goal, "≤": value <= goal, "<=": value <= goal,
          "<": value < goal, ">": value > goal}.get(operator or "=", value == goal)
    return "met" if ok else "NOT met"


def machine() -> str:
    """CPU model, cores and memory of this machine, as one line."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                   .splitlines() if line.startswith("MemTotal"))
        memory = f"{kib / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        memory = "RAM unknown"
    return (f"{model}, {os.cpu_count()} cores, {memory}; {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def table(rows: list[Row]) -> str:
    """The rows as one Markdown table: bench, name, figure, baseline, ratio, target, verdict."""
    lines = ["| bench | measure | figure | baseline (same run) | ratio | target | |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        baseline = f"{r.baseline_name}: {_number(r.baseline)}" if r.baseline_name else ""
        ratio = f"{r.ratio:.2f} ×" if r.ratio is not None else ""
        lines.append(f"| {r.bench} | {r.name} | {_number(r.figure)} {r.unit} | {baseline} | "
                     f"{ratio} | {r.target or ''} | {verdict(r)} |")
    return "\n".join(lines)


def read_rows(path: Path) -> list[Row]:
    """The rows appended to ``path`` (one JSON object a line), in order."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            data.pop("ratio", None)
            rows.append(Row(**data))
    return rows


def section(rows: list[Row], *, seconds: float | None, failed: list[str]) -> str:
    """The table with the machine, the date, how long the run took and what failed."""
    met = [verdict(r) for r in rows]
    head = [f"Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}"
            + (f"; the whole run took {seconds / 60:.1f} min" if seconds
               else "") + ".", "",
            f"{len(rows)} figures; targets met: {met.count('met')}, not met: "
            f"{met.count('NOT met')}.", ""]
    if failed:
        head += [f"**Failed to run:** {', '.join(failed)} (see the run's output).", ""]
    return "\n".join(head) + "\n" + table(rows) + "\n"


def write_section(doc: Path, text: str) -> None:
    """Replace the table between the markers of ``doc`` (or add it after the introduction)."""
    current = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    block = f"{DOC_START}\n{text}{DOC_END}\n"
    if DOC_START in current and DOC_END in current:
        head, rest = current.split(DOC_START, 1)
        current = head + block + "\n" + rest.split(DOC_END, 1)[1].lstrip("\n")
    else:
        first_section = current.find("\n## ")
        at = first_section + 1 if first_section >= 0 else len(current)
        current = current[:at] + "## All benchmarks, one table\n\n" + block + "\n" + current[at:]
    doc.write_text(current, encoding="utf-8")


def main() -> None:
    """`python bench/report.py ROWS [--failed NAMES] [--no-write]`: print and write the table."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("rows", type=Path)
    parser.add_argument("--failed", default="", help="benchmarks that failed, space-separated")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    started = os.environ.get("RELAIS_BENCH_STARTED")
    seconds = time.time() - float(started) if started else None
    text = section(read_rows(args.rows) if args.rows.exists() else [], seconds=seconds,
                   failed=args.failed.split())
    print(text)
    if not args.no_write:
        doc = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
        write_section(doc, text)
        print(f"written to {doc}")


if __name__ == "__main__":
    main()
