"""Checks on what surrounds the text: media, geography, publication time."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from editorial.checks.base import Context, RuleMeta, TemplateFacts, rule_type
from editorial.errors import N_
from editorial.model import ParamValue, Violation
from editorial.params import ParamReader

_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True, slots=True)
class MediaCountCheck:
    """Between ``minimum`` and ``maximum`` media attached."""

    meta: RuleMeta
    minimum: int | None
    maximum: int | None

    def run(self, context: Context) -> Iterator[Violation]:
        """Report too few or too many media."""
        count = len(context.draft.media)
        if self.minimum is not None and count < self.minimum:
            yield self.meta.violation("media.too_few", None, {"min": self.minimum, "count": count})
        if self.maximum is not None and count > self.maximum:
            yield self.meta.violation("media.too_many", None, {"max": self.maximum, "count": count})


@rule_type("media.count")
def parse_media_count(
    reader: ParamReader, meta: RuleMeta, facts: TemplateFacts
) -> MediaCountCheck | None:
    """``{"min": int?, "max": int?}``: how many images; ``{"min": 1}`` requires one."""
    minimum, maximum = reader.integer("min"), reader.integer("max")
    if minimum is None and maximum is None:
        reader.problem("", "param.required", N_("give 'min', 'max' or both"))
    if not reader.contradiction("min", minimum, maximum):
        return None
    return MediaCountCheck(meta, minimum, maximum)


@dataclass(frozen=True, slots=True)
class AltTextCheck:
    """Every medium has an alternative text of at least ``min_length`` characters."""

    meta: RuleMeta
    min_length: int

    def run(self, context: Context) -> Iterator[Violation]:
        """Report each medium without a (long enough) alternative text."""
        for index, medium in enumerate(context.draft.media):
            if len(medium.alt.strip()) < self.min_length:
                params = {"index": index, "url": medium.url, "min_length": self.min_length}
                yield self.meta.violation("media.alt_missing", None, params)


@rule_type("media.alt_text")
def parse_alt_text(reader: ParamReader, meta: RuleMeta, facts: TemplateFacts) -> AltTextCheck:
    """``{"min_length": int?}``: alternative text required on every medium."""
    return AltTextCheck(meta, reader.integer("min_length", minimum=1) or 1)


@dataclass(frozen=True, slots=True)
class GeotagCheck:
    """The post is geotagged; with ``inside``, the geo layer found it inside the territory."""

    meta: RuleMeta
    inside: bool

    def run(self, context: Context) -> Iterator[Violation]:
        """Report a missing geotag, or a place outside the author's territory."""
        draft = context.draft
        if not self.inside and not draft.geotagged:
            yield self.meta.violation("geo.geotag_missing")
        if self.inside and draft.geotagged and draft.inside_territory is False:
            yield self.meta.violation("geo.outside_territory")


@rule_type("geo.geotag_required")
def parse_geotag(reader: ParamReader, meta: RuleMeta, facts: TemplateFacts) -> GeotagCheck:
    """``{}``: the post must carry a place."""
    return GeotagCheck(meta, inside=False)


@rule_type("geo.inside_territory")
def parse_inside(reader: ParamReader, meta: RuleMeta, facts: TemplateFacts) -> GeotagCheck:
    """``{}``: a geotagged post must be placed inside its author's territory."""
    return GeotagCheck(meta, inside=True)


@dataclass(frozen=True, slots=True)
class RadiusCheck:
    """The audience radius (km) lies within limits; ``required`` when it must be set."""

    meta: RuleMeta
    minimum: float | None
    maximum: float | None
    required: bool

    def run(self, context: Context) -> Iterator[Violation]:
        """Report a radius missing, too small or too large."""
        radius = context.draft.audience_radius_km
        if radius is None:
            if self.required:
                yield self.meta.violation("geo.radius_missing")
            return
        if self.minimum is not None and radius < self.minimum:
            yield self.meta.violation(
                "geo.radius_too_small", None, {"min_km": self.minimum, "radius_km": radius}
            )
        if self.maximum is not None and radius > self.maximum:
            yield self.meta.violation(
                "geo.radius_too_large", None, {"max_km": self.maximum, "radius_km": radius}
            )


@rule_type("geo.radius")
def parse_radius(reader: ParamReader, meta: RuleMeta, facts: TemplateFacts) -> RadiusCheck | None:
    """``{"min_km": number?, "max_km": number?, "required": bool?}``: audience radius."""
    minimum, maximum = reader.number("min_km"), reader.number("max_km")
    required = reader.boolean("required")
    if not reader.contradiction("min_km", minimum, maximum):
        return None
    return RadiusCheck(meta, minimum, maximum, required)


def publication_moment(context: Context) -> datetime:
    """When the post goes out: the wished time (local time of the territory if naive), or now.

    A post without a date goes out when the desk approves it, at a moment not known yet: now
    is its earliest. Checks judge such a post only where every moment from now on would break
    the rule (a window already closed); see ``dated``.
    """
    wished = context.draft.publish_at
    if wished is None:
        return context.now
    return wished if wished.tzinfo is not None else wished.replace(tzinfo=context.zone)


def dated(context: Context) -> bool:
    """Whether the post has a publication date: a moment the time checks can judge."""
    return context.draft.publish_at is not None


