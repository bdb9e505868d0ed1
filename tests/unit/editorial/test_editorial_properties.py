from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from editorial import (
    CompiledTemplate,
    Draft,
    Media,
    autofix,
    charter_from_dict,
    compile_template,
    template_from_dict,
    validate,
)

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
FRAGMENTS = [
    "Gratuit", "gratuît", "grat\u0075\u0069\u0302t", "GRATUIT", "gratuitement", "arnaque",
    "crédit\nfacile", "Entrée gratuite pour les enfants", " ? ", " ! ", " : ", " ;", ":)",
    "#EDF", "#edf", "#Été", "@EDF", "a@b.fr", "https://edf.fr/x?utm_source=a",
    "https://bit.ly/z", "www.example.com", "http://[::1", "😀", "👍🏽", "🇫🇷", "\u200d",
    "\U0001f468\u200d\U0001f469", "1\ufe0f\u20e3", "e\u0301", "ﬁ", "İ", "œ", "\r\n", "\n",
    "Offre soumise à conditions.", "Voir conditions ; détails", "\u00a0", "\u202f", "\x00",
    "\x1a", "\ud7b0", "Rendez-vous à ", " le ", "Brest", "\U000e0067",
]
texts = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=6), max_size=25).map("".join)


def _rule(kind: str, **params: Any) -> st.SearchStrategy[dict[str, Any]]:
    return st.just({"type": kind, "params": params})


RULES = st.one_of(
    st.integers(1, 280).map(lambda n: {"type": "length", "params": {"min": n // 3, "max": n}}),
    st.integers(1, 5).map(lambda n: {"type": "lines", "params": {"max": n}}),
    st.builds(lambda tags, mode: {"type": "hashtags.required",
                                  "params": {"tags": tags, "mode": mode}},
              st.lists(st.sampled_from(["#EDF", "Été", "#A_b", "#x1"]), min_size=1, max_size=3),
              st.sampled_from(["all", "any"])),
    st.integers(0, 3).map(lambda n: {"type": "hashtags.max", "params": {"max": n}}),
    st.builds(lambda m: {"type": "mentions.required", "params": {"mentions": m}},
              st.lists(st.sampled_from(["@EDF", "edf.fr", "@Mairie_29"]), min_size=1)),
    st.builds(lambda text, end: {"type": "disclaimer.required",
                                 "params": {"text": text, "at_end": end}},
              st.sampled_from(["Offre soumise à conditions.", "Voir conditions ; détails",
                               "Œuvre : prix*", "Tarif (TTC) !"]), st.booleans()),
    _rule("terms.forbidden", terms=["gratuit", "arnaque", "crédit facile", "cœur", "promo*",
                                    {"term": "gratuit*", "exceptions": ["entrée gratuite"]}]),
    _rule("pattern.forbidden", pattern=r"\d{2}(?:[ .]?\d{2}){4}", label="téléphone"),
    _rule("pattern.forbidden", pattern="tres", folded=True, prefilter=["tre"]),
    _rule("pattern.forbidden", pattern=r"\b", ignore_case=True),
    _rule("pattern.required", pattern="edf", ignore_case=True),
    _rule("links.allowed_domains", domains=["edf.fr"]),
    _rule("links.tracking", params=["utm_source"]),
    _rule("links.no_shorteners"),
    _rule("media.count", min=1, max=2),
    _rule("media.alt_text"),
    _rule("geo.geotag_required"),
    _rule("geo.inside_territory"),
    _rule("geo.radius", min_km=1, max_km=30, required=True),
    _rule("time.window", start="2026-01-01T00:00:00+01:00", end="2027-01-01T00:00:00+01:00"),
    _rule("time.hours", start="08:00", end="20:00", weekdays=[1, 2, 3, 4, 5]),
    _rule("time.lead", min_minutes=30),
    _rule("typography.french"),
)


@st.composite
def templates(draw: st.DrawFn) -> CompiledTemplate:
    rules = [dict(rule) for rule in draw(st.lists(RULES, max_size=8))]
    for number, rule in enumerate(rules):
        rule["id"] = f"r{number}"
        rule["severity"] = draw(st.sampled_from(["error", "warning"]))
        if draw(st.booleans()):
            rule["territories"] = draw(st.lists(st.sampled_from(["29", "971"]), min_size=1))
    body = draw(st.sampled_from(["", "Rendez-vous à {city} le {date} !"]))
    slots = [{"name": "city", "max_length": 20}, {"name": "date", "type": "date"}] if body else []
    data = {"id": "t", "name": "T", "network": draw(st.sampled_from(["x", "facebook"])),
            "body": body, "slots": slots, "rules": rules}
    charter = charter_from_dict({"version": 1, "rules": [
        {"id": "terms", "type": "terms.forbidden", "params": {"terms": ["arnaque", "urgent"]}},
    ]})
    return compile_template(template_from_dict(data), charter)


drafts = st.builds(
    Draft,
    text=texts,
    slot_values=st.dictionaries(st.sampled_from(["city", "date", "other"]), texts, max_size=3),
    media=st.lists(st.builds(Media, st.text(max_size=5), st.text(max_size=5)), max_size=3).map(
        tuple),
    geotagged=st.booleans(),
    inside_territory=st.none() | st.booleans(),
    audience_radius_km=st.none() | st.floats(),
    territory_codes=st.lists(st.sampled_from(["29", "971", "75"]), max_size=2).map(tuple),
    publish_at=st.none() | st.datetimes(timezones=st.none() | st.just(UTC)),
    timezone=st.none() | st.sampled_from(["Europe/Paris", "America/Guadeloupe", "Nope/Nope", "",
                                          "../etc", "UTC"]),
)
PROPERTY = settings(max_examples=250, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(templates(), drafts, st.datetimes(timezones=st.none() | st.just(UTC)))
def test_validate_never_fails_and_every_span_lies_inside_the_text(
    compiled: CompiledTemplate, draft: Draft, now: datetime
) -> None:
    report = validate(compiled, draft, now=now)
    assert [v for v in report.violations if v.code == "engine.check_failed"] == []
    for violation in report.violations:
        if violation.span is not None:
            start, end = violation.span
            assert 0 <= start <= end <= len(draft.text), violation
        if violation.fix is not None and violation.fix.span is not None:
            assert 0 <= violation.fix.span[0] <= violation.fix.span[1] <= len(draft.text)


@PROPERTY
@given(templates(), drafts)
def test_autofixed_text_no_longer_has_the_fixed_violations(
    compiled: CompiledTemplate, draft: Draft
) -> None:
    new_text, edits = autofix(compiled, draft)
    fixed = {(edit.rule_id, edit.code) for edit in edits}
    fixed_draft = Draft(new_text, territory_codes=draft.territory_codes)
    after = validate(compiled, fixed_draft, now=NOW)
    assert {(v.rule_id, v.code) for v in after.violations} & fixed == set()
