"""Go's parsing of the text values Milvus reads: pymilvus sends most params as ``str(value)``, and
Milvus's Go code turns them into numbers with strconv, whose rules (not Python's ``int()``, which
takes spaces, underscores and other digits) decide what it accepts."""

from __future__ import annotations

import re
from typing import Optional

#: What Go's strconv.Atoi takes: ASCII digits with one optional sign.
_GO_INT = re.compile(r"[+-]?[0-9]+")
_INT64 = range(-2 ** 63, 2 ** 63)


def atoi(text: str) -> Optional[int]:
    """``text`` as strconv.Atoi reads it on a 64-bit build; None where it fails ("2.5", " 2", "",
    a value past int64)."""
    if not _GO_INT.fullmatch(text):
        return None
    number = int(text)
    return number if number in _INT64 else None
