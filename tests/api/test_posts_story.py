"""The whole story of regional posts over HTTP, and the rules that keep territories apart."""

from __future__ import annotations

from datetime import timedelta

import pytest

from regions.models import Role
from tests.api.conftest import SOON, TEMPLATE


def adapt(editor, territory, campaign, details, lon, lat, **extra):
    body = {"territory_id": territory, "campaign_id": campaign,
            "slot_values": {"details": details}, "geotag": {"lon": lon, "lat": lat},
            "place_name": "Agence", **extra}
    return editor.post("/api/posts", json=body)


def test_the_whole_story_from_template_to_decisions(world):
    desk, ed_lyon, ed_marseille = world["desk"], world["ed_lyon"], world["ed_marseille"]
    template = desk.post("/api/templates", json={"key": "printemps", **TEMPLATE})
    assert template.status_code == 201, template.json
    assert desk.post("/api/templates/printemps/publish").status_code == 200
    created = desk.post("/api/campaigns", json={
        "title": "Portes ouvertes de printemps", "template": "printemps",
        "slot_values": {"city": "votre ville"}, "targets": "list",
        "territory_ids": [world["lyon"], world["marseille"], world["lille"]],
        "window_start": SOON.isoformat(), "adapt_deadline": (SOON - timedelta(days=1)).isoformat(),
    })
    assert created.status_code == 201, created.json
    campaign = created.json["id"]
    assert sorted(created.json["target_ids"]) == sorted(
        [world["lyon"], world["marseille"], world["lille"]])

    lyon_post = adapt(ed_lyon, world["lyon"], campaign, "Entrée gratuit pour tous #Relais",
                      4.85, 45.75, slot_values={"city": "Lyon",
                                                "details": "Entrée gratuit pour tous #Relais"})
    assert lyon_post.status_code == 201, lyon_post.json
    assert lyon_post.json["text"] == "Portes ouvertes à Lyon ! Entrée gratuit pour tous #Relais"
    marseille_post = adapt(ed_marseille, world["marseille"], campaign,
                           "Café offert #Relais", 5.37, 43.30)
    assert marseille_post.status_code == 201

    refused = ed_lyon.post(f"/api/posts/{lyon_post.json['id']}/submit",
                           json={"version": lyon_post.json["version"]})
    assert refused.status_code == 422
    assert refused.json["code"] == "post.validation_failed"
    [violation] = [v for v in refused.json["errors"]["report"]["violations"]
                   if v["severity"] == "error"]
    text = lyon_post.json["text"]
    start, end = violation["span"]
    assert text[start:end] == "gratuit"
    assert violation["message"]["fr"] and violation["message"]["en"]

    fixed = ed_lyon.patch(f"/api/posts/{lyon_post.json['id']}", json={
        "version": lyon_post.json["version"],
        "text": "Portes ouvertes à Lyon ! Entrée libre pour tous #Relais"})
    assert fixed.status_code == 200, fixed.json
    submitted = ed_lyon.post(f"/api/posts/{fixed.json['id']}/submit",
                             json={"version": fixed.json["version"]})
    assert submitted.status_code == 200, submitted.json
    assert submitted.json["status"] == "submitted"
    other = ed_marseille.post(f"/api/posts/{marseille_post.json['id']}/submit",
                              json={"version": marseille_post.json["version"]})
    assert other.json["status"] == "submitted"

    queue = desk.get("/api/review-queue").json["items"]
    assert {p["id"] for p in queue} == {submitted.json["id"], other.json["id"]}
    assert all("report" in p and "conflicts" in p for p in queue)

    approved = desk.post(f"/api/posts/{submitted.json['id']}/approve",
                         json={"version": submitted.json["version"], "comment": "Parfait"})
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    changes = desk.post(f"/api/posts/{other.json['id']}/request-changes",
                        json={"version": other.json["version"], "comment": "Ajoutez l'horaire"})
    assert changes.status_code == 200 and changes.json["status"] == "changes_requested"
    comments = ed_marseille.get(f"/api/posts/{other.json['id']}/comments").json
    assert [c["body"] for c in comments] == ["Ajoutez l'horaire"]

    trail = desk.get(f"/api/posts/{submitted.json['id']}/audit").json
    steps = [(e["action"], e["actor"]) for e in trail]
    assert steps == [
        ("post.created", ed_lyon.email), ("post.edited", ed_lyon.email),
        ("post.submit", ed_lyon.email), ("post.commented", desk.email),
        ("post.approve", desk.email),
    ]
    assert "-Portes ouvertes à Lyon ! Entrée gratuit" in trail[1]["data"]["diff"]
    csv = desk.get(f"/api/posts/{submitted.json['id']}/audit?format=csv")
    assert csv.mimetype == "text/csv" and csv.get_data(as_text=True).count("\n") == 6

    board = {row["territory_id"]: row for row in
             desk.get(f"/api/campaigns/{campaign}/dashboard").json}
    assert board[world["lyon"]]["adapted"] and board[world["marseille"]]["adapted"]
    assert not board[world["lille"]]["adapted"]


