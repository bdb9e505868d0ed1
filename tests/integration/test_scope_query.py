"""The scope of an actor (territories and descendants) is read through the parent index.

Authentication computes it on every request: a plan that scanned every territory would make
each API call slower as the organisation grows (one territory per commune: 35,000 rows).
"""

from __future__ import annotations

import json

from sqlalchemy import text

from regions.actors import MAX_TERRITORY_DEPTH, SCOPE_SQL


def _plan_nodes(plan: dict) -> list[dict]:
    return [plan, *(node for child in plan.get("Plans", []) for node in _plan_nodes(child))]


def test_the_scope_walks_down_the_parent_index_without_scanning_every_territory(connection):
    connection.execute(text(
        "INSERT INTO territories (slug, name) SELECT 'dept-' || i, 'Dept ' || i "
        "FROM generate_series(1, 100) AS i"))
    connection.execute(text(
        "INSERT INTO territories (slug, name, parent_id) "
        "SELECT 'commune-' || i, 'Commune ' || i, d.id FROM generate_series(1, 3000) AS i "
        "JOIN territories d ON d.slug = 'dept-' || (i % 100 + 1)"))
    user = connection.execute(text(
        "INSERT INTO users (email, display_name, role) "
        "VALUES ('scope@example.test', 'Scope', 'regional_editor') RETURNING id")).scalar_one()
    connection.execute(text(
        "INSERT INTO memberships (user_id, territory_id, role) SELECT :user, id, "
        "'regional_editor' FROM territories WHERE slug = 'dept-7'"), {"user": user})
    connection.execute(text("ANALYZE territories"))
    scope = f"SELECT {SCOPE_SQL} FROM users WHERE users.id = :user"

    (plan,) = connection.execute(text(f"EXPLAIN (FORMAT JSON) {scope}"),
                                 {"user": user}).scalar_one()
    scanned = [node for node in _plan_nodes(plan["Plan"])
               if node.get("Relation Name") == "territories"]
    ids = connection.execute(text(scope), {"user": user}).scalar_one()
    children = connection.execute(text(
        "SELECT count(*) FROM territories c JOIN territories d ON d.id = c.parent_id "
        "WHERE d.slug = 'dept-7'")).scalar_one()

    assert scanned and all(node["Node Type"] != "Seq Scan" for node in scanned), json.dumps(plan)
    assert len(ids) == children + 1 == 31  # the département and its thirty communes


def test_the_scope_is_whole_with_overlapping_memberships_and_ends_on_a_cycle(connection):
    """Member of a territory and of its parent: each territory once in the actor's scope; a
    cycle written straight into the database (moves refuse them) ends at the depth bound."""
    ids = {slug: connection.execute(text(
        "INSERT INTO territories (slug, name) VALUES (:slug, :slug) RETURNING id"),
        {"slug": slug}).scalar_one() for slug in ("top", "middle", "leaf", "loop-a", "loop-b")}
    for child, parent in (("middle", "top"), ("leaf", "middle"), ("loop-a", "loop-b"),
                          ("loop-b", "loop-a")):
        connection.execute(text("UPDATE territories SET parent_id = :p WHERE id = :c"),
                           {"p": ids[parent], "c": ids[child]})
    user = connection.execute(text(
        "INSERT INTO users (email, display_name, role) "
        "VALUES ('overlap@example.test', 'Overlap', 'regional_editor') RETURNING id")).scalar_one()
    for slug in ("top", "middle", "loop-a"):
        connection.execute(text(
            "INSERT INTO memberships (user_id, territory_id, role) "
            "VALUES (:user, :territory, 'regional_editor')"),
            {"user": user, "territory": ids[slug]})

    scope = connection.execute(text(f"SELECT {SCOPE_SQL} FROM users WHERE users.id = :user"),
                               {"user": user}).scalar_one()

    assert set(scope) == {ids[s] for s in ("top", "middle", "leaf", "loop-a", "loop-b")}
    assert len(scope) <= 2 * (MAX_TERRITORY_DEPTH + 1) + 3  # the loop read to the bound only
