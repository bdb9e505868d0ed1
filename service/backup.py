"""Backup and restore of a whole Relais database with pg_dump / pg_restore (custom format).

A dump holds everything: the schema and its migration revision, geometries, the audit trail,
encrypted Page tokens and webhook secrets (still encrypted: restore them where the same
RELAIS_ENCRYPTION_KEY, or secret key, is configured). It is written to a temporary file first
and renamed once complete, so a failed dump never leaves a truncated FILE behind.

A restore runs in one transaction: ``pg_restore`` turns the dump into SQL that ``psql``
applies with ``--single-transaction``, so a failure leaves the database as it was. It is
refused on a database that already holds tables, unless forced; forced, the ``public``
schema is dropped and made again first (in the same transaction), so the result is the dump and
nothing else. Both print one progress line per table, on a terminal or not.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psycopg
from sqlalchemy.engine import make_url

from service.pgcluster import ClusterError, find_pg_bindir

Progress = Callable[[str], None]
TABLE_LINE = re.compile(r'(?:dumping contents of|processing data for) table "?([^"]+)"?')
USER_TABLES = """
SELECT n.nspname || '.' || c.relname FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1
"""
SRS_CLOSED = ("SELECT to_regclass('public.spatial_ref_sys') IS NOT NULL AND NOT "
              "has_table_privilege('public.spatial_ref_sys', 'INSERT')")
SRS_DATA = " TABLE DATA public spatial_ref_sys "
EXTENSION_TABLES = "SELECT count(*) FROM pg_extension, unnest(extconfig)"  # e.g. spatial_ref_sys
REPLACE_PUBLIC = "DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"
RESTART_NOTE = ("Restart the Relais service and every `relais worker` now: their map tile "
                "caches and open connections still hold the data from before the restore.")


class BackupError(ClusterError):
    """A dump or restore cannot be done; the message is one sentence for a person."""


@dataclass(frozen=True, slots=True)
class Target:
    """How the client programs reach one database: a libpq URI and the password apart."""

    uri: str
    password: str | None
    label: str

    @classmethod
    def from_url(cls, database_url: str) -> Target:
        """From a SQLAlchemy URL (the password goes to PGPASSWORD, never on a command line)."""
        url = make_url(database_url)
        where = url.query.get("host") or url.host or "local socket"
        return cls(uri=url.set(drivername="postgresql", password=None)
                   .render_as_string(hide_password=False),
                   password=url.password, label=f"{url.database} on {where}")

    def env(self) -> dict[str, str]:
        """The client programs' environment."""
        env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        """A psycopg connection (the password passed apart, as to the client programs)."""
        return psycopg.connect(self.uri, connect_timeout=10, password=self.password)


@dataclass(frozen=True, slots=True)
class DumpReport:
    """What a dump wrote."""

    path: Path
    tables: int
    size: int


@dataclass(frozen=True, slots=True)
class RestoreReport:
    """What a restore did."""

    tables: int
    replaced: bool


def user_tables(target: Target) -> list[str]:
    """The database's own tables (not PostgreSQL's, not those of extensions like PostGIS)."""
    with target.connect() as conn:
        return [str(row[0]) for row in conn.execute(USER_TABLES)]


def tables_to_dump(target: Target) -> int:
    """How many tables pg_dump writes data for: the database's own and extensions' settings."""
    with target.connect() as conn:
        extension_tables = conn.execute(EXTENSION_TABLES).fetchone()
        own_tables = conn.execute(USER_TABLES).fetchall()
    return len(own_tables) + (int(extension_tables[0]) if extension_tables else 0)


def _tool(name: str) -> str:
    path = find_pg_bindir() / name
    if not path.exists():
        raise BackupError(f"{name} is not installed: run `apt-get install postgresql-client`.")
    return str(path)


def _last_error(lines: list[str]) -> str:
    errors = [line for line in lines if "error" in line.lower() or "fatal" in line.lower()]
    last = (errors or lines or ["no output"])[-1].strip()
    return re.sub(r"^(pg_dump|pg_restore|psql)(:[^:]*:\d+)?: (error: |ERROR: |FATAL: )?", "",
                  last)


def _follow(stream: Iterable[str], total: int, progress: Progress, kept: list[str]) -> int:
    """Print a line per table the tool's --verbose output names; keep the rest for errors."""
    done = 0
    for line in stream:
        match = TABLE_LINE.search(line)
        if match:
            done += 1
            progress(f"[{done}/{max(total, done)}] {match.group(1)}")
        else:
            kept.append(line)
    return done


