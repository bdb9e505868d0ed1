"""Text analysis shared by the rules: accent folding with exact offsets, grapheme counting.

Folding maps every character to its lowercase, accent-free form ("É" → "e", "î" → "i",
"’" → "'", no-break spaces → " "). Most characters fold to exactly one character, so the
folded text is aligned with the original and a span found in one is a span in the other.
Combining accents (decomposed input) fold to nothing and a few letters (ligatures, Hangul)
to several characters: for such texts the fold keeps an index map back to the original.

The fast path encodes the text in Windows-1252 (which holds every French letter, œ, €, ’, «»)
with an error handler that folds the rare other characters, and folds bytes with one
``bytes.translate``: a few microseconds for a thousand characters, no Python loop.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

_ACCENTS = re.compile("[\u0300-\u036f]+")
_APOSTROPHES = "\u2019\u2018\u02bc\u2032"
ENCODING = "cp1252"  # Windows-1252: every French letter, œ, €, ’, « »
_HANDLER = "relais.fold"
_PLACEHOLDER = "\x1a"  # stands for a character that folds to itself but has no cp1252 byte
_SLOW = "\x00"  # marks a character whose fold is not one character: take the slow path


@cache
def fold_char(char: str) -> str:
    """The folded form of one character: lowercase, without accents; may be empty or longer."""
    if char in _APOSTROPHES:
        return "'"
    folded = _ACCENTS.sub("", unicodedata.normalize("NFKD", char.lower()))
    if len(folded) > 1 and not char.isalnum():
        return char  # "…", "½", "™": symbols stay themselves rather than grow
    return folded


def _encodable(char: str) -> bool:
    try:
        char.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


@cache
def _fast_replacement(char: str) -> str:
    """What the encoder writes for a character outside cp1252 (see the module docstring)."""
    folded = fold_char(char)
    if len(folded) == 1 and _encodable(folded):
        return folded
    return _PLACEHOLDER if folded == char else _SLOW


def _on_unencodable(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    run = error.object[error.start : error.end]
    return "".join(map(_fast_replacement, run)), error.end


codecs.register_error(_HANDLER, _on_unencodable)


def _byte_table() -> bytes:
    table = bytearray(range(256))
    for byte in range(256):
        try:
            char = bytes([byte]).decode(ENCODING)
        except UnicodeDecodeError:
            continue
        folded = fold_char(char)
        fits = len(folded) == 1 and _encodable(folded)
        table[byte] = folded.encode(ENCODING)[0] if fits else 0
    return bytes(table)


_TABLE = _byte_table()


@dataclass(frozen=True, slots=True)
class Folded:
    """A folded text; ``index[i]`` is the original offset of folded character ``i`` if not 1:1.

    When the fold is 1:1 (``index`` is None), ``exotic`` holds the characters outside cp1252,
    runs separated by spaces: only they can extend a grapheme cluster, so counting graphemes
    needs no other pass over the text.
    """

    text: str
    index: tuple[int, ...] | None
    original_length: int
    exotic: str = ""

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the folded text back to the span of the original text it came from."""
        index = self.index
        if index is None:
            return start, end
        if start >= len(index):
            return self.original_length, self.original_length
        first = index[start]
        if end <= start:
            return first, first
        # Characters folded to nothing (combining accents) after the span belong to it.
        following = index[end] if end < len(index) else self.original_length
        return first, max(index[end - 1] + 1, following)


def fold(text: str) -> Folded:
    """Fold ``text`` for case- and accent-insensitive matching, keeping offsets exact."""
    encoded = text.encode(ENCODING, _HANDLER).translate(_TABLE)
    if 0 in encoded:
        return _fold_slowly(text)
    result = encoded.decode(ENCODING)
    if _PLACEHOLDER not in result:
        return Folded(result, None, len(text))
    parts: list[str] = []
    exotic: list[str] = []
    previous = 0
    position = result.find(_PLACEHOLDER)
    while position >= 0:
        char = text[position]
        parts.append(result[previous:position])
        parts.append(char)
        if position != previous or not exotic:
            exotic.append(" ")
        exotic.append(char)
        previous = position + 1
        position = result.find(_PLACEHOLDER, previous)
    parts.append(result[previous:])
    return Folded("".join(parts), None, len(text), "".join(exotic))


def _fold_slowly(text: str) -> Folded:
    parts: list[str] = []
    index: list[int] = []
    for offset, char in enumerate(text):
        folded = fold_char(char)
        if folded:
            parts.append(folded)
            index.extend([offset] * len(folded))
    return Folded("".join(parts), tuple(index), len(text))


_REGIONAL = "\U0001f1e6-\U0001f1ff"
# Characters that extend the grapheme cluster before them (UAX #29, simplified): marks of the
# Basic Multilingual Plane, Hangul vowel/final jamo, and among the astral characters skin
# tones, emoji tags and variation selectors. A zero-width joiner joins the next character
# when it is neither a space nor a cp1252 character (in practice: an emoji). Astral
# combining marks of historic scripts are left out: they would cost a linear scan.
_BMP_EXTENDERS = "\u1160-\u11ff\ud7b0-\ud7ff"
_ASTRAL_EXTENDERS = "\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f\U000e0100-\U000e01ef"


def _cp1252_class() -> str:
    chars = bytes(b for b in range(256) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D))
    return "".join(re.escape(char) for char in chars.decode(ENCODING))


@cache
def _grapheme_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    ranges: list[str] = []
    start = previous = -2
    for code in range(0x10000):
        if unicodedata.category(chr(code)) in ("Mn", "Me", "Mc"):
            if code != previous + 1:
                if start >= 0:
                    ranges.append(_range(start, previous))
                start = code
            previous = code
    ranges.append(_range(start, previous))
    marks = "".join(ranges) + _BMP_EXTENDERS
    extend = f"[{marks}]|[{_ASTRAL_EXTENDERS}]|\u200d[^\\s{_cp1252_class()}]?"
    extenders = re.compile(extend)
    pairs = re.compile(f"[{_REGIONAL}]{{2}}")
    cluster = re.compile(f"(?:\r\n|[{_REGIONAL}]{{2}}|.)(?:{extend})*", re.DOTALL)
    return extenders, pairs, cluster


def _range(start: int, end: int) -> str:
    first, last = re.escape(chr(start)), re.escape(chr(end))
    return first if start == end else f"{first}-{last}"


def _without_extenders(text: str) -> int:
    extenders, pairs, _ = _grapheme_patterns()
    return len(pairs.sub("F", extenders.sub("", text)))


def count_graphemes(text: str, folded: Folded | None = None) -> int:
    """How many characters a person (and a network) counts: emoji, flags, accents count one."""
    crlf = text.count("\r\n") if "\r" in text else 0
    if folded is not None and folded.index is None:
        # Only characters outside cp1252 can extend a cluster: count on those alone.
        exotic = folded.exotic
        extending = len(exotic) - _without_extenders(exotic) if exotic else 0
        return len(text) - crlf - extending
    return _without_extenders(text) - crlf


def grapheme_offset(text: str, count: int) -> int:
    """The offset in ``text`` where its first ``count`` grapheme clusters end."""
    if count <= 0:
        return 0
    _, _, cluster = _grapheme_patterns()
    for number, match in enumerate(cluster.finditer(text), start=1):
        if number == count:
            return match.end()
    return len(text)


def warm_up() -> None:
    """Build the lazy Unicode tables now (a tenth of a second) rather than on first use."""
    _grapheme_patterns()
