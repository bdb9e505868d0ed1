"""Each operation's error answers, documented from how its route is declared, in one place.

An apispec plugin sees every operation as flask-smorest hands it to the spec, and adds the
error responses that operation can really give, each with the one error schema:

- 401 and 403 unless the operation is public (``@blp.doc(security=[])``): the caller is
  authenticated first, then its role and territories are checked by the use case;
- 400 on authenticated writes: a browser session's write without its CSRF token;
- 404 when the path names a resource (``/posts/{post_id}``) or the body may refer to one;
- 409 on writes: stale version, a name already taken, a state that changed meanwhile;
- 413 and 415 when the operation takes a body (too large, not JSON);
- 422 when it takes a body or query arguments, or writes (the domain refuses the meaning);
- 503 whenever it reaches the database (unreachable or not migrated).

A route adds a status the rules above cannot know with ``@blp.alt_response(status,
response=STATUS_NAME)``, e.g. ``@blp.alt_response(429, response="TOO_MANY_REQUESTS")``; it is
kept as declared. ``tests/api/test_fuzz_spec.py`` checks with schemathesis that no operation
answers a status it does not document.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from apispec import APISpec, BasePlugin

UNSAFE = frozenset({"post", "put", "patch", "delete"})
OPERATIONS = UNSAFE | {"get", "head", "options"}
NO_DATABASE = frozenset({"/healthz"})
# What each error status means in Relais (the component of the same name is the generic one).
DESCRIPTIONS = {
    400: "A browser session's write without its CSRF token (auth.csrf_failed).",
    401: "No valid credentials: send `Authorization: Bearer <token>` (auth.required, "
         "auth.invalid_credentials). Checked before the request's parameters and body.",
    403: "Your role or territories do not allow this (forbidden, territory.not_member).",
    404: "No such resource, or one you may not see (not_found).",
    409: "Conflicts with the current state: a stale `version`, a name already taken, a state "
         "that changed since you loaded it (conflict, conflict.stale).",
    413: "The body exceeds the size limit (request.too_large).",
    415: "The body is not JSON: send `Content-Type: application/json` "
         "(request.unsupported_media_type).",
    422: "Invalid parameters or body (request.invalid, request.malformed_json, "
         "request.too_deep, with field details in `errors`) or content the domain refuses "
         "(a specific code, e.g. post.validation_failed).",
    503: "The database is unreachable or not migrated: retry later (database.unavailable).",
}


def _name(status: int) -> str:
    return f"RELAIS_{HTTPStatus(status).name}"


def error_statuses(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer, from its path, method and declaration."""
    statuses: set[int] = set()
    authenticated = operation.get("security") != []
    takes_body = "requestBody" in operation
    takes_query = any(isinstance(p, dict) and p.get("in") == "query"
                      for p in operation.get("parameters", []))
    if authenticated:
        statuses |= {401, 403}
        if method in UNSAFE:
            statuses.add(400)
    if "{" in path or takes_body:
        statuses.add(404)  # the resource the path names, or one the body refers to
    if method in UNSAFE:
        statuses |= {409, 422}
    if takes_body:
        statuses |= {413, 415, 422}
    if takes_query:
        statuses.add(422)
    if path not in NO_DATABASE:
        statuses.add(503)
    return statuses


class ErrorResponsesPlugin(BasePlugin):
    """Adds each operation's error responses (see the module's docstring)."""

    def __init__(self, error_schema: Any) -> None:
        self.error_schema = error_schema
        self.spec: APISpec | None = None

    def init_spec(self, spec: APISpec) -> None:
        """Register one response component per error status, with Relais' wording."""
        self.spec = spec
        for status, description in DESCRIPTIONS.items():
            spec.components.response(_name(status), {
                "description": description,
                "content": {"application/json": {"schema": self.error_schema}},
            })

    def schema_helper(self, name: str, definition: dict[str, Any],
                      **kwargs: Any) -> dict[str, Any] | None:
        """A schema's ``OPENAPI_EXTRA`` (rules across fields: ``oneOf``, ``not``…) in its doc."""
        schema = kwargs.get("schema")
        cls = schema if isinstance(schema, type) else type(schema)
        extra: dict[str, Any] | None = getattr(cls, "OPENAPI_EXTRA", None)
        return extra

    def operation_helper(self, path: str | None = None,
                         operations: dict[str, Any] | None = None, **_kwargs: Any) -> None:
        """Complete each operation's responses; a route's own declarations win."""
        for method, operation in (operations or {}).items():
            if method not in OPERATIONS:
                continue
            responses = operation.setdefault("responses", {})
            responses.pop("default", None)
            for status in sorted(error_statuses(path or "", method, operation)):
                declared = responses.get(str(status))
                if declared is None or declared == HTTPStatus(status).name:
                    # Absent, or flask-smorest's generic one (its 422 for webargs): ours.
                    responses[str(status)] = _name(status)
