"""Search iterator v2 over the wire: the core's SearchIterator behind pymilvus's token.

pymilvus's SearchIteratorV2 sends ordinary Search requests marked
``search_iter_v2``: the first without a token, the next ones with the token
and the last distance (``search_iter_last_bound``) the server answered.  A
Milvus server finds the next page from that distance alone; here the token
names a live core iterator (search/iterator.py), which also remembers the
keys tied at the last distance, so no tied hit is lost or repeated between
pages.  Iterators idle for ``IDLE_SECONDS`` are forgotten, and at most
``LIMIT`` are kept (the oldest go first); a forgotten token is an error that
says to start a new iterator.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from typing import Any, Hashable, Optional

#: iterator parameters pymilvus puts among a Search's search_params
ITER_KEYS = ("search_iter_v2", "search_iter_batch_size", "search_iter_last_bound", "search_iter_id")


class SearchIterators:
    IDLE_SECONDS = 600.0
    LIMIT = 1024

    def __init__(self) -> None:
        self._live: OrderedDict[tuple[Hashable, str], tuple[Any, float]] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, owner: Hashable, iterator: Any) -> str:
        """Keep ``iterator`` for ``owner`` (the caller, database and collection); its new token."""
        token = "pgm-" + uuid.uuid4().hex  # never parsed as a number among the search params
        with self._lock:
            self._expire()
            self._live[(owner, token)] = (iterator, time.monotonic())
            while len(self._live) > self.LIMIT:
                self._live.popitem(last=False)
        return token

    def get(self, owner: Hashable, token: str) -> Optional[Any]:
        """The live iterator of ``token`` (only for the owner that started it), or None."""
        with self._lock:
            self._expire()
            entry = self._live.pop((owner, token), None)
            if entry is None:
                return None
            self._live[(owner, token)] = (entry[0], time.monotonic())
            return entry[0]

    def _expire(self) -> None:
        oldest = time.monotonic() - self.IDLE_SECONDS
        while self._live:
            key, (_, used) = next(iter(self._live.items()))
            if used >= oldest:
                break
            del self._live[key]
