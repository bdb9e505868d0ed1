"""Roll out territories from the gazetteer: one territory per area, nested like the areas.

``roll_out_territories`` is set-based SQL: it makes 35,000 territories in a few statements
rather than 35,000 use-case calls. A territory *mirrors* an area when it is composed of that
area alone (``territory_areas``); a second roll-out finds the mirrors and changes nothing.

Hierarchy: with ``parent_level``, each area's territory goes under the territory mirroring its
ancestor area of that level (stored parents first; an area imported without parents gets the
parent-level area containing its ``ST_PointOnSurface``, the importer's rule), and missing
parent territories are rolled out too, under ``under``. Areas without such an ancestor go
under ``under``. Existing mirrors are moved there when their parent differs, and get the area's
current shape when it changed (a re-import); a mirror is never moved to the top level.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO
from zoneinfo import available_timezones

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from tqdm import tqdm

from editorial.errors import N_
from regions import audit
from regions.actors import DESK_ROLES, Actor
from regions.db import UnitOfWork
from regions.errors import Conflict, InvalidInput
from regions.territories import KINDS, SLUG_CONSTRAINT

STAGING = "pg_temp.rollout_areas"
CHUNK = 2000
# French overseas départements (and their régions and communes, by code prefix) are not on
# Paris time; everything else rolled out at the top level takes ``timezone``.
OVERSEAS_TIMEZONES = {
    "971": "America/Guadeloupe", "972": "America/Martinique", "973": "America/Cayenne",
    "974": "Indian/Reunion", "976": "Indian/Mayotte",
}
OVERSEAS_REGIONS = {"01": "971", "02": "972", "03": "973", "04": "974", "06": "976"}


class UnknownLevel(InvalidInput):
    """No gazetteer area has this level."""

    code = "rollout.unknown_level"


class SlugsTaken(Conflict):
    """The slugs the roll-out would give are taken by territories that mirror other things."""

    code = "rollout.slugs_taken"


@dataclass(frozen=True, slots=True)
class RolloutReport:
    """What a roll-out did (or, in a dry run, would do)."""

    level: str
    parent_level: str | None
    areas: int  # areas of ``level`` selected
    created: int  # territories made for them
    parents_created: int  # territories made for their parent-level areas
    moved: int  # existing mirrors placed under another parent
    reshaped: int  # existing mirrors given their area's current shape
    unchanged: int
    without_parent: tuple[str, ...] = ()  # codes with no ancestor area of ``parent_level``
    dry_run: bool = False

    @property
    def changed_anything(self) -> bool:
        """True when the roll-out created, moved or reshaped at least one territory."""
        return bool(self.created or self.parents_created or self.moved or self.reshaped)


def roll_out_territories(
    uow: UnitOfWork,
    actor: Actor | None,
    *,
    level: str,
    parent_level: str | None = None,
    under: str | None = None,
    codes: Sequence[str] | None = None,
    timezone: str = "Europe/Paris",
    progress: TextIO | None = None,
) -> RolloutReport:
    """Make one territory per ``level`` area (or per given code), nested like the areas.

    All or nothing: the caller commits once (or not at all, for a dry run). ``under`` is the
    slug of the territory the top of the new hierarchy goes under.
    """
    if actor is not None:
        actor.require(*DESK_ROLES)
    session = uow.session
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext('relais.territories.rollout'))"))
    under_id = _check(session, level, parent_level, under, codes, timezone)
    _stage(session, level, parent_level, codes)
    _find_mirrors(session)
    _check_slugs(session)
    bar = tqdm(total=_count(session, "territory_id IS NULL"), unit="territory",
               desc=f"territories from {level} areas", file=progress,
               disable=progress is None, leave=False)
    with bar:
        parents_created = _create(session, 0, under_id, timezone, bar)
        _place(session, under_id)
        created = _create(session, 1, under_id, timezone, bar)
    moved, reshaped = _update_existing(session)
    report = RolloutReport(
        level=level, parent_level=parent_level, areas=_count(session, "tier = 1"),
        created=created, parents_created=parents_created, moved=moved, reshaped=reshaped,
        unchanged=_count(session, "tier = 1 AND NOT created AND NOT moved AND NOT reshaped"),
        without_parent=tuple(session.execute(text(
            f"SELECT code FROM {STAGING} WHERE tier = 1 AND parent_area_id IS NULL "
            "ORDER BY code")).scalars()) if parent_level else (),
    )
    session.execute(text(f"DROP TABLE {STAGING}"))
    if report.changed_anything:  # a run that changes nothing writes nothing, not even this
        audit.record(session, actor.user_id if actor else None, "territories.rolled_out",
                     "territory", None, {
                         "level": level, "parent_level": parent_level, "under": under,
                         "areas": report.areas, "created": created,
                         "parents_created": parents_created, "moved": moved,
                         "reshaped": reshaped})
    return report


def _check(session: Session, level: str, parent_level: str | None, under: str | None,
           codes: Sequence[str] | None, timezone: str) -> int | None:
    """Refuse unknown levels, codes and parent; return the ``under`` territory's id."""
    known = set(session.execute(text("SELECT DISTINCT level FROM admin_areas")).scalars())
    for name in (level, parent_level):
        if name is not None and name not in known:
            raise UnknownLevel(
                f"There are no gazetteer areas of level {name!r}.",
                params={"level": name, "known": ", ".join(sorted(known)) or "—"},
                errors={"level" if name == level else "parent_level": [N_(
                    "No areas of level {level}; known levels: {known}.", level=name,
                    known=", ".join(sorted(known)) or "—")]})
    if timezone not in available_timezones():
        raise InvalidInput(f"Unknown IANA time zone {timezone!r}.", errors={
            "timezone": [N_("Unknown IANA time zone {zone}.", zone=repr(timezone))]})
    if parent_level == level:
        raise InvalidInput("An area's parent level must differ from its level.",
                           errors={"parent_level": [N_("Must differ from level.")]})
    if codes is not None:
        found = set(session.execute(text(
            "SELECT code FROM admin_areas WHERE level = :level AND code = ANY(:codes)"),
            {"level": level, "codes": list(codes)}).scalars())
        unknown = sorted(set(codes) - found)
        if unknown or not codes:
            raise InvalidInput(
                f"Unknown {level} codes: {', '.join(unknown) or '(none given)'}.",
                errors={"codes": [N_("Unknown code {code}.", code=code) for code in unknown[:50]]
                        or [N_("Give at least one code.")]})
    if under is None:
        return None
    under_id = session.execute(text("SELECT id FROM territories WHERE slug = :slug"),
                               {"slug": under}).scalar()
    if under_id is None:
        raise InvalidInput(f"No territory with the slug {under!r}.", errors={
            "under": [N_("No territory with the slug {slug}.", slug=under)]})
    return int(under_id)


