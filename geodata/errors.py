"""Errors of boundary import: one base with a stable ``code``, per-feature problems attached."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from regions.errors import RegionsError


@dataclass(frozen=True, slots=True)
class FeatureProblem:
    """Why one feature of a file cannot be imported (``index`` counts from 0 in file order)."""

    index: int
    code: str | None
    problem: str
    message: str

    def describe(self) -> str:
        """One line naming the feature and its problem."""
        label = f"code {self.code!r}" if self.code else "no code"
        return f"feature #{self.index} ({label}): {self.message}"


class GeodataError(RegionsError):
    """Base of every boundary-import error."""

    code = "geodata.error"


class FileNotFound(GeodataError):
    """The boundary file does not exist."""

    code = "geodata.file_not_found"


class FileUnreadable(GeodataError):
    """The file is not a vector format the reader understands (or is damaged)."""

    code = "geodata.file_unreadable"


class InvalidJson(GeodataError):
    """A GeoJSON file that is not valid JSON."""

    code = "geodata.invalid_json"


class MissingField(GeodataError):
    """The code or name field asked for is not in the file."""

    code = "geodata.missing_field"


class UnknownCrs(GeodataError):
    """The file's coordinate reference system cannot be understood."""

    code = "geodata.unknown_crs"


class EmptyFile(GeodataError):
    """The file holds no features at all."""

    code = "geodata.empty_file"


class NoGeometry(GeodataError):
    """The file holds records but no shapes (a CSV or a plain table, say)."""

    code = "geodata.no_geometry"


class ParentLevelMissing(GeodataError):
    """A parent level was asked for but no area of that level exists yet."""

    code = "geodata.parent_level_missing"


class FeaturesRejected(GeodataError):
    """Some features cannot be imported: the whole import is refused, every problem listed."""

    code = "geodata.features_rejected"

    def __init__(self, problems: list[FeatureProblem], total: int, source: str) -> None:
        shown = "; ".join(p.describe() for p in problems[:3])
        more = f" (and {total - 3} more)" if total > 3 else ""
        super().__init__(
            f"{total} feature(s) of {source} cannot be imported, so nothing was imported: "
            f"{shown}{more}.",
            params={"count": total, "source": source},
            errors={"features": [asdict(p) for p in problems]},
        )
        self.problems = tuple(problems)
        self.total = total

