"""A search aggregation checked against the collection's schema, as Milvus master's proxy checks it
(internal/proxy/search_agg/context_builder.go: the same checks, in the same order, same texts).

The plan says which columns the search statement must select for the aggregation (group keys,
metric sources, top_hits sort keys), how many composite groups it keeps (``topk``: the product
of the levels' sizes) and how many hits per group (``group_size``: the largest top_hits size).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from psycopg import sql

from ...errors import ErrorCode, MilvusException, invalid_parameter
from ...schema.model import CollectionSchema
from ...types import GO_NAMES, DataType
from ..grouping import GROUPABLE, ungroupable
from .spec import Level

#: Milvus's maxAggregationLevels and proxy.maxSearchAggregationResultEntries (its default).
MAX_LEVELS = 4
MAX_RESULT_ENTRIES = 10000
_INT64_MAX = 2**63 - 1
SCORE = -1   # a value read from the hit's distance, not from a column
COUNT_ALL = -2

_SUM_AVG = {DataType.INT8, DataType.INT16, DataType.INT32, DataType.INT64, DataType.FLOAT, DataType.DOUBLE}
_MIN_MAX = _SUM_AVG | {DataType.VARCHAR, DataType.STRING, DataType.TIMESTAMPTZ}


@dataclass(frozen=True)
class Metric:
    alias: str
    op: str
    source: int                 # a column index, SCORE, or COUNT_ALL
    dtype: DataType             # the source's type (FLOAT for the score)


@dataclass(frozen=True)
class LevelPlan:
    keys: tuple[int, ...]       # column indexes of this level's group fields
    size: int
    metrics: tuple[Metric, ...]
    order: tuple[tuple[str, bool], ...]                          # (key, descending)
    top_hits: Optional[tuple[int, tuple[tuple[int, bool, bool], ...]]]  # (size, ((source, desc, null_first), ...))


@dataclass(frozen=True)
class AggPlan:
    levels: tuple[LevelPlan, ...]
    columns: tuple[str, ...]    # the fields the statement selects for the aggregation, by index
    ids: tuple[int, ...]        # their Milvus field ids (CollectionSchema.field_ids)
    group_names: tuple[str, ...]    # the composite group key: every level's fields, in order
    topk: int
    group_size: int
    field_ids: dict[str, int]       # every field's id, for the hits' fields


@dataclass(frozen=True)
class CompositeGroup:
    """What the search groups by: every level's fields together (grouping.GroupBy's interface)."""

    names: tuple[str, ...]
    strict_cast: bool = False

    def expression(self) -> sql.Composable:
        columns = [sql.Identifier("t", name) for name in self.names]
        return columns[0] if len(columns) == 1 else sql.SQL("ROW({})").format(sql.SQL(", ").join(columns))


def _q(text: str) -> str:
    """Go's %q of a plain string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def depth(spec: Level) -> None:
    count, level = 0, spec
    while level is not None:
        count += 1
        if count > MAX_LEVELS:
            raise invalid_parameter(f"search_aggregation nesting exceeds max {MAX_LEVELS} levels")
        level = level.sub


def build(spec: Level, schema: CollectionSchema) -> AggPlan:
    """The plan of ``spec``, or Milvus's error (``check_entries`` then checks it for a number of queries)."""
    depth(spec)
    builder = _Builder(schema)
    levels = []
    level: Optional[Level] = spec
    while level is not None:
        levels.append(builder.level(level))
        level = level.sub
    topk = 1
    for plan, raw in zip(levels, _chain(spec)):
        topk *= max(raw.search_size, plan.size)
        if topk > _INT64_MAX:
            raise invalid_parameter("search_aggregation derived topK overflows int64")
    group_size = max([1] + [lv.top_hits[0] for lv in levels if lv.top_hits is not None])
    return AggPlan(tuple(levels), tuple(builder.columns), tuple(builder.ids),
                   tuple(builder.columns[k] for lv in levels for k in lv.keys), topk, group_size,
                   schema.field_ids())


def check_entries(plan: AggPlan, nq: int) -> None:
    """proxy.maxSearchAggregationResultEntries: nq x topk x group_size hits at most."""
    if nq * plan.topk * plan.group_size > MAX_RESULT_ENTRIES:
        raise invalid_parameter("number of search_aggregation result entries is too large")


def _chain(spec: Level) -> list[Level]:
    out = []
    level: Optional[Level] = spec
    while level is not None:
        out.append(level)
        level = level.sub
    return out


