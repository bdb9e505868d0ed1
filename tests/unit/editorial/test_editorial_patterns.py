"""Desk patterns: RE2 first, bounded ``re`` for what RE2 lacks, everything else refused."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable

import pytest

from editorial import BOUNDED_ONLY, TemplateInvalid, template_from_dict
from editorial.patterns import MAX_PATHS, PatternUnsafe, backtracking_paths, compile_pattern
from regions.patterns import ENGINE, unicode_classes

CATASTROPHIC = [r"(a+)+$", r"(a|aa)*b", r"(.*a){20}", r"(\w+\s?)*$", r"^(a|a?)+$"]


def paths(source: str) -> float:
    import re._parser as sre_parse  # the parse tree the bound is computed on

    return backtracking_paths(sre_parse.parse(source))


@pytest.mark.parametrize("source", CATASTROPHIC)
def test_catastrophic_patterns_run_on_re2(source: str) -> None:
    assert compile_pattern(source, False, ENGINE).engine == "re2"


@pytest.mark.parametrize("source", CATASTROPHIC)
def test_without_a_linear_engine_catastrophic_patterns_are_refused(source: str) -> None:
    with pytest.raises(PatternUnsafe):
        compile_pattern(source, False, BOUNDED_ONLY)


def test_catastrophic_patterns_on_long_texts_finish() -> None:
    """In a child process with a deadline, so that a regression fails instead of hanging."""
    script = textwrap.dedent(f"""
        from editorial.patterns import compile_pattern
        from regions.patterns import ENGINE
        for source in {CATASTROPHIC!r}:
            matcher = compile_pattern(source, False, ENGINE).matcher
            for text in ("a" * 50_000 + "!", "a" * 50_000, ("ab " * 20_000) + "\\u00e9!"):
                list(matcher.finditer(text))
        print("done")
    """)
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           timeout=120)
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "done"


@pytest.mark.parametrize(
    ("source", "engine"),
    [
        (r"0(?<!\d0)[1-9](?:[ .]?\d\d){4}(?!\d)", "re"),  # look-arounds, bounded: re
        (r"(?<!\d)\d{5}(?!\d)", "re"),
        (r"\bsponsoris", "re"),  # \b keeps Python's Unicode meaning when it can
        (r"\d+ ?euros?\b", "re2"),  # ... and RE2's ASCII one when unbounded
        (r"[\w.+-]+@[\w-]+\.[a-z]{2,}", "re2"),
        (r"(?i)gratuit", "re2"),
    ],
)
def test_each_pattern_runs_on_the_engine_that_keeps_it_safe(source: str, engine: str) -> None:
    assert compile_pattern(source, False, ENGINE).engine == engine


@pytest.mark.parametrize(
    "source",
    [r"(\w+)\s+\1", r"(?=(a+)+$)a", r"(?<!\d)\d+", r"x(?!y).*z", r"[^\W\d]+"],
)
def test_what_re2_cannot_run_and_could_backtrack_without_bound_is_refused(source: str) -> None:
    with pytest.raises(PatternUnsafe) as refused:
        compile_pattern(source, False, ENGINE)
    assert refused.value.linear_tried


def test_the_backtracking_bound_counts_the_ways_of_a_pattern() -> None:
    assert paths("abc") == 1
    assert paths("a?b?") == 4
    assert paths("(?:[ .]?\\d\\d){4}") == 16
    assert paths("a|b|c") == 1  # one character class
    assert paths("ab|cd|ef") == 3
    assert paths("a{2,5}") == 4
    assert paths("a*") == float("inf")
    assert paths("(?:a?){30}") > MAX_PATHS  # the classic exponential one, though bounded


def test_re2_sees_letters_and_digits_of_every_script_like_python() -> None:
    matcher = compile_pattern(r"\w+", False, ENGINE).matcher
    assert [m.span() for m in matcher.finditer("Été à l’œuvre")] == [(0, 3), (4, 5), (6, 7),
                                                                     (8, 13)]
    digits = compile_pattern(r"\d+ ?\s\S", False, ENGINE).matcher
    assert [m.span() for m in digits.finditer("٣٤\u00a0€")] == [(0, 4)]
    assert unicode_classes(r"[\w-]\W") == r"[\p{L}\p{N}_-][^\p{L}\p{N}_]"
    assert unicode_classes(r"[]\d]\\d") == r"[]\p{Nd}]\\d"


def test_ignore_case_works_on_re2_with_accents() -> None:
    matcher = compile_pattern("été", True, ENGINE).matcher
    assert [m.span() for m in matcher.finditer("ÉTÉ, été")] == [(0, 3), (5, 8)]


def test_an_unsafe_pattern_in_a_template_is_a_problem_naming_the_rule() -> None:
    data = {"id": "t", "name": "T", "rules": [
        {"id": "doublon", "type": "pattern.forbidden", "params": {"pattern": r"(\w+) \1"}}]}
    with pytest.raises(TemplateInvalid) as caught:
        template_from_dict(data, patterns=ENGINE)
    [problem] = caught.value.problems
    assert (problem.path, problem.code) == ("rules[0].params.pattern", "pattern.unsafe")
    assert "doublon" in problem.message


def test_the_service_always_hands_its_linear_engine_to_the_editorial_engine() -> None:
    """Every template or charter the service reads is compiled with RE2, not the default."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    readers = {"template_from_dict", "charter_from_dict", "compile_template"}
    without = []
    for path in [*root.glob("service/**/*.py"), *root.glob("regions/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in readers
                    and "patterns" not in {keyword.arg for keyword in node.keywords}):
                without.append(f"{path.relative_to(root)}:{node.lineno}")
    assert without == []


def test_a_lone_surrogate_in_a_post_does_not_break_the_re2_checks(
    violations: Callable[..., list],
) -> None:
    """JSON lets lone surrogates through; RE2 reads UTF-8: the checks still run, spans exact."""
    text = "a\ud800 gratuit xx"
    found = violations(text, {"id": "p", "type": "pattern.forbidden", "params": {"pattern": "x+"}},
                       {"id": "t", "type": "terms.forbidden", "params": {"terms": ["gratuit"]}})
    assert [(v.code, text[v.span[0] : v.span[1]]) for v in found] == [
        ("pattern.matched", "xx"), ("term.forbidden", "gratuit")]
