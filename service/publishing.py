"""Publishing and webhook collaborators built from settings (API, pages and worker)."""

from __future__ import annotations

from config.settings import Settings
from regions.publishing.graph import GraphClient
from regions.publishing.page_tokens import TokenCipher, cipher_for
from regions.webhook_targets import TargetPolicy


def token_cipher(settings: Settings) -> TokenCipher:
    """The Page-token cipher the settings describe."""
    return cipher_for(settings.encryption_key, settings.secret_key,
                      production=settings.is_production)


def webhook_targets(settings: Settings) -> TargetPolicy:
    """Where webhooks may go: public addresses and RELAIS_WEBHOOK_ALLOWED_NETWORKS."""
    return TargetPolicy.from_setting(settings.webhook_allowed_networks)


def graph_client(settings: Settings, timeout: float | None = None) -> GraphClient:
    """A Graph client on the configured base URL, version and timeout."""
    return GraphClient(base_url=settings.graph_base_url, version=settings.graph_version,
                       timeout=timeout or float(settings.graph_timeout_seconds))
