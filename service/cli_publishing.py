"""Publishing commands: ``relais worker`` and ``relais fake-graph``, and the demo's Graph loop."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click

from config.settings import Settings
from regions import migrate, webhooks
from regions.db import SessionFactory, UnitOfWork, make_engine, make_session_factory
from regions.publishing.graph import DEFAULT_BASE_URL
from regions.publishing.page_tokens import TokenCipher
from regions.publishing.publisher import Publisher
from regions.publishing.worker import (
    WorkerStats,
    install_stop_signals,
    run_sweeper,
    run_workers,
)
from service.amplification_worker import run_amplification
from service.database import resolved_database
from service.fakegraph import FakePage, FaultPlan, serve
from service.publishing import (
    graph_client,
    publishing_config,
    token_cipher,
    webhook_targets,
)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
DEMO_GRAPH_PORT = 8090


@click.command("worker")
@click.option("--threads", type=click.IntRange(1, 32),
              help="Publications handled side by side (default RELAIS_WORKER_THREADS).")
@click.option("--graph-timeout", type=float, help="Graph call timeout in seconds "
              "(default RELAIS_GRAPH_TIMEOUT_SECONDS).")
@click.option("--settle-margin", type=float, help="Seconds beyond the timeout (or the latest "
              "store seen) before an unanswered call is looked up; the lease too "
              "(default RELAIS_PUBLISH_SETTLE_SECONDS).")
@click.option("--backoff-base", type=float,
              help="Default RELAIS_PUBLISH_BACKOFF_BASE_SECONDS.")
@click.option("--backoff-cap", type=float, help="Default RELAIS_PUBLISH_BACKOFF_CAP_SECONDS.")
@click.option("--max-attempts", type=click.IntRange(1), help="Failed Graph calls before a post "
              "fails; crashes do not count (default RELAIS_PUBLISH_MAX_FAILURES).")
@click.option("--poll-interval", type=float, help="Default RELAIS_PUBLISH_POLL_SECONDS.")
@click.option("--sweep-interval", type=float, help="Seconds between copy sweeps, 0 = none "
              "(default RELAIS_PUBLISH_SWEEP_SECONDS).")
@click.option("--exit-when-idle", is_flag=True, help="Stop once nothing is due.")
@click.pass_obj
def worker(settings: Settings, threads: int | None, graph_timeout: float | None,
           settle_margin: float | None, backoff_base: float | None, backoff_cap: float | None,
           max_attempts: int | None, poll_interval: float | None, sweep_interval: float | None,
           exit_when_idle: bool) -> None:
    """Publish scheduled posts to their Facebook Pages, exactly once, until SIGTERM/SIGINT."""
    logging.basicConfig(level=settings.log_level.upper(), format=LOG_FORMAT)
    cipher = token_cipher(settings)
    cipher.encrypt("startup check")  # production without a key stops here, in one sentence
    config = publishing_config(
        settings, graph_timeout=graph_timeout, settle_margin=settle_margin,
        backoff_base=backoff_base, backoff_cap=backoff_cap, max_attempts=max_attempts,
        poll_interval=poll_interval, sweep_interval=sweep_interval)
    threads = threads or settings.worker_threads
    stop = threading.Event()
    install_stop_signals(stop)
    with resolved_database(settings) as resolved:
        engine = make_engine(resolved.database_url or "", pool_size=threads + 2)
        graph = graph_client(settings, config.graph_timeout)
        try:
            if migrate.current_revision(engine) != migrate.head_revision():
                migrate.upgrade(engine, cipher=cipher)
            sessions = make_session_factory(engine)
            name = f"{socket.gethostname()}:{os.getpid()}"
            placement = "header" if graph.token_in_header else "query string"
            click.echo(f"Publishing worker {name} on {graph.base_url} {graph.version} "
                       f"(token in the {placement}; {threads} threads).")
            helpers = [threading.Thread(
                target=webhooks.run_sender, args=(sessions, stop), daemon=True, name="webhooks",
                kwargs={"cipher": cipher, "targets": webhook_targets(settings),
                        "poll_interval": config.poll_interval})]
            helpers.append(threading.Thread(
                target=run_amplification, args=(sessions, graph, cipher, settings, stop),
                kwargs={"interval": max(config.poll_interval, 30.0)}, daemon=True,
                name="amplification"))
            stats = WorkerStats()
            if config.sweep_interval > 0:
                helpers.append(threading.Thread(
                    target=run_sweeper, args=(sessions, graph, cipher, config, stop, stats),
                    daemon=True, name="copy-sweep"))
            for helper in helpers:
                helper.start()
            run_workers(
                lambda n: Publisher(sessions, graph, cipher, config, worker=f"{name}:{n}"),
                threads=threads, stop=stop, poll_interval=config.poll_interval,
                exit_when_idle=exit_when_idle, stats=stats)
            stop.set()
            for helper in helpers:
                helper.join(timeout=30)
        finally:
            graph.close()
            engine.dispose()
    summary = ", ".join(f"{k} {v}" for k, v in sorted(stats.outcomes.items())) or "nothing"
    click.echo(f"Worker stopped: {summary}.")


def _page(value: str) -> FakePage:
    page_id, _, rest = value.partition(":")
    token, _, name = rest.partition(":")
    if not page_id or not token:
        raise click.BadParameter("expected PAGE_ID:TOKEN or PAGE_ID:TOKEN:NAME")
    return FakePage(page_id, name, {token})


@click.command("fake-graph")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=DEMO_GRAPH_PORT, show_default=True,
              help="0 picks a free port.")
@click.option("--page", "pages", multiple=True, metavar="ID:TOKEN[:NAME]",
              help="A Page and its token (repeatable).")
@click.option("--demo-pages", is_flag=True, help="Also serve the demo territories' Pages.")
@click.option("--latency-ms", type=int, default=0)
@click.option("--failure-rate", type=float, default=0.0,
              help="Share of calls failing with a random retryable fault.")
@click.option("--after-commit-rate", type=float, default=0.5,
              help="Share of failed publishes that first store the post.")
@click.option("--timeout-seconds", type=float, default=30.0,
              help="How long an injected timeout holds the request.")
@click.option("--store-after", type=float, default=0.0, show_default=True,
              help="Seconds after which a failed publish that stores its post stores it "
                   "(Facebook storing late).")
@click.option("--seed", type=int)
@click.option("--reject-duplicates", is_flag=True)
@click.option("--store", type=click.Path(dir_okay=False, path_type=Path),
              help="Keep the posts in this JSON file (read back on the next start).")
def fake_graph(host: str, port: int, pages: tuple[str, ...], demo_pages: bool, latency_ms: int,
               failure_rate: float, after_commit_rate: float, timeout_seconds: float,
               store_after: float, seed: int | None, reject_duplicates: bool,
               store: Path | None) -> None:
    """Run a fake Graph API on this machine (tests, demo, development).

    A post's permalink opens a page of this server showing it.
    """
    from service.demo import demo_fake_pages

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    try:
        plan = FaultPlan(latency_ms=latency_ms, random_failure_rate=failure_rate,
                         random_after_commit_rate=after_commit_rate,
                         timeout_seconds=timeout_seconds, random_store_after=store_after,
                         seed=seed)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    known = [_page(value) for value in pages] + (demo_fake_pages() if demo_pages else [])
    serve(known, host=host, port=port, faults=plan, reject_duplicates=reject_duplicates,
          ready=lambda server: click.echo(f"Fake Graph API listening on {server.base_url}"),
          store=store)


def _free_port(preferred: int) -> int:
    """The preferred port if it is free, else any free one."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise click.ClickException("No free TCP port for the fake Graph API.")


