"""Export Relais's layers to one GeoPackage: the same layers, fields and rows as the OGC API.

Rows are read in batches (keyset on the id) and written with pyogrio from WKB, so a layer of
millions of rows never sits in memory at once. The file is written beside the target and moved
over it at the end: an export either replaces the file whole or leaves it as it was.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pyogrio.raw
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tqdm import tqdm

from geodata.layers import LAYERS, Field, Layer

BATCH_ROWS = 5_000
DTYPES: dict[str, Any] = {"integer": "int64", "number": "float64", "string": object,
                          "datetime": "datetime64[ms]"}


@dataclass
class ExportReport:
    """What an export wrote: features per layer, and whether it replaced an existing file."""

    path: Path
    replaced: bool
    features: dict[str, int] = field(default_factory=dict)


def _column(values: list[Any], kind: str) -> tuple[Any, Any]:
    """A field's values as a numpy array, and the mask of its nulls."""
    mask = np.array([value is None for value in values], dtype=bool)
    if kind == "datetime":  # UTC, without offset: GeoPackage readers take it as UTC
        values = [None if v is None else v.astimezone(UTC).replace(tzinfo=None) for v in values]
        filled = [np.datetime64("NaT") if v is None else v for v in values]
    elif kind == "integer":
        filled = [0 if v is None else v for v in values]
    elif kind == "number":
        filled = [np.nan if v is None else float(v) for v in values]
    else:
        filled = values
    return np.array(filled, dtype=DTYPES[kind]), mask


def _batches(session: Session, layer: Layer, size: int) -> Iterator[list[Any]]:
    columns = [layer.key, func.ST_AsBinary(layer.geometry),
               *[layer_field.column for layer_field in layer.fields]]
    last = 0
    while True:
        rows = list(session.execute(
            select(*columns).select_from(layer.source)
            .where(layer.readable, layer.key > last).order_by(layer.key).limit(size)
        ))
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _write(path: Path, layer: Layer, rows: list[Any], *, append: bool) -> None:
    fields: Sequence[Field] = layer.fields
    arrays = [_column([row[2 + i] for row in rows], f.kind) for i, f in enumerate(fields)]
    geometry = np.array([None if row[1] is None else bytes(row[1]) for row in rows],
                        dtype=object)
    pyogrio.raw.write(
        str(path), geometry, [values for values, _ in arrays], [f.name for f in fields],
        field_mask=[mask for _, mask in arrays], layer=layer.id, driver="GPKG",
        geometry_type=layer.geometry_type, crs="EPSG:4326", append=append,
        layer_metadata={"title": str(layer.title), "description": str(layer.description)},
    )


def _export_layer(session: Session, path: Path, layer: Layer, *, append: bool,
                  progress: TextIO | None, batch_rows: int) -> int:
    total = session.scalar(select(func.count()).select_from(layer.source)
                           .where(layer.readable)) or 0
    written = 0
    with tqdm(total=total, unit="feature", desc=layer.id, file=progress,
              disable=progress is None, leave=False) as bar:
        for rows in _batches(session, layer, batch_rows):
            _write(path, layer, rows, append=append or written > 0)
            written += len(rows)
            bar.update(len(rows))
    if written == 0:  # an empty layer still exists, with its fields
        _write(path, layer, [], append=append)
    return written


def export_geopackage(session: Session, path: Path, layer_ids: Sequence[str], *,
                      progress: TextIO | None = None, batch_rows: int = BATCH_ROWS
                      ) -> ExportReport:
    """Write the layers named to one GeoPackage at ``path``, replacing any file there."""
    unknown = [name for name in layer_ids if name not in LAYERS]
    if unknown or not layer_ids:
        raise ValueError(f"Unknown layers: {', '.join(unknown) or '(none given)'}; "
                         f"choose among {', '.join(LAYERS)}.")
    report = ExportReport(path=path, replaced=path.exists())
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial.gpkg")
    partial.unlink(missing_ok=True)
    try:
        for index, name in enumerate(dict.fromkeys(layer_ids)):
            report.features[name] = _export_layer(
                session, partial, LAYERS[name], append=index > 0, progress=progress,
                batch_rows=batch_rows)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return report
