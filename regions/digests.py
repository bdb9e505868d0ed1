"""Ambassadors' e-mail digests: the new kits for them, at most one e-mail a day each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from regions.db import UnitOfWork
from regions.models import AmbassadorProfile, Role, ShareKit, User, kit_recipients
from regions.teams import descendants_of, member_territory_ids

DIGEST_INTERVAL = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Digest:
    """One ambassador's e-mail: who, in which language, and the kits new for them."""

    user_id: int
    email: str
    display_name: str
    language: str
    kits: tuple[tuple[str, datetime], ...]  # (title, ends at), newest first


def due_digests(session: Session, *, now: datetime, limit: int = 200) -> list[Digest]:
    """Ambassadors who want the digest, got none for a day, and have new open kits."""
    rows = session.execute(
        select(User.id, User.email, User.display_name, User.language,
               func.coalesce(AmbassadorProfile.digest_sent_at, AmbassadorProfile.joined_at))
        .join(AmbassadorProfile, AmbassadorProfile.user_id == User.id)
        .where(User.role == Role.AMBASSADOR, User.is_active.is_(True),
               AmbassadorProfile.wants_digest.is_(True),
               (AmbassadorProfile.digest_sent_at.is_(None))
               | (AmbassadorProfile.digest_sent_at <= now - DIGEST_INTERVAL))
        .order_by(User.id).limit(limit))
    found = []
    for user_id, email, name, language, since in rows:
        scope = descendants_of(session, set(member_territory_ids(session, user_id)))
        kits = session.execute(
            select(ShareKit.title, ShareKit.ends_at)
            .where(ShareKit.id.in_(select(kit_recipients.c.kit_id).where(
                kit_recipients.c.territory_id.in_(scope or {0}))),
                   ShareKit.created_at >= since, ShareKit.ends_at > now,
                   ShareKit.withdrawn_at.is_(None))
            .order_by(ShareKit.id.desc()).limit(20))
        titles = tuple((title, ends_at) for title, ends_at in kits)
        if titles:
            found.append(Digest(user_id, email, name, language, titles))
    return found


def mark_sent(uow: UnitOfWork, user_id: int, *, now: datetime) -> None:
    """Remember the digest went out (the next one waits a day)."""
    uow.session.execute(update(AmbassadorProfile).where(AmbassadorProfile.user_id == user_id)
                        .values(digest_sent_at=now))
