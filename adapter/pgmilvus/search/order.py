"""``search(..., order_by_fields=[...])``: a search's hits re-ordered by scalar values (Milvus master).

Milvus finds the ``limit + offset`` nearest hits as usual, then sorts them by the keys (its
proxy's ``orderByOperator``), stably, so hits with equal keys keep their distance order, and
only then takes ``offset`` and ``limit``; a grouping search sorts whole groups by their first
(best) hit's values and pages by groups.  A key is a sortable schema field, a dynamic key
(``age``, ``user["score"]``) or a path in a JSON field (``meta["price"]``); JSON values compare
as numbers, strings or booleans when both are of one kind, else by their JSON text.  NULLs
(a missing key, a JSON null) come last in either direction: search's keys take no
``:nulls_first`` (unlike query ORDER BY, data/order_by.py).

The values are selected by the search's own statement (extra columns after the outputs), so
ordering costs no second round trip.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

from psycopg import sql

from ..errors import MilvusException, ParamError, invalid_parameter
from ..filters import identifier
from ..schema.model import CollectionSchema
from ..types import GO_NAMES, DataType
from ..data.order_by import DIRECTIONS, SORTABLE

@dataclass(frozen=True)
class HitKey:
    """One sort key of a search: the SQL of its value over the hit row ``t``, its direction,
    and whether the value is JSON (compared by kind, as Milvus's compareJSONValues)."""

    column: str
    ascending: bool
    json: bool


def specs(order_by_fields: Any) -> Optional[str]:
    """pymilvus's check and formatting of ``order_by_fields`` for search: a list of dicts, each
    with a ``field`` (ParamError otherwise), joined as ``field:order``; anything but a list is
    sent as its text.  None or ``[]``: no order."""
    if order_by_fields is None:
        return None
    if not isinstance(order_by_fields, list):
        return str(order_by_fields)
    texts = []
    for item in order_by_fields:
        if not isinstance(item, dict):
            raise ParamError(message=f"Invalid order_by_fields item format, expect dict with 'field' and 'order' "
                                     f"keys, got {type(item)}")
        name = item.get("field")
        if not name:
            raise ParamError(message="Invalid order_by_fields item: 'field' key is required and cannot be empty")
        texts.append(f"{name}:{item.get('order', 'asc')}")
    return ",".join(texts) or None


def refuse_iterator(text: Optional[str]) -> None:
    """A search iterator pages by distance; Milvus refuses an order there."""
    if text:
        raise invalid_parameter("order_by is not supported when using search iterator")


def refuse_ranker(text: Optional[str]) -> None:
    """A rerank function orders the hits itself: Milvus takes one or the other."""
    if text:
        raise invalid_parameter("order_by and function rerank cannot be used together")


def parse(text: str, schema: CollectionSchema) -> tuple[HitKey, ...]:
    """The keys of ``text`` (``"price:asc,meta[\\"a\\"]:desc"``), with Milvus's proxy's refusals
    (parseOrderByFields: merr.WrapErrParameterInvalidMsg, 1100 and ``: invalid parameter``)."""
    keys = []
    for pair in text.split(","):
        pair = pair.strip()
        if not pair:
            continue
        spec, direction = _split(pair)
        if not spec:
            raise _invalid("empty field name in order_by_fields")
        ascending = DIRECTIONS.get(direction.lower())
        if ascending is None:
            raise _invalid(f"invalid order direction '{direction}' for field '{spec}', expected 'asc' or 'desc'")
        keys.append(_key(spec, ascending, schema))
    return tuple(keys)


def _split(pair: str) -> tuple[str, str]:
    """``field[...]:direction`` at the last colon outside brackets."""
    depth, at = 0, -1
    for i, ch in enumerate(pair):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == ":" and depth == 0:
            at = i
    return (pair.strip(), "") if at < 0 else (pair[:at].strip(), pair[at + 1:].strip())


def _key(spec: str, ascending: bool, schema: CollectionSchema) -> HitKey:
    dynamic = schema.enable_dynamic_field
    if "[" in spec and "]" in spec:
        base = spec.split("[", 1)[0]
        field = schema.field(base)
        if field is not None and field.dtype != DataType.JSON:
            raise _invalid(f"order_by field '{spec}' has brackets but is not a JSON type")
        if field is None and base != "$meta" and not dynamic:
            raise _invalid(f"order_by field '{base}' not found in schema and no dynamic field available")
        return _json_key(spec, ascending, schema, f"invalid JSON path in order_by field '{spec}'")
    field = schema.field(spec)
    if field is not None:
        if field.dtype not in SORTABLE:
            raise _invalid(f"order_by field '{spec}' has unsortable type {GO_NAMES.get(field.dtype, field.dtype.name)}; "
                         "supported types: bool, int8/16/32/64, float, double, string, varchar; for JSON fields use "
                         "path syntax like field[\"key\"]")
        return HitKey(sql.Identifier("t", spec).as_string(None), ascending, False)
    if not dynamic:
        raise _invalid(f"order_by field '{spec}' does not exist in collection schema")
    return _json_key(spec, ascending, schema, f"invalid dynamic field key '{spec}'")


def _json_key(spec: str, ascending: bool, schema: CollectionSchema, problem: str) -> HitKey:
    """A JSON path's value (jsonb) over the hit row, Milvus's ParseAndVerifyNestedPath's way."""
    found = identifier(spec, schema)
    if found is None:
        raise _invalid(f"{problem}: cannot parse identifier: {spec}")
    column, path = found
    value = sql.SQL("({} #> {}::text[])").format(sql.Identifier("t", column),
                                                  sql.Literal([str(k) for k in path]))
    return HitKey(value.as_string(None), ascending, True)


def _invalid(message: str) -> MilvusException:
    return invalid_parameter(message)


# -- ordering hits ------------------------------------------------------------------------------

def ordered(hits: list[Any], keys: Sequence[HitKey], values: Callable[[Any], Sequence[Any]],
            group_of: Optional[Callable[[Any], Any]] = None) -> list[Any]:
    """``hits`` (in distance order) sorted by ``keys``, stably; ``values(hit)`` gives the keys'
    values; with ``group_of`` whole groups move, ranked by their first hit."""
    compare = functools.cmp_to_key(lambda a, b: _compare(keys, a, b))
    if group_of is None:
        return sorted(hits, key=lambda hit: compare(values(hit)))
    groups: list[list[Any]] = []
    for hit in hits:
        if groups and group_of(groups[-1][0]) == group_of(hit):
            groups[-1].append(hit)
        else:
            groups.append([hit])
    ranked = sorted(groups, key=lambda g: compare(values(g[0])))
    return [hit for group in ranked for hit in group]


def _compare(keys: Sequence[HitKey], a: Sequence[Any], b: Sequence[Any]) -> int:
    for key, x, y in zip(keys, a, b):
        if x is None or y is None:
            if x is None and y is None:
                continue
            return 1 if x is None else -1  # NULLS LAST, either direction
        cmp = _json_compare(x, y) if key.json else (x > y) - (x < y)
        if cmp:
            return cmp if key.ascending else -cmp
    return 0


def _json_compare(x: Any, y: Any) -> int:
    """Numbers by value, strings by bytes, booleans false < true; other pairs by JSON text."""
    if _number(x) and _number(y):
        return (x > y) - (x < y)
    if isinstance(x, str) and isinstance(y, str):  # code point order is UTF-8's byte order
        return (x > y) - (x < y)
    if isinstance(x, bool) and isinstance(y, bool):
        return (x > y) - (x < y)
    tx, ty = (json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode() for v in (x, y))
    return (tx > ty) - (tx < ty)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
