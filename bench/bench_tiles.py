"""Benchmark: vector tiles of 1,000,000 posts across France, the route against bare SQL and tipg.

Measures, in one run and on the same table (HTTP with `wrk`, which `./dev.sh bench` installs):
  1. `GET /api/map/posts/{z}/{x}/{y}.mvt` through `relais serve` (granian, production settings),
  2. the bare `ST_AsMVT` SQL of the same tiles (psycopg, prepared, no HTTP),
  3. the same tiles served by tipg (PyPI) under uvicorn (2 workers) from the same `posts` table,
at z5 (clustered), z10 and z14: p50/p95 on one connection, requests/s with 8 connections
(wrk keeps each connection alive, and so does granian, the server since decision 0030).
Also: a conditional GET (304) and the activity map. Prints figures, writes them to
docs/benchmarks.md; never fails on time.

Usage: python bench/bench_tiles.py [--posts N] [--seconds S] [--no-write]
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import requests
import shapely
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_locate import database, server  # noqa: E402
from report import row as bench_row  # noqa: E402
from serving import free_port, run_wrk  # noqa: E402

from geodata.activity import tile_kind, tile_params, tile_sql  # noqa: E402
from regions import accounts, migrate, standards, teams, territories  # noqa: E402
from regions.db import UnitOfWork, make_engine, make_session_factory  # noqa: E402
from regions.models import Role  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FRANCE_BBOX = (-5.2, 41.3, 9.6, 51.1)
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench_tiles:start -->", "<!-- bench_tiles:end -->"
TEMPLATE = {"name": "Bench", "network": "facebook", "language": "fr", "body": "{text}",
            "slots": [{"name": "text", "type": "text", "max_length": 400}], "rules": []}
STATUSES = ("draft", "submitted", "approved", "scheduled", "published", "published",
            "published", "failed")
ZOOMS = (5, 10, 14)
CONNECTIONS = 8


def wiggly_box(minx: float, miny: float, maxx: float, maxy: float, n: int = 4000) -> object:
    """A box whose edges wiggle (n vertices a side): a shape worth simplifying, like a coast."""
    def edge(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
        return [(x0 + (x1 - x0) * i / n + 0.01 * math.sin(i * 0.7) * (y1 - y0 != 0),
                 y0 + (y1 - y0) * i / n + 0.01 * math.sin(i * 0.7) * (x1 - x0 != 0))
                for i in range(n)]
    ring = (edge(minx, miny, maxx, miny) + edge(maxx, miny, maxx, maxy)
            + edge(maxx, maxy, minx, maxy) + edge(minx, maxy, minx, miny))
    return shapely.make_valid(shapely.Polygon(ring + [ring[0]]))


def seed(url: str, posts: int) -> dict[str, object]:
    """Four territories over France, a template, the desk and a regional editor; N posts."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    minx, miny, maxx, maxy = FRANCE_BBOX
    midx, midy = (minx + maxx) / 2, (miny + maxy) / 2
    with UnitOfWork(factory) as uow:
        desk = accounts.create_user(uow, None, email="desk@example.test", display_name="Desk",
                                    role=Role.CENTRAL_EDITOR)
        actor = accounts.load_actor(desk)
        standards.create_template(uow, actor, "bench", TEMPLATE)
        version = standards.publish_template(uow, actor, "bench", now=datetime.now(UTC))
        group, _ = territories.create_territory(uow, None, name="France", kind="group")
        ids = []
        for i, box in enumerate([(minx, miny, midx, midy), (midx, miny, maxx, midy),
                                 (minx, midy, midx, maxy), (midx, midy, maxx, maxy)]):
            territory, _ = territories.create_territory(
                uow, None, name=f"Quart {i + 1}", parent_id=group.id, shape=wiggly_box(*box))
            ids.append(territory.id)
        editor = accounts.create_user(uow, None, email="ed@example.test", display_name="Ed",
                                      role=Role.REGIONAL_EDITOR)
        uow.flush()
        teams.add_member(uow, None, editor, ids[0])
        tokens = {name: accounts.issue_token(uow, accounts.load_actor(user), user_id=user.id,
                                             name="bench", expires_in_days=1).plaintext
                  for name, user in (("desk", desk), ("editor", editor))}
        uow.commit()
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text(f"""
            INSERT INTO posts (territory_id, author_id, template_version_id, status, text,
                               geom, place_name, publish_at)
            SELECT (ARRAY[:t1, :t2, :t3, :t4])[1 + (lon > :midx)::int + 2 * (lat > :midy)::int],
                   :author, :version,
                   ((ARRAY{list(STATUSES)})[1 + (i % {len(STATUSES)})])::post_status,
                   'Post ' || i, ST_SetSRID(ST_MakePoint(lon, lat), 4326), 'Lieu ' || i,
                   now() - (i % 90) * interval '1 day'
            FROM (SELECT i, :minx + random() * (:maxx - :minx) AS lon,
                         :miny + random() * (:maxy - :miny) AS lat
                  FROM generate_series(1, :n) AS i) AS g"""),
            {"t1": ids[0], "t2": ids[1], "t3": ids[2], "t4": ids[3], "midx": midx, "midy": midy,
             "author": desk.id, "version": version.id, "minx": minx, "maxx": maxx,
             "miny": miny, "maxy": maxy, "n": posts})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE posts"))
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"tokens": tokens, "seed_seconds": seconds}


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def sample_tiles(z: int, count: int = 40) -> list[tuple[int, int, int]]:
    """Tiles inside France (seeded): the z5 one over most of France, random ones deeper."""
    if z <= 5:
        return [tile_of(4.0, 45.0, z)]
    rng = random.Random(z)
    minx, miny, maxx, maxy = FRANCE_BBOX
    return [tile_of(rng.uniform(minx + 1, maxx - 1), rng.uniform(miny + 1, maxy - 1), z)
            for _ in range(count)]


