"""Benchmark: the busy reads at 10,000, 100,000 and 1,000,000 posts.

For each size, a fresh PostgreSQL seeded by `relais seed`'s code (COPY; 50 territories over
France, 100 editors, posts in every state, comments, audit events, campaigns along two years;
the newest 2,000 posts live, as a desk that keeps up would have), then ANALYZE. The routes run
in process (the Flask app on that database, no HTTP, the desk's bearer token): post list
filtered by territory, status, text and bounding box; the review queue; the newest campaign's
dashboard; the activity map (all time and last 30 days); a z10 tile built by PostgreSQL (tile
cache off). And the web pages people open most, rendered whole, each by someone signed in
through the login page: the desk's home, review queue, post list and campaign page; a regional
editor's home (its campaigns to adapt), post list and map page. Every size is seeded first, then
each read runs on all of them in turns, request by request, so that the shared machine's changing
load weighs on every size alike. p50/p95 of each at each size; the target is p50 at 1M ≤ 1.5 ×
p50 at 10k.

Usage: python bench/bench_growth.py [--sizes 10000,100000,1000000] [--requests N]
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_locate import database  # noqa: E402
from report import row  # noqa: E402

from config.settings import Settings  # noqa: E402
from regions import accounts, migrate, teams  # noqa: E402
from regions.db import UnitOfWork, make_engine, make_session_factory  # noqa: E402
from regions.models import Campaign, Role, Territory, User  # noqa: E402
from regions.seeding import SeedPlan, seed  # noqa: E402

BENCH = "growth"
TERRITORIES, USERS = 50, 100
# Around Lyon, big enough that a page is full at 10,000 posts too (~1 % of them): the figure
# compares the same amount of work at every size, not 8 posts with 50.
AROUND_LYON = (4.2, 45.2, 5.4, 46.2)
PASSWORD = "growth-bench-password"
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def tile_at(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    return (int((lon + 180) / 360 * n),
            int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n))


def prepare(url: str, posts: int) -> tuple[dict[str, Any], float]:
    """Seed ``posts`` posts; the desk's token and the ids the routes need; seconds taken."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    started = time.perf_counter()
    with UnitOfWork(factory) as uow:
        seed(uow, SeedPlan(posts=posts, territories=TERRITORIES, users=USERS),
             progress=lambda line: print(f"    {line}", flush=True))
    seconds = time.perf_counter() - started
    with UnitOfWork(factory) as uow:
        desk = uow.session.query(User).filter_by(email="seed-desk@example.test").one()
        token = accounts.issue_token(uow, accounts.load_actor(desk), user_id=desk.id,
                                     name="growth", expires_in_days=1).plaintext
        territory = uow.session.query(Territory.id).filter(
            Territory.slug == "seed-0025").scalar()
        campaign = uow.session.query(Campaign.id).order_by(Campaign.id.desc()).limit(1).scalar()
        # People who sign in on the pages: the desk, and an editor of the listed territory.
        accounts.create_user(uow, None, email="growth-desk@example.test",
                             display_name="Growth desk", role=Role.CENTRAL_EDITOR,
                             password=PASSWORD)
        editor = accounts.create_user(uow, None, email="growth-editor@example.test",
                                      display_name="Growth editor",
                                      role=Role.REGIONAL_EDITOR, password=PASSWORD)
        teams.add_member(uow, None, editor, territory)
        uow.commit()
    engine.dispose()
    return {"token": token, "territory": territory, "campaign": campaign}, seconds


def signed_in(app: Any, email: str) -> Any:
    """A test client signed in through the login page (the pages' own session cookie)."""
    client = app.test_client()
    token = _CSRF.search(client.get("/login").get_data(as_text=True))
    assert token is not None
    answer = client.post("/login", data={"email": email, "password": PASSWORD,
                                         "csrf_token": token.group(1)})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
    return client