class _Builder:
    """Resolves names to selected columns (each field selected once) while walking the levels."""

    def __init__(self, schema: CollectionSchema) -> None:
        self.schema = schema
        self.columns: list[str] = []
        self.ids: list[int] = []
        self.grouped: set[str] = set()

    def column(self, name: str) -> int:
        if name not in self.columns:
            self.columns.append(name)
            self.ids.append(self.schema.field_ids()[name])
        return self.columns.index(name)

    def field(self, name: str, usage: str, wrap: str = "") -> DataType:
        """The field ``name`` names (Milvus's resolveFieldID, then validateSearchAggregationFieldSupport)."""
        base = name.split("[", 1)[0] if "[" in name and "]" in name else name
        field = self.schema.field(base)
        if field is None:
            if not self.schema.enable_dynamic_field or not name.strip():
                text = f"field {_q(name.strip())} not found in schema" if name.strip() else "field is empty"
                raise invalid_parameter(f"{wrap}{text}")
            raise invalid_parameter(f"{usage} {_q(name)}: JSON / dynamic fields are not yet supported with "
                                    "search_aggregation")
        if field.dtype == DataType.JSON or field.is_dynamic:
            raise invalid_parameter(f"{usage} {_q(name)}: JSON / dynamic fields are not yet supported with "
                                    "search_aggregation")
        return field.dtype

    def level(self, spec: Level) -> LevelPlan:
        if not spec.fields:
            raise invalid_parameter("group_by level has no fields")
        if spec.size < 0:
            raise invalid_parameter("search_aggregation size must be non-negative")
        if spec.search_size < 0:
            raise invalid_parameter("search_aggregation search_size must be non-negative")
        size = spec.size or 1
        if spec.search_size and spec.search_size < size:
            raise invalid_parameter("search_aggregation search_size must be greater than or equal to size")
        keys, seen = [], set()
        for name in spec.fields:
            dtype = self.field(name, "group_by field", f"invalid group_by field {_q(name)}: ")
            if dtype in (DataType.FLOAT, DataType.DOUBLE):
                raise invalid_parameter(f"group_by field {_q(name)}: FLOAT / DOUBLE fields are not supported with "
                                        "search_aggregation (BucketKeyEntry has no float variant; equality on "
                                        "floats is fragile)")
            if name in seen:
                raise invalid_parameter(f"duplicated group_by field {_q(name)} in one level")
            if dtype not in GROUPABLE:  # segcore's check, after the proxy's
                raise ungroupable(dtype)
            if name in self.grouped:
                raise invalid_parameter(f"duplicated group_by field {_q(name)} across levels")
            seen.add(name)
            self.grouped.add(name)
            keys.append(self.column(name))
        metrics = tuple(self.metric(alias, op, name) for alias, op, name in spec.metrics)
        top_hits = self.top_hits(spec) if spec.top_hits is not None else None
        order = tuple(self.order(key, direction, {m.alias for m in metrics}) for key, direction in spec.order)
        return LevelPlan(tuple(keys), size, metrics, order, top_hits)

    def metric(self, alias: str, op: str, name: str) -> Metric:
        if not alias.strip():
            raise MilvusException(ErrorCode.MISSING_PARAMETER, "metric alias cannot be empty: missing parameter")
        wrap = f"invalid metric {_q(alias)}: "
        op = op.strip().lower()
        if op not in ("avg", "sum", "count", "min", "max"):
            raise invalid_parameter(f"{wrap}unsupported metric op {_q(op)}")
        name = name.strip()
        if not name:
            raise invalid_parameter(f"{wrap}metric field_name is empty")
        if name == "_score":
            return Metric(alias, op, SCORE, DataType.FLOAT)
        if name == "*":
            if op != "count":
                raise invalid_parameter(f"{wrap}field_name '*' only supports count op")
            return Metric(alias, op, COUNT_ALL, DataType.NONE)
        dtype = self.field(name, "metric field", wrap)
        allowed = _SUM_AVG if op in ("sum", "avg") else _MIN_MAX if op in ("min", "max") else None
        if allowed is not None and dtype not in allowed:
            raise invalid_parameter(f"{wrap}aggregation operator {op} does not support data type "
                                    f"{GO_NAMES.get(dtype, dtype.name)}")
        return Metric(alias, op, self.column(name), dtype)

    def top_hits(self, spec: Level) -> tuple[int, tuple[tuple[int, bool, bool], ...]]:
        assert spec.top_hits is not None
        if spec.top_hits.size < 0:
            raise invalid_parameter("top_hits size must be non-negative")
        keys = []
        for key in spec.top_hits.sort:
            name = key.field_name.strip()
            if not name:
                raise invalid_parameter("top_hits.sort field_name is empty")
            desc = _descending(key.direction, f"invalid top_hits.sort direction for {_q(name)}: ")
            if name == "_score":
                keys.append((SCORE, desc, key.null_first))
                continue
            if "[" in name and "]" in name:
                raise invalid_parameter(f"top_hits.sort JSON path is not yet supported: {_q(name)}")
            self.field(name, "top_hits.sort field", f"invalid top_hits.sort field {_q(name)}: ")
            keys.append((self.column(name), desc, key.null_first))
        return spec.top_hits.size or 1, tuple(keys)

    @staticmethod
    def order(key: str, direction: str, aliases: set[str]) -> tuple[str, bool]:
        key = key.strip()
        if not key:
            raise invalid_parameter("order key is empty")
        if key not in ("_count", "_key") and key not in aliases:
            raise invalid_parameter(f"order key {_q(key)} is neither reserved key nor metric alias")
        return key, _descending(direction, f"invalid order direction for key {_q(key)}: ")


def _descending(direction: str, wrap: str) -> bool:
    text = (direction or "").strip().lower() or "desc"
    if text not in ("asc", "desc"):
        raise invalid_parameter(f"{wrap}direction must be asc or desc")
    return text == "desc"
