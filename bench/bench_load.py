"""Benchmark: the service under load, as in production, driven by wrk from another process.

`relais serve` (granian, RELAIS_ENV=production, embedded PostGIS) on a seeded organisation
(`relais seed`'s code: 20 territories, 10,000 posts), then `wrk` (Debian package, installed by
`./dev.sh bench`) with 32 connections on each route in turn: `/healthz` (the ceiling), a dry
run of a 26-rule template with a 200-term charter, submitting a draft for review, listing posts,
a z10 map tile, and a bulk locate of 1,000 points. Each figure is a ratio to `/healthz` in the
same run. The same routes are measured under the former server settings (gunicorn's sync
workers, which close every connection) as the baseline of the choice of server (decisions 0020,
0030).
Each route's CPU per request is measured too, split between the server's processes,
PostgreSQL's and wrk's: on a machine where the three share two cores, requests/s follow it.
Then the dry run's floor: its validation alone (`bench/floor_app.py`: no Flask, no token, no
database, under the same server), and a constant answer, which give the most a dry run can
reach as a share of `/healthz` whatever the app does around the validation.
Afterwards, no connection of the service may be left in PostgreSQL (pg_stat_activity).

Usage: python bench/bench_load.py [--seconds S] [--baseline-seconds S] [--connections C]
                                  [--floor-seconds S] [--scale-out-seconds S]
                                  [--routes submit,dry run,…]
`--routes` measures only the routes named (comma-separated, as printed), `/healthz` always
included as the baseline: `--routes submit --baseline-seconds 0 --scale-out-seconds 0` is an
A/B run of one route.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psutil
import psycopg
import requests
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_locate import database  # noqa: E402
from bench_validation import SEED, build_charter, build_template, charter_terms, post  # noqa: E402
from report import row  # noqa: E402
from serving import run_wrk, served, server  # noqa: E402

from config.settings import Settings  # noqa: E402
from regions import accounts, migrate, standards  # noqa: E402
from regions.db import UnitOfWork, make_engine, make_session_factory  # noqa: E402
from regions.models import User  # noqa: E402
from regions.seeding import FRANCE, SeedPlan, seed  # noqa: E402

BENCH = "load"
TEMPLATE = "promo-regionale"  # the dry run's: 26 rules, a 200-term charter
POSTS = 10_000
DRAIN_SECONDS = 180  # at most, for the workers to publish what was approved under load
SUBMIT_RATE_CEILING = 2_500  # drafts prepared per second of the submit run (never run out)
SERVER = Settings().worker_class  # the production server (RELAIS_WORKER_CLASS's default)
BASELINE = "sync"  # gunicorn's sync workers, the server settings before decision 0020

WRK_SCRIPT = """
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
local bodies = {%(bodies)s}
local paths = {%(paths)s}
local n = 0
request = function()
  local k = n * %(threads)d + tid
  n = n + 1
  local path = paths[k %% #paths + 1]
  if %(numbered)s then path = string.format(path, %(first)d + k) end
  return wrk.format("%(method)s", path, nil, bodies[k %% #bodies + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%f %%f %%f %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def lua_strings(values: list[str]) -> str:
    return ", ".join(json.dumps(value) for value in values)  # JSON strings are Lua strings


def wrk(base: str, token: str, method: str, paths: list[str], bodies: list[str], *,
        connections: int, seconds: float, first: int | None = None) -> dict[str, float]:
    """Run wrk on the route: requests/s, p50 and p99 (ms), errors (socket errors and non-2xx)."""
    threads = 2
    script = WRK_SCRIPT % {"bodies": lua_strings(bodies or [""]), "paths": lua_strings(paths),
                           "threads": threads, "numbered": "true" if first else "false",
                           "first": first or 0, "method": method}
    requests_, micros, p50, p99, errors = run_wrk(
        script, base, connections=connections, duration=f"{seconds:g}s", threads=threads,
        options=["--timeout", "10s", "-H", f"Authorization: Bearer {token}",
                 "-H", "Content-Type: application/json"])
    return {"rps": int(requests_) / (float(micros) / 1e6), "p50": float(p50) / 1000,
            "p99": float(p99) / 1000, "errors": int(errors), "requests": int(requests_)}


def cpu_seconds(pid: int | None) -> float:
    """CPU time (user + system) of a process and its descendants, exited ones it reaped included.

    0 for None (a server on another machine, whose processes cannot be read).
    """
    if pid is None:
        return 0.0
    root = psutil.Process(pid)
    total = 0.0
    for proc in (root, *root.children(recursive=True)):
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:  # exited between the listing and now: its parent counts it
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def postmaster(url: str) -> int | None:
    """The PostgreSQL server's main process, when it runs on this machine (None otherwise)."""
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        folder = conn.execute("SHOW data_directory").fetchone()[0]
    try:
        pid = int(Path(folder, "postmaster.pid").read_text().split()[0])
        psutil.Process(pid)
    except (OSError, ValueError, psutil.Error):
        return None
    return pid


def measured(run: Callable[[], dict[str, float]], app: int, database: int | None
             ) -> dict[str, float]:
    """``run()``'s figures, with the CPU each side spent per request (ms).

    ``app``: the server's processes; ``database``: PostgreSQL's; and the load generator (wrk,
    a child of this process).
    """
    before = (cpu_seconds(app), cpu_seconds(database),
              resource.getrusage(resource.RUSAGE_CHILDREN))
    figures = run()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    count = max(figures["requests"], 1)
    return {**figures,
            "cpu app": (cpu_seconds(app) - before[0]) * 1000 / count,
            "cpu database": (cpu_seconds(database) - before[1]) * 1000 / count,
            "cpu wrk": (after.ru_utime + after.ru_stime - before[2].ru_utime
                        - before[2].ru_stime) * 1000 / count}


def prepare(url: str) -> dict[str, object]:
    """The organisation, a realistic template and charter, tokens; returns what routes need."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    with UnitOfWork(factory) as uow:
        seed(uow, SeedPlan(posts=POSTS, territories=20, users=20))
    terms = charter_terms(random.Random(SEED))
    with UnitOfWork(factory) as uow:
        desk = uow.session.query(User).filter_by(email="seed-desk@example.test").one()
        editor = uow.session.query(User).filter_by(
            email="seed-editor-00000@example.test").one()
        actor = accounts.load_actor(desk)
        standards.update_charter(uow, actor, build_charter(terms))
        template = build_template()
        template.pop("id", None)
        template.pop("version", None)
        standards.create_template(uow, actor, TEMPLATE, template)
        standards.publish_template(uow, actor, TEMPLATE, now=datetime.now(UTC))
        tokens = {name: accounts.issue_token(uow, accounts.load_actor(user), user_id=user.id,
                                             name="load", expires_in_days=1).plaintext
                  for name, user in (("desk", desk), ("editor", editor))}
        territory = uow.session.execute(text(
            "SELECT territory_id FROM memberships WHERE user_id = :u"), {"u": editor.id}).scalar()
        uow.commit()
    engine.dispose()
    rng = random.Random(SEED)
    texts = [post(rng, terms)[:1500] for _ in range(50)]
    return {"tokens": tokens, "territory": territory, "editor_id": editor.id, "texts": texts}


def make_drafts(url: str, prepared: dict, count: int, status: str = "draft") -> int:
    """``count`` valid posts of the editor's territory (version 1); the first one's id.

    Drafts are published in three days; submitted ones (to approve) as soon as approved.
    """
    dsn = url.replace("+psycopg", "")
    with psycopg.connect(dsn) as conn:
        first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM posts").fetchone()[0]
        conn.execute("""
            INSERT INTO posts (territory_id, author_id, template_version_id, status, text,
                               slot_values, geom, place_name, publish_at)
            SELECT t.id, %(author)s, v.id, %(status)s::post_status,
                   'Réunion publique à ' || t.name || ' n° ' || i,
                   jsonb_build_object('text', 'Réunion publique à ' || t.name || ' n° ' || i),
                   ST_PointOnSurface(t.geom), 'Agence',
                   CASE WHEN %(status)s = 'draft' THEN now() + interval '3 days' END
            FROM generate_series(1, %(n)s) AS i, territories t,
                 template_versions v JOIN templates k ON k.id = v.template_id
            WHERE t.id = %(territory)s AND k.key = 'seed-annonce'""",
                     {"author": prepared["editor_id"], "n": count, "status": status,
                      "territory": prepared["territory"]})
        conn.execute("ANALYZE posts")
    return int(first)


def routes(prepared: dict) -> dict[str, dict]:
    """Each route: method, paths, bodies, token (and the first draft's id for submit)."""
    rng = random.Random(7)
    minx, miny, maxx, maxy = FRANCE
    points = [[round(rng.uniform(minx, maxx), 5), round(rng.uniform(miny, maxy), 5)]
              for _ in range(1000)]
    tiles = [f"/api/map/posts/10/{x}/{y}.mvt" for x, y in
             ((rng.randint(500, 535), rng.randint(355, 380)) for _ in range(40))]
    tokens = prepared["tokens"]
    dry_runs = [json.dumps({"text": body}) for body in prepared["texts"]]
    return {
        "healthz": {"method": "GET", "paths": ["/healthz"], "token": tokens["desk"]},
        "dry run": {"method": "POST", "paths": [f"/api/templates/{TEMPLATE}/validate"],
                    "bodies": dry_runs, "token": tokens["editor"]},
        "submit": {"method": "POST", "paths": ["/api/posts/%d/submit"],
                   "bodies": [json.dumps({"version": 1})], "token": tokens["editor"],
                   "drafts": True},
        "list posts": {"method": "GET", "paths": [
            "/api/posts?limit=50", f"/api/posts?limit=50&territory_id={prepared['territory']}",
            "/api/posts?limit=50&status=published"], "token": tokens["desk"]},
        "tile z10": {"method": "GET", "paths": tiles, "token": tokens["desk"]},
        "locate 1,000": {"method": "POST", "paths": ["/api/locate"],
                         "bodies": [json.dumps({"points": points})], "token": tokens["desk"]},
    }


def leftover_connections(url: str) -> int:
    """Backends of the service still connected to its database (ours excluded)."""
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        return int(conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'").fetchone()[0])


def chosen_routes(every: dict[str, dict], names: list[str] | None) -> dict[str, dict]:
    """The routes named (all when None), `/healthz` first whatever is asked: it is the baseline.

    A name is a route's name or its first words (``locate`` for ``locate 1,000``, whose comma
    could not be given in a comma-separated list). An unknown name stops the run before any
    seeding, listing the known ones, rather than measuring nothing.
    """
    if names is None:
        return every

    def named(route: str, name: str) -> bool:
        return route == name or route.startswith(name + " ")

    unknown = [name for name in names if not any(named(route, name) for route in every)]
    if unknown:
        raise SystemExit(f"unknown route(s) {', '.join(map(repr, unknown))}; "
                         f"known: {' | '.join(every)}")
    return {route: figures for route, figures in every.items()
            if route == "healthz" or any(named(route, name) for name in names)}


def run_all(url: str, prepared: dict, env: dict[str, str], seconds: float,
            connections: int, names: list[str] | None = None, *, floor_seconds: float = 0
            ) -> dict[str, dict]:
    """Every route (or those named) against one server configuration.

    ``floor_seconds``: then the dry run's own work alone for as long (:func:`dry_run_floor`),
    when the dry run was measured.
    """
    results = {}
    database = postmaster(url)
    with served(url, **env) as (base, process):
        for name, route in chosen_routes(routes(prepared), names).items():
            first = (make_drafts(url, prepared, int(SUBMIT_RATE_CEILING * seconds) + 1000)
                     if route.get("drafts") else None)
            results[name] = measured(lambda route=route, first=first: wrk(  # type: ignore[misc]
                base, route["token"], route["method"], route["paths"], route.get("bodies", []),
                connections=connections, seconds=seconds, first=first), process.pid, database)
            figures = results[name]
            print(f"  {env.get('RELAIS_WORKER_CLASS')}: {name:<14} {figures['rps']:>9,.0f} req/s"
                  f"  p50 {figures['p50']:.2f} ms  p99 {figures['p99']:.2f} ms  "
                  f"errors {figures['errors']}  CPU per request: app {figures['cpu app']:.2f}"
                  f" + PostgreSQL {figures['cpu database']:.2f} + wrk {figures['cpu wrk']:.2f} ms",
                  flush=True)
        if floor_seconds and "dry run" in results:
            results.update(dry_run_floor(url, base, prepared, connections, floor_seconds))
    time.sleep(1)  # the workers' exit closes their connections; PostgreSQL notices at once
    results["leftover"] = {"connections": leftover_connections(url)}
    return results


def dry_run_floor(url: str, base: str, prepared: dict, connections: int, seconds: float
                  ) -> dict[str, dict]:
    """The dry run's own work alone, and the cheapest answer, under `relais serve`'s server.

    `bench/floor_app.py` under granian with the production settings (workers, threads, HTTP/1,
    access log): `POST /validate` parses the body, validates it against the same published
    template, renders and encodes the report — no Flask, no token, no database per request;
    `GET /raw` answers a constant. Its answers are first compared with the served dry run's
    (``base``), so the floor does the same validation. The difference between the two is what
    the validation costs under load whatever surrounds it.
    """
    settings = Settings()
    command = [str(Path(sys.executable).with_name("granian")), "--interface", "wsgi",
               "--host", "127.0.0.1", "--port", "{port}", "--workers", str(settings.workers),
               "--blocking-threads", str(settings.threads), "--http", "1", "--access-log",
               "--working-dir", str(Path(__file__).resolve().parent), "floor_app:app"]
    dry = routes(prepared)["dry run"]
    with served(url, command=command, ready="/raw",
                RELAIS_FLOOR_TEMPLATE=TEMPLATE) as (floor, process):
        for body in dry["bodies"][:10]:
            served_report = requests.post(
                f"{base}{dry['paths'][0]}", data=body, timeout=10,
                headers={"Authorization": f"Bearer {dry['token']}",
                         "Content-Type": "application/json"}).json()
            floor_report = requests.post(f"{floor}/validate", data=body, timeout=10).json()
            if served_report != floor_report:
                raise SystemExit(f"the floor's report differs from the dry run's for {body[:80]}…")
        results = {
            "floor: validation alone": measured(lambda: wrk(
                floor, "", "POST", ["/validate"], dry["bodies"], connections=connections,
                seconds=seconds), process.pid, None),
            "floor: raw answer": measured(lambda: wrk(
                floor, "", "GET", ["/raw"], [], connections=connections, seconds=seconds),
                process.pid, None)}
    for name, figures in results.items():
        print(f"  {SERVER}: {name:<24} {figures['rps']:>9,.0f} req/s  errors {figures['errors']}"
              f"  CPU per request: app {figures['cpu app']:.2f} + wrk {figures['cpu wrk']:.2f} ms",
              flush=True)
    return results


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A publishing worker logging each publication (INFO), which its share is counted from."""
    relais = Path(sys.executable).with_name("relais")
    with log.open("ab") as out:
        return subprocess.Popen([str(relais), "worker", "--threads", "4", "--poll-interval",
                                 "0.1"], env={**os.environ, **env, "RELAIS_LOG_LEVEL": "INFO"},
                                stdout=out, stderr=subprocess.STDOUT)


def _pending(dsn: str) -> int:
    """Publications due now and not done (seeded posts scheduled for later are not due)."""
    with psycopg.connect(dsn) as conn:
        return int(conn.execute("SELECT count(*) FROM publications WHERE status IN "
                                "('queued', 'in_flight') AND due_at <= now()").fetchone()[0])


def scale_out(url: str, prepared: dict, env: dict[str, str], seconds: float,
              connections: int) -> dict[str, float]:
    """Two app servers and two publishing workers on one PostgreSQL, under load.

    Server A approves submitted posts as fast as wrk sends them (each approval queues a
    publication), server B serves post lists meanwhile, two `relais worker` processes publish
    to the fake Graph API over HTTP. Afterwards: every approved post is on the Page exactly
    once, and both workers published a share.
    """
    from cryptography.fernet import Fernet

    from regions.publishing.connections import connect_page
    from regions.publishing.page_tokens import cipher_for
    from service.fakegraph import FakeGraphServer, FakePage

    key, token = Fernet.generate_key().decode(), f"EAALoad-{secrets.token_hex(12)}"
    env = {**env, "RELAIS_ENCRYPTION_KEY": key, "RELAIS_WORKER_CLASS": SERVER,
           "DATABASE_URL": url}
    dsn = url.replace("+psycopg", "")
    engine = make_engine(url)
    with UnitOfWork(make_session_factory(engine)) as uow:
        connect_page(uow, None, prepared["territory"], page_id="880", token=token,
                     cipher=cipher_for(key, env["RELAIS_SECRET_KEY"], production=True))
        uow.commit()
    engine.dispose()
    first = make_drafts(url, prepared, int(SUBMIT_RATE_CEILING * seconds) + 1000, "submitted")
    logs = [Path(tempfile.mkstemp(suffix=f"-worker-{n}.log")[1]) for n in (1, 2)]
    tokens = prepared["tokens"]
    with FakeGraphServer([FakePage("880", "Charge", {token})]) as fake:
        env["RELAIS_GRAPH_BASE_URL"] = fake.base_url
        workers = [_worker(env, log) for log in logs]
        try:
            with server(url, **env) as a, server(url, **env) as b:
                results: dict[str, dict] = {}
                lists = routes(prepared)["list posts"]
                approving = threading.Thread(target=lambda: results.__setitem__("approve", wrk(
                    a, tokens["desk"], "POST", ["/api/posts/%d/approve"],
                    [json.dumps({"version": 1})], connections=connections // 2,
                    seconds=seconds, first=first)))
                approving.start()
                results["list"] = wrk(b, tokens["desk"], "GET", lists["paths"], [],
                                      connections=connections // 2, seconds=seconds)
                approving.join()
            deadline = time.monotonic() + DRAIN_SECONDS
            while _pending(dsn) and time.monotonic() < deadline:
                time.sleep(0.5)
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            codes = [worker.wait(timeout=60) for worker in workers]
        stored = {post["id"] for post in fake.posts("880")}
    with psycopg.connect(dsn) as conn:
        published = {row[0] for row in conn.execute(
            "SELECT p.facebook_post_id FROM posts p JOIN publications u ON u.post_id = p.id "
            "WHERE u.status = 'succeeded'")}
        approved = int(conn.execute(
            "SELECT count(*) FROM posts WHERE id >= %s AND status <> 'submitted'",
            (first,)).fetchone()[0])
    shares = [log.read_text().count("published as") for log in logs]
    for log in logs:
        if not all(shares) or max(codes):
            print(f"  worker log {log.name}, last lines:\n{log.read_text()[-1500:]}")
        log.unlink()
    return {"approve": results["approve"]["rps"], "list": results["list"]["rps"],
            "errors": results["approve"]["errors"] + results["list"]["errors"],
            "approved": approved, "published": len(published), "on page": len(stored),
            "missing": len(published ^ stored) + _pending(dsn), "worker exit": max(codes),
            "smallest share": min(shares), "leftover": leftover_connections(url)}


NO_PREPARED = {"tokens": {"desk": "", "editor": ""}, "territory": 0, "texts": []}  # names only

TARGETS = {"dry run": "≥ 0.6 ×", "submit": "≥ 0.3 ×"}


def report(production: dict, baseline: dict, scaled: dict, args: argparse.Namespace) -> None:
    """Rows: each route's requests/s as a ratio of /healthz; p50/p99; errors; leftovers."""
    ceiling = production["healthz"]["rps"]
    healthz_cpu = cpu_per_request(production["healthz"])
    for name, figures in production.items():
        if name == "leftover" or name.startswith("floor"):
            continue
        row(BENCH, f"{name}: requests/s ({SERVER}, {args.connections} conn.)", figures["rps"],
            "req/s", baseline_name="/healthz", baseline=ceiling, target=TARGETS.get(name))
        row(BENCH, f"{name}: CPU per request (app {figures['cpu app']:.2f} + PostgreSQL "
            f"{figures['cpu database']:.2f} + wrk {figures['cpu wrk']:.2f} ms)",
            cpu_per_request(figures), "ms", baseline_name="/healthz", baseline=healthz_cpu)
        row(BENCH, f"{name}: p50 / p99", figures["p50"], "ms p50",
            baseline_name="p99", baseline=figures["p99"])
        row(BENCH, f"{name}: errors over {args.seconds:g} s", figures["errors"], "errors",
            target="0")
        if name in baseline:
            row(BENCH, f"{name}: {SERVER} vs {BASELINE} workers", figures["rps"], "req/s",
                baseline_name=BASELINE, baseline=baseline[name]["rps"])
    if "floor: validation alone" in production:
        floor, raw = production["floor: validation alone"], production["floor: raw answer"]
        row(BENCH, "floor: the dry run's validation alone (no Flask, token or database)",
            floor["rps"], "req/s", baseline_name="/healthz", baseline=ceiling)
        row(BENCH, "floor: a constant answer under the same server (no Flask)", raw["rps"],
            "req/s", baseline_name="/healthz", baseline=ceiling)
        # A dry run does all a /healthz does, plus the validation's own work (the floor's CPU
        # per request less the constant answer's). With the CPU the bottleneck, requests/s go
        # as the inverse of CPU per request: this is the most a dry run's can be, as a share
        # of /healthz's, whatever is done around the validation. CPU, not requests/s, as
        # other work on the machine slows both alike.
        own = cpu_per_request(floor) - cpu_per_request(raw)
        row(BENCH, f"dry run: highest ratio reachable (/healthz's CPU + the validation's own, "
            f"{own:.2f} ms)", healthz_cpu / (healthz_cpu + own), "× /healthz",
            target=f"≥ {TARGETS['dry run'].split()[1]}")
    row(BENCH, "PostgreSQL connections left after the server stopped",
        production["leftover"]["connections"], "connections", target="0")
    if scaled:
        label = f"2 app servers + 2 workers, {args.scale_out_seconds:g} s"
        row(BENCH, f"{label}: approvals/s on server A", scaled["approve"], "req/s",
            baseline_name="/healthz", baseline=ceiling)
        row(BENCH, f"{label}: post lists/s on server B", scaled["list"], "req/s",
            baseline_name="/healthz", baseline=ceiling)
        row(BENCH, f"{label}: errors", scaled["errors"], "errors", target="0")
        row(BENCH, f"{label}: posts published to the Page", scaled["on page"], "posts",
            baseline_name="published in Relais", baseline=scaled["published"],
            target="= 1 ×")
        row(BENCH, f"{label}: posts published twice or not at all", scaled["missing"],
            "posts", target="0")
        row(BENCH, f"{label}: smaller worker's share", scaled["smallest share"], "posts",
            baseline_name="approved under load", baseline=scaled["approved"])
        row(BENCH, f"{label}: connections left afterwards", scaled["leftover"],
            "connections", target="0")


def cpu_per_request(figures: dict[str, float]) -> float:
    """Milliseconds of CPU a request cost the machine: server, PostgreSQL and wrk."""
    return figures["cpu app"] + figures["cpu database"] + figures["cpu wrk"]


def route_names(value: str) -> list[str]:
    """``--routes``' value: names separated by commas (spaces around them ignored)."""
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("name at least one route")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="per route, production")
    parser.add_argument("--baseline-seconds", type=float, default=15.0,
                        help=f"per route, {BASELINE} workers (0: skip)")
    parser.add_argument("--floor-seconds", type=float, default=30.0,
                        help="the dry run's validation alone, and a constant answer, each "
                             "(0: skip)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--scale-out-seconds", type=float, default=20.0,
                        help="two servers and two workers under load (0: skip)")
    parser.add_argument("--routes", type=route_names, default=None,
                        help="comma-separated route names, e.g. 'submit,dry run' (default: "
                             "all); /healthz is always measured, as the baseline")
    args = parser.parse_args()
    chosen_routes(routes(NO_PREPARED), args.routes)  # an unknown name stops here, not seeded
    production_env = {"RELAIS_ENV": "production", "RELAIS_SECRET_KEY": secrets.token_urlsafe(48),
                      "RELAIS_ENCRYPTION_KEY": "", "RELAIS_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    with database() as url:
        prepared = prepare(url)
        print(f"load: seeded {POSTS:,} posts in {time.perf_counter() - started:.1f} s", flush=True)
        production = run_all(url, prepared, {**production_env, "RELAIS_WORKER_CLASS": SERVER},
                             args.seconds, args.connections, args.routes,
                             floor_seconds=args.floor_seconds)
        baseline = (run_all(url, prepared, {**production_env, "RELAIS_WORKER_CLASS": BASELINE},
                            args.baseline_seconds, args.connections, args.routes)
                    if args.baseline_seconds else {})
        scaled = (scale_out(url, prepared, production_env, args.scale_out_seconds,
                            args.connections) if args.scale_out_seconds else {})
    report(production, baseline, scaled, args)


if __name__ == "__main__":
    main()
