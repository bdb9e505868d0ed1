"""Every collection and text a request may carry has a bound, stated in the OpenAPI document.

Walks each operation's query parameters and JSON body (through ``$ref``, ``oneOf``…): every
array has ``maxItems``, every object open to extra keys ``maxProperties``, every free string
``maxLength`` (an enum, a date format or an anchored pattern with bounded repeats bounds it too).
What the document states, the server enforces: ``test_fuzz_spec.py`` sends schemathesis'
invalid input (beyond those bounds among others) and expects a 4xx.
"""

from __future__ import annotations

import re
from typing import Any

UNBOUNDED_REPEAT = re.compile(r"(?<!\\)[*+]|\{\d+,\}")
BOUNDED_FORMATS = {"date-time", "date", "time"}


class Walker:
    """Collects the unbounded places of a spec's request schemas, by path."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.components = spec["components"]["schemas"]
        self.unbounded: list[str] = []

    def walk(self, schema: Any, path: str, seen: frozenset[str] = frozenset()) -> None:
        if not isinstance(schema, dict):
            return
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            if name not in seen:
                self.walk(self.components[name], f"{path}<{name}>", seen | {name})
            return
        for key in ("oneOf", "anyOf", "allOf"):
            for part in schema.get(key, []):
                self.walk(part, path, seen)
        types = schema.get("type")
        types = set(types) if isinstance(types, list) else {types}
        if "array" in types:
            self._need(schema, "maxItems", path)
            self.walk(schema.get("items"), f"{path}[]", seen)
            for part in schema.get("prefixItems", []):
                self.walk(part, f"{path}[]", seen)
        if "object" in types or "properties" in schema:
            for name, part in schema.get("properties", {}).items():
                self.walk(part, f"{path}.{name}", seen)
            extra = schema.get("additionalProperties", True)
            if extra is not False:
                self._need(schema, "maxProperties", path)
            self.walk(extra, f"{path}.*", seen)
        if "string" in types and not self._bounded_string(schema):
            self.unbounded.append(f"{path}: string without maxLength")

    def _need(self, schema: dict[str, Any], keyword: str, path: str) -> None:
        if keyword not in schema:
            self.unbounded.append(f"{path}: no {keyword}")

    @staticmethod
    def _bounded_string(schema: dict[str, Any]) -> bool:
        pattern = schema.get("pattern", "")
        return ("maxLength" in schema or "enum" in schema
                or schema.get("format") in BOUNDED_FORMATS
                or (pattern.startswith("^") and pattern.endswith("$")
                    and not UNBOUNDED_REPEAT.search(pattern)))


def test_every_request_collection_and_text_is_bounded_in_the_spec(client):
    spec = client.get("/api/openapi.json").json
    walker = Walker(spec)
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":  # the path's own parameters, shared by its operations
                continue
            label = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    walker.walk(parameter.get("schema"), f"{label} ?{parameter['name']}")
            content = operation.get("requestBody", {}).get("content", {})
            for media_type, body in content.items():
                walker.walk(body.get("schema"), f"{label} {media_type}")
    assert walker.unbounded == []


def test_the_walker_finds_an_unbounded_array_object_and_string():
    walker = Walker({"components": {"schemas": {"X": {"type": "object", "properties": {
        "tags": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]+$"}},
        "free": {"type": "object"}}, "additionalProperties": False}}}})
    walker.walk({"$ref": "#/components/schemas/X"}, "body")
    assert walker.unbounded == ["body<X>.tags: no maxItems",
                                "body<X>.tags[]: string without maxLength",
                                "body<X>.free: no maxProperties"]
