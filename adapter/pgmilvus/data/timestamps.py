"""TIMESTAMPTZ values and the ``timezone`` property, as Milvus 2.6 handles them.

Milvus 2.6 keeps a TIMESTAMPTZ value as an instant (UTC microseconds) and
gives every collection a ``timezone`` property at create time (the database's
``timezone``, else ``UTC``; rootcoord's createCollectionTask.Prepare).  That
zone is used twice: a string without an offset is taken as a local time there
(pkg/util/timestamptz.ParseTimeTz), and query/search results render each value
in it (proxy's timestamptzUTC2IsoStr), unless the call names its own
``timezone``; ``time_fields`` gives the value's parts instead of the string
(proxy's extractFieldsFromResults).  pgmilvus stores the instant in a
``timestamptz`` column, so only these conversions live here, once, for the
in-process client and ``pgmilvus serve`` alike.  An input is parsed to Go's
``UnixMicro`` (an int), so years 0000..9999 in any zone are taken as Milvus
takes them; instants beyond Python's datetime are handled in instants.py.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Callable, Mapping, Optional
from zoneinfo import ZoneInfo

from ..errors import ErrorCode, MilvusException
from ..pg.instants import WideInstant, from_civil, from_datetime, go_year, shifted

TIMEZONE_KEY = "timezone"
DEFAULT_TIMEZONE = "UTC"
#: The parts ``time_fields`` may name (Milvus's common.Tsz*), each a reader of the local time.
TIME_PARTS: dict[str, Callable[[datetime], int]] = {
    "year": lambda t: t.year, "month": lambda t: t.month, "day": lambda t: t.day,
    "hour": lambda t: t.hour, "minute": lambda t: t.minute, "second": lambda t: t.second,
    "microsecond": lambda t: t.microsecond,
}
#: The UTC offsets Milvus accepts in a value, in seconds (timestamptz.validateOffset): -12:00 .. +14:00.
_MIN_OFFSET, _MAX_OFFSET = -12 * 3600, 14 * 3600
_MICROSECOND = timedelta(microseconds=1)
_UNIX_NAIVE = datetime(1970, 1, 1)
#: Go's layouts in ParseTimeTz: RFC 3339 with a T (offset "Z" or "+hh:mm"), or a space (offset "Z",
#: "+hh:mm" or "+hh"), or no offset at all (a local time); fractional seconds of any length.
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})([T ])(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
                  r"(Z|[+-]\d{2}:\d{2}|[+-]\d{2})?", re.ASCII)  # ASCII: Go's digits are 0-9 only


# -- the timezone property -------------------------------------------------------------------------

@functools.lru_cache(maxsize=64)
def zone(name: str) -> tzinfo:
    """The tzinfo of an IANA name (cached: reads look it up once per distinct name)."""
    return timezone.utc if name == DEFAULT_TIMEZONE else ZoneInfo(name)


def is_valid(name: Any) -> bool:
    """Go's ``time.LoadLocation`` succeeds (Milvus's IsTimezoneValid): a known IANA name, not ""."""
    if not isinstance(name, str) or not name:
        return False
    try:
        zone(name)
    except (KeyError, ValueError, OSError):  # unknown (ZoneInfoNotFoundError), malformed, unreadable
        return False
    return True


def check_timezone(name: Any, what: str = "timezone") -> str:
    """``name`` if it is an IANA time zone, else Milvus 2.6's 1100 (the text of its proxy and
    rootcoord), with what was being set and how to fix it."""
    if not is_valid(name):
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              f"unknown or invalid IANA Time Zone ID: {name}: invalid parameter ({what} "
                              f"{name!r}: use an IANA time zone name such as 'UTC' or 'Asia/Shanghai')")
    return str(name)


def check_properties(properties: Mapping[str, Any]) -> None:
    """A create/alter call's ``timezone`` property, if any, is a valid zone (Milvus 2.6 checks
    collections and databases alike)."""
    if TIMEZONE_KEY in properties:
        check_timezone(properties[TIMEZONE_KEY], "the timezone property")


def default_properties(properties: Mapping[str, Any], database_properties: Mapping[str, Any]) -> dict[str, Any]:
    """A new collection's properties: ``timezone`` added (the database's, else UTC) unless given,
    as Milvus 2.6's rootcoord does."""
    if TIMEZONE_KEY in properties:
        return dict(properties)
    return {**properties, TIMEZONE_KEY: database_properties.get(TIMEZONE_KEY) or DEFAULT_TIMEZONE}


def collection_timezone(properties: Mapping[str, Any]) -> str:
    """The zone a collection's values are read and written in (Milvus's getColTimezone: UTC when
    the property is missing, e.g. on collections created before pgmilvus set it)."""
    return str(properties.get(TIMEZONE_KEY) or DEFAULT_TIMEZONE)


