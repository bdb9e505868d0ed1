"""The Graph adapter over real HTTP, through facebook-sdk, against the fake Graph server."""

import json
import logging
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from regions.publishing.graph import GraphClient
from regions.publishing.graph_errors import (
    Blocked,
    DuplicatePost,
    GraphConnectionError,
    GraphError,
    GraphServerError,
    GraphTimeout,
    InvalidParameter,
    MalformedResponse,
    PermissionDenied,
    RateLimited,
    TokenInvalid,
)
from service.fakegraph import FakeGraphServer, FakePage, FaultPlan

PAGE, TOKEN = "1001", "EAAPage1001-s3cret-token"
OTHER_PAGE, OTHER_TOKEN = "2002", "EAAPage2002-other-s3cret"
PLACE = "110774245616525"
CLIENT_TIMEOUT = 0.3


@pytest.fixture(scope="module")
def fake():
    pages = [FakePage(PAGE, "Relais Lyon", {TOKEN}), FakePage(OTHER_PAGE, "Other", {OTHER_TOKEN})]
    with FakeGraphServer(pages) as server:
        yield server


@pytest.fixture
def graph(fake):
    fake.reset()
    client = GraphClient(base_url=fake.base_url, version="v21.0", timeout=CLIENT_TIMEOUT)
    yield client
    client.close()


def started() -> datetime:
    return datetime.now(UTC)


def test_publish_with_place_tag_and_targeting_reaches_the_page(graph, fake):
    post = graph.publish_feed_post(
        PAGE,
        TOKEN,
        "Marché de Noël ce samedi",
        link="https://example.org/noel",
        place=PLACE,
        targeting={"geo_locations": {"countries": ["FR"]}, "age_min": 18},
        feed_targeting={"geo_locations": {"cities": [{"key": "2427069"}]}},
    )

    assert post.id.startswith(f"{PAGE}_") and post.page_id == PAGE
    [stored] = fake.posts(PAGE)
    assert stored["id"] == post.id
    assert stored["place"] == {"id": PLACE}
    assert stored["message"] == "Marché de Noël ce samedi"
    assert stored["targeting"] == {"geo_locations": {"countries": ["FR"]}, "age_min": 18}
    assert stored["feed_targeting"]["geo_locations"]["cities"] == [{"key": "2427069"}]
    fetched = graph.get_post(post.id, TOKEN)
    number = post.id.split("_")[1]
    assert fetched.permalink_url == f"{fake.base_url}{PAGE}/posts/{number}"
    assert fetched.created_time is not None


def test_check_connection_returns_the_page_name(graph):
    page = graph.get_page(PAGE, TOKEN)
    assert (page.id, page.name) == (PAGE, "Relais Lyon")


@pytest.mark.parametrize(
    ("kind", "options", "expected", "code", "retryable"),
    [
        ("rate_limit", {"code": 4}, RateLimited, "graph.rate_limited", True),
        ("rate_limit", {"code": 17}, RateLimited, "graph.rate_limited", True),
        ("rate_limit", {"code": 32}, RateLimited, "graph.rate_limited", True),
        ("rate_limit", {"code": 613}, RateLimited, "graph.rate_limited", True),
        ("rate_limit", {"code": 80001}, RateLimited, "graph.rate_limited", True),
        ("server_error", {}, GraphServerError, "graph.server_error", True),
        ("html_500", {}, GraphServerError, "graph.server_error", True),
        ("no_content_type", {}, MalformedResponse, "graph.malformed_response", True),
        ("json_without_error", {}, GraphServerError, "graph.server_error", True),
        ("json_without_error", {"status": 404}, GraphError, "graph.rejected", False),
        ("drop", {}, GraphConnectionError, "graph.connection_error", True),
        ("invalid_param", {}, InvalidParameter, "graph.invalid_parameter", False),
        ("token_expired", {}, TokenInvalid, "graph.token_invalid", False),
        ("permission", {}, PermissionDenied, "graph.permission_denied", False),
        ("blocked", {}, Blocked, "graph.blocked", False),
        ("duplicate", {}, DuplicatePost, "graph.duplicate_post", False),
    ],
)
def test_injected_fault_on_publish_raises_documented_error(
    graph, fake, kind, options, expected, code, retryable
):
    fake.inject(kind, op="publish", **options)

    with pytest.raises(expected) as caught:
        graph.publish_feed_post(PAGE, TOKEN, "Bonjour", place=PLACE)

    assert (caught.value.code, caught.value.retryable) == (code, retryable)
    assert fake.posts() == []


