"""Demo data: territories built from real city coordinates, one user per role, fake Pages.

The demo group is Énergie Commune, a fictional energy utility with regional directorates and
local agencies; its charter, templates, campaigns and posts are in :mod:`service.demo_content`.
Everything here is clearly demo data (names start with "Démo", e-mails end in
``@demo.relais.test``). The shapes are geodesic circles around real city-hall coordinates,
not administrative boundaries: the demo needs no network and no boundary file. Seeding twice
changes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from shapely.geometry import Polygon
from sqlalchemy import select

from geodata.importer import import_boundaries
from regions import accounts, teams, territories
from regions.db import UnitOfWork
from regions.models import PageConnection, Role, Territory, User
from regions.publishing.connections import connect_page
from regions.publishing.page_tokens import TokenCipher
from regions.rollout import roll_out_territories
from service.fakegraph import FakePage
from service.progress import progress_stream

DEMO_PASSWORD = "demo-relais-2026"
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class DemoCity:
    """A real city (coordinates of its city hall, WGS84) standing for a demo region."""

    slug: str
    name: str
    lon: float
    lat: float
    radius_km: float


DEMO_REGIONS = (
    DemoCity("demo-lyon", "Démo — Direction régionale Lyon", 4.8357, 45.7676, 45.0),
    DemoCity("demo-marseille", "Démo — Direction régionale Marseille", 5.3698, 43.2965, 40.0),
    DemoCity("demo-lille", "Démo — Direction régionale Lille", 3.0573, 50.6292, 35.0),
    DemoCity("demo-rennes", "Démo — Direction régionale Rennes", -1.6778, 48.1113, 40.0),
)
DEMO_GROUP = ("demo-groupe", "Démo — Énergie Commune")
DEMO_LOCAL = (
    ("demo-lyon", DemoCity("demo-villeurbanne", "Démo — Agence Villeurbanne",
                           4.8795, 45.7665, 5.0)),
    ("demo-marseille", DemoCity("demo-aix", "Démo — Agence Aix-en-Provence",
                                5.4474, 43.5297, 8.0)),
)
DEMO_USERS = (
    ("admin@demo.relais.test", "Démo Admin", Role.ADMIN, None),
    ("desk@demo.relais.test", "Démo Desk central", Role.CENTRAL_EDITOR, None),
    ("lyon@demo.relais.test", "Démo Éditrice Lyon", Role.REGIONAL_EDITOR, "demo-lyon"),
    ("marseille@demo.relais.test", "Démo Éditeur Marseille", Role.REGIONAL_EDITOR,
     "demo-marseille"),
    ("lille@demo.relais.test", "Démo Éditrice Lille", Role.REGIONAL_EDITOR, "demo-lille"),
    ("rennes@demo.relais.test", "Démo Éditeur Rennes", Role.REGIONAL_EDITOR, "demo-rennes"),
    ("contrib-lyon@demo.relais.test", "Démo Contributeur Lyon", Role.CONTRIBUTOR, "demo-lyon"),
    ("viewer@demo.relais.test", "Démo Lecteur", Role.VIEWER, None),
)
DEMO_CITIES = DEMO_REGIONS + tuple(city for _parent, city in DEMO_LOCAL)


def demo_email(name: str) -> str:
    """A demo user's e-mail from its name (``desk`` → ``desk@demo.relais.test``)."""
    return f"{name}@demo.relais.test"


def geodesic_circle(lon: float, lat: float, radius_km: float, segments: int = 48) -> Polygon:
    """A polygon approximating a circle on the sphere (destination-point formula)."""
    lat1, lon1 = math.radians(lat), math.radians(lon)
    angular = radius_km / EARTH_RADIUS_KM
    points = []
    for i in range(segments):
        bearing = 2 * math.pi * i / segments
        lat2 = math.asin(
            math.sin(lat1) * math.cos(angular)
            + math.cos(lat1) * math.sin(angular) * math.cos(bearing)
        )
        lon2 = lon1 + math.atan2(
            math.sin(bearing) * math.sin(angular) * math.cos(lat1),
            math.cos(angular) - math.sin(lat1) * math.sin(lat2),
        )
        points.append((round(math.degrees(lon2), 6), round(math.degrees(lat2), 6)))
    return Polygon(points)


def _territory(uow: UnitOfWork, city: DemoCity, parent_id: int | None, kind: str) -> Territory:
    existing = uow.session.scalar(select(Territory).where(Territory.slug == city.slug))
    if existing is not None:
        return existing
    territory, _report = territories.create_territory(
        uow, None, name=city.name, slug=city.slug, kind=kind, parent_id=parent_id,
        shape=geodesic_circle(city.lon, city.lat, city.radius_km),
    )
    return territory


