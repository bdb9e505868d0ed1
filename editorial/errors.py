"""Errors of the editorial package: a stable machine ``code`` each, no HTTP status."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


class Text(str):
    """An English message that remembers its template and parameters, to be translated later.

    It reads as the English text (so logs, the CLI and tests see plain English); the service
    layer renders it in the request's language by looking up ``template`` in its gettext
    catalogue and filling in ``params``. Packages below ``service/`` cannot import Flask-Babel:
    this is how their texts reach an answer in French.
    """

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, params: dict[str, Any] | None = None) -> Text:
        """``template`` with ``{name}`` fields, filled from ``params`` (left as is without)."""
        text = super().__new__(cls, template.format(**params) if params else template)
        text.template = template
        text.params = dict(params or {})
        return text

    def format(self, *args: object, **kwargs: Any) -> str:
        """Fill named fields and stay a ``Text`` (marshmallow formats its messages this way)."""
        if args:
            return str(self).format(*args, **kwargs)
        return Text(self.template, {**self.params, **kwargs})

    def __reduce__(self) -> tuple[Any, ...]:
        # Copies (dataclasses.asdict, deepcopy, pickle) keep the template and parameters.
        return (Text, (self.template, self.params))


def N_(template: str, /, **params: Any) -> Text:  # gettext's usual name for a marker
    """Mark an English message for the catalogue (``pybabel extract`` knows ``N_``).

    ``N_("Unknown territory {id}.", id=7)`` reads "Unknown territory 7." and is translated by
    the service layer, template first, parameters after.
    """
    return Text(template, params)


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
