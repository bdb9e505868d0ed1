"""Compiled templates, kept per process and keyed by what makes a version unchangeable.

Compiling a template with the charter (≈200 terms in one RE2 pattern, the rules' patterns)
costs milliseconds; validating a post with the result costs far less. The dry run and every
submission used to read both versions' JSON documents and serialise them again to find the
compiled template by content. Here one query answers which versions apply (ids and the moments
that pin them) and the documents are read only when that pair was never compiled in this
process (decision 0027).

Why a key never serves a stale version: a *published* template version and a charter version
never change (database triggers refuse it), and the key holds the version's id together with
the moment it was published (the charter version's moment of creation). A new publication or
charter is a new id, so a new key. The moments make a key unique across databases too: a
process that talks to two databases (tests, benchmarks) cannot mistake one's version 3 for the
other's. A *draft* version can still change: it is keyed by its content, as before.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from threading import Lock
from typing import Any

from sqlalchemy import Select, bindparam, select, true
from sqlalchemy.orm import Session

from editorial import CompiledTemplate, charter_from_dict, compile_template, template_from_dict
from regions.db import Reading, driver_sql, read_later
from regions.models import CharterVersion, TemplateRecord, TemplateVersion
from regions.patterns import ENGINE as PATTERNS

CACHE_SIZE = 64  # compiled templates per process: each holds its own charter pattern


class CompiledCache:
    """A bounded least-recently-used map of compiled templates, safe across threads.

    Compiling happens outside the lock, so a slow compile never holds up the other threads;
    two threads missing the same key at once both compile it and the second result is kept
    (they are equal: compiling is deterministic).
    """

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, CompiledTemplate] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Hashable, build: Callable[[], CompiledTemplate]) -> CompiledTemplate:
        """The entry of ``key``, built (and kept, dropping the least recently used) if missing."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        compiled = build()
        with self._lock:
            self._entries[key] = compiled
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return compiled

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()


CACHE = CompiledCache()  # published versions: what submissions and dry runs follow
# Drafts and the editor's live previews, apart: a desk typing in the editor compiles a new
# content at every pause, and must not push the published versions out.
DRAFTS = CompiledCache()


@dataclass(frozen=True, slots=True)
class CharterRef:
    """The current charter version, without its document."""

    id: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class VersionRef:
    """A template version without its document: what picks the compiled template."""

    id: int
    number: int
    published_at: datetime | None


def current_charter_subquery() -> Any:
    """The newest charter version's id and moment, as a LATERAL subquery to join on true."""
    return (select(CharterVersion.id, CharterVersion.created_at)
            .order_by(CharterVersion.number.desc()).limit(1).lateral("charter"))


def charter_ref(row_id: int | None, created_at: datetime | None) -> CharterRef | None:
    """A charter reference from a row's columns (None when there is no charter yet)."""
    return CharterRef(row_id, created_at) if row_id is not None and created_at else None


def _template_query(wanted: Any) -> Select[Any]:
    version = (select(TemplateVersion.id, TemplateVersion.number, TemplateVersion.published_at)
               .where(TemplateVersion.template_id == TemplateRecord.id, wanted)
               .order_by(TemplateVersion.number.desc()).limit(1).lateral("version"))
    charter = current_charter_subquery()
    return (select(TemplateRecord.archived_at, version.c.id, version.c.number,
                   version.c.published_at, charter.c.id, charter.c.created_at)
            .select_from(TemplateRecord).outerjoin(version, true()).outerjoin(charter, true())
            .where(TemplateRecord.key == bindparam("key")))


# Built once: a statement built per request costs more Python time than PostgreSQL takes.
# Driver SQL, so that the dry run's read can ride along with the token's (``read_later``).
_NEWEST_PUBLISHED = driver_sql(_template_query(TemplateVersion.published_at.is_not(None)))
_BY_NUMBER = driver_sql(_template_query(TemplateVersion.number == bindparam("number")))


