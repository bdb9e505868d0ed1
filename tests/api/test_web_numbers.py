"""Figures on the pages and in answers read as each language writes numbers: « 1 234 », "1,234"."""

from __future__ import annotations

import pytest
from flask import render_template

from regions.models import Role

NNBSP = "\u202f"  # French groups thousands with a narrow no-break space (CLDR)
FIGURES = {"shares": 1234, "clicks": 56789, "ambassadors": 12,
           "page": {"reactions": 1000, "comments": 3, "shares": 2500, "fetched_at": None},
           "by_territory": [{"name": "Lyon", "shares": 1234, "clicks": 1000000}]}


@pytest.mark.parametrize(("language", "shares", "clicks", "million"), [
    ("fr", f"1{NNBSP}234", f"56{NNBSP}789", f"1{NNBSP}000{NNBSP}000"),
    ("en", "1,234", "56,789", "1,000,000"),
])
def test_ambassador_figures_group_thousands_as_the_language_does(app, language, shares, clicks,
                                                                 million):
    with app.test_request_context("/", headers={"Accept-Language": language}):
        html = render_template("ambassadors/_figures.html", totals=FIGURES)
    assert f'<strong data-testid="amp-shares">{shares}</strong>' in html
    assert f'<strong data-testid="amp-clicks">{clicks}</strong>' in html
    assert f"<td>Lyon</td><td>{shares}</td><td>{million}</td>" in html


def test_the_campaign_list_says_one_territory_in_the_singular(world, sign_in):
    desk = sign_in(Role.CENTRAL_EDITOR)
    for targets in ([world["lyon"]], [world["lyon"], world["marseille"]]):
        assert world["desk"].post("/api/campaigns", json={
            "title": "Printemps", "template": "portes-ouvertes", "slot_values": {},
            "targets": "list", "territory_ids": targets}).status_code == 201
    page = desk.get("/campaigns").get_data(as_text=True)
    assert ">1 territoire</td>" in page and ">2 territoires</td>" in page


def test_an_audience_radius_reads_as_it_was_given_on_the_post_and_review_pages(world, sign_in):
    """One decimal rounded 0.25 km to « 0,2 km », beside a check that quotes 0,25 km."""
    from tests.api.test_web_review import write

    post = write(world, "lyon", audience={"radius_km": 0.25})
    desk = sign_in(Role.CENTRAL_EDITOR)
    review = desk.get(f"/review/{post['id']}").get_data(as_text=True)
    assert "0,25\u00a0km autour du géotag" in review
    mine = world["ed_lyon"].get(f"/posts/{post['id']}").get_data(as_text=True)
    assert "rayon de diffusion 0,25\u00a0km" in mine


@pytest.mark.parametrize(("language", "expected"), [
    ("fr", f"Essai à blanc, rien n’a changé\u00a0: 34{NNBSP}965 territoires seraient créés "
           f"(et 101 pour les zones parentes), 0 déplacés, 0 redessinés\u00a0; 1{NNBSP}200 "
           "inchangés."),
    ("en", "Dry run, nothing changed: 34,965 territories would be created (and 101 for parent "
           "areas), 0 moved, 0 reshaped; 1,200 unchanged."),
])
def test_a_roll_out_of_every_commune_groups_its_thousands(app, language, expected):
    from regions.rollout import RolloutReport
    from service.api.territories.routes import rollout_message

    report = RolloutReport(level="commune", parent_level="departement", areas=36165,
                           created=34965, parents_created=101, moved=0, reshaped=0,
                           unchanged=1200, dry_run=True)
    with app.test_request_context("/api/territories/from-areas",
                                  headers={"Accept-Language": language}):
        assert rollout_message(report, dry_run=True) == expected