def percentiles(ms: list[float]) -> tuple[float, float]:
    ordered = sorted(ms)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def bare_latencies(url: str, z: int, tiles: list, n: int) -> tuple[list[float], int]:
    """The bare ST_AsMVT SQL of the route (desk's scope), one connection, prepared."""
    sql = tile_sql(tile_kind(z), True, False, marker=False)
    times, size = [], 0
    with psycopg.connect(url.replace("+psycopg", ""), options="-c jit=off") as conn:
        for i in range(n + 5):
            tz, tx, ty = tiles[i % len(tiles)]
            start = time.perf_counter()
            tile = conn.execute(sql, tile_params(tz, tx, ty), prepare=True).fetchone()[0]
            if i >= 5:
                times.append((time.perf_counter() - start) * 1000)
            size = max(size, len(tile or b""))
    return times, size


def bare_throughput(url: str, z: int, tiles: list, seconds: float) -> float:
    sql = tile_sql(tile_kind(z), True, False, marker=False)
    dsn = url.replace("+psycopg", "")

    def worker(stop: float, counter: list[int]) -> None:
        with psycopg.connect(dsn, options="-c jit=off") as conn:
            i = 0
            while time.perf_counter() < stop:
                tz, tx, ty = tiles[i % len(tiles)]
                conn.execute(sql, tile_params(tz, tx, ty), prepare=True).fetchone()
                i += 1
            counter.append(i)
    return run_threads(worker, seconds)


def run_threads(worker: Callable[[float, list[int]], None], seconds: float) -> float:
    counter: list[int] = []
    stop = time.perf_counter() + seconds
    threads = [threading.Thread(target=worker, args=(stop, counter)) for _ in range(CONNECTIONS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counter) / (time.perf_counter() - start)


class HttpTarget:
    """Tiles over HTTP with a lean client (http.client), reconnecting when the server closes."""

    def __init__(self, base: str, path: Callable[[int, int, int], str], headers: dict) -> None:
        self.host, port = base.removeprefix("http://").split(":")
        self.port, self.path, self.headers = int(port), path, headers

    def fetch(self, conn: http.client.HTTPConnection | None, tile: tuple,
              extra: dict | None = None) -> tuple[http.client.HTTPConnection, int, bytes, dict]:
        """One GET on ``conn`` (or a new connection); the connection to reuse, if any."""
        for attempt in range(2):
            if conn is None:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                conn.request("GET", self.path(*tile), headers={**self.headers, **(extra or {})})
                response = conn.getresponse()
                body = response.read()
                if response.will_close:
                    conn.close()
                    conn = None
                # Header names lower-cased: granian (hyper) sends them so, gunicorn as written.
                return conn, response.status, body, {name.lower(): value
                                                     for name, value in response.getheaders()}
            except (http.client.HTTPException, ConnectionError):
                conn.close()
                conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def latencies(self, tiles: list, n: int, extra: dict | None = None) -> tuple[list, int]:
        """Milliseconds of ``n`` sequential requests (after 5 warm-ups) and the largest body."""
        conn, times, size = None, [], 0
        for i in range(n + 5):
            start = time.perf_counter()
            conn, status, body, _ = self.fetch(conn, tiles[i % len(tiles)], extra)
            assert status in (200, 204, 304), (status, body[:200])
            if i >= 5:
                times.append((time.perf_counter() - start) * 1000)
            size = max(size, len(body))
        return times, size


WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%f %%f %%f %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), e.connect + e.read + e.write + e.status
    + e.timeout))
