"""The one table over every benchmark: rows read back, verdicts against targets, the doc."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "report.py"
spec = importlib.util.spec_from_file_location("bench_report", BENCH)
assert spec and spec.loader
report = importlib.util.module_from_spec(spec)
sys.modules["bench_report"] = report  # dataclasses look their module up
spec.loader.exec_module(report)


def test_verdicts_read_ratio_and_figure_targets():
    row = report.Row
    assert report.verdict(row("load", "dry", 700, "req/s", "/healthz", 1000, "≥ 0.6 ×")) == "met"
    assert report.verdict(row("load", "submit", 200, "req/s", "/healthz", 1000, "≥ 0.3 ×")) == (
        "NOT met")
    assert report.verdict(row("load", "errors", 0, "errors", target="0")) == "met"
    assert report.verdict(row("load", "errors", 3, "errors", target="0")) == "NOT met"
    assert report.verdict(row("v", "whole", 6500, "posts/s", target="≥ 6,000 posts/s")) == "met"
    assert report.verdict(row("l", "p50", 2.5, "ms", target="≤ 2 ms")) == "NOT met"
    assert report.verdict(row("g", "p50", 3.0, "ms", "10,000", 2.5, "≤ 1.5 ×")) == "met"
    assert report.verdict(row("t", "odd", 1, "ms", target="best effort")) == "see notes"
    assert report.verdict(row("t", "none", 1, "ms")) == ""


def test_rows_written_by_row_make_one_table_in_the_doc(tmp_path, monkeypatch, capsys):
    rows = tmp_path / "rows.jsonl"
    monkeypatch.setenv("RELAIS_BENCH_ROWS", str(rows))
    report.row("load", "dry run: requests/s", 900.0, "req/s", baseline_name="/healthz",
               baseline=1200.0, target="≥ 0.6 ×")
    report.row("growth", "z10 tile: p50 at 1,000,000 posts", 2.0, "ms")
    assert [json.loads(line)["bench"] for line in rows.read_text().splitlines()] == [
        "load", "growth"]
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nIntro.\n\n## Tiles\n\nKept.\n")
    text = report.section(report.read_rows(rows), seconds=60, failed=[])
    report.write_section(doc, text)
    report.write_section(doc, text)  # replaced, not added twice
    written = doc.read_text()
    assert written.count(report.DOC_START) == 1 and "## Tiles\n\nKept." in written
    assert "| load | dry run: requests/s | 900 req/s | /healthz: 1,200 | 0.75 × | ≥ 0.6 × | met |" \
        in written
    assert "cores" in written and "targets met: 1, not met: 0" in written
