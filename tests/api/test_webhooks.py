"""Webhooks: signed deliveries of post events, retried, with a delivery log."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from config.settings import Settings
from regions import accounts, webhooks
from regions.models import Role, WebhookDelivery, WebhookEndpoint
from regions.webhook_targets import TargetPolicy, WebhookTargetRefused
from service.publishing import token_cipher, webhook_targets
from tests.conftest import TEST_SECRET

LOOPBACK_ALLOWED = ("127.0.0.1/32",)


class Receiver:
    """A real HTTP endpoint on 127.0.0.1 that records what it gets and answers as told."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        self.answer_body = b""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_header("Content-Length", str(len(receiver.answer_body)))
                self.end_headers()
                self.wfile.write(receiver.answer_body)

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


@pytest.fixture()
def settings(database_url: str) -> Settings:
    """The receivers of these tests listen on loopback: the allow-list lets them in."""
    return Settings(environment="test", secret_key=TEST_SECRET, database_url=database_url,
                    webhook_allowed_networks=LOOPBACK_ALLOWED)


@pytest.fixture()
def send(settings, session_factory):
    """Run one sending round as ``relais worker`` does (guarded session, the app's cipher)."""
    http = webhook_targets(settings).session()
    yield lambda: webhooks.deliver_due(session_factory, http, token_cipher(settings))
    http.close()


def test_a_submitted_post_is_delivered_signed_and_retried_after_a_failure(
        world, drafts, make_user, receiver, send, uow):
    admin = make_user(Role.ADMIN)
    created = admin.post("/api/webhooks", json={"url": receiver.url,
                                                "events": ["post.submitted", "post.approved"]})
    assert created.status_code == 201, created.json
    secret = created.json["secret"]
    post = drafts["a"]
    world["ed_lyon"].post(f"/api/posts/{post['id']}/submit", json={"version": post["version"]})

    receiver.statuses = [500]
    receiver.answer_body = b"internal stack trace: db password is hunter2"
    assert send() == 1
    response = admin.get(f"/api/webhooks/{created.json['id']}/deliveries")
    log = response.json
    assert log[0]["status"] == "pending" and log[0]["attempts"] == 1
    assert log[0]["last_status_code"] == 500
    assert b"hunter2" not in response.data  # the log never echoes what the target answered
    assert send() == 0  # not due yet: backoff

    with uow() as unit:
        unit.session.get(WebhookDelivery, log[0]["id"]).next_attempt_at = webhooks.datetime(
            2000, 1, 1, tzinfo=webhooks.UTC)
        unit.commit()
    assert send() == 1
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


def test_unsubscribed_events_are_not_queued(world, drafts, make_user, receiver, send):
    admin = make_user(Role.ADMIN)
    admin.post("/api/webhooks", json={"url": receiver.url, "events": ["post.published"]})
    post = drafts["a"]
    world["ed_lyon"].post(f"/api/posts/{post['id']}/submit", json={"version": post["version"]})
    assert send() == 0


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
                                                         session_factory, settings):
    import time

    admin = make_user(Role.ADMIN)
    admin.post("/api/webhooks", json={"url": receiver.url, "events": ["post.submitted"]})
    post = drafts["a"]
    world["ed_lyon"].post(f"/api/posts/{post['id']}/submit", json={"version": post["version"]})
    stop = threading.Event()
    sender = threading.Thread(target=webhooks.run_sender, args=(session_factory, stop),
                              kwargs={"poll_interval": 0.05, "cipher": token_cipher(settings),
                                      "targets": webhook_targets(settings)})
    sender.start()
    deadline = time.monotonic() + 10
    while not receiver.received and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    sender.join(timeout=10)
    assert not sender.is_alive()
    assert len(receiver.received) == 1


def test_secrets_are_stored_encrypted(make_user, receiver, uow):
    created = make_user(Role.ADMIN).post("/api/webhooks", json={
        "url": receiver.url, "events": ["post.failed"]})
    with uow() as unit:
        stored = bytes(unit.session.get(WebhookEndpoint, created.json["id"]).secret_ciphertext)
    assert created.json["secret"].encode() not in stored
    assert stored.startswith(b"gAAAAA")  # a Fernet token


class SwitchingResolver:
    """A DNS we control: the name answers a public address, until told otherwise."""

    def __init__(self) -> None:
        self.answer = "93.184.215.14"
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return [self.answer] if host == "hooks.partner.example" else []


def test_a_name_that_turns_inward_after_registration_is_refused_at_delivery(
        world, drafts, make_user, receiver, session_factory, settings, uow):
    resolver = SwitchingResolver()
    targets = TargetPolicy(resolve=resolver)  # no allow-list: only public addresses
    admin = make_user(Role.ADMIN)
    url = f"http://hooks.partner.example:{receiver.server.server_port}/hook"
    with uow() as unit:
        actor = accounts.load_actor(accounts.get_user(unit, admin.id))
        endpoint, _secret = webhooks.create_endpoint(
            unit, actor, url=url, events=["post.submitted"], cipher=token_cipher(settings),
            targets=targets)
        unit.commit()
    post = drafts["a"]
    world["ed_lyon"].post(f"/api/posts/{post['id']}/submit", json={"version": post["version"]})

    resolver.answer = "127.0.0.1"  # the name now points at the receiver on loopback
    http = targets.session()
    try:
        assert webhooks.deliver_due(session_factory, http, token_cipher(settings)) == 1
    finally:
        http.close()
    assert resolver.asked.count("hooks.partner.example") == 2  # registration and connection
    assert receiver.received == []
    log = admin.get(f"/api/webhooks/{endpoint.id}/deliveries").json
    assert log[0]["status"] == "pending" and log[0]["last_status_code"] is None
    assert log[0]["last_error"] == "refused: 127.0.0.1"


def test_the_guarded_session_refuses_before_connecting(receiver):
    http = TargetPolicy().session()
    with pytest.raises(WebhookTargetRefused):
        http.post(receiver.url, data=b"{}", timeout=5)
    http.close()
    assert receiver.received == []


def test_the_guarded_session_ignores_proxies_from_the_environment(monkeypatch, receiver):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # would answer for any host
    http = TargetPolicy.from_setting(LOOPBACK_ALLOWED).session()
    assert http.post(receiver.url, data=b"{}", timeout=5).status_code == 200
    http.close()
    assert len(receiver.received) == 1


def test_a_secret_the_key_cannot_open_fails_the_delivery_without_sending(
        world, drafts, make_user, receiver, session_factory, settings):
    admin = make_user(Role.ADMIN)
    created = admin.post("/api/webhooks", json={"url": receiver.url, "events": ["post.submitted"]})
    post = drafts["a"]
    world["ed_lyon"].post(f"/api/posts/{post['id']}/submit", json={"version": post["version"]})
    other_key = token_cipher(settings.with_changes(secret_key=TEST_SECRET + "-rotated"))
    http = webhook_targets(settings).session()
    try:
        assert webhooks.deliver_due(session_factory, http, other_key) == 1
    finally:
        http.close()
    assert receiver.received == []
    log = admin.get(f"/api/webhooks/{created.json['id']}/deliveries").json
    assert log[0]["status"] == "failed"
    assert log[0]["last_error"] == "secret unreadable: the encryption key changed"