def test_a_post_reads_the_same_in_the_list_as_on_its_own(world, drafts):
    """The list encodes its page directly; a post alone goes through the response schema."""
    editor, post = world["ed_lyon"], drafts["a"]
    changed = editor.patch(f"/api/posts/{post['id']}", json={
        "version": post["version"], "publish_at": (SOON + timedelta(microseconds=1500)).isoformat(),
        "audience": {"radius_km": 2.5}, "text": "Portes ouvertes à Ici ! Entrée gratuite",
        "media": [{"url": "https://example.org/ete.jpg", "alt": "Façade « ouverte »"}]})
    assert changed.status_code == 200, changed.json
    for client in (world["desk"], editor):
        [listed] = [p for p in client.get("/api/posts?limit=50").json["items"]
                    if p["id"] == post["id"]]
        alone = client.get(f"/api/posts/{post['id']}").json
        alone.pop("conflicts")
        assert listed == alone
        assert listed["publish_at"] == (SOON + timedelta(microseconds=1500)).isoformat()


@pytest.mark.parametrize("action", ["read", "edit", "submit", "withdraw", "comment", "audit"])
def test_an_editor_cannot_touch_another_territorys_draft(world, drafts, action):
    outsider, post = world["ed_lyon"], drafts["b"]
    path = f"/api/posts/{post['id']}"
    response = {
        "read": lambda: outsider.get(path),
        "edit": lambda: outsider.patch(path, json={"version": post["version"], "text": "x"}),
        "submit": lambda: outsider.post(f"{path}/submit", json={"version": post["version"]}),
        "withdraw": lambda: outsider.post(f"{path}/withdraw", json={"version": post["version"]}),
        "comment": lambda: outsider.post(f"{path}/comments", json={"body": "hello"}),
        "audit": lambda: outsider.get(f"{path}/audit"),
    }[action]()
    assert response.status_code == 404
    assert response.json["code"] == "not_found"


def test_an_editor_cannot_list_or_approve_another_territorys_draft(world, drafts):
    outsider = world["ed_lyon"]
    listed = outsider.get("/api/posts").json["items"]
    assert drafts["b"]["id"] not in {p["id"] for p in listed}
    assert drafts["a"]["id"] in {p["id"] for p in listed}
    own_territory = outsider.get(f"/api/posts?territory_id={world['marseille']}").json["items"]
    assert own_territory == []
    approve = outsider.post(f"/api/posts/{drafts['b']['id']}/approve",
                            json={"version": drafts["b"]["version"]})
    assert approve.status_code == 404
    write = outsider.post("/api/posts", json={"territory_id": world["marseille"],
                                              "template": "portes-ouvertes"})
    assert write.status_code == 403


def test_an_editor_cannot_approve_even_in_its_own_territory(world, drafts):
    editor, post = world["ed_lyon"], drafts["a"]
    submitted = editor.post(f"/api/posts/{post['id']}/submit", json={"version": post["version"]})
    response = editor.post(f"/api/posts/{post['id']}/approve",
                           json={"version": submitted.json["version"]})
    assert response.status_code == 403