end
"""


def wrk(target: HttpTarget, tiles: list, connections: int, seconds: float) -> tuple:
    """``wrk`` on the tiles, round robin: (p50 ms, p95 ms, requests/s, errors).

    wrk (C, epoll, one connection per slot, reconnecting when the server closes) takes the
    client out of the measure: no Python, no delayed-ACK stall of a keep-alive client.
    """
    paths = ", ".join(f'"{target.path(*tile)}"' for tile in tiles)
    headers = [part for name, value in target.headers.items()
               for part in ("-H", f"{name}: {value}")]
    requests_, micros, p50, p95, errors = run_wrk(
        WRK_SCRIPT % paths, f"http://{target.host}:{target.port}", connections=connections,
        duration=f"{seconds:g}s", threads=min(connections, 2), options=headers)
    return float(p50) / 1000, float(p95) / 1000, int(requests_) / (float(micros) / 1e6), int(errors)


def start_tipg(url: str) -> tuple[subprocess.Popen | None, str, str]:
    """Start tipg under uvicorn (2 workers) on the same database, or why it cannot run.

    uvloop and httptools, uvicorn's production stack: on the plain asyncio loop the workers'
    sockets keep Nagle's algorithm and every keep-alive response waits ~40 ms for the client's
    delayed ACK between headers and body (curl and wrk see it too), which is not tipg's speed.
    """
    try:
        import httptools  # noqa: F401
        import tipg  # noqa: F401
        import uvicorn  # noqa: F401
        import uvloop  # noqa: F401
    except ImportError as exc:
        return None, "", f"tipg not installed ({exc}); `./dev.sh bench` installs the bench extra"
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url.replace("+psycopg", ""),
           "TIPG_DB_SCHEMAS": '["public"]', "TIPG_DB_TABLES": '["public.posts"]',
           "TIPG_DB_SPATIAL_EXTENT": "false", "TIPG_DB_DATETIME_EXTENT": "false",
           "TIPG_MAX_FEATURES_PER_TILE": "50000"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tipg.main:app", "--port", str(port), "--workers",
         "2", "--loop", "uvloop", "--http", "httptools", "--log-level", "warning",
         "--no-access-log"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if proc.poll() is not None:
            return None, "", f"tipg exited: {proc.stderr.read().decode()[-400:]}"
        try:
            if requests.get(f"{base}/collections/public.posts", timeout=1).status_code == 200:
                return proc, base, ""
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    proc.terminate()
    return None, "", "tipg did not answer within 60 s"


def measure_zoom(z: int, url: str, targets: dict, n: int, seconds: float) -> dict:
    tiles = sample_tiles(z)
    row: dict = {"z": z}
    times, size = bare_latencies(url, z, tiles, n)
    row["bare"] = (*percentiles(times), bare_throughput(url, z, tiles, seconds), size)
    for name, target in targets.items():
        size = max(len(target.fetch(None, tile)[2]) for tile in tiles)
        p50, p95, _, errors = wrk(target, tiles, 1, seconds)
        rate, errors_8 = wrk(target, tiles, CONNECTIONS, seconds)[2:]
        row[name] = (p50, p95, rate, size)
        if errors or errors_8:
            row.setdefault("errors", []).append(f"{name}: {errors + errors_8} wrk errors")
    return row


def measure_extras(relais: HttpTarget, editor: HttpTarget, base: str, token: str) -> dict:
    """A conditional GET (304), the regional editor's tile, and the activity map."""
    tiles = sample_tiles(10)
    extras: dict = {}
    _, status, _, headers = relais.fetch(None, tiles[0])
    times, _ = relais.latencies(tiles[:1], 200, {"If-None-Match": headers["etag"]})
    extras["304"] = percentiles(times)
    times, _ = editor.latencies(tiles, 200)
    extras["editor z10"] = percentiles(times)
    for zoom in (5, 8):
        activity = HttpTarget(base, lambda *_t, zoom=zoom: f"/api/map/activity?zoom={zoom}",
                              {"Authorization": f"Bearer {token}"})
        times, size = activity.latencies([(0, 0, 0)], 20)
        _, _, _, headers = activity.fetch(None, (0, 0, 0))
        revalidated, _ = activity.latencies([(0, 0, 0)], 50, {"If-None-Match": headers["etag"]})
        extras[f"activity z{zoom}"] = (*percentiles(times), size, percentiles(revalidated)[0])
    return extras


