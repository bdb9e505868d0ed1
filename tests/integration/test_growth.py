"""At scale: `relais seed` fills a database, and the busy reads never scan every post.

One fresh database for the module, seeded through the seed command's code (COPY) with enough
posts that the planner weighs its indexes as it would in production, then ANALYZEd.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from regions.db import UnitOfWork, make_engine, make_session_factory
from regions.models import AuditEvent, Campaign, Comment, MapCell, Post, PostStatus, Territory
from regions.seeding import SeedPlan, seed
from tests.integration.query_plans import (
    AROUND_LYON,
    LYON_BOX,
    captured,
    explain,
    rows_examined_in_posts,
    rows_read_from_posts,
    workloads,
)

POSTS = 30_000


@pytest.fixture(scope="module")
def seeded(fresh_database):
    url, drop = fresh_database()
    engine = make_engine(url)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            made = seed(uow, SeedPlan(posts=POSTS, territories=16, users=32))
        yield engine, url, made
    finally:
        engine.dispose()
        drop()


def test_seed_writes_posts_in_every_state_inside_their_territories(seeded):
    engine, _url, made = seeded
    with make_session_factory(engine)() as session:
        states = Counter(dict(session.execute(
            select(Post.status, func.count()).group_by(Post.status)).all()))
        outside = session.scalar(
            select(func.count()).select_from(Post)
            .join(Territory, Territory.id == Post.territory_id)
            .where(~func.ST_Covers(Territory.geom, Post.geom)))
        comments = session.scalar(select(func.count()).select_from(Comment))
        events = session.scalar(select(func.count()).select_from(AuditEvent)
                                .where(AuditEvent.subject_type == "post"))
        cells = session.scalar(select(func.sum(MapCell.posts)).where(MapCell.level == 0))
        campaign_posts = session.scalar(select(func.count()).select_from(Post)
                                        .where(Post.campaign_id.is_not(None)))
        campaigns = session.scalar(select(func.count()).select_from(Campaign))
        audiences = session.scalar(select(func.count()).select_from(Post)
                                   .where(Post.audience_geom.is_not(None)))
    assert made["posts"] == sum(states.values()) == POSTS
    assert set(states) == set(PostStatus)
    assert states[PostStatus.SUBMITTED] < 1000 < states[PostStatus.PUBLISHED]  # a kept-up desk
    assert outside == 0
    assert comments == made["comments"] > 0 and events == made["audit_events"] >= POSTS
    assert cells == POSTS  # the map's triggers counted the COPY
    assert 0.2 * POSTS < campaign_posts < 0.4 * POSTS and campaigns == made["campaigns"]
    assert audiences > 0


def test_the_seed_command_adds_posts_to_the_same_territories(seeded, monkeypatch):
    from service.cli import cli

    engine, url, _made = seeded
    monkeypatch.setenv("DATABASE_URL", url)
    with engine.connect() as conn:
        before = conn.scalar(text("SELECT count(*) FROM posts"))
        territories = conn.scalar(text("SELECT count(*) FROM territories"))
    result = CliRunner().invoke(cli, ["seed", "--posts", "500", "--territories", "16",
                                      "--users", "32"])
    assert result.exit_code == 0, result.output
    assert "Seeded 500 posts" in result.output
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM posts")) == before + 500
        assert conn.scalar(text("SELECT count(*) FROM territories")) == territories


def test_the_seed_command_refuses_a_bad_size():
    from service.cli import cli

    result = CliRunner().invoke(cli, ["seed", "--posts", "0"])
    assert result.exit_code == 2 and "--posts" in result.output


@pytest.mark.parametrize("name", [
    "list by territory", "list by status", "list by published status", "list by two states",
    "list by territory and status", "list by text", "list by bbox", "list by wide bbox",
    "review queue (API)", "review queue (desk page)", "campaign dashboard", "map adaptations due",
    "home: campaigns to adapt", "map activity",
    "map activity (all time)", "z10 tile"])
def test_busy_reads_use_indexes_not_a_scan_of_every_post(seeded, name):
    engine, _url, _made = seeded
    with make_session_factory(engine)() as session:
        run = workloads(session)[name]
        explained = explain(session, run)
    assert explained, f"{name} sent no query on posts"
    for statement, scans in explained:
        assert not scans, f"{name} scans posts ({scans}): {' '.join(statement.split())[:300]}"


def test_all_time_activity_from_map_cells_counts_what_posts_hold(seeded):
    """Geotagged posts counted from the zoom-0 cells, untagged ones from posts: the same sums."""
    from sqlalchemy.orm import Session

    from geodata.activity import territory_activity
    from regions import accounts
    from regions.models import User

    engine, _url, _made = seeded
    with engine.connect() as conn, conn.begin() as transaction:
        conn.execute(text("INSERT INTO posts (territory_id, author_id, template_version_id, status)"
                          " SELECT territory_id, author_id, template_version_id, 'failed'"
                          " FROM posts ORDER BY id LIMIT 3"))
        session = Session(bind=conn)
        desk = accounts.load_actor(session.scalars(
            select(User).where(User.role == "central_editor")).first())
        features = territory_activity(session, desk, since=None, until=None,
                                      tolerance=None)["features"]
        counted = {f["id"]: (f["properties"]["posts"], f["properties"]["failed"])
                   for f in features}
        expected = {row[0]: (row[1], row[2]) for row in conn.execute(text(
            "SELECT territory_id, count(*), count(*) FILTER (WHERE status = 'failed') "
            "FROM posts GROUP BY territory_id"))}
        transaction.rollback()
    assert {k: v for k, v in counted.items() if v != (0, 0)} == expected


def test_the_activity_over_a_period_reads_the_posts_of_its_partial_day_only(seeded):
    """Whole days come from ``activity_days``; posts are read for the partial day, not 30 days."""
    from geodata.activity import territory_activity
    from regions import accounts
    from regions.models import User

    engine, _url, _made = seeded
    with make_session_factory(engine)() as session:
        desk = accounts.load_actor(session.scalars(
            select(User).where(User.role == "central_editor")).first())
        midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        since = midnight - timedelta(days=30, hours=9)

        def published_between(start, end):
            return session.scalar(select(func.count()).select_from(Post).where(
                Post.publish_at >= start, Post.publish_at < end))

        def read(start):
            return rows_read_from_posts(session, lambda: territory_activity(
                session, desk, since=start, until=None, tolerance=0.01))

        assert published_between(since, midnight) > 100  # a period the seed fills
        assert read(midnight - timedelta(days=30)) == 0
        assert read(since) == published_between(since, since + timedelta(hours=9)) > 0


def rows_from_index(plan, index):
    """Rows the scans of ``index`` gave in a plan (after their filters)."""
    own = (plan.get("Actual Rows", 0) * plan.get("Actual Loops", 1)
           if plan.get("Index Name") == index else 0)
    return own + sum(rows_from_index(child, index) for child in plan.get("Plans", []))


BOXES = [  # read by cells (on a cell edge too), by the GiST index (small), by the primary key
    AROUND_LYON, LYON_BOX, (2.0, 43.0, 8.0, 48.0), (4.21875, 45.0, 4.921875, 45.9),
    (0.5, 47.3, 1.9, 48.1), (4.80, 45.72, 4.90, 45.80), (-5.0, 42.0, 9.0, 51.0)]


@pytest.mark.parametrize("box", BOXES)
def test_posts_in_a_box_page_by_page_are_exactly_the_posts_it_holds(seeded, box):
    from regions import accounts
    from regions.models import User
    from regions.post_queries import PostFilters, list_posts

    engine, _url, _made = seeded
    with make_session_factory(engine)() as session:
        desk = accounts.load_actor(session.scalars(
            select(User).where(User.role == "central_editor")).first())
        inside = list(session.scalars(select(Post.id).where(func.ST_Intersects(
            Post.geom, func.ST_MakeEnvelope(*box, 4326))).order_by(Post.id.desc())))
        listed, cursor = [], None
        while True:
            page, cursor = list_posts(session, desk, PostFilters(bbox=box),
                                      limit=5 if len(inside) < 1000 else 500, cursor=cursor)
            listed += [post.id for post in page]
            if cursor is None:
                break
    assert listed == inside and inside


def test_the_cells_of_a_box_hold_its_corners_as_postgis_numbers_them(connection):
    """The cells box_cells names are those ``map_cell`` gives the box's corners, and all between."""
    from regions.post_queries import BOX_LEVEL, box_cells

    corner = ("SELECT map_cell(ST_{axis}(ST_Transform(ST_SetSRID(ST_Point(:lon, :lat), 4326), "
              f"3857))) >> {8 - BOX_LEVEL}")
    boxes = [AROUND_LYON, (4.21875, 45.0, 4.921875, 45.9), (-5.0, 42.0, 1.0, 44.0),
             (170.0, -60.0, 172.0, -58.5)]
    for box in boxes:
        west, south, east, north = box
        first = [connection.execute(text(corner.format(axis=a)), {"lon": west, "lat": south})
                 .scalar() for a in "XY"]
        last = [connection.execute(text(corner.format(axis=a)), {"lon": east, "lat": north})
                .scalar() for a in "XY"]
        cells = box_cells(box)
        assert cells is not None, box
        (west_cell, south_cell), (east_cell, north_cell) = min(cells), max(cells)
        # One cell more where an edge lies on cells' border (floating point may differ there).
        assert 0 <= first[0] - west_cell <= 1 and 0 <= first[1] - south_cell <= 1, box
        assert 0 <= east_cell - last[0] <= 1 and 0 <= north_cell - last[1] <= 1, box
        assert (west_cell, south_cell) == tuple(first) or box[0] == 4.21875, box


