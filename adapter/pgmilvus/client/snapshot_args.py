"""pymilvus 3.0's client-side checks of the snapshot calls (client/prepare.py), its texts.

Each refusal carries what Milvus's server answers when the request is sent anyway
(errors.client_side): ``pgmilvus serve`` answers that to an SDK that does not check.
"""

from __future__ import annotations

from typing import Any

from ..catalog import snapshots
from ..errors import ErrorCode, MilvusException, ParamError, client_side, invalid_parameter


def names(**named: Any) -> None:
    """Each must be a non-empty str ("<argument> must be a non-empty string"), in order."""
    for argument, value in named.items():
        if not (isinstance(value, str) and value):
            error = ParamError(message=f"{argument} must be a non-empty string")
            if value == "" and argument == "snapshot_name":
                try:
                    snapshots.check_name("")
                except MilvusException as answer:
                    raise client_side(error, answer) from None
            if value == "":
                what = argument.replace("source_", "")
                raise client_side(error, MilvusException(ErrorCode.MISSING_PARAMETER,
                                                         f"{what} is required: missing parameter"))
            raise error


def non_negative(argument: str, value: Any) -> None:
    """``compaction_protection_seconds`` and ``ttl_seconds``: a non-negative int, not a bool."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        error = ParamError(message=f"{argument} must be a non-negative integer")
        if isinstance(value, int) and not isinstance(value, bool):
            raise client_side(error, invalid_parameter(f"{argument} must be non-negative"))
        raise error


def positive(argument: str, value: Any, *, bools: bool = False) -> None:
    """``job_id`` (pymilvus lets a bool through) and ``pin_id``: a positive int."""
    if not isinstance(value, int) or (isinstance(value, bool) and not bools) or value <= 0:
        error = ParamError(message=f"{argument} must be a positive integer")
        if value == 0 and argument == "pin_id":
            raise client_side(error, MilvusException(ErrorCode.MISSING_PARAMETER,
                                                     "pin_id is required for unpin snapshot data: missing parameter"))
        raise error
