"""Error mapping of the Graph adapter: pure functions, no network."""

import json
from datetime import datetime

import facebook
import pytest
import requests

from regions.publishing import graph
from regions.publishing.graph import GraphClient
from regions.publishing.graph_errors import (
    Blocked,
    CapturedResponse,
    DuplicatePost,
    GraphConnectionError,
    GraphError,
    GraphServerError,
    GraphTimeout,
    InvalidParameter,
    MalformedResponse,
    PermanentGraphError,
    PermissionDenied,
    RateLimited,
    TokenInvalid,
    error_from_exception,
    error_from_graph_body,
    error_from_http_status,
    redact,
    retry_after_from_headers,
)

TOKEN = "EAAB|page-token-s3cret+/="


@pytest.mark.parametrize(
    ("code", "expected", "stable_code", "retryable"),
    [
        (4, RateLimited, "graph.rate_limited", True),
        (17, RateLimited, "graph.rate_limited", True),
        (32, RateLimited, "graph.rate_limited", True),
        (613, RateLimited, "graph.rate_limited", True),
        (80001, RateLimited, "graph.rate_limited", True),
        (80004, RateLimited, "graph.rate_limited", True),
        (1, GraphServerError, "graph.server_error", True),
        (2, GraphServerError, "graph.server_error", True),
        (100, InvalidParameter, "graph.invalid_parameter", False),
        (190, TokenInvalid, "graph.token_invalid", False),
        (102, TokenInvalid, "graph.token_invalid", False),
        (104, TokenInvalid, "graph.token_invalid", False),
        (10, PermissionDenied, "graph.permission_denied", False),
        (200, PermissionDenied, "graph.permission_denied", False),
        (299, PermissionDenied, "graph.permission_denied", False),
        (368, Blocked, "graph.blocked", False),
        (506, DuplicatePost, "graph.duplicate_post", False),
        (12345, PermanentGraphError, "graph.rejected", False),
    ],
)
def test_graph_error_code_maps_to_documented_class(code, expected, stable_code, retryable):
    error = error_from_graph_body(
        {"message": "m", "type": "OAuthException", "code": code, "fbtrace_id": "T"},
        http_status=400,
    )
    assert type(error) is expected
    assert (error.code, error.retryable) == (stable_code, retryable)
    assert (error.graph_code, error.graph_type, error.fbtrace_id) == (code, "OAuthException", "T")
    assert error.graph_http_status == 400


def test_unknown_graph_code_marked_transient_is_retryable():
    error = error_from_graph_body({"message": "m", "code": 99999, "is_transient": True})
    assert isinstance(error, GraphServerError)


def test_graph_error_without_code_is_judged_by_http_status():
    assert isinstance(error_from_graph_body({"message": "m"}, http_status=503), GraphServerError)
    assert type(error_from_graph_body({"message": "m"}, http_status=404)) is PermanentGraphError


def test_permanent_error_reason_is_readable_and_keeps_graph_message():
    error = error_from_graph_body(
        {"message": "Session has expired", "code": 190, "error_subcode": 463}
    )
    assert "reconnect the Page" in error.reason
    assert "code 190/463" in error.reason
    assert "Session has expired" in str(error)
    assert error.graph_subcode == 463


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (429, RateLimited),
        (408, GraphTimeout),
        (500, GraphServerError),
        (502, GraphServerError),
        (None, GraphServerError),
        (404, PermanentGraphError),
        (200, MalformedResponse),
    ],
)
def test_answer_without_graph_error_maps_by_http_status(status, expected):
    assert type(error_from_http_status(status, {}, "detail")) is expected


def test_rate_limit_retry_after_comes_from_business_use_case_header_in_minutes():
    usage = {
        "123": [{"type": "pages", "estimated_time_to_regain_access": 5}],
        "456": [{"type": "pages", "estimated_time_to_regain_access": 2}],
    }
    headers = {"x-business-use-case-usage": json.dumps(usage)}
    error = error_from_graph_body({"code": 80001, "message": "m"}, headers=headers)
    assert error.retry_after == 300.0


def test_zero_regain_time_gives_no_retry_after():
    usage = {"1": [{"estimated_time_to_regain_access": 0}]}
    headers = {"X-Business-Use-Case-Usage": json.dumps(usage)}
    assert retry_after_from_headers(headers) is None


def test_unreadable_usage_header_falls_back_to_retry_after_header():
    assert retry_after_from_headers({"X-Business-Use-Case-Usage": "{nope", "Retry-After": "7"}) == 7
    assert retry_after_from_headers({"Retry-After": "Wed, 21 Oct 2015"}) is None
    assert retry_after_from_headers({}) is None


