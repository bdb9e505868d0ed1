"""Benchmark of the validation engine: prints posts/s and ratios, never asserts on time.

A realistic template (30 rules, charter included) with a 200-term charter, against 10,000
seeded French posts of 50-2,000 characters (mean about 1,000) with accents, emoji, hashtags,
mentions and links. Run: ``.venv/bin/python bench/bench_validation.py [--posts N]``.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from report import row  # bench/report.py: this script's folder is on sys.path

from editorial import (
    Draft,
    Media,
    charter_from_dict,
    compile_template,
    template_from_dict,
    validate,
)
from editorial.terms import TermEntry, TermMatcher, fold_term, trie_pattern, whole_words
from editorial.text import fold, warm_up
from regions.patterns import ENGINE as PATTERNS

SEED = 20261128
WORDS = (
    "agence été énergie électricité économie compteur équipe réunion région territoire "
    "chantier travaux coupure réseau clients conseils sécurité hiver chauffage isolation "
    "rénovation solaire panneaux photovoltaïque borne recharge véhicule mobilité quartier "
    "commune mairie école collège lycée bénévoles association fête marché village ville "
    "côte plage montagne forêt rivière lac patrimoine château église musée théâtre "
    "concert spectacle exposition atelier découverte visite journée portes ouvertes "
    "rencontre échange café débat jeunes familles enfants seniors habitants voisins "
    "très bien mieux plus moins avec pour dans chez depuis pendant avant après "
    "nous vous ils elles notre votre leurs ce cette ces qui que où quand comment "
    "découvrez venez rejoignez participez partagez économisez profitez réservez "
    "inscrivez-vous n'hésitez l'équipe d'information aujourd'hui demain samedi dimanche "
    "lundi matin soir midi heure minutes semaine mois année saison printemps automne "
    "cœur sœur œuvre Noël Pâques Saint-Brieuc Quimper Brest Rennes Lorient Vannes Nantes "
    "Île-de-France Côte-d'Armor Finistère Morbihan Ille-et-Vilaine Bretagne Occitanie "
    "première deuxième dernière nouvelle nouveau belle grande petite ancienne moderne "
    "accueil service gratuitement ingratitude programmation préparation installation"
).split()
EMOJI = ("😀", "☀️", "⚡", "🔌", "🌿", "👍🏽", "🇫🇷", "👨‍👩‍👧‍👦", "🎉", "📍", "❤️", "1️⃣")
HASHTAGS = ("#EDF", "#Bretagne", "#Énergie", "#Transition", "#Été2026", "#Local", "#Solaire")
LINKS = (
    "https://www.edf.fr/bretagne?utm_source=facebook&utm_medium=social",
    "https://edf.fr/agence/brest",
    "https://bit.ly/3xYz",
    "https://www.example.com/article",
    "https://mairie-brest.fr/agenda?utm_source=fb",
)
BANNED = (
    "gratuit", "arnaque", "miracle", "garanti", "sans risque", "crédit facile", "argent facile",
    "meilleur prix", "imbattable", "révolutionnaire", "exclusivité", "urgent", "choc",
    "incroyable", "100 pour cent", "dernière chance", "promo", "soldes", "casse des prix",
    "remboursé", "zéro risque", "magique", "secret", "scandale", "nucléaire dangereux",
)
SYLLABLES = ("ra", "té", "lo", "mi", "pé", "gu", "zon", "char", "vel", "bri", "dé", "quo", "sa")


def charter_terms(rng: random.Random) -> list[str]:
    """200 terms: real-looking banned words and phrases plus seeded made-up words."""
    terms = list(BANNED)
    while len(terms) < 200:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in terms:
            terms.append(word)
    return terms


def build_charter(terms: Sequence[str]) -> dict[str, object]:
    """The group charter: terms (some with exceptions), phones, e-mails."""
    items: list[object] = [
        {"term": t, "exceptions": ["entrée gratuite pour les enfants"]} if t == "gratuit" else t
        for t in terms
    ]
    rules = [
        {"id": "terms", "type": "terms.forbidden", "params": {"terms": items}},
        {"id": "phone", "type": "pattern.forbidden", "severity": "warning",
         "params": {"pattern": r"0(?<!\d0)[1-9](?:[ .]?\d\d){4}(?!\d)", "label": "téléphone"}},
        {"id": "email", "type": "pattern.forbidden",
         "params": {"pattern": r"[\w.+-]+@[\w-]+\.[a-z]{2,}", "label": "adresse e-mail",
                    "prefilter": ["@"]}},
        {"id": "disclosure", "type": "disclaimer.required", "territories": ["971", "972"],
         "params": {"text": "Offre soumise à conditions.", "at_end": True}},
    ]
    return {"version": 4, "rules": rules}


def build_template() -> dict[str, object]:
    """A Facebook template for a regional promotion: 26 rules of its own."""
    def rule(rule_id: str, kind: str, severity: str = "error", **params: object) -> object:
        return {"id": rule_id, "type": kind, "severity": severity, "params": params}

    rules = [
        rule("max-length", "length", max=2100),
        rule("min-length", "length", "warning", min=40),
        rule("lines", "lines", max=60),
        rule("edf-tag", "hashtags.required", tags=["#EDF"]),
        rule("region-tag", "hashtags.required", "warning",
             tags=["#Bretagne", "#Normandie", "#Occitanie"], mode="any"),
        rule("max-tags", "hashtags.max", max=8),
        rule("mention", "mentions.required", "warning", mentions=["@EDFofficiel"]),
        rule("conditions", "disclaimer.required", text="Voir conditions sur edf.fr"),
        rule("local-terms", "terms.forbidden", terms=["concurrent", "pas cher", "low cost"]),
        rule("shouting", "pattern.forbidden", "warning", pattern=r"[A-ZÀ-Ý]{6,}",
             label="mot en capitales"),
        rule("exclaim", "pattern.forbidden", "warning", pattern=r"[!?]{3,}",
             label="ponctuation répétée", prefilter=["!!", "??", "!?", "?!"]),
        rule("discount", "pattern.forbidden", pattern=r"(?:[7-9]\d|100) ?%",
             label="remise excessive", prefilter=["%"]),
        rule("euros", "pattern.forbidden", "warning", pattern=r"\d+ ?euros?\b",
             label="montant sans symbole €", folded=True, prefilter=["euro"]),
        rule("domains", "links.allowed_domains",
             domains=["edf.fr", "edf.com", "mairie-brest.fr", "facebook.com"]),
        rule("tracking", "links.tracking", "warning", params=["utm_source", "utm_medium"],
             domains=["edf.fr"]),
        rule("shorteners", "links.no_shorteners"),
        rule("media", "media.count", min=1, max=4),
        rule("alt", "media.alt_text"),
        rule("geotag", "geo.geotag_required"),
        rule("territory", "geo.inside_territory"),
        rule("radius", "geo.radius", min_km=1, max_km=50),
        rule("window", "time.window", start="2026-01-01T00:00:00+01:00",
             end="2027-01-01T00:00:00+01:00"),
        rule("hours", "time.hours", "warning", start="08:00", end="21:00"),
        rule("lead", "time.lead", min_minutes=30),
        rule("typography", "typography.french", "warning"),
        {"id": "corsica", "type": "hashtags.required", "territories": ["2A", "2B"],
         "params": {"tags": ["#Corse"]}},
    ]
    return {
        "id": "promo-regionale", "name": "Promotion régionale", "network": "facebook",
        "language": "fr", "version": 1, "timezone": "Europe/Paris", "body": "", "slots": [],
        "rules": rules,
    }


def sentence(rng: random.Random, terms: Sequence[str]) -> str:
    """One French sentence with, now and then, an emoji, a number or a banned term."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 18))]
    if rng.random() < 0.04:
        words.insert(rng.randrange(len(words)), rng.choice(terms))
    if rng.random() < 0.15:
        words.insert(rng.randrange(len(words)), rng.choice(EMOJI))
    if rng.random() < 0.05:
        words.insert(rng.randrange(len(words)), f"{rng.randint(1, 99)} euros")
    words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice((".", ".", ".", " !", "\u202f!", " ?", " :", "…"))


