"""Map data: activity per territory and posts as vector tiles, by what each role may see."""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
from sqlalchemy import text

from regions.models import Post, PostStatus

LYON_POINT = (4.85, 45.75)


def tile_of(lon, lat, z):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def activity(user, **query):
    response = user.get("/api/map/activity", query_string=query)
    assert response.status_code == 200, response.json
    return {f["id"]: f["properties"] for f in response.json["features"]}


def test_activity_counts_what_each_role_may_see(world, drafts, uow):
    desk, lyon_editor = world["desk"], world["ed_lyon"]
    seen_by_desk = activity(desk)
    assert seen_by_desk[world["lyon"]]["posts"] == 1
    assert seen_by_desk[world["marseille"]]["posts"] == 1
    seen_by_lyon = activity(lyon_editor)
    assert seen_by_lyon[world["lyon"]]["posts"] == 1
    assert seen_by_lyon[world["marseille"]]["posts"] == 0  # another region's draft
    with uow() as unit:
        unit.session.get(Post, drafts["b"]["id"]).status = PostStatus.PUBLISHED
        unit.commit()
    published = activity(lyon_editor)[world["marseille"]]
    assert published["posts"] == 1 and published["published"] == 1


def test_activity_filters_by_period_and_simplifies_by_zoom(world, drafts):
    assert activity(world["desk"], since="2000-01-01T00:00:00+00:00",
                    until="2000-02-01T00:00:00+00:00")[world["lyon"]]["posts"] == 0
    coarse = world["desk"].get("/api/map/activity?zoom=3").json["features"][0]
    assert coarse["geometry"]["type"] in ("Polygon", "MultiPolygon")


