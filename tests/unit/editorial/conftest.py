"""Builders for the editorial engine tests: compile a template from rule dicts, validate."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from editorial import (
    CompiledTemplate,
    Draft,
    Violation,
    charter_from_dict,
    compile_template,
    template_from_dict,
    validate,
)
from regions.patterns import ENGINE as PATTERNS

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def template_data(rules: Iterable[Mapping[str, Any]] = (), **fields: Any) -> dict[str, Any]:
    """A minimal valid template dict with ``rules``; ``fields`` override the defaults."""
    data: dict[str, Any] = {
        "id": "promo", "name": "Promotion", "network": "facebook", "language": "fr",
        "version": 1, "timezone": "Europe/Paris", "body": "", "slots": [], "rules": list(rules),
    }
    data.update(fields)
    return data


@pytest.fixture
def compile_rules() -> Callable[..., CompiledTemplate]:
    """Compile a template holding ``rules`` (dicts), with an optional charter."""

    def build(
        *rules: Mapping[str, Any],
        charter: Iterable[Mapping[str, Any]] = (),
        **fields: Any,
    ) -> CompiledTemplate:
        # Patterns run on RE2, as in the service (the default engine takes bounded ones only).
        template = template_from_dict(template_data(rules, **fields), patterns=PATTERNS)
        charter_rules = list(charter)
        loaded = None
        if charter_rules:
            loaded = charter_from_dict({"version": 1, "rules": charter_rules}, patterns=PATTERNS)
        return compile_template(template, loaded, patterns=PATTERNS)

    return build


@pytest.fixture
def violations(
    compile_rules: Callable[..., CompiledTemplate],
) -> Callable[..., list[Violation]]:
    """Validate a text (or a Draft) against ``rules``; only rule violations, no built-ins."""

    def run(
        draft: str | Draft, *rules: Mapping[str, Any], now: datetime = NOW, **fields: Any
    ) -> list[Violation]:
        compiled = compile_rules(*rules, **fields)
        subject = Draft(draft) if isinstance(draft, str) else draft
        report = validate(compiled, subject, now=now)
        return [v for v in report.violations if v.rule_id != "builtin:network-length"]

    return run