def test_rate_limit_usage_header_becomes_retry_after_seconds(graph, fake):
    fake.inject("rate_limit", code=80001, regain_minutes=5)

    with pytest.raises(RateLimited) as caught:
        graph.publish_feed_post(PAGE, TOKEN, "Bonjour")

    assert caught.value.retry_after == 300.0
    assert caught.value.graph_http_status == 400


def test_publish_succeeds_once_the_rate_limit_has_passed(graph, fake):
    fake.inject("rate_limit", code=32, regain_minutes=0)
    with pytest.raises(RateLimited) as caught:
        graph.publish_feed_post(PAGE, TOKEN, "Bonjour")
    assert caught.value.retry_after is None  # no estimate: the worker backs off on its own

    post = graph.publish_feed_post(PAGE, TOKEN, "Bonjour")

    assert [p["id"] for p in fake.posts()] == [post.id]


def test_slow_answer_times_out_quickly_as_retryable(graph, fake):
    fake.inject("timeout", seconds=5)

    with pytest.raises(GraphTimeout) as caught:
        graph.get_page(PAGE, TOKEN)

    assert caught.value.retryable


def test_latency_set_at_construction_delays_answers_and_can_exceed_the_timeout():
    with FakeGraphServer({PAGE: TOKEN}, faults=FaultPlan(latency_ms=100)) as slow:
        client = GraphClient(base_url=slow.base_url, timeout=CLIENT_TIMEOUT)
        begin = time.monotonic()
        assert client.get_page(PAGE, TOKEN).id == PAGE
        assert time.monotonic() - begin >= 0.1
        slow.configure_faults(latency_ms=500)
        with pytest.raises(GraphTimeout):
            client.get_page(PAGE, TOKEN)
        client.close()


def test_unknown_token_is_token_invalid(graph):
    with pytest.raises(TokenInvalid) as caught:
        graph.get_page(PAGE, "EAA-not-a-known-token")
    assert caught.value.graph_code == 190


def test_token_of_another_page_cannot_publish(graph, fake):
    with pytest.raises(PermissionDenied) as caught:
        graph.publish_feed_post(PAGE, OTHER_TOKEN, "Bonjour")
    assert caught.value.graph_http_status == 403
    assert fake.posts() == []


def test_invalid_place_is_an_invalid_parameter(graph):
    with pytest.raises(InvalidParameter):
        graph.publish_feed_post(PAGE, TOKEN, "Bonjour", place="not-a-place")


def test_post_committed_before_a_timeout_is_found_by_lookup(graph, fake):
    attempt_started = started()
    fake.inject("timeout", op="publish", after_commit=True, seconds=5)

    with pytest.raises(GraphTimeout):
        graph.publish_feed_post(PAGE, TOKEN, "Fête de quartier\r\n")

    [found] = graph.find_posts_by_message(PAGE, TOKEN, "Fête de quartier\n", attempt_started)
    [stored] = fake.posts()
    assert found.id == stored["id"]
    assert found.permalink_url == stored["permalink_url"]


def test_post_committed_before_an_error_answer_is_found_by_lookup(graph, fake):
    attempt_started = started()
    fake.inject("html_500", op="publish", after_commit=True)

    with pytest.raises(GraphServerError):
        graph.publish_feed_post(PAGE, TOKEN, "Brocante dimanche")

    found = graph.find_posts_by_message(PAGE, TOKEN, "Brocante dimanche", attempt_started)
    assert [p.id for p in found] == [p["id"] for p in fake.posts()]


def test_lookup_ignores_other_text_and_posts_older_than_the_attempt(graph, fake):
    graph.publish_feed_post(PAGE, TOKEN, "Brocante dimanche")
    graph.publish_feed_post(PAGE, TOKEN, "Autre chose")

    assert graph.find_posts_by_message(PAGE, TOKEN, "Brocante", started()) == []
    later = started() + timedelta(minutes=10)
    assert graph.find_posts_by_message(PAGE, TOKEN, "Brocante dimanche", later) == []


def test_lookup_follows_paging_to_older_posts(graph):
    attempt_started = started()
    target = graph.publish_feed_post(PAGE, TOKEN, "Le premier")
    for n in range(5):
        graph.publish_feed_post(PAGE, TOKEN, f"Suivant {n}")

    found = graph.find_posts_by_message(PAGE, TOKEN, "Le premier", attempt_started, page_size=2)

    assert [p.id for p in found] == [target.id]


