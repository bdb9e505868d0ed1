from pathlib import Path

import pytest

from config.settings import DEV_SECRET_KEY, Settings, SettingsError


def test_defaults_need_no_environment():
    settings = Settings.from_env({})
    assert settings.database_url is None
    assert settings.pg_data_dir == Path("var/postgres")
    assert settings.environment == "development"


def test_values_are_read_and_typed():
    settings = Settings.from_env({
        "DATABASE_URL": "postgresql://u@h/db", "RELAIS_PORT": "9000",
        "RELAIS_ALLOW_TERRITORY_OVERLAPS": "no", "RELAIS_DATA_DIR": "/srv/relais",
        "RELAIS_LANGUAGE": "en",
    })
    assert settings.database_url == "postgresql://u@h/db"
    assert settings.port == 9000
    assert settings.allow_territory_overlaps is False
    assert settings.pg_data_dir == Path("/srv/relais/postgres")
    assert settings.default_language == "en"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RELAIS_PORT": "eighty"}, "RELAIS_PORT must be a whole number"),
        ({"RELAIS_PORT": "0"}, "RELAIS_PORT must be at least 1"),
        ({"RELAIS_ALLOW_TERRITORY_OVERLAPS": "maybe"}, "must be true or false"),
        ({"RELAIS_LANGUAGE": "de"}, "RELAIS_LANGUAGE must be fr or en"),
    ],
)
def test_malformed_values_are_refused_with_the_variable_name(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


@pytest.mark.parametrize("secret", [None, DEV_SECRET_KEY, "short"])
def test_production_refuses_a_default_missing_or_short_secret(secret):
    env = {"RELAIS_ENV": "production"}
    if secret:
        env["RELAIS_SECRET_KEY"] = secret
    with pytest.raises(SettingsError, match="RELAIS_SECRET_KEY"):
        Settings.from_env(env).check_for_startup()


def test_production_with_a_long_secret_starts():
    settings = Settings.from_env({"RELAIS_ENV": "production", "RELAIS_SECRET_KEY": "x" * 48})
    settings.check_for_startup()


def test_unknown_environment_is_refused():
    with pytest.raises(SettingsError, match="RELAIS_ENV"):
        Settings.from_env({"RELAIS_ENV": "staging"}).check_for_startup()


def test_a_bad_log_level_is_refused_by_name():
    with pytest.raises(SettingsError, match="RELAIS_LOG_LEVEL"):
        Settings.from_env({"RELAIS_LOG_LEVEL": "loud"})
    assert Settings.from_env({"RELAIS_LOG_LEVEL": "debug"}).log_level == "DEBUG"


def origin(url=None):
    return Settings.from_env({"RELAIS_BASEMAP_URL": url} if url else {}).basemap_origin


def test_the_base_map_is_openstreetmap_by_default_a_url_or_none():
    assert origin() == "https://tile.openstreetmap.org"
    assert origin("https://tiles.example.org:8443/{z}/{x}/{y}.png") == "https://tiles.example.org:8443"
    for off in ("none", "NONE", "tiles/{z}/{x}/{y}.png", "ftp://x.org/{z}/{x}/{y}",
                "https://a.org;script-src *"):
        assert origin(off) is None, off


def test_the_demo_draws_no_base_map_unless_one_is_asked_for():
    from service.cli import offline_demo

    settings = Settings(environment="test", secret_key="x" * 40)
    assert offline_demo(settings, {}).basemap_origin is None
    asked = settings.with_changes(basemap_url="https://tiles.example.org/{z}/{x}/{y}.png")
    kept = offline_demo(asked, {"RELAIS_BASEMAP_URL": asked.basemap_url})
    assert kept.basemap_origin == "https://tiles.example.org"


def test_the_server_settings_are_read_and_an_unknown_worker_class_is_refused():
    settings = Settings.from_env({"RELAIS_WORKER_CLASS": "sync", "RELAIS_THREADS": "8",
                                  "RELAIS_KEEPALIVE_SECONDS": "0", "RELAIS_TIMEOUT_SECONDS": "30",
                                  "RELAIS_GRACEFUL_TIMEOUT_SECONDS": "5"})
    assert (settings.worker_class, settings.threads, settings.keepalive_seconds,
            settings.timeout_seconds, settings.graceful_timeout_seconds) == ("sync", 8, 0, 30, 5)
    assert Settings().worker_class == "granian" and Settings().keepalive_seconds > 0
    with pytest.raises(SettingsError, match="RELAIS_WORKER_CLASS"):
        Settings.from_env({"RELAIS_WORKER_CLASS": "eventlet"}).check_for_startup()
    with pytest.raises(SettingsError, match="RELAIS_THREADS"):
        Settings.from_env({"RELAIS_THREADS": "0"})


def test_gunicorn_gets_the_worker_class_threads_keepalive_and_timeouts():
    from gunicorn.workers.gthread import ThreadWorker
    from gunicorn.workers.sync import SyncWorker

    from service.server import JsonErrors, RelaisServer

    threaded = RelaisServer(Settings(worker_class="gthread", threads=6, keepalive_seconds=7,
                                     timeout_seconds=40)).cfg
    assert (threaded.threads, threaded.keepalive, threaded.timeout) == (6, 7, 40)
    assert issubclass(threaded.worker_class, ThreadWorker)
    assert issubclass(threaded.worker_class, JsonErrors)  # its own errors in the JSON shape
    assert threaded.reuse_port  # a socket per worker: the kernel spreads the connections
    synchronous = RelaisServer(Settings(worker_class="sync")).cfg
    assert synchronous.threads == 1
    assert issubclass(synchronous.worker_class, SyncWorker)
    assert issubclass(synchronous.worker_class, JsonErrors)


def test_granian_gets_the_workers_threads_keepalive_and_graceful_timeout():
    from service.server import granian_server

    server, _loader = granian_server(Settings(workers=3, threads=6, keepalive_seconds=7,
                                              graceful_timeout_seconds=12))
    assert (server.workers, server.blocking_threads, server.workers_kill_timeout) == (3, 6, 12)
    assert server.http1_settings is not None
    assert server.http1_settings.keep_alive
    assert server.http1_settings.header_read_timeout == 7000  # ms, the kept-alive idle time
    assert server.respawn_failed_workers  # a worker that dies is replaced, as under gunicorn
    closing, _ = granian_server(Settings(keepalive_seconds=0))
    assert closing.http1_settings is not None and not closing.http1_settings.keep_alive


def test_the_publishing_worker_timing_and_graph_settings_are_read_and_typed():
    settings = Settings.from_env({
        "RELAIS_GRAPH_TIMEOUT_SECONDS": "2.5", "RELAIS_GRAPH_TOKEN_IN_HEADER": "false",
        "RELAIS_WORKER_THREADS": "6", "RELAIS_PUBLISH_SETTLE_SECONDS": "45",
        "RELAIS_PUBLISH_SETTLE_MAX_SECONDS": "600", "RELAIS_PUBLISH_BACKOFF_BASE_SECONDS": "1",
        "RELAIS_PUBLISH_BACKOFF_CAP_SECONDS": "120", "RELAIS_PUBLISH_MAX_FAILURES": "12",
        "RELAIS_PUBLISH_POLL_SECONDS": "0.5", "RELAIS_PUBLISH_SWEEP_SECONDS": "0",
        "RELAIS_PUBLISH_SWEEP_HOURS": "48"})
    assert settings.graph_timeout_seconds == 2.5 and settings.graph_token_in_header is False
    assert settings.worker_threads == 6 and settings.publish_max_failures == 12
    assert (settings.publish_settle_seconds, settings.publish_settle_max_seconds) == (45, 600)
    assert (settings.publish_backoff_base_seconds, settings.publish_backoff_cap_seconds) == (1, 120)
    assert settings.publish_poll_seconds == 0.5 and settings.publish_sweep_seconds == 0
    assert settings.publish_sweep_hours == 48


@pytest.mark.parametrize(("env", "words"), [
    ({"RELAIS_PUBLISH_SETTLE_SECONDS": "soon"}, "RELAIS_PUBLISH_SETTLE_SECONDS must be a number"),
    ({"RELAIS_GRAPH_TIMEOUT_SECONDS": "0"}, "RELAIS_GRAPH_TIMEOUT_SECONDS must be at least"),
    ({"RELAIS_PUBLISH_BACKOFF_CAP_SECONDS": "-1"}, "must be at least 0"),
    ({"RELAIS_PUBLISH_SWEEP_HOURS": "nan"}, "RELAIS_PUBLISH_SWEEP_HOURS must be at least"),
    ({"RELAIS_WORKER_THREADS": "0"}, "RELAIS_WORKER_THREADS must be at least 1"),
])
def test_malformed_publishing_settings_are_refused_by_name(env, words):
    with pytest.raises(SettingsError, match=words):
        Settings.from_env(env)


def test_the_worker_and_the_web_service_build_their_graph_client_from_the_same_settings():
    from regions.publishing.publisher import PublishingConfig
    from service.publishing import graph_client, publishing_config

    settings = Settings.from_env({"RELAIS_GRAPH_BASE_URL": "http://graph.test/",
                                  "RELAIS_GRAPH_VERSION": "v19.0",
                                  "RELAIS_GRAPH_TOKEN_IN_HEADER": "no",
                                  "RELAIS_GRAPH_TIMEOUT_SECONDS": "4"})
    client = graph_client(settings)
    assert (client.base_url, client.version, client.timeout, client.token_in_header) == (
        "http://graph.test/", "v19.0", 4.0, False)
    config = publishing_config(settings, settle_margin=None, max_attempts=3)
    assert config.graph_timeout == 4.0 and config.settle_margin == 20.0
    assert config.max_attempts == 3
    assert config.poll_interval == PublishingConfig().poll_interval  # unset: the one default
    tuned = Settings.from_env({"RELAIS_PUBLISH_SETTLE_SECONDS": "45"})
    assert publishing_config(tuned).settle_margin == 45.0