def read_timezone(properties: Mapping[str, Any], requested: Any) -> str:
    """The zone of a read: the call's ``timezone`` (checked) if given, else the collection's."""
    if requested is None or requested == "":
        return collection_timezone(properties)
    return check_timezone(requested, "the timezone argument")


#: How a read returns TIMESTAMPTZ values: (zone name, time_fields or None); part of plan cache keys.
Rendering = tuple[str, Optional[tuple[str, ...]]]


def rendering(properties: Mapping[str, Any], requested_timezone: Any = None,
              requested_fields: Any = None) -> Rendering:
    """A read's (zone, time_fields) from the collection's properties and the call's arguments."""
    return read_timezone(properties, requested_timezone), time_fields(requested_fields)


def time_fields(value: Any) -> Optional[tuple[str, ...]]:
    """A read's ``time_fields`` ("year, month" ...) as names, split on commas and spaces like
    Milvus's proxy; None when not asked (or empty: Milvus's query then renders strings)."""
    if value is None:
        return None
    names = tuple(p for p in re.split(r"[, ]", str(value)) if p)
    return names or None


# -- values out ----------------------------------------------------------------------------------

def render(value: "datetime | WideInstant", tz: tzinfo) -> str:
    """``value`` in ``tz`` as Milvus 2.6 prints it (FormatTimeMicroWithoutTrailingZeros):
    RFC 3339, no trailing zeros in the fraction, ``Z`` for a zero offset, seconds of an
    offset dropped (Go's layout has none), years as Go prints them (``-0001``, ``10000``)."""
    try:
        local, years = value.astimezone(tz), 0  # psycopg's datetime, within Python's years: nearly always
    except (OverflowError, AttributeError):      # beyond them, or a WideInstant
        local, years = local_time(value, tz)
    text = local.isoformat()  # C; "YYYY-MM-DDTHH:MM:SS[.ffffff]+HH:MM[:SS]", years 4 digits (not strftime's %Y)
    if local.microsecond:
        head, offset = text[:26].rstrip("0"), text[26:]
    else:
        head, offset = text[:19], text[19:]
    if years:
        head = go_year(local.year + years) + head[4:]
    return head + ("Z" if offset == "+00:00" else offset[:6])


def local_time(value: "datetime | WideInstant", tz: tzinfo) -> tuple[datetime, int]:
    """``value`` in ``tz``, and the years to add to its year: a local time beyond years 1..9999
    (9999-12-31T23:00:00Z in +08:00 is Go's ``10000-01-01T07:00:00+08:00``; a WideInstant, read
    from a value of year 0) is taken whole 400-year cycles nearer (instants.shifted)."""
    if isinstance(value, datetime):
        try:
            return value.astimezone(tz), 0
        except OverflowError:
            return shifted(from_datetime(value), tz)
    return shifted(value, tz)


#: What a read gives for a stored TIMESTAMPTZ: psycopg's datetime, or a WideInstant beyond its years.
_INSTANTS = (datetime, WideInstant)


@functools.lru_cache(maxsize=64)
def decoder(timezone_name: str, parts: Optional[tuple[str, ...]] = None) -> Callable[[Any], Any]:
    """The stored value -> what a read returns: the string in ``timezone_name``, or with ``parts``
    the list of those parts of the local time (Milvus turns the column into an Int64 array).
    Cached, so a plan built twice holds the same function."""
    tz = zone(timezone_name)
    if parts is None:
        return lambda value: render(value, tz) if isinstance(value, _INSTANTS) else value
    readers = [(_part_reader(p), p.lower() == "year") for p in parts]

    def extract(value: Any) -> Any:
        local, years = local_time(value, tz)
        return [read(local) + years if year else read(local) for read, year in readers]
    return extract


def _part_reader(name: str) -> Callable[[datetime], int]:
    """One ``time_fields`` part; an unknown one fails when a value is read, as in Milvus (a read
    without TIMESTAMPTZ values never checks the names)."""
    reader = TIME_PARTS.get(name.lower())
    if reader is not None:
        return reader

    def unknown(_: datetime) -> int:
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              f"unsupported field for extraction: {name}, fields should be seprated by ',' or "
                              f"' ': invalid parameter (time_fields {name!r}: use {', '.join(TIME_PARTS)})")
    return unknown


# -- values in -----------------------------------------------------------------------------------

def parse(text: str, timezone_name: str) -> Optional[int]:
    """An input string as Milvus keeps it (Go's UnixMicro: microseconds since the Unix epoch, any
    year 0000..9999 in any zone), or None when Milvus's ParseTimeTz refuses it: not one of its
    layouts, a date or time out of range, or an offset outside -12:00 .. +14:00.  A string without
    an offset is a local time in ``timezone_name``."""
    parsed = _parse(text, timezone_name)
    return None if isinstance(parsed, str) else parsed


