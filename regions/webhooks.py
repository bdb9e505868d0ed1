"""Webhooks: post lifecycle events and kits, written to an outbox with the change, sent signed."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial.errors import N_
from regions import audit
from regions.actors import Actor
from regions.db import SessionFactory, UnitOfWork, read_later
from regions.errors import InvalidInput, NotFound
from regions.models import Post, PostStatus, Role, WebhookDelivery, WebhookEndpoint
from regions.publishing.page_tokens import TokenCipher, TokenUnreadable
from regions.webhook_targets import TargetPolicy, WebhookTargetRefused

log = logging.getLogger("relais.webhooks")
EVENTS = {
    PostStatus.SUBMITTED: "post.submitted",
    PostStatus.APPROVED: "post.approved",
    PostStatus.PUBLISHED: "post.published",
    PostStatus.FAILED: "post.failed",
}
# Events that are not a post's state: written by their own use case with ``enqueue_event``.
OTHER_EVENTS = ("kit.published",)
EVENT_NAMES = (*EVENTS.values(), *OTHER_EVENTS)
SIGNATURE_HEADER = "X-Relais-Signature"


def payload_for(event: str, post: Post) -> dict[str, Any]:
    """What a receiver gets: the event and the post's public facts."""
    return {
        "event": event,
        "post": {
            "id": post.id, "territory_id": post.territory_id, "status": post.status.value,
            "publish_at": post.publish_at.isoformat() if post.publish_at else None,
            "facebook_post_id": post.facebook_post_id, "permalink": post.permalink,
            "failure_reason": post.failure_reason,
        },
    }


# Plain SQL so that it can ride with the other reads of a decision (``regions.db.read_later``).
_SUBSCRIBERS = ("SELECT id FROM webhook_endpoints WHERE active AND events @> ARRAY[%(event)s]"
                "::varchar[] ORDER BY id")


def subscribers_later(session: Session, event: str | None) -> Callable[[], list[int]]:
    """The active endpoints subscribed to ``event`` (none for None), read with the next read."""
    if event is None:
        return list
    rows = read_later(session, _SUBSCRIBERS, {"event": event})
    return lambda: [row[0] for row in rows()]


def enqueue(session: Session, status: PostStatus, post: Post,
            subscribers: Callable[[], list[int]] | None = None) -> int:
    """Write one delivery per subscribed endpoint, in the caller's transaction.

    ``subscribers``: from ``subscribers_later``, when the caller queued the read beforehand.
    """
    event = EVENTS.get(status)
    endpoint_ids = (subscribers or subscribers_later(session, event))()
    if event is not None:
        for endpoint_id in endpoint_ids:
            session.add(WebhookDelivery(endpoint_id=endpoint_id, event=event,
                                        payload=payload_for(event, post)))
    return len(endpoint_ids)


def enqueue_event(session: Session, event: str, payload: dict[str, Any]) -> int:
    """Write one delivery of ``event`` per subscribed endpoint, in the caller's transaction."""
    endpoint_ids = subscribers_later(session, event)()
    for endpoint_id in endpoint_ids:
        session.add(WebhookDelivery(endpoint_id=endpoint_id, event=event, payload=payload))
    return len(endpoint_ids)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """HMAC-SHA256 over ``timestamp.body``, as ``t=…,v1=…`` (replays can be refused by age)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def encode(payload: dict[str, Any]) -> bytes:
    """The exact bytes that are signed and sent."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def now_ts() -> int:
    """Seconds since the epoch."""
    return int(datetime.now(UTC).timestamp())


MAX_ATTEMPTS = 8
BASE_DELAY_SECONDS = 30
SEND_TIMEOUT_SECONDS = 10


