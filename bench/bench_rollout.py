"""Benchmark: roll territories out of the gazetteer (`relais territories from-areas`).

Measures, in one run:
  1. the shared files (18 régions, 101 départements, the communes of 69, 13, Île-de-France and
     974): `from-areas --level departement --parent-level region` then `--level commune
     --parent-level departement`, and the second, idempotent run of both;
  2. N generated communes (default 35,000: hexagons of ~48 vertices over mainland France, each
     with its département as parent, as an import with --parent-level would leave them);
  3. the same-run baseline: the territories use case called once per area (what a script
     calling POST /api/territories does, without its HTTP), timed on a sample and
     extrapolated to the same number of areas.
Prints figures and ratios through bench/report.py; never passes or fails on time.

Usage: python bench/bench_rollout.py [--communes N] [--sample N] [--geodata DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_locate import database  # noqa: E402
from report import row  # noqa: E402

from geodata.importer import import_boundaries  # noqa: E402
from regions import migrate, territories  # noqa: E402
from regions.db import UnitOfWork, make_engine, make_session_factory  # noqa: E402
from regions.rollout import RolloutReport, roll_out_territories  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COMMUNE_FILES = ("communes-69-rhone.geojson", "communes-13-bouches-du-rhone.geojson",
                 "communes-ile-de-france.geojson", "communes-974-la-reunion.geojson")


def import_shared(engine: Engine, geodata: Path) -> float:
    """Import régions, départements and every shared commune file; seconds taken."""
    factory = make_session_factory(engine)
    start = time.perf_counter()
    for file, level, parent in (
        ("regions-avec-outre-mer.geojson", "region", None),
        ("departements-avec-outre-mer.geojson", "departement", "region"),
        *((name, "commune", "departement") for name in COMMUNE_FILES),
    ):
        with UnitOfWork(factory) as uow:
            import_boundaries(uow, geodata / file, level=level, code_field="code",
                              name_field="nom", parent_level=parent)
    return time.perf_counter() - start


def generate_communes(engine: Engine, count: int, level: str = "commune-gen") -> int:
    """``count`` hexagonal areas (~48 vertices) over mainland France, parents set; how many."""
    with engine.begin() as conn:
        # Hexagons of edge ``size`` tile the box; keep those whose centre is in a département.
        box_area, land_share = 13.0 * 8.8, 0.45
        size = (box_area * land_share / count / 2.598) ** 0.5
        made = conn.execute(text("""
            INSERT INTO admin_areas (level, code, name, search_name, parent_id, geom,
                                     geom_simplified, source)
            SELECT :level, lpad(row_number() OVER (ORDER BY h.i, h.j)::text, 6, '0'),
                   'Gen ' || h.i || ' ' || h.j, 'gen ' || h.i || ' ' || h.j, d.id,
                   ST_Multi(ST_Segmentize(h.geom, :size / 8)), ST_Multi(h.geom), 'bench'
            FROM ST_HexagonGrid(:size, ST_MakeEnvelope(-5.0, 42.3, 8.2, 51.1, 4326)) AS h
            JOIN LATERAL (
                SELECT id FROM admin_areas
                WHERE level = 'departement' AND ST_Intersects(geom, ST_Centroid(h.geom))
                ORDER BY code LIMIT 1) AS d ON true
            LIMIT :count"""), {"level": level, "size": size, "count": count}).rowcount
    return int(made)


def timed_roll_out(engine: Engine, **kwargs: object) -> tuple[float, RolloutReport]:
    """One roll-out in its own unit of work, committed; (seconds, report)."""
    start = time.perf_counter()
    with UnitOfWork(make_session_factory(engine)) as uow:
        report = roll_out_territories(uow, None, **kwargs)  # type: ignore[arg-type]
        uow.commit()
    return time.perf_counter() - start, report


def per_call_baseline(engine: Engine, sample: int) -> float:
    """Seconds per territory made with one use-case call each (rolled back afterwards)."""
    with UnitOfWork(make_session_factory(engine)) as uow:
        codes = list(uow.session.execute(text(
            "SELECT code FROM admin_areas WHERE level = 'commune-gen' ORDER BY code "
            "LIMIT :n"), {"n": sample}).scalars())
        start = time.perf_counter()
        for code in codes:
            territories.create_territory(
                uow, None, name=f"Sample {code}", slug=f"sample-{code}",
                areas=territories.AreaSelection("commune-gen", (code,)))
        elapsed = time.perf_counter() - start
    return elapsed / max(len(codes), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=35_000)
    parser.add_argument("--sample", type=int, default=200,
                        help="areas timed for the one-call-per-territory baseline")
    parser.add_argument("--geodata", type=Path, default=ROOT.parent / "shared" / "geodata")
    args = parser.parse_args()
    if not (args.geodata / "departements-avec-outre-mer.geojson").exists():
        print(f"skipped: no départements file in {args.geodata}")
        return
    with database() as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        imported = import_shared(engine, args.geodata)
        with UnitOfWork(make_session_factory(engine)) as uow:
            territories.create_territory(uow, None, name="Bench", slug="bench", kind="group")
            uow.commit()
        depts, first = timed_roll_out(engine, level="departement", parent_level="region",
                                      under="bench")
        communes, second = timed_roll_out(engine, level="commune", parent_level="departement")
        again = sum(timed_roll_out(engine, level=level, parent_level=parent)[0]
                    for level, parent in (("departement", "region"), ("commune", "departement")))
        shared_made = first.created + first.parents_created + second.created
        made = generate_communes(engine, args.communes)
        generated, third = timed_roll_out(engine, level="commune-gen",
                                          parent_level="departement")
        per_call = per_call_baseline(engine, args.sample)
        engine.dispose()
    shared = depts + communes
    print(f"roll-out: shared files imported in {imported:.1f} s (not counted); "
          f"{shared_made:,} territories ({first.parents_created} régions, {first.created} "
          f"départements, {second.created:,} communes); {third.created:,} of {made:,} "
          f"generated communes")
    row("rollout", f"shared files: {shared_made:,} territories", shared, "s",
        baseline_name="one call per territory", baseline=per_call * shared_made,
        target="≤ 60 s")
    row("rollout", "shared files: import + roll-out, end to end", imported + shared, "s",
        target="≤ 60 s")
    row("rollout", "shared files, second run (changes nothing)", again, "s",
        baseline_name="first run", baseline=shared)
    row("rollout", f"{third.created:,} generated communes", generated, "s",
        baseline_name="one call per territory", baseline=per_call * third.created,
        target="≤ 300 s")
    row("rollout", "generated communes per second", third.created / generated, "territories/s",
        baseline_name="one call per territory", baseline=1 / per_call)


if __name__ == "__main__":
    main()
