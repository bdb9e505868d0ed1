"""Fill a database fast with a realistic organisation: territories, people, posts, talk, audit.

For growth benchmarks and trying the service at scale (`relais seed`). The structure
(territories, users, a published template) goes through the use cases; the bulk (campaigns
and their targets, posts, comments, audit events) is streamed with PostgreSQL's COPY in one
transaction, which fires the statement-level triggers (map cells, change counters) once per COPY.

The model: a mature deployment. The newest posts are in the live states (draft, submitted,
changes requested, approved, scheduled, failed; ``active`` of them, 2,000 by default, or a
fifth of a small seed), as a desk that keeps up with its queue would have; everything older
has been published, archived, rejected or withdrawn. So the desk's queue does not grow with
the archive, and a benchmark at 10k and 1M posts measures what the archive costs it.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shapely.geometry import box
from sqlalchemy import select, text

from regions import accounts, standards, teams, territories
from regions.db import UnitOfWork
from regions.models import Role, Territory, User

FRANCE = (-4.8, 42.4, 8.2, 51.0)
SEED_TEMPLATE = "seed-annonce"
TEMPLATE = {"name": "Annonce locale", "network": "facebook", "language": "fr",
            "body": "{text}", "slots": [{"name": "text", "type": "text", "max_length": 2000}],
            "rules": []}
LIVE = (("draft", 30), ("submitted", 25), ("changes_requested", 10), ("approved", 10),
        ("scheduled", 20), ("failed", 5))
FINAL = (("published", 85), ("archived", 8), ("rejected", 4), ("withdrawn", 3))
CITIES = ("Brest", "Quimper", "Rennes", "Nantes", "Lyon", "Marseille", "Lille", "Toulouse",
          "Bordeaux", "Strasbourg", "Dijon", "Limoges", "Grenoble", "Nancy", "Rouen", "Tours")
WORDS = ("réunion publique", "chantier", "coupure programmée", "portes ouvertes", "atelier",
         "économies d'énergie", "borne de recharge", "panneaux solaires", "visite", "rencontre",
         "conseils d'hiver", "forum de l'emploi", "journée du patrimoine", "marché local")
HASHTAGS = ("#Énergie", "#Local", "#Solaire", "#Transition", "#Agence", "#Territoire")
CAMPAIGN_SHARE = 0.3  # of the posts adapt a campaign


@dataclass(frozen=True, slots=True)
class SeedPlan:
    """How much to add."""

    posts: int
    territories: int = 20
    users: int = 40
    active: int | None = None  # posts in live states; default min(2,000, a fifth)
    seed: int = 2026

    @property
    def live_posts(self) -> int:
        """How many of the newest posts are in a live state."""
        return min(self.posts, self.active if self.active is not None
                   else min(2_000, max(1, self.posts // 5)))


@dataclass(frozen=True, slots=True)
class World:
    """What the posts are written in: territories (with their authors) and the template."""

    territory_boxes: dict[int, tuple[float, float, float, float]]
    authors: dict[int, list[int]]
    desk_id: int
    version_id: int


def _grid(count: int) -> list[tuple[float, float, float, float]]:
    """``count`` boxes tiling mainland France's bounding box, row by row."""
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    minx, miny, maxx, maxy = FRANCE
    width, height = (maxx - minx) / columns, (maxy - miny) / rows
    return [(minx + c * width, miny + r * height, minx + (c + 1) * width,
             miny + (r + 1) * height) for r in range(rows) for c in range(columns)][:count]


def build_world(uow: UnitOfWork, plan: SeedPlan, now: datetime) -> World:
    """Territories, users and the template; existing seeded ones are reused."""
    session = uow.session
    desk = session.scalar(select(User).where(User.email == "seed-desk@example.test"))
    if desk is None:
        desk = accounts.create_user(uow, None, email="seed-desk@example.test",
                                    display_name="Desk (seed)", role=Role.CENTRAL_EDITOR)
    actor = accounts.load_actor(desk)
    if not session.execute(text("SELECT 1 FROM templates WHERE key = :k"),
                           {"k": SEED_TEMPLATE}).first():
        standards.create_template(uow, actor, SEED_TEMPLATE, TEMPLATE)
        standards.publish_template(uow, actor, SEED_TEMPLATE, now=now)
    version = standards.published_version(session, SEED_TEMPLATE)
    group = session.scalar(select(Territory).where(Territory.slug == "seed-group"))
    if group is None:
        group, _ = territories.create_territory(uow, None, name="Groupe (seed)",
                                                slug="seed-group", kind="group")
    boxes = {}
    for number, bounds in enumerate(_grid(plan.territories), 1):
        slug = f"seed-{number:04d}"
        territory = session.scalar(select(Territory).where(Territory.slug == slug))
        if territory is None:
            territory, _ = territories.create_territory(
                uow, None, name=f"Territoire {number:04d}", slug=slug, parent_id=group.id,
                shape=box(*bounds))
        boxes[territory.id] = bounds
    ids = sorted(boxes)
    authors: dict[int, list[int]] = {i: [] for i in ids}
    for number in range(plan.users):
        email = f"seed-editor-{number:05d}@example.test"
        user = session.scalar(select(User).where(User.email == email))
        territory_id = ids[number % len(ids)]
        if user is None:
            user = accounts.create_user(uow, None, email=email, role=Role.REGIONAL_EDITOR,
                                        display_name=f"Éditeur {number:05d}")
            teams.add_member(uow, None, user, territory_id)
        authors[territory_id].append(user.id)
    uow.flush()
    return World(boxes, {k: v or [desk.id] for k, v in authors.items()}, desk.id, version.id)