def test_geotag_outside_the_territory_is_422_with_a_clear_code(world):
    response = world["ed_lyon"].post("/api/posts", json={
        "territory_id": world["lyon"], "template": "portes-ouvertes", "text": "x",
        "geotag": {"lon": 5.37, "lat": 43.30}})
    assert response.status_code == 422
    assert response.json["code"] == "post.geotag_outside_territory"
    assert "geotag" in response.json["errors"]


def test_stale_approval_is_409_and_changes_nothing(world, drafts):
    editor, desk, post = world["ed_lyon"], world["desk"], drafts["a"]
    submitted = editor.post(f"/api/posts/{post['id']}/submit", json={"version": post["version"]})
    loaded = desk.get(f"/api/posts/{post['id']}").json
    edited = editor.patch(f"/api/posts/{post['id']}", json={
        "version": submitted.json["version"],
        "text": "Portes ouvertes à Ici ! Autre texte #Relais"})
    assert edited.status_code == 200
    stale = desk.post(f"/api/posts/{post['id']}/approve", json={"version": loaded["version"]})
    assert stale.status_code == 409
    assert stale.json["code"] == "conflict.stale"
    assert desk.get(f"/api/posts/{post['id']}").json["status"] == "submitted"


def test_editing_an_approved_post_sends_it_back_to_review(world, drafts):
    editor, desk, post = world["ed_lyon"], world["desk"], drafts["a"]
    submitted = editor.post(f"/api/posts/{post['id']}/submit", json={"version": post["version"]})
    approved = desk.post(f"/api/posts/{post['id']}/approve",
                         json={"version": submitted.json["version"]})
    edited = editor.patch(f"/api/posts/{post['id']}", json={
        "version": approved.json["version"], "text": "Portes ouvertes à Ici ! Encore #Relais"})
    assert edited.json["status"] == "submitted"


def post_with_audience(editor, territory, lon, lat, when, radius=5):
    response = editor.post("/api/posts", json={
        "territory_id": territory, "template": "portes-ouvertes",
        "text": "Portes ouvertes à Ici ! Bienvenue #Relais", "geotag": {"lon": lon, "lat": lat},
        "slot_values": {"city": "Ici", "details": "Bienvenue #Relais"},
        "audience": {"radius_km": radius}, "publish_at": when.isoformat()})
    assert response.status_code == 201, response.json
    submitted = editor.post(f"/api/posts/{response.json['id']}/submit",
                            json={"version": response.json["version"]})
    assert submitted.status_code == 200, submitted.json
    return submitted.json


def test_overlapping_audiences_close_in_time_are_flagged_both_ways(world, make_user):
    neighbour = make_user(Role.REGIONAL_EDITOR, territory_ids=[world["lyon"]])
    first = post_with_audience(world["ed_lyon"], world["lyon"], 4.85, 45.75, SOON)
    second = post_with_audience(neighbour, world["lyon"], 4.88, 45.76, SOON + timedelta(hours=5))
    one = world["desk"].get(f"/api/posts/{first['id']}").json["conflicts"]
    two = world["desk"].get(f"/api/posts/{second['id']}").json["conflicts"]
    assert [c["post_id"] for c in one] == [second["id"]]
    assert [c["post_id"] for c in two] == [first["id"]]
    assert 40 < one[0]["overlap_km2"] < 80  # two 5 km discs 2.4 km apart overlap ~ 55 km²
    assert one[0]["overlap"]["type"] in ("Polygon", "MultiPolygon")


def test_the_same_audiences_a_week_apart_are_not_flagged(world):
    first = post_with_audience(world["ed_lyon"], world["lyon"], 4.85, 45.75, SOON)
    second = post_with_audience(world["ed_lyon"], world["lyon"], 4.88, 45.76,
                                SOON + timedelta(days=7))
    assert world["desk"].get(f"/api/posts/{first['id']}").json["conflicts"] == []
    assert world["desk"].get(f"/api/posts/{second['id']}").json["conflicts"] == []


