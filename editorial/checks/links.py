"""Checks on links: allowed domains, tracking parameters, no URL shorteners."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from editorial.checks.base import Context, RuleMeta, TemplateFacts, host_in, rule_type
from editorial.errors import N_
from editorial.model import FixAction, FixHint, Violation
from editorial.params import ParamReader

DEFAULT_SHORTENERS = (
    "bit.ly", "buff.ly", "cutt.ly", "fb.me", "goo.gl", "is.gd", "lnkd.in", "ow.ly",
    "rebrand.ly", "shorturl.at", "t.co", "t.ly", "tiny.cc", "tinyurl.com",
)
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}")


def _domains(reader: ParamReader, key: str, *, required: bool) -> tuple[str, ...]:
    domains = []
    for number, value in enumerate(reader.strings(key, required=required)):
        domain = value.strip().lower().removeprefix("www.")
        if _DOMAIN.fullmatch(domain):
            domains.append(domain)
        else:
            reader.problem(f"{key}[{number}]", "param.bad_domain", N_("{value} is not a domain",
                                                                    value=repr(value)))
    return tuple(domains)


@dataclass(frozen=True, slots=True)
class AllowedDomainsCheck:
    """Every link points to one of ``domains`` or one of their subdomains."""

    meta: RuleMeta
    domains: tuple[str, ...]

    def run(self, context: Context) -> Iterator[Violation]:
        """Report each link to another domain."""
        for link in context.links:
            if not host_in(link.host, self.domains):
                span = (link.start, link.end)
                params = {"host": link.host, "domains": list(self.domains)}
                fix = FixHint(FixAction.EDIT, span)
                yield self.meta.violation("link.domain_not_allowed", span, params, fix)


@rule_type("links.allowed_domains")
def parse_allowed_domains(
    reader: ParamReader, meta: RuleMeta, facts: TemplateFacts
) -> AllowedDomainsCheck | None:
    """``{"domains": [...]}``: links may only point there (subdomains included)."""
    domains = _domains(reader, "domains", required=True)
    return AllowedDomainsCheck(meta, domains) if domains else None


@dataclass(frozen=True, slots=True)
class TrackingCheck:
    """Links (to ``domains``, or all links) carry the query parameters in ``names``."""

    meta: RuleMeta
    names: tuple[str, ...]
    domains: tuple[str, ...]

    def run(self, context: Context) -> Iterator[Violation]:
        """Report each link missing a tracking parameter."""
        for link in context.links:
            if self.domains and not host_in(link.host, self.domains):
                continue
            missing = [name for name in self.names if name not in link.query]
            if missing:
                span = (link.start, link.end)
                fix = FixHint(FixAction.EDIT, span)
                yield self.meta.violation("link.tracking_missing", span, {"missing": missing}, fix)


@rule_type("links.tracking")
def parse_tracking(
    reader: ParamReader, meta: RuleMeta, facts: TemplateFacts
) -> TrackingCheck | None:
    """``{"params": ["utm_source", ...], "domains": [...]?}``: required query parameters."""
    names = reader.strings("params", required=True)
    domains = _domains(reader, "domains", required=False)
    return TrackingCheck(meta, names, domains) if names else None


@dataclass(frozen=True, slots=True)
class ShortenerCheck:
    """No link goes through a URL shortener (which hides where it leads)."""

    meta: RuleMeta
    domains: tuple[str, ...]

    def run(self, context: Context) -> Iterator[Violation]:
        """Report each shortened link."""
        for link in context.links:
            if host_in(link.host, self.domains):
                span = (link.start, link.end)
                fix = FixHint(FixAction.EDIT, span)
                yield self.meta.violation("link.shortener", span, {"host": link.host}, fix)


@rule_type("links.no_shorteners")
def parse_shorteners(
    reader: ParamReader, meta: RuleMeta, facts: TemplateFacts
) -> ShortenerCheck:
    """``{"domains": [...]?}``: shortener domains (a common list by default)."""
    domains = _domains(reader, "domains", required=False)
    return ShortenerCheck(meta, domains or DEFAULT_SHORTENERS)