def seed_demo(uow: UnitOfWork) -> dict[str, int]:
    """Create the demo territories and users if absent; return what was created."""
    created = {"territories": 0, "users": 0}
    group = uow.session.scalar(select(Territory).where(Territory.slug == DEMO_GROUP[0]))
    if group is None:
        group, _report = territories.create_territory(
            uow, None, name=DEMO_GROUP[1], slug=DEMO_GROUP[0], kind="group"
        )
        created["territories"] += 1
    by_slug = {}
    for city in DEMO_REGIONS:
        before = uow.session.scalar(select(Territory.id).where(Territory.slug == city.slug))
        by_slug[city.slug] = _territory(uow, city, group.id, "region")
        created["territories"] += before is None
    for parent_slug, city in DEMO_LOCAL:
        before = uow.session.scalar(select(Territory.id).where(Territory.slug == city.slug))
        by_slug[city.slug] = _territory(uow, city, by_slug[parent_slug].id, "local")
        created["territories"] += before is None
    for email, name, role, slug in DEMO_USERS:
        if uow.session.scalar(select(User.id).where(User.email == email)) is not None:
            continue
        user = accounts.create_user(
            uow, None, email=email, display_name=name, role=role, password=DEMO_PASSWORD
        )
        if slug is not None:
            teams.add_member(uow, None, user, by_slug[slug].id)
        created["users"] += 1
    return created


# Fake Facebook Pages of the demo regions: (territory slug, Page id, Page name, place id).
# The agencies (Villeurbanne, Aix) have none: their approved posts wait for one.
DEMO_PAGES = (
    ("demo-lyon", "100000000000101", "Énergie Commune Lyon (démo)", "100000000000901"),
    ("demo-marseille", "100000000000102", "Énergie Commune Marseille (démo)", "100000000000902"),
    ("demo-lille", "100000000000103", "Énergie Commune Lille (démo)", "100000000000903"),
    ("demo-rennes", "100000000000104", "Énergie Commune Rennes (démo)", "100000000000904"),
)
# Rennes is connected with a token the fake Page no longer accepts, so the demo shows failed
# publications; an admin reconnects it with demo_page_token("demo-rennes") to fix them.
EXPIRED_PAGE = "demo-rennes"


def demo_page_token(slug: str) -> str:
    """The (public, demo-only) token of a demo Page on the fake Graph API."""
    return f"demo-page-token-{slug}"


def connected_token(slug: str) -> str:
    """The token the demo connects a Page with (an expired one for :data:`EXPIRED_PAGE`)."""
    return demo_page_token(slug) + ("-expired" if slug == EXPIRED_PAGE else "")


def demo_fake_pages() -> list[FakePage]:
    """The demo Pages as the fake Graph API serves them."""
    return [FakePage(page_id, name, {demo_page_token(slug)})
            for slug, page_id, name, _place in DEMO_PAGES]


def seed_demo_pages(uow: UnitOfWork, cipher: TokenCipher) -> int:
    """Connect each demo region to its fake Page unless it has a Page already.

    Returns how many demo territories have a Page now (connected before or just now).
    """
    connected = 0
    for slug, page_id, name, place in DEMO_PAGES:
        territory_id = uow.session.scalar(select(Territory.id).where(Territory.slug == slug))
        if territory_id is None:
            continue
        connected += 1
        if uow.session.scalar(select(PageConnection.id).where(
                PageConnection.territory_id == territory_id)) is not None:
            continue
        connection = connect_page(uow, None, territory_id, page_id=page_id,
                                  token=connected_token(slug), cipher=cipher, place_id=place)
        connection.page_name = name
    return connected


def expired_page_connected(uow: UnitOfWork, cipher: TokenCipher) -> bool:
    """Whether the demo Page with the expired token is still connected with it."""
    connection = uow.session.scalar(select(PageConnection).join(
        Territory, Territory.id == PageConnection.territory_id).where(
        Territory.slug == EXPIRED_PAGE))
    return connection is not None and (
        cipher.decrypt(connection.token_ciphertext) == connected_token(EXPIRED_PAGE))


def seed_real_territories(uow: UnitOfWork, path: Path, *, level: str, code_field: str,
                          name_field: str) -> dict[str, int]:
    """Import a boundary file and roll out one territory per area, under a "Réel" group.

    Importing again changes nothing; territories that exist (made of one area) are kept.
    """
    report = import_boundaries(uow, path, level=level, code_field=code_field,
                               name_field=name_field, progress=progress_stream())
    if uow.session.scalar(select(Territory.id).where(Territory.slug == "reel")) is None:
        territories.create_territory(uow, None, name="Réel — Groupe", slug="reel", kind="group")
    rolled = roll_out_territories(uow, None, level=level, under="reel", progress=progress_stream())
    uow.commit()
    return {"areas": report.features, "territories": rolled.created}
