"""The next moment a template's hours, days and window allow (an undated post's approval)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from editorial import CompiledTemplate, Draft
from editorial.schedule import allowed_at, has_time_rules, next_allowed_moment

PARIS = ZoneInfo("Europe/Paris")
Compile = Callable[..., CompiledTemplate]


def hours(start: str, end: str, weekdays: list[int] | None = None, *, rule_id: str = "hours",
          severity: str = "error", **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"start": start, "end": end}
    if weekdays is not None:
        params["weekdays"] = weekdays
    return {"id": rule_id, "type": "time.hours", "severity": severity, "params": params,
            **extra}


def window(start: str | None = None, end: str | None = None, *, rule_id: str = "window"
           ) -> dict[str, Any]:
    params = {key: value for key, value in (("start", start), ("end", end)) if value}
    return {"id": rule_id, "type": "time.window", "params": params}


def paris(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=PARIS, fold=fold)  # type: ignore[misc]


WORKING = hours("08:00", "19:00", [1, 2, 3, 4, 5])


@pytest.mark.parametrize(("after", "expected"), [
    (paris(2026, 12, 7, 10, 0), paris(2026, 12, 7, 10, 0)),  # Monday 10:00: allowed, itself
    (paris(2026, 12, 7, 7, 59), paris(2026, 12, 7, 8, 0)),  # a minute early: the opening
    (paris(2026, 12, 7, 8, 0), paris(2026, 12, 7, 8, 0)),  # the opening minute is allowed
    (paris(2026, 12, 7, 18, 59, 59), paris(2026, 12, 7, 18, 59, 59)),  # the last second
    (paris(2026, 12, 7, 19, 0), paris(2026, 12, 8, 8, 0)),  # the end is excluded: tomorrow
    (paris(2026, 12, 7, 22, 0), paris(2026, 12, 8, 8, 0)),  # 22:00: the next morning
    (paris(2026, 12, 11, 19, 30), paris(2026, 12, 14, 8, 0)),  # Friday evening: Monday
    (paris(2026, 12, 6, 11, 0), paris(2026, 12, 7, 8, 0)),  # Sunday: Monday morning
])
def test_next_allowed_moment_follows_the_hours_and_days(
    compile_rules: Compile, after: datetime, expected: datetime
) -> None:
    assert next_allowed_moment(compile_rules(WORKING), after) == expected


def test_a_template_without_time_rules_allows_now(compile_rules: Compile) -> None:
    compiled = compile_rules({"id": "lead", "type": "time.lead", "params": {"min_minutes": 120}})
    moment = paris(2026, 12, 6, 23, 0)  # the notice rule does not judge the approval
    assert next_allowed_moment(compiled, moment) == moment
    assert not has_time_rules(compiled)


def test_a_window_not_open_yet_gives_its_start(compile_rules: Compile) -> None:
    compiled = compile_rules(window("2026-12-20T09:30:00+01:00", "2027-01-10T00:00:00+01:00"))
    assert next_allowed_moment(compiled, paris(2026, 12, 7, 10, 0)) == paris(2026, 12, 20, 9, 30)
    assert has_time_rules(compiled)


def test_a_window_far_ahead_is_found_beyond_the_search_horizon(compile_rules: Compile) -> None:
    compiled = compile_rules(window("2027-06-01T00:00:00+02:00"), WORKING)
    assert next_allowed_moment(compiled, paris(2026, 12, 7, 10, 0)) == paris(2027, 6, 1, 8, 0)


def test_a_window_over_leaves_no_moment(compile_rules: Compile) -> None:
    compiled = compile_rules(window(end="2026-12-01T00:00:00+01:00"))
    assert next_allowed_moment(compiled, paris(2026, 12, 7, 10, 0)) is None


def test_a_window_closing_before_the_next_allowed_hour_leaves_no_moment(
    compile_rules: Compile
) -> None:
    compiled = compile_rules(window(end="2026-12-12T00:00:00+01:00"), WORKING)
    assert next_allowed_moment(compiled, paris(2026, 12, 11, 18, 0)) == paris(2026, 12, 11, 18, 0)
    assert next_allowed_moment(compiled, paris(2026, 12, 11, 20, 0)) is None  # Friday night


def test_every_rule_must_allow_the_moment(compile_rules: Compile) -> None:
    compiled = compile_rules(
        window("2026-12-12T10:00:00+01:00"),  # opens on a Saturday
        WORKING, hours("10:00", "18:00", rule_id="afternoon"))
    assert next_allowed_moment(compiled, paris(2026, 12, 7, 9, 0)) == paris(2026, 12, 14, 10, 0)


def test_hours_that_never_meet_leave_no_moment(compile_rules: Compile) -> None:
    compiled = compile_rules(hours("08:00", "12:00", rule_id="morning"),
                             hours("14:00", "18:00", rule_id="afternoon"))
    assert next_allowed_moment(compiled, paris(2026, 12, 7, 9, 0)) is None


def test_summer_time_start_keeps_local_hours(compile_rules: Compile) -> None:
    # Paris goes from +01:00 to +02:00 at 02:00 on Sunday 29 March 2026.
    compiled = compile_rules(hours("09:00", "10:00"))
    found = next_allowed_moment(compiled, paris(2026, 3, 28, 12, 0))
    assert found == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 09:00 summer time


def test_an_opening_in_the_skipped_hour_opens_when_the_clocks_jump(compile_rules: Compile) -> None:
    compiled = compile_rules(hours("02:30", "04:00"))
    found = next_allowed_moment(compiled, paris(2026, 3, 29, 0, 0))
    assert found == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 summer time: no 02:30
    assert found is not None and found.astimezone(PARIS).strftime("%H:%M%z") == "03:00+0200"


def test_winter_time_start_reopens_hours_in_the_hour_lived_twice(compile_rules: Compile) -> None:
    # Paris goes back from 03:00 (+02:00) to 02:00 (+01:00) on Sunday 25 October 2026.
    compiled = compile_rules(hours("02:15", "02:45"))
    first_time = paris(2026, 10, 25, 2, 50)  # 00:50 UTC: after the first 02:45
    found = next_allowed_moment(compiled, first_time)
    assert found == datetime(2026, 10, 25, 1, 15, tzinfo=UTC)  # the second 02:15, same night
    inside = datetime(2026, 10, 25, 0, 20, tzinfo=UTC)  # the first 02:20: allowed, itself
    assert next_allowed_moment(compiled, inside) == inside


def test_the_territorys_zone_judges_the_hours(compile_rules: Compile) -> None:
    compiled = compile_rules(WORKING)
    draft = Draft("x", timezone="America/Guadeloupe")
    found = next_allowed_moment(compiled, paris(2026, 12, 7, 10, 0), draft=draft)  # 05:00 there
    assert found == datetime(2026, 12, 7, 8, 0, tzinfo=ZoneInfo("America/Guadeloupe"))


def test_warnings_and_rules_of_other_territories_do_not_hold_a_post(
    compile_rules: Compile
) -> None:
    compiled = compile_rules(hours("08:00", "09:00", severity="warning"),
                             hours("10:00", "11:00", rule_id="brest", territories=["29"]))
    moment = paris(2026, 12, 7, 22, 0)
    assert next_allowed_moment(compiled, moment, draft=Draft("x", territory_codes=("69",))) \
        == moment
    assert not has_time_rules(compiled, Draft("x", territory_codes=("69",)))
    in_brest = Draft("x", territory_codes=("29",))
    assert next_allowed_moment(compiled, moment, draft=in_brest) == paris(2026, 12, 8, 10, 0)


def test_allowed_at_agrees_with_the_search(compile_rules: Compile) -> None:
    compiled = compile_rules(WORKING)
    moment = paris(2026, 12, 5, 0, 0)
    for step in range(0, 7 * 24 * 4):
        at = moment + timedelta(minutes=15 * step)
        found = next_allowed_moment(compiled, at)
        assert (found == at) == allowed_at(compiled, at)
        assert found is not None and allowed_at(compiled, found)