def _relais(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "from service.cli import main; main()",
                             *args], env=env)


def _wait_listening(port: int, process: subprocess.Popen[bytes], name: str) -> None:
    """Wait until ``process`` (``name``, for the error) accepts connections on ``port``."""
    for _ in range(200):
        if process.poll() is not None:
            raise click.ClickException(f"{name} did not start.")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise click.ClickException(f"{name} did not start in 10 seconds.")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def demo_publishing(settings: Settings, *, enabled: bool = True) -> Iterator[Settings]:
    """For the demo: a fake Graph API and a worker (two processes), the demo content seeded.

    Both run as child processes, not threads, so the web server's workers fork a process
    with no extra threads or sockets. A configured Graph base URL is used instead of the fake.
    The fake keeps its posts under the data folder, so permalinks still open after a restart.
    """
    if not enabled:
        yield settings
        return
    env = {**os.environ, "DATABASE_URL": settings.database_url or ""}
    children: list[subprocess.Popen[bytes]] = []
    running = settings
    try:
        if settings.graph_base_url == DEFAULT_BASE_URL:
            port = _free_port(settings.demo_graph_port)
            store = (settings.data_dir / "fakegraph" / "state.json").resolve()
            children.append(_relais("fake-graph", "--demo-pages", "--port", str(port),
                                    "--store", str(store), env=env))
            _wait_listening(port, children[0], "The fake Graph API")
            running = settings.with_changes(graph_base_url=f"http://127.0.0.1:{port}/")
        _seed_demo_world(running, publish=bool(children))
        env["RELAIS_GRAPH_BASE_URL"] = running.graph_base_url
        if not settings.smtp_host:  # the ambassadors' digests go to a local sink, printed
            mail_port = _free_port(8025)
            children.append(_relais("mail-sink", "--port", str(mail_port), env=env))
            # Up before the worker, whose first round sends the digests that are due.
            _wait_listening(mail_port, children[-1], "The mail sink")
            env.update(RELAIS_SMTP_HOST="127.0.0.1", RELAIS_SMTP_PORT=str(mail_port))
        children.append(_relais("worker", "--poll-interval", "1", env=env))
        yield running
    finally:
        for child in reversed(children):
            _stop(child)


