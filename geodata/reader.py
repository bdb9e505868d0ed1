"""Reading boundary files with pyogrio, in batches of bounded size (GeoJSON, GeoPackage, SHP…)."""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyogrio
import shapely
from pyogrio import raw
from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError

from geodata.errors import (
    EmptyFile,
    FileNotFound,
    FileUnreadable,
    InvalidJson,
    MissingField,
    NoGeometry,
)
from geodata.shapes import as_text

JSON_SUFFIXES = frozenset({".geojson", ".json"})
# Source bytes per batch. Each batch re-opens the file (pyogrio's raw reader has no cursor
# without pyarrow), so larger batches are faster and smaller ones lighter; 8 MB keeps the
# Python-side peak near 3 × 8 MB whatever the file size.
BATCH_BYTES = 8 * 1024 * 1024
READ_ERRORS = (DataSourceError, DataLayerError, FieldError, GeometryError)


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What a boundary file holds: driver, CRS, feature count and fields."""

    path: Path
    layer: str | None
    driver: str
    crs: str | None
    features: int
    fields: dict[str, str]

    def text_warning(self, field: str) -> str | None:
        """A warning when a field meant to hold codes is stored as a number in the file."""
        kind = self.fields.get(field, "OFTString")
        if kind == "OFTString":
            return None
        return (f"The field {field!r} is stored as a number ({kind}) in the file: codes with "
                "leading zeros (such as '01') may have lost them there.")


@dataclass(frozen=True, slots=True)
class RawBatch:
    """One batch of features as read: text codes and names, shapes as read (any CRS)."""

    start: int
    codes: list[str | None]
    names: list[str | None]
    shapes: Any  # numpy array of shapely geometries (None where a feature has no geometry)


@contextmanager
def _read_errors(path: Path) -> Iterator[None]:
    """Turn the reader's errors into geodata errors naming the file."""
    try:
        yield
    except READ_ERRORS as exc:
        reason = str(exc).split(";")[0].strip().rstrip(".")
        if path.suffix.lower() in JSON_SUFFIXES:
            raise InvalidJson(f"{path.name} is not valid GeoJSON: {reason}.",
                              params={"file": path.name, "reason": reason}) from None
        raise FileUnreadable(
            f"{path.name} cannot be read as GeoJSON, GeoPackage or Shapefile: {reason}.",
            params={"file": path.name, "reason": reason},
        ) from None


def describe(path: Path, layer: str | None = None) -> SourceInfo:
    """Open a file far enough to know its driver, CRS, feature count and fields."""
    if not path.exists():
        raise FileNotFound(f"No file {path}.", params={"file": str(path)})
    if path.is_dir() and path.suffix.lower() != ".gdb":
        raise FileUnreadable(f"{path} is a folder, not a boundary file.",
                             params={"file": str(path)})
    if path.is_file() and _is_blank(path):
        raise EmptyFile(f"{path.name} is empty.", params={"file": path.name})
    with _read_errors(path):
        info = pyogrio.read_info(path, layer=layer, force_feature_count=True)
    features = int(info["features"])
    if features <= 0:
        raise EmptyFile(f"{path.name} holds no features.", params={"file": path.name})
    if not info.get("geometry_type"):
        raise NoGeometry(
            f"{path.name} holds no geometry ({info['driver']} data without shapes): give a "
            "GeoJSON, GeoPackage or Shapefile of areas.",
            params={"file": path.name, "driver": str(info["driver"])})
    return SourceInfo(
        path=path, layer=layer, driver=str(info["driver"]), crs=info["crs"], features=features,
        fields=dict(zip(info["fields"], info["ogr_types"], strict=True)),
    )


def _is_blank(path: Path) -> bool:
    """Whether a file is empty or holds only white space (read no further than needed)."""
    with path.open("rb") as handle:
        return not handle.read(4096).strip() and not handle.read(1)


def require_fields(source: SourceInfo, *fields: str) -> None:
    """Refuse the import when a field asked for is not in the file, naming those that are."""
    missing = [name for name in fields if name not in source.fields]
    if missing:
        available = ", ".join(sorted(source.fields)) or "none"
        raise MissingField(
            f"{source.path.name} has no field {missing[0]!r} (its fields: {available}).",
            params={"field": missing[0], "available": sorted(source.fields)},
        )


def batch_size_for(source: SourceInfo, batch_bytes: int = BATCH_BYTES) -> int:
    """Features per batch so that one batch covers about ``batch_bytes`` of the file."""
    size = max(_size_on_disk(source.path), 1)
    return max(1, math.ceil(source.features * batch_bytes / size))


def _size_on_disk(path: Path) -> int:
    if path.is_dir():
        return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())
    return path.stat().st_size


def read_batches(
    source: SourceInfo, code_field: str, name_field: str, batch_size: int
) -> Iterator[RawBatch]:
    """The file's features, ``batch_size`` at a time, in file order."""
    start = 0
    while start < source.features:
        with _read_errors(source.path):
            meta, _fids, wkb, values = raw.read(
                source.path, layer=source.layer, columns=[code_field, name_field],
                force_2d=True, skip_features=start, max_features=batch_size,
            )
        if len(wkb) == 0:
            return
        columns = dict(zip(meta["fields"], values, strict=True))
        batch = RawBatch(start=start, codes=as_text(columns[code_field]),
                         names=as_text(columns[name_field]), shapes=shapely.from_wkb(wkb))
        start += len(wkb)
        # pyogrio 0.13's reader leaves its arrays in a reference cycle: without a collection
        # here every batch's WKB would stay in memory until Python's next full collection.
        del meta, wkb, values, columns
        gc.collect()
        yield batch
        del batch  # before reading the next one