def test_a_box_is_read_cell_by_cell_a_page_and_a_little_more(seeded):
    """A box spanning a few cells: each cell's scan stops once it has given its part of a page."""
    from regions.post_queries import box_cells

    engine, _url, _made = seeded
    with make_session_factory(engine)() as session:
        held = session.scalar(select(func.count()).select_from(Post).where(
            func.ST_Intersects(Post.geom, func.ST_MakeEnvelope(*AROUND_LYON, 4326))))
        with captured(session) as statements:
            workloads(session)["list by wide bbox"]()
        plans = [session.connection().exec_driver_sql(
            f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters).scalar()[0]["Plan"]
            for statement, parameters in statements if "posts" in statement]
    cells = box_cells(AROUND_LYON)
    assert cells is not None
    given = sum(rows_from_index(plan, "ix_posts_box_cell") for plan in plans)
    assert 51 <= given <= 51 + len(cells) < held, (given, held)


NEWER_DRAFTS = 20_000


@pytest.fixture()
def newer_drafts(seeded):
    """A session whose database has NEWER_DRAFTS drafts in one territory, newer than every post.

    As the load benchmark leaves it (drafts made for the submit route): lists that walk the
    primary key backwards until a page is full read them all. Rolled back afterwards, and the
    table analysed again (ANALYZE's row count outlives a rollback).
    """
    from sqlalchemy.orm import Session

    engine, _url, _made = seeded
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            first = conn.scalar(text("SELECT min(id) FROM territories WHERE geom IS NOT NULL"))
            conn.execute(text(
                "INSERT INTO posts (territory_id, author_id, template_version_id, status, text) "
                "SELECT :territory, author_id, template_version_id, 'draft', 'brouillon ' || i "
                "FROM (SELECT * FROM posts ORDER BY id LIMIT 1) p, generate_series(1, :n) i"),
                {"territory": first, "n": NEWER_DRAFTS})
            conn.execute(text("ANALYZE posts"))
            yield Session(bind=conn), first
        finally:
            transaction.rollback()
            conn.execute(text("ANALYZE posts"))
            conn.commit()


