"""An API answer in French holds no English sentence, and one in English no French one.

A broad set of bad requests (missing fields, wrong types, too long, unknown fields, bad enum,
bad GeoJSON, bad geometry, domain refusals, stale version, not found, forbidden, bad JSON) is
sent in both languages; every text of ``message`` and ``errors`` is checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from regions.models import Role
from tests.api.conftest import TEMPLATE

# Words no French message uses (names of fields, types and values such as "geometry",
# "Point" or "integer" are not among them: they stay as they are in every language); each is
# a whole word, matched case-insensitively.
ENGLISH = re.compile(
    r"\b(the|is|are|must|not|field|missing|required|invalid|length|valid|give|either|unknown|"
    r"expected|got|than|outside|check|already|taken|shorter|longer|current|between|characters|"
    r"and|of|to|be|with|this|only|cannot|may|more|empty|after|exactly|least|choose|among|"
    r"coordinates|vertices|pairs?|digits|letters|lowercase|problems?|wrong|number|pattern|"
    r"found|allowed|role|send|should|please|try|again)\b",
    re.IGNORECASE,
)
# Marks of French: accented letters, French quotes and apostrophes, common French words.
FRENCH = re.compile(r"[éèêàâçùûîôœ’«»]|\b(le|la|les|des|une|doit|champ|est|pas|du)\b",
                    re.IGNORECASE)
CODE = re.compile(r"^[a-z0-9_.\-\[\]$]+$")  # machine codes and paths, not sentences


def texts(answer: dict[str, Any]) -> Iterator[str]:
    """Every sentence of an error answer: its message and each string inside ``errors``.

    Validation reports hold each violation in both languages under ``fr`` and ``en`` on
    purpose; the other language's copy is skipped, nothing else.
    """
    yield answer["message"]
    language = "fr" if FRENCH.search(answer["message"]) else "en"
    pending: list[Any] = [answer["errors"]]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            other = {"fr", "en"} - {language}
            pending.extend(item for key, item in value.items() if key not in other)
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str) and not CODE.match(value):
            yield re.sub(r"`[^`]*`", "", value)  # code (a header, a command) is not prose


def english_in(answer: dict[str, Any]) -> list[str]:
    """The texts of a French answer that read as English."""
    return [text for text in texts(answer) if ENGLISH.search(text)]


def french_in(answer: dict[str, Any]) -> list[str]:
    """The texts of an English answer that read as French."""
    return [text for text in texts(answer) if FRENCH.search(text)]


@pytest.fixture()
def bad_requests(world, drafts, make_user) -> list[tuple[str, Callable[[dict[str, str]], Any]]]:
    """(name, call) pairs: each call sends one bad request with the given headers."""
    admin, viewer = make_user(Role.ADMIN), make_user(Role.VIEWER)
    desk, editor = world["desk"], world["ed_lyon"]
    post = drafts["a"]
    new_post = {"territory_id": world["lyon"], "template": "portes-ouvertes", "text": "Salut"}
    square = [[[4.8, 45.7], [4.9, 45.7], [4.9, 45.8], [4.8, 45.7]]]
    return [
        ("missing fields", lambda h: admin.post("/api/users", json={}, headers=h)),
        ("wrong types and bad enum", lambda h: admin.post(
            "/api/users", json={"email": 12, "display_name": ["x"], "role": "emperor"},
            headers=h)),
        ("bad e-mail", lambda h: admin.post(
            "/api/users", json={"email": "nobody", "display_name": "A", "role": "viewer"},
            headers=h)),
        ("unknown field", lambda h: admin.post("/api/users", json={
            "email": "a@b.test", "display_name": "A", "role": "viewer", "is_admin": True},
            headers=h)),
        ("too long", lambda h: admin.post("/api/users", json={
            "email": "a@b.test", "display_name": "A" * 5000, "role": "viewer"}, headers=h)),
        ("unknown query parameter", lambda h: admin.get("/api/users?colour=blue", headers=h)),
        ("NUL character", lambda h: admin.post("/api/users", json={
            "email": "a@b.test", "display_name": "A\u0000", "role": "viewer"}, headers=h)),
        ("not JSON", lambda h: admin.post(
            "/api/users", data="{not json", headers={"Content-Type": "application/json", **h})),
        ("not a JSON body", lambda h: admin.post(
            "/api/users", data="x=1", headers={"Content-Type": "text/plain", **h})),
        ("not a GeoJSON geometry", lambda h: desk.post(
            "/api/territories", json={"name": "X", "geometry": {"coordinates": []}}, headers=h)),
        ("wrong geometry type", lambda h: desk.post("/api/territories", json={
            "name": "X", "geometry": {"type": "Point", "coordinates": [4.8, 45.7]}}, headers=h)),
        ("broken coordinates", lambda h: desk.post("/api/territories", json={
            "name": "X", "geometry": {"type": "Polygon", "coordinates": [[[4.8]]]}}, headers=h)),
        ("coordinates out of range", lambda h: desk.post("/api/territories", json={
            "name": "X", "geometry": {"type": "Polygon", "coordinates": [
                [[400, 45.7], [4.9, 45.7], [4.9, 45.8], [400, 45.7]]]}}, headers=h)),
        ("bad slug", lambda h: desk.post("/api/territories", json={
            "name": "X", "slug": "Not A Slug", "geometry": {"type": "Polygon",
                                                            "coordinates": square}}, headers=h)),
        ("shape twice", lambda h: desk.post("/api/territories", json={
            "name": "X", "geometry": {"type": "Polygon", "coordinates": square},
            "areas": {"level": "commune", "codes": ["1"]}}, headers=h)),
        ("slug taken", lambda h: [desk.post("/api/territories", json={
            "name": "X", "slug": "twice", "geometry": {"type": "Polygon", "coordinates": square}},
            headers=h) for _ in range(2)][-1]),
        ("out-of-range point", lambda h: editor.post("/api/posts", json={
            **new_post, "geotag": {"lon": 200, "lat": 45}}, headers=h)),
        ("geotag outside the territory", lambda h: editor.post("/api/posts", json={
            **new_post, "geotag": {"lon": 5.37, "lat": 43.30}}, headers=h)),
        ("template and campaign", lambda h: editor.post("/api/posts", json={
            **new_post, "campaign_id": 1}, headers=h)),
        ("bad date", lambda h: editor.post("/api/posts", json={
            **new_post, "publish_at": "tomorrow"}, headers=h)),
        ("audience out of range", lambda h: editor.post("/api/posts", json={
            **new_post, "audience": {"radius_km": 9000}}, headers=h)),
        ("stale version", lambda h: editor.patch(
            f"/api/posts/{post['id']}", json={"version": post["version"] + 5, "text": "x"},
            headers=h)),
        ("not found", lambda h: editor.get("/api/posts/999999", headers=h)),
        ("forbidden", lambda h: viewer.post("/api/users", json={
            "email": "a@b.test", "display_name": "A", "role": "viewer"}, headers=h)),
        ("bad template definition", lambda h: desk.post("/api/templates", json={
            **TEMPLATE, "key": "bad", "slots": [{"name": "city", "type": "colour"}],
            "rules": [{"id": "x", "type": "length", "params": {"max": "many", "mini": 1}}]},
            headers=h)),
        ("bad points", lambda h: desk.post("/api/locate", json={"points": [[1]]}, headers=h)),
        ("repeated list parameter", lambda h: desk.get(
            "/api/posts?status=published&status=draft", headers=h)),
        ("no such address", lambda h: desk.get("/api/nothing-here", headers=h)),
    ]


def _answers(bad_requests, language: str) -> dict[str, dict[str, Any]]:
    answers = {}
    for name, call in bad_requests:
        response = call({"Accept-Language": language})
        assert response.status_code >= 400, (name, response.json)
        answers[name] = response.json
    return answers


def test_french_error_answers_hold_no_english(bad_requests):
    answers = _answers(bad_requests, "fr")
    assert sum(len(list(texts(a))) for a in answers.values()) > 50  # the check has matter
    leaks = {name: found for name, answer in answers.items() if (found := english_in(answer))}
    assert leaks == {}, "\n".join(f"{name}: {found}" for name, found in leaks.items())


def test_english_error_answers_hold_no_french(bad_requests):
    answers = _answers(bad_requests, "en")
    leaks = {name: found for name, answer in answers.items() if (found := french_in(answer))}
    assert leaks == {}, "\n".join(f"{name}: {found}" for name, found in leaks.items())
    assert answers["missing fields"]["errors"]["json"]["email"] == [
        "Missing data for required field."]


def test_field_messages_are_french_with_their_values():
    answer = {"message": "Des champs manquent", "errors": {"json": {"name": [
        "Plus long que la longueur maximale de 200."]}}}
    assert english_in(answer) == [] and english_in({**answer, "errors": {"name": [
        "Longer than maximum length 200."]}}) == ["Longer than maximum length 200."]
