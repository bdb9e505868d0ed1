"""The ``relais`` command: serve, database, users, tokens and demo data."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import OperationalError

from config.settings import Settings, SettingsError
from regions import accounts, migrate, site, teams
from regions.db import DatabaseUrlInvalid, UnitOfWork, make_engine, make_session_factory
from regions.errors import RegionsError
from regions.models import Role, Territory, User
from service.database import embedded_cluster, resolved_database
from service.pgcluster import ClusterError
from service.publishing import token_cipher

ROLE_CHOICES = click.Choice([role.value for role in Role])


class RelaisGroup(click.Group):
    """Turns the errors a person can fix into one sentence and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command, translating known failures."""
        try:
            return super().invoke(ctx)
        except (SettingsError, ClusterError, DatabaseUrlInvalid, RegionsError) as exc:
            raise click.ClickException(getattr(exc, "message", None) or str(exc)) from None
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[-1] if exc.orig else "no answer"
            raise click.ClickException(f"The database cannot be reached: {reason}") from None


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.obj
    return settings


def with_database(work: Callable[[Settings, UnitOfWork], Any], settings: Settings) -> Any:
    """Run ``work`` in a unit of work on the resolved database (migrating it first)."""
    with resolved_database(settings) as resolved:
        engine = make_engine(resolved.database_url or "")
        try:
            migrate.upgrade(engine, cipher=token_cipher(resolved))
            with UnitOfWork(make_session_factory(engine)) as uow:
                return work(resolved, uow)
        finally:
            engine.dispose()


@click.group(cls=RelaisGroup)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Relais: central editorial standards, regional geotagged posts, review, publishing."""
    ctx.obj = Settings.from_env()


# -- serve ----------------------------------------------------------------------------------
@cli.command()
@click.option("--host", help="Address to listen on (RELAIS_HOST, default 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (RELAIS_PORT, default 8000).")
@click.option("--workers", type=click.IntRange(1, 64), help="Worker processes (RELAIS_WORKERS).")
@click.option("--threads", type=click.IntRange(1, 256),
              help="Threads per worker process calling the app (RELAIS_THREADS).")
@click.option("--demo", is_flag=True, help="Create the demo territories and users first.")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int | None,
          threads: int | None, demo: bool) -> None:
    """Run the web service (and the embedded database, unless DATABASE_URL is set)."""
    from service.server import run_server

    chosen = {"host": host, "port": port, "workers": workers, "threads": threads}
    settings = _settings(ctx).with_changes(**{k: v for k, v in chosen.items() if v})
    if demo:
        settings = offline_demo(settings, os.environ)
    settings.check_for_startup()
    with resolved_database(settings) as resolved:
        engine = make_engine(resolved.database_url or "")
        migrate.upgrade(engine, cipher=token_cipher(resolved))
        if demo:
            _seed_and_print(engine)
        engine.dispose()
        from service.cli_publishing import demo_publishing  # the demo publishes to a fake Graph
        with demo_publishing(resolved, enabled=demo) as running:
            if demo:
                click.secho(f"Ready: open http://{running.host}:{running.port}/ and log in with "
                            "an account above. Ctrl-C stops Relais, its worker, the fake Graph "
                            "API and the database.", bold=True)
            run_server(running)


def offline_demo(settings: Settings, environ: Mapping[str, str]) -> Settings:
    """The demo needs no network: no base-map tiles unless RELAIS_BASEMAP_URL asks for them.

    Offline, every unreachable tile would also be an error in the browser's console.
    """
    if "RELAIS_BASEMAP_URL" in environ:
        return settings
    return settings.with_changes(basemap_url="none")


def _seed_and_print(engine: Any) -> None:
    from service.demo import DEMO_PASSWORD, DEMO_USERS, demo_email, seed_demo
    from service.demo_ambassadors import AMBASSADORS

    with UnitOfWork(make_session_factory(engine)) as uow:
        created = seed_demo(uow)
        uow.commit()
    click.echo(f"Demo data: {created['territories']} territories and {created['users']} users "
               "created (existing ones kept).")
    click.echo(f"Demo logins (password {DEMO_PASSWORD!r}):")
    for email, _name, role, slug in DEMO_USERS:
        click.echo(f"  {email:41} {role.value:16} {slug or ''}")
    for name, _display, slug, _on_board in AMBASSADORS:  # made once the demo's posts are out
        click.echo(f"  {demo_email(name):41} {'ambassador':16} {slug}")


