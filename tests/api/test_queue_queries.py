"""The review queue reads a page's audience conflicts in one query, whatever the page holds."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, text

from tests.api.conftest import SOON
from tests.api.test_posts_story import post_with_audience


@contextmanager
def counted(connection):
    """The SQL statements sent on the test's connection while the block runs."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", record)


def queue_statements(desk, connection):
    with counted(connection) as statements:
        answer = desk.get("/api/review-queue?limit=50")
    assert answer.status_code == 200, answer.json
    return answer.json["items"], statements


def test_the_queue_reads_conflicts_once_per_page_not_once_per_post(world, connection):
    editor, lyon = world["ed_lyon"], world["lyon"]
    pair = [post_with_audience(editor, lyon, 4.85, 45.75, SOON),
            post_with_audience(editor, lyon, 4.86, 45.75, SOON + timedelta(hours=1))]
    queue_statements(world["desk"], connection)  # the token's first use is recorded once
    items, small = queue_statements(world["desk"], connection)
    assert len(items) == 2

    for hours in range(2, 8):  # six more posts, all overlapping each other in time and space
        post_with_audience(editor, lyon, 4.85 + hours / 1000, 45.76, SOON + timedelta(hours=hours))
    items, large = queue_statements(world["desk"], connection)

    assert len(items) == 8
    assert len(large) == len(small), (small, large)  # the page size adds no query
    assert sum("ST_Intersection" in s for s in large) == 1
    by_id = {item["id"]: item for item in items}
    assert {c["post_id"] for c in by_id[pair[0]["id"]]["conflicts"]} == (
        {item["id"] for item in items} - {pair[0]["id"]})
    assert all(c["overlap_km2"] > 0 for item in items for c in item["conflicts"])


def selects(statements):
    """The reads SQLAlchemy sent, but the template's document (read once, to compile it)."""
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")
            and "template_versions.data" not in s]


def test_a_decision_reads_in_one_round_trip_and_answers_without_reloading(world, connection):
    editor, desk, lyon = world["ed_lyon"], world["desk"], world["lyon"]
    draft = editor.post("/api/posts", json={
        "territory_id": lyon, "template": "portes-ouvertes",
        "text": "Portes ouvertes à Ici ! Bienvenue #Relais", "geotag": {"lon": 4.85, "lat": 45.75},
        "slot_values": {"city": "Ici", "details": "Bienvenue #Relais"},
        "publish_at": SOON.isoformat()}).json
    for user in (editor, desk):  # the tokens' first use is recorded once
        user.get(f"/api/posts/{draft['id']}")

    with counted(connection) as submitting:
        submitted = editor.post(f"/api/posts/{draft['id']}/submit", json={"version": 1})
    with counted(connection) as approving:
        approved = desk.post(f"/api/posts/{draft['id']}/approve", json={"version": 2})

    assert submitted.status_code == 200, submitted.json
    assert submitted.json["status"] == "submitted" and submitted.json["report"]["ok"]
    assert submitted.json["template"] == {"key": "portes-ouvertes", "version": 1}
    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "approved" and approved.json["version"] == 3
    assert approved.json["template"] == {"key": "portes-ouvertes", "version": 1}
    stored = connection.scalar(text("SELECT updated_at FROM posts WHERE id = :id"),
                               {"id": draft["id"]})
    assert approved.json["updated_at"] == stored.isoformat()  # what the UPDATE returned
    # The token: then the post locked with the reads the route queued, and every other read,
    # in pipelines (unseen here); the answer is built from the post in hand, never read again.
    for statements in (submitting, approving):
        assert len(selects(statements)) == 1, selects(statements)
        assert "api_tokens" in selects(statements)[0]


def test_a_submission_sends_its_update_and_event_with_the_commit(world, connection):
    """Only the token and the locked post go through SQLAlchemy; the post's UPDATE and the
    audit event ride with the COMMIT (here, the test's savepoint), and the answer shows what
    the UPDATE returned."""
    editor, lyon = world["ed_lyon"], world["lyon"]
    draft = editor.post("/api/posts", json={
        "territory_id": lyon, "template": "portes-ouvertes",
        "text": "Portes ouvertes à Ici ! Bienvenue #Relais", "geotag": {"lon": 4.85, "lat": 45.75},
        "slot_values": {"city": "Ici", "details": "Bienvenue #Relais"},
        "publish_at": SOON.isoformat()}).json
    editor.get(f"/api/posts/{draft['id']}")  # the token's first use is recorded once

    with counted(connection) as submitting:
        submitted = editor.post(f"/api/posts/{draft['id']}/submit", json={"version": 1})

    assert submitted.status_code == 200, submitted.json
    writes = [s for s in submitting if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert writes == [], writes
    stored = connection.execute(text(
        "SELECT status, version, updated_at, report, has_warnings, charter_version_id "
        "FROM posts WHERE id = :id"), {"id": draft["id"]}).one()
    assert stored.status == "submitted" and stored.version == 2 == submitted.json["version"]
    assert submitted.json["updated_at"] == stored.updated_at.isoformat()
    assert stored.report == submitted.json["report"] and stored.report["ok"]
    assert stored.has_warnings == submitted.json["has_warnings"]
    trail = connection.execute(text(
        "SELECT action, data FROM audit_events WHERE subject_type = 'post' AND subject_id = :id "
        "ORDER BY id"), {"id": draft["id"]}).all()
    assert [row.action for row in trail] == ["post.created", "post.submit"]
    assert trail[-1].data["from"] == "draft" and trail[-1].data["to"] == "submitted"


def test_a_decision_locks_its_post_as_the_orm_loads_it(world, uow):
    """``lock_post`` (driver SQL with the queued reads) gives the object ``get_post`` gives."""
    from geoalchemy2 import WKBElement

    from regions import accounts
    from regions.errors import NotFound
    from regions.models import Post
    from regions.posts import get_post, lock_post

    post = post_with_audience(world["ed_lyon"], world["lyon"], 4.85, 45.75, SOON)
    columns = [c.key for c in Post.__table__.columns if c.key != "geom_3857"]

    def seen(loaded):
        return {key: (value.data, value.srid, value.extended) if isinstance(value, WKBElement)
                else value for key, value in ((k, getattr(loaded, k)) for k in columns)}

    with uow() as unit:
        desk = accounts.load_actor(accounts.get_user(unit, world["desk"].id))
        expected = seen(get_post(unit.session, desk, post["id"]))
    with uow() as unit:
        locked = lock_post(unit.session, desk, post["id"])
        assert seen(locked) == expected
        assert expected["geom"][1] == 4326 and expected["audience_geom"] is not None
        assert locked in unit.session and not unit.session.dirty  # nothing to flush
        assert lock_post(unit.session, desk, post["id"]) is locked  # held: through the ORM
    with uow() as unit:
        other = accounts.load_actor(accounts.get_user(unit, world["ed_marseille"].id))
        with pytest.raises(NotFound):  # another territory's post does not leak
            lock_post(unit.session, other, post["id"])
        with pytest.raises(NotFound):
            lock_post(unit.session, desk, 2_000_000_000)
