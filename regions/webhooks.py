"""Webhooks: post lifecycle events written to an outbox with the change, sent signed later."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from regions.models import Post, PostStatus, WebhookDelivery, WebhookEndpoint

EVENTS = {
    PostStatus.SUBMITTED: "post.submitted",
    PostStatus.APPROVED: "post.approved",
    PostStatus.PUBLISHED: "post.published",
    PostStatus.FAILED: "post.failed",
}
EVENT_NAMES = tuple(EVENTS.values())
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


def enqueue(session: Session, status: PostStatus, post: Post) -> int:
    """Write one delivery per subscribed endpoint, in the caller's transaction."""
    event = EVENTS.get(status)
    if event is None:
        return 0
    endpoints = session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.active.is_(True), WebhookEndpoint.events.contains([event])))
    count = 0
    for endpoint in endpoints:
        session.add(WebhookDelivery(endpoint_id=endpoint.id, event=event,
                                    payload=payload_for(event, post)))
        count += 1
    return count


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
