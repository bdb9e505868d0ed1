"""The query parameters of the OGC API – Features requests, checked as the standard says.

An unknown parameter or an invalid value is a 400 (OGC API – Features, /req/core/query-param-
unknown and /req/core/query-param-invalid), in the project's one error shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta

from editorial.errors import N_, Text
from geodata.layers import CRS84, Layer
from geodata.ogc_queries import DEFAULT_LIMIT, MAX_LIMIT, BBox, FeatureQuery
from service.errors import RequestError

FORMATS = ("json", "geojson")
ITEMS_PARAMETERS = frozenset({"f", "limit", "offset", "bbox", "bbox-crs", "datetime", "crs"})
OPEN = ("", "..")


class InvalidParameter(RequestError):
    """A query parameter the OGC API does not know, or a value it cannot use: 400."""

    def __init__(self, name: str, text: Text) -> None:
        super().__init__("request.invalid", str(text), errors={name: [text]})


def check_parameters(args: Mapping[str, str], known: Iterable[str] = ("f",)) -> None:
    """Refuse unknown parameters and any format but JSON."""
    allowed = set(known)
    for name in args:
        if name not in allowed:
            raise InvalidParameter(name, N_("Unknown parameter {name}.", name=name))
    if args.get("f", "json") not in FORMATS:
        raise InvalidParameter("f", N_("Only JSON is served here: use f=json."))


def _integer(args: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise InvalidParameter(name, N_("Must be a whole number of at least {minimum}.",
                                        minimum=minimum))
    return value


def _bbox(raw: str) -> BBox:
    try:
        numbers = [float(part) for part in raw.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) == 6:  # with heights: minimum and maximum elevations are dropped
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    valid = (len(numbers) == 4 and all(-180 <= n <= 180 for n in numbers[::2])
             and -90 <= numbers[1] <= numbers[3] <= 90)
    if not valid:
        raise InvalidParameter("bbox", N_("Give west,south,east,north in degrees (WGS 84)."))
    return numbers[0], numbers[1], numbers[2], numbers[3]


def _moment(text: str, *, end: bool) -> datetime:
    """An RFC 3339 date-time; a bare date stands for the whole day."""
    if "T" not in text.upper() and len(text) == 10:
        day = date.fromisoformat(text)
        moment = datetime.combine(day, time.min, tzinfo=UTC)
        return moment + timedelta(days=1, microseconds=-1) if end else moment
    moment = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _interval(raw: str) -> tuple[datetime | None, datetime | None]:
    try:
        if "/" not in raw:
            return _moment(raw, end=False), _moment(raw, end=True)
        first, _, last = raw.partition("/")
        if first in OPEN and last in OPEN:
            raise ValueError(raw)
        start = None if first in OPEN else _moment(first, end=False)
        end = None if last in OPEN else _moment(last, end=True)
    except ValueError:
        raise InvalidParameter("datetime", N_(
            "Give a date-time (RFC 3339) or an interval such as 2026-01-01T00:00:00Z/.."
        )) from None
    if start is not None and end is not None and start > end:
        raise InvalidParameter("datetime", N_("The interval ends before it starts."))
    return start, end


def _reference_system(args: Mapping[str, str], name: str) -> None:
    if args.get(name, CRS84) != CRS84:
        raise InvalidParameter(name, N_("Only {crs} is supported.", crs=CRS84))


def feature_query(args: Mapping[str, str], layer: Layer) -> FeatureQuery:
    """The filters and page that the items request asks for."""
    check_parameters(args, ITEMS_PARAMETERS)
    _reference_system(args, "bbox-crs")
    _reference_system(args, "crs")
    start = end = None
    if "datetime" in args:
        if layer.temporal is None:
            raise InvalidParameter("datetime", N_("This collection has no time to filter on."))
        start, end = _interval(args["datetime"])
    return FeatureQuery(
        bbox=_bbox(args["bbox"]) if "bbox" in args else None, start=start, end=end,
        # Beyond the maximum, the page is the maximum (the standard allows the server this).
        limit=min(_integer(args, "limit", DEFAULT_LIMIT, 1), MAX_LIMIT),
        offset=_integer(args, "offset", 0, 0),
    )