def verdict(warm: bool, cold: bool) -> str:
    """Met or not, with the tile cache warm and cold."""
    if warm and cold:
        return "met"
    return "met with the cache warm only" if warm else "NOT met"


def report(args: argparse.Namespace, seeded: dict, rows: list, extras: dict, tipg_note: str
           ) -> str:
    names = ["bare", "relais", "relais cold"] + (["tipg"] if "tipg" in rows[0] else [])
    lines = [f"### Vector tiles: {args.posts:,} posts across France "
             f"({datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()})", "",
             f"Seeded in {seeded['seed_seconds']:.1f} s (one INSERT … SELECT generate_series, "
             "then VACUUM ANALYZE; the triggers keeping `map_cells` included). p50/p95 on one "
             f"connection (ms), requests/s with {CONNECTIONS} connections, {args.seconds:g} s "
             "each, largest tile. HTTP figures from `wrk` (latency distribution of a "
             f"1-connection run, requests/s of a {CONNECTIONS}-connection run, tiles taken in "
             "turn). `bare`: the "
             "route's own ST_AsMVT SQL over psycopg (prepared, no HTTP, 1 and "
             f"{CONNECTIONS} threads); `relais`: "
             "`relais serve` (granian, 2 workers) as the desk, its tile cache warm "
             "(the sampled tiles repeat, no post changes); `relais cold`: the same with "
             "`RELAIS_TILE_CACHE_MB=0` (every tile built by PostgreSQL); `tipg`: tipg under "
             "uvicorn (2 workers, uvloop + httptools) on `geom_3857`, same properties.", "",
             "| tile | " + " | ".join(f"{n} p50 / p95 | {n} req/s" for n in names)
             + " | largest tile |",
             "|---|" + "---|---|" * len(names) + "---|"]
    for row in rows:
        cells = [f"{row[n][0]:.2f} / {row[n][1]:.2f} | {row[n][2]:,.0f}" for n in names]
        size = max(row[n][3] for n in ("bare", "relais", "relais cold"))
        lines.append(f"| z{row['z']} | " + " | ".join(cells) + f" | {size / 1024:,.1f} KB |")
    lines += ["", "Targets (ratios from this run):", ""]
    for row in rows:
        bare, relais = row["bare"], row["relais"]
        if row["z"] in (10, 14):
            bound = max(1.3 * bare[0], bare[0] + 2)
            cold = row["relais cold"]
            line = (f"- z{row['z']}: route p50 {relais[0]:.2f} ms (cold {cold[0]:.2f} ms) ≤ "
                    f"max(1.3 × bare, bare + 2 ms) = {bound:.2f} ms: "
                    f"{verdict(relais[0] <= bound, cold[0] <= bound)}")
            for label, served in (("cache warm", relais), ("cache off", cold)):
                bench_row("tiles", f"z{row['z']} route p50, {label}", served[0], "ms",
                          baseline_name="bare SQL p50", baseline=bare[0],
                          target=f"≤ {bound:.2f} ms")
                if "tipg" in row:
                    bench_row("tiles", f"z{row['z']} route req/s, {label}", served[2], "req/s",
                              baseline_name="tipg", baseline=row["tipg"][2], target="≥ 1.5 ×")
            if "tipg" in row:
                ratio, cold_ratio = relais[2] / row["tipg"][2], cold[2] / row["tipg"][2]
                line += (f"; route {ratio:.2f} × tipg's requests/s (cold {cold_ratio:.2f} ×; "
                         f"target ≥ 1.5: {verdict(ratio >= 1.5, cold_ratio >= 1.5)})")
            lines.append(line)
        else:
            cold = row["relais cold"]
            warm_ok, cold_ok = (r[3] < 500 * 1024 and r[0] < 300 for r in (relais, cold))
            bench_row("tiles", f"z{row['z']} clustered tile size", relais[3] / 1024, "KB",
                      target="< 500 KB")
            bench_row("tiles", f"z{row['z']} clustered tile p50, cache off", cold[0], "ms",
                      target="< 300 ms")
            lines.append(f"- z{row['z']} (clustered): {relais[3] / 1024:.1f} KB, p50 "
                         f"{relais[0]:.1f} ms (cold {cold[0]:.1f} ms; target < 500 KB and "
                         f"< 300 ms: {verdict(warm_ok, cold_ok)})")
    for row in rows:
        for error in row.get("errors", []):
            lines.append(f"- z{row['z']}: {error}")
    if tipg_note:
        lines.append(f"- tipg: {tipg_note}")
    lines += ["", "Also measured:", "",
              f"- conditional GET of a z10 tile answered 304: p50 {extras['304'][0]:.2f} ms, "
              f"p95 {extras['304'][1]:.2f} ms",
              f"- a regional editor's z10 tiles: p50 {extras['editor z10'][0]:.2f} ms, "
              f"p95 {extras['editor z10'][1]:.2f} ms"]
    for zoom in (5, 8):
        p50, p95, size, revalidated = extras[f"activity z{zoom}"]
        bench_row("tiles", f"activity map at zoom {zoom}, p50", p50, "ms",
                  baseline_name="304 p50", baseline=revalidated)
        lines.append(f"- activity map at zoom {zoom} (4 territories of 16,000 vertices, counts "
                     f"over all posts): p50 {p50:.1f} ms, p95 {p95:.1f} ms, {size / 1024:.1f} KB;"
                     f" revalidated (304) p50 {revalidated:.2f} ms")
    return "\n".join(lines) + "\n"


