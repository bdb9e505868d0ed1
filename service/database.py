"""Which database Relais uses: ``DATABASE_URL`` when set, else its embedded cluster."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url

from config.settings import Settings
from regions.db import normalise_url
from service.pgcluster import ClusterError, EmbeddedPostgres


def embedded_cluster(settings: Settings) -> EmbeddedPostgres:
    """The embedded cluster described by the settings."""
    return EmbeddedPostgres(settings.pg_data_dir, tcp_port=settings.embedded_pg_port)


@contextmanager
def resolved_database(settings: Settings, *, keep_running: bool = False) -> Iterator[Settings]:
    """Settings with a database URL; starts (and later stops) the embedded cluster if needed."""
    if settings.database_url:
        url = normalise_url(settings.database_url)
        check_reachable(url)
        yield settings.with_changes(database_url=url)
        return
    cluster = embedded_cluster(settings)
    cluster.start()
    try:
        yield settings.with_changes(database_url=cluster.url())
    finally:
        if cluster.started_by_us and not keep_running:
            cluster.stop()


def check_reachable(url: str) -> None:
    """Connect once, turning any failure into one clear sentence (never with the password)."""
    parsed = make_url(url)
    where = f"{parsed.host or 'local socket'}:{parsed.port or 5432}/{parsed.database or ''}"
    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(conninfo, connect_timeout=5) as conn:
            has_postgis = conn.execute(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
            ).fetchone()
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else "no answer"
        reason = reason.replace(parsed.password or "\0", "***")
        raise ClusterError(f"Cannot connect to the database at {where}: {reason}") from None
    if not has_postgis:
        raise ClusterError(
            f"PostGIS is not installed on the server at {where}: install it there "
            "(on Debian: apt-get install postgresql-15-postgis-3, matching the server version)."
        )