def decode(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    layers = mapbox_vector_tile.decode(response.get_data())
    return layers.get("posts", {}).get("features", [])


def test_a_tile_holds_the_visible_geotagged_posts(world, drafts):
    z, x, y = tile_of(*LYON_POINT, 10)
    features = decode(world["desk"].get(f"/api/map/posts/{z}/{x}/{y}.mvt"))
    assert [f["properties"]["id"] for f in features] == [drafts["a"]["id"]]
    assert features[0]["properties"]["status"] == "draft"
    assert decode(world["ed_marseille"].get(f"/api/map/posts/{z}/{x}/{y}.mvt")) == []
    filtered = world["desk"].get(f"/api/map/posts/{z}/{x}/{y}.mvt?status=published")
    assert decode(filtered) == []


@pytest.mark.parametrize("path", ["/api/map/posts/3/8/0.mvt", "/api/map/posts/23/0/0.mvt"])
def test_a_tile_outside_the_grid_is_404(world, path):
    response = world["desk"].get(path)
    assert response.status_code == 404
    assert response.json["code"] == "not_found"


def test_a_tile_with_an_unknown_status_is_422(world):
    response = world["desk"].get("/api/map/posts/0/0/0.mvt?status=flying")
    assert response.status_code == 422


# Conditional GETs: ETags follow the data and the caller's scope.

def tile_path(z=10, point=LYON_POINT, query=""):
    z, x, y = tile_of(*point, z)
    return f"/api/map/posts/{z}/{x}/{y}.mvt{query}"


def revalidate(user, path, etag):
    return user.get(path, headers={"If-None-Match": etag})


def test_a_tile_answers_304_while_the_callers_copy_is_current(world, drafts):
    first = world["desk"].get(tile_path())
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.startswith('"t.')
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = revalidate(world["desk"], tile_path(), etag)
    assert again.status_code == 304
    assert again.get_data() == b"" and again.headers["ETag"] == etag
    listed = revalidate(world["desk"], tile_path(), f'"x.1.y", W/{etag}')
    assert listed.status_code == 304


def test_a_post_edit_changes_the_tile_etag(world, drafts, uow):
    etag = world["desk"].get(tile_path()).headers["ETag"]
    with uow() as unit:
        unit.session.get(Post, drafts["a"]["id"]).place_name = "Place Bellecour"
        unit.commit()
    after = revalidate(world["desk"], tile_path(), etag)
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert decode(after)[0]["properties"]["place"] == "Place Bellecour"
    assert revalidate(world["desk"], tile_path(), after.headers["ETag"]).status_code == 304


def test_each_scope_has_its_own_etag(world, drafts):
    desk_etag = world["desk"].get(tile_path()).headers["ETag"]
    lyon_etag = world["ed_lyon"].get(tile_path()).headers["ETag"]
    marseille = world["ed_marseille"].get(tile_path())
    assert len({desk_etag, lyon_etag, marseille.headers["ETag"]}) == 3
    # The desk's copy is never good for a regional editor, nor another filter's copy.
    assert revalidate(world["ed_marseille"], tile_path(), desk_etag).status_code == 200
    filtered = tile_path(query="?status=draft")
    assert revalidate(world["desk"], filtered, desk_etag).status_code == 200


def test_activity_answers_304_and_changes_with_posts_and_territories(world, drafts, uow):
    from regions.models import Territory

    first = world["desk"].get("/api/map/activity?zoom=5")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert revalidate(world["desk"], "/api/map/activity?zoom=5", etag).status_code == 304
    assert revalidate(world["desk"], "/api/map/activity?zoom=6", etag).status_code == 200
    assert revalidate(world["ed_lyon"], "/api/map/activity?zoom=5", etag).status_code == 200
    with uow() as unit:
        unit.session.get(Territory, world["lyon"]).name = "Métropole de Lyon"
        unit.commit()
    renamed = revalidate(world["desk"], "/api/map/activity?zoom=5", etag)
    assert renamed.status_code == 200 and renamed.headers["ETag"] != etag
    assert renamed.json["features"][0]["properties"]["name"] == "Métropole de Lyon"
    with uow() as unit:
        unit.session.get(Post, drafts["a"]["id"]).status = PostStatus.PUBLISHED
        unit.commit()
    published = revalidate(world["desk"], "/api/map/activity?zoom=5", renamed.headers["ETag"])
    assert published.status_code == 200 and published.headers["ETag"] != renamed.headers["ETag"]


# Clusters at low zoom.

NEAR_LYON = [(4.86, 45.76), (4.80, 45.70)]


@pytest.fixture()
def more_lyon_drafts(world, drafts):
    for lon, lat in NEAR_LYON:
        response = world["ed_lyon"].post("/api/posts", json={
            "territory_id": world["lyon"], "template": "portes-ouvertes",
            "text": "Portes ouvertes à Ici ! Bienvenue #Relais", "geotag": {"lon": lon, "lat": lat},
            "slot_values": {"city": "Ici", "details": "Bienvenue #Relais"}})
        assert response.status_code == 201, response.json
    return drafts


@pytest.mark.parametrize("z", [0, 3, 5])
def test_low_zoom_tiles_hold_clusters_counting_the_visible_posts(world, more_lyon_drafts, z):
    for user, expected in (("desk", 4), ("ed_lyon", 3), ("ed_marseille", 1)):
        features = decode(world[user].get(tile_path(z)))
        assert sum(f["properties"]["count"] for f in features) == expected, user
        assert all(f["properties"]["status"] == "draft" for f in features)
    lyon = [f["properties"] for f in decode(world["ed_lyon"].get(tile_path(z)))]
    assert {p.get("territory_id") for p in lyon} == {world["lyon"]}  # no Marseille draft
    grouped = max(lyon, key=lambda p: p["count"])
    assert grouped["count"] >= 2 and "id" not in grouped and "place" not in grouped


def test_a_cluster_of_one_post_keeps_its_id(world, drafts):
    features = decode(world["desk"].get(tile_path(5)))
    assert sorted(f["properties"]["id"] for f in features) == sorted(
        d["id"] for d in drafts.values())
    assert all(f["properties"]["count"] == 1 for f in features)


def test_a_cluster_takes_the_most_urgent_status(world, more_lyon_drafts, uow):
    with uow() as unit:
        unit.session.get(Post, more_lyon_drafts["a"]["id"]).status = PostStatus.FAILED
        unit.commit()
    lyon = [f["properties"] for f in decode(world["desk"].get(tile_path(5)))
            if f["properties"].get("territory_id") == world["lyon"]]
    assert "failed" in {p["status"] for p in lyon}
    assert sum(p["count"] for p in lyon) == 3


def test_tiles_from_zoom_9_hold_each_post(world, more_lyon_drafts):
    features = decode(world["desk"].get(tile_path(9)))
    assert len(features) == 3 and all("count" not in f["properties"] for f in features)
    assert {"id", "status", "territory_id"} <= set(features[0]["properties"])


# The per-cell counts behind the clusters (map_cells, kept by triggers on posts).

RECOUNT = """
SELECT lv.level, map_cell(ST_X(p.geom_3857)) >> (8 - lv.level) AS ix,
       map_cell(ST_Y(p.geom_3857)) >> (8 - lv.level) AS iy, p.territory_id, p.status::text,
       count(*), sum(ST_X(p.geom_3857)), sum(ST_Y(p.geom_3857))
FROM posts p CROSS JOIN generate_series(0, 8) AS lv(level)
WHERE p.geom_3857 IS NOT NULL GROUP BY 1, 2, 3, 4, 5"""
KEPT = ("SELECT level, ix, iy, territory_id, status::text, posts, sum_x, sum_y "
        "FROM map_cells")


def assert_cells_match_the_posts(session):
    def rows(sql):
        return {tuple(r[:5]): tuple(r[5:]) for r in session.execute(text(sql))}
    recounted, kept = rows(RECOUNT), rows(KEPT)
    assert kept.keys() == recounted.keys()
    for key, (count, sum_x, sum_y) in recounted.items():
        assert kept[key][0] == count, key
        assert kept[key][1] == pytest.approx(sum_x, abs=1e-3)
        assert kept[key][2] == pytest.approx(sum_y, abs=1e-3)
    return recounted


def counts_at_each_statement(session):
    """Apply the counts' changes at the end of each statement instead of at commit."""
    session.execute(text("SET CONSTRAINTS posts_map_changes IMMEDIATE"))


def test_the_cell_counts_stay_exact_through_inserts_changes_moves_and_deletes(
        world, drafts, uow):
    with uow() as unit:
        session = unit.session
        counts_at_each_statement(session)
        assert_cells_match_the_posts(session)
        # Bulk insert (one statement), spread around Lyon and Marseille, a few without a point.
        session.execute(text("""
            INSERT INTO posts (territory_id, author_id, template_version_id, status, text, geom)
            SELECT CASE WHEN i % 2 = 0 THEN :lyon ELSE :marseille END, author_id,
                   template_version_id, (ARRAY['draft', 'submitted', 'published', 'failed'])
                   [1 + i % 4]::post_status, 'Bulk ' || i,
                   CASE WHEN i % 17 = 0 THEN NULL ELSE ST_SetSRID(ST_MakePoint(
                       4.0 + (i % 23) * 0.07, 43.0 + (i % 31) * 0.1), 4326) END
            FROM posts, generate_series(1, 300) AS i WHERE posts.id = :a"""),
            {"lyon": world["lyon"], "marseille": world["marseille"], "a": drafts["a"]["id"]})
        before = assert_cells_match_the_posts(session)
        assert sum(v[0] for k, v in before.items() if k[0] == 0) == 2 + 300 - 300 // 17
        changes = [
            "UPDATE posts SET status = 'published' WHERE id % 3 = 0",
            "UPDATE posts SET territory_id = :marseille WHERE id % 5 = 0",
            "UPDATE posts SET geom = ST_SetSRID(ST_MakePoint(2.35, 48.85), 4326) WHERE id % 7 = 0",
            "UPDATE posts SET geom = ST_Translate(geom, 0.0001, 0) WHERE id % 11 = 0",
            "UPDATE posts SET geom = NULL WHERE id % 13 = 0",
            "UPDATE posts SET text = 'Edited' WHERE id % 2 = 0",
            "DELETE FROM posts WHERE id % 4 = 1",
        ]
        for change in changes:
            session.execute(text(change), {"marseille": world["marseille"]})
            assert_cells_match_the_posts(session)
        session.execute(text("DELETE FROM posts"))
        assert session.execute(text("SELECT count(*) FROM map_cells")).scalar() == 0


def test_clusters_count_the_visible_posts_after_changes(world, more_lyon_drafts, uow):
    with uow() as unit:
        unit.session.get(Post, more_lyon_drafts["a"]["id"]).status = PostStatus.PUBLISHED
        unit.session.get(Post, more_lyon_drafts["b"]["id"]).territory_id = world["lyon"]
        unit.commit()
    for z in (0, 3, 5):  # tiles holding both cities
        counts = {user: sum(f["properties"]["count"]
                            for f in decode(world[user].get(tile_path(z))))
                  for user in ("desk", "ed_lyon", "ed_marseille")}
        # Lyon now holds all four; Marseille's editor sees the published one only.
        assert counts == {"desk": 4, "ed_lyon": 4, "ed_marseille": 1}, z


# The per-day counts behind the activity map over a period (activity_days, kept by triggers).

RECOUNT_DAYS = ("SELECT (publish_at AT TIME ZONE 'UTC')::date, territory_id, count(*), "
                "count(*) FILTER (WHERE status = 'published'), count(*) FILTER (WHERE status "
                "IN ('submitted', 'changes_requested', 'approved', 'scheduled')), "
                "count(*) FILTER (WHERE status = 'failed') "
                "FROM posts WHERE publish_at IS NOT NULL GROUP BY 1, 2")
KEPT_DAYS = "SELECT day, territory_id, posts, published, pending, failed FROM activity_days"


def assert_days_match_the_posts(session):
    def rows(sql):
        return {tuple(r[:2]): tuple(r[2:]) for r in session.execute(text(sql))}
    recounted = rows(RECOUNT_DAYS)
    assert rows(KEPT_DAYS) == recounted
    return recounted


SPREAD = """
    INSERT INTO posts (territory_id, author_id, template_version_id, status, text, publish_at)
    SELECT CASE WHEN i % 2 = 0 THEN :lyon ELSE :marseille END, author_id, template_version_id,
           (ARRAY['draft', 'submitted', 'published', 'failed'])[1 + i % 4]::post_status,
           'Bulk ' || i, CASE WHEN i % 13 = 0 THEN NULL
                              ELSE timestamptz '2026-03-01 00:00Z' + i * interval '97 minutes' END
    FROM posts, generate_series(1, 300) AS i WHERE posts.id = :a"""


def test_the_day_counts_stay_exact_through_inserts_changes_and_deletes(world, drafts, uow):
    with uow() as unit:
        session = unit.session
        counts_at_each_statement(session)
        places = {"lyon": world["lyon"], "marseille": world["marseille"], "a": drafts["a"]["id"]}
        session.execute(text(SPREAD), places)  # ~20 days, 15 posts a day, one statement
        before = assert_days_match_the_posts(session)
        assert sum(posts for posts, *_ in before.values()) == 300 - 300 // 13
        assert len({k[0] for k in before}) > 15
        changes = [
            "UPDATE posts SET status = 'published' WHERE id % 3 = 0",
            "UPDATE posts SET territory_id = :marseille WHERE id % 5 = 0",
            "UPDATE posts SET publish_at = publish_at + interval '1 day' WHERE id % 7 = 0",
            "UPDATE posts SET publish_at = date_trunc('day', publish_at) WHERE id % 11 = 0",
            "UPDATE posts SET publish_at = NULL WHERE id % 17 = 0",
            "UPDATE posts SET publish_at = timestamptz '2026-06-01 23:59:59Z' "
            "WHERE publish_at IS NULL",
            "UPDATE posts SET text = 'Edited' WHERE id % 2 = 0",
            "DELETE FROM posts WHERE id % 4 = 1",
        ]
        for change in changes:
            session.execute(text(change), {"marseille": world["marseille"]})
            assert_days_match_the_posts(session)
        session.execute(text("DELETE FROM posts"))
        assert session.execute(text("SELECT count(*) FROM activity_days")).scalar() == 0


PERIODS = [  # (since, until): within a day, across days at any hour, at midnights, open ends
    ("2026-03-04T10:17:00+00:00", "2026-03-04T18:00:00+00:00"),
    ("2026-03-02T10:17:00+00:00", "2026-03-09T05:43:00+00:00"),
    ("2026-03-03T00:00:00+00:00", "2026-03-08T00:00:00+00:00"),
    ("2026-03-03T23:30:00+02:00", "2026-03-04T01:30:00+02:00"),
    ("2026-03-05T12:00:00-09:30", None),
    (None, "2026-03-07T07:07:00+00:00"),
    ("2026-03-09T00:00:00+00:00", None),
    ("2026-03-09T00:00:00+00:00", "2026-03-01T00:00:00+00:00"),
]


@pytest.mark.parametrize(("since", "until"), PERIODS)
def test_activity_over_any_period_counts_exactly_what_each_role_may_see(
        world, drafts, uow, since, until):
    with uow() as unit:
        unit.session.execute(text(SPREAD), {"lyon": world["lyon"], "marseille": world["marseille"],
                                            "a": drafts["a"]["id"]})
        unit.commit()
    period = " AND ".join(["publish_at IS NOT NULL"]
                          + (["publish_at >= :since"] if since else [])
                          + (["publish_at < :until"] if until else []))
    bounds = {"since": since, "until": until, "lyon": world["lyon"]}
    with uow() as unit:
        def expected(seen):
            return {row[0]: tuple(row[1:]) for row in unit.session.execute(text(
                "SELECT territory_id, count(*), count(*) FILTER (WHERE status = 'published'), "
                "count(*) FILTER (WHERE status IN ('submitted', 'changes_requested', "
                "'approved', 'scheduled')), count(*) FILTER (WHERE status = 'failed') "
                f"FROM posts WHERE {period} AND ({seen}) GROUP BY territory_id"), bounds)}
        by_desk = expected("true")
        by_lyon = expected("territory_id = :lyon OR status = 'published'")
    query = {k: v for k, v in (("since", since), ("until", until)) if v}
    for user, wanted in (("desk", by_desk), ("ed_lyon", by_lyon)):
        counted = {t: (p["posts"], p["published"], p["pending"], p["failed"])
                   for t, p in activity(world[user], **query).items() if p["posts"]}
        assert counted == wanted, user
    assert by_desk != by_lyon or not by_desk


# Each worker keeps the tiles it served, reused while no post changes.

def test_a_cached_tile_is_reused_until_a_post_changes(app, world, drafts, uow):
    path = tile_path(10)
    first = world["desk"].get(path)
    cache = app.extensions["relais_tiles"]
    assert cache.size == len(first.get_data()) > 0
    again = world["desk"].get(path)
    assert again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]
    with uow() as unit:
        unit.session.get(Post, drafts["a"]["id"]).status = PostStatus.FAILED
        unit.commit()
    changed = decode(world["desk"].get(path))
    assert [f["properties"]["status"] for f in changed] == ["failed"]
    # Another scope never reads the desk's copy.
    assert decode(world["ed_marseille"].get(path)) == []


