"""Compiling a template version with the charter: every expensive step done once, up front."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo

# Importing the check modules registers their rule types.
from editorial.checks import context as _context  # noqa: F401
from editorial.checks import links as _links  # noqa: F401
from editorial.checks import tags as _tags
from editorial.checks import text as _text
from editorial.checks.base import PARSERS, Check, RuleMeta, TemplateFacts
from editorial.checks.template import NETWORK_LENGTH, AdaptationCheck
from editorial.checks.terms import ForbiddenTermsCheck, TermsRule
from editorial.definition import load_zone, template_problems
from editorial.errors import N_, Problem, TemplateInvalid
from editorial.model import NETWORK_MAX_LENGTH, Charter, Network, Rule, Severity, Template
from editorial.params import ParamReader
from editorial.patterns import BOUNDED_ONLY, PatternEngine

RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
RULE_TYPES = tuple(sorted(PARSERS))
CHARTER_PREFIX = "charter:"


@dataclass(frozen=True, slots=True)
class CompiledTemplate:
    """A template version merged with the charter, ready to validate drafts quickly."""

    template: Template
    charter_version: int | None
    checks: tuple[Check, ...]
    fixable: tuple[Check, ...]
    zone: tzinfo


def compile_rules(
    rules: Sequence[Rule], facts: TemplateFacts, path: str, id_prefix: str, problems: list[Problem]
) -> list[Check]:
    """Parse each rule into a check; record every problem with its path."""
    checks: list[Check] = []
    seen: set[str] = set()
    for number, rule in enumerate(rules):
        where = f"{path}[{number}]"
        meta = _meta(rule, where, id_prefix, seen, problems)
        parser = PARSERS.get(rule.type)
        if parser is None:
            message = N_("unknown rule type {type}", type=repr(rule.type))
            problems.append(Problem(f"{where}.type", "rule.unknown_type", message))
            continue
        reader = ParamReader(rule.params, f"{where}.params", problems)
        check = parser(reader, meta or RuleMeta(rule.id, Severity.ERROR), facts)
        reader.finish()
        if check is not None and meta is not None:
            checks.append(check)
    return checks


def _meta(
    rule: Rule, where: str, id_prefix: str, seen: set[str], problems: list[Problem]
) -> RuleMeta | None:
    ok = True
    if not isinstance(rule.id, str) or not RULE_ID.fullmatch(rule.id):
        message = N_("ids are 1-64 letters, digits, _ . -")
        problems.append(Problem(f"{where}.id", "rule.bad_id", message))
        ok = False
    elif rule.id in seen:
        problems.append(Problem(f"{where}.id", "rule.duplicate_id",
                        N_("{id} is used twice", id=repr(rule.id))))
        ok = False
    seen.add(str(rule.id))
    try:
        severity = Severity(rule.severity)
    except ValueError:
        problems.append(Problem(f"{where}.severity", "rule.bad_severity",
                        N_("'error' or 'warning'")))
        return None
    territories = frozenset(rule.territories)
    if not all(isinstance(code, str) and code for code in territories):
        problems.append(Problem(f"{where}.territories", "rule.bad_territories",
                        N_("a list of codes")))
        ok = False
    return RuleMeta(id_prefix + str(rule.id), severity, territories) if ok else None


def _link_disclaimers(checks: list[Check]) -> list[Check]:
    """Let a closing disclaimer be followed by the other disclaimers of the template."""
    disclaimers = [c for c in checks if isinstance(c, _tags.DisclaimerCheck)]
    linked: list[Check] = []
    for check in checks:
        if isinstance(check, _tags.DisclaimerCheck) and check.at_end and len(disclaimers) > 1:
            others = [d.pattern.pattern for d in disclaimers if d is not check]
            check = _tags.DisclaimerCheck(
                check.meta, check.text, check.pattern, True, re.compile("|".join(others))
            )
        linked.append(check)
    return linked


def _merge_terms(checks: list[Check], patterns: PatternEngine) -> list[Check]:
    """Replace every term rule by one check scanning all terms at once."""
    term_rules = [c for c in checks if isinstance(c, TermsRule)]
    rest = [c for c in checks if not isinstance(c, TermsRule)]
    return rest + [ForbiddenTermsCheck(term_rules, patterns.linear)] if term_rules else rest


_FIXABLE = (_tags.RequiredTagsCheck, _tags.DisclaimerCheck, _text.FrenchTypographyCheck)


def compile_template(
    template: Template, charter: Charter | None = None, *, patterns: PatternEngine = BOUNDED_ONLY
) -> CompiledTemplate:
    """Check ``template`` (and the charter), then build its checks; raises TemplateInvalid.

    ``patterns`` compiles the regular expressions of ``pattern.*`` rules (see
    :mod:`editorial.patterns`): the service passes RE2; the default accepts bounded ones only.
    """
    problems, pieces = template_problems(template)
    zone = load_zone(template.timezone)
    network = template.network if template.network in NETWORK_MAX_LENGTH else Network.FACEBOOK
    facts = TemplateFacts(
        Network(network), template.language, pieces, template.slots, patterns
    )
    checks = compile_rules(template.rules, facts, "rules", "", problems)
    if charter is not None:
        charter_problems: list[Problem] = []
        path = "charter.rules"
        checks += compile_rules(charter.rules, facts, path, CHARTER_PREFIX, charter_problems)
        problems += charter_problems
    if problems or zone is None:
        raise TemplateInvalid(problems)
    limit = NETWORK_MAX_LENGTH[facts.network]
    builtin: list[Check] = [_text.LengthCheck(NETWORK_LENGTH, None, limit, facts.network.value)]
    if template.body:
        builtin.append(AdaptationCheck(pieces, template.slots))
    checks = _link_disclaimers(_merge_terms(builtin + checks, patterns))
    fixable = tuple(c for c in checks if isinstance(c, _FIXABLE))
    version = charter.version if charter is not None else None
    return CompiledTemplate(template, version, tuple(checks), fixable, zone)
