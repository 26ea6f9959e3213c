"""``optimize()`` (pymilvus 3, a preview in Milvus): wait for the indexes, force-merge the segments,
wait for the merge and the rebuilt indexes, refresh the load.

pymilvus composes it client-side from other calls, run in a thread (``wait=False`` returns the
task to poll).  In process every one of those steps already returns when it is done (flush
seals and builds, compact merges), so the call does them in order and a ``wait=False`` caller
gets a task that is already finished: ``done()`` is True, ``result()`` answers at once, and
``cancel()`` says it was too late, as pymilvus's does for a finished task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, Optional

from ..errors import ParamError

_MB = 1024 ** 2
_MAX_MB = (1 << 63) - 1
_UNITS = {"b": 1, "kb": 1024, "mb": _MB, "gb": 1024 ** 3, "tb": 1024 ** 4, "pb": 1024 ** 5}


class ProgressStage(str, Enum):
    """pymilvus's stage names (progress() and the result's history)."""

    INITIALIZING = "initializing"
    WAITING_FOR_INDEXES = "waiting for indexes"
    COMPACTING = "compacting"
    WAITING_FOR_COMPACTION = "waiting for compaction"
    WAITING_FOR_INDEX_REBUILD = "waiting for index rebuild"
    REFRESHING_LOAD = "refreshing load"
    CANCELLED = "cancelled"


@dataclass
class OptimizeResult:
    status: str
    collection_name: str
    compaction_id: int
    target_size: Optional[str]
    progress: list[str] = field(default_factory=list)


def target_mb(target_size: Any) -> Optional[int]:
    """``target_size`` in MB as pymilvus reads it ('512MB', '1.5gb', a number of bytes), with its
    ParamError texts; None when not given (the server's default)."""
    if target_size is None:
        return None
    if not isinstance(target_size, (str, int, float)):
        raise ParamError(message=f"target_size must be a string or number, got {type(target_size).__name__}")
    if isinstance(target_size, str):
        found = re.match(r"^(\d+(?:\.\d+)?)\s*([a-z]*)$", target_size.strip().lower())
        if not found:
            raise ParamError(message=f"Invalid target_size format: '{target_size}'. Expected format: '1000', "
                                     "'1000MB', '1GB', '1.2gb', '1000B', '500KB', '2TB'")
        unit = found.group(2) or "b"
        if unit not in _UNITS:
            raise ParamError(message=f"Invalid unit: '{unit}'. Supported units: B, KB, MB, GB, TB, PB")
        number, scale = Decimal(found.group(1)), _UNITS[unit]
    else:
        number, scale = Decimal(int(target_size) if isinstance(target_size, bool) else str(target_size)), 1
    try:
        size = int((number * scale) // _MB)
    except (InvalidOperation, ValueError, OverflowError):
        raise ParamError(message=f"Invalid target_size value: {target_size}") from None
    if size <= 0:
        raise ParamError(message=f"target size too small: {target_size}, must be at least 1MB")
    if size > _MAX_MB:
        raise ParamError(message=f"target size too large: {target_size}, must be at most {_MAX_MB}MB")
    return size


def compact_target_mb(target_size: Any, unit: Any) -> Optional[int]:
    """compact()'s ``target_size`` (a positive int of ``unit``, default MB) in MB, with pymilvus's
    ParamError texts; None when not given."""
    if target_size is None:
        return None
    if not isinstance(target_size, int) or isinstance(target_size, bool):
        raise ParamError(message=f"target_size must be an int, got {type(target_size).__name__}")
    if target_size <= 0:
        raise ParamError(message=f"target_size must be a positive integer, got {target_size}")
    return target_mb(f"{target_size}{unit}")


class OptimizeTask:
    """A finished optimization, as pymilvus's OptimizeTask shows one."""

    def __init__(self, result: OptimizeResult) -> None:
        self._result = result

    def done(self) -> bool:
        return True

    def cancelled(self) -> bool:
        return False

    def progress(self) -> str:
        return self._result.progress[-1]

    def progress_history(self) -> list[str]:
        return list(self._result.progress)

    def cancel(self) -> bool:
        return False

    def result(self, timeout: Optional[float] = None) -> OptimizeResult:
        return self._result


class AsyncOptimizeTask(OptimizeTask):
    """The same for AsyncMilvusClient, whose task's result() is awaited (pymilvus's AsyncOptimizeTask)."""

    async def result(self, timeout: Optional[float] = None) -> OptimizeResult:  # type: ignore[override]
        return self._result
