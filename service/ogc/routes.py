"""OGC API – Features, read-only: territories, gazetteer areas and published posts.

Behind the same authentication as the API (bearer token or browser session). Every answer is
JSON: ``application/geo+json`` for features, ``application/json`` for the rest; errors in the
project's one error shape (a bad query parameter is a 400, as the standard requires).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from geodata.layers import CRS84, LAYERS, Layer, layer_named
from geodata.ogc_queries import Extent, extent, feature_page, one_feature
from regions.errors import NotFound
from service.auth import current_actor
from service.errors import error_response, request_language
from service.messages import localise
from service.ogc.openapi import GEOJSON, JSON, OPENAPI_MEDIA_TYPE, openapi_document
from service.ogc.params import InvalidParameter, check_parameters, feature_query
from service.runtime import reading

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
)
OGC_REL = "http://www.opengis.net/def/rel/ogc/1.0/"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"


@bp.before_request
def _authenticate() -> None:
    current_actor()  # 401 for the anonymous, as on /api


@bp.errorhandler(InvalidParameter)
def _invalid_parameter(exc: InvalidParameter) -> Response:
    return error_response(400, exc.code, message=exc.message, errors=exc.errors)


def _link(href: str, rel: str, media_type: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": media_type}
    return {**link, "title": title} if title else link


def _url(endpoint: str, **values: Any) -> str:
    return url_for(endpoint, _external=True, **values)


def _layer(collection_id: str) -> Layer:
    layer = layer_named(collection_id)
    if layer is None:
        raise NotFound(f"No collection {collection_id}.",
                       params={"kind": "collection", "id": collection_id})
    return layer


@bp.get("/")
def landing_page() -> ResponseReturnValue:
    """The landing page: links to the API definition, the conformance classes and the data."""
    check_parameters(request.args)
    return jsonify({
        "title": "Relais",
        "description": _("Territories, gazetteer areas and published posts (OGC API – Features)."),
        "links": [
            _link(_url(".landing_page"), "self", JSON, _("This document")),
            _link(_url(".api_definition"), "service-desc", OPENAPI_MEDIA_TYPE,
                  _("The API definition (OpenAPI 3.0)")),
            _link(_url(".conformance"), "conformance", JSON, _("Conformance classes")),
            _link(_url(".conformance"), OGC_REL + "conformance", JSON, _("Conformance classes")),
            _link(_url(".collections"), "data", JSON, _("The collections")),
            _link(_url(".collections"), OGC_REL + "data", JSON, _("The collections")),
        ],
    })


@bp.get("/api")
def api_definition() -> ResponseReturnValue:
    """The OpenAPI 3.0 definition of these paths (the landing page's ``service-desc``)."""
    check_parameters(request.args)
    body = json.dumps(openapi_document(_url(".landing_page").rstrip("/")))
    return Response(body, content_type=OPENAPI_MEDIA_TYPE)


@bp.get("/conformance")
def conformance() -> ResponseReturnValue:
    """The conformance classes implemented: Core, GeoJSON and OpenAPI 3.0."""
    check_parameters(request.args)
    return jsonify({"conformsTo": list(CONFORMANCE),
                    "links": [_link(_url(".conformance"), "self", JSON)]})


def _extent_json(layer: Layer, where: Extent) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if where.bbox is not None:
        result["spatial"] = {"bbox": [list(where.bbox)], "crs": CRS84}
    if layer.temporal is not None:
        interval = [moment.isoformat() if moment else None for moment in (where.start, where.end)]
        result["temporal"] = {"interval": [interval], "trs": GREGORIAN}
    return result


def _collection_json(layer: Layer, where: Extent) -> dict[str, Any]:
    language = request_language()
    description = {
        "id": layer.id,
        "title": localise(layer.title, language),
        "description": localise(layer.description, language),
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            _link(_url(".collection", collection_id=layer.id), "self", JSON),
            _link(_url(".items", collection_id=layer.id), "items", GEOJSON,
                  _("The features (GeoJSON)")),
        ],
    }
    spatial_temporal = _extent_json(layer, where)
    return {**description, "extent": spatial_temporal} if spatial_temporal else description


@bp.get("/collections")
def collections() -> ResponseReturnValue:
    """The collections: territories, gazetteer areas and published posts."""
    check_parameters(request.args)
    with reading() as uow:
        described = [_collection_json(layer, extent(uow.session, layer))
                     for layer in LAYERS.values()]
    return jsonify({"collections": described,
                    "links": [_link(_url(".collections"), "self", JSON)]})


@bp.get("/collections/<collection_id>")
def collection(collection_id: str) -> ResponseReturnValue:
    """One collection: its title, extent and the link to its features."""
    check_parameters(request.args)
    layer = _layer(collection_id)
    with reading() as uow:
        where = extent(uow.session, layer)
    return jsonify(_collection_json(layer, where))


def _page_link(layer: Layer, offset: int, rel: str, title: str) -> dict[str, str]:
    values = {name: value for name, value in request.args.items() if name != "offset"}
    if offset:
        values["offset"] = str(offset)
    return _link(_url(".items", collection_id=layer.id, **values), rel, GEOJSON, title)


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str) -> ResponseReturnValue:
    """A page of a collection's features, filtered by bbox and datetime, with paging links."""
    layer = _layer(collection_id)
    query = feature_query(request.args, layer)
    with reading() as uow:
        page = feature_page(uow.session, layer, query)
    returned = len(page.features)
    links = [_link(request.url, "self", GEOJSON, _("This page")),
             _link(_url(".collection", collection_id=layer.id), "collection", JSON)]
    if query.offset + returned < page.number_matched:
        links.append(_page_link(layer, query.offset + returned, "next", _("Next page")))
    if query.offset > 0:
        links.append(_page_link(layer, max(0, query.offset - query.limit), "prev",
                                _("Previous page")))
    meta = json.dumps({
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "numberMatched": page.number_matched, "numberReturned": returned, "links": links,
    })
    body = '{"type":"FeatureCollection","features":[' + ",".join(page.features) + "]," + meta[1:]
    return Response(body, mimetype=GEOJSON)


@bp.get("/collections/<collection_id>/items/<int:feature_id>")
def item(collection_id: str, feature_id: int) -> ResponseReturnValue:
    """One feature, with links to itself and its collection."""
    check_parameters(request.args)
    layer = _layer(collection_id)
    with reading() as uow:
        feature = one_feature(uow.session, layer, feature_id)
    if feature is None:
        raise NotFound(f"No feature {feature_id} in {layer.id}.",
                       params={"kind": layer.id, "id": feature_id})
    links = json.dumps({"links": [
        _link(request.url, "self", GEOJSON, _("This feature")),
        _link(_url(".collection", collection_id=layer.id), "collection", JSON),
    ]})
    return Response(feature[:-1] + "," + links[1:], mimetype=GEOJSON)