def post(rng: random.Random, terms: Sequence[str]) -> str:
    """A post of 50 to 2,000 characters."""
    target = rng.randint(50, 2000)
    parts: list[str] = []
    length = 0
    while length < target - 40:
        piece = sentence(rng, terms)
        if rng.random() < 0.1:
            piece += "\n\n"
        parts.append(piece)
        length += len(piece) + 1
    if rng.random() < 0.4:
        parts.append(rng.choice(LINKS))
    if rng.random() < 0.3:
        parts.append("@EDFofficiel")
    if rng.random() < 0.5:
        parts.append("Voir conditions sur edf.fr")
    parts.extend(rng.sample(HASHTAGS, rng.randint(0, 4)))
    text = " ".join(parts)
    while len(text) < target:
        text += " " + sentence(rng, terms)
    return text[:target]


def drafts(count: int, terms: Sequence[str]) -> list[Draft]:
    """Seeded, varied drafts."""
    rng = random.Random(SEED)
    now = datetime(2026, 6, 1, 9, tzinfo=UTC)
    return [
        Draft(
            text=post(rng, terms),
            media=(Media("https://cdn.example/a.jpg", rng.choice(("", "Une borne"))),),
            geotagged=rng.random() < 0.9,
            inside_territory=rng.random() < 0.95,
            audience_radius_km=rng.choice((None, 5.0, 20.0, 80.0)),
            territory_codes=(rng.choice(("29", "35", "971", "2A")),),
            publish_at=now + timedelta(minutes=rng.randint(0, 60 * 24 * 20)),
            timezone=rng.choice(("Europe/Paris", "America/Guadeloupe")),
        )
        for _ in range(count)
    ]


