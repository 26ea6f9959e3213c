"""What a search aggregation asks for: pymilvus 3's ``SearchAggregation`` / ``TopHits`` and the
neutral, hashable spec the rest of pgmilvus reads.

The classes check their arguments as pymilvus's do (same ParamError texts): code written for
``from pymilvus import SearchAggregation, TopHits`` runs unchanged with the pgmilvus import.
``from_message`` reads the same spec from a ``common.SearchAggregationSpec`` message: what
``pgmilvus serve`` receives, and what pymilvus's own classes give (``to_proto()``), so a
pymilvus object also works in process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from ...errors import ParamError

_OPS = {"avg", "sum", "count", "min", "max"}
_DIRECTIONS = {"asc", "desc"}
_SPECIAL_ORDER_KEYS = {"_count", "_key"}


@dataclass(frozen=True)
class SortKey:
    """One top_hits sort key: a field name or ``_score``."""

    field_name: str
    direction: str
    null_first: bool = False


@dataclass(frozen=True)
class TopHitsSpec:
    size: int
    sort: tuple[SortKey, ...] = ()


@dataclass(frozen=True)
class Level:
    """One aggregation level as Milvus's SearchAggregationSpec carries it (sizes unnormalised:
    0 means 1 there, a negative one is refused by plan.py)."""

    fields: tuple[str, ...]
    size: int
    search_size: int = 0
    metrics: tuple[tuple[str, str, str], ...] = ()   # (alias, op, field_name), aliases sorted
    order: tuple[tuple[str, str], ...] = ()          # (key, direction)
    top_hits: Optional[TopHitsSpec] = None
    sub: Optional["Level"] = None


def _single_kv(item: Any, parent: str) -> tuple[str, str]:
    if not isinstance(item, dict) or len(item) != 1:
        raise ParamError(message=f"{parent} entries must be single-key dicts like {{'alias': 'asc'}}, got {item!r}")
    key, value = next(iter(item.items()))
    if not isinstance(key, str) or not isinstance(value, str):
        raise ParamError(message=f"{parent} entries must map str to str, got {item!r}")
    return key, value


def _positive(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ParamError(message=f"{what} must be a positive int, got {value!r}")
    return value


class TopHits:
    """The hits a bucket shows: ``size`` of them, sorted by ``sort`` ([{"price": "asc"}, ...];
    ``_score`` is the search distance), then by score descending and primary key."""

    def __init__(self, size: int, sort: Optional[List[Dict[str, str]]] = None):
        self._size = _positive(size, "TopHits.size")
        self._sort: List[Dict[str, str]] = []
        if sort is not None:
            if not isinstance(sort, list):
                raise ParamError(message=f"TopHits.sort must be a list, got {type(sort).__name__}")
            for item in sort:
                _, direction = _single_kv(item, "TopHits.sort")
                if direction not in _DIRECTIONS:
                    raise ParamError(message=f"TopHits.sort direction must be 'asc' or 'desc', got {direction!r}")
                self._sort.append(dict(item))

    @property
    def size(self) -> int:
        return self._size

    @property
    def sort(self) -> List[Dict[str, str]]:
        return [dict(item) for item in self._sort]

    def spec(self) -> TopHitsSpec:
        return TopHitsSpec(self._size, tuple(SortKey(*next(iter(item.items()))) for item in self._sort))


class SearchAggregation:
    """One level of bucket aggregation (``sub_aggregation`` nests the next)."""

    def __init__(self, fields: List[str], size: int, metrics: Optional[Dict[str, Dict[str, str]]] = None,
                 order: Optional[List[Dict[str, str]]] = None, top_hits: Optional[TopHits] = None,
                 sub_aggregation: Optional["SearchAggregation"] = None):
        if not isinstance(fields, list) or not fields:
            raise ParamError(message="SearchAggregation.fields must be a non-empty list of str")
        for f in fields:
            if not isinstance(f, str) or not f:
                raise ParamError(message=f"SearchAggregation.fields must contain non-empty str, got {f!r}")
            if "[" in f or "]" in f:
                raise ParamError(message=f"SearchAggregation.fields does not yet support bracketed JSON path "
                                         f"expressions, got {f!r}")
        _positive(size, "SearchAggregation.size")
        if top_hits is not None and not isinstance(top_hits, TopHits):
            raise ParamError(message=f"SearchAggregation.top_hits must be a TopHits instance, got "
                                     f"{type(top_hits).__name__}")
        if sub_aggregation is not None and not isinstance(sub_aggregation, SearchAggregation):
            raise ParamError(message=f"SearchAggregation.sub_aggregation must be a SearchAggregation instance, "
                                     f"got {type(sub_aggregation).__name__}")
        self._fields = list(fields)
        self._size = size
        self._metrics = _metrics(metrics)
        self._order = _order(order, self._metrics)
        self._top_hits = top_hits
        self._sub_aggregation = sub_aggregation

    fields = property(lambda self: list(self._fields))
    size = property(lambda self: self._size)
    metrics = property(lambda self: {k: dict(v) for k, v in self._metrics.items()})
    order = property(lambda self: [dict(item) for item in self._order])
    top_hits = property(lambda self: self._top_hits)
    sub_aggregation = property(lambda self: self._sub_aggregation)

    def spec(self) -> Level:
        metrics = tuple(sorted((alias, *next(iter(m.items()))) for alias, m in self._metrics.items()))
        return Level(tuple(self._fields), self._size, 0, metrics,
                     tuple(next(iter(item.items())) for item in self._order),
                     self._top_hits.spec() if self._top_hits is not None else None,
                     self._sub_aggregation.spec() if self._sub_aggregation is not None else None)


def _metrics(metrics: Any) -> Dict[str, Dict[str, str]]:
    if metrics is None:
        return {}
    if not isinstance(metrics, dict):
        raise ParamError(message="SearchAggregation.metrics must be a dict keyed by alias")
    out: Dict[str, Dict[str, str]] = {}
    for alias, spec in metrics.items():
        if not isinstance(alias, str) or not alias:
            raise ParamError(message=f"metric alias must be non-empty str, got {alias!r}")
        op, field_name = _single_kv(spec, f"metrics[{alias!r}]")
        if op not in _OPS:
            raise ParamError(message=f"metrics[{alias!r}] op must be one of {sorted(_OPS)}, got {op!r}")
        if not field_name:
            raise ParamError(message=f"metrics[{alias!r}] field_name must be non-empty")
        if op != "count" and field_name == "*":
            raise ParamError(message=f"metrics[{alias!r}] '*' is only valid for 'count' op, got op={op!r}")
        out[alias] = dict(spec)
    return out


def _order(order: Any, metrics: Dict[str, Dict[str, str]]) -> List[Dict[str, str]]:
    if order is None:
        return []
    if not isinstance(order, list):
        raise ParamError(message="SearchAggregation.order must be a list of single-key dicts")
    allowed = set(metrics) | _SPECIAL_ORDER_KEYS
    out = []
    for item in order:
        key, direction = _single_kv(item, "SearchAggregation.order")
        if direction not in _DIRECTIONS:
            raise ParamError(message=f"SearchAggregation.order direction must be 'asc' or 'desc', got {direction!r}")
        if key not in allowed:
            raise ParamError(message=f"SearchAggregation.order key {key!r} must be a metric alias or one of "
                                     f"{sorted(_SPECIAL_ORDER_KEYS)}; defined metrics: {sorted(metrics)}")
        out.append(dict(item))
    return out


def from_message(msg: Any) -> Level:
    """A ``common.SearchAggregationSpec`` message as a Level (no checks: plan.py does Milvus's)."""
    top = None
    if msg.HasField("top_hits"):
        top = TopHitsSpec(int(msg.top_hits.size), tuple(SortKey(s.field_name, s.direction, bool(s.null_first))
                                                         for s in msg.top_hits.sort))
    return Level(tuple(msg.fields), int(msg.size), int(getattr(msg, "search_size", 0)),
                 tuple(sorted((alias, m.op, m.field_name) for alias, m in msg.metrics.items())),
                 tuple((o.key, o.direction) for o in msg.order), top,
                 from_message(msg.sub_aggregation) if msg.HasField("sub_aggregation") else None)


def read(value: Any) -> Level:
    """search()'s ``search_aggregation`` argument as a Level: pgmilvus's SearchAggregation, pymilvus's
    (through its ``to_proto()``), or a Level; anything else is pymilvus's ParamError."""
    if isinstance(value, SearchAggregation):
        return value.spec()
    if isinstance(value, Level):
        return value
    if type(value).__name__ == "SearchAggregation" and hasattr(value, "to_proto"):
        return from_message(value.to_proto())
    raise ParamError(message=f"search_aggregation must be a SearchAggregation instance, got {type(value).__name__}")