def write_doc(section: str) -> None:
    """Replace this benchmark's section of docs/benchmarks.md (or add it)."""
    current = (DOC.read_text() if DOC.exists()
               else "# Benchmarks\n\nFigures written by `./dev.sh bench`.\n")
    block = f"{START}\n{section}{END}\n"
    if START in current and END in current:
        head, rest = current.split(START, 1)
        current = head + block + rest.split(END, 1)[1].lstrip("\n")
    else:
        current = current.rstrip("\n") + "\n\n" + block
    DOC.write_text(current)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--requests", type=int, default=200, help="sequential, per zoom")
    parser.add_argument("--no-write", action="store_true", help="do not update the doc")
    args = parser.parse_args()
    with database(tcp=True) as url:
        seeded = seed(url, args.posts)
        tokens = seeded["tokens"]
        tipg, tipg_base, tipg_note = start_tipg(url)
        try:
            with server(url) as base, server(url, RELAIS_TILE_CACHE_MB="0") as cold_base:
                def route(z: int, x: int, y: int) -> str:
                    return f"/api/map/posts/{z}/{x}/{y}.mvt"
                relais = HttpTarget(base, route, {"Authorization": f"Bearer {tokens['desk']}"})
                editor = HttpTarget(base, route, {"Authorization": f"Bearer {tokens['editor']}"})
                targets: dict = {"relais": relais, "relais cold": HttpTarget(
                    cold_base, route, {"Authorization": f"Bearer {tokens['desk']}"})}
                if tipg is not None:
                    props = "id,territory_id,status,place_name"
                    targets["tipg"] = HttpTarget(
                        tipg_base, lambda z, x, y: (
                            f"/collections/public.posts/tiles/WebMercatorQuad/{z}/{x}/{y}"
                            f"?geom-column=geom_3857&properties={props}"), {})
                rows = [measure_zoom(z, url, targets, args.requests, args.seconds)
                        for z in ZOOMS]
                extras = measure_extras(relais, editor, base, tokens["desk"])
        finally:
            if tipg is not None:
                tipg.terminate()
                tipg.wait(timeout=30)
    section = report(args, seeded, rows, extras, tipg_note)
    print(section)
    if not args.no_write:
        write_doc(section)
        print(f"written to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