def test_an_error_in_the_middle_of_a_submission_leaves_the_post_as_it_was(
        world, drafts, monkeypatch):
    editor, post = world["ed_lyon"], drafts["a"]
    before = editor.get(f"/api/posts/{post['id']}").json
    trail_before = world["desk"].get(f"/api/posts/{post['id']}/audit").json

    def explode(*_args, **_kwargs):
        raise RuntimeError("injected failure after the state change and the audit entry")

    monkeypatch.setattr("regions.webhooks.enqueue", explode)
    response = editor.post(f"/api/posts/{post['id']}/submit", json={"version": post["version"]})
    assert response.status_code == 500
    monkeypatch.undo()
    after = editor.get(f"/api/posts/{post['id']}").json
    assert after == before
    assert world["desk"].get(f"/api/posts/{post['id']}/audit").json == trail_before


def test_published_posts_of_other_territories_are_visible(world, drafts, uow):
    from regions.models import Post, PostStatus

    with uow() as unit:
        unit.session.get(Post, drafts["b"]["id"]).status = PostStatus.PUBLISHED
        unit.commit()
    seen = world["ed_lyon"].get(f"/api/posts/{drafts['b']['id']}")
    assert seen.status_code == 200
    assert seen.json["allowed_actions"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=flying", "status"), ("bbox=1,2,3", "bbox"), ("cursor=%%%", "cursor"),
     ("limit=0", "limit"), ("publish_from=yesterday", "publish_from")],
)
def test_bad_list_filters_are_422(world, query, field):
    response = world["desk"].get(f"/api/posts?{query}")
    assert response.status_code == 422
    errors = response.json["errors"]
    assert field in errors.get("query", errors)


def test_cursor_pagination_walks_every_post_once(world, make_user):
    editor = world["ed_lyon"]
    ids = set()
    for i in range(7):
        created = editor.post("/api/posts", json={
            "territory_id": world["lyon"], "template": "portes-ouvertes", "text": f"post {i}"})
        ids.add(created.json["id"])
    seen, cursor = [], None
    while True:
        page = editor.get("/api/posts?limit=3" + (f"&cursor={cursor}" if cursor else "")).json
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids, reverse=True)


def test_shrinking_a_territory_reports_posts_now_outside_and_keeps_them(world, drafts):
    desk, post = world["desk"], drafts["a"]  # geotagged at 4.85, 45.75 in Lyon
    territory = desk.get(f"/api/territories/{world['lyon']}").json
    small = {"type": "Polygon", "coordinates": [[[4.70, 45.80], [4.80, 45.80], [4.80, 45.90],
                                                 [4.70, 45.90], [4.70, 45.80]]]}
    changed = desk.patch(f"/api/territories/{world['lyon']}", json={
        "version": territory["properties"]["version"], "geometry": small})
    assert changed.status_code == 200, changed.json
    assert changed.json["report"]["posts_now_outside"] == [post["id"]]
    kept = desk.get(f"/api/posts/{post['id']}").json
    assert kept["territory_id"] == world["lyon"] and kept["status"] == "draft"


def test_the_place_name_is_suggested_from_the_gazetteer_when_not_given(world, uow):
    from geoalchemy2.shape import from_shape
    from shapely.geometry import MultiPolygon, box

    from regions.models import AdminArea

    with uow() as unit:
        for level, code, name, bbox in (("departement", "69", "Rhône", (4.2, 45.4, 5.2, 46.3)),
                                        ("commune", "69123", "Lyon", (4.77, 45.70, 4.90, 45.81))):
            shape = from_shape(MultiPolygon([box(*bbox)]), srid=4326)
            unit.session.add(AdminArea(level=level, code=code, name=name, search_name=name,
                                       geom=shape, geom_simplified=shape))
        unit.commit()
    created = world["ed_lyon"].post("/api/posts", json={
        "territory_id": world["lyon"], "template": "portes-ouvertes", "text": "x",
        "geotag": {"lon": 4.85, "lat": 45.75}})
    assert created.json["place_name"] == "Lyon"
    named = world["ed_lyon"].post("/api/posts", json={
        "territory_id": world["lyon"], "template": "portes-ouvertes", "text": "x",
        "geotag": {"lon": 4.85, "lat": 45.75}, "place_name": "Agence Bellecour"})
    assert named.json["place_name"] == "Agence Bellecour"


