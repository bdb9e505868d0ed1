"""``relais db dump FILE`` and ``relais db restore FILE``: the whole database, both ways."""

from __future__ import annotations

from pathlib import Path

import click

from config.settings import Settings
from regions import migrate
from regions.db import make_engine
from service.backup import RESTART_NOTE, Target, dump, restore
from service.database import resolved_database


def _say(line: str) -> None:
    click.echo(line, err=True)  # progress on stderr, one line each: readable in any log


@click.command("dump")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def db_dump(settings: Settings, file: Path) -> None:
    """Write the whole database to FILE (pg_dump custom format), replacing FILE if it exists.

    Everything is in it: geometries, the audit trail, Page tokens and webhook secrets (still
    encrypted: restore where the same RELAIS_ENCRYPTION_KEY or secret key is set).
    """
    with resolved_database(settings) as resolved:
        target = Target.from_url(resolved.database_url or "")
        _say(f"Dumping {target.label} to {file} …")
        report = dump(target, file, _say)
        revision = _revision(resolved.database_url or "")
    click.echo(f"Wrote {report.path}: {report.tables} tables, {report.size / 1e6:.1f} MB, "
               f"schema at {revision or 'no migration'}.")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace everything a non-empty database holds with the dump.")
@click.pass_obj
def db_restore(settings: Settings, file: Path, force: bool) -> None:
    """Restore FILE (made by `relais db dump`) into the database, in one transaction.

    An empty database only, unless --force. Stop the service and workers first, and restart
    them afterwards: their map tile caches still hold the data from before.
    """
    with resolved_database(settings) as resolved:
        target = Target.from_url(resolved.database_url or "")
        _say(f"Restoring {file} into {target.label} …")
        report = restore(target, file, _say, force=force)
        revision, head = _revision(resolved.database_url or ""), migrate.head_revision()
    replaced = " (its previous content replaced)" if report.replaced else ""
    click.echo(f"Restored {report.tables} tables into {target.label}{replaced}; schema at "
               f"{revision or 'no migration'}.")
    if revision != head:
        click.echo(f"This Relais is at migration {head}: `relais db migrate` (or the next "
                   "start) brings the restored schema up to it.")
    click.echo(RESTART_NOTE)


def _revision(database_url: str) -> str | None:
    engine = make_engine(database_url)
    try:
        return migrate.current_revision(engine)
    finally:
        engine.dispose()