def dump(target: Target, path: Path, progress: Progress) -> DumpReport:
    """Write the whole database to ``path`` (pg_dump, custom format), a line per table."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.unlink(missing_ok=True)
        partial.touch(mode=0o600)  # password hashes and encrypted tokens: for the owner only
    except OSError as exc:
        raise BackupError(f"Cannot write {path}: {exc.strerror or exc}.") from None
    command = [_tool("pg_dump"), "--format=custom", "--verbose", "--no-password",
               f"--file={partial}", f"--dbname={target.uri}"]
    kept: list[str] = []
    try:
        total = tables_to_dump(target)
        with subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              text=True, env=target.env()) as process:
            assert process.stderr is not None
            tables = _follow(process.stderr, total, progress, kept)
        if process.returncode != 0:
            raise BackupError(f"pg_dump failed for {target.label}: {_last_error(kept)}")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return DumpReport(path=path, tables=tables, size=path.stat().st_size)


def table_of_contents(path: Path) -> list[str]:
    """The dump's entries, one line each (``pg_restore --list``)."""
    listed = subprocess.run([_tool("pg_restore"), "--list", str(path)], capture_output=True,
                            text=True)
    if listed.returncode != 0:
        reason = _last_error(listed.stderr.splitlines())
        raise BackupError(f"{path} is not a Relais dump (pg_dump custom format): {reason}")
    return listed.stdout.splitlines()


def restorable(contents: list[str]) -> list[str]:
    """The entries to restore: all but comments on extensions.

    Only an extension's owner (a superuser, for PostGIS) may comment on it, so on a server
    where Relais' role is not one, ``COMMENT ON EXTENSION postgis`` would fail the restore;
    the comment is PostGIS' own description anyway, set again when the extension is created.
    """
    return [line for line in contents if " COMMENT - EXTENSION " not in line]


def restore(target: Target, path: Path, progress: Progress, *, force: bool) -> RestoreReport:
    """Restore a dump in one transaction; refuse a database with tables unless ``force``."""
    if not path.is_file():
        raise BackupError(f"No dump file {path}.")
    contents = restorable(table_of_contents(path))
    existing = user_tables(target)
    if not existing and _srs_closed(target):
        contents = [line for line in contents if SRS_DATA not in line]
        progress("PostGIS was installed by another role: its spatial_ref_sys table is left as "
                 "it is (Relais uses only the standard coordinate systems it ships).")
    total = sum(1 for line in contents if " TABLE DATA " in line)
    if existing and not force:
        raise BackupError(
            f"The database {target.label} is not empty ({len(existing)} tables, such as "
            f"{existing[0]}): restore into an empty database, or add --force to replace "
            "everything it holds with the dump.")
    with tempfile.NamedTemporaryFile("w", suffix=".list") as chosen:
        chosen.write("\n".join(contents) + "\n")
        chosen.flush()
        with _restoring(target, path, Path(chosen.name),
                        prelude=REPLACE_PUBLIC if existing else "") as (messages, kept):
            tables = _follow(messages, total, progress, kept)
    return RestoreReport(tables=tables, replaced=bool(existing))


def _srs_closed(target: Target) -> bool:
    """Whether PostGIS exists and the role may not write its coordinate systems table."""
    with target.connect() as conn:
        row = conn.execute(SRS_CLOSED).fetchone()
        return bool(row and row[0])


@contextmanager
def _restoring(target: Target, path: Path, contents: Path, *, prelude: str
               ) -> Iterator[tuple[Iterable[str], list[str]]]:
    """pg_restore's SQL (the entries listed in ``contents``) piped into one psql transaction."""
    reader = subprocess.Popen(
        [_tool("pg_restore"), "--verbose", "--file=-", "--no-owner", "--no-privileges",
         f"--use-list={contents}", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    psql_errors = tempfile.TemporaryFile()  # never a pipe nobody reads while psql runs
    writer = subprocess.Popen(
        [_tool("psql"), "--quiet", "--no-psqlrc", "--no-password", "--single-transaction",
         "--set=ON_ERROR_STOP=1", f"--dbname={target.uri}", "--file=-"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_errors,
        env=target.env())
    assert reader.stdout and reader.stderr and writer.stdin
    pump = threading.Thread(target=_pump, args=(prelude.encode(), reader.stdout, writer.stdin),
                            daemon=True)
    pump.start()
    kept: list[str] = []
    try:
        yield _text(reader.stderr), kept
    finally:
        pump.join()
        reader.wait()
        writer.wait()
        reader.stderr.close()
        psql_errors.seek(0)
        said = psql_errors.read().decode(errors="replace").splitlines()
        psql_errors.close()
    if writer.returncode != 0:  # first: when psql stops, pg_restore fails on a closed pipe
        raise BackupError(f"The restore into {target.label} failed and changed nothing: "
                          f"{_last_error(said)}")
    if reader.returncode != 0:
        raise BackupError(f"pg_restore cannot read {path}: {_last_error(kept)}")


def _text(stream: IO[bytes]) -> Iterator[str]:
    for raw in stream:
        yield raw.decode(errors="replace")


def _pump(prelude: bytes, source: IO[bytes], sink: IO[bytes]) -> None:
    """Copy the prelude then pg_restore's SQL into psql; stop quietly if psql gave up."""
    try:
        sink.write(prelude)
        shutil.copyfileobj(source, sink, 1 << 16)
    except BrokenPipeError:
        pass
    finally:
        source.close()
        try:
            sink.close()
        except BrokenPipeError:
            pass
