"""The buckets of one query's hits, as Milvus master's proxy computes them
(internal/proxy/search_agg/computer.go and order.go, re-implemented).

The hits are the search's nearest ones, best first: ``topk`` composite groups (every level's
fields together), at most ``group_size`` hits each.  Each level splits its hits by its own
fields into buckets, in the order their first hit comes; computes the metrics over a bucket's
hits (NULLs skipped; FLOAT values and scores summed in float32, INT8-INT32 sums wrap at 32
bits, as Go's accumulators do); sorts the buckets by ``order`` (stably; NULL before any value
ascending) and keeps ``size`` of them; then, for the kept ones only, picks the top_hits (sort
keys with their NULL placement, then score descending, then primary key) and recurses.
"""

from __future__ import annotations

import datetime
import functools
import json
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ...pg.instants import WideInstant
from ...types import DataType
from .buckets import AggregationBucket, AggregationHit
from .plan import COUNT_ALL, SCORE, AggPlan, LevelPlan, Metric

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_WRAP32 = {DataType.INT8, DataType.INT16, DataType.INT32}


@dataclass
class Row:
    """One hit as the aggregation reads it."""

    pk: Any
    score: float                 # float32, as Milvus's scores
    values: tuple                # the plan's columns
    fields: dict[str, Any]       # the user's output fields (NULLs left out)


def milvus_value(value: Any) -> Any:
    """A value as Milvus's aggregation carries it: a TIMESTAMPTZ as microseconds since the epoch
    (a WideInstant, beyond datetime's years, is that number already)."""
    if isinstance(value, WideInstant):
        return int(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        delta = value - _EPOCH
        return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    return value


def hit_value(value: Any) -> Any:
    """An output field's value on a top hit, as pymilvus reads Milvus's AggHitField: scalars as they
    are, JSON as its bytes, vectors and arrays in Go's ``%v`` text."""
    if isinstance(value, datetime.datetime):
        return milvus_value(value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + " ".join(_go_text(v) for v in value) + "]"
    return value


def _go_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = str(np.float32(value))
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def buckets(plan: AggPlan, rows: Sequence[Row], field_ids: dict[str, int]) -> list[AggregationBucket]:
    """The top level's buckets of one query (``field_ids``: the output fields' ids, for the hits)."""
    return _level(plan, 0, list(rows), field_ids)


def _level(plan: AggPlan, index: int, rows: list[Row], field_ids: dict[str, int]) -> list[AggregationBucket]:
    level = plan.levels[index]
    groups: dict[tuple, list[Row]] = {}
    for row in rows:
        key = tuple(milvus_value(row.values[k]) for k in level.keys)
        groups.setdefault(key, []).append(row)
    found = [(key, members, _metrics(level.metrics, members)) for key, members in groups.items()]
    if level.order:
        found.sort(key=functools.cmp_to_key(lambda a, b: _compare_buckets(level, a, b)))
    out = []
    for key, members, metrics in found[:level.size]:
        entries = [{"field_name": plan.columns[k], "field_id": plan.ids[k], "value": v}
                   for k, v in zip(level.keys, key)]
        hits = _top_hits(level, members, field_ids) if level.top_hits is not None else []
        subs = _level(plan, index + 1, members, field_ids) if index + 1 < len(plan.levels) else []
        out.append(AggregationBucket(entries, len(members), metrics, hits, subs))
    return out


# -- metrics -----------------------------------------------------------------------------------

def _metrics(metrics: Sequence[Metric], rows: list[Row]) -> dict[str, Any]:
    out = {}
    for metric in metrics:
        value = _metric(metric, rows)
        if value is not None:  # Milvus drops a metric no value fed
            out[metric.alias] = value
    return out


def _metric(metric: Metric, rows: list[Row]) -> Any:
    if metric.source == COUNT_ALL:
        return len(rows) or None
    values = [_source(metric, row) for row in rows]
    values = [v for v in values if v is not None]
    if not values:
        return None
    if metric.op == "count":
        return len(values)
    if metric.op in ("min", "max"):
        return min(values) if metric.op == "min" else max(values)
    total = _sum(metric.dtype, values)
    return total if metric.op == "sum" else float(total) / len(values)


def _source(metric: Metric, row: Row) -> Any:
    if metric.source == SCORE:
        return row.score
    value = row.values[metric.source]
    return milvus_value(value) if value is not None else None


def _sum(dtype: DataType, values: list[Any]) -> Any:
    if dtype == DataType.FLOAT:  # Go's float32 accumulator
        total = np.float32(0)
        for v in values:
            total = np.float32(total + np.float32(v))
        return float(total)
    if dtype == DataType.DOUBLE:
        total_f = 0.0
        for v in values:
            total_f += v
        return total_f
    bits = 32 if dtype in _WRAP32 else 64
    total_i = sum(values) % (1 << bits)
    return total_i - (1 << bits) if total_i >= 1 << (bits - 1) else total_i


# -- ordering ----------------------------------------------------------------------------------

def _compare(a: Any, b: Any) -> int:
    """Milvus's compareValues: NULL before any value."""
    if a is None or b is None:
        return 0 if a is b else (-1 if a is None else 1)
    return (a > b) - (a < b)


def _compare_buckets(level: LevelPlan, a: tuple, b: tuple) -> int:
    for key, descending in level.order:
        if key == "_count":
            cmp = _compare(len(a[1]), len(b[1]))
        elif key == "_key":
            cmp = next((c for c in (_compare(x, y) for x, y in zip(a[0], b[0])) if c), 0)
        else:
            cmp = _compare(a[2].get(key), b[2].get(key))
        if cmp:
            return -cmp if descending else cmp
    return 0


def _top_hits(level: LevelPlan, rows: list[Row], field_ids: dict[str, int]) -> list[AggregationHit]:
    assert level.top_hits is not None
    size, keys = level.top_hits

    def compare(a: Row, b: Row) -> int:
        for source, descending, null_first in keys:
            x = a.score if source == SCORE else milvus_value(a.values[source])
            y = b.score if source == SCORE else milvus_value(b.values[source])
            if x is None or y is None:
                if x is None and y is None:
                    continue
                return (-1 if null_first else 1) * (1 if x is None else -1)
            cmp = (x > y) - (x < y)
            if cmp:
                return -cmp if descending else cmp
        if a.score != b.score:
            return -1 if a.score > b.score else 1
        return (a.pk > b.pk) - (a.pk < b.pk)

    ranked = sorted(rows, key=functools.cmp_to_key(compare))[:size]
    return [AggregationHit(r.pk, r.score, r.fields, {name: field_ids.get(name, 0) for name in r.fields})
            for r in ranked]
