"""Recording and reading the audit trail (always inside the caller's unit of work)."""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import select
from sqlalchemy.orm import Session

from regions.db import UnitOfWork
from regions.models import AuditEvent


def record(
    session: Session,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: int | None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event to the current transaction: it lands with the change or not at all."""
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        data=data or {},
    )
    session.add(event)
    return event


_INSERT = ("INSERT INTO audit_events (actor_id, action, subject_type, subject_id, data, at) "
           "VALUES (%(actor_id)s, %(action)s, %(subject_type)s, %(subject_id)s, %(data)s, "
           "COALESCE(%(at)s::timestamptz, now()))")
# ``session.info`` key: a callable giving the moment events are dated instead of the
# transaction's, set by whoever replays a past on purpose (the demo's seeding, ``dated``).
CLOCK = "audit_clock"


def record_at_commit(
    uow: UnitOfWork,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: int | None,
    data: dict[str, Any] | None = None,
) -> None:
    """``record`` for a unit's last write: the INSERT goes with the COMMIT, in one round trip.

    Events are ordered by id: a later write of the unit through the ORM sends this one first
    (``regions.db``), so the order holds; a write sent around the ORM would not.
    """
    clock = uow.session.info.get(CLOCK)
    uow.write_at_commit(_INSERT, {"actor_id": actor_id, "action": action,
                                  "subject_type": subject_type, "subject_id": subject_id,
                                  "data": Jsonb(data or {}), "at": clock() if clock else None})


def events_for(session: Session, subject_type: str, subject_id: int) -> list[AuditEvent]:
    """Every event about one object, oldest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
        .order_by(AuditEvent.id)
    )
    return list(session.scalars(query))
