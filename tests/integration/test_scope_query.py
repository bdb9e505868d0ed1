"""The scope of an actor (territories and descendants) is read through the parent index.

Authentication computes it on every request: a plan that scanned every territory would make
each API call slower as the organisation grows (one territory per commune: 35,000 rows).
"""

from __future__ import annotations

import json

from sqlalchemy import text

from regions.actors import SCOPE_SQL


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
