"""Publishing collaborators built from settings, shared by the web service and the worker.

Every process that talks to Facebook (the API's connection check and retraction, the web
admin pages, ``relais worker``, the demo) builds its Graph client and its timing here, from
the same settings, so they cannot disagree on the base URL, version, timeout or where the
token travels. Webhook delivery's target policy is built here too.
"""

from __future__ import annotations

from config.settings import Settings
from regions.publishing.graph import GraphClient
from regions.publishing.page_tokens import TokenCipher, cipher_for
from regions.publishing.publisher import PublishingConfig
from regions.webhook_targets import TargetPolicy


def token_cipher(settings: Settings) -> TokenCipher:
    """The Page-token cipher the settings describe."""
    return cipher_for(settings.encryption_key, settings.secret_key,
                      production=settings.is_production)


def webhook_targets(settings: Settings) -> TargetPolicy:
    """Where webhooks may go: public addresses and RELAIS_WEBHOOK_ALLOWED_NETWORKS."""
    return TargetPolicy.from_setting(settings.webhook_allowed_networks)


def graph_client(settings: Settings, timeout: float | None = None) -> GraphClient:
    """A Graph client on the configured base URL, version, timeout and token placement."""
    return GraphClient(base_url=settings.graph_base_url, version=settings.graph_version,
                       timeout=timeout or float(settings.graph_timeout_seconds),
                       token_in_header=settings.graph_token_in_header)


def publishing_config(settings: Settings, **overrides: float | int | None) -> PublishingConfig:
    """The worker's timing from the settings; ``overrides`` that are not None win (CLI).

    A timing neither set nor overridden keeps PublishingConfig's default.
    """
    values: dict[str, float | int | None] = {
        "graph_timeout": float(settings.graph_timeout_seconds),
        "settle_margin": settings.publish_settle_seconds,
        "settle_max": settings.publish_settle_max_seconds,
        "backoff_base": settings.publish_backoff_base_seconds,
        "backoff_cap": settings.publish_backoff_cap_seconds,
        "max_attempts": settings.publish_max_failures,
        "poll_interval": settings.publish_poll_seconds,
        "sweep_interval": settings.publish_sweep_seconds,
        "sweep_hours": settings.publish_sweep_hours,
    }
    values.update(overrides)
    return PublishingConfig(**{key: value for key, value in values.items()  # type: ignore[arg-type]
                               if value is not None})
