"""Boundary import: a GeoJSON, GeoPackage or Shapefile into the administrative gazetteer.

The whole file goes into a temporary staging table first (streamed through COPY, batch by
batch, so memory stays bounded), then one merge writes new and changed areas and leaves
unchanged ones untouched. Everything happens in the caller's unit of work and is committed
once at the end: a failure anywhere leaves nothing behind.

Parent rule: with ``parent_level``, an area's parent is the area of that level that contains
its ``ST_PointOnSurface`` (a point always inside the area itself); if borders disagree so that
several contain it, the one with the smallest code wins; if none does, the area has no parent
and the report lists it. Import the parent level first.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import shapely
from pyproj import Transformer
from sqlalchemy import text
from sqlalchemy.orm import Session
from tqdm import tqdm

from geodata.errors import FeatureProblem, FeaturesRejected, GeodataError, ParentLevelMissing
from geodata.gazetteer import fold_for_search
from geodata.reader import (
    BATCH_BYTES,
    RawBatch,
    SourceInfo,
    batch_size_for,
    describe,
    read_batches,
    require_fields,
)
from geodata.shapes import BatchResult, Repair, clean_batch, reproject, transformer_to_wgs84
from regions import audit
from regions.actors import Actor
from regions.db import UnitOfWork
from regions.models import Role

# Degrees: about 110 m north-south and 75 m east-west in France, below a pixel up to zoom ~10.
SIMPLIFY_TOLERANCE = 0.001
MAX_PROBLEMS_LISTED = 1000
STAGING = "pg_temp.geodata_staging"


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: counts, repairs made, areas left without a parent, warnings."""

    level: str
    source: str
    features: int
    created: int
    updated: int
    unchanged: int
    absent: int
    repairs: tuple[Repair, ...] = ()
    without_parent: tuple[str, ...] = ()
    reprojected_from: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def changed_anything(self) -> bool:
        """True when the import created or updated at least one area."""
        return bool(self.created or self.updated)


@dataclass(slots=True)
class _Staged:
    features: int = 0
    repairs: list[Repair] = field(default_factory=list)
    problems: list[FeatureProblem] = field(default_factory=list)
    problem_count: int = 0

    def add(self, result: BatchResult) -> None:
        self.features += len(result.features)
        self.repairs.extend(result.repairs)
        self.problem_count += len(result.problems)
        room = MAX_PROBLEMS_LISTED - len(self.problems)
        self.problems.extend(result.problems[:max(room, 0)])


def import_boundaries(
    uow: UnitOfWork,
    path: str | os.PathLike[str],
    *,
    level: str,
    code_field: str,
    name_field: str,
    parent_level: str | None = None,
    source: str | None = None,
    progress: TextIO | None = None,
    layer: str | None = None,
    actor: Actor | None = None,
    simplify_tolerance: float = SIMPLIFY_TOLERANCE,
    batch_bytes: int = BATCH_BYTES,
) -> ImportReport:
    """Import a boundary file as ``level`` areas: all of it or, on any problem, nothing.

    ``progress`` is a stream (such as ``sys.stderr``) to draw a progress bar on.
    """
    if actor is not None:
        actor.require(Role.ADMIN)
    file = describe(Path(path), layer)
    require_fields(file, code_field, name_field)
    label = source or file.path.name
    session = uow.session
    _prepare(session, level, parent_level)
    staged = _stage_file(session, file, code_field, name_field, progress, batch_bytes)
    if staged.problem_count:
        raise FeaturesRejected(staged.problems, staged.problem_count, file.path.name)
    without_parent = _link_parents(session, parent_level) if parent_level else ()
    created, updated, absent = _merge(session, level, label, simplify_tolerance,
                                      link_parents=parent_level is not None)
    session.execute(text(f"DROP TABLE {STAGING}"))
    report = ImportReport(
        level=level, source=label, features=staged.features, created=created, updated=updated,
        unchanged=staged.features - created - updated, absent=absent,
        repairs=tuple(staged.repairs), without_parent=without_parent,
        reprojected_from=file.crs if transformer_to_wgs84(file.crs) else None,
        warnings=tuple(w for w in (file.text_warning(code_field),) if w),
    )
    _record(session, actor, report, file)
    uow.commit()
    return report


def _prepare(session: Session, level: str, parent_level: str | None) -> None:
    """Serialise imports, check the parent level and create the staging table."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext('relais.geodata.import'))"))
    if parent_level is not None:
        if parent_level == level:
            raise GeodataError(f"An area of level {level!r} cannot be its own level's parent.",
                               params={"level": level})
        exists = session.execute(text("SELECT EXISTS (SELECT 1 FROM admin_areas "
                                      "WHERE level = :level)"), {"level": parent_level})
        if not exists.scalar_one():
            raise ParentLevelMissing(
                f"No areas of level {parent_level!r} to be parents: import them first.",
                params={"level": parent_level},
            )
    session.execute(text(f"DROP TABLE IF EXISTS {STAGING}"))
    session.execute(text(
        "CREATE TEMP TABLE geodata_staging (idx integer PRIMARY KEY, code text NOT NULL, "
        "name text NOT NULL, search_name text NOT NULL, "
        "geom geometry(MultiPolygon, 4326) NOT NULL, parent_id integer, area_id integer) "
        "ON COMMIT DROP"
    ))


@contextmanager
def _copy_rows(session: Session) -> Iterator[Any]:
    """A COPY into the staging table on the unit of work's own connection and transaction."""
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(
        f"COPY {STAGING} (idx, code, name, search_name, geom) FROM STDIN"
    ) as copy:
        yield copy