def test_scheduled_post_is_found_on_the_scheduled_posts_edge(graph, fake):
    attempt_started = started()
    when = started() + timedelta(hours=2)
    post = graph.publish_feed_post(PAGE, TOKEN, "Programmé", scheduled_publish_time=when)

    assert fake.posts()[0]["is_published"] is False
    assert graph.find_posts_by_message(PAGE, TOKEN, "Programmé", attempt_started) == []
    found = graph.find_posts_by_message(
        PAGE, TOKEN, "Programmé", attempt_started, edge="scheduled_posts"
    )
    assert [p.id for p in found] == [post.id]


def test_delete_removes_the_post_and_a_second_delete_is_refused(graph, fake):
    post = graph.publish_feed_post(PAGE, TOKEN, "À retirer")

    graph.delete_post(post.id, TOKEN)

    assert fake.posts() == []
    with pytest.raises(InvalidParameter):
        graph.delete_post(post.id, TOKEN)


def test_refused_connection_is_retryable(fake):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = GraphClient(base_url=f"http://127.0.0.1:{port}/", timeout=CLIENT_TIMEOUT)
    with pytest.raises(GraphConnectionError) as caught:
        client.get_page(PAGE, TOKEN)
    assert caught.value.retryable
    client.close()


def test_token_never_appears_in_errors_or_logs(graph, fake, caplog):
    caplog.set_level(logging.DEBUG)  # includes urllib3's request lines and the fake's log
    errors: list[GraphError] = []
    calls = [
        lambda: graph.get_page(PAGE, TOKEN),
        lambda: graph.publish_feed_post(PAGE, TOKEN, "x"),
        lambda: graph.delete_post(f"{PAGE}_999", TOKEN),
        lambda: graph.find_posts_by_message(PAGE, TOKEN, "x", started()),
    ]
    for kind in ("drop", "html_500", "no_content_type", "token_expired", "rate_limit"):
        for call in calls:
            fake.inject(kind)
            with pytest.raises(GraphError) as caught:
                call()
            errors.append(caught.value)
    with pytest.raises(GraphError) as caught:
        GraphClient(base_url="http://127.0.0.1:9/", timeout=CLIENT_TIMEOUT).get_page(PAGE, TOKEN)
    errors.append(caught.value)

    texts = [str(e) for e in errors] + [repr(e) for e in errors] + [caplog.text]
    texts += [str(e.__context__) + str(e.__cause__) for e in errors]
    assert not [text for text in texts if "s3cret" in text]
    assert "urllib3" in caplog.text and "relais.fakegraph" in caplog.text  # logs were captured
    assert all(e.__context__ is None for e in errors)


def test_token_in_query_string_mode_still_keeps_it_out_of_errors(fake):
    legacy = GraphClient(base_url=fake.base_url, timeout=CLIENT_TIMEOUT, token_in_header=False)
    errors: list[GraphError] = []
    for kind in ("drop", "html_500", "token_expired"):
        fake.inject(kind)
        with pytest.raises(GraphError) as caught:
            legacy.get_page(PAGE, TOKEN)
        errors.append(caught.value)
    dead = GraphClient(
        base_url="http://127.0.0.1:9/", timeout=CLIENT_TIMEOUT, token_in_header=False
    )
    with pytest.raises(GraphConnectionError) as caught:
        dead.get_page(PAGE, TOKEN)  # requests puts the full URL, token included, in its text
    errors.append(caught.value)

    assert not [e for e in errors if "s3cret" in str(e) + repr(e)]
    assert "access_token=[redacted]" in str(caught.value)
    legacy.close()
    dead.close()


# --- the fake server's own controls ---------------------------------------------------------


def admin(fake, method, path, payload=None):
    response = requests.request(method, f"{fake.base_url}_fake/{path}", json=payload, timeout=2)
    return response.status_code, response.json()


def test_faults_and_pages_are_controllable_over_http(graph, fake):
    status, _ = admin(fake, "POST", "pages", {"id": "3003", "name": "Neuf", "token": "t-3003"})
    assert status == 201
    status, plan = admin(fake, "POST", "faults", {"faults": [{"kind": "blocked", "op": "publish"}]})
    assert status == 200 and plan["queue"][0]["kind"] == "blocked"

    with pytest.raises(Blocked):
        graph.publish_feed_post("3003", "t-3003", "Bonjour")
    post = graph.publish_feed_post("3003", "t-3003", "Bonjour")

    _, listed = admin(fake, "GET", "posts")
    assert [p["id"] for p in listed["data"]] == [post.id]
    _, pages = admin(fake, "GET", "pages")
    assert "t-3003" not in json.dumps(pages)
    assert admin(fake, "POST", "faults", {"kind": "nope"})[0] == 400