def _stage(session: Session, level: str, parent_level: str | None,
           codes: Sequence[str] | None) -> None:
    """One staging row per selected area (tier 1) and per parent-level area above one (0)."""
    session.execute(text(f"DROP TABLE IF EXISTS {STAGING}"))
    session.execute(text(
        "CREATE TEMP TABLE rollout_areas (area_id integer PRIMARY KEY, tier integer NOT NULL, "
        "code text NOT NULL, slug text NOT NULL, "
        "parent_area_id integer, territory_id integer, parent_territory_id integer, "
        "created boolean NOT NULL DEFAULT false, moved boolean NOT NULL DEFAULT false, "
        "reshaped boolean NOT NULL DEFAULT false) ON COMMIT DROP"))
    params: dict[str, Any] = {"level": level, "parent_level": parent_level,
                              "codes": list(codes) if codes is not None else None}
    session.execute(text(f"""
        WITH RECURSIVE up (area_id, ancestor_id, steps) AS (
            SELECT a.id, a.parent_id, 1 FROM admin_areas a
            WHERE a.level = :level AND (CAST(:codes AS text[]) IS NULL OR a.code = ANY(:codes))
              AND CAST(:parent_level AS text) IS NOT NULL
          UNION ALL
            SELECT up.area_id, p.parent_id, up.steps + 1 FROM up
            JOIN admin_areas p ON p.id = up.ancestor_id
            WHERE p.level <> :parent_level AND up.steps < 16
        ), stored AS (  -- the nearest stored ancestor of the parent level, per area
            SELECT DISTINCT ON (up.area_id) up.area_id, p.id AS parent_area_id
            FROM up JOIN admin_areas p ON p.id = up.ancestor_id
            WHERE p.level = :parent_level ORDER BY up.area_id, up.steps
        )
        INSERT INTO {STAGING} (area_id, tier, code, slug, parent_area_id)
        SELECT a.id, 1, a.code, lower(regexp_replace(a.level || '-' || a.code,
                                                     '[^A-Za-z0-9]+', '-', 'g')),
               CASE WHEN CAST(:parent_level AS text) IS NOT NULL THEN coalesce(
                   stored.parent_area_id,
                   (SELECT p.id FROM admin_areas p WHERE p.level = :parent_level
                    AND ST_Intersects(p.geom, ST_PointOnSurface(a.geom))
                    ORDER BY p.code LIMIT 1)) END
        FROM admin_areas a LEFT JOIN stored ON stored.area_id = a.id
        WHERE a.level = :level AND (CAST(:codes AS text[]) IS NULL OR a.code = ANY(:codes))
    """), params)
    session.execute(text(f"""
        INSERT INTO {STAGING} (area_id, tier, code, slug)
        SELECT p.id, 0, p.code, lower(regexp_replace(p.level || '-' || p.code,
                                                     '[^A-Za-z0-9]+', '-', 'g'))
        FROM admin_areas p WHERE p.id IN (SELECT parent_area_id FROM {STAGING})
    """))
    session.execute(text(f"ANALYZE {STAGING}"))


