"""Publishing collaborators built from settings, shared by the API and the worker command."""

from __future__ import annotations

from config.settings import Settings
from regions.publishing.graph import GraphClient
from regions.publishing.page_tokens import TokenCipher, cipher_for


def token_cipher(settings: Settings) -> TokenCipher:
    """The Page-token cipher the settings describe."""
    return cipher_for(settings.encryption_key, settings.secret_key,
                      production=settings.is_production)


def graph_client(settings: Settings, timeout: float | None = None) -> GraphClient:
    """A Graph client on the configured base URL, version and timeout."""
    return GraphClient(base_url=settings.graph_base_url, version=settings.graph_version,
                       timeout=timeout or float(settings.graph_timeout_seconds))