def _editor_of(session, territory_id):
    from regions import accounts
    from regions.models import Membership, User
    from regions.teams import descendants_of

    user = session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.territory_id == territory_id, User.role == "regional_editor")).first()
    return accounts.load_actor(user, frozenset(descendants_of(session, {territory_id})))


def _expected_page(session, where, limit):
    """The newest ``limit`` posts matching plain SQL ``where``, read by a query of its own."""
    return list(session.scalars(text(
        f"SELECT id FROM posts WHERE {where} ORDER BY id DESC LIMIT {limit}")))


LEFT_OUT = [  # (name, who, filters, what the page holds in SQL); {t}: a territory, {mine}: its
    ("published", "desk", {"statuses": ["published"]}, "status = 'published'"),
    ("two states", "desk", {"statuses": ["submitted", "failed"]},
     "status IN ('submitted', 'failed')"),
    ("another territory", "desk", {"territory": True}, "territory_id = {t}"),
    ("another territory, published", "desk", {"territory": True, "statuses": ["published"]},
     "territory_id = {t} AND status = 'published'"),
    ("an editor's list", "editor", {}, "territory_id = {t} OR status = 'published'"),
    ("an editor's submitted", "editor", {"statuses": ["submitted"]},
     "territory_id = {t} AND status = 'submitted'"),
    ("an editor, the drafts' territory", "editor", {"territory": "drafts"},
     "territory_id = {drafts} AND status = 'published'"),
]


