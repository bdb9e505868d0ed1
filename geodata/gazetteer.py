"""Gazetteer search: administrative areas by name or code, ignoring case and accents."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import case, func, literal, or_, select
from sqlalchemy.orm import Session

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
    query = (
        select(AdminArea.id, AdminArea.level, AdminArea.code, AdminArea.name,
               AdminArea.parent_id, rank, similarity)
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
                      parent_id=row.parent_id, rank=row.rank, similarity=float(row.similarity))
            for row in session.execute(query)]
