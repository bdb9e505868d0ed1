"""Benchmark: locate 100,000 seeded points in France against the 101 départements.

Measures, in one run and on the same data:
  1. the service's bulk path over HTTP (granian, `POST /api/locate`),
  2. the naive point-driven SQL join (GiST on the polygons only),
  3. the best bare SQL join we can write (points indexed, polygons cut with ST_Subdivide),
  4. single-point `GET /api/locate` latency (p50, p95) over HTTP, with its default answer
     (chain and gazetteer areas) and lean (`include=`), against the `/healthz` round trip
     measured the same way in the same run (the three take turns, request by request),
  5. the same single-point figures again once N generated communes (default 35,000) are
     rolled out as territories under the départements: the cost must not grow with them.
Prints figures and ratios through bench/report.py; never passes or fails on time.

Usage: python bench/bench_locate.py [--points N] [--communes N] [--singles N] [--geodata DIR]
Needs ../shared/geodata/departements-avec-outre-mer.geojson (or --geodata).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import numpy as np
import requests
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import serving  # noqa: E402
from report import row  # noqa: E402
from serving import free_port  # noqa: E402

from geodata.importer import import_boundaries  # noqa: E402
from regions import accounts, migrate, territories  # noqa: E402
from regions.db import UnitOfWork, make_engine, make_session_factory  # noqa: E402
from regions.models import Role  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FRANCE_BBOX = (-5.2, 41.3, 9.6, 51.1)


@contextmanager
def database(*, tcp: bool = False):
    """DATABASE_URL's server (a fresh database) or a private throwaway cluster.

    ``tcp``: the cluster listens on 127.0.0.1 too (for clients that need a host, like tipg).
    """
    if os.environ.get("DATABASE_URL"):
        from tests.conftest import _fresh_database_on

        url, drop = _fresh_database_on(os.environ["DATABASE_URL"])
        try:
            yield url
        finally:
            drop()
        return
    from service.pgcluster import EmbeddedPostgres

    folder = Path(tempfile.mkdtemp(prefix="relais-bench-"))
    folder.chmod(0o755)
    cluster = EmbeddedPostgres(folder / "postgres", tcp_port=free_port() if tcp else 0,
                               throwaway=True)
    cluster.start()
    try:
        yield (f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/relais" if tcp
               else cluster.url())
    finally:
        cluster.destroy()
        shutil.rmtree(folder, ignore_errors=True)


def seed(url: str, geodata: Path) -> str:
    """Import the départements, make one territory per département, return an API token."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    with UnitOfWork(factory) as uow:
        import_boundaries(uow, geodata / "departements-avec-outre-mer.geojson",
                          level="departement", code_field="code", name_field="nom")
    with UnitOfWork(factory) as uow:
        codes = [row[0] for row in uow.session.execute(
            text("SELECT code FROM admin_areas WHERE level = 'departement' ORDER BY code"))]
        group, _ = territories.create_territory(uow, None, name="Bench group", kind="group")
        for code in codes:
            territories.create_territory(
                uow, None, name=f"Dept {code}", slug=f"dept-{code.lower()}", parent_id=group.id,
                areas=territories.AreaSelection("departement", (code,)),
            )
        user = accounts.create_user(uow, None, email="bench@example.test", display_name="Bench",
                                    role=Role.VIEWER)
        token = accounts.issue_token(uow, accounts.load_actor(user), user_id=user.id,
                                     name="bench", expires_in_days=1).plaintext
        uow.commit()
    engine.dispose()
    return token


def random_points(n: int) -> np.ndarray:
    """Seeded uniform points in mainland France's bounding box."""
    rng = np.random.default_rng(20261128)
    minx, miny, maxx, maxy = FRANCE_BBOX
    return np.column_stack([rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)])


def bare_sql(url: str, points: np.ndarray) -> dict[str, float]:
    """Points/s of the naive join and of the best bare join, on the same data."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_points, bench_parts"))
        conn.execute(text("CREATE TABLE bench_points (id int, geom geometry(Point, 4326))"))
        conn.execute(text(
            "INSERT INTO bench_points SELECT i, ST_SetSRID(ST_MakePoint(x, y), 4326) "
            "FROM unnest(CAST(:x AS float8[]), CAST(:y AS float8[])) WITH ORDINALITY AS u(x, y, i)"
        ), {"x": points[:, 0].tolist(), "y": points[:, 1].tolist()})
        conn.execute(text("CREATE TABLE bench_parts AS SELECT id, ST_Subdivide(geom, 256) AS geom "
                          "FROM territories WHERE geom IS NOT NULL"))
        conn.execute(text("CREATE INDEX ON bench_parts USING gist (geom)"))
        conn.execute(text("ANALYZE territories; ANALYZE bench_parts; ANALYZE bench_points"))
    naive_sql = ("SELECT count(*) FROM bench_points p JOIN territories t "
                 "ON ST_Intersects(t.geom, p.geom)")
    best_sql = ("SELECT count(*) FROM bench_points p JOIN bench_parts t "
                "ON ST_Intersects(t.geom, p.geom)")
    results = {}
    with engine.connect() as conn:
        results["naive"] = len(points) / best_of(lambda: conn.execute(text(naive_sql)).scalar(), 2)
        conn.execute(text("CREATE INDEX bench_points_geom ON bench_points USING gist (geom)"))
        conn.execute(text("ANALYZE bench_points"))
        results["best"] = len(points) / best_of(lambda: conn.execute(text(best_sql)).scalar(), 3)
        conn.rollback()
    engine.dispose()
    return results


def best_of(work, repeat: int) -> float:
    """The fastest of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def server(url: str, **extra_env: str) -> AbstractContextManager[str]:
    """`relais serve` on this database, two workers, with the production defaults."""
    return serving.server(url, workers=2, **{"RELAIS_LOG_LEVEL": "WARNING", **extra_env})


