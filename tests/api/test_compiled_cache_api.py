"""The per-process cache of compiled templates never answers with a superseded version.

Each step goes through the API, as the desk and the regions would: publish a new template
version, write a new charter, edit a draft version, and the very next dry run or submission
follows it. The cache is spied on (the real compiler still runs) to show that it is used.
"""

from __future__ import annotations

import pytest

from regions import compiled
from regions.models import Role

TEMPLATE = {
    "name": "Annonce", "network": "facebook", "language": "fr", "body": "À {city} !",
    "slots": [{"name": "city", "type": "text", "min_length": 2, "max_length": 40}],
    "rules": [{"id": "no-free", "type": "terms.forbidden", "params": {"terms": ["gratuit"]}}],
}
SECOND = {**TEMPLATE, "rules": [
    {"id": "no-promo", "type": "terms.forbidden", "params": {"terms": ["promo"]}}]}
TEXT = "À Lyon ! C'est gratuit, promo sur place, un bon plan."
CHARTER = {"rules": [{"id": "no-plan", "type": "terms.forbidden",
                      "params": {"terms": ["bon plan"]}}]}


@pytest.fixture()
def compiles(monkeypatch):
    """How many times the real compiler ran (the cache starts empty)."""
    compiled.CACHE.clear()
    compiled.DRAFTS.clear()
    calls = []
    real = compiled._compile

    def counting(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(compiled, "_compile", counting)
    yield calls
    compiled.CACHE.clear()
    compiled.DRAFTS.clear()


def rule_ids(client, key, **body):
    response = client.post(f"/api/templates/{key}/validate",
                           json={"text": TEXT, "slot_values": {"city": "Lyon"}, **body})
    assert response.status_code == 200, response.json
    return {v["rule_id"] for v in response.json["violations"]}


def test_dry_run_follows_each_new_template_version_and_charter_at_once(make_user, compiles):
    desk, viewer = make_user(Role.CENTRAL_EDITOR), make_user(Role.VIEWER)
    assert desk.post("/api/templates", json={"key": "annonce", **TEMPLATE}).status_code == 201
    assert desk.post("/api/templates/annonce/publish").status_code == 200

    assert rule_ids(viewer, "annonce") == {"no-free"}
    assert rule_ids(viewer, "annonce") == {"no-free"}
    assert len(compiles) == 1  # the second dry run was served from the cache

    assert desk.put("/api/templates/annonce", json=SECOND).status_code == 200
    assert rule_ids(viewer, "annonce") == {"no-free"}  # v2 is a draft: v1 still applies
    assert desk.post("/api/templates/annonce/publish").status_code == 200
    assert rule_ids(viewer, "annonce") == {"no-promo"}
    assert rule_ids(viewer, "annonce", version=1) == {"no-free"}  # v1 as it was published

    assert desk.put("/api/charter", json=CHARTER).status_code == 200
    assert rule_ids(viewer, "annonce") == {"no-promo", "charter:no-plan"}
    assert desk.put("/api/charter", json={"rules": []}).status_code == 200
    assert rule_ids(viewer, "annonce") == {"no-promo"}
    assert rule_ids(viewer, "annonce") == {"no-promo"}
    # v1, v2, v2 with charter 1, v2 with charter 2: each pair compiled once.
    assert len(compiles) == 4


def test_a_draft_version_is_dry_run_as_it_is_now_not_as_first_compiled(make_user, compiles):
    desk = make_user(Role.CENTRAL_EDITOR)
    assert desk.post("/api/templates", json={"key": "brouillon", **TEMPLATE}).status_code == 201
    assert rule_ids(desk, "brouillon", version=1) == {"no-free"}
    assert desk.put("/api/templates/brouillon", json=SECOND).status_code == 200
    assert rule_ids(desk, "brouillon", version=1) == {"no-promo"}  # same draft, new content


def test_submission_checks_the_charter_written_after_the_post(make_user, make_territory,
                                                               compiles):
    desk = make_user(Role.CENTRAL_EDITOR)
    territory = make_territory(bbox=(4.7, 45.6, 5.0, 45.9))
    author = make_user(Role.CONTRIBUTOR, territory_ids=[territory])
    assert desk.post("/api/templates", json={"key": "annonce", **SECOND}).status_code == 201
    assert desk.post("/api/templates/annonce/publish").status_code == 200
    clean = "À Lyon ! Entrée libre, un bon plan."

    def submitted(text):
        post = author.post("/api/posts", json={"territory_id": territory, "template": "annonce",
                                               "text": text, "slot_values": {"city": "Lyon"}})
        assert post.status_code == 201, post.json
        return author.post(f"/api/posts/{post.json['id']}/submit",
                           json={"version": post.json["version"]})

    assert submitted(clean).status_code == 200
    assert desk.put("/api/charter", json=CHARTER).status_code == 200
    refused = submitted(clean)
    assert (refused.status_code, refused.json["code"]) == (422, "post.validation_failed")
    violations = refused.json["errors"]["report"]["violations"]
    assert {v["rule_id"] for v in violations} == {"charter:no-plan"}


def test_the_cache_keeps_at_most_its_size_dropping_the_least_recently_used():
    cache = compiled.CompiledCache(size=2)
    built = []

    def build(name):
        def make():
            built.append(name)
            return name
        return make

    for key in ("a", "b", "a", "c", "a", "b"):
        cache.get(key, build(key))
    assert built == ["a", "b", "c", "b"]  # "b" was the least recently used when "c" came
    assert len(cache) == 2
