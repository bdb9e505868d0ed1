"""Ambassadors: invitation, joining, accepting the charter, their choices, and leaving.

Joining is voluntary and explicit: a single-use, expiring invitation (made by an admin or a
regional editor for one of their territories) lets an employee create their ambassador account;
they then accept the current charter version before any share, and again after each new
version. Leaving erases what is personal (the profile, the link between them and their shares,
the texts they wrote) and keeps the anonymous counts.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from editorial.errors import N_
from regions import accounts, audit, geotags, standards, teams
from regions.actors import Actor
from regions.db import UnitOfWork
from regions.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from regions.models import (
    AmbassadorInvitation,
    AmbassadorProfile,
    CharterVersion,
    Membership,
    Role,
    Share,
    Territory,
    User,
)

INVITATION_PREFIX = "inv_"
INVITERS = (Role.ADMIN, Role.REGIONAL_EDITOR)


class InvitationInvalid(InvalidInput):
    """The invitation link is unknown, already used or expired."""

    code = "ambassador.invitation_invalid"


class CharterNotAccepted(Conflict):
    """The ambassador has not accepted the current charter version yet."""

    code = "ambassador.charter_not_accepted"


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    """A new invitation: the plaintext token exists only here, once (it goes in the link)."""

    invitation: AmbassadorInvitation
    token: str


def invite(uow: UnitOfWork, actor: Actor, *, territory_id: int, email: str | None,
           valid_days: int, now: datetime) -> IssuedInvitation:
    """Invite an employee to be an ambassador of a territory (admins; regional editors: theirs)."""
    actor.require(*INVITERS)
    geotags.require_territory(actor, territory_id)
    if uow.session.get(Territory, territory_id) is None:
        raise InvalidInput(f"No territory {territory_id}.",
                           errors={"territory_id": [N_("Unknown territory.")]})
    token = INVITATION_PREFIX + secrets.token_urlsafe(24)
    invitation = AmbassadorInvitation(
        token_hash=accounts.hash_token(token), territory_id=territory_id,
        email=accounts.normalise_email(email) if email else None, created_by=actor.user_id,
        expires_at=now + timedelta(days=valid_days))
    uow.session.add(invitation)
    uow.flush()
    audit.record(uow.session, actor.user_id, "ambassador.invited", "territory", territory_id,
                 {"invitation_id": invitation.id})
    return IssuedInvitation(invitation, token)


def list_invitations(session: Session, actor: Actor) -> list[AmbassadorInvitation]:
    """Invitations the actor may see (admins: all; regional editors: their territories')."""
    actor.require(*INVITERS)
    query = select(AmbassadorInvitation).order_by(AmbassadorInvitation.id.desc()).limit(200)
    if actor.role != Role.ADMIN:
        query = query.where(AmbassadorInvitation.territory_id.in_(actor.territory_ids or {0}))
    return list(session.scalars(query))


def open_invitation(session: Session, token: str, *, now: datetime,
                    for_update: bool = False) -> AmbassadorInvitation:
    """The invitation behind a link, if it is still usable."""
    query = select(AmbassadorInvitation).where(
        AmbassadorInvitation.token_hash == accounts.hash_token(token))
    invitation = session.scalar(query.with_for_update() if for_update else query)
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= now:
        raise InvitationInvalid("This invitation link is unknown, already used or expired.")
    return invitation


def join(uow: UnitOfWork, token: str, *, email: str, display_name: str, password: str,
         language: str, now: datetime) -> User:
    """Accept an invitation: create the ambassador's account, member of the territory."""
    invitation = open_invitation(uow.session, token, now=now, for_update=True)
    if invitation.email and accounts.normalise_email(email) != invitation.email:
        raise InvalidInput("This invitation is for another e-mail address.",
                           errors={"email": [N_("Use the address the invitation was sent to.")]})
    user = accounts.create_user(uow, None, email=email, display_name=display_name,
                                role=Role.AMBASSADOR, password=password, language=language)
    teams.add_member(uow, None, user, invitation.territory_id)
    uow.session.add(AmbassadorProfile(user_id=user.id))
    invitation.used_at, invitation.used_by = now, user.id
    audit.record(uow.session, user.id, "ambassador.joined", "territory",
                 invitation.territory_id, {"invitation_id": invitation.id})
    return user


def get_profile(session: Session, actor: Actor) -> AmbassadorProfile:
    """The acting ambassador's profile."""
    if actor.role != Role.AMBASSADOR:
        raise PermissionDenied("Only ambassadors have an ambassador's profile.",
                               params={"roles": [Role.AMBASSADOR.value]})
    profile = session.get(AmbassadorProfile, actor.user_id)
    if profile is None:
        raise NotFound("No ambassador profile.", params={"kind": "ambassador",
                                                         "id": actor.user_id})
    return profile


@dataclass(frozen=True, slots=True)
class CharterStatus:
    """Which charter version is current and which one the ambassador accepted, and when."""

    current: CharterVersion | None
    accepted_number: int | None
    accepted_at: datetime | None

    @property
    def up_to_date(self) -> bool:
        """True when nothing is left to accept (or there is no charter at all)."""
        return self.current is None or self.accepted_number == self.current.number


def charter_status(session: Session, profile: AmbassadorProfile) -> CharterStatus:
    """Where the ambassador stands with the current charter."""
    accepted = (session.get(CharterVersion, profile.charter_version_id)
                if profile.charter_version_id else None)
    return CharterStatus(standards.current_charter(session),
                         accepted.number if accepted else None, profile.charter_accepted_at)


def accept_charter(uow: UnitOfWork, actor: Actor, *, number: int, now: datetime
                   ) -> AmbassadorProfile:
    """Accept the current charter version (the number read, so nobody accepts unseen text)."""
    profile = get_profile(uow.session, actor)
    current = standards.current_charter(uow.session)
    if current is None or current.number != number:
        raise Conflict("This is not the current charter version: read the current one first.",
                       params={"number": number},
                       errors={"number": [N_("The current version is {current}.",
                                             current=current.number if current else 0)]})
    profile.charter_version_id, profile.charter_accepted_at = current.id, now
    audit.record(uow.session, actor.user_id, "ambassador.charter_accepted", "charter",
                 current.id, {"version": current.number})
    return profile


def require_charter(session: Session, profile: AmbassadorProfile) -> None:
    """Refuse to share until the current charter version is accepted (409)."""
    status = charter_status(session, profile)
    if not status.up_to_date:
        current = status.current.number if status.current else 0
        raise CharterNotAccepted(
            "The charter changed: accept its current version before sharing.",
            params={"current": current})


def set_choices(uow: UnitOfWork, actor: Actor, *, on_leaderboard: bool | None,
                wants_digest: bool | None) -> AmbassadorProfile:
    """Appear on the leaderboard or not; receive the daily digest or not."""
    profile = get_profile(uow.session, actor)
    if on_leaderboard is not None:
        profile.on_leaderboard = on_leaderboard
    if wants_digest is not None:
        profile.wants_digest = wants_digest
    return profile


def leave(uow: UnitOfWork, actor: Actor) -> None:
    """Stop being an ambassador: erase personal tracking data, keep anonymous counts.

    The shares stay as anonymous rows (kit, territory, network, clicks per day) so totals do
    not change and links already posted keep working; who shared them and what they wrote is
    gone. The account is closed (disabled, no memberships, no tokens usable).
    """
    get_profile(uow.session, actor)
    uow.session.execute(update(Share).where(Share.user_id == actor.user_id)
                        .values(user_id=None, text=None))
    uow.session.execute(delete(AmbassadorProfile)
                        .where(AmbassadorProfile.user_id == actor.user_id))
    uow.session.execute(delete(Membership).where(Membership.user_id == actor.user_id))
    user = accounts.get_user(uow, actor.user_id)
    user.is_active = False
    user.display_name = f"ambassador-{user.id}"
    user.email = f"left-{user.id}-{secrets.token_hex(4)}@ambassadors.invalid"
    audit.record(uow.session, None, "ambassador.left", "user", user.id)


def ambassadors_of(session: Session, territory_ids: set[int]) -> list[int]:
    """Ids of the active ambassadors who are members of these territories or their ancestors."""
    ancestors = select(Territory.id, Territory.parent_id).where(
        Territory.id.in_(territory_ids or {0})).cte("up", recursive=True)
    ancestors = ancestors.union(select(Territory.id, Territory.parent_id).join(
        ancestors, Territory.id == ancestors.c.parent_id))
    query = (select(User.id).join(Membership, Membership.user_id == User.id)
             .where(User.role == Role.AMBASSADOR, User.is_active.is_(True),
                    Membership.territory_id.in_(select(ancestors.c.id)))
             .distinct())
    return list(session.scalars(query))


def count_ambassadors(session: Session) -> int:
    """How many active ambassadors there are."""
    return int(session.scalar(select(func.count()).select_from(AmbassadorProfile)) or 0)
