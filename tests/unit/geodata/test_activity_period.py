"""A period split into whole UTC days (read from per-day counts) and partial-day stretches."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from geodata.activity import split_period


def at(day, hour=0, minute=0, tz=UTC):
    return datetime(2026, 3, day, hour, minute, tzinfo=tz)


def test_a_period_of_whole_days_reads_no_post():
    assert split_period(at(3), at(8)) == ((date(2026, 3, 3), date(2026, 3, 8)), [])


def test_partial_days_at_both_ends_are_stretches():
    assert split_period(at(2, 10, 17), at(9, 5, 43)) == (
        (date(2026, 3, 3), date(2026, 3, 9)), [(at(2, 10, 17), at(3)), (at(9), at(9, 5, 43))])


def test_open_ends_stay_open():
    assert split_period(at(5, 12), None) == ((date(2026, 3, 6), None), [(at(5, 12), at(6))])
    assert split_period(None, at(7, 7)) == ((None, date(2026, 3, 7)), [(at(7), at(7, 7))])
    assert split_period(None, None) == ((None, None), [])


def test_days_are_utc_days_whatever_the_callers_zone():
    paris = timezone(timedelta(hours=2))
    days, stretches = split_period(at(3, 23, 30, paris), at(5, 1, 30, paris))
    # 21:30 UTC on the 3rd to 23:30 UTC on the 4th: the 4th misses its last half hour.
    assert days is None and stretches == [(at(3, 23, 30, paris), at(5, 1, 30, paris))]
    days, stretches = split_period(at(3, 1, 0, paris), at(6, 3, 0, paris))
    assert days == (date(2026, 3, 3), date(2026, 3, 6))
    assert stretches == [(at(3, 1, 0, paris), at(3)), (at(6), at(6, 3, 0, paris))]


def test_a_period_within_one_day_or_empty_is_one_stretch():
    assert split_period(at(4, 10), at(4, 18)) == (None, [(at(4, 10), at(4, 18))])
    assert split_period(at(4, 10), at(5)) == (None, [(at(4, 10), at(5))])
    assert split_period(at(9), at(1)) == (None, [(at(9), at(1))])