def paths(ids: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """Each measured read: who asks and the paths it cycles through.

    Who: ``api`` (the desk's bearer token), or a person signed in on the pages.
    """
    since = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    west, south, east, north = AROUND_LYON
    x, y = tile_at(4.85, 45.75, 10)
    api = {
        "posts by territory": [f"/api/posts?limit=50&territory_id={ids['territory']}"],
        "posts by status": ["/api/posts?limit=50&status=submitted"],
        "posts by text": ["/api/posts?limit=50&q=Quimper"],
        "posts by bbox": [f"/api/posts?limit=50&bbox={west},{south},{east},{north}"],
        "review queue": ["/api/review-queue?limit=50"],
        "campaign dashboard": [f"/api/campaigns/{ids['campaign']}/dashboard"],
        "map activity": ["/api/map/activity?zoom=6"],
        "map activity, 30 days": [f"/api/map/activity?zoom=6&since={since}"],
        "z10 tile": [f"/api/map/posts/10/{x + dx}/{y + dy}.mvt"
                     for dx in (-1, 0, 1) for dy in (-1, 0, 1)],
    }
    pages = {
        "page: desk home": ("desk", ["/"]),
        "page: review queue": ("desk", ["/review"]),
        "page: desk post list": ("desk", ["/posts"]),
        "page: campaign": ("desk", [f"/campaigns/{ids['campaign']}"]),
        "page: editor home": ("editor", ["/"]),
        "page: editor post list": ("editor", ["/posts"]),
        "page: editor map": ("editor", ["/map"]),
    }
    return {**{name: ("api", cycle) for name, cycle in api.items()}, **pages}


def measure(gets: list[Callable[[str], Any]], cycles: list[list[str]],
            n: int) -> list[tuple[float, float]]:
    """p50 and p95 (ms) of ``n`` requests to each app (its own paths), after 5 warm-ups.

    The apps take turns request by request, so a change in the machine's load (shared, noisy)
    weighs on every size alike and the ratios between sizes hold. Every answer must be a 200.
    """
    times: list[list[float]] = [[] for _ in gets]
    for i in range(n + 5):
        for get, cycle, kept in zip(gets, cycles, times, strict=True):
            path = cycle[i % len(cycle)]
            start = time.perf_counter()
            response = get(path)
            elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 200, (path, response.status_code,
                                                 response.get_data()[:300])
            if i >= 5:
                kept.append(elapsed)
    figures = []
    for kept in times:
        kept.sort()
        figures.append((statistics.median(kept), kept[min(len(kept) - 1, int(len(kept) * 0.95))]))
    return figures


def measure_sizes(sizes: list[int], requests: int,
                  ) -> tuple[dict[int, dict[str, tuple[float, float]]], dict[int, float]]:
    """Seed one database per size (seconds taken), then time each read on all in turns."""
    from service.app import create_app

    with ExitStack() as stack:
        gets: list[dict[str, Callable[[str], Any]]] = []
        seconds: dict[int, float] = {}
        routes: list[dict[str, tuple[str, list[str]]]] = []
        for posts in sizes:
            print(f"growth: seeding {posts:,} posts", flush=True)
            url = stack.enter_context(database())
            ids, seconds[posts] = prepare(url, posts)
            settings = Settings(environment="test", secret_key="growth-" * 8, database_url=url,
                                tile_cache_mb=0, log_level="WARNING")
            app = create_app(settings)
            stack.callback(app.extensions["relais"].engine.dispose)
            gets.append({
                "api": partial(app.test_client().get,
                               headers={"Authorization": f"Bearer {ids['token']}"}),
                "desk": signed_in(app, "growth-desk@example.test").get,
                "editor": signed_in(app, "growth-editor@example.test").get,
            })
            routes.append(paths(ids))
        results: dict[int, dict[str, tuple[float, float]]] = {posts: {} for posts in sizes}
        for name, (who, _cycle) in routes[0].items():
            figures = measure([each[who] for each in gets], [each[name][1] for each in routes],
                              requests)
            for posts, figure in zip(sizes, figures, strict=True):
                results[posts][name] = figure
    return results, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="comma-separated numbers of posts; the first is the baseline")
    parser.add_argument("--requests", type=int, default=100, help="per read and size")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    results, seconds = measure_sizes(sizes, args.requests)
    for posts in sizes:
        row(BENCH, f"seed {posts:,} posts (COPY, with comments and audit)",
            posts / seconds[posts], "posts/s")
        print(f"growth: {posts:,} posts", flush=True)
        for name, (p50, p95) in results[posts].items():
            print(f"    {name:<24} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms", flush=True)
    base, largest = sizes[0], sizes[-1]
    for name in results[base]:
        for posts in sizes[1:]:
            last = posts == largest
            row(BENCH, f"{name}: p50 at {posts:,} posts", results[posts][name][0], "ms",
                baseline_name=f"{base:,}", baseline=results[base][name][0],
                target="≤ 1.5 ×" if last else None)
        row(BENCH, f"{name}: p95 at {largest:,} posts", results[largest][name][1], "ms",
            baseline_name=f"{base:,}", baseline=results[base][name][1])


if __name__ == "__main__":
    main()
