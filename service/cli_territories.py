"""The ``relais territories`` commands: roll territories out from the gazetteer."""

from __future__ import annotations

import click

from config.settings import Settings
from regions.db import UnitOfWork
from regions.rollout import RolloutReport, roll_out_territories
from service.progress import progress_stream

MAX_LINES = 50


@click.group("territories")
def territories_group() -> None:
    """Territories: the organisation's own areas, where posts belong."""


def _codes(_ctx: click.Context, _param: click.Parameter, value: str | None) -> list[str] | None:
    if value is None:
        return None
    codes = [code.strip() for code in value.split(",") if code.strip()]
    if not codes:
        raise click.BadParameter("give at least one code (comma-separated)")
    return list(dict.fromkeys(codes))


@territories_group.command("from-areas")
@click.option("--level", required=True, help="Level of the areas, such as departement.")
@click.option("--parent-level", help="Nest each territory under the territory of its ancestor "
                                     "area of this level (made too if missing), e.g. region.")
@click.option("--under", metavar="SLUG", help="Slug of the territory the top of the new "
                                              "hierarchy goes under.")
@click.option("--codes", callback=_codes, help="Only these areas, comma-separated codes.")
@click.option("--timezone", default="Europe/Paris", show_default=True,
              help="Time zone of top-level territories (overseas areas get their own).")
@click.option("--dry-run", is_flag=True, help="Say what would change, change nothing.")
@click.pass_context
def from_areas(ctx: click.Context, level: str, parent_level: str | None, under: str | None,
               codes: list[str] | None, timezone: str, dry_run: bool) -> None:
    """Make one territory per gazetteer area, nested like the areas: all of it or nothing.

    Running it again changes nothing and says so. Territories made of one area alone are
    found again: moved under their new parent if it differs, reshaped if the area changed.
    """
    from service.cli import with_database

    def work(_settings: Settings, uow: UnitOfWork) -> RolloutReport:
        report = roll_out_territories(
            uow, None, level=level, parent_level=parent_level, under=under, codes=codes,
            timezone=timezone, progress=progress_stream())
        if not dry_run:
            uow.commit()
        return report

    _print_report(with_database(work, ctx.obj), dry_run)


def _print_report(report: RolloutReport, dry_run: bool) -> None:
    if not report.changed_anything:
        click.echo(f"Nothing to do: the {report.areas} {report.level} areas already have their "
                   "territories.")
    else:
        verb = "would be" if dry_run else "were"
        click.echo(f"{report.created} {report.level} territories {verb} created"
                   + (f" (and {report.parents_created} {report.parent_level} territories)"
                      if report.parents_created else "")
                   + f"; {report.moved} moved, {report.reshaped} reshaped, "
                   f"{report.unchanged} unchanged.")
    if report.without_parent:
        shown = ", ".join(report.without_parent[:MAX_LINES])
        more = (f" … and {len(report.without_parent) - MAX_LINES} more"
                if len(report.without_parent) > MAX_LINES else "")
        click.echo(f"No {report.parent_level} area above: {shown}{more}", err=True)
    if dry_run:
        click.echo("Dry run: nothing was changed.")
