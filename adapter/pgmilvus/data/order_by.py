"""``query(..., order_by_fields=...)``: rows sorted by scalar fields (Milvus master's query ORDER BY).

The request names its keys as pymilvus 3 sends them: one ``"field[:asc|desc[:nulls_first|nulls_last]]"``
text per key, joined by commas (pymilvus turns ``[{"field": "price", "order": "desc"}]`` and
``order_by="price:desc,rating"`` into that text; ``pgmilvus serve`` receives it as the query
parameter ``order_by_fields``).  The rules are Milvus's proxy's (``orderby.ParseOrderByFields``,
``validateOrderByFieldsWithGroupBy``, in aggregates.py): only schema fields of a sortable type, ASC by default,
NULLS LAST for ASC and NULLS FIRST for DESC (PostgreSQL's own defaults) unless overridden,
an explicit ``limit`` required, no iterator.  Milvus leaves the order of equal keys unspecified;
here the primary key breaks ties, so pages of one sort never overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

from psycopg import sql

from ..errors import invalid_parameter
from ..schema.model import CollectionSchema
from ..types import GO_NAMES, DataType

#: Field types a query may be sorted by (Milvus's orderby.IsSortableType).
SORTABLE = frozenset({DataType.BOOL, DataType.INT8, DataType.INT16, DataType.INT32, DataType.INT64,
                      DataType.FLOAT, DataType.DOUBLE, DataType.VARCHAR, DataType.STRING})
#: A key's direction, lower-cased (none given: ascending); search keys read it too (search/order.py).
DIRECTIONS = {"asc": True, "ascending": True, "": True, "desc": False, "descending": False}
_NULLS = {"nulls_first": True, "nulls_last": False}


@dataclass(frozen=True)
class SortKey:
    """One ORDER BY key: a schema field, its direction and where its NULLs go."""

    field: str
    ascending: bool
    nulls_first: bool

    def sql(self) -> sql.Composable:
        return sql.SQL("{} {} NULLS {}").format(sql.Identifier(self.field),
                                                sql.SQL("ASC" if self.ascending else "DESC"),
                                                sql.SQL("FIRST" if self.nulls_first else "LAST"))


def specs(order_by_fields: Any = None, order_by: Any = None) -> list[str]:
    """The key texts of a request: pymilvus's formatting (a dict is ``field:order``, a str is
    taken as is, other items are dropped; anything but a list is ``str()``-ed), then the proxy's
    split on commas, each piece trimmed, empty ones dropped.  ``[]`` means no ORDER BY."""
    given = order_by_fields or order_by
    if given is None or given == "":
        return []
    if isinstance(given, (list, tuple)):
        texts = [item if isinstance(item, str) else f"{item.get('field', '')}:{item.get('order', 'asc')}"
                 for item in given if isinstance(item, (str, dict))]
        text = ",".join(texts)
    else:
        text = str(given)
    return [piece.strip() for piece in text.split(",") if piece.strip()]


def require_limit(keys: Sequence[str], limit: Optional[int]) -> None:
    """Milvus sorts every matching row in memory, so it refuses an ORDER BY without ``limit``."""
    if keys and limit is None:
        raise invalid_parameter("ORDER BY requires explicit limit", "pass limit= (and offset= to page)")


def refuse_iterator(keys: Sequence[str]) -> None:
    """query_iterator pages by primary key; Milvus refuses ORDER BY there too."""
    if keys:
        raise invalid_parameter("ORDER BY with iterator is not supported",
                       "use query() with limit and offset to page a sorted result")


def parse(keys: Sequence[str], schema: CollectionSchema) -> tuple[SortKey, ...]:
    """The keys' fields, directions and NULL orders, checked against the schema (Milvus's texts,
    wrapped twice as its proxy wraps them)."""
    fields = {f.name: f for f in schema.fields}
    out = []
    for key in keys:
        parts = key.split(":")
        name = parts[0].strip()
        direction = parts[1].strip().lower() if len(parts) > 1 else ""
        if direction not in DIRECTIONS:
            raise invalid_parameter(
                f"invalid order direction '{direction}' for field '{name}', must be 'asc' or 'desc'", wraps=2)
        ascending = DIRECTIONS[direction]
        nulls_first = not ascending
        if len(parts) > 2:
            nulls = parts[2].strip().lower()
            if nulls not in _NULLS:
                raise invalid_parameter(
                    f"invalid null ordering '{nulls}', must be 'nulls_first' or 'nulls_last'", wraps=2)
            nulls_first = _NULLS[nulls]
        field = fields.get(name)
        if field is None:
            raise invalid_parameter(
                f"order_by field '{name}' does not exist in collection schema",
                "name a scalar field of the schema (dynamic keys and JSON paths cannot be sorted by)", 2)
        if field.dtype not in SORTABLE:
            raise invalid_parameter(
                f"order_by field '{name}' has type {GO_NAMES.get(field.dtype, field.dtype.name)} which is not sortable",
                "sort by a BOOL, integer, FLOAT, DOUBLE or VARCHAR field", 2)
        out.append(SortKey(name, ascending, nulls_first))
    return tuple(out)



def order_sql(keys: Sequence[SortKey], pk: str) -> sql.Composable:
    """``ORDER BY`` the keys, then the primary key (unless it is one of them) to break ties."""
    items = [key.sql() for key in keys]
    if pk not in {key.field for key in keys}:
        items.append(sql.Identifier(pk))
    return sql.SQL(" ORDER BY ") + sql.SQL(", ").join(items)
