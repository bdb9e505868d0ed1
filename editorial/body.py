"""Template bodies: locked text around ``{slot}`` holes; rendering and checking adaptations.

A body such as ``"Rendez-vous à {city} le {date}."`` is a sequence of locked segments and
slots. ``{{`` and ``}}`` stand for literal braces. A regional post adapts the body: it may add
text around it, but every locked segment must still be there, unchanged and in order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from editorial.errors import N_, Problem

SLOT_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


@dataclass(frozen=True, slots=True)
class Piece:
    """A part of a body: locked ``text``, or the ``slot`` named so (``text`` is then empty)."""

    text: str = ""
    slot: str | None = None


def parse_body(body: str, path: str = "body") -> tuple[tuple[Piece, ...], list[Problem]]:
    """Split a body into pieces; also return every syntax problem found."""
    pieces: list[Piece] = []
    problems: list[Problem] = []
    literal: list[str] = []
    position = 0
    for match in _TOKEN.finditer(body):
        literal.append(body[position : match.start()])
        position = match.end()
        token = match.group()
        if token in ("{{", "}}"):
            literal.append(token[0])
        elif match.group(1) is not None and SLOT_NAME.fullmatch(match.group(1)):
            pieces.append(Piece(text="".join(literal)))
            literal = []
            pieces.append(Piece(slot=match.group(1)))
        else:
            message = N_("{token} at offset {offset} is not a slot like {example}",
                         token=repr(token), offset=match.start(), example="{city}")
            problems.append(Problem(path, "body.bad_placeholder", message))
    literal.append(body[position:])
    pieces.append(Piece(text="".join(literal)))
    return tuple(p for p in pieces if p.slot is not None or p.text), problems


def render(pieces: tuple[Piece, ...], slot_values: Mapping[str, str]) -> str:
    """The body with each slot replaced by its value (or left as ``{name}`` when missing)."""
    return "".join(
        piece.text if piece.slot is None else slot_values.get(piece.slot, f"{{{piece.slot}}}")
        for piece in pieces
    )


@dataclass(frozen=True, slots=True)
class Divergence:
    """Where a post stops following a locked segment of its template."""

    index: int
    expected: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Walk:
    """The result of following a body through a post: divergences and where slots landed."""

    divergences: tuple[Divergence, ...]
    slot_spans: Mapping[str, tuple[int, int]]


def plain_spaces(text: str) -> str:
    """``text`` with no-break spaces made plain (same length): typography never unlocks text."""
    if "\u00a0" in text or "\u202f" in text:
        return text.replace("\u00a0", " ").replace("\u202f", " ")
    return text


def walk(pieces: tuple[Piece, ...], text: str, slot_values: Mapping[str, str]) -> Walk:
    """Find each locked segment of the body in ``text``, in order; report where it diverges."""
    text = plain_spaces(text)
    divergences: list[Divergence] = []
    slot_spans: dict[str, tuple[int, int]] = {}
    cursor = 0
    open_slot: tuple[str, int] | None = None
    for index, piece in enumerate(pieces):
        if piece.slot is not None:
            open_slot = (piece.slot, cursor)
            value = plain_spaces(str(slot_values.get(piece.slot) or ""))
            if value and text.startswith(value, cursor):
                cursor += len(value)  # the locked text that follows must come after the value
            continue
        locked = plain_spaces(piece.text)
        found = text.find(locked, cursor)
        if found < 0:
            divergences.append(_divergence(index, locked, text, cursor))
            open_slot = None
            continue
        if open_slot is not None:
            slot_spans.setdefault(open_slot[0], (open_slot[1], found))
            open_slot = None
        cursor = found + len(locked)
    return Walk(tuple(divergences), slot_spans)


def _divergence(index: int, expected: str, text: str, cursor: int) -> Divergence:
    """The span where ``text`` departs from ``expected``, starting at the best anchor."""
    anchor, common = cursor, 0
    for size in (12, 6, 3, 2, 1):
        candidate = text.find(expected[:size], cursor, cursor + 200)
        if candidate >= 0:
            anchor = candidate
            break
    limit = min(len(expected), len(text) - anchor)
    while common < limit and text[anchor + common] == expected[common]:
        common += 1
    start = anchor + common
    end = min(len(text), start + max(1, len(expected) - common))
    return Divergence(index, expected, min(start, len(text)), end)
