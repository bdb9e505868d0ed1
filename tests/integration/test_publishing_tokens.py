"""Page tokens at rest: Fernet with a configured key, a derived key outside production only."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from regions.publishing.page_tokens import (
    EncryptionKeyMissing,
    TokenUnreadable,
    cipher_for,
    token_hint,
)

TOKEN = "EAAPage-token-at-rest-s3cret"
SECRET = "a-development-secret-key-long-enough-0123456789"


def test_a_configured_key_encrypts_and_the_ciphertext_hides_the_token():
    cipher = cipher_for(Fernet.generate_key().decode(), SECRET, production=True)
    stored = cipher.encrypt(TOKEN)
    assert TOKEN.encode() not in stored and cipher.decrypt(stored) == TOKEN
    assert repr(cipher) == "TokenCipher(ready=True)"


def test_without_a_key_development_derives_a_stable_key_from_the_secret():
    stored = cipher_for(None, SECRET, production=False).encrypt(TOKEN)
    assert cipher_for(None, SECRET, production=False).decrypt(stored) == TOKEN
    with pytest.raises(TokenUnreadable):
        cipher_for(None, SECRET + "-changed", production=False).decrypt(stored)


def test_production_without_a_key_refuses_with_a_clear_sentence():
    cipher = cipher_for(None, SECRET, production=True)
    with pytest.raises(EncryptionKeyMissing, match="RELAIS_ENCRYPTION_KEY must be set"):
        cipher.encrypt(TOKEN)


def test_keys_rotate_the_first_encrypts_and_every_one_decrypts():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored_with_old = cipher_for(old, SECRET, production=True).encrypt(TOKEN)
    rotated = cipher_for(f"{new},{old}", SECRET, production=True)
    assert rotated.decrypt(stored_with_old) == TOKEN
    assert cipher_for(new, SECRET, production=True).decrypt(rotated.encrypt(TOKEN)) == TOKEN


def test_a_malformed_key_is_refused():
    with pytest.raises(EncryptionKeyMissing, match="not a valid Fernet key"):
        cipher_for("not-a-key", SECRET, production=False)


def test_the_hint_shows_only_the_last_characters_of_long_tokens():
    assert token_hint(TOKEN) == "…" + TOKEN[-4:]
    assert token_hint("short") == "…"
