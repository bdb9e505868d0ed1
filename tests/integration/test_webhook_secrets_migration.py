"""Migration 0009: stored webhook secrets move to encrypted form, and back on downgrade."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from regions import migrate
from regions.db import make_engine
from regions.errors import RegionsError
from regions.publishing.page_tokens import cipher_for
from tests.conftest import _fresh_database_on

REVISION = "0009"


@pytest.fixture()
def before_0009(database_url):
    """A fresh database at the revision before 0009, holding one plaintext webhook secret."""
    url, drop = _fresh_database_on(database_url)
    engine = make_engine(url)
    previous = ScriptDirectory.from_config(migrate.alembic_config()).get_revision(
        REVISION).down_revision
    migrate.upgrade(engine, str(previous))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO webhook_endpoints (url, secret, events) VALUES "
                          "('https://93.184.215.14/h', 'plain-secret-123', '{post.failed}')"))
    yield engine, str(previous)
    engine.dispose()
    drop()


def test_existing_secrets_are_encrypted_and_decrypted_back_on_downgrade(before_0009):
    engine, previous = before_0009
    cipher = cipher_for(None, "migration-secret", production=False)
    migrate.upgrade(engine, REVISION, cipher=cipher)
    with engine.connect() as conn:
        stored = bytes(conn.scalar(text("SELECT secret_ciphertext FROM webhook_endpoints")))
        columns = set(conn.scalars(text(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'webhook_endpoints'")))
    assert b"plain-secret-123" not in stored
    assert cipher.decrypt(stored) == "plain-secret-123"
    assert "secret" not in columns

    migrate.downgrade(engine, previous, cipher=cipher)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT secret FROM webhook_endpoints")) == "plain-secret-123"


def test_without_the_key_the_migration_stops_and_changes_nothing(before_0009):
    engine, previous = before_0009
    with pytest.raises(RegionsError, match="relais db migrate"):
        migrate.upgrade(engine, REVISION)
    assert migrate.current_revision(engine) == previous
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT secret FROM webhook_endpoints")) == "plain-secret-123"
