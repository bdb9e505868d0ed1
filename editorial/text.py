"""Text analysis shared by the rules: folding with exact offsets, grapheme counting.

Folding makes text comparable the way a reader sees it: lowercase, without accents ("É" → "e",
"’" → "'", no-break spaces → " "), look-alike letters of other scripts read as the Latin letter
they imitate (Cyrillic "а", Greek "ο", dotless "ı", small capitals, mathematical and full-width
letters: Unicode's confusables data, ``editorial/confusables.txt``), and invisible characters
gone (zero-width spaces and joiners, soft hyphens, variation selectors, combining marks, Hangul
fillers…: Unicode's format characters, marks and default-ignorable letters). Most characters
fold to exactly one character, so the folded text is aligned with the original and a span found
in one is a span in the other; where characters fold to nothing or to several, the fold keeps an
index map back to the original.

The fast path encodes the text in Windows-1252 (which holds every French letter, œ, €, ’, «»)
with an error handler that folds the rare other characters, and folds bytes with one
``bytes.translate``: a few microseconds for a thousand characters, no Python loop. Invisible
characters become a marker there, removed afterwards in one pass over the marked runs.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from pathlib import Path

_APOSTROPHES = "\u2019\u2018\u02bc\u2032"
ENCODING = "cp1252"  # Windows-1252: every French letter, œ, €, ’, « »
_HANDLER = "relais.fold"
_PLACEHOLDER = "\x1a"  # stands for a character that folds to itself but has no cp1252 byte
_IGNORED = "\x1f"  # stands for a character that folds to nothing (invisible, combining mark)
_MARKERS = (_PLACEHOLDER, _IGNORED)
_JOINER = "\u200d"
_SLOW = "\x00"  # marks a character whose fold is not one character: take the slow path
_CONFUSABLES = Path(__file__).with_name("confusables.txt")
# Default-ignorable letters (Unicode's DerivedCoreProperties) that are not format characters:
# the Hangul fillers, which render as nothing.
_WHITE_CONTROLS = frozenset("\t\n\x0b\x0c\r\x85")
_IGNORABLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
_SMALL_CAPITAL = re.compile(r"LATIN LETTER SMALL CAPITAL ([A-Z])")


def is_ignorable(char: str) -> bool:
    """True for a character a reader does not see as a letter of its own (see the docstring)."""
    category = unicodedata.category(char)
    if category == "Cc":  # control characters: invisible, except the usual white space
        return char not in _WHITE_CONTROLS
    return category in ("Cf", "Mn", "Me") or char in _IGNORABLE_LETTERS


@cache
def confusables() -> dict[str, str]:
    """Unicode's confusables (UTS #39): a character → the prototype it can be mistaken for."""
    mapping: dict[str, str] = {}
    with _CONFUSABLES.open(encoding="utf-8-sig") as lines:
        for line in lines:
            fields = line.split(";", 2)
            if len(fields) < 3 or line.startswith("#"):
                continue
            source = fields[0].split()
            if len(source) == 1:
                mapping[chr(int(source[0], 16))] = "".join(
                    chr(int(code, 16)) for code in fields[1].split()
                )
    return mapping


def _plain(text: str) -> str:
    """Lowercase, compatibility-decomposed (ｇ, 𝐠 → g), marks and invisibles dropped."""
    decomposed = unicodedata.normalize("NFKD", text.lower()).lower()  # 𝖠 has no lowercase: A
    return "".join(char for char in decomposed if not is_ignorable(char))


def _latin(text: str) -> str | None:
    """The plain form of ``text`` if it is made of ASCII letters and digits, else None."""
    plain = _plain(text)
    return plain if plain and plain.isascii() and plain.isalnum() else None


def _small_capital(char: str) -> str:
    match = _SMALL_CAPITAL.fullmatch(unicodedata.name(char, ""))
    return match.group(1) if match else char


def lookalike(char: str) -> str | None:
    """The Latin letters a non-Latin letter imitates ("а" Cyrillic → "a"), or None."""
    table = confusables()

    def latin(candidate: str) -> str | None:
        # A small capital is its letter (the data maps a few to other glyphs: ᴍ → ʍ).
        if (small := _small_capital(candidate)) != candidate:
            return small.lower()
        return _latin("".join(map(_small_capital, table.get(candidate, candidate))))

    found = latin(char)
    if found == "l" and char.lower() != char:
        # Capital I and small l are one prototype: Cyrillic "І" reads as the "i" it capitalises.
        found = latin(char.lower()) or found
    return found if found is not None else latin(char.lower())


