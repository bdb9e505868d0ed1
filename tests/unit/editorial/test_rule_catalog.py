"""The rule catalogue documents exactly the engine's rule types and the parameters they read."""

from __future__ import annotations

import pytest

from editorial import RULE_TYPES, template_from_dict
from editorial.catalog import RULE_DOCS
from editorial.checks.base import PARSERS, RuleMeta, TemplateFacts
from editorial.model import Network, Severity
from editorial.params import ParamReader


def test_every_registered_rule_type_is_documented():
    assert set(RULE_DOCS) == set(RULE_TYPES)


@pytest.mark.parametrize("rule_type", RULE_TYPES)
def test_the_documented_params_are_the_ones_the_parser_reads(rule_type):
    reader = ParamReader({}, "params", [])
    PARSERS[rule_type](reader, RuleMeta("r", Severity.ERROR),
                       TemplateFacts(Network.FACEBOOK, "fr", (), ()))
    documented = {param.name for param in RULE_DOCS[rule_type].params}
    assert reader._read == documented
    required = {p.name for p in RULE_DOCS[rule_type].params if p.required}
    missing = {p.path.rsplit(".", 1)[-1] for p in reader.problems if p.code == "param.required"}
    assert required <= missing | {""}


@pytest.mark.parametrize("rule_type", RULE_TYPES)
def test_each_documented_example_is_a_valid_rule(rule_type):
    rule = {"id": "r", "type": rule_type, "params": dict(RULE_DOCS[rule_type].example)}
    template_from_dict({"id": "t", "name": "T", "body": "Bonjour", "rules": [rule]})