@pytest.mark.parametrize(("who", "filters", "where"), [case[1:] for case in LEFT_OUT],
                         ids=[case[0] for case in LEFT_OUT])
def test_lists_read_about_a_page_however_many_newer_posts_they_leave_out(
        newer_drafts, who, filters, where):
    """Each scan reads only posts it keeps: a page costs about a page, not 20,000 drafts."""
    from regions import accounts
    from regions.models import User
    from regions.post_queries import PostFilters, list_posts

    session, drafts_territory = newer_drafts
    territory = session.scalar(text(
        "SELECT min(territory_id) FROM posts WHERE territory_id <> :t AND status = 'submitted'"),
        {"t": drafts_territory})
    actor = (_editor_of(session, territory) if who == "editor" else accounts.load_actor(
        session.scalars(select(User).where(User.role == "central_editor")).first()))
    chosen = {True: territory, "drafts": drafts_territory}.get(filters.get("territory"))
    wanted = PostFilters(territory_id=chosen,
                         statuses=[PostStatus(s) for s in filters.get("statuses", [])])
    pages: list = []
    while len(pages) < 2 and (not pages or pages[-1][1] is not None):
        def read(cursor=pages[-1][1] if pages else None):
            pages.append(list_posts(session, actor, wanted, limit=50, cursor=cursor))
        examined = rows_examined_in_posts(session, read)
        # A page from each scan, then the page: or a rare state's few posts read whole and
        # sorted, when the planner finds that cheaper. Never the newer drafts.
        assert examined <= 8 * 51, (examined, len(pages[-1][0]))
    listed = [post.id for page, _ in pages for post in page]
    assert listed == _expected_page(
        session, where.format(t=territory, drafts=drafts_territory), 100) and listed


def test_a_team_s_home_reads_its_part_of_the_campaigns_not_every_post_of_theirs(seeded):
    """Every seeded campaign is sent to every territory: a team's « À adapter » list reads the
    posts written beneath its own targets, and says what reading them all would say."""
    from regions import campaigns
    from regions.inbox import campaigns_to_adapt

    engine, _url, _made = seeded
    with UnitOfWork(make_session_factory(engine)) as uow:
        session = uow.session
        territory = session.scalar(select(func.min(Post.territory_id)))
        actor = _editor_of(session, territory)
        now = datetime.now(UTC)
        read = rows_read_from_posts(session, lambda: campaigns_to_adapt(session, actor, now=now))
        theirs, everyone = session.execute(select(
            func.count().filter(Post.territory_id == territory), func.count())
            .where(Post.campaign_id.is_not(None))).one()
        assert read <= theirs < everyone / 8, (read, theirs, everyone)

        found = campaigns_to_adapt(session, actor, now=now)
        full = campaigns.counted_adaptations(session, {item.campaign_id for item in found} | set(
            session.scalars(select(Campaign.id))))  # every post of every campaign
        mine = session.execute(select(campaigns.actor_targets(actor, campaigns.OPEN))).all()
        due = {(c, t) for c, t, _write_in in mine if not campaigns.adapted(full.get((c, t), []))}
        assert {(item.campaign_id, item.territory_id) for item in found} == due and due
