"""``query(..., group_by_fields=[...])`` and aggregate output fields (Milvus master's query aggregation).

A query whose ``output_fields`` name ``count(*)``, ``count(f)``, ``sum(f)``, ``avg(f)``, ``min(f)`` or
``max(f)``, or that passes ``group_by_fields``, returns one row per group (one row in all without
``group_by_fields``): the group columns and the aggregates, keyed by the output names as the user
wrote them, in ``output_fields`` order.  PostgreSQL computes them (``SELECT ... GROUP BY ...``).

The rules and texts are Milvus master's proxy's: translateOutputFields (which names are aggregates:
``agg.MatchAggregationExpression``; which field types each function takes: ``agg.ValidateAggFieldType``),
translateGroupByFieldIds (Int8/16/32/64, VarChar, Timestamptz), validateOrderByFieldsWithGroupBy
(ORDER BY only on GROUP BY columns), NewAggregationFieldMap (nothing else may be an output), and the
result types of ``getAggregateResultType`` / segcore (sum of integers an int64, of FLOAT/DOUBLE a double
accumulated in double precision; avg a double, sum/count; count an int64; min/max the field's type).
NULLs are skipped by every function but ``count(*)``; NULL group keys form one group.

Where Milvus leaves it open, pgmilvus decides: groups come back sorted by the group columns (Milvus
returns them in hash-map order), after any ``order_by_fields`` keys; ``avg`` of no non-NULL value is
None (Milvus refuses the query: ``division by zero``).  docs/compatibility.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

from psycopg import sql

from ..errors import ErrorCode, MilvusException, invalid_parameter
from ..schema.model import CollectionSchema, FieldSchema
from ..types import FLOAT_TYPES, GO_NAMES, INTEGER_TYPES, DataType
from . import order_by, outputs, timestamps

#: agg.MatchAggregationExpression's pattern (Go's ``\w`` and ``\s`` are ASCII; its ``$`` is the end).
_AGGREGATE = re.compile(r"^(sum|count|avg|min|max)[\t\n\f\r ]*\([\t\n\f\r ]*([\w*]*)[\t\n\f\r ]*\)\Z",
                        re.IGNORECASE | re.ASCII)
#: translateGroupByFieldIds / isSupportedGroupByFieldType.
GROUPABLE = frozenset(INTEGER_TYPES | {DataType.VARCHAR, DataType.TIMESTAMPTZ})
#: agg.isSupportedAggFieldType: what sum/avg and min/max take (count takes any field).
_SUMMABLE = frozenset(INTEGER_TYPES | FLOAT_TYPES)
_ORDERED = frozenset(_SUMMABLE | {DataType.VARCHAR, DataType.STRING, DataType.TIMESTAMPTZ})
_ACCEPTS = {"sum": _SUMMABLE, "avg": _SUMMABLE, "min": _ORDERED, "max": _ORDERED}


def match(name: str) -> Optional[tuple[str, str]]:
    """``(function, argument)`` of an aggregate output name (``"SUM( price )"`` -> ``("sum", "price")``),
    None for any other name."""
    found = _AGGREGATE.match(name)
    return (found.group(1).lower(), found.group(2).strip()) if found else None


def group_by_names(value: Any) -> list[str]:
    """The GROUP BY field names of a request: pymilvus's check and its comma join (their TypeErrors
    reach the caller as pymilvus's decorator turns them: code 1, ``Unexpected error, message=<...>``),
    then the proxy's split, each piece trimmed, empty ones dropped (``pgmilvus serve`` passes the
    joined text as a one-item list, so both faces read it here)."""
    if value.__class__ is list and not value:  # the common call: no GROUP BY
        return []
    try:
        if not isinstance(value, list):
            raise TypeError("group_by_fields must be a list")
        text = ",".join(value)
    except TypeError as exc:
        raise MilvusException(ErrorCode.UNEXPECTED_ERROR, f"Unexpected error, message=<{exc}>") from None
    return [piece.strip() for piece in text.split(",") if piece.strip()]


def requested(output_fields: Any, group_by: Sequence[str]) -> bool:
    """Whether a query aggregates: it groups, or an output name is an aggregate."""
    if group_by:
        return True
    if not isinstance(output_fields, (list, tuple)):
        return False
    for name in output_fields:  # every query asks this: a plain loop, and the pattern only where "(" is
        if isinstance(name, str) and "(" in name and match(name.strip()) is not None:
            return True
    return False


# -- the plan --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One output column: a group field or an aggregate, named as the user wrote it.

    ``function`` is ``""`` for a group column; ``source`` is the field it reads (None for ``count(*)``);
    ``dtype`` / ``nullable`` are what Milvus returns (its FieldData type, and whether values may be NULL).
    """

    name: str
    function: str
    source: Optional[FieldSchema]
    dtype: DataType
    nullable: bool

    def expression(self) -> sql.Composable:
        """The SELECT item.  Sums of FLOAT accumulate in double precision and avg is sum / count, as
        segcore and the proxy compute them; sums of integers come back as bigint (PostgreSQL's numeric)."""
        if self.source is None:
            return sql.SQL("count(*)")
        col = sql.Identifier(self.source.name)
        kind = self.source.dtype
        if self.function == "":
            return col
        if self.function in ("count", "min", "max"):
            return sql.SQL(self.function + "({})").format(col)
        total = (sql.SQL("sum({})::bigint") if kind in INTEGER_TYPES else
                 sql.SQL("sum({}::float8)") if kind == DataType.FLOAT else sql.SQL("sum({})")).format(col)
        if self.function == "sum":
            return total
        return sql.SQL("({}::float8 / NULLIF(count({}), 0))").format(total, col)


