"""Run and inspect Alembic migrations programmatically (CLI, readiness probe, tests)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from regions.publishing.page_tokens import TokenCipher

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic config pointing at Relais' migrations; bound to ``engine`` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.set_main_option(
            "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
        )
    return config


def head_revision() -> str | None:
    """The newest revision shipped with this code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None when never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head", *, cipher: TokenCipher | None = None
            ) -> None:
    """Bring the schema to ``revision``; running it again changes nothing.

    ``cipher`` encrypts stored secrets that a migration moves to encrypted form (webhooks).
    """
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        config.attributes["cipher"] = cipher
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str, *, cipher: TokenCipher | None = None) -> None:
    """Take the schema back to ``revision``."""
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        config.attributes["cipher"] = cipher
        command.downgrade(config, revision)


def check(engine: Engine) -> None:
    """Raise if the models and the migrated schema differ (``alembic check``)."""
    with engine.connect() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.check(config)
