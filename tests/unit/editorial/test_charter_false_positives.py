"""Seeing through disguises finds no new term in ordinary French and English text.

The corpus is text people wrote for other purposes: the interface's messages in French and
English, the demo's posts and templates, the project's design decisions, plus sentences full of
what looks like a disguise and is not (initials, acronyms, "il y a", Greek and Cyrillic words,
emoji sequences, soft hyphens). On each text, the engine must find each charter term exactly as
often as a plain whole-word search on the accent-folded text does: no more (a false positive
from look-alikes, invisibles or letter-spacing), no fewer.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from editorial import Draft, charter_from_dict, compile_template, template_from_dict, validate
from regions.patterns import ENGINE
from service import demo_content
from tests.charter_terms import DEMO_EXCEPTIONS, DEMO_TERMS, REALISTIC_TERMS
from tests.unit.editorial.conftest import NOW

ROOT = Path(__file__).resolve().parents[3]
TRICKY = [
    "Il y a un an, la S.N.C.F. a ouvert la ligne ; il y a des travaux à Caluire.",
    "J. R. R. Tolkien, les U.S.A., e.g. et i.e. : a. b. c. d.",
    "A B C D E F G, puis 1 2 3 soleil ! Rendez-vous à 9 h 30 à l'agence.",
    "Voir p. 12, n° 3, art. L. 121-1 du Code ; c'est-à-dire M. et Mme Dupont, Sté & Cie.",
    "Ce n'est pas gratuit, mais l’entrée est gratuite pour les enfants.",
    "La promotion d’été et les promotions de l’hiver : les promos, c'est fini.",
    "Σ = 5 ; π r² ; α, β, γ ; Καλημέρα κόσμε ; Привет, как дела ? Слава, сорок, рука.",
    "Emoji ❤️ 👨‍👩‍👧‍👦 1️⃣ 🇫🇷 👍🏽 ☀️ et un drapeau 🏴󠁧󠁢󠁳󠁣󠁴󠁿 à la fin.",
    "Soft hy\u00adphens in infor\u00admation and con\u00adtrat, zero\u200bwidth spaces in URLs.",
    "A/B testing, w/o, s/o, the O.K. button, R&D, Q&A, Ph.D., a.m. and p.m. at 9 a.m.",
    "I'm a winner! The cheapest option is not cheap; guaranteed delivery is our promise.",
    "The garantie légale de conformité lasts two years; garanties légales et commerciales.",
    "moins chers que l’an dernier, moins cher qu’ailleurs : c'est le meilleur prix du mois.",
    "ＡＢＣ full-width and 𝐁𝐨𝐥𝐝 math letters in a title: Ｔｏｋｙｏ 𝐄𝐧𝐞𝐫𝐠𝐲.",
    "Ligne 1 : a - b - c ; ligne 2 : x / y / z ; les cases a, b, c et d sont cochées.",
    "S O S, T.G.V., R.E.R. B, A.O.C., O.N.U., U.E., R.S.A. et C.A.F. sont des sigles.",
]


def corpus() -> list[str]:
    """Paragraphs of ordinary text, French and English."""
    texts = list(TRICKY)
    with (ROOT / "service/translations/fr/LC_MESSAGES/messages.po").open("rb") as po:
        for message in read_po(po):
            for text in (message.id, message.string):
                texts += [t for t in (text if isinstance(text, tuple) else (text,)) if t]
    decisions = sorted((ROOT / "docs/decisions").glob("00*.md"))
    for path in [d for d in decisions if int(d.name[:4]) <= 13]:
        texts += [p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    texts += list(_strings((demo_content.CHARTER, demo_content.TEMPLATES, demo_content.POSTS,
                            demo_content.CAMPAIGNS)))
    return texts


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


def _plain(text: str) -> str:
    """The fold before this change: lowercase, accents off, ’ as ', œ and æ spelled out."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("œ", "oe").replace("æ", "ae")


def _reference(term: str) -> re.Pattern[str]:
    body = re.escape(_plain(term.removesuffix("*"))).replace(r"\ ", r"\s+")
    ending = r"\w*" if term.endswith("*") else ""
    return re.compile(rf"\b{body}{ending}\b")


def reference_counts(text: str, terms: list[str]) -> Counter[str]:
    """How often a plain whole-word search finds each term (exceptions taken out)."""
    plain = _plain(text)
    counts: Counter[str] = Counter()
    for term in terms:
        exceptions = [m.span() for e in DEMO_EXCEPTIONS.get(term, ())
                      for m in _reference(e).finditer(plain)]
        for match in _reference(term).finditer(plain):
            if not any(a <= match.start() and match.end() <= b for a, b in exceptions):
                counts[term] += 1
    return counts


@pytest.mark.parametrize("patterns", [ENGINE, None], ids=["re2", "standard-library"])
def test_ordinary_text_gets_no_new_false_positive(patterns: object) -> None:
    terms = DEMO_TERMS + REALISTIC_TERMS
    items: list[object] = [{"term": t, "exceptions": DEMO_EXCEPTIONS[t]}
                           if t in DEMO_EXCEPTIONS else t for t in terms]
    kwargs = {"patterns": patterns} if patterns is not None else {}
    charter = charter_from_dict({"version": 1, "rules": [
        {"id": "termes", "type": "terms.forbidden", "params": {"terms": items}}]}, **kwargs)
    compiled = compile_template(template_from_dict({"id": "t", "name": "T"}, **kwargs), charter,
                                **kwargs)
    texts = corpus()
    differences, found = [], 0
    for text in texts:
        report = validate(compiled, Draft(text), now=NOW)
        counts = Counter(str(v.params["term"]) for v in report.violations
                         if v.rule_id == "charter:termes")
        expected = reference_counts(text, terms)
        found += sum(expected.values())
        if counts != expected:
            differences.append(f"{text[:120]!r}: engine {dict(counts)}, plain {dict(expected)}")
    assert len(texts) > 2_000 and found >= 20  # a real corpus, where terms do occur
    assert differences == [], "\n".join(differences[:20])
