"""Webhook signing secrets encrypted at rest, with the Page tokens' key (Fernet).

Existing plaintext secrets are encrypted here, so the migration needs the cipher: Relais'
commands pass it (``migrate.upgrade(engine, cipher=...)``, built from RELAIS_ENCRYPTION_KEY or
derived from the secret key outside production). With endpoints to convert and no cipher, the
migration stops before changing anything. Downgrading decrypts them back.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 11:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context, op

from regions.errors import RegionsError

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

ENDPOINTS = sa.table("webhook_endpoints", sa.column("id", sa.Integer),
                     sa.column("secret", sa.String), sa.column("secret_ciphertext", sa.LargeBinary))


def _cipher() -> Any:
    cipher = context.config.attributes.get("cipher")
    if cipher is None:
        raise RegionsError(
            "Stored webhook secrets must be converted with the encryption key: run "
            "`relais db migrate` (it reads RELAIS_ENCRYPTION_KEY).")
    return cipher


def upgrade() -> None:
    """Add the ciphertext column, encrypt every secret into it, drop the plaintext."""
    op.add_column("webhook_endpoints", sa.Column("secret_ciphertext", sa.LargeBinary(),
                                                 nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(ENDPOINTS.c.id, ENDPOINTS.c.secret)).all()
    if rows:
        cipher = _cipher()
        for endpoint_id, secret in rows:
            bind.execute(ENDPOINTS.update().where(ENDPOINTS.c.id == endpoint_id)
                         .values(secret_ciphertext=cipher.encrypt(secret)))
    op.alter_column("webhook_endpoints", "secret_ciphertext", nullable=False)
    op.drop_column("webhook_endpoints", "secret")


def downgrade() -> None:
    """Decrypt the secrets back into a plaintext column."""
    op.add_column("webhook_endpoints", sa.Column("secret", sa.String(length=128), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(ENDPOINTS.c.id, ENDPOINTS.c.secret_ciphertext)).all()
    if rows:
        cipher = _cipher()
        for endpoint_id, ciphertext in rows:
            bind.execute(ENDPOINTS.update().where(ENDPOINTS.c.id == endpoint_id)
                         .values(secret=cipher.decrypt(ciphertext)))
    op.alter_column("webhook_endpoints", "secret", nullable=False)
    op.drop_column("webhook_endpoints", "secret_ciphertext")