def _weighted(choices: tuple[tuple[str, int], ...]) -> list[str]:
    return [name for name, weight in choices for _ in range(weight)]


def _post_text(rng: random.Random, city: str) -> str:
    what = rng.choice(WORDS)
    return (f"{what.capitalize()} à {city} le {rng.randint(1, 28)} : venez nombreux, "
            f"l'équipe de l'agence vous accueille de {rng.randint(8, 18)} h. "
            f"{rng.choice(HASHTAGS)} {rng.choice(HASHTAGS)}")


def _stamp(moment: datetime) -> str:
    return moment.isoformat()


def _age(plan: SeedPlan, n: int) -> timedelta:
    """How old the n-th post is: the old ones spread over two years, live ones recent."""
    old = plan.posts - plan.live_posts
    return timedelta(days=2 * 365 * (old - n) / max(old, 1)) if n < old else timedelta(0)


def copy_campaigns(cursor: Any, world: World, plan: SeedPlan, now: datetime) -> list[int]:
    """Campaigns along the timeline, each sent to every territory; the newest are still open.

    About one adaptation per territory each: CAMPAIGN_SHARE of the posts adapt one.
    """
    count = max(1, round(CAMPAIGN_SHARE * plan.posts / len(world.territory_boxes)))
    first = int(cursor.execute("SELECT coalesce(max(id), 0) FROM campaigns").fetchone()[0])
    with cursor.copy("COPY campaigns (title, template_version_id, master_text, adapt_deadline, "
                     "window_start, created_by, created_at) FROM STDIN") as copy:
        for k in range(count):
            due = now - _age(plan, int((k + 0.5) * plan.posts / count)) + timedelta(days=3)
            copy.write_row((f"Campagne {first + k + 1} (seed)", world.version_id,
                            "{text}", _stamp(due), _stamp(due + timedelta(days=1)),
                            world.desk_id, _stamp(due - timedelta(days=10))))
    ids = [row[0] for row in cursor.execute(
        "SELECT id FROM campaigns WHERE id > %s ORDER BY id", (first,))]
    with cursor.copy("COPY campaign_targets (campaign_id, territory_id) FROM STDIN") as copy:
        for campaign_id in ids:
            for territory_id in world.territory_boxes:
                copy.write_row((campaign_id, territory_id))
    return ids


