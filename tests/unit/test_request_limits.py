"""granian's worker app keeps gunicorn's request limits, answered in the JSON error shape."""

from __future__ import annotations

import json

import pytest

from service.server import HEADER_FIELD_LIMIT, REQUEST_URI_LIMIT, RequestLimits


def _app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"reached"]


def _call(environ):
    answered = {}

    def start_response(status, headers):
        answered.update(status=status, headers=dict(headers))

    body = b"".join(RequestLimits(_app)({"PATH_INFO": "/api/posts", **environ}, start_response))
    return answered["status"], answered["headers"], body


@pytest.mark.parametrize(("environ", "status", "code"), [
    ({"QUERY_STRING": "q=" + "x" * REQUEST_URI_LIMIT}, "414 Request-URI Too Long",
     "request.uri_too_long"),
    ({"HTTP_X_BIG": "y" * HEADER_FIELD_LIMIT}, "431 Request Header Fields Too Large",
     "request.headers_too_large"),
])
def test_over_gunicorns_limits_the_answer_is_the_json_error(environ, status, code):
    answered, headers, body = _call(environ)
    assert (answered, headers["Content-Type"]) == (status, "application/json")
    assert json.loads(body) == {"code": code, "status": int(status[:3]),
                                "message": status[4:], "errors": {}, "request_id": None}


def test_up_to_the_limits_the_request_reaches_the_app():
    uri = "q=" + "x" * (REQUEST_URI_LIMIT - len("/api/posts") - 3)
    field = "y" * (HEADER_FIELD_LIMIT - len("X-BIG") - 2)
    assert _call({"QUERY_STRING": uri, "HTTP_X_BIG": field})[2] == b"reached"
