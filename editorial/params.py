"""Reading rule parameters from plain data, collecting every problem instead of stopping."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from editorial.errors import N_, Problem


class ParamReader:
    """Typed access to a rule's ``params``; problems are appended with their path."""

    __slots__ = ("_params", "_path", "problems", "_read")

    def __init__(self, params: Mapping[str, object], path: str, problems: list[Problem]) -> None:
        self._params = params
        self._path = path
        self.problems = problems
        self._read: set[str] = set()

    def problem(self, key: str, code: str, message: str) -> None:
        """Record a problem about parameter ``key``."""
        self.problems.append(Problem(f"{self._path}.{key}" if key else self._path, code, message))

    def _get(self, key: str, required: bool) -> object:
        self._read.add(key)
        value = self._params.get(key)
        if value is None and required:
            self.problem(key, "param.required", N_("'{key}' is required", key=key))
        return value

    def raw(self, key: str) -> object:
        """A parameter as given, for shapes the typed readers do not cover."""
        return self._get(key, False)

    def integer(self, key: str, *, required: bool = False, minimum: int = 0) -> int | None:
        """An integer parameter not below ``minimum``."""
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(key, "param.not_integer", N_("'{key}' must be an integer", key=key))
            return None
        if value < minimum:
            self.problem(key, "param.too_small",
                         N_("'{key}' must be at least {min}", key=key, min=minimum))
            return None
        return value

    def number(self, key: str) -> float | None:
        """A non-negative number parameter."""
        value = self._get(key, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            self.problem(key, "param.not_number",
                         N_("'{key}' must be a number, 0 or more", key=key))
            return None
        return float(value)

    def boolean(self, key: str, default: bool = False) -> bool:
        """A boolean parameter."""
        value = self._get(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(key, "param.not_boolean", N_("'{key}' must be true or false", key=key))
            return default
        return value

    def string(self, key: str, *, required: bool = False) -> str | None:
        """A non-empty string parameter."""
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(key, "param.not_string", N_("'{key}' must be a non-empty string", key=key))
            return None
        return value

    def strings(self, key: str, *, required: bool = False) -> tuple[str, ...]:
        """A list of non-empty strings (empty tuple when absent or wrong)."""
        value = self._get(key, required)
        if value is None:
            return ()
        if not isinstance(value, list | tuple) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            self.problem(key, "param.not_string_list",
                         N_("'{key}' must be a list of strings", key=key))
            return ()
        if required and not value:
            self.problem(key, "param.empty", N_("'{key}' must not be empty", key=key))
        return tuple(value)

    def items(self, key: str) -> list[tuple[str, Mapping[str, object]]]:
        """A list of objects, each with its own path (e.g. terms with their exceptions)."""
        value = self._get(key, True)
        if value is None:
            return []
        if not isinstance(value, list | tuple):
            self.problem(key, "param.not_list", N_("'{key}' must be a list", key=key))
            return []
        found = []
        for number, item in enumerate(value):
            if isinstance(item, str):
                item = {"term": item}
            if not isinstance(item, Mapping):
                self.problem(f"{key}[{number}]", "param.not_object", N_("must be an object"))
                continue
            found.append((f"{self._path}.{key}[{number}]", item))
        return found

    def moment(self, key: str) -> datetime | None:
        """An ISO 8601 date-time with its UTC offset."""
        text = self.string(key)
        if text is None:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            self.problem(key, "param.not_datetime",
                         N_("'{key}' must be an ISO date-time with offset", key=key))
            return None
        return moment

    def finish(self) -> None:
        """Report parameters that nobody read: a typo should not silently disable a limit."""
        for key in sorted(set(self._params) - self._read):
            self.problem(key, "param.unknown", N_("unknown parameter '{key}'", key=key))

    def contradiction(self, low_key: str, low: float | None, high: float | None) -> bool:
        """Record ``low > high`` as a contradiction; True when the limits are consistent."""
        if low is not None and high is not None and low > high:
            self.problem(low_key, "param.contradictory", N_("the minimum is above the maximum"))
            return False
        return True
