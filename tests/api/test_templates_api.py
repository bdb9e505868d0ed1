"""Templates API: authoring flow, every problem in one 422, immutable versions, the dry run."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError

from regions import posts, standards
from regions.actors import Actor
from regions.models import AuditEvent, Post, Role, TemplateVersion
from regions.posts import PostFields, draft_later

PROMO = {
    "name": "Promotion d'été",
    "network": "facebook",
    "language": "fr",
    "body": "Rendez-vous à {city} !",
    "slots": [{"name": "city", "type": "text", "min_length": 2, "max_length": 40}],
    "rules": [
        {"id": "tag-edf", "type": "hashtags.required", "params": {"tags": ["#EDF"]}},
        {"id": "no-free", "type": "terms.forbidden", "params": {"terms": ["gratuit"]}},
        {"id": "inside", "type": "geo.inside_territory"},
    ],
}
DRAFT = {"text": "Rendez-vous à Lyon ! C'est Gratuit.", "slot_values": {"city": "Lyon"}}


@pytest.fixture()
def desk(make_user):
    return make_user(Role.CENTRAL_EDITOR)


@pytest.fixture()
def published(desk):
    """The PROMO template with version 1 published."""
    assert desk.post("/api/templates", json={"key": "promo", **PROMO}).status_code == 201
    assert desk.post("/api/templates/promo/publish").status_code == 200
    return "promo"


def test_central_desk_creates_edits_publishes_and_archives_a_template(desk):
    created = desk.post("/api/templates", json={"key": "promo", **PROMO})
    assert created.status_code == 201, created.json
    assert (created.json["number"], created.json["status"]) == (1, "draft")
    assert created.json["data"]["id"] == "promo" and created.json["data"]["version"] == 1

    edited = desk.put("/api/templates/promo", json={**PROMO, "name": "Promo"})
    assert (edited.json["number"], edited.json["data"]["name"]) == (1, "Promo")  # same draft
    published = desk.post("/api/templates/promo/publish")
    assert (published.json["number"], published.json["status"]) == (1, "published")
    next_draft = desk.put("/api/templates/promo", json={**PROMO, "name": "Promo 2"})
    assert (next_draft.json["number"], next_draft.json["status"]) == (2, "draft")

    detail = desk.get("/api/templates/promo").json
    assert [(v["number"], v["status"]) for v in detail["versions"]] == [
        (1, "published"), (2, "draft")]
    assert (detail["latest_version"], detail["published_version"]) == (2, 1)
    assert [t["key"] for t in desk.get("/api/templates").json] == ["promo"]

    archived = desk.post("/api/templates/promo/archive")
    assert archived.status_code == 200 and archived.json["archived_at"]
    assert desk.get("/api/templates").json == []
    assert [t["key"] for t in desk.get("/api/templates?archived=true").json] == ["promo"]
    refused = desk.put("/api/templates/promo", json=PROMO)
    assert (refused.status_code, refused.json["code"]) == (409, "template.archived")


def test_invalid_template_is_a_422_listing_every_problem_by_path(desk):
    bad = {
        "key": "bad", "name": "Bad", "body": "Bonjour {city} de {ville}",
        "slots": [{"name": "city", "type": "text", "min_length": 10, "max_length": 2}],
        "rules": [{"id": "r1", "type": "pattern.forbidden", "params": {"pattern": "(unclosed"}},
                  {"id": "r2", "type": "length", "params": {"min": 50, "max": 10}}],
    }
    response = desk.post("/api/templates", json=bad, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.json["code"] == "template.invalid"
    assert response.json["message"].startswith("Problems in the template: 4.")
    errors = response.json["errors"]
    assert {path: [p["code"] for p in problems] for path, problems in errors.items()} == {
        "rules[0].params.pattern": ["pattern.invalid"],
        "rules[1].params.min": ["param.contradictory"],
        "slots[0].min_length": ["param.contradictory"],
        "body": ["body.unknown_slot"],
    }
    assert desk.get("/api/templates/bad").status_code == 404  # nothing saved


def test_template_syntax_is_checked_before_its_meaning(desk):
    response = desk.post("/api/templates", json={"key": "Not A Key", "name": "x" * 201,
                                                 "rules": "none"})
    assert response.status_code == 422 and response.json["code"] == "request.invalid"
    assert set(response.json["errors"]["json"]) == {"key", "name", "rules"}


def test_duplicate_key_and_double_publish_are_conflicts(desk, published):
    taken = desk.post("/api/templates", json={"key": published, **PROMO})
    assert (taken.status_code, taken.json["code"]) == (409, "template.key_taken")
    again = desk.post(f"/api/templates/{published}/publish")
    assert (again.status_code, again.json["code"]) == (409, "template.already_published")


def test_editing_a_published_version_starts_the_next_one_and_v1_never_changes(desk, published):
    before = desk.get(f"/api/templates/{published}/versions/1").json
    assert before["data"]["name"] == PROMO["name"] and before["data"]["version"] == 1

    v2 = desk.put(f"/api/templates/{published}", json={**PROMO, "body": "À {city} !"})
    assert v2.json["number"] == 2
    desk.post(f"/api/templates/{published}/publish")

    after = desk.get(f"/api/templates/{published}/versions/1").json
    assert after == before
    assert desk.get(f"/api/templates/{published}/versions/2").json["data"]["body"] == "À {city} !"
    assert desk.get(f"/api/templates/{published}/versions/3").status_code == 404


def test_database_refuses_to_change_or_delete_a_published_version(desk, published, connection):
    row_id = connection.scalar(select(TemplateVersion.id).where(TemplateVersion.number == 1))
    for statement in ("UPDATE template_versions SET data = '{}' WHERE id = :id",
                      "DELETE FROM template_versions WHERE id = :id"):
        with pytest.raises(DBAPIError, match="is published and cannot change"):
            with connection.begin_nested():
                connection.execute(text(statement), {"id": row_id})
    desk.put(f"/api/templates/{published}", json=PROMO)  # v2, a draft: still editable
    draft_id = connection.scalar(select(TemplateVersion.id).where(TemplateVersion.number == 2))
    connection.execute(text("UPDATE template_versions SET data = '{}' WHERE id = :id"),
                       {"id": draft_id})


def test_a_post_validated_against_v1_still_shows_v1_after_v2_is_published(
        desk, published, make_user, make_territory, uow):
    territory = make_territory()
    author = make_user(Role.CONTRIBUTOR, territory_ids=[territory])
    actor = Actor(author.id, author.email, Role.CONTRIBUTOR, territory_ids=frozenset({territory}))
    fields = PostFields(text=DRAFT["text"], slot_values={"city": "Lyon"})
    with uow() as unit:
        post = posts.create_post(unit, actor, territory_id=territory, template_key=published,
                                 fields=fields)
        unit.commit()
        post_id = post.id
    desk.put(f"/api/templates/{published}", json={**PROMO, "rules": []})
    desk.post(f"/api/templates/{published}/publish")

    with uow() as unit:
        post = unit.session.get(Post, post_id)
        version = unit.session.get(TemplateVersion, post.template_version_id)
        assert version.number == 1
        report, _ = standards.check_draft(unit.session, version, draft_later(unit.session, post),
                                          now=datetime.now(UTC))
    assert report.template_version == 1
    assert {v.rule_id for v in report.violations} >= {"tag-edf", "no-free"}  # v1's rules


def test_dry_run_reports_spans_and_french_and_english_messages_and_saves_nothing(
        make_user, published, connection):
    contributor = make_user(Role.CONTRIBUTOR)
    events = connection.scalar(select(func.count()).select_from(AuditEvent))
    response = contributor.post(f"/api/templates/{published}/validate", json=DRAFT)
    assert response.status_code == 200, response.json
    report = response.json
    assert report["ok"] is False and report["template"] == {"id": "promo", "version": 1}
    by_rule = {v["rule_id"]: v for v in report["violations"]}
    forbidden = by_rule["no-free"]
    start, end = forbidden["span"]
    assert DRAFT["text"][start:end] == "Gratuit"
    assert forbidden["code"] == "term.forbidden" and forbidden["severity"] == "error"
    assert forbidden["message"]["fr"] and forbidden["message"]["en"]
    assert forbidden["message"]["fr"] != forbidden["message"]["en"]
    assert by_rule["tag-edf"]["fix"]["automatic"] is True
    assert report["autofix"] is None
    assert connection.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert connection.scalar(select(func.count()).select_from(Post)) == 0


def test_dry_run_reads_the_token_and_the_template_in_one_statement(
        make_user, published, connection, monkeypatch):
    contributor = make_user(Role.CONTRIBUTOR)
    first = contributor.post(f"/api/templates/{published}/validate", json=DRAFT)
    assert first.status_code == 200  # the token's use is noted, the template compiled
    alone: list[str] = []  # statements sent through SQLAlchemy
    event.listen(connection, "before_cursor_execute",
                 lambda _conn, _cursor, statement, *_args: alone.append(statement))
    pipelines, sent = [], []  # pipelines opened, statements sent to the driver
    pipeline, execute = psycopg.Connection.pipeline, psycopg.Connection.execute

    def recorded_pipeline(conn: psycopg.Connection) -> Any:
        pipelines.append(conn)
        return pipeline(conn)

    def recorded_execute(conn: psycopg.Connection, query: Any, *args: Any) -> Any:
        sent.append(query)
        return execute(conn, query, *args)

    monkeypatch.setattr(psycopg.Connection, "pipeline", recorded_pipeline)
    monkeypatch.setattr(psycopg.Connection, "execute", recorded_execute)
    second = contributor.post(f"/api/templates/{published}/validate", json=DRAFT)
    assert second.status_code == 200 and second.json == first.json
    assert [s for s in alone if "SAVEPOINT" not in s] == []  # the tests' own transaction
    [both] = sent
    assert pipelines == [] and "api_tokens" in both and "FROM templates" in both


def test_dry_run_refuses_a_revoked_token_and_an_unknown_template_from_the_same_statement(
        make_user, published):
    contributor = make_user(Role.CONTRIBUTOR)
    missing = contributor.post("/api/templates/nothing-here/validate", json=DRAFT)
    assert (missing.status_code, missing.json["code"]) == (404, "not_found")
    [token] = contributor.get(f"/api/users/{contributor.id}/tokens").json
    assert contributor.delete(f"/api/tokens/{token['id']}").status_code == 204
    revoked = contributor.post(f"/api/templates/{published}/validate", json=DRAFT)
    assert (revoked.status_code, revoked.json["code"]) == (401, "auth.invalid_credentials")
    anonymous = contributor.post("/api/templates/nothing-here/validate", json=DRAFT,
                                 headers={"Authorization": ""})
    assert anonymous.status_code == 401


def test_dry_run_with_autofix_returns_the_fixed_text_and_its_edits(make_user, published):
    viewer = make_user(Role.VIEWER)
    response = viewer.post(f"/api/templates/{published}/validate?autofix=true", json=DRAFT)
    assert response.json["autofix"] == {
        "text": DRAFT["text"] + " #EDF",
        "edits": [{"span": [35, 35], "text": " #EDF", "rule_id": "tag-edf",
                   "code": "hashtag.missing"}],
    }


def test_dry_run_checks_the_geotag_against_the_authors_territory(make_user, make_territory,
                                                                 published):
    territory = make_territory(bbox=(4.7, 45.6, 5.0, 45.9))
    author = make_user(Role.CONTRIBUTOR, territory_ids=[territory])
    base = {**DRAFT, "territory_id": territory}

    def codes(lon, lat):
        body = {**base, "geotag": {"lon": lon, "lat": lat}}
        response = author.post(f"/api/templates/{published}/validate", json=body)
        return {v["code"] for v in response.json["violations"]}

    assert "geo.outside_territory" not in codes(4.85, 45.75)
    assert "geo.outside_territory" in codes(2.35, 48.85)
    stranger = make_user(Role.CONTRIBUTOR, territory_ids=[make_territory(bbox=(0, 0, 1, 1))])
    refused = stranger.post(f"/api/templates/{published}/validate", json=base)
    assert refused.status_code == 403


def test_dry_run_follows_the_newest_published_version_unless_one_is_named(desk):
    desk.post("/api/templates", json={"key": "promo", **PROMO})
    unpublished = desk.post("/api/templates/promo/validate", json=DRAFT)
    assert (unpublished.status_code, unpublished.json["code"]) == (422, "template.not_published")
    on_draft = desk.post("/api/templates/promo/validate", json={**DRAFT, "version": 1})
    assert on_draft.status_code == 200 and on_draft.json["template"]["version"] == 1

    desk.post("/api/templates/promo/publish")
    desk.put("/api/templates/promo", json={**PROMO, "rules": []})
    desk.post("/api/templates/promo/publish")
    newest = desk.post("/api/templates/promo/validate", json=DRAFT).json
    assert newest["template"]["version"] == 2
    assert "no-free" not in {v["rule_id"] for v in newest["violations"]}
    first = desk.post("/api/templates/promo/validate", json={**DRAFT, "version": 1}).json
    assert "no-free" in {v["rule_id"] for v in first["violations"]}


def test_regional_roles_cannot_write_templates(make_user, published):
    for role in (Role.CONTRIBUTOR, Role.REGIONAL_EDITOR, Role.VIEWER):
        user = make_user(role)
        created = user.post("/api/templates", json={"key": "mine", **PROMO})
        assert (created.status_code, created.json["code"]) == (403, "forbidden")
        assert user.put(f"/api/templates/{published}", json=PROMO).status_code == 403
        assert user.post(f"/api/templates/{published}/publish").status_code == 403
        assert user.post(f"/api/templates/{published}/archive").status_code == 403
        assert user.get(f"/api/templates/{published}").status_code == 200


def test_unknown_template_is_a_404(desk):
    response = desk.get("/api/templates/nope")
    assert (response.status_code, response.json["code"]) == (404, "not_found")
    assert desk.post("/api/templates/nope/validate", json=DRAFT).status_code == 404
