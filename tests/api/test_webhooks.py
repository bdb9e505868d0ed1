"""Webhooks: signed deliveries of post events, retried, with a delivery log."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from regions import webhooks
from regions.models import Role, WebhookDelivery


class Receiver:
    """A real HTTP endpoint on 127.0.0.1 that records what it gets and answers as told."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def receiver():
    endpoint = Receiver()
    yield endpoint
    endpoint.close()


def test_a_submitted_post_is_delivered_signed_and_retried_after_a_failure(
        world, drafts, make_user, receiver, session_factory, uow):
    admin = make_user(Role.ADMIN)
    created = admin.post("/api/webhooks", json={"url": receiver.url,
                                                "events": ["post.submitted", "post.approved"]})
    assert created.status_code == 201, created.json
    secret = created.json["secret"]
    post = drafts["a"]
    world["ed_lyon"].post(f"/api/posts/{post['id']}/submit", json={"version": post["version"]})

    receiver.statuses = [500]
    http = requests.Session()
    assert webhooks.deliver_due(session_factory, http) == 1
    log = admin.get(f"/api/webhooks/{created.json['id']}/deliveries").json
    assert log[0]["status"] == "pending" and log[0]["attempts"] == 1
    assert log[0]["last_status_code"] == 500
    assert webhooks.deliver_due(session_factory, http) == 0  # not due yet: backoff

    with uow() as unit:
        unit.session.get(WebhookDelivery, log[0]["id"]).next_attempt_at = webhooks.datetime(
            2000, 1, 1, tzinfo=webhooks.UTC)
        unit.commit()
    assert webhooks.deliver_due(session_factory, http) == 1
    log = admin.get(f"/api/webhooks/{created.json['id']}/deliveries").json
    assert log[0]["status"] == "delivered" and log[0]["attempts"] == 2

    headers, body = receiver.received[-1]
    assert headers["X-Relais-Event"] == "post.submitted"
    stamp, signature = (part.split("=", 1)[1] for part in
                        headers["X-Relais-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(signature, expected.hexdigest())
    payload = json.loads(body)
    assert payload["event"] == "post.submitted" and payload["post"]["id"] == post["id"]
    assert payload["post"]["status"] == "submitted"


def test_unsubscribed_events_are_not_queued(world, drafts, make_user, receiver, session_factory):
    admin = make_user(Role.ADMIN)
    admin.post("/api/webhooks", json={"url": receiver.url, "events": ["post.published"]})
    post = drafts["a"]
    world["ed_lyon"].post(f"/api/posts/{post['id']}/submit", json={"version": post["version"]})
    assert webhooks.deliver_due(session_factory, requests.Session()) == 0


def test_secret_is_shown_once(make_user, receiver):
    admin = make_user(Role.ADMIN)
    admin.post("/api/webhooks", json={"url": receiver.url, "events": ["post.failed"]})
    listed = admin.get("/api/webhooks").json
    assert listed and all("secret" not in item for item in listed)


@pytest.mark.parametrize("body", [
    {"url": "not a url", "events": ["post.submitted"]},
    {"url": "https://example.test/h", "events": ["post.exploded"]},
    {"url": "https://example.test/h", "events": []},
])
def test_bad_webhook_registrations_are_422(make_user, body):
    response = make_user(Role.ADMIN).post("/api/webhooks", json=body)
    assert response.status_code == 422


def test_the_worker_sender_thread_delivers_until_stopped(world, drafts, make_user, receiver,
                                                         session_factory):
    import time

    admin = make_user(Role.ADMIN)
    admin.post("/api/webhooks", json={"url": receiver.url, "events": ["post.submitted"]})
    post = drafts["a"]
    world["ed_lyon"].post(f"/api/posts/{post['id']}/submit", json={"version": post["version"]})
    stop = threading.Event()
    sender = threading.Thread(target=webhooks.run_sender, args=(session_factory, stop),
                              kwargs={"poll_interval": 0.05})
    sender.start()
    deadline = time.monotonic() + 10
    while not receiver.received and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    sender.join(timeout=10)
    assert not sender.is_alive()
    assert len(receiver.received) == 1