def post_rows(world: World, plan: SeedPlan, now: datetime, first_id: int, campaign_ids: list[int],
              rng: random.Random) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(status, COPY row) for each post, oldest first; the newest ones are live."""
    live, final = _weighted(LIVE), _weighted(FINAL)
    territory_ids = sorted(world.territory_boxes)
    old = plan.posts - plan.live_posts
    for n in range(plan.posts):
        territory_id = territory_ids[n % len(territory_ids)]
        minx, miny, maxx, maxy = world.territory_boxes[territory_id]
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        is_live = n >= old
        status = rng.choice(live) if is_live else rng.choice(final)
        age = _age(plan, n) if not is_live else timedelta(hours=rng.uniform(1, 240))
        created = now - age - timedelta(minutes=rng.randint(5, 600))
        publish = (created + timedelta(days=rng.uniform(1, 10)) if not is_live
                   else now + timedelta(hours=rng.uniform(-12, 24 * 20)))
        city = CITIES[territory_id % len(CITIES)]
        warnings = rng.random() < 0.2
        report = {"ok": True, "counts": {"error": 0, "warning": int(warnings)},
                  "violations": []}
        radius = rng.choice((2, 5, 10)) if rng.random() < 0.15 else None
        published = status in ("published", "archived")
        yield status, (
            territory_id, rng.choice(world.authors[territory_id]),
            (campaign_ids[min(len(campaign_ids) - 1, n * len(campaign_ids) // plan.posts)]
             if rng.random() < CAMPAIGN_SHARE else None),
            world.version_id, status, _post_text(rng, city),
            f"SRID=4326;POINT({lon:.6f} {lat:.6f})",
            f"Agence de {city}", radius, _stamp(publish), json.dumps(report, ensure_ascii=False),
            warnings, f"{first_id + n}_{rng.randint(10**9, 10**10)}" if published else None,
            _stamp(publish) if published else None,
            "Page token expired" if status == "failed" else None, _stamp(created),
            _stamp(created + timedelta(minutes=rng.randint(1, 300))))


POST_COLUMNS = ("territory_id, author_id, campaign_id, template_version_id, status, text, geom, "
                "place_name, audience_radius_km, publish_at, report, has_warnings, "
                "facebook_post_id, published_at, failure_reason, created_at, updated_at")
ACTIONS = {"submitted": ("post.submit",), "changes_requested": ("post.submit",
                                                                 "post.request_changes"),
           "approved": ("post.submit", "post.approve"), "scheduled": ("post.submit",
                                                                      "post.approve"),
           "failed": ("post.submit", "post.approve", "post.fail"),
           "published": ("post.submit", "post.approve", "post.published"),
           "archived": ("post.submit", "post.approve", "post.published"),
           "rejected": ("post.submit", "post.reject"), "withdrawn": ("post.withdraw",)}


def copy_posts(uow: UnitOfWork, world: World, plan: SeedPlan, now: datetime,
               progress: Callable[[str], None]) -> dict[str, int]:
    """COPY the posts, then their comments and audit events; returns what was written."""
    connection = uow.session.connection()
    raw = connection.connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    first_id = int(cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM posts").fetchone()[0])
    rng = random.Random(plan.seed + first_id)
    campaign_ids = copy_campaigns(cursor, world, plan, now)
    progress(f"  {len(campaign_ids):,} campaigns written")
    statuses: list[tuple[str, int]] = []
    with cursor.copy(f"COPY posts ({POST_COLUMNS}) FROM STDIN") as copy:
        rows = post_rows(world, plan, now, first_id, campaign_ids, rng)
        for n, (status, row) in enumerate(rows, 1):
            copy.write_row(row)
            statuses.append((status, row[1]))
            if n % 100_000 == 0:
                progress(f"  {n:,} posts streamed")
    ids = [row[0] for row in cursor.execute(
        "SELECT id FROM posts WHERE id >= %s ORDER BY id", (first_id,))]
    progress(f"  {len(ids):,} posts written; audiences, comments and audit events next")
    cursor.execute(
        "UPDATE posts SET audience_geom = ST_Multi(ST_Buffer(geom::geography, "
        "audience_radius_km * 1000, 8)::geometry) "
        "WHERE id >= %s AND audience_radius_km IS NOT NULL", (first_id,))
    comments = events = 0
    with cursor.copy("COPY comments (post_id, author_id, body, created_at) FROM STDIN") as copy:
        for post_id, (status, _author) in zip(ids, statuses, strict=True):
            if status in ("changes_requested", "rejected") or rng.random() < 0.1:
                copy.write_row((post_id, world.desk_id, "Merci de préciser l'horaire et le lieu.",
                                _stamp(now - timedelta(hours=rng.uniform(1, 48)))))
                comments += 1
    with cursor.copy("COPY audit_events (actor_id, action, subject_type, subject_id, data, at) "
                     "FROM STDIN") as copy:
        for post_id, (status, author) in zip(ids, statuses, strict=True):
            for action in ("post.created", *ACTIONS.get(status, ())):
                actor = world.desk_id if action in ("post.approve", "post.reject",
                                                    "post.request_changes") else author
                copy.write_row((actor, action, "post", post_id, '{"seed": true}',
                                _stamp(now - timedelta(hours=rng.uniform(1, 48)))))
                events += 1
    cursor.execute("ANALYZE posts")
    cursor.execute("ANALYZE comments")
    cursor.execute("ANALYZE audit_events")
    return {"posts": len(ids), "comments": comments, "audit_events": events,
            "campaigns": len(campaign_ids)}


def seed(uow: UnitOfWork, plan: SeedPlan, *, now: datetime | None = None,
         progress: Callable[[str], None] = lambda _line: None) -> dict[str, int]:
    """Add ``plan.posts`` posts (and the world they live in, once) in one transaction."""
    moment = now or datetime.now(UTC)
    world = build_world(uow, plan, moment)
    progress(f"{len(world.territory_boxes)} territories and {plan.users} editors ready; "
             f"streaming {plan.posts:,} posts")
    written = copy_posts(uow, world, plan, moment, progress)
    uow.commit()
    return {"territories": len(world.territory_boxes), **written}
