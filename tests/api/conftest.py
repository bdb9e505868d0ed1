"""Fixtures for the posts API tests: a published template, territories and their editors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from regions import accounts, standards
from regions.models import Role

TEMPLATE = {
    "name": "Portes ouvertes",
    "network": "facebook",
    "language": "fr",
    "body": "Portes ouvertes à {city} ! {details}",
    "slots": [
        {"name": "city", "label": "Ville", "type": "text", "max_length": 40},
        {"name": "details", "type": "text", "max_length": 300},
    ],
    "rules": [
        {"id": "tag", "type": "hashtags.required", "params": {"tags": ["#Relais"]}},
        {"id": "charter-words", "type": "terms.forbidden", "params": {"terms": ["gratuit"]}},
        {"id": "short", "type": "length", "severity": "warning", "params": {"max": 400}},
    ],
}
LYON, MARSEILLE, LILLE = (4.70, 45.60, 5.00, 45.90), (5.20, 43.20, 5.55, 43.45), (2.9, 50.5,
                                                                                   3.2, 50.8)
SOON = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
SOON_DAY = SOON.astimezone(ZoneInfo("Europe/Paris")).date()  # its day as the pages count days


@pytest.fixture()
def world(make_user, make_territory, uow):
    """A published template, three territories, their editors and the central desk."""
    desk = make_user(Role.CENTRAL_EDITOR)
    with uow() as unit:
        actor = accounts.load_actor(accounts.get_user(unit, desk.id))
        standards.create_template(unit, actor, "portes-ouvertes", TEMPLATE)
        standards.publish_template(unit, actor, "portes-ouvertes", now=datetime.now(UTC))
        unit.commit()
    lyon, marseille, lille = (make_territory(name, bbox=box) for name, box in
                              (("Lyon", LYON), ("Marseille", MARSEILLE), ("Lille", LILLE)))
    return {
        "desk": desk, "lyon": lyon, "marseille": marseille, "lille": lille,
        "ed_lyon": make_user(Role.REGIONAL_EDITOR, territory_ids=[lyon]),
        "ed_marseille": make_user(Role.REGIONAL_EDITOR, territory_ids=[marseille]),
    }


@pytest.fixture()
def drafts(world):
    make = {}
    for key, editor, territory, lon, lat in (("a", world["ed_lyon"], world["lyon"], 4.85, 45.75),
                                              ("b", world["ed_marseille"], world["marseille"],
                                               5.37, 43.30)):
        response = editor.post("/api/posts", json={
            "territory_id": territory, "template": "portes-ouvertes",
            "text": "Portes ouvertes à Ici ! Bienvenue #Relais", "geotag": {"lon": lon, "lat": lat},
            "slot_values": {"city": "Ici", "details": "Bienvenue #Relais"}})
        assert response.status_code == 201, response.json
        make[key] = response.json
    return make




def error_summary(html: str) -> tuple[str, list[tuple[str, str]]]:
    """A re-rendered form's error summary: its heading, and each link's (target id, text).

    It must be focused on load (``autofocus``), come before the page's first form field, and
    every link must reach an element of the page.
    """
    import re
    from html import unescape

    page = unescape(html)
    found = re.search(r'<div class="error-summary" role="alert" tabindex="-1" autofocus[^>]*>\s*'
                      r'<h2 id="error-summary-title">([^<]*)</h2>(.*?)</div>', page, re.S)
    assert found is not None, "no error summary"
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', found.group(2))
    for target, _text in links:
        assert f'id="{target}"' in page, target
    return found.group(1), links


def create_post(editor: Any, body: dict[str, Any], *, submit: bool = True) -> dict[str, Any]:
    """``editor`` writes a post through the API (201), then submits it (200) unless told not."""
    created = editor.post("/api/posts", json=body)
    assert created.status_code == 201, created.json
    if not submit:
        return dict(created.json)
    done = editor.post(f"/api/posts/{created.json['id']}/submit",
                       json={"version": created.json["version"]})
    assert done.status_code == 200, done.json
    return dict(done.json)
