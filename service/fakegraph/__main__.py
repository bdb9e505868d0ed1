"""``python -m service.fakegraph --port 8090 --page 1234:TOKEN[:Name] ...``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from service.fakegraph.faults import RETRYABLE_KINDS, FaultPlan
from service.fakegraph.server import FakeGraphServer, serve
from service.fakegraph.state import FakePage


def _page(value: str) -> FakePage:
    page_id, sep, rest = value.partition(":")
    token, _, name = rest.partition(":")
    if not sep or not page_id or not token:
        raise argparse.ArgumentTypeError("expected PAGE_ID:TOKEN or PAGE_ID:TOKEN:NAME")
    return FakePage(page_id, name, {token})


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and serve until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m service.fakegraph", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090, help="0 picks a free port")
    parser.add_argument("--page", type=_page, action="append", default=[], metavar="ID:TOKEN")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument(
        "--failure-rate",
        type=float,
        default=0.0,
        help="share of API calls failing with a random retryable fault",
    )
    parser.add_argument("--failure-kinds", default=",".join(RETRYABLE_KINDS))
    parser.add_argument("--after-commit-rate", type=float, default=0.5)
    parser.add_argument("--timeout-seconds", type=float, default=30.0)
    parser.add_argument("--store-after", type=float, default=0.0,
                        help="failed publishes that store their post store it this late")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--reject-duplicates", action="store_true")
    parser.add_argument("--store", type=Path, help="keep the posts in this JSON file")
    args = parser.parse_args(argv)
    try:
        plan = FaultPlan(
            latency_ms=args.latency_ms,
            random_failure_rate=args.failure_rate,
            random_kinds=[kind for kind in args.failure_kinds.split(",") if kind],
            random_after_commit_rate=args.after_commit_rate,
            timeout_seconds=args.timeout_seconds,
            random_store_after=args.store_after,
            seed=args.seed,
        )
    except ValueError as exc:
        parser.error(str(exc))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    def announce(server: FakeGraphServer) -> None:
        print(f"Fake Graph API listening on {server.base_url}", flush=True)

    serve(
        args.page,
        host=args.host,
        port=args.port,
        faults=plan,
        reject_duplicates=args.reject_duplicates,
        ready=announce,
        store=args.store,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