def _stage_file(
    session: Session, file: SourceInfo, code_field: str, name_field: str,
    progress: TextIO | None, batch_bytes: int,
) -> _Staged:
    """Read, check and repair every feature; stream the good ones into the staging table."""
    staged, seen_codes = _Staged(), set[str]()
    transformer = transformer_to_wgs84(file.crs)
    bar = tqdm(total=file.features, unit="feature", desc=file.path.name, file=progress,
               disable=progress is None, leave=False)
    batches = read_batches(file, code_field, name_field, batch_size_for(file, batch_bytes))
    with bar, _copy_rows(session) as copy:
        for batch in batches:
            staged.add(_stage_batch(copy, batch, transformer, seen_codes,
                                    write=not staged.problem_count))
            bar.update(len(batch.codes))
            del batch  # let it go before the next one is read
    return staged


def _stage_batch(
    copy: Any, batch: RawBatch, transformer: Transformer | None, seen_codes: set[str],
    *, write: bool,
) -> BatchResult:
    """Clean one batch and, unless a feature was already rejected, copy it to staging."""
    result = clean_batch(batch.start, batch.codes, batch.names,
                         reproject(batch.shapes, transformer), seen_codes)
    if write and not result.problems:
        for feature in result.features:
            copy.write_row((feature.index, feature.code, feature.name,
                            fold_for_search(feature.name), _hex_ewkb(feature.shape)))
    return result


def _hex_ewkb(shape: Any) -> str:
    """The shape as hex EWKB with SRID 4326: the text form PostGIS reads in COPY."""
    return str(shapely.to_wkb(shapely.set_srid(shape, 4326), hex=True, include_srid=True))


def _link_parents(session: Session, parent_level: str) -> tuple[str, ...]:
    """Give each staged area its parent (see the module's rule); the codes left without one."""
    session.execute(text(f"""
        UPDATE {STAGING} s SET parent_id = (
            SELECT p.id FROM admin_areas p
            WHERE p.level = :parent_level AND ST_Intersects(p.geom, ST_PointOnSurface(s.geom))
            ORDER BY p.code LIMIT 1)
    """), {"parent_level": parent_level})
    orphans = session.execute(text(f"SELECT code FROM {STAGING} WHERE parent_id IS NULL "
                                   "ORDER BY idx"))
    return tuple(orphans.scalars())


SIMPLIFIED = """CASE WHEN ST_IsEmpty(simple.geom) THEN s.geom ELSE simple.geom END"""
# Douglas-Peucker keeping collapsed rings, then made valid: as good for display as
# ST_SimplifyPreserveTopology and about three times faster on départements.
SIMPLIFY = """LATERAL (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(
    ST_Simplify(s.geom, :tolerance, true)), 3)) AS geom) simple"""


def _merge(
    session: Session, level: str, source: str, tolerance: float, *, link_parents: bool
) -> tuple[int, int, int]:
    """Insert new areas, update changed ones, leave the rest untouched.

    Returns (created, updated, absent): absent counts this level's areas that are not in the
    file; they are kept, since territories may be made of them.
    """
    params = {"level": level, "source": source, "tolerance": tolerance, "link": link_parents}
    session.execute(text(f"""
        UPDATE {STAGING} s SET area_id = a.id FROM admin_areas a
        WHERE a.level = :level AND a.code = s.code"""), params)
    created = session.execute(text(f"""
        INSERT INTO admin_areas (level, code, name, search_name, parent_id, geom,
                                 geom_simplified, source, updated_at)
        SELECT :level, s.code, s.name, s.search_name, s.parent_id, s.geom, {SIMPLIFIED},
               :source, now()
        FROM {STAGING} s, {SIMPLIFY} WHERE s.area_id IS NULL"""), params)
    updated = session.execute(text(f"""
        UPDATE admin_areas a SET name = s.name, search_name = s.search_name,
            parent_id = CASE WHEN :link THEN s.parent_id ELSE a.parent_id END,
            geom = s.geom, geom_simplified = {SIMPLIFIED}, source = :source, updated_at = now()
        FROM {STAGING} s, {SIMPLIFY}
        WHERE a.id = s.area_id AND (
            (a.name, a.search_name, a.source) IS DISTINCT FROM (s.name, s.search_name, :source)
            OR (:link AND a.parent_id IS DISTINCT FROM s.parent_id)
            OR ST_AsEWKB(a.geom) <> ST_AsEWKB(s.geom))"""), params)
    absent = session.execute(text(f"""
        SELECT count(*) FROM admin_areas a WHERE a.level = :level
        AND NOT EXISTS (SELECT 1 FROM {STAGING} s WHERE s.code = a.code)"""), params)
    return _rowcount(created), _rowcount(updated), int(absent.scalar_one())


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def _record(session: Session, actor: Actor | None, report: ImportReport, file: SourceInfo) -> None:
    """One audit event per import, with its counts."""
    audit.record(session, actor.user_id if actor else None, "geodata.imported", "admin_area",
                 None, {
                     "level": report.level, "source": report.source, "file": file.path.name,
                     "driver": file.driver, "crs": file.crs, "features": report.features,
                     "created": report.created, "updated": report.updated,
                     "unchanged": report.unchanged, "repaired": len(report.repairs),
                     "without_parent": len(report.without_parent),
                 })
