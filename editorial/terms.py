"""Forbidden terms: one trie-compressed regular expression for every term, over folded text.

Semantics (also in docs/decisions/0004-validation-engine.md):

- A term is matched case- and accent-insensitively ("gratuit" catches "Gratuit", "GRATUIT",
  "gratuît"), as a whole word: not preceded nor followed by a letter, digit or underscore, so
  "gratuit" is not found inside "gratuitement". Apostrophes, hyphens and hashtags are word
  edges: "l'arnaque", "#arnaque" and "super-arnaque" all contain "arnaque".
- A term ending with ``*`` also catches longer words: "gratuit*" catches "gratuite",
  "gratuits", "gratuitement".
- A phrase matches across any run of whitespace, or none: "crédit facile" catches "crédit" and
  "facile" separated by a line break, and "#créditfacile".
- Disguises do not hide a term (docs/decisions/0016-charter-terms-see-through-disguises.md):
  the fold (:mod:`editorial.text`) reads look-alike letters of other scripts, mathematical and
  full-width letters as Latin ones and drops invisible characters, and a word spelled out letter
  by letter ("g r a t u i t", "g.r.a.t.u.i.t", "g-r-a-t-u-i-t") is read as the word. Spans
  still point at the text as written.
- "œ" and "oe", "æ" and "ae" are the same letters.
- An exception phrase cancels a match that lies entirely inside one of its occurrences: term
  "gratuit*" with exception "entrée gratuite pour les enfants" flags "c'est gratuit" but not
  "entrée gratuite pour les enfants". Exceptions belong to one term.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from editorial.errors import N_
from editorial.patterns import LinearCompiler, Matcher, Unsupported
from editorial.text import Folded, fold

_STAR = "*"
_END = ""
_LIGATURES = (("oe", "œ"), ("ae", "æ"))
_WORD = re.compile(r"\w")


def fold_term(term: str) -> str:
    """The canonical folded form of a term or phrase: folded, single spaces, ligatures split."""
    folded = " ".join(fold(term).text.split())
    for plain, ligature in _LIGATURES:
        folded = folded.replace(ligature, plain)
    return folded


def term_problem(term: str) -> str | None:
    """Why ``term`` cannot be a forbidden term, or None if it can."""
    body = term[:-1] if term.endswith(_STAR) else term
    folded = fold_term(body)
    if not folded:
        return N_("a term needs at least one letter or digit")
    if _STAR in folded:
        return N_("'*' is only allowed at the end of a term")
    if not (_WORD.match(folded[0]) and _WORD.match(folded[-1])):
        return N_("a term must start and end with a letter or digit")
    return None


def _spellings(folded: str) -> Iterator[str]:
    """Every spelling of a folded term with and without the ligatures œ and æ (at most 16)."""
    pieces = re.split("(oe|ae)", folded)
    choices = [
        (piece, dict(_LIGATURES)[piece]) if piece in ("oe", "ae") else (piece,)
        for piece in pieces
    ]
    for combination in itertools.islice(itertools.product(*choices), 16):
        yield "".join(combination)


def _atom(char: str) -> str:
    if char == " ":
        return r"\s*"
    if char == _STAR:
        return r"\w*"
    return re.escape(char)


def _emit(node: dict[str, dict[str, object]]) -> str:
    alternatives: list[str] = []
    leaves: list[str] = []
    for char in sorted(key for key in node if key != _END):
        child: dict[str, dict[str, object]] = node[char]  # type: ignore[assignment]
        rest = _emit(child)
        if rest or char in (" ", _STAR):
            alternatives.append(_atom(char) + rest)
        else:
            leaves.append(re.escape(char))
    if leaves:
        alternatives.append(leaves[0] if len(leaves) == 1 else "[" + "".join(leaves) + "]")
    if not alternatives:
        return ""
    body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
    return f"(?:{body})?" if _END in node else body


def trie_pattern(words: Iterable[str]) -> str:
    """One regular expression matching any of ``words`` (folded, ``*`` for any word ending)."""
    root: dict[str, dict[str, object]] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})  # type: ignore[assignment]
        node[_END] = {}
    return _emit(root)


def phrase_pattern(phrase: str) -> str:
    """A regular expression for one folded phrase: any whitespace run, œ/oe and æ/ae alike."""
    pattern = "".join(r"\s+" if char == " " else re.escape(char) for char in phrase)
    for plain, ligature in _LIGATURES:
        pattern = pattern.replace(plain, f"(?:{plain}|{ligature})")
    return pattern


def whole_words(pattern: str) -> re.Pattern[str]:
    """Compile ``pattern`` so it only matches whole words."""
    return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)")


# A word spelled out: three or more letters or digits standing alone, each separated from the
# next by one to three spaces or punctuation marks ("g r a t u i t", "g.r.a.t.u.i.t", "g-r-a").
# Apostrophes are not separators, so that French elisions ("l'a", "d'y") stay words. The fold
# has already made every Latin letter ASCII. No look-around: RE2 runs it too.
_SEPARATOR = r"[\s.\-_*·•/|\\~+,:;\"`^=…‧∙⋅‐‑‒–—]"
_ALONE = "abcdefghijklmnopqrstuvwxyz0123456789"
_SPELLED_OUT = rf"([a-z0-9](?:{_SEPARATOR}{{1,3}}[a-z0-9])+)"
_SPELLED_MIN = 3


def _squeezed(found: str) -> str:
    return "".join(found.split())


@dataclass(frozen=True, slots=True)
class TermEntry:
    """One forbidden term as configured, and who forbids it."""

    owner: int
    term: str
    folded: str
    exceptions: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class TermHit:
    """A forbidden term found in a folded text: which entry, where (folded offsets)."""

    entry: TermEntry
    start: int
    end: int


class TermMatcher:
    """Finds every forbidden term of every owner with one scan of the folded text.

    With a linear-time compiler (RE2, see :mod:`editorial.patterns`), terms and words spelled
    out are found in one pass of one automaton; otherwise by two passes of ``re``.
    """

    __slots__ = ("_exact", "_prefixes", "_terms", "_spelled", "_linear", "_inside")

    def __init__(self, entries: Iterable[TermEntry], linear: LinearCompiler | None = None) -> None:
        self._exact: dict[str, list[TermEntry]] = {}
        self._prefixes: list[tuple[str, TermEntry]] = []
        spellings: set[str] = set()
        for entry in entries:
            starred = entry.folded.endswith(_STAR)
            for spelling in _spellings(entry.folded.removesuffix(_STAR)):
                if starred:
                    self._prefixes.append((_squeezed(spelling), entry))
                    spellings.add(spelling + _STAR)
                else:
                    self._exact.setdefault(_squeezed(spelling), []).append(entry)
                    spellings.add(spelling)
        self._terms: re.Pattern[str] | None = None
        self._spelled: re.Pattern[str] | None = None
        self._linear: Matcher | None = None
        self._inside: Matcher | None = None
        if not spellings:
            return
        trie = trie_pattern(spellings)
        # In a word spelled out, separators hide where words begin: terms are found anywhere
        # in its letters ("y a g r a t u i t" is "yagratuit", which holds "gratuit").
        self._inside = re.compile(f"({trie})")
        if linear is not None:
            # Group 1 is a term, group 2 a word spelled out. RE2 has no look-around: the
            # character after a spelled-out word is matched (so that the word's last letter
            # stands alone), and its \b knows ASCII letters only, which the fold made every
            # Latin letter (a term beginning or ending with œ or æ is not found by it).
            with contextlib.suppress(Unsupported):
                self._linear = linear(
                    rf"\b(?:({trie})\b|{_SPELLED_OUT}(?:$|[^a-z0-9]))", False
                )
                self._inside = linear(f"({trie})", False)
        if self._linear is None:
            # Terms start and end with a word character (see term_problem), so \b is the same
            # as the look-arounds of whole_words here, and about 15 % faster in CPython's engine.
            self._terms = re.compile(rf"\b({trie})\b")
            self._spelled = re.compile(rf"[^\w]{_SPELLED_OUT}")

    def scan(self, folded: Folded) -> list[TermHit]:
        """Every hit in the folded text (folded offsets), exceptions already taken out."""
        text = folded.text
        hits: list[TermHit] = []
        if self._linear is not None:
            for match in self._linear.finditer(text):
                if match.start(1) >= 0:
                    self._hit(hits, text, *match.span(1))
                else:
                    self._scan_spelled_out(hits, text, *match.span(2))
        elif self._terms is not None and self._spelled is not None:
            for match in self._terms.finditer(text):
                self._hit(hits, text, *match.span(1))
            for match in self._spelled.finditer(" " + text):
                self._scan_spelled_out(hits, text, match.start(1) - 1, match.end(1) - 1)
        return hits

    def _scan_spelled_out(self, hits: list[TermHit], text: str, start: int, end: int) -> None:
        """Terms in a word spelled out letter by letter: matched on its letters put together."""
        offsets = [start + i for i, char in enumerate(text[start:end]) if char in _ALONE]
        if end < len(text) and text[end] in _ALONE:
            offsets.pop()  # the last letter begins a word ("il y a des": "y a d|es")
        if len(offsets) < _SPELLED_MIN:
            return
        letters = "".join(text[offset] for offset in offsets)
        assert self._inside is not None
        for match in self._inside.finditer(letters):
            first, last = match.span(1)
            self._hit(hits, text, offsets[first], offsets[last - 1] + 1, letters[first:last])

    def _hit(
        self, hits: list[TermHit], text: str, start: int, end: int, found: str | None = None
    ) -> None:
        for entry in self._entries_for(_squeezed(text[start:end] if found is None else found)):
            if not _excepted(entry, text, start, end):
                hits.append(TermHit(entry, start, end))

    def _entries_for(self, found: str) -> list[TermEntry]:
        entries = list(self._exact.get(found, ()))
        entries.extend(entry for prefix, entry in self._prefixes if found.startswith(prefix))
        return list(dict.fromkeys(entries))


def _excepted(entry: TermEntry, folded: str, start: int, end: int) -> bool:
    if entry.exceptions is None:
        return False
    return any(m.start() <= start and end <= m.end() for m in entry.exceptions.finditer(folded))


def exceptions_pattern(exceptions: Iterable[str]) -> re.Pattern[str] | None:
    """One whole-word pattern for a term's exception phrases, or None if it has none."""
    phrases = [phrase_pattern(fold_term(text)) for text in exceptions]
    return whole_words("|".join(phrases)) if phrases else None
