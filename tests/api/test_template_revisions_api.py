"""Template drafts carry a revision: a stale edit or publication is a conflict, not a loss."""

from __future__ import annotations

import pytest

from editorial import RULE_TYPES
from editorial.catalog import RULE_DOCS
from regions.models import Role
from service.api.templates.rule_schemas import component_name

DRAFT = {"name": "Promo", "body": "Bonjour {city} #EDF", "slots": [{"name": "city"}],
         "rules": [{"id": "tag", "type": "hashtags.required", "params": {"tags": ["#EDF"]}}]}


@pytest.fixture()
def desk(make_user):
    return make_user(Role.CENTRAL_EDITOR)


def test_each_edit_and_publication_raises_the_revision(desk):
    created = desk.post("/api/templates", json={"key": "promo", **DRAFT})
    assert created.json["revision"] == 1
    edited = desk.put("/api/templates/promo", json={**DRAFT, "revision": 1})
    assert edited.status_code == 200, edited.json
    assert edited.json["revision"] == 2  # same content, still a save
    published = desk.post("/api/templates/promo/publish", json={"revision": 2})
    assert published.status_code == 200, published.json
    assert desk.get("/api/templates/promo").json["revision"] == 3


def test_a_stale_template_edit_is_a_conflict_and_keeps_the_other_edit(desk):
    desk.post("/api/templates", json={"key": "promo", **DRAFT})
    assert desk.put("/api/templates/promo", json={**DRAFT, "name": "A", "revision": 1}
                    ).status_code == 200
    stale = desk.put("/api/templates/promo", json={**DRAFT, "name": "B", "revision": 1})
    assert stale.status_code == 409
    assert stale.json["code"] == "conflict.stale"
    assert desk.get("/api/templates/promo").json["name"] == "A"
    stale_publish = desk.post("/api/templates/promo/publish", json={"revision": 1})
    assert stale_publish.status_code == 409
    assert desk.get("/api/templates/promo").json["published_version"] is None


def test_an_edit_without_revision_still_works_for_older_clients(desk):
    desk.post("/api/templates", json={"key": "promo", **DRAFT})
    assert desk.put("/api/templates/promo", json={**DRAFT, "name": "C"}).status_code == 200


def test_the_preview_checks_an_unsaved_template_and_a_sample(desk):
    answer = desk.post("/api/templates/preview", json={
        "template": {**DRAFT, "rules": [*DRAFT["rules"], {"id": "no", "type": "terms.forbidden",
                                                         "params": {"terms": ["gratuit*"]}}]},
        "draft": {"text": "Bonjour Lyon, c'est gratuite", "slot_values": {"city": "Lyon"}}})
    assert answer.status_code == 200, answer.json
    codes = {v["rule_id"]: v for v in answer.json["violations"]}
    assert "tag" in codes and "no" in codes
    start, end = codes["no"]["span"]
    assert "Bonjour Lyon, c'est gratuite"[start:end] == "gratuite"
    assert desk.get("/api/templates").json == []  # nothing saved


def test_the_preview_lists_the_problems_of_a_broken_template(desk):
    answer = desk.post("/api/templates/preview", json={
        "template": {**DRAFT, "body": "Bonjour {town}"}, "draft": {"text": "Bonjour"}})
    assert answer.status_code == 422
    assert "body" in answer.json["errors"]


def test_a_regional_editor_may_not_preview_templates(make_user):
    editor = make_user(Role.REGIONAL_EDITOR)
    answer = editor.post("/api/templates/preview",
                         json={"template": DRAFT, "draft": {"text": "x"}})
    assert answer.status_code == 403


def test_openapi_describes_every_rule_type_with_its_params(client):
    spec = client.get("/api/openapi.json").json
    schemas = spec["components"]["schemas"]
    rule = schemas["Rule"]
    assert set(rule["discriminator"]["mapping"]) == set(RULE_TYPES)
    assert len(rule["oneOf"]) == len(RULE_TYPES)
    for rule_type in RULE_TYPES:
        schema = schemas[component_name(rule_type)]
        assert schema["properties"]["type"]["enum"] == [rule_type]
        params = schema["properties"]["params"]
        assert params["additionalProperties"] is False
        assert set(params["properties"]) == {p.name for p in RULE_DOCS[rule_type].params}
        assert all(p.get("description") for p in params["properties"].values())
    ref = {"allOf": [{"$ref": "#/components/schemas/Rule"}]}
    for args in ("TemplateCreateArgs", "TemplateEditArgs", "TemplateArgs", "CharterArgs"):
        items = schemas[args]["properties"]["rules"]["items"]
        assert ref.items() <= items.items(), (args, items)