def run_random_failures(fake, graph, seed):
    admin(fake, "DELETE", "posts")
    settings = {"random_failure_rate": 0.3, "seed": seed, "random_kinds": ["html_500", "drop"]}
    admin(fake, "POST", "faults", settings)
    outcomes = []
    for n in range(40):
        try:
            graph.publish_feed_post(PAGE, TOKEN, f"Post {n}")
            outcomes.append("ok")
        except GraphError as error:
            outcomes.append(error.code)
    admin(fake, "DELETE", "faults")
    return outcomes, len(fake.posts())


def test_seeded_random_failures_are_reproducible_and_some_commit(graph, fake):
    outcomes, stored = run_random_failures(fake, graph, seed=7)

    failures = [o for o in outcomes if o != "ok"]
    assert 4 <= len(failures) <= 24
    assert set(failures) <= {"graph.server_error", "graph.connection_error"}
    assert outcomes.count("ok") < stored  # some failures happened after the post was stored
    assert run_random_failures(fake, graph, seed=7) == (outcomes, stored)


def test_module_entry_point_serves_and_logs_no_token(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "service.fakegraph", "--port", "0", "--page", f"{PAGE}:{TOKEN}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        base_url = line.rsplit(" ", 1)[-1].strip()
        client = GraphClient(base_url=base_url, timeout=2, token_in_header=False)
        assert client.get_page(PAGE, TOKEN).id == PAGE
        client.close()
    finally:
        process.terminate()
        _, err = process.communicate(timeout=60)
    assert "listening on http://127.0.0.1:" in line
    assert f"GET /v21.0/{PAGE} -> 200" in err
    assert TOKEN not in err


def test_a_throttled_page_answers_32_with_page_usage_and_the_app_4_with_app_usage(graph, fake):
    status, _ = admin(fake, "POST", "throttle", {"scope": "page", "page_id": PAGE, "seconds": 150})
    assert status == 200
    with pytest.raises(RateLimited) as page_limit:
        graph.publish_feed_post(PAGE, TOKEN, "Retenu")
    assert (page_limit.value.graph_code, page_limit.value.scope) == (32, "page")
    assert page_limit.value.retry_after == 180.0  # 150 s left, rounded up to whole minutes
    graph.publish_feed_post(OTHER_PAGE, OTHER_TOKEN, "L'autre Page passe")

    fake.throttle("app", 30)
    with pytest.raises(RateLimited) as app_limit:
        graph.get_page(OTHER_PAGE, OTHER_TOKEN)
    assert (app_limit.value.graph_code, app_limit.value.scope) == (4, "app")
    assert app_limit.value.retry_after == 60.0
    assert admin(fake, "POST", "throttle", {"scope": "page", "seconds": 5})[0] == 400
    fake.reset()
    assert graph.get_page(PAGE, TOKEN).name == "Relais Lyon"


def test_a_late_store_lands_after_the_client_gave_up(graph, fake):
    fake.inject("drop", op="publish", after_commit=True, store_after=0.3)
    since = started()
    with pytest.raises(GraphConnectionError):
        graph.publish_feed_post(PAGE, TOKEN, "En retard")
    assert fake.posts() == [] and fake.pending_stores() == 1
    deadline = time.monotonic() + 30  # the store is due in 0.3 s; a busy machine runs late
    while fake.pending_stores() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fake.pending_stores() == 0
    [found] = graph.find_posts_by_message(PAGE, TOKEN, "En retard", since)
    assert found.message == "En retard"


def test_the_fake_records_where_each_token_came_from(fake):
    fake.reset()
    for in_header in (True, False):
        client = GraphClient(base_url=fake.base_url, timeout=CLIENT_TIMEOUT,
                             token_in_header=in_header)
        try:
            client.get_page(PAGE, TOKEN)
            client.publish_feed_post(PAGE, TOKEN, f"Jeton {in_header}")
        finally:
            client.close()
    assert [(r["method"], r["token_in"]) for r in fake.requests()] == [
        ("GET", "header"), ("POST", "body"), ("GET", "query"), ("POST", "body")]
