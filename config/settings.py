"""Typed settings, read once from the environment and passed down explicitly."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

DEV_SECRET_KEY = "relais-development-secret-change-me"
ENVIRONMENTS = ("development", "test", "production")
WORKER_CLASSES = ("granian", "gthread", "sync")  # see docs/decisions/0030


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one sentence for a person."""


def _as_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}.")


def _as_networks(name: str, raw: str) -> tuple[str, ...]:
    networks = []
    for part in (item.strip() for item in raw.split(",")):
        if not part:
            continue
        try:
            networks.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise SettingsError(
                f"{name} must list networks such as 10.0.0.0/8 or 127.0.0.1/32, "
                f"separated by commas; {part!r} is not one.") from None
    return tuple(networks)


def _as_int(name: str, raw: str, *, minimum: int = 0) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {value}.")
    return value


def _as_float(name: str, raw: str, *, minimum: float = 0.0) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}.") from None
    if not value >= minimum or value in (float("inf"), float("-inf")):
        raise SettingsError(f"{name} must be at least {minimum:g}, not {raw}.")
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything Relais can be configured with; see the README's configuration table."""

    environment: str = "development"
    secret_key: str = DEV_SECRET_KEY
    database_url: str | None = None
    data_dir: Path = field(default_factory=lambda: Path("var"))
    embedded_pg_port: int = 0
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    worker_class: str = "granian"
    threads: int = 4
    keepalive_seconds: int = 5
    timeout_seconds: int = 60
    graceful_timeout_seconds: int = 10
    tile_cache_mb: int = 32
    default_language: str = "fr"
    token_default_days: int = 90
    login_max_attempts: int = 5
    login_window_seconds: int = 900
    trusted_proxies: int = 0
    allow_territory_overlaps: bool = True
    regional_lead_can_approve: bool = False
    conflict_window_hours: int = 48
    graph_base_url: str = "https://graph.facebook.com/"
    graph_version: str = "v21.0"
    graph_timeout_seconds: float = 10.0
    graph_token_in_header: bool = True
    worker_threads: int = 2
    # The worker's timing (RELAIS_PUBLISH_*): None keeps the default PublishingConfig
    # (regions/publishing/publisher.py) declares, the one place those defaults live.
    publish_settle_seconds: float | None = None
    publish_settle_max_seconds: float | None = None
    publish_backoff_base_seconds: float | None = None
    publish_backoff_cap_seconds: float | None = None
    publish_max_failures: int | None = None
    publish_poll_seconds: float | None = None
    publish_sweep_seconds: float | None = None
    publish_sweep_hours: float | None = None
    encryption_key: str | None = None
    log_level: str = "INFO"
    demo_graph_port: int = 8090
    basemap_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    webhook_allowed_networks: tuple[str, ...] = ()
    public_url: str | None = None
    ambassador_invitation_days: int = 14
    click_flush_seconds: int = 1
    engagement_days: int = 14
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "relais@localhost"

    @property
    def basemap_origin(self) -> str | None:
        """The scheme and host the map page loads base tiles from (None: no base map)."""
        if self.basemap_url.strip().lower() == "none":
            return None
        parts = urlsplit(self.basemap_url.strip())
        usable = parts.scheme in ("http", "https") and parts.netloc and not any(
            char in parts.netloc for char in " ;,'\"")
        return f"{parts.scheme}://{parts.netloc}" if usable else None

    @property
    def pg_data_dir(self) -> Path:
        """Folder of the embedded PostgreSQL cluster."""
        return self.data_dir / "postgres"

    @property
    def is_production(self) -> bool:
        """Whether the strict production checks apply."""
        return self.environment == "production"

    def with_changes(self, **changes: object) -> Settings:
        """A copy with some values replaced (tests and CLI options)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Settings(**values)

    def check_for_startup(self) -> None:
        """Refuse to start with settings that are unsafe for the environment."""
        if self.environment not in ENVIRONMENTS:
            raise SettingsError(
                f"RELAIS_ENV must be one of {', '.join(ENVIRONMENTS)}, not {self.environment!r}."
            )
        if self.is_production and (not self.secret_key or self.secret_key == DEV_SECRET_KEY):
            raise SettingsError(
                "RELAIS_SECRET_KEY must be set to a long random value in production "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        if self.worker_class not in WORKER_CLASSES:
            raise SettingsError(
                f"RELAIS_WORKER_CLASS must be {' or '.join(WORKER_CLASSES)}, "
                f"not {self.worker_class!r}.")
        if self.is_production and len(self.secret_key) < 32:
            raise SettingsError("RELAIS_SECRET_KEY must be at least 32 characters in production.")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read settings from an environment mapping (``os.environ`` by default)."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name)
            return value if value not in (None, "") else None

        values: dict[str, object] = {}
        simple_text = {
            "RELAIS_ENV": "environment",
            "RELAIS_SECRET_KEY": "secret_key",
            "DATABASE_URL": "database_url",
            "RELAIS_HOST": "host",
            "RELAIS_LANGUAGE": "default_language",
            "RELAIS_GRAPH_BASE_URL": "graph_base_url",
            "RELAIS_GRAPH_VERSION": "graph_version",
            "RELAIS_ENCRYPTION_KEY": "encryption_key",
            "RELAIS_LOG_LEVEL": "log_level",
            "RELAIS_BASEMAP_URL": "basemap_url",
            "RELAIS_WORKER_CLASS": "worker_class",
            "RELAIS_PUBLIC_URL": "public_url",
            "RELAIS_SMTP_HOST": "smtp_host",
            "RELAIS_SMTP_USER": "smtp_user",
            "RELAIS_SMTP_PASSWORD": "smtp_password",
            "RELAIS_MAIL_FROM": "mail_from",
        }
        for name, attr in simple_text.items():
            if (raw := get(name)) is not None:
                values[attr] = raw
        integers = {
            "RELAIS_EMBEDDED_PG_PORT": ("embedded_pg_port", 0),
            "RELAIS_PORT": ("port", 1),
            "RELAIS_WORKERS": ("workers", 1),
            "RELAIS_THREADS": ("threads", 1),
            "RELAIS_KEEPALIVE_SECONDS": ("keepalive_seconds", 0),
            "RELAIS_TIMEOUT_SECONDS": ("timeout_seconds", 1),
            "RELAIS_GRACEFUL_TIMEOUT_SECONDS": ("graceful_timeout_seconds", 1),
            "RELAIS_TILE_CACHE_MB": ("tile_cache_mb", 0),
            "RELAIS_TOKEN_DEFAULT_DAYS": ("token_default_days", 1),
            "RELAIS_LOGIN_MAX_ATTEMPTS": ("login_max_attempts", 1),
            "RELAIS_LOGIN_WINDOW_SECONDS": ("login_window_seconds", 1),
            "RELAIS_TRUSTED_PROXIES": ("trusted_proxies", 0),
            "RELAIS_CONFLICT_WINDOW_HOURS": ("conflict_window_hours", 0),
            "RELAIS_DEMO_GRAPH_PORT": ("demo_graph_port", 0),
            "RELAIS_WORKER_THREADS": ("worker_threads", 1),
            "RELAIS_PUBLISH_MAX_FAILURES": ("publish_max_failures", 1),
            "RELAIS_AMBASSADOR_INVITATION_DAYS": ("ambassador_invitation_days", 1),
            "RELAIS_CLICK_FLUSH_SECONDS": ("click_flush_seconds", 1),
            "RELAIS_ENGAGEMENT_DAYS": ("engagement_days", 1),
            "RELAIS_SMTP_PORT": ("smtp_port", 1),
        }
        for name, (attr, minimum) in integers.items():
            if (raw := get(name)) is not None:
                values[attr] = _as_int(name, raw, minimum=minimum)
        numbers = {
            "RELAIS_GRAPH_TIMEOUT_SECONDS": ("graph_timeout_seconds", 0.01),
            "RELAIS_PUBLISH_SETTLE_SECONDS": ("publish_settle_seconds", 0.01),
            "RELAIS_PUBLISH_SETTLE_MAX_SECONDS": ("publish_settle_max_seconds", 0.01),
            "RELAIS_PUBLISH_BACKOFF_BASE_SECONDS": ("publish_backoff_base_seconds", 0.0),
            "RELAIS_PUBLISH_BACKOFF_CAP_SECONDS": ("publish_backoff_cap_seconds", 0.0),
            "RELAIS_PUBLISH_POLL_SECONDS": ("publish_poll_seconds", 0.01),
            "RELAIS_PUBLISH_SWEEP_SECONDS": ("publish_sweep_seconds", 0.0),
            "RELAIS_PUBLISH_SWEEP_HOURS": ("publish_sweep_hours", 0.01),
        }
        for name, (attr, least) in numbers.items():
            if (raw := get(name)) is not None:
                values[attr] = _as_float(name, raw, minimum=least)
        booleans = {
            "RELAIS_GRAPH_TOKEN_IN_HEADER": "graph_token_in_header",
            "RELAIS_ALLOW_TERRITORY_OVERLAPS": "allow_territory_overlaps",
            "RELAIS_REGIONAL_LEAD_CAN_APPROVE": "regional_lead_can_approve",
            "RELAIS_SMTP_STARTTLS": "smtp_starttls",
        }
        for name, attr in booleans.items():
            if (raw := get(name)) is not None:
                values[attr] = _as_bool(name, raw)
        if (raw := get("RELAIS_WEBHOOK_ALLOWED_NETWORKS")) is not None:
            values["webhook_allowed_networks"] = _as_networks(
                "RELAIS_WEBHOOK_ALLOWED_NETWORKS", raw)
        if (raw := get("RELAIS_DATA_DIR")) is not None:
            values["data_dir"] = Path(raw)
        level = str(values.get("log_level", "INFO")).upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise SettingsError(
                "RELAIS_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL.")
        values["log_level"] = level
        public_url = values.get("public_url")
        if isinstance(public_url, str) and urlsplit(public_url).scheme not in ("http", "https"):
            raise SettingsError("RELAIS_PUBLIC_URL must start with http:// or https://.")
        if values.get("default_language", "fr") not in ("fr", "en"):
            raise SettingsError("RELAIS_LANGUAGE must be fr or en.")
        return cls(**values)  # type: ignore[arg-type]