@cli.command()
@click.option("--host", help="Address to listen on.")
@click.option("--port", type=int, help="Port to listen on.")
@click.option("--boundaries", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Also import this boundary file and make one real territory per area.")
@click.option("--level", default="departement", show_default=True,
              help="With --boundaries: the areas' level.")
@click.option("--code-field", default="code", show_default=True)
@click.option("--name-field", default="nom", show_default=True)
@click.pass_context
def demo(ctx: click.Context, host: str | None, port: int | None, boundaries: Path | None,
         level: str, code_field: str, name_field: str) -> None:
    """Seed the demo data and run the service (the README's first command).

    Without a file, the demo territories are circles around real city coordinates; with
    ``--boundaries`` (e.g. ../shared/geodata/departements-avec-outre-mer.geojson) real
    territories are made from the file as well.
    """
    if boundaries is not None:
        from service.demo import seed_real_territories

        def work(_settings: Settings, uow: UnitOfWork) -> None:
            made = seed_real_territories(uow, boundaries, level=level, code_field=code_field,
                                         name_field=name_field)
            click.echo(f"Boundaries: {made['areas']} areas imported, "
                       f"{made['territories']} real territories created.")

        with_database(work, _settings(ctx))
    ctx.invoke(serve, host=host, port=port, workers=None, threads=None, demo=True)


# -- db -------------------------------------------------------------------------------------
@cli.group()
def db() -> None:
    """The database: embedded cluster, migrations, backup and restore."""


@db.command("up")
@click.pass_context
def db_up(ctx: click.Context) -> None:
    """Start the embedded cluster and leave it running; print its URL."""
    settings = _settings(ctx)
    if settings.database_url:
        raise click.ClickException("DATABASE_URL is set: Relais uses that server, not its own.")
    cluster = embedded_cluster(settings)
    cluster.start()
    click.echo(cluster.url())


@db.command("down")
@click.pass_context
def db_down(ctx: click.Context) -> None:
    """Stop the embedded cluster."""
    cluster = embedded_cluster(_settings(ctx))
    if not cluster.is_running():
        click.echo("The embedded database is not running.")
        return
    cluster.stop()
    click.echo("Embedded database stopped.")


@db.command("migrate")
@click.pass_context
def db_migrate(ctx: click.Context) -> None:
    """Bring the schema to the newest migration (running it twice changes nothing)."""
    def work(_settings: Settings, uow: UnitOfWork) -> None:
        click.echo(f"Schema at {migrate.head_revision()} (newest).")

    with_database(work, _settings(ctx))


@db.command("status")
@click.pass_context
def db_status(ctx: click.Context) -> None:
    """Where the database is and which migration it is at."""
    settings = _settings(ctx)
    if not settings.database_url:
        cluster = embedded_cluster(settings)
        click.echo(f"Embedded cluster: {cluster.data_dir} "
                   f"({'running' if cluster.is_running() else 'stopped'})")
    with resolved_database(settings) as resolved:
        engine = make_engine(resolved.database_url or "")
        current, head = migrate.current_revision(engine), migrate.head_revision()
        engine.dispose()
    state = "up to date" if current == head else "migration needed: run `relais db migrate`"
    click.echo(f"Migration: {current or 'none'} (newest {head}) — {state}")


@db.command("check")
@click.pass_context
def db_check(ctx: click.Context) -> None:
    """Fail if the models and the migrations disagree (``alembic check``)."""
    with resolved_database(_settings(ctx)) as resolved:
        engine = make_engine(resolved.database_url or "")
        try:
            migrate.upgrade(engine, cipher=token_cipher(resolved))
            migrate.check(engine)
        finally:
            engine.dispose()
    click.echo("No drift between the models and the migrations.")


# -- seed ------------------------------------------------------------------------------------
@cli.command()
@click.option("--posts", type=click.IntRange(1, 50_000_000), default=10_000, show_default=True,
              help="Posts to add (COPY, one transaction).")
@click.option("--territories", type=click.IntRange(1, 10_000), default=20, show_default=True,
              help="Territories tiling mainland France (made once, then reused).")
@click.option("--users", type=click.IntRange(0, 100_000), default=40, show_default=True,
              help="Regional editors spread over the territories (made once, then reused).")
@click.option("--active", type=click.IntRange(0), help="Posts in live states (draft, "
              "submitted…): the newest ones. Default: min(2,000, a fifth of --posts).")
@click.option("--seed", "random_seed", type=int, default=2026, show_default=True)
@click.pass_context
def seed(ctx: click.Context, posts: int, territories: int, users: int, active: int | None,
         random_seed: int) -> None:
    """Fill the database with realistic geotagged posts in every state, comments and audit.

    For trying Relais at scale and for the growth benchmark; running it again adds posts.
    """
    import time

    from regions.seeding import SeedPlan
    from regions.seeding import seed as seed_posts

    plan = SeedPlan(posts=posts, territories=territories, users=users, active=active,
                    seed=random_seed)
    started = time.perf_counter()

    def work(_settings: Settings, uow: UnitOfWork) -> dict[str, int]:
        return seed_posts(uow, plan, progress=click.echo)

    made = with_database(work, _settings(ctx))
    click.echo(f"Seeded {made['posts']:,} posts ({plan.live_posts:,} live), "
               f"{made['comments']:,} comments, {made['audit_events']:,} audit events in "
               f"{made['territories']} territories, {made['campaigns']} campaigns, in "
               f"{time.perf_counter() - started:.1f} s.")


# -- users and tokens ------------------------------------------------------------------------
@cli.group()
def user() -> None:
    """Users."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", help="Display name (default: the e-mail).")
@click.option("--role", type=ROLE_CHOICES, required=True)
@click.option("--territory", "territory_slugs", multiple=True, help="Territory slug (repeatable).")
@click.option("--password", help="Password for web login (asked for when --ask-password).")
@click.option("--ask-password", is_flag=True, help="Prompt for the password.")
@click.option("--language", type=click.Choice(["fr", "en"]), default="fr")
@click.pass_context
def user_create(ctx: click.Context, email: str, display_name: str | None, role: str,
                territory_slugs: tuple[str, ...], password: str | None, ask_password: bool,
                language: str) -> None:
    """Create a user, optionally member of territories."""
    if ask_password:
        password = getpass.getpass("Password: ")

    def work(_settings: Settings, uow: UnitOfWork) -> None:
        created = accounts.create_user(
            uow, None, email=email, display_name=display_name or email, role=Role(role),
            password=password, language=language,
        )
        for slug in territory_slugs:
            territory = uow.session.query(Territory).filter_by(slug=slug).one_or_none()
            if territory is None:
                raise click.ClickException(f"No territory with the slug {slug!r}.")
            teams.add_member(uow, None, created, territory.id)
        uow.commit()
        click.echo(f"User {created.email} created (id {created.id}, role {role}).")

    with_database(work, _settings(ctx))


@cli.group()
def token() -> None:
    """Personal API tokens."""


@token.command("create")
@click.option("--email", required=True, help="The user the token belongs to.")
@click.option("--name", required=True, help="What the token is for.")
@click.option("--days", type=click.IntRange(1, 3650),
              help="Days until expiry (default 90, within the admin's maximum).")
@click.pass_context
def token_create(ctx: click.Context, email: str, name: str, days: int | None) -> None:
    """Issue a token and print it once."""
    def work(settings: Settings, uow: UnitOfWork) -> None:
        owner = uow.session.query(User).filter_by(
            email=accounts.normalise_email(email)).one_or_none()
        if owner is None:
            raise click.ClickException(f"No user with the e-mail {email}.")
        lifetime = days or site.default_token_days(uow.session, settings.token_default_days)
        try:
            issued = accounts.issue_token(uow, accounts.load_actor(owner), user_id=owner.id,
                                          name=name, expires_in_days=lifetime)
        except site.TokenLifetimeTooLong as refused:
            raise click.ClickException(
                f"Tokens may live at most {refused.params['max']} days (admin setting).") from None
        uow.commit()
        click.echo(issued.plaintext)

    with_database(work, _settings(ctx))


def main() -> None:
    """Console-script entry point."""
    sys.exit(cli.main(prog_name="relais"))


from service.cli_backup import db_dump, db_restore  # noqa: E402 (after cli is defined)
from service.cli_geodata import geodata_group  # noqa: E402 (after cli is defined)
from service.cli_mail import mail_sink  # noqa: E402 (after cli is defined)
from service.cli_publishing import fake_graph, worker  # noqa: E402 (after cli is defined)
from service.cli_territories import territories_group  # noqa: E402 (after cli is defined)

cli.add_command(worker)
cli.add_command(fake_graph)
cli.add_command(geodata_group)
cli.add_command(territories_group)
db.add_command(db_dump)
db.add_command(db_restore)
cli.add_command(mail_sink)
