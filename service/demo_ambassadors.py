"""Demo ambassadors: two volunteers, kits on published posts, their shares and clicks.

Seeded after the demo's posts are published (kits need the Page's post). The Page posts' own
engagement is set on the fake Graph API, then fetched by the real worker step, so the
amplification figures show both sides. Seeding twice changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import select

from regions import accounts, amplification, kits, standards, teams
from regions.db import SessionFactory, UnitOfWork
from regions.models import (
    AmbassadorProfile,
    Post,
    PostStatus,
    Role,
    Share,
    ShareKit,
    Territory,
    User,
)
from regions.publishing.engagement import refresh_engagement
from regions.publishing.graph import GraphClient
from regions.publishing.page_tokens import TokenCipher
from service.demo import DEMO_PASSWORD, demo_email
from service.demo_content import NBSP, SIGNATURE
from service.i18n import load_violation_messages

PARIS = ZoneInfo("Europe/Paris")
AMBASSADORS = (
    ("ambassador", "Démo Ambassadrice Camille", "demo-lyon", True),
    ("ambassador-villeurbanne", "Démo Ambassadeur Karim", "demo-villeurbanne", False),
)
# The demo charter asks every text to close with the group's signature: personal ones too.
# The kits follow whichever Lyon posts were published last (an event, works, a job fair):
# the suggestions speak of the post as a colleague would, whatever it announces.
SUGGESTIONS = (
    f"Une info utile près de chez nous, partagée par mon équipe{NBSP}: tous les détails "
    f"dans le post ci-dessous.\n" + SIGNATURE.rstrip("."),
    f"Fier de mon équipe, sur le terrain dans notre ville{NBSP}! Des questions{NBSP}? "
    f"Écrivez-nous, on vous répond.\n" + SIGNATURE.rstrip("."),
)
# (ambassador, network, clicks per day over the last days)
SHARES = (("ambassador", "linkedin", (4, 7, 3)), ("ambassador", "whatsapp", (2, 1)),
          ("ambassador-villeurbanne", "x", (5, 2, 6, 1)))
ENGAGEMENT = ({"reactions": 48, "comments": 9, "shares": 6},
              {"reactions": 17, "comments": 2, "shares": 1})


def seed_demo_ambassadors(sessions: SessionFactory, *, now: datetime, graph: GraphClient,
                          cipher: TokenCipher) -> dict[str, int]:
    """Ambassadors, kits, shares and clicks (once), then the Page posts' engagement."""
    made = {"ambassadors": 0, "kits": 0, "shares": 0}
    messages = load_violation_messages()  # the kits' texts pass the charter: never rendered
    with UnitOfWork(sessions) as uow:
        lyon_posts = list(uow.session.scalars(
            select(Post).join(Territory, Territory.id == Post.territory_id)
            .where(Territory.slug == "demo-lyon", Post.status == PostStatus.PUBLISHED,
                   Post.permalink.is_not(None)).order_by(Post.published_at.desc()).limit(2)))
        if not lyon_posts or uow.session.scalar(select(ShareKit.id).limit(1)) is not None:
            return made
        people = _ambassadors(uow, now)
        desk = accounts.load_actor(uow.session.scalars(select(User).where(
            User.email == demo_email("desk"))).one())
        for index, post in enumerate(lyon_posts):
            kit = kits.create_kit(uow, desk, kits.KitDraft(
                title=f"Partagez{NBSP}: {post.text[:60]}…", suggestions=SUGGESTIONS,
                networks=("linkedin", "x", "whatsapp", "facebook", "email"),
                ends_at=_evening(now + timedelta(days=10 - 3 * index)), post_id=post.id,
                neighbour_km=10.0), now=now, messages=messages)
            made["kits"] += 1
            if index == 0:
                made["shares"] += _shares(uow, kit, people, now)
        made["ambassadors"] = len(people)
        uow.commit()
    _engagement(sessions, graph, cipher, [p.facebook_post_id or "" for p in lyon_posts], now)
    return made


def _evening(day: datetime) -> datetime:
    """20:00 in Paris on that day: a kit ends at the close of a day, not at the seeding's time."""
    local = day.astimezone(PARIS).date()
    return datetime.combine(local, time(20), tzinfo=PARIS)


def _ambassadors(uow: UnitOfWork, now: datetime) -> dict[str, tuple[int, int]]:
    """(user id, territory id) of each demo ambassador, charter accepted."""
    charter = standards.current_charter(uow.session)
    people = {}
    for name, display, slug, on_board in AMBASSADORS:
        territory = uow.session.scalars(select(Territory).where(Territory.slug == slug)).one()
        user = accounts.create_user(uow, None, email=demo_email(name), display_name=display,
                                    role=Role.AMBASSADOR, password=DEMO_PASSWORD)
        teams.add_member(uow, None, user, territory.id)
        uow.session.add(AmbassadorProfile(
            user_id=user.id, on_leaderboard=on_board,
            charter_version_id=charter.id if charter else None,
            charter_accepted_at=now - timedelta(days=5) if charter else None))
        people[name] = (user.id, territory.id)
    uow.flush()
    return people


def _shares(uow: UnitOfWork, kit: ShareKit, people: dict[str, tuple[int, int]],
            now: datetime) -> int:
    clicks: dict[tuple[int, date], int] = {}
    for name, network, per_day in SHARES:
        user_id, territory_id = people[name]
        share = Share(kit_id=kit.id, user_id=user_id, territory_id=territory_id,
                      network=network, text=SUGGESTIONS[0],
                      code=f"demo{kit.id}{network}"[:16], created_at=now - timedelta(days=4))
        uow.session.add(share)
        uow.flush()
        for days_ago, count in enumerate(per_day):
            clicks[(share.id, (now - timedelta(days=days_ago)).date())] = count
    amplification.record_clicks(uow.session, clicks)
    return len(SHARES)


def _engagement(sessions: SessionFactory, graph: GraphClient, cipher: TokenCipher,
                graph_ids: list[str], now: datetime) -> None:
    """The Page posts' reactions, comments and shares: set on the fake, fetched by Relais."""
    for graph_id, counts in zip(graph_ids, ENGAGEMENT, strict=False):
        requests.post(f"{graph.base_url}_fake/engagement", json={"post_id": graph_id, **counts},
                      timeout=5).raise_for_status()
    refresh_engagement(sessions, graph, cipher, now=now, days=30)
