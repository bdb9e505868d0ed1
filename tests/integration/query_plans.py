"""Run the service's read queries and explain them: which of them scan the posts table."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from geodata.activity import post_tile, territory_activity
from geodata.panel import adaptations_by_territory
from regions import accounts
from regions.campaigns import dashboard
from regions.desk import QueueFilters, desk_queue
from regions.inbox import campaigns_to_adapt
from regions.models import Campaign, PostStatus, Territory, User
from regions.post_queries import PostFilters, list_posts, review_queue

LYON_BOX = (4.7, 45.6, 5.0, 45.9)
AROUND_LYON = (4.2, 45.2, 5.4, 46.2)  # the growth benchmark's box, ~1 % of the posts


@contextmanager
def captured(session: Session) -> Iterator[list[tuple[str, Any]]]:
    """The statements (and parameters) the session sends while the block runs."""
    statements: list[tuple[str, Any]] = []
    connection = session.connection()

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        statements.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", record)


def _reads(statement: str) -> bool:
    """Whether a statement is a read: a SELECT, or one led by its common table expressions."""
    return statement.lstrip().upper().startswith(("SELECT", "WITH"))


def seq_scans_of_posts(plan: dict[str, Any]) -> list[str]:
    """Sequential scans of ``posts`` anywhere in a JSON plan (with their filters)."""
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") == "posts":
        found.append(str(plan.get("Filter", "(no filter)")))
    for child in plan.get("Plans", []):
        found += seq_scans_of_posts(child)
    return found


def explain(session: Session, run: Callable[[], Any]) -> list[tuple[str, list[str]]]:
    """Run ``run``; for each SELECT it sent that reads posts: (statement, seq scans of posts)."""
    with captured(session) as statements:
        run()
    results = []
    for statement, parameters in statements:
        if not _reads(statement) or "posts" not in statement:
            continue
        plan = session.connection().exec_driver_sql(
            f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()
        results.append((statement, seq_scans_of_posts(plan[0]["Plan"])))
    return results


def rows_read_from_posts(session: Session, run: Callable[[], Any]) -> int:
    """Run ``run``; the rows its SELECTs actually read from ``posts`` (EXPLAIN ANALYZE)."""
    def read(plan: dict[str, Any]) -> int:
        own = plan.get("Actual Rows", 0) * plan.get("Actual Loops", 1) if plan.get(
            "Relation Name") == "posts" else 0
        return int(own) + sum(read(child) for child in plan.get("Plans", []))

    with captured(session) as statements:
        run()
    return sum(read(session.connection().exec_driver_sql(
        f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters).scalar()[0]["Plan"])
        for statement, parameters in statements if _reads(statement))


def rows_examined_in_posts(session: Session, run: Callable[[], Any]) -> int:
    """Run ``run``; the rows of ``posts`` its SELECTs looked at, kept or filtered out."""
    def examined(plan: dict[str, Any]) -> int:
        own = 0
        if plan.get("Relation Name") == "posts":
            own = (plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)
                   + plan.get("Rows Removed by Index Recheck", 0)) * plan.get("Actual Loops", 1)
        return int(own) + sum(examined(child) for child in plan.get("Plans", []))

    with captured(session) as statements:
        run()
    return sum(examined(session.connection().exec_driver_sql(
        f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters).scalar()[0]["Plan"])
        for statement, parameters in statements
        if _reads(statement) and "posts" in statement)


def workloads(session: Session) -> dict[str, Callable[[], Any]]:
    """The reads the growth benchmark times, as the desk runs them, by name."""
    desk = accounts.load_actor(session.scalars(
        select(User).where(User.role == "central_editor").order_by(User.id)).first())
    territory = session.scalars(select(Territory.id).where(Territory.geom.is_not(None))
                                .order_by(Territory.id)).first()
    campaign = session.scalars(select(Campaign.id).order_by(Campaign.id)).first()
    regional = accounts.load_actor(session.scalars(
        select(User).where(User.role == "regional_editor").order_by(User.id)).first())
    now = datetime.now(UTC)

    def listing(**filters: Any) -> Callable[[], Any]:
        return lambda: list_posts(session, desk, PostFilters(**filters), limit=50, cursor=None)

    return {
        "list by territory": listing(territory_id=territory),
        "list by status": listing(statuses=[PostStatus.SUBMITTED]),
        "list by published status": listing(statuses=[PostStatus.PUBLISHED]),
        "list by two states": listing(statuses=[PostStatus.SUBMITTED, PostStatus.FAILED]),
        "list by territory and status": listing(territory_id=territory,
                                                statuses=[PostStatus.PUBLISHED]),
        "list by text": listing(text="Quimper"),
        "list by bbox": listing(bbox=LYON_BOX),
        "list by wide bbox": listing(bbox=AROUND_LYON),
        "review queue (API)": lambda: review_queue(session, desk, limit=50, cursor=None),
        "review queue (desk page)": lambda: desk_queue(
            session, desk, QueueFilters(), window_hours=48, limit=50),
        "campaign dashboard": lambda: dashboard(session, desk, campaign, now=now),
        "map adaptations due": lambda: adaptations_by_territory(session, desk, now=now),
        "home: campaigns to adapt": lambda: campaigns_to_adapt(session, regional, now=now),
        "map activity": lambda: territory_activity(
            session, desk, since=now - timedelta(days=30), until=None, tolerance=0.01),
        "map activity (all time)": lambda: territory_activity(
            session, desk, since=None, until=None, tolerance=0.01),
        "z10 tile": lambda: post_tile(session, desk, 10, 516, 364),
    }