def http_bulk(base: str, token: str, points: np.ndarray) -> tuple[float, int]:
    """Points/s of `POST /api/locate` (best of 5, body encoded beforehand), and hits."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"points": points.tolist()})
    headers = {"Content-Type": "application/json"}
    located = 0
    for _ in range(2):  # both workers build their index
        located = session.post(f"{base}/api/locate", data=body, headers=headers).json()["located"]

    def call() -> None:
        response = session.post(f"{base}/api/locate", data=body, headers=headers)
        response.raise_for_status()

    return len(points) / best_of(call, 5), located


def http_single(base: str, token: str, points: np.ndarray, n: int = 2000,
                paths: tuple[str, ...] = ("/api/locate?lon={lon}&lat={lat}",),
                ) -> list[list[float]]:
    """Latencies (ms) of each of ``paths`` for ``n`` points, the paths taking turns.

    Point by point, each path is requested once in turn, so the machine's changing load
    (shared, noisy) weighs on every path alike and their ratios hold. ``http.client`` rather
    than requests: the figure is the service's latency, not the client library's; each
    request opens its own connection, as a one-off client would.
    """
    host, port = base.removeprefix("http://").split(":")
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[list[float]] = [[] for _ in paths]
    for lon, lat in points[:n]:
        for path, kept in zip(paths, latencies, strict=True):
            start = time.perf_counter()
            conn = http.client.HTTPConnection(host, int(port), timeout=10)
            conn.request("GET", path.format(lon=lon, lat=lat), headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            kept.append((time.perf_counter() - start) * 1000)
            assert response.status == 200, response.status
    return latencies


def single_rows(base: str, token: str, points: np.ndarray, count: int, label: str,
                n: int) -> None:
    """Single locate p50 (default answer and lean) against /healthz, measured in turns."""
    paths = ("/healthz", "/api/locate?lon={lon}&lat={lat}",
             "/api/locate?lon={lon}&lat={lat}&include=")
    http_single(base, token, points, n=50, paths=paths)  # warm both workers' connections
    floor, full, lean = http_single(base, token, points, n=n, paths=paths)
    p50, p95 = statistics.median(full), statistics.quantiles(full, n=20)[18]
    print(f"  single GET /api/locate at {count:,} territories: p95 {p95:.2f} ms "
          f"(/healthz p95 {statistics.quantiles(floor, n=20)[18]:.2f} ms)")
    row("locate", f"single locate p50, {label}", p50, "ms", baseline_name="/healthz p50",
        baseline=statistics.median(floor), target="≤ 2 × /healthz")
    row("locate", f"single locate p50, include= (lean), {label}", statistics.median(lean),
        "ms", baseline_name="/healthz p50", baseline=statistics.median(floor),
        target="≤ 2 × /healthz")


def add_communes(url: str, count: int) -> int:
    """Generate ``count`` communes and roll them out under the départements; territories."""
    from bench_rollout import generate_communes

    from regions.rollout import roll_out_territories

    engine = make_engine(url)
    generate_communes(engine, count)
    with UnitOfWork(make_session_factory(engine)) as uow:
        report = roll_out_territories(uow, None, level="commune-gen", parent_level="departement")
        uow.commit()
        total = int(uow.session.execute(text("SELECT count(*) FROM territories")).scalar_one())
    engine.dispose()
    print(f"  rolled out {report.created:,} generated communes ({report.parents_created} "
          "département territories made for them)")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--communes", type=int, default=35_000)
    parser.add_argument("--singles", type=int, default=2000, help="requests per single figure")
    parser.add_argument("--geodata", type=Path, default=ROOT.parent / "shared" / "geodata")
    args = parser.parse_args()
    if not (args.geodata / "departements-avec-outre-mer.geojson").exists():
        print(f"skipped: no départements file in {args.geodata}")
        return
    points = random_points(args.points)
    with database() as url:
        token = seed(url, args.geodata)
        sql = bare_sql(url, points)
        print(f"locate {args.points:,} points against 101 départements")
        with server(url) as base:
            bulk, located = http_bulk(base, token, points)
            single_rows(base, token, points, 101, "101 territories", args.singles)
        row("locate", "HTTP bulk POST /api/locate", bulk, "points/s",
            baseline_name="best bare SQL join", baseline=sql["best"], target="≥ 0.70 ×")
        row("locate", "HTTP bulk vs naive SQL join", bulk, "points/s",
            baseline_name="naive SQL join", baseline=sql["naive"])
        print(f"  ({located:,} points inside)")
        if args.communes:
            total = add_communes(url, args.communes)
            with server(url) as base:
                bulk_many, _ = http_bulk(base, token, points)
                single_rows(base, token, points, total, f"{total:,} territories", args.singles)
            row("locate", f"HTTP bulk POST /api/locate, {total:,} territories", bulk_many,
                "points/s", baseline_name="at 101 territories", baseline=bulk)
            row("locate", f"server start to first ready worker, {total:,} territories",
                serving.STARTUP[-1], "s", baseline_name="at 101 territories",
                baseline=serving.STARTUP[0])


if __name__ == "__main__":
    main()
