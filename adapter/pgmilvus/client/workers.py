"""AsyncMilvusClient's worker threads: a call handed over and its result handed back with one
wake-up each way.

``loop.run_in_executor`` costs about 280 µs a round trip on this project's 2-core VM (a
concurrent.futures Future chained to an asyncio one, the executor's bookkeeping); a SimpleQueue
and ``call_soon_threadsafe`` cost about 80 µs, which is what a sub-millisecond ``get`` or
``search`` can afford.
"""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
from typing import Any, Callable, Optional, TypeVar

T = TypeVar("T")


class Workers:
    """``size`` daemon threads, started at the first call, running calls in their caller's context."""

    def __init__(self, size: int, name: str) -> None:
        self._size, self._name = size, name
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def run(self, fn: Callable[[], T]) -> "asyncio.Future[T]":
        """An asyncio future of ``fn()``, run in a worker thread (this task's context variables
        copied, as asyncio.to_thread does)."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        if len(self._threads) < self._size:
            self._start()
        self._queue.put((contextvars.copy_context(), fn, loop, future))
        return future

    def stop(self) -> None:
        """Let every worker end once the calls already handed over are done."""
        with self._lock:
            for _ in self._threads:
                self._queue.put(None)
            self._threads = []

    def _start(self) -> None:
        with self._lock:
            while len(self._threads) < self._size:
                thread = threading.Thread(target=self._work, name=f"{self._name}-{len(self._threads)}",
                                          daemon=True)
                thread.start()
                self._threads.append(thread)

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            context, fn, loop, future = item
            value: Any = None
            error: Optional[BaseException] = None
            try:
                value = context.run(fn)
            except BaseException as exc:  # handed to the awaiting task, whatever it is
                error = exc
            try:
                loop.call_soon_threadsafe(_settle, future, value, error)
            except RuntimeError:
                pass  # the loop was closed while the call ran: nobody awaits it any more


def _settle(future: "asyncio.Future[Any]", value: Any, error: Optional[BaseException]) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)