def _seed_demo_ambassadors(sessions: SessionFactory, settings: Settings,
                           cipher: TokenCipher) -> None:
    """Demo ambassadors, kits, shares and clicks, once the demo's posts are published."""
    from service.demo_ambassadors import seed_demo_ambassadors

    graph = graph_client(settings, 5.0)
    try:
        made = seed_demo_ambassadors(sessions, now=datetime.now(UTC), graph=graph,
                                     cipher=cipher)
    finally:
        graph.close()
    if made["kits"]:
        click.echo(f"Demo ambassadors: {made['ambassadors']} ambassadors, {made['kits']} kits, "
                   f"{made['shares']} shares (log in as ambassador@demo.relais.test).")


def _seed_demo_world(settings: Settings, *, publish: bool) -> None:
    """Connect the demo Pages, seed the demo content, publish what is due; say what there is."""
    from service.demo import (
        EXPIRED_PAGE,
        demo_email,
        demo_page_token,
        expired_page_connected,
        seed_demo_pages,
    )
    from service.demo_stories import publish_due, seed_demo_content

    engine = make_engine(settings.database_url or "")
    sessions = make_session_factory(engine)
    cipher = token_cipher(settings)
    try:
        with UnitOfWork(sessions) as uow:
            connected = seed_demo_pages(uow, cipher)
            made = seed_demo_content(uow, now=datetime.now(UTC))
            uow.commit()
            expired = expired_page_connected(uow, cipher)
        click.echo(f"Graph API: {settings.graph_base_url}; {connected} demo Pages connected.")
        if made["posts"]:
            click.echo(f"Demo content: {made['templates']} templates, {made['campaigns']} "
                       f"campaigns and {made['posts']} posts created.")
        if publish:
            graph = graph_client(settings, 5.0)
            try:
                outcomes = publish_due(sessions, graph, cipher)
            finally:
                graph.close()
            if outcomes:
                click.echo("Published to the fake Pages: " + ", ".join(
                    f"{count} {outcome}" for outcome, count in sorted(outcomes.items())) + ".")
            _seed_demo_ambassadors(sessions, settings, cipher)
        if expired:
            click.echo(f"The {EXPIRED_PAGE} Page's token has expired on purpose (failed posts): "
                       f"reconnect it with the token {demo_page_token(EXPIRED_PAGE)!r} "
                       f"(log in as {demo_email('admin')}, then Administration, Facebook Pages).")
    finally:
        engine.dispose()
