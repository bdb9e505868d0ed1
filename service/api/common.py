"""Pieces shared by the API resources: the blueprint class, its parser, id fields and converters."""

from __future__ import annotations

import gc
import re
from collections.abc import Callable
from typing import Any, NoReturn

import flask_smorest
import orjson
from flask import Request, Response, current_app, request
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map

from editorial.errors import N_
from service.auth import current_actor
from service.errors import RequestError, UnsupportedMediaType

PAGINATION_KEYS = frozenset({"page", "page_size"})
INT4_MAX = 2**31 - 1  # ids and version numbers are PostgreSQL ``integer`` columns
NUL_MESSAGE = N_("Must not contain NUL (\\u0000) characters.")
MAX_JSON_DEPTH = 32  # far more than any Relais body needs (a MultiPolygon body is 6 deep)
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the (valid) JSON text nests arrays and objects more than ``limit`` levels deep.

    Done on the bytes with regular expressions (C speed, no recursion): strings are dropped,
    only brackets kept, and each pass removes the innermost level.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    skeleton = _JSON_STRING.sub(b"", body).translate(None, delete=_NOT_BRACKETS)
    for _ in range(limit):
        if not skeleton:
            return False
        skeleton = skeleton.replace(b"[]", b"").replace(b"{}", b"")
    return bool(skeleton)


def nul_errors(value: Any) -> Any:
    """Where ``value`` holds a NUL character (which PostgreSQL text and JSONB refuse), by path.

    ``None`` when there is none; otherwise marshmallow-shaped messages: a dict by key or list
    index down to a list of messages.
    """
    if isinstance(value, str):
        return [NUL_MESSAGE] if "\x00" in value else None
    if isinstance(value, dict) or hasattr(value, "getlist"):
        found: dict[Any, Any] = {}
        for key in value:
            values = value.getlist(key) if hasattr(value, "getlist") else [value[key]]
            if isinstance(key, str) and "\x00" in key:
                found[key] = [NUL_MESSAGE]
            elif (errors := nul_errors(values[0] if len(values) == 1 else values)) is not None:
                found[key] = errors
        return found or None
    if isinstance(value, list):
        by_index = {i: e for i, item in enumerate(value) if (e := nul_errors(item)) is not None}
        return by_index or None
    return None


def _is_public(req: Request) -> bool:
    """Whether the endpoint serving ``req`` is documented as public (``security=[]``)."""
    view = current_app.view_functions.get(req.endpoint or "")
    handler = getattr(getattr(view, "view_class", None), req.method.lower(), view)
    doc = getattr(handler, "_apidoc", {}).get("manual_doc", {})
    return bool(doc.get("security") == [])


class JsonNumber(fields.Float):
    """A number in a JSON body: ``"4.8"`` (a string) and ``true`` are not numbers.

    marshmallow's Float turns numeric strings into numbers (right for query strings, wrong for
    coordinates sent as JSON, where a string is the sign of a client bug).
    """

    def _validated(self, value: Any) -> float:
        if isinstance(value, str):
            raise self.make_error("invalid")
        return super()._validated(value)


class RelaisParser(FlaskParser):
    """webargs' parser, with query strings checked by each schema's own ``unknown`` policy."""

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": None, "querystring": None,
    }

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        """Parse, but authenticate first when the request is refused.

        An anonymous caller (or a bad token) gets 401, never a description of the fields it
        got wrong. Valid requests are not slowed: the view authenticates them as before.
        """
        try:
            return super().parse(*args, **kwargs)
        except (HTTPException, RequestError):
            if not _is_public(request):
                current_actor()  # raises the 401 when the caller is not authenticated
            raise

    def _raw_load_json(self, req: Request) -> Any:
        """Parse JSON bodies with orjson: several times faster than the standard library."""
        if not is_json_request(req):
            if req.content_length or req.headers.get("Transfer-Encoding"):
                # A body in another format would otherwise read as "fields missing".
                raise UnsupportedMediaType(
                    "request.unsupported_media_type",
                    f"Send the body as JSON, not {req.mimetype or 'an unnamed type'}.",
                    errors={"json": {"_schema": [N_("Content-Type must be application/json.")]}},
                )
            return core.missing
        # Parsing a large body creates many containers at once; without the collector's passes
        # over them (they cannot form cycles) bulk bodies parse several times faster.
        body = req.get_data(cache=True)
        if not body:
            # No body at all, whatever its type says: "missing", as webargs' own parser has it
            # (an action whose body is optional runs; a required one names its fields).
            return core.missing
        collecting = gc.isenabled()
        gc.disable()
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return self._handle_invalid_json_error(exc, req)
        finally:
            if collecting:
                gc.enable()
        if json_depth_exceeds(body):
            # Deeper bodies would reach recursive code (checks, storage, answers) as a 500.
            raise RequestError("request.too_deep", "The JSON body is nested too deeply.",
                               errors={"json": {"_schema": [N_(
                                   "Arrays and objects nest at most {max} levels deep.",
                                   max=MAX_JSON_DEPTH)]}})
        return data

    def pre_load(self, location_data: Any, *, schema: Schema, req: Request,
                 location: str) -> Any:
        """Refuse NUL characters in any string of any location before the schema sees them."""
        # In a JSON body a NUL can only be written as an escape: skip the walk over bulk bodies
        # that have none.
        if location == "json" and b"\\u0000" not in req.get_data(cache=True):
            return location_data
        # In a query string only ``%00`` decodes to NUL: skip the walk when it is absent.
        if location in ("query", "querystring") and b"%00" not in req.query_string \
                and b"\x00" not in req.query_string:
            return location_data
        if (errors := nul_errors(location_data)) is not None:
            raise ValidationError(errors)
        return location_data

    def _handle_invalid_json_error(self, error: Exception, req: Request, *args: Any,
                                   **kwargs: Any) -> NoReturn:
        # The parser's own wording is English: say where, in words of our catalogue.
        where = N_("Not valid JSON at line {line}, column {column}.",
                   line=getattr(error, "lineno", "?"), column=getattr(error, "colno", "?"))
        raise RequestError("request.malformed_json", "The request body is not valid JSON.",
                           errors={"json": {"_schema": [where]}})


