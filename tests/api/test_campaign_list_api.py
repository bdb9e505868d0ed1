"""``GET /api/campaigns`` pages like the other lists: ``page``, ``page_size``, ``X-Pagination``.

Six thousand open campaigns at a million posts: one page of them, newest first, and the count
of those the caller may see (a regional person's own only).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from regions import accounts, campaigns
from regions.campaigns import CampaignDraft, TargetMode

LARGEST = 2**31 - 1
LYON_CAMPAIGNS, MARSEILLE_CAMPAIGNS = 52, 3


@pytest.fixture()
def made(world, uow):
    """55 open campaigns, oldest first: 52 sent to Lyon, 3 to Marseille; and one withdrawn."""
    with uow() as unit:
        desk = accounts.actor_for_user_id(unit, world["desk"].id)
        ids = {"lyon": [], "marseille": [], "all": []}
        for n in range(LYON_CAMPAIGNS + MARSEILLE_CAMPAIGNS):
            where = "marseille" if n % 20 == 7 else "lyon"
            campaign = campaigns.create_campaign(unit, desk, CampaignDraft(
                title=f"Campagne {n}", template_key="portes-ouvertes", slot_values={},
                media=[], target_mode=TargetMode.LIST, territory_ids=(world[where],)))
            unit.session.flush()
            ids[where].append(campaign.id)
            ids["all"].append(campaign.id)
        withdrawn = campaigns.create_campaign(unit, desk, CampaignDraft(
            title="Retirée", template_key="portes-ouvertes", slot_values={}, media=[],
            target_mode=TargetMode.LIST, territory_ids=(world["lyon"],)))
        unit.session.flush()
        campaigns.withdraw_campaign(unit, desk, withdrawn.id, now=datetime.now(UTC))
        unit.commit()
    assert len(ids["marseille"]) == MARSEILLE_CAMPAIGNS
    return {key: sorted(value, reverse=True) for key, value in ids.items()}  # newest first


def _page(person, query=""):
    answer = person.get(f"/api/campaigns{query}")
    assert answer.status_code == 200, answer.json
    return [c["id"] for c in answer.json], json.loads(answer.headers["X-Pagination"])


def test_the_campaign_list_is_fifty_newest_first_and_says_how_many_in_all(world, made):
    listed, pages = _page(world["desk"])
    assert listed == made["all"][:50]
    assert pages == {"total": 55, "total_pages": 2, "first_page": 1, "last_page": 2, "page": 1,
                     "next_page": 2}
    listed, pages = _page(world["desk"], "?page=2")
    assert listed == made["all"][50:]
    assert pages == {"total": 55, "total_pages": 2, "first_page": 1, "last_page": 2, "page": 2,
                     "previous_page": 1}


def test_a_page_size_chooses_how_many_each_page_holds(world, made):
    listed, pages = _page(world["desk"], "?page=3&page_size=20")
    assert listed == made["all"][40:55]
    assert (pages["total"], pages["total_pages"], pages["page"]) == (55, 3, 3)
    assert _page(world["desk"], "?page_size=100")[0] == made["all"]
    listed, pages = _page(world["desk"], "?page=4&page_size=20")  # beyond the last: empty
    assert listed == []
    assert pages["total"] == 55


def test_a_regional_editor_pages_and_counts_only_the_campaigns_sent_to_them(world, made):
    listed, pages = _page(world["ed_lyon"])
    assert listed == made["lyon"][:50]
    assert (pages["total"], pages["total_pages"]) == (LYON_CAMPAIGNS, 2)
    assert _page(world["ed_lyon"], "?page=2")[0] == made["lyon"][50:]
    listed, pages = _page(world["ed_marseille"], "?page_size=2")
    assert listed == made["marseille"][:2]
    assert (pages["total"], pages["total_pages"]) == (MARSEILLE_CAMPAIGNS, 2)
    assert _page(world["ed_marseille"], "?page_size=2&page=2")[0] == made["marseille"][2:]


@pytest.mark.parametrize(("query", "field"), [
    ("page=0", "page"), ("page=-1", "page"), ("page=deux", "page"), (f"page={LARGEST + 1}", "page"),
    ("page=99999999999999999999999", "page"), ("page_size=0", "page_size"),
    ("page_size=101", "page_size"), ("page_size=cinquante", "page_size"),
    ("limit=10", "limit"),  # the post list's word: refused, not ignored for the default page
])
def test_a_bad_page_or_unknown_parameter_is_422_in_the_error_shape(world, query, field):
    answer = world["desk"].get(f"/api/campaigns?{query}")
    assert answer.status_code == 422, answer.json
    assert answer.json["code"] == "request.invalid"
    assert answer.json["status"] == 422
    assert list(answer.json["errors"]["query"]) == [field]


def test_the_largest_page_number_is_an_empty_page(world, made):
    listed, pages = _page(world["desk"], f"?page={LARGEST}&page_size=100")
    assert listed == []
    assert pages["total"] == 55


def test_the_count_reads_the_campaigns_never_the_posts(world, made, drafts, connection):
    """The total is counted on the campaigns table alone, for the desk and for a team (whose
    campaigns are counted as their ids are read): no statement reads a post."""
    statements: list[str] = []
    event.listen(connection, "before_cursor_execute",
                 lambda _conn, _cursor, statement, *_rest: statements.append(statement))
    for person, total in ((world["desk"], 55), (world["ed_lyon"], LYON_CAMPAIGNS)):
        statements.clear()
        assert _page(person, "?page_size=5")[1]["total"] == total
        assert not [s for s in statements if re.search(r"\bposts\b", s)], statements
    statements.clear()
    _page(world["desk"])
    counts = [s for s in statements if re.search(r"count\(\*\)", s)]
    assert len(counts) == 1 and re.search(r"FROM campaigns\b", counts[0]), statements


def test_the_spec_documents_the_campaign_list_s_pages(client):
    operation = client.get("/api/openapi.json").json["paths"]["/api/campaigns"]["get"]
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert set(parameters) == {"page", "page_size"}
    assert (parameters["page"]["minimum"], parameters["page"]["maximum"]) == (1, LARGEST)
    assert (parameters["page_size"]["default"], parameters["page_size"]["maximum"]) == (50, 100)
    assert "X-Pagination" in operation["responses"]["200"]["headers"]