def _find_mirrors(session: Session) -> None:
    """The territory already made of each staged area alone (the oldest if several)."""
    session.execute(text(f"""
        UPDATE {STAGING} s SET territory_id = m.territory_id FROM (
            SELECT ta.area_id, min(ta.territory_id) AS territory_id FROM territory_areas ta
            WHERE ta.area_id IN (SELECT area_id FROM {STAGING}) AND NOT EXISTS (
                SELECT 1 FROM territory_areas o
                WHERE o.territory_id = ta.territory_id AND o.area_id <> ta.area_id)
            GROUP BY ta.area_id) m
        WHERE m.area_id = s.area_id"""))


def _check_slugs(session: Session) -> None:
    """All or nothing: a slug held by a territory that is not the area's mirror stops it all."""
    taken = list(session.execute(text(f"""
        SELECT s.slug FROM {STAGING} s JOIN territories t ON t.slug = s.slug
        WHERE s.territory_id IS NULL ORDER BY s.slug""")).scalars())
    if taken:
        slugs = ", ".join(taken[:20]) + (" …" if len(taken) > 20 else "")
        raise SlugsTaken(
            f"Some slugs are taken by other territories: {slugs}.",
            params={"slugs": slugs, "count": len(taken)},
            errors={"slugs": [N_("Already taken: {slug}.", slug=slug) for slug in taken[:20]]})


def _place(session: Session, under_id: int | None) -> None:
    """Each area's new parent: its parent area's territory, else ``under`` (else unchanged)."""
    session.execute(text(f"""
        UPDATE {STAGING} s SET parent_territory_id = coalesce(p.territory_id, :under)
        FROM {STAGING} c LEFT JOIN {STAGING} p ON p.area_id = c.parent_area_id
        WHERE c.area_id = s.area_id AND c.tier = 1"""), {"under": under_id})


def _create(session: Session, tier: int, under_id: int | None, timezone: str, bar: Any) -> int:
    """Insert the tier's missing territories in chunks (the bar moves), then their areas."""
    if tier == 0:
        session.execute(text(f"UPDATE {STAGING} SET parent_territory_id = :under "
                             "WHERE tier = 0 AND territory_id IS NULL"), {"under": under_id})
    session.execute(text(f"""
        UPDATE {STAGING} s SET territory_id = n.id, created = true FROM (
            SELECT area_id, nextval('territories_id_seq') AS id FROM {STAGING}
            WHERE tier = :tier AND territory_id IS NULL ORDER BY code) n
        WHERE n.area_id = s.area_id"""), {"tier": tier})
    ids = list(session.execute(text(f"SELECT territory_id FROM {STAGING} WHERE tier = :tier "
                                    "AND created ORDER BY territory_id"), {"tier": tier})
               .scalars())
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        _insert_chunk(session, tier, chunk[0], chunk[-1], timezone)
        bar.update(len(chunk))
    session.execute(text(f"""
        INSERT INTO territory_areas (territory_id, area_id)
        SELECT territory_id, area_id FROM {STAGING} WHERE tier = :tier AND created"""),
        {"tier": tier})
    return len(ids)