# Plain SQL, so that it rides with a submission's other reads (``regions.db.read_later``).
_REFS_OF_VERSION = """
SELECT v.number, v.published_at, c.id, c.created_at
FROM template_versions v
LEFT JOIN LATERAL (SELECT id, created_at FROM charter_versions ORDER BY number DESC LIMIT 1) c
       ON true
WHERE v.id = %(version_id)s"""


def refs_for_version_later(session: Session, version_id: int
                           ) -> Callable[[], tuple[VersionRef, CharterRef | None]]:
    """A template version's reference and the current charter's, read with the next read."""
    rows = read_later(session, _REFS_OF_VERSION, {"version_id": version_id})

    def refs() -> tuple[VersionRef, CharterRef | None]:
        number, published_at, charter_id, charter_created_at = rows()[0]
        return (VersionRef(version_id, number, published_at),
                charter_ref(charter_id, charter_created_at))

    return refs


def template_refs_later(source: Session | Reading, key: str, number: int | None
                        ) -> Callable[[], tuple[Any, ...] | None]:
    """Queue the read of a template's row of references; the function gives the row.

    The read goes with the session's next ``read`` (the caller's authentication: one round
    trip for both), or alone when the function is called first. The row is None when there
    is no template ``key``. Columns: archived_at, the version's id, number and published_at,
    the current charter's id and created_at. Without ``number`` the version is the newest
    published one; with it, that version even a draft. A missing version gives NULL columns.
    """
    sql, params = _NEWEST_PUBLISHED if number is None else _BY_NUMBER
    # One template per key, one version and one charter each: one row at most.
    rows = read_later(source, sql, {**params, "key": key, "number": number}, one_row=True)

    def row() -> tuple[Any, ...] | None:
        found = rows()
        return found[0] if found else None

    return row


def _session(source: Session | Reading) -> Session:
    """The ORM session to read documents with (a ``Reading`` makes its own only then)."""
    return source.session if isinstance(source, Reading) else source


def _charter_data(source: Session | Reading, charter: CharterRef | None
                  ) -> dict[str, Any] | None:
    if charter is None:
        return None
    return _session(source).scalar(
        select(CharterVersion.data).where(CharterVersion.id == charter.id))


def _compile(template_data: dict[str, Any], charter_data: dict[str, Any] | None
             ) -> CompiledTemplate:
    charter = charter_from_dict(charter_data, patterns=PATTERNS) if charter_data else None
    template = template_from_dict(template_data, patterns=PATTERNS)
    return compile_template(template, charter, patterns=PATTERNS)


def compiled_data(session: Session | Reading, template_data: dict[str, Any],
                  charter: CharterRef | None) -> CompiledTemplate:
    """A template given by its document (a draft, a preview), with the charter: keyed by content."""
    key = ("content", json.dumps(template_data, sort_keys=True),
           (charter.id, charter.created_at) if charter else None)
    return DRAFTS.get(key, lambda: _compile(template_data, _charter_data(session, charter)))


def compiled_version(session: Session | Reading, version: VersionRef,
                     charter: CharterRef | None, *, data: dict[str, Any] | None = None
                     ) -> CompiledTemplate:
    """A stored version compiled with the charter; its document is read only when needed.

    ``data``: the version's document when the caller already holds it.
    """
    if version.published_at is None:  # a draft may still change: keyed by its content
        if data is None:
            data = _session(session).scalar(
                select(TemplateVersion.data).where(TemplateVersion.id == version.id))
        assert data is not None
        return compiled_data(session, data, charter)
    key = ("published", version.id, version.published_at,
           (charter.id, charter.created_at) if charter else None)

    def build() -> CompiledTemplate:
        document = data if data is not None else _session(session).scalar(
            select(TemplateVersion.data).where(TemplateVersion.id == version.id))
        assert document is not None
        return _compile(document, _charter_data(session, charter))

    return CACHE.get(key, build)
