"""Client sessions: ``Connect`` hands out a non-zero identifier and remembers which SDK took it.

Every later call carries the ``identifier`` header; the SDK type lets the
server shape a result the way that SDK reads it (see rpc_data.search).
"""

from __future__ import annotations

import itertools
import threading


class Sessions:
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._sdk: dict[str, str] = {}
        self._lock = threading.Lock()

    def connect(self, sdk_type: str) -> int:
        with self._lock:
            identifier = next(self._ids)
            if len(self._sdk) > 100_000:  # long-running servers: forget the oldest sessions
                self._sdk.clear()
            self._sdk[str(identifier)] = sdk_type or ""
        return identifier

    def sdk(self, identifier: str) -> str:
        return self._sdk.get(identifier, "")