@cache
def fold_char(char: str) -> str:
    """The folded form of one character: lowercase, without accents; may be empty or longer."""
    if char in _APOSTROPHES:
        return "'"
    if is_ignorable(char):
        return ""
    folded = _plain(char)
    # Letters of Windows-1252 (œ, ß, ø…) are themselves: only other scripts' letters imitate.
    if not folded.isascii() and unicodedata.category(char)[0] == "L" and not _encodable(char):
        folded = lookalike(char) or folded
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
    if not folded:
        return _IGNORED
    if len(folded) == 1 and _encodable(folded):
        return folded
    return _PLACEHOLDER if folded == char else _SLOW


def _on_unencodable(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    run = error.object[error.start : error.end]
    return "".join(map(_fast_replacement, run)), error.end


codecs.register_error(_HANDLER, _on_unencodable)


@cache
def _table() -> bytes:
    """The byte translation of the fast path (built on first use: it reads the confusables)."""
    table = bytearray(range(256))
    for byte in range(256):
        try:
            char = bytes([byte]).decode(ENCODING)
        except UnicodeDecodeError:
            continue
        folded = fold_char(char)
        if char in _MARKERS or char == _SLOW:  # the handler's markers pass through (as
            continue  # themselves they fold to nothing: fold() removes a placeholder in the text)
        if not folded:
            table[byte] = ord(_IGNORED)
            continue
        fits = len(folded) == 1 and _encodable(folded)
        table[byte] = folded.encode(ENCODING)[0] if fits else 0
    return bytes(table)


@dataclass(frozen=True, slots=True)
class Folded:
    """A folded text and the way back to the original text's offsets.

    When characters folded to nothing or to several, the way back is ``index`` (the original
    offset of each folded character: the slow path) or ``shifts`` (the fast path, which only
    removes invisible characters: ``(folded offset, characters removed before it)`` at each
    place the count grows). ``exotic`` holds the characters outside cp1252 (and the invisible
    ones), runs separated by spaces, or None when the fold took the slow path: only they can
    extend a grapheme cluster, so counting graphemes needs no other pass over the text.
    """

    text: str
    index: tuple[int, ...] | None
    original_length: int
    exotic: str | None = ""
    shifts: tuple[tuple[int, int], ...] = ()

    def _original(self, offset: int) -> int:
        if self.index is not None:
            return self.index[offset]
        found = bisect_right(self.shifts, offset, key=itemgetter(0))
        return offset + (self.shifts[found - 1][1] if found else 0)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the folded text back to the span of the original text it came from."""
        if self.index is None and not self.shifts:
            return start, end
        length = len(self.text)
        if start >= length:
            return self.original_length, self.original_length
        first = self._original(start)
        if end <= start:
            return first, first
        # Characters folded to nothing (combining accents) after the span belong to it.
        following = self._original(end) if end < length else self.original_length
        return first, max(self._original(end - 1) + 1, following)


def fold(text: str) -> Folded:
    """Fold ``text`` for case-, accent- and look-alike-insensitive matching, offsets exact."""
    encoded = text.encode(ENCODING, _HANDLER).translate(_table())
    if 0 in encoded:
        return _fold_slowly(text)
    result = encoded.decode(ENCODING)
    if _PLACEHOLDER not in result and _IGNORED not in result:
        return Folded(result, None, len(text))
    parts: list[str] = []
    exotic: list[str] = []
    shifts: list[tuple[int, int]] = []
    previous = removed = exotic_end = 0
    for position in _markers(result):
        char = text[position]
        parts.append(result[previous:position])
        if result[position] == _PLACEHOLDER and char != _PLACEHOLDER:
            parts.append(char)
        else:
            removed += 1
            shifts.append((position - removed + 1, removed))
        if position != exotic_end or not exotic:
            exotic.append(" ")
        exotic.append(char)
        exotic_end = previous = position + 1
        # A joiner joins the next character even when that one folds to a cp1252 letter.
        if char == _JOINER and previous < len(text) and result[previous] not in _MARKERS:
            exotic.append(text[previous])
            exotic_end += 1
    parts.append(result[previous:])
    return Folded("".join(parts), None, len(text), "".join(exotic), tuple(shifts))


def _markers(result: str) -> list[int]:
    """The offsets of the placeholders and invisible markers, in order (``str.find`` is C)."""
    positions: list[int] = []
    for marker in _MARKERS:
        position = result.find(marker)
        while position >= 0:
            positions.append(position)
            position = result.find(marker, position + 1)
    positions.sort()
    return positions


def _fold_slowly(text: str) -> Folded:
    parts: list[str] = []
    index: list[int] = []
    for offset, char in enumerate(text):
        folded = fold_char(char)
        if folded:
            parts.append(folded)
            index.extend([offset] * len(folded))
    return Folded("".join(parts), tuple(index), len(text), None)


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
    if folded is not None and folded.exotic is not None:
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
    _table()