def _insert_chunk(session: Session, tier: int, low: int, high: int, timezone: str) -> None:
    """Insert the staged territories with ids in [low, high]; a slug taken meanwhile is a 409."""
    kinds = ", ".join(f"'{kind}'" for kind in KINDS)
    try:
        session.execute(text(f"""
            INSERT INTO territories (id, slug, name, kind, parent_id, timezone, geom, geom_source)
            SELECT s.territory_id, s.slug, a.name || ' (' || a.code || ')',
                   (ARRAY[{kinds}])[least(coalesce(array_position(ARRAY[{kinds}], p.kind), 1)
                                          + 1, {len(KINDS)})],
                   s.parent_territory_id,
                   coalesce(CASE a.level
                       WHEN 'region' THEN CAST(:zones AS jsonb) ->> (
                           CAST(:regions AS jsonb) ->> a.code)
                       WHEN 'departement' THEN CAST(:zones AS jsonb) ->> a.code
                       WHEN 'commune' THEN CAST(:zones AS jsonb) ->> left(a.code, 3) END,
                       p.timezone, :timezone),
                   a.geom, 'composed'
            FROM {STAGING} s JOIN admin_areas a ON a.id = s.area_id
            LEFT JOIN territories p ON p.id = s.parent_territory_id
            WHERE s.territory_id BETWEEN :low AND :high AND s.created AND s.tier = :tier
        """), {"low": low, "high": high, "tier": tier, "timezone": timezone,
               "zones": _json(OVERSEAS_TIMEZONES), "regions": _json(OVERSEAS_REGIONS)})
    except IntegrityError as exc:  # another writer took a slug since _check_slugs
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        if constraint != SLUG_CONSTRAINT:
            raise
        raise SlugsTaken("A slug was taken while the roll-out ran.", params={
            "slugs": "…", "count": 1}, errors={"slugs": [N_(
                "A slug was taken while the roll-out ran: try again.")]}) from None


def _update_existing(session: Session) -> tuple[int, int]:
    """Move existing mirrors under their new parent; give them their area's current shape.

    What changes is marked in the staging table first, so that a run with nothing to change
    writes nothing to ``territories`` (and so does not bump the index version).
    """
    moved = _rowcount(session.execute(text(f"""
        UPDATE {STAGING} s SET moved = true FROM territories t
        WHERE t.id = s.territory_id AND s.tier = 1 AND NOT s.created
          AND s.parent_territory_id IS NOT NULL AND s.parent_territory_id <> t.id
          AND t.parent_id IS DISTINCT FROM s.parent_territory_id""")))
    reshaped = _rowcount(session.execute(text(f"""
        UPDATE {STAGING} s SET reshaped = true FROM territories t, admin_areas a
        WHERE t.id = s.territory_id AND a.id = s.area_id AND s.tier = 1 AND NOT s.created
          AND ST_AsEWKB(t.geom) IS DISTINCT FROM ST_AsEWKB(a.geom)""")))
    if moved or reshaped:
        session.execute(text(f"""
            UPDATE territories t SET
                parent_id = CASE WHEN s.moved THEN s.parent_territory_id ELSE t.parent_id END,
                geom = CASE WHEN s.reshaped THEN a.geom ELSE t.geom END,
                version = t.version + 1, updated_at = now()
            FROM {STAGING} s JOIN admin_areas a ON a.id = s.area_id
            WHERE t.id = s.territory_id AND (s.moved OR s.reshaped)"""))
    if moved:
        _refuse_cycles(session)
    return moved, reshaped


def _refuse_cycles(session: Session) -> None:
    """A move must not put a territory under its own descendant."""
    looped = session.execute(text("""
        WITH RECURSIVE walk (start, id, steps) AS (
            SELECT id, parent_id, 1 FROM territories WHERE parent_id IS NOT NULL
          UNION ALL
            SELECT w.start, t.parent_id, w.steps + 1 FROM walk w JOIN territories t ON t.id = w.id
            WHERE t.parent_id IS NOT NULL AND w.id <> w.start AND w.steps < 64)
        SELECT t.slug FROM walk w JOIN territories t ON t.id = w.start
        WHERE w.id = w.start LIMIT 1""")).scalar()
    if looped is not None:
        raise Conflict(f"The roll-out would place {looped!r} under one of its own descendants.",
                       params={"slug": looped},
                       errors={"parent_level": [N_("{slug} would be its own ancestor.",
                                                   slug=looped)]})


def _count(session: Session, where: str) -> int:
    return int(session.execute(text(f"SELECT count(*) FROM {STAGING} WHERE {where}")).scalar_one())


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def _json(mapping: dict[str, str]) -> str:
    return json.dumps(mapping)