@dataclass(frozen=True)
class AggPlan:
    """What an aggregating query selects and returns.

    ``columns``: the output columns in ``output_fields`` order, each name once.
    ``group_by``: the GROUP BY fields, in request order.
    ``aggregates``: whether an output name is an aggregate (a GROUP BY alone selects distinct keys).
    ``count_star``: whether ``count(*)`` is one of them (Milvus refuses it with ``limit`` unless grouped).
    """

    columns: tuple[Column, ...]
    group_by: tuple[FieldSchema, ...]
    aggregates: bool
    count_star: bool
    _decoders: tuple[Callable[[Any], Any], ...] = field(default=(), repr=False, compare=False)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def select_sql(self) -> sql.Composable:
        return sql.SQL(", ").join(c.expression() for c in self.columns)

    def tail_sql(self, keys: Sequence[order_by.SortKey], limit: Optional[int], offset: int) -> sql.Composable:
        """``GROUP BY`` the group fields, ``ORDER BY`` the sort keys then every group field (ascending,
        NULLs last) so the groups' order is fixed, then the window, which pages groups."""
        tail = sql.SQL("")
        if self.group_by:
            tail += sql.SQL(" GROUP BY ") + sql.SQL(", ").join(sql.Identifier(f.name) for f in self.group_by)
            sorted_by = [key.sql() for key in keys]
            named = {key.field for key in keys}
            sorted_by += [order_by.SortKey(f.name, True, False).sql() for f in self.group_by if f.name not in named]
            tail += sql.SQL(" ORDER BY ") + sql.SQL(", ").join(sorted_by)
        if limit is not None:
            tail += sql.SQL(" LIMIT {}").format(sql.Literal(limit))
        if offset:
            tail += sql.SQL(" OFFSET {}").format(sql.Literal(offset))
        return tail

    def decode_rows(self, rows: list[tuple]) -> list[dict[str, Any]]:
        """The rows as pymilvus's dicts, keyed by the output names."""
        names, decoders = self.names, self._decoders
        return [{n: (v if v is None else dec(v)) for n, dec, v in zip(names, decoders, row)} for row in rows]


@dataclass
class _Request:
    """The aggregates an ``output_fields`` list names, by their trimmed text (translateOutputFields)."""

    functions: dict[str, tuple[str, Optional[FieldSchema]]]
    count_star: bool


def plan(schema: CollectionSchema, output_fields: Any, group_by: Sequence[str],
         order: Sequence[str] = (), render: timestamps.Rendering = (timestamps.DEFAULT_TIMEZONE, None)
         ) -> tuple[AggPlan, tuple[order_by.SortKey, ...]]:
    """The plan of an aggregating query and its ORDER BY keys, checked in the proxy's order
    (createPlanArgs): the output names, the GROUP BY fields, the ORDER BY keys, then which names may
    be outputs.  ``render``: how TIMESTAMPTZ group keys and min/max come back (timestamps.rendering)."""
    names = _output_names(output_fields)
    request = _translate_outputs(schema, names)
    groups = tuple(_group_field(schema, name) for name in group_by)
    check_order_targets(order, group_by)
    keys = order_by.parse(order, schema)
    columns = _columns(names, groups, request, group_by)
    decoders = tuple(_decoder(c, render) for c in columns)
    return AggPlan(columns, groups, bool(request.functions), request.count_star, decoders), keys


def check_order_targets(keys: Sequence[str], group_by: Sequence[str]) -> None:
    """validateOrderByFieldsWithGroupBy: with GROUP BY or aggregates, ORDER BY names GROUP BY columns
    only (compared lower-cased), and never an aggregate."""
    targets = {name.strip().lower() for name in group_by}
    for key in keys:
        name = key.split(":")[0].strip().lower()
        if match(name) is not None:
            raise invalid_parameter(f"ORDER BY on aggregate expression '{name}' is not yet supported",
                                    "sort by GROUP BY columns")
        if name not in targets:
            raise invalid_parameter(
                f"ORDER BY field '{name}' is not valid: when using GROUP BY or aggregates, ORDER BY can only "
                f"reference GROUP BY columns. Valid targets are: [{' '.join(group_by)}]")


