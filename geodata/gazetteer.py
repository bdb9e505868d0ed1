"""Gazetteer search: administrative areas by name or code, ignoring case and accents."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import case, func, literal, or_, select, text
from sqlalchemy.orm import Session, aliased

from regions.models.territories import AdminArea

# Letters that Unicode does not decompose into a base letter plus an accent.
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ı": "i"})
NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class AreaMatch:
    """One gazetteer area found by a search, best first (``rank`` 0 = exact, 1 = prefix…)."""

    id: int
    level: str
    code: str
    name: str
    parent_id: int | None
    rank: int
    similarity: float
    parent_level: str | None = None
    parent_code: str | None = None


def fold_for_search(text: str) -> str:
    """Lowercase, accents removed, hyphens/apostrophes/punctuation as spaces, spaces collapsed.

    'Île-de-France' → 'ile de france'; "Villeneuve-d'Ascq" → 'villeneuve d ascq'.
    """
    lowered = text.casefold().translate(LIGATURES)
    decomposed = unicodedata.normalize("NFKD", lowered)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return NOT_ALPHANUMERIC.sub(" ", bare).strip()


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def search_areas(
    session: Session, text: str, *, level: str | None = None, limit: int = 20
) -> list[AreaMatch]:
    """Areas whose folded name or code matches ``text``, best first.

    Order: exact name or code, then name or code prefix, then a word of the name starting
    with it, then trigram-similar names (pg_trgm); within each group by similarity.
    """
    folded = fold_for_search(text)
    if not folded:
        return []
    code = func.lower(AdminArea.code)
    prefix, word_prefix = _like_prefix(folded), "% " + _like_prefix(folded)
    rank = case(
        (or_(AdminArea.search_name == folded, code == folded), 0),
        (or_(AdminArea.search_name.like(prefix, escape="\\"),
             code.like(prefix, escape="\\")), 1),
        (AdminArea.search_name.like(word_prefix, escape="\\"), 2),
        else_=3,
    ).label("rank")
    similarity = func.similarity(AdminArea.search_name, literal(folded)).label("similarity")
    parent = aliased(AdminArea)
    query = (
        select(AdminArea.id, AdminArea.level, AdminArea.code, AdminArea.name,
               AdminArea.parent_id, rank, similarity, parent.level.label("parent_level"),
               parent.code.label("parent_code"))
        .outerjoin(parent, parent.id == AdminArea.parent_id)
        .where(or_(
            code.like(prefix, escape="\\"),
            AdminArea.search_name.like(prefix, escape="\\"),
            AdminArea.search_name.like(word_prefix, escape="\\"),
            AdminArea.search_name.op("%")(folded),
        ))
        .order_by(rank, similarity.desc(), AdminArea.name, AdminArea.level, AdminArea.code)
        .limit(max(1, min(limit, MAX_LIMIT)))
    )
    if level is not None:
        query = query.where(AdminArea.level == level)
    return [AreaMatch(id=row.id, level=row.level, code=row.code, name=row.name,
                      parent_id=row.parent_id, rank=row.rank, similarity=float(row.similarity),
                      parent_level=row.parent_level, parent_code=row.parent_code)
            for row in session.execute(query)]


@dataclass(frozen=True, slots=True)
class AreaListing:
    """A gazetteer area in a listing: its parent by id and code, and its territory if any."""

    id: int
    level: str
    code: str
    name: str
    parent_id: int | None
    parent_level: str | None
    parent_code: str | None
    territory_id: int | None  # the territory made of this area alone (a roll-out's), if any


_LISTING = """
SELECT a.id, a.level, a.code, a.name, a.parent_id, p.level AS parent_level,
       p.code AS parent_code, m.territory_id, count(*) OVER () AS total
FROM admin_areas a
LEFT JOIN admin_areas p ON p.id = a.parent_id
LEFT JOIN LATERAL (
    SELECT min(ta.territory_id) AS territory_id FROM territory_areas ta
    WHERE ta.area_id = a.id AND NOT EXISTS (
        SELECT 1 FROM territory_areas o
        WHERE o.territory_id = ta.territory_id AND o.area_id <> a.id)) m ON true
WHERE (CAST(:level AS text) IS NULL OR a.level = :level)
  AND (CAST(:parent_id AS integer) IS NULL OR a.parent_id = :parent_id)
  AND (CAST(:parent_code AS text) IS NULL OR p.code = :parent_code)
  AND (CAST(:parent_level AS text) IS NULL OR p.level = :parent_level)
ORDER BY a.level, a.code
LIMIT :limit OFFSET :offset
"""


def list_areas(
    session: Session, *, level: str | None = None, parent_id: int | None = None,
    parent_code: str | None = None, parent_level: str | None = None,
    offset: int = 0, limit: int = 100,
) -> tuple[list[AreaListing], int]:
    """Areas by level and parent (by id, or by code and level), ordered by level and code.

    Returns one page and the total number of matching areas.
    """
    rows = session.execute(text(_LISTING), {
        "level": level, "parent_id": parent_id, "parent_code": parent_code,
        "parent_level": parent_level, "offset": offset, "limit": limit}).all()
    total = int(rows[0].total) if rows else (
        _count(session, level, parent_id, parent_code, parent_level) if offset else 0)
    return [AreaListing(row.id, row.level, row.code, row.name, row.parent_id, row.parent_level,
                        row.parent_code, row.territory_id) for row in rows], total


def _count(session: Session, level: str | None, parent_id: int | None,
           parent_code: str | None, parent_level: str | None) -> int:
    """The total for a page past the end (the listing's window count has no row to ride on)."""
    query = _LISTING.replace("LIMIT :limit OFFSET :offset", "")
    return int(session.execute(text(f"SELECT count(*) FROM ({query}) AS listing"), {
        "level": level, "parent_id": parent_id, "parent_code": parent_code,
        "parent_level": parent_level}).scalar_one())
