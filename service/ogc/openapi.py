"""The OpenAPI 3.0 definition of the OGC API (its ``service-desc``), built from the layers."""

from __future__ import annotations

from typing import Any

from geodata.layers import LAYERS, Layer
from geodata.ogc_queries import DEFAULT_LIMIT, MAX_LIMIT

OPENAPI_MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.0"
JSON, GEOJSON = "application/json", "application/geo+json"

PARAMETERS: dict[str, Any] = {
    "f": {"name": "f", "in": "query", "required": False,
          "description": "The encoding of the answer: JSON only.",
          "schema": {"type": "string", "enum": ["json", "geojson"], "default": "json"}},
    "limit": {"name": "limit", "in": "query", "required": False, "style": "form",
              "explode": False,
              "description": f"Features per page (a larger value is served as {MAX_LIMIT}).",
              "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                         "default": DEFAULT_LIMIT}},
    "offset": {"name": "offset", "in": "query", "required": False,
               "description": "How many matching features to skip (the `next` link sets it).",
               "schema": {"type": "integer", "minimum": 0, "default": 0}},
    "bbox": {"name": "bbox", "in": "query", "required": False, "style": "form",
             "explode": False,
             "description": "Features intersecting west,south,east,north (WGS 84 degrees).",
             "schema": {"type": "array", "minItems": 4, "maxItems": 6,
                        "items": {"type": "number"}}},
    "datetime": {"name": "datetime", "in": "query", "required": False, "style": "form",
                 "explode": False,
                 "description": "Publication time: an RFC 3339 instant or an interval "
                                "(`start/end`, `../end`, `start/..`).",
                 "schema": {"type": "string"}},
    "featureId": {"name": "featureId", "in": "path", "required": True,
                  "schema": {"type": "integer"}},
}


def _answer(description: str, media_type: str = JSON) -> dict[str, Any]:
    return {"200": {"description": description,
                    "content": {media_type: {"schema": {"type": "object"}}}},
            "400": {"description": "An unknown parameter or an invalid value."},
            "401": {"description": "No token or session."},
            "404": {"description": "No such collection or feature."}}


def _get(summary: str, operation_id: str, answer: dict[str, Any],
         parameters: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"get": {
        "summary": summary, "operationId": operation_id, "tags": ["OGC API – Features"],
        "parameters": [{"$ref": f"#/components/parameters/{name}"}
                       for name in ("f", *parameters)],
        "responses": answer,
    }}


def _collection_paths(layer: Layer) -> dict[str, Any]:
    filters = ("limit", "offset", "bbox") + (("datetime",) if layer.temporal is not None else ())
    base = f"/collections/{layer.id}"
    return {
        base: _get(f"The {layer.id} collection", f"describe_{layer.id}",
                   _answer("The collection's description.")),
        f"{base}/items": _get(f"Features of {layer.id}", f"get_{layer.id}_features",
                              _answer("A page of features.", GEOJSON), filters),
        f"{base}/items/{{featureId}}": _get(
            f"One feature of {layer.id}", f"get_{layer.id}_feature",
            _answer("The feature.", GEOJSON), ("featureId",)),
    }


def openapi_document(server_url: str) -> dict[str, Any]:
    """The definition of every path of the OGC API, for clients that read it (GDAL, QGIS)."""
    paths: dict[str, Any] = {
        "/": _get("Landing page", "get_landing_page", _answer("Links to the API.")),
        "/conformance": _get("Conformance classes", "get_conformance",
                             _answer("The conformance classes implemented.")),
        "/collections": _get("Collections", "get_collections",
                             _answer("The feature collections.")),
    }
    for layer in LAYERS.values():
        paths.update(_collection_paths(layer))
    return {
        "openapi": "3.0.3",
        "info": {"title": "Relais OGC API – Features", "version": "1.0",
                 "description": "Relais's territories, gazetteer areas and published posts. "
                                "Authenticate with `Authorization: Bearer rls_…`."},
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"parameters": PARAMETERS,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