class NoBody(Schema):
    """The body of an action that takes no arguments: absent or ``{}`` (unknown fields: 422)."""

    class Meta:
        unknown = RAISE


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]  # flask-smorest is untyped
    """flask-smorest's blueprint with Relais' argument parser and bounded page numbers."""

    ARGUMENTS_PARSER = RelaisParser()

    def arguments(self, schema: type[Schema] | Schema, *args: Any, **kwargs: Any
                  ) -> Callable[[Callable[..., Any]], Any]:
        """flask-smorest's arguments, parsed by one schema instance built here, once.

        Given a class, webargs would build an instance on every request (a deep copy of every
        field: a good part of parsing time). One instance serves every request and thread:
        loading never changes a marshmallow 4 schema (no ``context``; ``unknown`` is passed
        per call) and Relais' schemas keep no state. The OpenAPI document is the same.
        """
        decorate: Callable[[Callable[..., Any]], Any] = super().arguments(
            schema() if isinstance(schema, type) else schema, *args, **kwargs)
        return decorate

    def no_body(self) -> Callable[[Callable[..., Any]], Any]:
        """Declare an action that takes no arguments in its body: none, or ``{}``.

        Without a declared body the request's bytes would go unread: malformed JSON or a
        misspelt field would be ignored where every other operation refuses them with 422.
        The view's signature is unchanged (nothing is passed to it).
        """
        return self.arguments(NoBody, required=False, as_kwargs=True)

    def paginate(self, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
        """flask-smorest's pagination, with ``page`` at most ``INT4_MAX`` (422 beyond).

        flask-smorest bounds only ``page_size``; an unbounded page number overflows the SQL
        OFFSET it becomes.
        """
        decorate = super().paginate(*args, **kwargs)

        def decorator(func: Callable[..., Any]) -> Any:
            wrapper = decorate(func)
            schema = wrapper._apidoc["pagination"]["parameters"]["schema"]
            schema._declared_fields["page"].validators.append(validate.Range(max=INT4_MAX))
            return wrapper

        return decorator


def json_response(body: Any) -> Response:
    """``body``, already shaped as the route's documented response schema, as JSON.

    flask-smorest would dump it again field by field with that schema (a copy, for plain
    data), then encode it with the standard library; orjson encodes it at once. For answers
    built of plain values only (orjson refuses other objects rather than guess).
    """
    return Response(orjson.dumps(body), mimetype="application/json")


class ErrorSchema(Schema):
    """The one error shape every 4xx and 5xx has (see ``service/errors.py``): for the spec."""

    code = fields.String(required=True, metadata={
        "description": "Stable machine-readable code, e.g. request.invalid"})
    status = fields.Integer(required=True, metadata={"description": "The HTTP status"})
    message = fields.String(required=True, metadata={
        "description": "Human-readable, in the language of Accept-Language (fr, en)"})
    errors = fields.Dict(required=True, metadata={
        "description": "What is wrong, by location and field (may be empty)"})
    request_id = fields.String(required=True, allow_none=True, metadata={
        "description": "The request's id, as logged and echoed in X-Request-ID"})


class Integer(fields.Integer):
    """An integer; when strict, a JSON number with no fraction (``7.0``) counts as one.

    JSON Schema calls ``7.0`` an integer, so the OpenAPI document promises it is accepted;
    strings and fractions are still refused.
    """

    def _validated(self, value: Any) -> int:
        if self.strict and isinstance(value, float) and value.is_integer():
            value = int(value)
        return super()._validated(value)


class RowId(Integer):
    """A database id or version number: a positive PostgreSQL ``integer``.

    Anything beyond ``INT4_MAX`` cannot name a row: it is a 422 here, not a database error.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.insert(0, validate.Range(min=1, max=INT4_MAX))


class RowIdConverter(IntegerConverter):
    """``<int:…>`` in every route: ids fit a PostgreSQL ``integer``, larger ones match no route.

    The bound is documented in the OpenAPI spec as the parameter's ``maximum``.
    """

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = INT4_MAX, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


class QueryArgs(Schema):
    """Query-string arguments: an unknown (say, misspelt) filter is an error, not ignored."""

    class Meta:
        unknown = RAISE

    @pre_load
    def _skip_pagination(self, data: Any, **_kwargs: Any) -> Any:
        # flask-smorest parses page/page_size on its own; they are not ours to refuse.
        if not hasattr(data, "getlist"):
            return data
        return {
            key: values if len(values := data.getlist(key)) > 1 else values[0]
            for key in data
            if key not in PAGINATION_KEYS
        }


class JsonBoolean(fields.Boolean):
    """A JSON ``true`` or ``false`` only: not 1, 0, "yes" (1 == True would slip through)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value