def rate(label: str, texts: Sequence[object], run: Callable[[object], object]) -> float:
    """Best of three: items per second."""
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        for item in texts:
            run(item)
        timings.append(time.perf_counter() - start)
    per_second = len(texts) / min(timings)
    print(f"{label:<58} {per_second:>10,.0f} posts/s  (runs: "
          f"{', '.join(f'{t:.2f}s' for t in timings)})")
    return per_second


def measure_terms(terms: Sequence[str], texts: Sequence[str]) -> tuple[float, float]:
    """The engine's term scan against the references; returns (engine, naive) posts/s."""
    naive = re.compile(r"\b(?:" + "|".join(map(re.escape, terms)) + r")\b", re.IGNORECASE)
    bare = whole_words(trie_pattern(sorted({fold_term(t) for t in terms})))
    single = frozenset(t for t in terms if " " not in t)
    # The service's configuration: the term scan runs on RE2 (decision 0017).
    matcher = TermMatcher((TermEntry(0, t, fold_term(t), None) for t in terms), PATTERNS.linear)

    def engine_scan(text: object) -> list[tuple[int, int]]:
        folded = fold(str(text))
        return [folded.to_original(hit.start, hit.end) for hit in matcher.scan(folded)]

    naive_rate = rate("reference: naive 200-way \\b(?:...)\\b, IGNORECASE", texts,
                      lambda t: naive.findall(str(t)))
    bare_rate = rate("reference: bare trie on lowered text (no accent fold)", texts,
                     lambda t: bare.findall(str(t).lower()))
    words_rate = rate("reference: word-set lookup (one-word terms, no spans)", texts,
                      lambda t: single.intersection(str(t).lower().split()))
    engine = rate("engine term scan: fold + trie (RE2) + exact spans", texts, engine_scan)
    folding = rate("engine accent fold alone", texts, lambda t: fold(str(t)))
    print()
    print(f"engine term scan / naive scan         {engine / naive_rate:6.1f} x  (target >= 10)")
    print(f"engine term scan / bare trie scan     {engine / bare_rate:6.2f} x")
    print(f"engine term scan / word-set lookup    {engine / words_rate:6.2f} x")
    print(f"fold alone / engine term scan         {folding / engine:6.2f} x")
    return engine, naive_rate


def main() -> None:
    """Build everything, run each measurement, print figures and ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    count = parser.parse_args().posts
    warm_up()
    terms = charter_terms(random.Random(SEED))
    charter = charter_from_dict(build_charter(terms), patterns=PATTERNS)
    template = template_from_dict(build_template(), patterns=PATTERNS)
    started = time.perf_counter()
    compiled = compile_template(template, charter, patterns=PATTERNS)
    compile_ms = (time.perf_counter() - started) * 1000
    corpus = drafts(count, terms)
    short = [d for d in corpus if len(d.text) < 500]
    lengths = [len(d.text) for d in corpus]
    now = datetime(2026, 6, 1, 9, tzinfo=UTC)
    found = sum(len(validate(compiled, d, now=now).violations) for d in corpus)
    print(f"{count} posts, {min(lengths)}-{max(lengths)} chars, mean "
          f"{statistics.mean(lengths):.0f}; {len(short)} under 500 chars; "
          f"{len(template.rules) + len(charter.rules)} rules, {len(terms)} charter terms; "
          f"compile_template {compile_ms:.1f} ms; {found / count:.1f} violations per post\n")
    whole = rate("whole validation (all rules)", corpus,
                 lambda d: validate(compiled, d, now=now))  # type: ignore[arg-type]
    small = rate("whole validation, posts under 500 chars", short,
                 lambda d: validate(compiled, d, now=now))  # type: ignore[arg-type]
    engine, naive_rate = measure_terms(terms, [d.text for d in corpus])
    print(f"whole validation / naive scan         {whole / naive_rate:6.2f} x")
    print(f"\nwhole validation {whole:,.0f} posts/s (target >= 6,000); "
          f"under 500 chars {small:,.0f} posts/s (target >= 10,000)\n")
    naive = "naive 200-way \\b(?:…)\\b IGNORECASE scan"
    row("validation", "whole validation, ~1 KB posts", whole, "posts/s",
        baseline_name=naive, baseline=naive_rate, target="≥ 6,000 posts/s")
    row("validation", "whole validation, posts under 500 chars", small, "posts/s",
        baseline_name=naive, baseline=naive_rate, target="≥ 10,000 posts/s")
    row("validation", "engine term scan (fold, look-alikes, spelled-out words)", engine,
        "posts/s", baseline_name=naive, baseline=naive_rate, target="≥ 10 ×")


if __name__ == "__main__":
    main()
