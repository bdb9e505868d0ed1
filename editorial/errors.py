"""Errors of the editorial package: a stable machine ``code`` each, no HTTP status."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


class CodedError(Exception):
    """An error with a stable machine ``code``; ``params``/``errors`` give detail, no HTTP.

    The base of every package's errors (this is the lowest layer, so they can all use it).
    """

    code = "error"

    def __init__(
        self,
        message: str | None = None,
        *,
        params: dict[str, Any] | None = None,
        errors: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message or self.code)
        self.message = message or self.code
        self.params = params or {}
        self.errors = errors or {}


class EditorialError(CodedError):
    """Base of every editorial error."""

    code = "editorial.error"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a template or charter: where (``path``), what (``code``), in words."""

    path: str
    code: str
    message: str


def _errors_by_path(problems: tuple[Problem, ...]) -> dict[str, Any]:
    errors: dict[str, list[dict[str, str]]] = {}
    for problem in problems:
        errors.setdefault(problem.path, []).append(
            {"code": problem.code, "message": problem.message}
        )
    return errors


class DefinitionInvalid(EditorialError):
    """A template or charter definition has problems; ``problems`` lists every one of them."""

    code = "editorial.definition_invalid"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        summary = "; ".join(f"{p.path}: {p.message}" for p in self.problems[:5])
        super().__init__(
            f"{len(self.problems)} problem(s): {summary}",
            params={"count": len(self.problems)},
            errors=_errors_by_path(self.problems),
        )


class TemplateInvalid(DefinitionInvalid):
    """The template cannot be used as written (bad regex, contradictory limits, unknown slot…)."""

    code = "template.invalid"


class CharterInvalid(DefinitionInvalid):
    """The charter cannot be used as written."""

    code = "charter.invalid"