def create_endpoint(uow: UnitOfWork, actor: Actor, *, url: str, events: list[str],
                    cipher: TokenCipher, targets: TargetPolicy) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint (admins); returns it and its signing secret, shown once.

    The URL must lead to public addresses only (or to an allowed network): see
    ``regions.webhook_targets``. The secret is stored encrypted, like Page tokens.
    """
    actor.require(Role.ADMIN)
    unknown = sorted(set(events) - set(EVENT_NAMES))
    if unknown or not events:
        raise InvalidInput(f"Unknown events: {', '.join(unknown) or '(none given)'}.",
                           errors={"events": [N_("Choose among {events}.",
                                                     events=", ".join(EVENT_NAMES))]})
    targets.check_url(url)
    secret = secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(url=url, secret_ciphertext=cipher.encrypt(secret),
                               events=sorted(set(events)), created_by=actor.user_id)
    uow.session.add(endpoint)
    uow.flush()
    audit.record(uow.session, actor.user_id, "webhook.created", "webhook", endpoint.id,
                 {"url": url, "events": endpoint.events})
    return endpoint, secret


def list_endpoints(session: Session, actor: Actor) -> list[WebhookEndpoint]:
    """Every endpoint (admins)."""
    actor.require(Role.ADMIN)
    return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def delete_endpoint(uow: UnitOfWork, actor: Actor, endpoint_id: int) -> None:
    """Remove an endpoint and its delivery log (admins)."""
    actor.require(Role.ADMIN)
    endpoint = uow.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(f"No webhook {endpoint_id}.", params={"kind": "webhook"})
    uow.session.delete(endpoint)
    audit.record(uow.session, actor.user_id, "webhook.deleted", "webhook", endpoint_id)


def deliveries(session: Session, actor: Actor, endpoint_id: int, *, limit: int = 100
               ) -> list[WebhookDelivery]:
    """An endpoint's delivery log, newest first (admins)."""
    actor.require(Role.ADMIN)
    if session.get(WebhookEndpoint, endpoint_id) is None:
        raise NotFound(f"No webhook {endpoint_id}.", params={"kind": "webhook"})
    return list(session.scalars(select(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint_id).order_by(WebhookDelivery.id.desc())
        .limit(limit)))


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with jitter: ~30 s, 1 min, 2 min … capped at 6 h."""
    delay = min(BASE_DELAY_SECONDS * 2 ** (attempts - 1), 6 * 3600)
    return timedelta(seconds=delay * (0.5 + random.random() / 2))


def deliver_due(session_factory: SessionFactory, http: requests.Session, cipher: TokenCipher,
                *, limit: int = 20) -> int:
    """Send due deliveries, one transaction each (claimed with SKIP LOCKED); return how many.

    ``http`` must come from ``TargetPolicy.session()``: it checks each connection's address.
    """
    sent = 0
    for _ in range(limit):
        with UnitOfWork(session_factory) as uow:
            delivery = uow.session.scalar(
                select(WebhookDelivery).where(WebhookDelivery.status == "pending",
                                              WebhookDelivery.next_attempt_at <= func.now())
                .order_by(WebhookDelivery.next_attempt_at).limit(1)
                .with_for_update(skip_locked=True))
            if delivery is None:
                return sent
            endpoint = uow.session.get(WebhookEndpoint, delivery.endpoint_id)
            assert endpoint is not None
            _attempt(http, cipher, endpoint, delivery)
            uow.commit()
            sent += 1
    return sent


def _attempt(http: requests.Session, cipher: TokenCipher, endpoint: WebhookEndpoint,
             delivery: WebhookDelivery) -> None:
    """One POST; the log keeps the status code or the kind of failure, never a response body."""
    delivery.attempts += 1
    ok = False
    try:
        body = encode({**delivery.payload, "delivery_id": delivery.id})
        headers = {"Content-Type": "application/json", "X-Relais-Event": delivery.event,
                   SIGNATURE_HEADER: sign(cipher.decrypt(endpoint.secret_ciphertext), body,
                                          now_ts())}
        # stream=True: the answer's body is never downloaded, only its status line is read
        with http.post(endpoint.url, data=body, headers=headers, stream=True,
                       timeout=SEND_TIMEOUT_SECONDS, allow_redirects=False) as response:
            delivery.last_status_code, delivery.last_error = response.status_code, None
            ok = 200 <= response.status_code < 300
    except WebhookTargetRefused as exc:
        delivery.last_status_code = None
        delivery.last_error = f"refused: {exc.params.get('address') or 'unresolvable host'}"
    except TokenUnreadable:
        delivery.last_error = "secret unreadable: the encryption key changed"
        delivery.attempts = MAX_ATTEMPTS  # no retry can succeed; register the endpoint again
    except requests.RequestException as exc:
        delivery.last_status_code, delivery.last_error = None, type(exc).__name__
    if ok:
        delivery.status, delivery.delivered_at = "delivered", datetime.now(UTC)
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = datetime.now(UTC) + backoff(delivery.attempts)


def run_sender(session_factory: SessionFactory, stop: threading.Event, *,
               cipher: TokenCipher, targets: TargetPolicy, poll_interval: float) -> None:
    """Send due webhook deliveries until ``stop`` is set (one thread of ``relais worker``)."""
    http = targets.session()
    try:
        while not stop.is_set():
            try:
                sent = deliver_due(session_factory, http, cipher)
            except Exception:  # a failed round must not end the sender
                log.exception("webhook delivery round failed; retrying later")
                sent = 0
            if not sent:
                stop.wait(poll_interval)
    finally:
        http.close()
