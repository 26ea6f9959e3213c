"""Process-wide LRU caches so a filter compiles once, not once per call.

Two levels:

* parse trees keyed by the filter text alone (the grammar does not depend on
  the collection);
* compiled SQL keyed by ``(schema fingerprint, text, params key)``; not a spatial
  filter's, whose SQL holds the keys its geometries matched when it was made
  (``per_call``).

Decision: template parameters are part of the key (canonical JSON of
``filter_params``, with a type tag so ``1``, ``1.0`` and ``true`` differ)
rather than being bound after caching.  Milvus types a template value like a
literal (an INT field rejects ``1.5``; a FLOAT field rounds to float32), so
the SQL legitimately depends on the values, and a literal-only statement
keeps the SQL self-contained for callers (no parameter plumbing).  The cost
is one cache entry per distinct parameter set; the LRU bound caps it.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from contextvars import ContextVar
from threading import Lock
from typing import Any, Callable, Hashable, Optional, TypeVar

from ..schema.model import CollectionSchema

T = TypeVar("T")

PARSE_CACHE_SIZE = 4096
COMPILE_CACHE_SIZE = 4096


class LRU:
    """A small thread-safe LRU map (functools.lru_cache cannot key on our tuples lazily)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: "OrderedDict[Hashable, Any]" = OrderedDict()
        self._lock = Lock()
        self.hits = 0
        self.misses = 0

    def get_or_build(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value kept for ``key``, else ``build()``, kept unless the build called :func:`per_call`."""
        with self._lock:
            try:
                value = self._data[key]
            except KeyError:
                pass
            else:
                self._data.move_to_end(key)
                self.hits += 1
                return value
        flag = [False]
        token = _building.set(flag)
        try:
            value = build()       # may raise: errors are not cached
        finally:
            _building.reset(token)
        if flag[0]:
            per_call()            # an enclosing build made of this value is not kept either
            return value
        with self._lock:
            self.misses += 1
            self._data[key] = value
            if len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._data)


#: The build running in this context (LRU.get_or_build): set to [True] by per_call.
_building: ContextVar[Optional[list]] = ContextVar("pgmilvus_filter_building", default=None)


def per_call() -> None:
    """Keep nothing built from the value being built: it holds what was read from the database
    when it was made (a spatial filter's matching keys, spatial.py)."""
    flag = _building.get()
    if flag is not None:
        flag[0] = True


parse_cache = LRU(PARSE_CACHE_SIZE)
compile_cache = LRU(COMPILE_CACHE_SIZE)


def schema_key(schema: CollectionSchema) -> tuple:
    """What of a schema the compiler reads: names, types, nullability, text-match flags and
    analyzers, the BM25 functions and the stored tokens (text_match reads them)."""
    bm25 = tuple(sorted((output, source.name) for output, source in schema.bm25_outputs.items()))
    return (bool(schema.enable_dynamic_field), bm25, tuple(sorted(schema.token_fields))) + tuple(
        (f.name, int(f.dtype), int(f.element_type) if f.element_type is not None else None,
         bool(f.nullable), f.params.get("max_length"), bool(f.params.get("enable_match")),
         str(f.params.get("analyzer_params")) if f.params.get("enable_match") else None)
        for f in (schema.columns if schema.struct_fields else schema.fields))  # struct sub-field columns too


def _tagged(value: Any) -> Any:
    """JSON-able form that keeps bool / int / float apart (1 == 1.0 == True in Python)."""
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, int):
        return ["i", value]
    if isinstance(value, float):
        return ["f", repr(value)]
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return ["l", [_tagged(v) for v in value]]
    if isinstance(value, dict):
        return ["d", sorted(([str(k), type(k).__name__], _tagged(v)) for k, v in value.items())]
    return ["?", type(value).__name__, repr(value)]


def params_key(params: Optional[dict]) -> Optional[str]:
    if not params:
        return None
    return json.dumps(_tagged(params), sort_keys=True, ensure_ascii=False)


def clear() -> None:
    """Forget everything (tests and benchmarks use this for cold timings)."""
    parse_cache.clear()
    compile_cache.clear()
