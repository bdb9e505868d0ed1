r"""Regular expressions written by the desk, compiled so that no pattern can stall a validation.

A pattern runs on a *linear-time* engine when one is given (RE2, injected by the layer allowed
to import it: ``editorial`` is standard library only). Python's backtracking ``re`` is used only
for what RE2 cannot run (look-arounds, back-references, ``\b`` on non-ASCII letters) and only
when the pattern's backtracking is bounded: every repetition has an upper bound and the number
of ways the pattern can match at one position stays under :data:`MAX_PATHS`. Anything else is
refused when the template or charter is saved (``pattern.unsafe``), never at validation time.
See docs/decisions/0017-linear-time-patterns.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any, Protocol

MAX_PATHS = 1_000  # ways one start position can be tried by ``re``: work stays linear in text


class Match(Protocol):
    """What the checks use of a match (``re.Match`` and RE2's match both have it)."""

    def span(self, group: int = 0) -> tuple[int, int]:
        """(start, end) in the subject of the match or of a group ((-1, -1) if unmatched)."""

    def start(self, group: int = 0) -> int:
        """Where the match (or a group) starts, -1 for a group that did not take part."""

    def end(self, group: int = 0) -> int:
        """Where the match (or a group) ends."""


class Matcher(Protocol):
    """A compiled pattern: the two methods the checks call."""

    def finditer(self, text: str) -> Iterator[Match]:
        """Every non-overlapping match, left to right."""

    def fullmatch(self, text: str) -> Match | None:
        """The match of the whole ``text``, or None."""


class Unsupported(Exception):
    """The linear engine cannot run this pattern (a feature it lacks, or too large)."""


# (source, ignore_case) -> compiled pattern, or Unsupported.
LinearCompiler = Callable[[str, bool], Matcher]


@dataclass(frozen=True, slots=True)
class PatternEngine:
    """How desk patterns are compiled: a linear-time compiler if available, then bounded ``re``.

    ``linear`` is None in the standard-library-only engine (:data:`BOUNDED_ONLY`): it accepts
    only patterns whose backtracking is bounded. ``name`` is what reports and logs show.
    """

    name: str
    linear: LinearCompiler | None = None
    # True when the linear engine's \b and \B only know ASCII word characters (RE2): a
    # pattern using them runs on bounded ``re`` when it can, to keep Python's meaning.
    ascii_boundaries: bool = True


BOUNDED_ONLY = PatternEngine("re (bounded patterns only)")


@dataclass(frozen=True, slots=True)
class Compiled:
    """A compiled desk pattern and the engine that runs it (``"re2"`` or ``"re"``)."""

    matcher: Matcher
    engine: str


class PatternInvalid(Exception):
    """Not a regular expression at all (``position`` as ``re.error`` gives it)."""

    def __init__(self, position: int | None) -> None:
        super().__init__(position)
        self.position = position


class PatternUnsafe(Exception):
    """A valid pattern that no safe engine can run: it could backtrack without bound."""

    def __init__(self, paths: float, linear_tried: bool) -> None:
        super().__init__(paths)
        self.paths = paths
        self.linear_tried = linear_tried


_BOUNDARY = re.compile(r"(?<!\\)(?:\\\\)*\\[bB]")


def compile_pattern(source: str, ignore_case: bool, engine: PatternEngine) -> Compiled:
    """Compile a desk pattern safely; raises PatternInvalid or PatternUnsafe."""
    flags = re.IGNORECASE if ignore_case else 0
    try:
        parsed = sre_parse.parse(source, flags)
        backtracking = re.compile(source, flags)
    except (re.error, RecursionError, OverflowError) as error:
        raise PatternInvalid(getattr(error, "pos", None)) from None
    paths = backtracking_paths(parsed)
    bounded = paths <= MAX_PATHS
    if engine.linear is not None:
        prefer_re = bounded and engine.ascii_boundaries and _BOUNDARY.search(source) is not None
        if not prefer_re:
            try:
                return Compiled(engine.linear(source, ignore_case), "re2")
            except Unsupported:
                pass
    if bounded:
        return Compiled(backtracking, "re")
    raise PatternUnsafe(paths, engine.linear is not None)


_UNBOUNDED = float("inf")
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}


def backtracking_paths(parsed: Any) -> float:
    """An upper bound on the ways a backtracking engine can try the pattern at one position.

    Infinite when a repetition has no upper bound (``*``, ``+``, ``{m,}``): such a pattern can
    take time quadratic or exponential in the text, like ``(a+)+$`` or ``(.*a){20}``.
    """
    total = 1.0
    for op, argument in parsed:
        total *= _node_paths(op, argument)
        if total > MAX_PATHS:
            return total
    return total


def _node_paths(op: Any, argument: Any) -> float:
    if op in _REPEATS:
        low, high, body = argument
        return _repeat_paths(int(low), int(high), backtracking_paths(body))
    if op == sre.BRANCH:
        return float(sum(backtracking_paths(branch) for branch in argument[1]))
    if op == sre.SUBPATTERN:
        return backtracking_paths(argument[-1])
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return backtracking_paths(argument[1])
    if op == getattr(sre, "ATOMIC_GROUP", None):
        return backtracking_paths(argument)
    if op == sre.GROUPREF_EXISTS:
        _, yes, no = argument
        return backtracking_paths(yes) + (backtracking_paths(no) if no else 1)
    return 1.0


def _repeat_paths(low: int, high: int, ways: float) -> float:
    """Ways of a repetition {low,high} of a body with ``ways`` ways: their sum over counts."""
    if high == sre.MAXREPEAT:
        return _UNBOUNDED
    total, power = 0.0, ways**low
    for _ in range(low, high + 1):
        total += power
        power *= ways
        if total > MAX_PATHS:
            break
    return total