def test_the_tile_cache_drops_the_least_recently_used_tiles():
    from service.api.map.tilecache import TileCache

    cache = TileCache(budget_bytes=800)
    for i in range(10):
        cache.put(("s", 10, i, 0), 1, bytes(100))
    assert cache.size == 800 and cache.get(("s", 10, 0, 0)) is None
    assert cache.get(("s", 10, 9, 0)) == (1, bytes(100))
    cache.put(("s", 10, 9, 0), 2, bytes(50))
    assert cache.size == 750 and cache.get(("s", 10, 9, 0)) == (2, bytes(50))
    cache.put(("s", 10, 99, 0), 3, bytes(101))  # over an eighth of the budget: not kept
    assert cache.get(("s", 10, 99, 0)) is None


# Deeper tiles: clusters of the finest cells when a tile holds many posts, each post otherwise.

def tile_bounds(z, x, y):
    """West, south, east, north (degrees) of a web-mercator tile."""
    n = 2**z

    def lat(row):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))
    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


DENSE = 400  # more than geodata.activity.POINTS_MAX


@pytest.fixture()
def dense_lyon(world, drafts, uow):
    """DENSE posts spread over the z12 tile around Lyon: every third in Marseille's territory,
    every other one published; what each caller may see, by post id."""
    west, south, east, north = tile_bounds(*tile_of(*LYON_POINT, 12))
    with uow() as unit:
        ids = unit.session.execute(text("""
            INSERT INTO posts (territory_id, author_id, template_version_id, status, text, geom)
            SELECT CASE WHEN i % 3 = 0 THEN :marseille ELSE :lyon END, author_id,
                   template_version_id,
                   (CASE WHEN i % 2 = 0 THEN 'published' ELSE 'draft' END)::post_status,
                   'Dense ' || i, ST_SetSRID(ST_MakePoint(
                       :west + (0.05 + 0.9 * (i % 20) / 19) * (:east - :west),
                       :south + (0.05 + 0.9 * (i / 20) / 19) * (:north - :south)), 4326)
            FROM posts, generate_series(0, :n - 1) AS i WHERE posts.id = :a
            RETURNING id, territory_id, status::text"""),
            {"lyon": world["lyon"], "marseille": world["marseille"], "a": drafts["a"]["id"],
             "west": west, "south": south, "east": east, "north": north, "n": DENSE}).all()
        unit.commit()
    posts = [*ids, (drafts["a"]["id"], world["lyon"], "draft")]  # the fixture's draft, in the tile
    return {
        "desk": {p[0] for p in posts},
        "ed_lyon": {p[0] for p in posts if p[1] == world["lyon"] or p[2] == "published"},
        "ed_marseille": {p[0] for p in posts if p[1] == world["marseille"] or p[2] == "published"},
        "published": {p[0] for p in posts if p[2] == "published"},
    }


