"""When an undated post may go out: the moments its template's hours, days and window allow.

A post without a publication date goes out when the desk approves it (decision 0053); the
approval is the moment the time rules can judge. Only the rules of error severity that apply
to the post's territory count, in the zone its checks use (the territory's, else the
template's). ``time.lead`` is not one of them: the desk's approval is the notice.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta, tzinfo

from editorial.checks.context import HoursCheck, WindowCheck
from editorial.compiler import CompiledTemplate
from editorial.definition import load_zone
from editorial.model import Draft, Severity

# Hours and days repeat every week: two weeks from the earliest possible moment see every
# allowed moment there will ever be, a change of summer time included.
HORIZON = timedelta(days=14)
_STEP = timedelta(hours=6)  # zones change their offset at most once in this long


def _rules(compiled: CompiledTemplate, draft: Draft | None
           ) -> tuple[list[HoursCheck], list[WindowCheck]]:
    """The hours and window checks of error severity that judge this draft's territory."""
    codes = set(draft.territory_codes) if draft is not None else set()
    hours: list[HoursCheck] = []
    windows: list[WindowCheck] = []
    for check in compiled.checks:
        meta = check.meta
        if meta is None or meta.severity is not Severity.ERROR:
            continue
        if meta.territories and meta.territories.isdisjoint(codes):
            continue
        if isinstance(check, HoursCheck):
            hours.append(check)
        elif isinstance(check, WindowCheck):
            windows.append(check)
    return hours, windows


def _zone(compiled: CompiledTemplate, draft: Draft | None) -> tzinfo:
    """The zone the checks judge in (as ``validate`` picks it)."""
    zone = load_zone(draft.timezone) if draft is not None and draft.timezone else None
    return zone or compiled.zone


def has_time_rules(compiled: CompiledTemplate, draft: Draft | None = None) -> bool:
    """Whether hours, days or a window of error severity limit when this post may go out."""
    hours, windows = _rules(compiled, draft)
    return bool(hours or windows)


def _allowed(moment: datetime, hours: list[HoursCheck], windows: list[WindowCheck],
             zone: tzinfo) -> bool:
    for window in windows:
        if (window.start is not None and moment < window.start) or (
                window.end is not None and moment >= window.end):
            return False
    if not hours:
        return True
    local = moment.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    return all(local.isoweekday() in rule.weekdays and rule.start <= clock < rule.end
               for rule in hours)


def allowed_at(compiled: CompiledTemplate, moment: datetime, *, draft: Draft | None = None
               ) -> bool:
    """Whether a publication at ``moment`` (aware) breaks none of the hours and window rules."""
    hours, windows = _rules(compiled, draft)
    return _allowed(moment, hours, windows, _zone(compiled, draft))


def _offset_changes(begin: datetime, limit: datetime, zone: tzinfo) -> Iterator[datetime]:
    """The instants, between ``begin`` and ``limit``, where the zone's offset changes."""
    low = begin.astimezone(UTC).replace(microsecond=0)
    while low < limit:
        high = low + _STEP
        if high.astimezone(zone).utcoffset() != low.astimezone(zone).utcoffset():
            before, after = low, high  # the offset is the one of ``low`` up to the change
            while after - before > timedelta(seconds=1):
                middle = before + (after - before) // 2
                middle = middle.replace(microsecond=0)
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    before = middle
                else:
                    after = middle
            yield after
        low = high


def _hour_starts(begin: datetime, limit: datetime, hours: list[HoursCheck], zone: tzinfo
                 ) -> Iterator[datetime]:
    """Each local day's opening instants of every hours rule (both, in an hour lived twice)."""
    first, last = begin.astimezone(zone).date(), limit.astimezone(zone).date()
    starts: set[time] = {rule.start for rule in hours}
    day = first - timedelta(days=1)
    while day <= last:
        for start in starts:
            # In UTC: within one zone, moments that differ only by ``fold`` compare equal.
            local = datetime.combine(day, start, tzinfo=zone)
            yield local.astimezone(UTC)
            yield local.replace(fold=1).astimezone(UTC)
        day += timedelta(days=1)


def next_allowed_moment(compiled: CompiledTemplate, after: datetime, *,
                        draft: Draft | None = None, horizon: timedelta = HORIZON
                        ) -> datetime | None:
    """The earliest moment from ``after`` on that every hours, days and window rule allows.

    ``after`` itself when it is allowed (or when no such rule applies); None when no moment
    is allowed any more (the window is over, or no allowed hour comes before it closes).
    The answer is in UTC: a local moment of the hour lived twice in autumn (``fold=1``)
    never compares equal to another zone's. ``draft`` gives the territory (its codes
    and zone); without it, rules limited to some territories do not count.
    """
    hours, windows = _rules(compiled, draft)
    zone = _zone(compiled, draft)
    try:
        moment = after if after.tzinfo is not None else after.replace(tzinfo=UTC)
        begin = max([moment, *(w.start for w in windows if w.start is not None)]).astimezone(UTC)
        limit = min([begin + horizon, *(w.end for w in windows if w.end is not None)])
        candidates = {begin, *_hour_starts(begin, limit, hours, zone),
                      *_offset_changes(begin, limit, zone)}
        for candidate in sorted(c for c in candidates if begin <= c < limit):
            if _allowed(candidate, hours, windows, zone):
                return candidate
    except OverflowError:  # around years 1 and 9999: no moment to offer
        return None
    return None
