"""Every operation of the OpenAPI spec, for every role, conforms to what the spec promises.

A short, derandomized schemathesis run over the app in-process (WSGI), with ALL of its checks
(no 5xx, documented status codes, content types, headers and bodies, schema-valid requests
accepted, schema-invalid ones refused, authentication not ignored, 405s with ``Allow``…), for
each role and for an anonymous caller, with valid (positive) and invalid (negative) input.
The same examples every run, in the test's transaction like any API test.

Schema-valid input may still be refused with 422 when its *meaning* is wrong (house style:
schemas check syntax, the domain checks meaning): an unknown template, a rule the engine
refuses, a cursor the server did not issue. Such answers carry a domain code; a syntax code
(``request.invalid``…) on schema-valid input is a conformance failure, except where the schema
cannot express the rule (listed in ``SCHEMA_CANNOT_SAY`` with the reason).

The wider hunt: ``st run http://127.0.0.1:PORT/api/openapi.json --checks all`` against a demo.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.failures import Failure

from regions.models import Role

# Examples per operation and generation mode: an anonymous caller only ever meets the 401.
EXAMPLES = {None: 1, Role.ADMIN: 2, Role.CENTRAL_EDITOR: 2}
OTHER_ROLES_EXAMPLES = 1
NUL_MESSAGE = "Must not contain NUL (\\u0000) characters."
ROLES = [None, *Role]  # None: no credentials at all
SYNTAX_CODES = frozenset({"request.invalid", "request.malformed_json", "request.too_deep",
                          "request.unsupported_media_type"})
# Field paths (in ``errors.json``) whose rule JSON Schema cannot state, and why. Besides
# these, a NUL character inside free-form JSON (rule parameters, slot definitions: objects
# with no schema of their own to carry the no-NUL pattern) is refused wherever it is.
SCHEMA_CANNOT_SAY = {
    "geometry": "a polygon's rings must be closed and simple (no self-intersection)",
}
CONFIG = schemathesis.Config.from_dict({"checks": {"positive_data_acceptance": {
    # 422 is allowed here, but only with a domain code: see ``syntax_matches_schema``.
    "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422"],
}}})


class SyntaxRefused(Failure):
    """Schema-valid input refused for its syntax: the schema and the server disagree."""


def _only_nul(messages: Any) -> bool:
    if isinstance(messages, dict):
        return all(_only_nul(value) for value in messages.values())
    return isinstance(messages, list) and all(m == NUL_MESSAGE for m in messages)


def _unexplained_paths(errors: dict[str, Any]) -> list[str]:
    body = errors.get("json", {}) if isinstance(errors.get("json"), dict) else {}
    other = [location for location in errors if location != "json"]
    return other + [path for path, messages in body.items()
                     if path not in SCHEMA_CANNOT_SAY and not _only_nul(messages)]


@schemathesis.check
def syntax_matches_schema(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """Schema-valid input is never refused with a syntax error (bar ``SCHEMA_CANNOT_SAY``)."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if response.status_code != 422:
        return None
    body = response.json()
    if body.get("code") in SYNTAX_CODES and _unexplained_paths(body.get("errors", {})):
        raise SyntaxRefused(operation=case.operation.label, title="Schema-valid request "
                            "refused for its syntax", message=response.text[:1000])
    return None


# The loaded spec and its operations' strategies, kept for the next role's test on the same
# app: building them (JSON Schema canonicalisation, validators) costs more than the calls. They
# hold no role: the credentials go with each call, and the app answers from the running test.
class _LoadedSpec:
    """The spec of one app as schemathesis loads it, and the strategies made from it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=CONFIG)
        self.operations = [result.ok() for result in schema.get_all_operations()]
        self._strategies: dict[tuple[str, GenerationMode], Any] = {}

    def strategy(self, operation: Any, mode: GenerationMode) -> Any:
        """The operation's strategy in ``mode`` (made once), or None if it cannot be made."""
        key = (operation.label, mode)
        if key not in self._strategies:
            try:
                self._strategies[key] = operation.as_strategy(generation_mode=mode)
            except Exception:  # noqa: BLE001 - an operation with no invalid input to make
                self._strategies[key] = None
        return self._strategies[key]


_LOADED: list[_LoadedSpec] = []  # the most recent app's


def _loaded_spec(app: Any) -> _LoadedSpec:
    if not _LOADED or _LOADED[0].app is not app:
        _LOADED[:] = [_LoadedSpec(app)]
    return _LOADED[0]


@pytest.fixture()
def fuzz_world(make_user, make_territory):
    """A territory with a member of every regional role, so ids 1, 2… name real rows."""
    territory = make_territory("Fuzzland")
    users = {role: make_user(role, territory_ids=[territory]) for role in Role}
    return users


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role or "anonymous")
def test_every_operation_conforms_to_the_spec(app, fuzz_world, role):
    load_all_checks()
    checks = [*CHECKS.get_all(), syntax_matches_schema]
    headers = {"Accept-Language": "en"}
    if role is not None:
        headers["Authorization"] = f"Bearer {fuzz_world[role].token}"
    examples = EXAMPLES.get(role, OTHER_ROLES_EXAMPLES)
    failures: dict[str, str] = {}
    spec = _loaded_spec(app)
    assert len(spec.operations) > 50

    for operation in spec.operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = spec.strategy(operation, mode)
            if strategy is None:  # an operation with no invalid input to make
                continue

            @given(case=strategy)
            @settings(max_examples=examples, derandomize=True, deadline=None,
                      database=None, suppress_health_check=list(HealthCheck))
            def call(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=checks)

            try:
                call()
            except BaseException as exc:  # every failure, not only the first (FailureGroup)
                if isinstance(exc, KeyboardInterrupt | SystemExit):
                    raise
                if "Unable to satisfy assumptions" in str(exc):
                    continue  # no negative input exists (an operation without parameters)
                failures[f"{operation.label} ({mode.value})"] = str(exc)[:3000]
    assert failures == {}, "\n\n".join(f"== {k}\n{v}" for k, v in failures.items())
