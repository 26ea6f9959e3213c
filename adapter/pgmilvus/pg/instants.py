"""TIMESTAMPTZ instants across the whole range Milvus takes, beyond Python's datetime.

Milvus parses and prints TIMESTAMPTZ values with Go's time package, whose
layouts take any year 0000..9999 in any zone: ``0000-01-01 00:00:00`` in
Asia/Shanghai is ``-0001-12-31T15:54:17Z``, ``9999-12-31T23:59:59-05:00`` is
``10000-01-01T04:59:59Z``.  Python's datetime holds years 1..9999 only, and
psycopg's timestamptz loaders stop there too (PostgreSQL itself holds 4713 BC
to 294276 AD).  So pgmilvus keeps an instant as Go's ``UnixMicro`` (an int:
microseconds since 1970-01-01T00:00:00Z, what Milvus stores) wherever a value
can leave Python's range, and moves it by whole 400-year Gregorian cycles when
it needs a datetime's calendar: leap years and weekdays repeat exactly, and a
zone's rules that far out are its first rule (LMT) before its first transition
and its POSIX rule after the last.

Reads keep psycopg's loaders (C, fast) for every value they can load; only a
value they refuse becomes a :class:`WideInstant` here (``register``).
"""

from __future__ import annotations

import re
import struct
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from psycopg import DataError
from psycopg.adapt import Loader
from psycopg.pq import Format

#: timestamptz's type oid (a built-in type: the same on every server).
TIMESTAMPTZ_OID = 1184
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_UNIX_NAIVE = datetime(1970, 1, 1)
_MICRO = timedelta(microseconds=1)
#: 400 Gregorian years (146097 days): the calendar, and the zones' rules far out, repeat.
CYCLE_YEARS = 400
_CYCLE_MICROS = 146097 * 86_400_000_000
#: PostgreSQL's binary timestamptz: int64 microseconds since 2000-01-01T00:00:00Z.
_PG_EPOCH_MICROS = 946_684_800_000_000
_INT8 = struct.Struct(">q")
_PG_INFINITY = (2**63 - 1, -(2**63))


class WideInstant(int):
    """A stored TIMESTAMPTZ value psycopg could not load as a datetime (a UTC year before 1 or
    after 9999): microseconds since the Unix epoch, as a read carries it to the decoder."""


def from_datetime(value: datetime) -> int:
    """An aware datetime's microseconds since the Unix epoch; never overflows (the difference of
    two aware datetimes is taken on their ordinals, whatever their UTC years)."""
    return (value - UNIX_EPOCH) // _MICRO


def from_civil(year: int, month: int, day: int, hour: int, minute: int, second: int, micro: int,
               zone: tzinfo) -> int:
    """Microseconds since the Unix epoch of a local time in ``zone`` of any year Go takes
    (0000..9999: year 0 is reckoned 400 years on, where a zone's rule is the same LMT).
    ValueError for a date or time that does not exist (Feb 30, hour 24)."""
    cycles = 0 if year > 0 else (CYCLE_YEARS - year) // CYCLE_YEARS
    local = datetime(year + cycles * CYCLE_YEARS, month, day, hour, minute, second, micro, zone)
    return from_datetime(local) - cycles * _CYCLE_MICROS


def shifted(micros: int, zone: tzinfo = timezone.utc) -> tuple[datetime, int]:
    """``micros`` as a local time of ``zone``, and the years to add to its year: moved by whole
    cycles into Python's years when it is beyond them (``-0001-12-31T15:54:17Z`` is taken as
    ``0399-12-31T15:54:17Z`` and 400 years back)."""
    try:
        return (UNIX_EPOCH + timedelta(microseconds=micros)).astimezone(zone), 0
    except OverflowError:
        cycles = 1 if micros < 0 else -1
        moved = UNIX_EPOCH + timedelta(microseconds=micros + cycles * _CYCLE_MICROS)
        return moved.astimezone(zone), -CYCLE_YEARS * cycles


def go_year(year: int) -> str:
    """A year as Go's layouts print it: four digits at least, a ``-`` before a negative one."""
    return f"{year:04d}" if year >= 0 else f"-{-year:04d}"


def pg_binary(micros: int) -> bytes:
    """PostgreSQL's binary ``timestamptz`` of an instant (int64 microseconds since 2000)."""
    return _INT8.pack(micros - _PG_EPOCH_MICROS)


def pg_text(micros: int) -> str:
    """An instant as PostgreSQL reads a timestamptz, in UTC: ``2024-12-31 22:00:00+00:00``, a year
    before 1 as ``0001-12-31 15:54:17+00:00 BC`` (1 BC is Go's year 0), past 9999 as five digits."""
    utc, years = shifted(micros)
    year = utc.year + years
    shown = 1 - year if year <= 0 else year
    text = f"{shown:04d}-{utc.month:02d}-{utc.day:02d} {utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return text + "+00:00" + (" BC" if year <= 0 else "")


# -- reading the values psycopg refuses ----------------------------------------------------------

class _Fallback(Loader):
    """psycopg's own timestamptz loader (``inner``, set per registration) for every value it
    loads; a value it refuses (beyond Python's years) as a WideInstant."""

    inner: type = Loader

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        self._load = self.inner(oid, context).load

    def load(self, data: Any) -> Any:
        try:
            return self._load(data)
        except DataError:
            wide = self.wide(data)
            if wide is None:
                raise
            return wide

    def wide(self, data: Any) -> "WideInstant | None":
        raise NotImplementedError


class _BinaryFallback(_Fallback):
    format = Format.BINARY

    def wide(self, data: Any) -> "WideInstant | None":
        since_2000 = _INT8.unpack(bytes(data))[0]
        return None if since_2000 in _PG_INFINITY else WideInstant(since_2000 + _PG_EPOCH_MICROS)


#: PostgreSQL's text output with DateStyle ISO: ``0001-12-31 15:54:17.5+08:05:43 BC``.
_PG_TEXT = re.compile(r"(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?([+-])(\d\d)(?::(\d\d))?"
                      r"(?::(\d\d))?( BC)?", re.ASCII)


class _TextFallback(_Fallback):
    format = Format.TEXT

    def wide(self, data: Any) -> "WideInstant | None":
        match = _PG_TEXT.fullmatch(bytes(data).decode("ascii", "replace"))
        if match is None:
            return None
        year, month, day, hour, minute, second, fraction, sign, oh, om, os_, bc = match.groups()
        offset = int(oh) * 3600 + int(om or 0) * 60 + int(os_ or 0)
        zone = timezone(timedelta(seconds=offset if sign == "+" else -offset))
        astronomical = 1 - int(year) if bc else int(year)
        cycles = max(0, (int(year) - 9999 + CYCLE_YEARS - 1) // CYCLE_YEARS)  # past 9999: cycles back
        try:
            micros = from_civil(astronomical - cycles * CYCLE_YEARS, int(month), int(day), int(hour), int(minute),
                                int(second), int((fraction or "0").ljust(6, "0")), zone)
        except ValueError:
            return None
        return WideInstant(micros + cycles * _CYCLE_MICROS)


def register(adapters: Any) -> None:
    """Let a connection's adapters map load every timestamptz (once per map): psycopg's loaders
    wrapped, so values within Python's years stay datetimes at psycopg's speed."""
    for fallback in (_BinaryFallback, _TextFallback):
        current = adapters.get_loader(TIMESTAMPTZ_OID, fallback.format)
        if current is None or issubclass(current, _Fallback):
            continue
        adapters.register_loader(TIMESTAMPTZ_OID, type(fallback.__name__, (fallback,), {"inner": current}))
