r"""The linear-time regular expression engine (RE2) that desk patterns run on in the service.

``editorial`` is standard library only, so it receives this compiler through
:class:`editorial.patterns.PatternEngine` (see docs/decisions/0017-linear-time-patterns.md).
RE2 never backtracks: a pattern like ``(a+)+$`` takes time linear in the text.

Python's ``\w``, ``\d`` and ``\s`` know every script; RE2's only know ASCII. They are
rewritten into Unicode classes before RE2 compiles the pattern, so ``\w+`` still matches
« été ». A negated class escape inside brackets (``[^\W]``, ``[\D.]``) has no such rewrite:
those patterns are left to bounded ``re`` (or refused when unbounded).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import re2  # type: ignore[import-untyped]

from editorial.patterns import Match, Matcher, PatternEngine, Unsupported

_SURROGATES = re.compile("[\ud800-\udfff]")

_WORD = r"\p{L}\p{N}_"  # Python: str.isalnum() or "_"
_DIGIT = r"\p{Nd}"
_SPACE = r"\t\n\v\f\r\x1c-\x1f \x85\p{Z}"
_IN_CLASS = {"w": _WORD, "d": _DIGIT, "s": _SPACE}
_OUTSIDE = {
    "w": f"[{_WORD}]", "W": f"[^{_WORD}]",
    "d": _DIGIT, "D": r"\P{Nd}",
    "s": f"[{_SPACE}]", "S": f"[^{_SPACE}]",
}


def unicode_classes(source: str) -> str:
    r"""``source`` with ``\w \d \s`` (and their negations) spelled as Unicode classes."""
    out: list[str] = []
    in_class = False
    position = 0
    while position < len(source):
        char = source[position]
        if char == "\\" and position + 1 < len(source):
            escaped = source[position + 1]
            if in_class and escaped in "WDS":
                raise Unsupported(f"\\{escaped} inside a class")
            table = _IN_CLASS if in_class else _OUTSIDE
            out.append(table.get(escaped, char + escaped))
            position += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            out.append(char)
            # A "]" or "^]" right after the opening bracket is a literal, not the end.
            for prefix in ("^]", "]", "^"):
                if source.startswith(prefix, position + 1):
                    out.append(prefix)
                    position += len(prefix)
                    break
        elif char == "]" and in_class:
            in_class = False
            out.append(char)
        else:
            out.append(char)
        position += 1
    return "".join(out)


class Re2Pattern:
    """An RE2 pattern that also takes text Python holds but UTF-8 cannot (lone surrogates).

    RE2 matches UTF-8: a lone surrogate (JSON lets U+D800 through) stands in as U+FFFD,
    one character for one, so that offsets still point into the text as given.
    """

    __slots__ = ("_pattern",)

    def __init__(self, pattern: Any) -> None:
        self._pattern = pattern

    def finditer(self, text: str) -> Iterator[Match]:
        """Every match, left to right (found at once, so a bad text is caught here)."""
        try:
            return iter(list(self._pattern.finditer(text)))
        except UnicodeEncodeError:
            return iter(list(self._pattern.finditer(_SURROGATES.sub("\ufffd", text))))

    def fullmatch(self, text: str) -> Match | None:
        """The match of the whole text, or None."""
        try:
            return self._pattern.fullmatch(text)  # type: ignore[no-any-return]
        except UnicodeEncodeError:
            return self._pattern.fullmatch(  # type: ignore[no-any-return]
                _SURROGATES.sub("\ufffd", text))


def compile_re2(source: str, ignore_case: bool) -> Matcher:
    """Compile ``source`` with RE2, or raise Unsupported (look-arounds, back-references…)."""
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not ignore_case
    try:
        return Re2Pattern(re2.compile(unicode_classes(source), options))
    except re2.error as error:
        raise Unsupported(str(error)) from None


ENGINE = PatternEngine("re2", compile_re2)