@pytest.mark.parametrize(("z", "side"), [(9, 16), (10, 8), (12, 2)])
def test_a_dense_deep_tile_holds_clusters_whose_counts_add_up(world, dense_lyon, z, side):
    for user in ("desk", "ed_lyon", "ed_marseille"):
        features = decode(world[user].get(tile_path(z)))
        assert all("count" in f["properties"] for f in features), user
        assert sum(f["properties"]["count"] for f in features) == len(dense_lyon[user]), user
        assert 1 < len(features) <= side * side, user
    mixed = [f["properties"] for f in decode(world["desk"].get(tile_path(z)))]
    assert all(p["status"] == "draft" for p in mixed)  # draft is more urgent than published


def test_a_sparse_deep_tile_holds_each_post(world, dense_lyon):
    # The desk's published posts under the tile are fewer than POINTS_MAX: each one is shown.
    features = decode(world["desk"].get(tile_path(10, query="?status=published")))
    assert {f["properties"]["id"] for f in features} == dense_lyon["published"]
    assert all("count" not in f["properties"] and f["properties"]["status"] == "published"
               for f in features)


def test_beyond_the_dense_zoom_each_post_is_shown(world, dense_lyon):
    _, x, y = tile_of(*LYON_POINT, 12)
    features = [f for dx in (0, 1) for dy in (0, 1)  # the four z13 tiles under the z12 one
                for f in decode(world["ed_marseille"].get(
                    f"/api/map/posts/13/{2 * x + dx}/{2 * y + dy}.mvt"))]
    assert {f["properties"]["id"] for f in features} == dense_lyon["ed_marseille"]
    assert all("count" not in f["properties"] for f in features)


def test_a_dense_tile_revalidates_and_follows_a_deleted_post(world, dense_lyon, uow):
    first = world["ed_lyon"].get(tile_path(10))
    assert revalidate(world["ed_lyon"], tile_path(10), first.headers["ETag"]).status_code == 304
    with uow() as unit:
        unit.session.execute(text("DELETE FROM posts WHERE id = :id"),
                             {"id": min(dense_lyon["ed_lyon"])})
        unit.commit()
    after = revalidate(world["ed_lyon"], tile_path(10), first.headers["ETag"])
    assert after.status_code == 200 and after.headers["ETag"] != first.headers["ETag"]
    assert sum(f["properties"]["count"] for f in decode(after)) == len(dense_lyon["ed_lyon"]) - 1
