"""`bench_load.py --routes`: the routes named, /healthz always measured as the baseline."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_load.py"
spec = importlib.util.spec_from_file_location("bench_load_routes", BENCH)
assert spec and spec.loader
bench_load = importlib.util.module_from_spec(spec)
sys.modules["bench_load_routes"] = bench_load
spec.loader.exec_module(bench_load)

EVERY = bench_load.routes(bench_load.NO_PREPARED)


def chosen(value: str | None) -> list[str]:
    names = None if value is None else bench_load.route_names(value)
    return list(bench_load.chosen_routes(EVERY, names))


def test_by_default_every_route_is_measured():
    assert chosen(None) == list(EVERY)
    assert len(EVERY) > 2


def test_the_routes_named_are_measured_after_healthz_in_their_usual_order():
    assert chosen("submit") == ["healthz", "submit"]
    assert chosen(" list posts , dry run") == ["healthz", "dry run", "list posts"]
    assert chosen("healthz") == ["healthz"]


def test_a_route_is_named_by_its_first_words_too():
    assert chosen("locate,tile") == ["healthz", "tile z10", "locate 1,000"]


def test_an_unknown_name_stops_the_run_naming_the_known_ones():
    with pytest.raises(SystemExit, match="'submitt'.*known: healthz"):
        chosen("submit,submitt")
    with pytest.raises(Exception, match="at least one route"):
        bench_load.route_names(" , ")


def test_cpu_of_a_process_tree_counts_children_that_have_exited():
    """The server's and PostgreSQL's CPU per request: a reaped child's CPU is not lost."""
    import subprocess

    before = bench_load.cpu_seconds(os.getpid())
    subprocess.run([sys.executable, "-c", "import time\n"
                    "while time.process_time() < 0.3: pass"], check=True)
    assert bench_load.cpu_seconds(os.getpid()) - before >= 0.25
    assert bench_load.cpu_seconds(None) == 0.0
