"""The ``relais geodata`` commands: import boundary files, export Relais's layers."""

from __future__ import annotations

from pathlib import Path

import click

from config.settings import Settings
from geodata.errors import FeaturesRejected
from geodata.export import ExportReport, export_geopackage
from geodata.importer import ImportReport, import_boundaries
from geodata.layers import LAYERS
from regions.db import UnitOfWork
from service.progress import progress_stream

MAX_LINES = 50


@click.group("geodata")
def geodata_group() -> None:
    """Administrative boundaries: the gazetteer that territories are made of."""


@geodata_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--level", required=True, help="Level of the areas, such as region or departement.")
@click.option("--code-field", required=True, help="Field holding each area's code (kept as text).")
@click.option("--name-field", required=True, help="Field holding each area's name.")
@click.option("--parent-level", help="Link each area to the area of this level containing it.")
@click.option("--layer", help="Layer to read, for files with several (default: the first).")
@click.option("--source", help="Where the data comes from (default: the file name).")
@click.pass_context
def import_command(ctx: click.Context, file: Path, level: str, code_field: str,
                   name_field: str, parent_level: str | None, layer: str | None,
                   source: str | None) -> None:
    """Import a GeoJSON, GeoPackage or Shapefile: all of it, or nothing if a feature is bad."""
    from service.cli import with_database

    def work(_settings: Settings, uow: UnitOfWork) -> ImportReport:
        return import_boundaries(
            uow, file, level=level, code_field=code_field, name_field=name_field,
            parent_level=parent_level, layer=layer, source=source,
            progress=progress_stream(),  # a bar on a terminal, else a line every few seconds
        )

    try:
        report = with_database(work, ctx.obj)
    except FeaturesRejected as exc:
        for problem in exc.problems[:MAX_LINES]:
            click.echo(f"  rejected {problem.describe()}", err=True)
        if exc.total > MAX_LINES:
            click.echo(f"  … and {exc.total - MAX_LINES} more", err=True)
        raise click.ClickException(
            f"{exc.total} feature(s) of {file.name} cannot be imported, so nothing was imported."
        ) from None
    _print_report(report)


def _print_report(report: ImportReport) -> None:
    """The import's counts, then each repair and area left without a parent."""
    click.echo(f"Imported {report.features} {report.level} areas from {report.source}: "
               f"{report.created} created, {report.updated} updated, "
               f"{report.unchanged} unchanged.")
    if report.reprojected_from:
        click.echo(f"Reprojected from {report.reprojected_from} to EPSG:4326.")
    if report.absent:
        click.echo(f"{report.absent} {report.level} areas already stored are not in this file "
                   "(kept).")
    for repair in report.repairs[:MAX_LINES]:
        click.echo(f"  repaired feature #{repair.index} (code {repair.code!r}): {repair.reason}")
    if len(report.repairs) > MAX_LINES:
        click.echo(f"  … and {len(report.repairs) - MAX_LINES} more repairs")
    if report.without_parent:
        click.echo(f"No parent found for: {', '.join(report.without_parent[:MAX_LINES])}")
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=True)


def _layer_names(_ctx: click.Context, _param: click.Parameter, value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in LAYERS]
    if unknown or not names:
        raise click.BadParameter(f"choose among {', '.join(LAYERS)} (comma-separated); "
                                 f"unknown: {', '.join(unknown) or '(none given)'}")
    return list(dict.fromkeys(names))


@geodata_group.command("export")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--layers", default=",".join(LAYERS), show_default=True, callback=_layer_names,
              help="Layers to write, comma-separated.")
@click.pass_context
def export_command(ctx: click.Context, file: Path, layers: list[str]) -> None:
    """Write territories, gazetteer areas and published posts to one GeoPackage.

    The same layers as the OGC API (/ogc/collections): every territory and gazetteer area,
    and only the published posts (drafts and posts under review never leave the API). An
    existing FILE is replaced whole, once the new one is complete.
    """
    from service.cli import with_database

    if file.suffix.lower() != ".gpkg":
        raise click.BadParameter("the file name must end in .gpkg", param_hint="FILE")

    def work(_settings: Settings, uow: UnitOfWork) -> ExportReport:
        return export_geopackage(uow.session, file, layers,
                                 progress=progress_stream())

    report = with_database(work, ctx.obj)
    counts = ", ".join(f"{name} {count}" for name, count in report.features.items())
    verb = "Replaced" if report.replaced else "Wrote"
    click.echo(f"{verb} {file}: {counts} features.")