def test_a_regional_editor_does_not_see_conflicts_with_another_regions_drafts(world):
    lyon_post = post_with_audience(world["ed_lyon"], world["lyon"], 4.99, 45.75, SOON,
                                   radius=30)
    marseille_post = post_with_audience(world["ed_marseille"], world["marseille"], 5.21,
                                        43.25, SOON, radius=300)
    assert [c["post_id"] for c in world["desk"].get(
        f"/api/posts/{lyon_post['id']}").json["conflicts"]] == [marseille_post["id"]]
    assert world["ed_lyon"].get(f"/api/posts/{lyon_post['id']}").json["conflicts"] == []


def test_an_adaptation_must_be_for_one_of_the_campaigns_targets(world):
    campaign = world["desk"].post("/api/campaigns", json={
        "title": "Marseille seulement", "template": "portes-ouvertes", "targets": "list",
        "territory_ids": [world["marseille"]]}).json["id"]
    response = adapt(world["ed_lyon"], world["lyon"], campaign, "x #Relais", 5.37, 43.30)
    assert response.status_code == 422
    assert response.json["errors"] == {"campaign_id": ["Pas envoyée à ce territoire."]}


@pytest.mark.parametrize(("path", "values"), [
    ("/api/posts", ["abc"]), ("/api/posts", [{}]), ("/api/posts", [2**40]),
    ("/api/review-queue", [1, 2, 3]), ("/api/review-queue", ["x", "y", "z"]),
    ("/api/review-queue", ["2026-01-01T00:00:00", "2026-01-01T00:00:00", 1]),
])
def test_a_damaged_cursor_is_422_not_500(world, path, values):
    import base64
    import json

    cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
    response = world["desk"].get(f"{path}?cursor={cursor}")
    assert response.status_code == 422
    assert "cursor" in response.json["errors"]


def test_other_regions_see_a_published_post_but_not_its_review(world, drafts, uow):
    from regions.models import Post, PostStatus

    with uow() as unit:
        unit.session.get(Post, drafts["b"]["id"]).status = PostStatus.PUBLISHED
        unit.commit()
    outsider = world["ed_lyon"]
    assert outsider.get(f"/api/posts/{drafts['b']['id']}").status_code == 200
    assert outsider.get(f"/api/posts/{drafts['b']['id']}/comments").status_code == 403
    assert outsider.get(f"/api/posts/{drafts['b']['id']}/audit").status_code == 403
    assert world["ed_marseille"].get(f"/api/posts/{drafts['b']['id']}/audit").status_code == 200


@pytest.mark.parametrize("who", ["desk", "ed_lyon"])
def test_a_list_by_territory_and_states_walks_what_the_caller_sees_newest_first(
        world, drafts, uow, who):
    """Lists read scan by scan (territory, state) page through exactly what a plain query finds."""
    from sqlalchemy import select

    from regions.models import Post, PostStatus

    with uow() as unit:
        unit.session.get(Post, drafts["b"]["id"]).status = PostStatus.PUBLISHED
        unit.commit()
        lyon = world["lyon"]
        rows = unit.session.execute(select(Post.id, Post.territory_id, Post.status)
                                    .order_by(Post.id.desc())).all()
    visible = [row for row in rows if who == "desk" or row.territory_id == lyon
               or row.status == PostStatus.PUBLISHED]
    cases = {"status=draft,published": [r.id for r in visible if r.status in {
                 PostStatus.DRAFT, PostStatus.PUBLISHED}],
             f"territory_id={world['marseille']}": [
                 r.id for r in visible if r.territory_id == world["marseille"]],
             f"territory_id={lyon}&status=draft": [
                 r.id for r in visible if r.territory_id == lyon and r.status == PostStatus.DRAFT]}
    for query, expected in cases.items():
        seen, cursor = [], None
        while True:
            page = world[who].get(f"/api/posts?limit=1&{query}"
                                  + (f"&cursor={cursor}" if cursor else "")).json
            seen += [p["id"] for p in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == expected, query
    assert drafts["b"]["id"] in cases[f"territory_id={world['marseille']}"]
