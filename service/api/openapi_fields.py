"""Fields whose OpenAPI description says exactly what the server accepts.

The spec promises schemathesis (and every client) which requests are well formed; these keep
that promise where marshmallow's own description is looser than its checks: strings never hold
NUL (PostgreSQL refuses it), URLs follow one documented pattern, GeoJSON geometries have their
shape.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from editorial.errors import N_
from service.api.geojson import DEPTH, MAX_MEMBERS, MAX_VERTICES, POLYGONAL, GeoJSONGeometry

NO_NUL = "^[^\\u0000]*$"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# After the host: a port, then a path of printable ASCII (a URL's own alphabet, RFC 3986).
_TAIL = r"(?::[0-9]{1,5})?(?:/[!-~]*)?$"
# A subset of what marshmallow's URL validator accepts, so both checks agree on it.
URL_WITH_TLD = rf"^https?://(?:{_LABEL}\.)+[A-Za-z]{{2,63}}{_TAIL}"
URL_ANY_HOST = (rf"^https?://(?:(?:{_LABEL}\.)*[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]"
                rf"|[0-9]{{1,3}}(?:\.[0-9]{{1,3}}){{3}}){_TAIL}")


class HttpUrl(fields.Url):
    """An http(s) URL, checked by marshmallow and by the pattern the spec documents."""

    def __init__(self, *, require_tld: bool = True, **kwargs: Any) -> None:
        pattern = URL_WITH_TLD if require_tld else URL_ANY_HOST
        validators = [*_as_list(kwargs.pop("validate", None)),
                      validate.Length(max=2000),
                      validate.Regexp(pattern, error=N_("Not a valid URL."))]
        super().__init__(schemes={"https", "http"}, require_tld=require_tld,
                         validate=validators, **kwargs)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _position() -> dict[str, Any]:
    """[longitude, latitude], then optionally an altitude and a measure (both dropped)."""
    return {"type": "array", "minItems": 2, "maxItems": 4,
            "prefixItems": [{"type": "number", "minimum": -180, "maximum": 180},
                            {"type": "number", "minimum": -90, "maximum": 90}],
            "items": {"type": "number"}}


def _nested(depth: int, *, rings: bool) -> dict[str, Any]:
    schema = _position()
    for level in range(depth):
        # A polygon's innermost lists are rings: at least 4 positions, the last the first.
        schema = {"type": "array", "minItems": 4 if rings and level == 0 else 1,
                  "maxItems": MAX_VERTICES, "items": schema}
    return schema


def geojson_schema(types: tuple[str, ...]) -> dict[str, Any]:
    """The JSON Schema of a GeoJSON geometry of these types (coordinate nesting included)."""
    return {"oneOf": [{
        "type": "object", "required": ["type", "coordinates"],
        "maxProperties": MAX_MEMBERS,
        "properties": {"type": {"type": "string", "enum": [kind]},
                       "coordinates": _nested(DEPTH[kind],
                                                      rings=kind in POLYGONAL)},
    } for kind in types]}


def field_properties(self: Any, field: fields.Field[Any], ret: dict[str, Any],
                     **_kwargs: Any) -> dict[str, Any]:
    """Apispec attribute function: GeoJSON shapes, and no NUL in free strings."""
    if isinstance(field, GeoJSONGeometry):
        return {**geojson_schema(field.types), "description": ret.get("description", "")}
    if isinstance(field, fields.Dict) and "maxLength" in ret:
        # apispec describes a Length validator as a string's; on a dict it counts the keys.
        bounds = {"maxProperties": ret.pop("maxLength")}
        if "minLength" in ret:
            bounds["minProperties"] = ret.pop("minLength")
        return bounds
    types = ret.get("type")
    is_string = types == "string" or (isinstance(types, list) and "string" in types)
    if is_string and not {"pattern", "format", "enum"} & set(ret):
        return {"pattern": NO_NUL}
    return {}