def test_http_429_is_rate_limited_with_retry_after_header():
    error = error_from_http_status(429, {"Retry-After": "12"}, "throttled")
    assert isinstance(error, RateLimited)
    assert error.retry_after == 12


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (requests.ReadTimeout("read timed out"), GraphTimeout),
        (requests.ConnectTimeout("connect timed out"), GraphTimeout),
        (requests.ConnectionError("refused"), GraphConnectionError),
        (requests.exceptions.ChunkedEncodingError("cut"), GraphConnectionError),
        (KeyError("content-type"), MalformedResponse),
        (ValueError("Expecting value"), MalformedResponse),
    ],
)
def test_transport_failures_are_retryable(exc, expected):
    error = error_from_exception(exc, None, TOKEN)
    assert type(error) is expected
    assert error.retryable


def test_sdk_error_without_code_on_html_500_is_retryable_server_error():
    exc = facebook.GraphAPIError("Maintype was not text, image, or querystring")
    error = error_from_exception(exc, CapturedResponse(500, {"Content-Type": "text/html"}), TOKEN)
    assert isinstance(error, GraphServerError)
    assert error.graph_http_status == 500


def test_sdk_error_with_graph_body_uses_captured_status_and_headers():
    body = {"error": {"message": "(#32) Page request limit reached", "code": 32}}
    usage = json.dumps({"1": [{"estimated_time_to_regain_access": 1}]})
    captured = CapturedResponse(400, {"X-Business-Use-Case-Usage": usage})
    error = error_from_exception(facebook.GraphAPIError(body), captured, TOKEN)
    assert isinstance(error, RateLimited)
    assert (error.retry_after, error.graph_http_status) == (60.0, 400)


def test_token_is_scrubbed_from_exception_text_in_raw_and_url_encoded_forms():
    url = f"/v21.0/1?fields=name&access_token={requests.utils.quote(TOKEN, safe='')}"
    exc = requests.ConnectionError(f"Max retries exceeded with url: {url} ({TOKEN})")
    error = error_from_exception(exc, None, TOKEN)
    for text in (str(error), repr(error), error.reason):
        assert TOKEN not in text
        assert "s3cret" not in text
    assert "access_token=[redacted]" in str(error)


def test_redact_removes_access_token_values_even_for_unknown_tokens():
    assert redact("a?access_token=zzz&b=1", None) == "a?access_token=[redacted]&b=1"
    assert "zzz" not in redact('{"access_token": "zzz"}', None)


def test_graph_message_echoing_the_token_is_scrubbed():
    error = error_from_graph_body({"message": f"bad token {TOKEN}", "code": 190}, token=TOKEN)
    assert TOKEN not in str(error)
    assert TOKEN not in repr(error)


def test_every_error_class_has_its_own_stable_code():
    classes = [c for c in vars(graph).values() if isinstance(c, type) and issubclass(c, GraphError)]
    codes = [c.code for c in classes]
    assert len(codes) == len(set(codes))
    assert all(code.startswith("graph.") for code in codes)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base_url": "ftp://graph.example/"},
        {"version": "21.0"},
        {"timeout": 0},
    ],
)
def test_client_refuses_bad_settings(kwargs):
    with pytest.raises(ValueError):
        GraphClient(**kwargs)


def test_client_adds_trailing_slash_to_base_url_and_repr_shows_no_secret():
    client = GraphClient(base_url="http://127.0.0.1:9/graph")
    assert client.base_url == "http://127.0.0.1:9/graph/"
    assert "token" not in repr(client).lower()
    client.close()


def test_naive_schedule_time_is_refused_before_any_call():
    client = GraphClient(base_url="http://127.0.0.1:9/")
    with pytest.raises(ValueError, match="timezone-aware"):
        client.publish_feed_post("1", TOKEN, "hi", scheduled_publish_time=datetime(2030, 1, 1))
    client.close()


def test_empty_token_is_token_invalid_without_calling_facebook():
    client = GraphClient(base_url="http://127.0.0.1:9/")
    with pytest.raises(TokenInvalid):
        client.get_page("1", "")
    client.close()


@pytest.mark.parametrize(("code", "scope"), [
    (4, "app"), (17, "app"), (32, "page"), (613, "page"), (80001, "page"),
])
def test_a_rate_limit_says_whether_the_app_or_the_page_is_throttled(code, scope):
    assert error_from_graph_body({"code": code, "message": "m"}).scope == scope
    assert error_from_http_status(429, {}, "throttled").scope == "page"


@pytest.mark.parametrize("header", ["X-App-Usage", "X-Page-Usage"])
def test_the_regain_estimate_is_read_from_the_app_and_page_usage_headers(header):
    usage = {"call_count": 100, "total_time": 20, "estimated_time_to_regain_access": 3}
    error = error_from_graph_body({"code": 4, "message": "m"}, headers={header: json.dumps(usage)})
    assert error.retry_after == 180.0


def test_the_longest_regain_estimate_of_all_usage_headers_wins():
    headers = {"X-App-Usage": json.dumps({"estimated_time_to_regain_access": 1}),
               "X-Business-Use-Case-Usage": json.dumps(
                   {"9": [{"estimated_time_to_regain_access": 4}]})}
    assert retry_after_from_headers(headers) == 240.0