def parse_problem(text: str) -> str:
    """Why :func:`parse` refused ``text``, in Milvus 2.6's words (ParseTimeTz / validateOffset)."""
    problem = _parse(text, DEFAULT_TIMEZONE)
    return problem if isinstance(problem, str) else ""


def _parse(text: str, timezone_name: str) -> "int | str":
    """:func:`parse`, with Milvus's message instead of None."""
    match = _ISO.fullmatch(text)
    if match is None:
        return _invalid(text)
    sep, fraction, offset = match.group(4, 8, 9)
    if offset is not None and sep == "T" and offset != "Z" and ":" not in offset:
        return _invalid(text)  # RFC 3339 wants "+hh:mm"; Go's short "+hh" layout has a space
    try:
        local = _local(text, match, timezone_name if offset is None else DEFAULT_TIMEZONE)
    except ValueError:
        return _invalid(text)  # Feb 30, hour 24 ...: no layout matches
    if fraction:
        local += int(fraction[:6].ljust(6, "0"))
    if offset is None or offset == "Z":
        return local
    shift = _offset_micros(offset)
    if isinstance(shift, str):
        return shift or _invalid(text)
    return local - shift


def _local(text: str, match: re.Match, timezone_name: str) -> int:
    """The date and time of a matched input (its fraction left out) as a local time of
    ``timezone_name``, in microseconds since the Unix epoch: datetime's C parser for years 1..9999,
    instants.from_civil for year 0.  ValueError for a date or time that does not exist."""
    tz = zone(timezone_name)
    if text[11:13] < "24":  # (should a fromisoformat read 24:00 as the next day: Go refuses it)
        try:
            naive = datetime.fromisoformat(text[:19])  # "YYYY-MM-DD[T ]HH:MM:SS", digits checked by _ISO
        except ValueError:
            pass  # year 0, or no such date (from_civil says so again)
        else:
            # tz.utcoffset(naive): what the aware local time would say, at a tenth of the cost
            return (naive - _UNIX_NAIVE - tz.utcoffset(naive)) // _MICROSECOND
    year, month, day, hour, minute, second = (int(part) for part in match.group(1, 2, 3, 5, 6, 7))
    return from_civil(year, month, day, hour, minute, second, 0, tz)


@functools.lru_cache(maxsize=256)
def _offset_micros(offset: str) -> "int | str":
    """An explicit offset (``+08:00``, ``-05``) in microseconds, or Milvus's message when it is out
    of -12:00 .. +14:00 ("" when Go's layouts do not take it at all).  Cached: a batch has few."""
    sign = -1 if offset[0] == "-" else 1
    hours, minutes = int(offset[1:3]), int(offset[4:6] or 0)
    if hours > 24 or minutes > 60:  # Go's Parse takes up to 24 and 60 ("some people do write" them)
        return ""  # Go: "time zone offset hour out of range", then no layout matches
    seconds = sign * (hours * 3600 + minutes * 60)
    if not _MIN_OFFSET <= seconds <= _MAX_OFFSET:
        return (f"UTC offset hour {int(seconds / 3600)} is out of the valid range "  # Go's int division truncates
                f"[{_MIN_OFFSET // 3600}, {_MAX_OFFSET // 3600}]")
    return seconds * 1_000_000


def _invalid(text: str) -> str:
    return f"invalid timestamp string: '{text}'. Does not match any known format"


#: Milvus 2.6's ISO 8601 durations (planparserv2.parseISODuration): ``P[nY][nM][nD][T[nH][nM][nS]]``,
#: whole numbers only, every part optional (``P`` and ``PT`` are zero).
_DURATION = re.compile(r"P(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)D)?(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+)S)?)?")
_DURATION_UNITS = ("year", "month", "day", "hour", "minute", "second")
_INT64_MAX = 2**63 - 1


def parse_duration(text: str) -> "tuple[int, int, int, int, int, int] | str":
    """An INTERVAL's (years, months, days, hours, minutes, seconds), or Milvus 2.6's message."""
    match = _DURATION.fullmatch(text)
    if match is None:
        return f"invalid ISO 8601 duration: {text}"
    parts = []
    for unit, digits in zip(_DURATION_UNITS, match.groups()):
        value = int(digits) if digits else 0
        if value > _INT64_MAX:
            return (f"invalid {unit} value '{digits}' in duration: strconv.ParseInt: parsing "
                    f"\"{digits}\": value out of range")
        parts.append(value)
    return tuple(parts)  # type: ignore[return-value]