@dataclass(frozen=True, slots=True)
class WindowCheck:
    """Publication happens between ``start`` and ``end`` (both optional, ``end`` excluded)."""

    meta: RuleMeta
    start: datetime | None
    end: datetime | None

    def run(self, context: Context) -> Iterator[Violation]:
        """Report a publication before the window opens or after it closes."""
        moment = publication_moment(context)
        zone = {"timezone": str(context.zone)}  # messages show the moments in this zone
        # Undated, the post goes out at its approval, later than now: it may still open the
        # window, but can never be back in a window already closed.
        if self.start is not None and moment < self.start and dated(context):
            params = {"start": self.start.isoformat(), "publish_at": moment.isoformat()} | zone
            yield self.meta.violation("time.before_window", None, params)
        if self.end is not None and moment >= self.end:
            params = {"end": self.end.isoformat(), "publish_at": moment.isoformat()} | zone
            yield self.meta.violation("time.after_window", None, params)


@rule_type("time.window")
def parse_window(reader: ParamReader, meta: RuleMeta, facts: TemplateFacts) -> WindowCheck | None:
    """``{"start": iso?, "end": iso?}``: ISO 8601 date-times with offsets."""
    start, end = reader.moment("start"), reader.moment("end")
    if start is not None and end is not None and start >= end:
        reader.problem("start", "param.contradictory", N_("the window starts after it ends"))
        return None
    return WindowCheck(meta, start, end)


@dataclass(frozen=True, slots=True)
class HoursCheck:
    """Publication happens between two local times, on given ISO weekdays (1 = Monday)."""

    meta: RuleMeta
    start: time
    end: time
    weekdays: frozenset[int]

    def run(self, context: Context) -> Iterator[Violation]:
        """Report a publication on a day or at an hour not allowed, in the territory's zone.

        A post without a date is not judged: it goes out when the desk approves it.
        """
        if not dated(context):
            return
        moment = publication_moment(context)
        try:
            local = moment.astimezone(context.zone)
        except OverflowError:  # year 1 or 9999: no local time to compute, keep the wall time
            local = moment
        zone = str(context.zone)
        if local.isoweekday() not in self.weekdays:
            params = {"weekday": local.isoweekday(), "weekdays": sorted(self.weekdays),
                      "timezone": zone}
            yield self.meta.violation("time.outside_days", None, params)
        clock = local.time().replace(tzinfo=None)
        if not self.start <= clock < self.end:
            params = {
                "start": self.start.strftime("%H:%M"),
                "end": self.end.strftime("%H:%M"),
                "local_time": local.strftime("%H:%M"),
                "timezone": zone,
            }
            yield self.meta.violation("time.outside_hours", None, params)


@rule_type("time.hours")
def parse_hours(reader: ParamReader, meta: RuleMeta, facts: TemplateFacts) -> HoursCheck | None:
    """``{"start": "HH:MM", "end": "HH:MM", "weekdays": [1..7]?}``: local publishing hours."""
    start, end = _clock(reader, "start"), _clock(reader, "end")
    days = _weekdays(reader)
    if start is None or end is None:
        return None
    if start >= end:
        reader.problem("start", "param.contradictory", N_("'start' must be before 'end'"))
        return None
    return HoursCheck(meta, start, end, days)


def _clock(reader: ParamReader, key: str) -> time | None:
    text = reader.string(key, required=True)
    match = _CLOCK.fullmatch(text) if text else None
    if text is not None and match is None:
        reader.problem(key, "param.not_time", N_("'{key}' must be a time like 08:30", key=key))
    return time(int(match.group(1)), int(match.group(2))) if match else None


def _weekdays(reader: ParamReader) -> frozenset[int]:
    value = reader.raw("weekdays")
    if value is None:
        return frozenset(range(1, 8))
    if not isinstance(value, list) or not value or not all(
        isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in value
    ):
        reader.problem("weekdays", "param.bad_weekdays", N_("weekdays are numbers 1 (Mon) to 7"))
        return frozenset(range(1, 8))
    return frozenset(value)


@dataclass(frozen=True, slots=True)
class LeadTimeCheck:
    """Publication is at least ``minutes`` after now."""

    meta: RuleMeta
    minutes: int

    def run(self, context: Context) -> Iterator[Violation]:
        """Report a publication in the past, or too soon.

        A post without a date is not judged: it goes out when the desk approves it, so the
        desk has all the notice it takes.
        """
        if not dated(context):
            return
        moment = publication_moment(context)
        lead = moment - context.now
        params: dict[str, ParamValue] = {"min_minutes": self.minutes}
        if lead < timedelta(0):
            params |= {"publish_at": moment.isoformat(), "timezone": str(context.zone)}
            yield self.meta.violation("time.in_past", None, params)
        elif lead < timedelta(minutes=self.minutes):
            params["lead_minutes"] = int(lead.total_seconds() // 60)
            yield self.meta.violation("time.lead_too_short", None, params)


@rule_type("time.lead")
def parse_lead(reader: ParamReader, meta: RuleMeta, facts: TemplateFacts) -> LeadTimeCheck | None:
    """``{"min_minutes": int}``: minimum time between now and publication."""
    minutes = reader.integer("min_minutes", required=True)
    return None if minutes is None else LeadTimeCheck(meta, minutes)
