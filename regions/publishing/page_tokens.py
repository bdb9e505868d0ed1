"""Page tokens at rest: Fernet encryption with a configured key, or one derived for development.

``RELAIS_ENCRYPTION_KEY`` holds one or more Fernet keys separated by commas: the first
encrypts, every one decrypts, so a key can be rotated without losing stored tokens. Outside
production, with no key, a key is derived from the secret key with HKDF-SHA256 (stable as long
as the secret key is); production without a key refuses to store or read tokens.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from regions.errors import Conflict, RegionsError

HKDF_INFO = b"relais page tokens v1"
HINT_LENGTH = 4


class EncryptionKeyMissing(RegionsError):
    """Production has no encryption key: Page tokens cannot be stored or read."""

    code = "publishing.encryption_key_missing"


class TokenUnreadable(Conflict):
    """A stored token cannot be decrypted: the key changed; reconnect the Page."""

    code = "publishing.token_unreadable"


class TokenCipher:
    """Encrypts and decrypts Page tokens; its repr never shows a key."""

    def __init__(self, keys: list[bytes] | None, *, refusal: str | None = None) -> None:
        self._fernet = MultiFernet([Fernet(key) for key in keys]) if keys else None
        self._refusal = refusal

    def __repr__(self) -> str:
        return f"TokenCipher(ready={self._fernet is not None})"

    def _ready(self) -> MultiFernet:
        if self._fernet is None:
            raise EncryptionKeyMissing(self._refusal or "No encryption key is configured.")
        return self._fernet

    def encrypt(self, token: str) -> bytes:
        """The ciphertext to store."""
        return self._ready().encrypt(token.encode())

    def decrypt(self, ciphertext: bytes) -> str:
        """The token, or TokenUnreadable when no configured key opens it."""
        try:
            return self._ready().decrypt(bytes(ciphertext)).decode()
        except InvalidToken:
            raise TokenUnreadable(
                "The stored Page token cannot be decrypted (the encryption key changed): "
                "connect the Page again with a fresh token."
            ) from None


def derive_key(secret_key: str) -> bytes:
    """A Fernet key derived from the application secret (development and tests only)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(raw)


def cipher_for(encryption_key: str | None, secret_key: str, *, production: bool) -> TokenCipher:
    """The cipher the settings describe (see the module docstring)."""
    if encryption_key:
        keys = [part.strip().encode() for part in encryption_key.split(",") if part.strip()]
        try:
            return TokenCipher(keys)
        except ValueError:
            raise EncryptionKeyMissing(
                "RELAIS_ENCRYPTION_KEY is not a valid Fernet key (32 url-safe base64 bytes; "
                "generate one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')."
            ) from None
    if production:
        return TokenCipher(None, refusal=(
            "RELAIS_ENCRYPTION_KEY must be set in production to store Facebook Page tokens "
            "(generate one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        ))
    return TokenCipher([derive_key(secret_key)])


def token_hint(token: str) -> str:
    """The last characters of a token, enough for a person to tell two tokens apart."""
    return "…" + token[-HINT_LENGTH:] if len(token) > 3 * HINT_LENGTH else "…"
