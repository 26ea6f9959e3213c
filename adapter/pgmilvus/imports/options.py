"""A job's options, parsed as Milvus parses them (internal/util/importutilv2/option.go), with its texts.

``timeout`` is a Go duration (the job fails "import timeout" past it, an Uncommitted job too);
``auto_commit`` anything but ``false`` (any case) commits the job's rows at once, ``false`` stops the
job Uncommitted until it is committed (commit.py); ``backup`` and ``l0_import`` restore a Milvus
backup's binlogs, which pgmilvus cannot read: they are refused, after the checks Milvus makes
before it would read the binlogs (the backup's partition, its time range and storage version), so
a request Milvus refuses is refused with Milvus's text.  The REST face refuses an ``auto_commit``
that is neither true nor false when it binds the request (rest/binding.py), as Milvus's does;
other faces take Milvus's default (true).
"""

from __future__ import annotations

import re
from typing import Mapping, Optional

from ..errors import ErrorCode, MilvusException, import_failed

AUTO_COMMIT = "auto_commit"
_GO_DURATION = re.compile(r"[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)")
_GO_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
#: Go's longest time.Duration, in seconds (ParseDuration refuses a longer one as invalid).
_MAX_DURATION = (2**63 - 1) / 1e9
#: The physical part of a valid hybrid timestamp, in ms since the epoch (tsoutil.IsValidPhysicalTs).
_PHYSICAL = (1546300800000, 253402300799000)
_UNSUPPORTED = ("the import option {flag}=true ({what}) is not supported by pgmilvus: import row files "
                "(Parquet, JSON, numpy, CSV), or copy a Milvus collection with pgmilvus migrate")


def flag(options: Mapping[str, str], key: str) -> bool:
    """IsBackup / IsL0Import: the option is ``true``, any case."""
    return options.get(key, "").lower() == "true"


def restoring(options: Mapping[str, str]) -> bool:
    """A backup restore or an L0 import: binlog folders, no row files (the proxy skips their checks)."""
    return flag(options, "backup") or flag(options, "l0_import")


def auto_commit(options: Mapping[str, str]) -> bool:
    """IsAutoCommit: true unless the option says ``false`` (any case)."""
    return options.get(AUTO_COMMIT, "").lower() != "false"


def timeout(options: Mapping[str, str]) -> Optional[float]:
    """The ``timeout`` option in seconds (GetTimeoutTs), None without one."""
    if "timeout" not in options:
        return None
    text = options["timeout"]
    seconds = None
    if _GO_DURATION.fullmatch(text):
        seconds = sum(float(n) * _GO_UNITS[u] for n, u in _GO_PART.findall(text))
    if seconds is None or seconds > _MAX_DURATION:
        raise import_failed(f'parse timeout failed: time: invalid duration "{text}"')
    return -seconds if text.startswith("-") else seconds


def refuse_restore(options: Mapping[str, str]) -> None:
    """A backup restore (its time range and storage version checked first: ParseTimeRange,
    GetStorageVersion) or an L0 import: not something pgmilvus does."""
    if flag(options, "backup"):
        start = _timestamp(options, 0, "start_ts", "startTs")
        end = _timestamp(options, 2**64 - 1, "end_ts", "endTs")
        if start > end:
            raise import_failed(f"start_ts shouldn't be larger than end_ts, start_ts:{start}, end_ts:{end}")
        if "storage_version" in options:
            text = options["storage_version"]
            try:
                go_int(text)
            except ValueError as exc:
                raise import_failed(f"parse storage_version failed, value={text}, err={exc}") from None
        what = "restoring Milvus backups (binlog files)"
        raise MilvusException(ErrorCode.UNSUPPORTED, _UNSUPPORTED.format(flag="backup", what=what))
    if flag(options, "l0_import"):
        what = "importing deletions (L0 segments)"
        raise MilvusException(ErrorCode.UNSUPPORTED, _UNSUPPORTED.format(flag="l0_import", what=what))


def _timestamp(options: Mapping[str, str], default: int, *keys: str) -> int:
    """The first of ``keys`` an option names (any case), as a hybrid timestamp."""
    for key in keys:
        for name, text in options.items():
            if name.lower() == key.lower():
                try:
                    value = go_int(text, unsigned=True)
                except ValueError as exc:
                    raise import_failed(f"parse {key} failed, value={text}, err={exc}") from None
                if not _PHYSICAL[0] <= value >> 18 <= _PHYSICAL[1]:
                    raise import_failed(f"{key} is not a valid hybrid timestamp, value={text}")
                return value
    return default


def go_int(text: str, unsigned: bool = False) -> int:
    """strconv.ParseInt(text, 10, 64) (ParseUint when ``unsigned``): the value, or ValueError with Go's text."""
    name = "ParseUint" if unsigned else "ParseInt"
    if not re.fullmatch(r"[0-9]+" if unsigned else r"[+-]?[0-9]+", text):
        raise ValueError(f'strconv.{name}: parsing "{text}": invalid syntax')
    value = int(text)
    low, high = (0, 2**64 - 1) if unsigned else (-(2**63), 2**63 - 1)
    if not low <= value <= high:
        raise ValueError(f'strconv.{name}: parsing "{text}": value out of range')
    return value