def _output_names(output_fields: Any) -> list[str]:
    """``output_fields`` checked as output_plan checks it; none means ``["*"]``, as pymilvus sends it."""
    return outputs.checked_names(output_fields) or ["*"]


def _translate_outputs(schema: CollectionSchema, names: Sequence[str]) -> _Request:
    """Each name in turn: an aggregate is checked against its field, any other name as a plain read
    checks it (unknown fields, dynamic keys), with Milvus's texts and codes."""
    functions: dict[str, tuple[str, Optional[FieldSchema]]] = {}
    count_star = False
    for raw in names:
        name = raw.strip()
        found = match(name)
        if found is None:
            if name != "*":
                outputs.output_plan(schema, [name], default_all=False, include_pk=False)
            continue
        function, argument = found
        functions[name] = (function, _aggregated_field(schema, function, argument))
        count_star = count_star or argument == "*"
    return _Request(functions, count_star)


def _aggregated_field(schema: CollectionSchema, function: str, argument: str) -> Optional[FieldSchema]:
    """The schema field an aggregate reads (None for ``count(*)``), of a type the function takes
    (agg.NewAggregate's check is a plain error: 65535)."""
    source = schema.field(argument)
    if source is not None:
        accepted = _ACCEPTS.get(function)  # count takes any field
        if accepted is not None and source.dtype not in accepted:
            raise MilvusException(ErrorCode.SERVER_ERROR, f"aggregation operator {function} does not support "
                                                          f"data type {_type_name(source.dtype)}")
        return source
    if argument == "*":
        if function != "count":
            raise invalid_parameter(f"{function}(*) is not supported, only count(*) is allowed")
        return None
    raise invalid_parameter(f"target field {argument} for aggregation:{function} does not exist")


def _type_name(dtype: DataType) -> str:
    """Milvus's (Go protobuf's) name of a type, as its messages print it."""
    return GO_NAMES.get(dtype, dtype.name)


def _group_field(schema: CollectionSchema, name: str) -> FieldSchema:
    """translateGroupByFieldIds: a schema field (a plain error, 65535, for any other name) of a type
    Milvus can group by."""
    found = schema.field(name)
    if found is None:
        raise MilvusException(ErrorCode.SERVER_ERROR, f"field {name} not exist")
    if found.dtype not in GROUPABLE:
        raise invalid_parameter(f"group by field {name} has unsupported data type {_type_name(found.dtype)}",
                                "group by an integer, VARCHAR or TIMESTAMPTZ field")
    return found


def _columns(names: Sequence[str], groups: Sequence[FieldSchema], request: _Request,
             group_names: Sequence[str]) -> tuple[Column, ...]:
    """NewAggregationFieldMap: each output name, untrimmed, is a GROUP BY field or an aggregate's text;
    any other name is refused (the proxy wraps this text twice)."""
    by_name = {f.name: f for f in groups}
    out: dict[str, Column] = {}
    for name in names:
        if name in out:
            continue
        if name in by_name:
            source = by_name[name]
            out[name] = Column(name, "", source, source.dtype, bool(source.nullable))
        elif name in request.functions:
            function, source = request.functions[name]
            out[name] = Column(name, function, source, _result_type(function, source), function != "count")
        elif groups:
            raise invalid_parameter(
                f"output field '{name}' is not allowed: when using GROUP BY, output_fields can only contain "
                f"group_by fields ([{' '.join(group_names)}]) or aggregation expressions",
                "name GROUP BY fields and aggregates only", wraps=2)
        else:
            raise invalid_parameter(
                f"output field '{name}' is not allowed: when using aggregation functions (e.g., count(*)), "
                "output_fields can only contain aggregation expressions, not regular columns",
                "pass group_by_fields to return a field beside aggregates", wraps=2)
    return tuple(out.values())


def _result_type(function: str, source: Optional[FieldSchema]) -> DataType:
    """getAggregateResultType."""
    if function == "count" or source is None:
        return DataType.INT64
    if function == "avg":
        return DataType.DOUBLE
    if function == "sum":
        return DataType.INT64 if source.dtype in INTEGER_TYPES else DataType.DOUBLE
    return source.dtype


def _decoder(column: Column, render: timestamps.Rendering) -> Callable[[Any], Any]:
    """Group keys and min/max come back as the field's values do (FLOAT as float32, TIMESTAMPTZ as
    text or parts); counts, sums and averages as PostgreSQL returns them."""
    if column.source is not None and column.function in ("", "min", "max"):
        return outputs.value_decoder(column.source, render[0], render[1])
    return _same


def _same(value: Any) -> Any:
    return value
