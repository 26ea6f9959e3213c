"""Partial-update operators on ARRAY fields (Milvus 2.6 ``upsert(..., field_ops=...)``).

``field_ops={"tags": "array_append"}`` appends a row's ``tags`` to the stored array
instead of replacing it, ``"array_remove"`` removes every stored element equal to one
of the row's; ``"replace"`` (the default) replaces.  A non-replace operator makes the
upsert a partial update.  As in Milvus, the operator applies to entities that exist:
a new entity is inserted with the values given, and a row whose value is null leaves
the stored array as it is.  The checks and texts are Milvus 2.6's proxy's
(task_upsert_partial_op.go); the merge is done by Postgres in the UPDATE itself.
"""

from __future__ import annotations

from typing import Any, Optional

import psycopg
from psycopg import sql

from ..errors import ErrorCode, MilvusException, ParamError, invalid_parameter
from ..schema.model import CollectionSchema
from ..types import DataType, go_name

APPEND, REMOVE = "ARRAY_APPEND", "ARRAY_REMOVE"
#: The operators by pymilvus's string aliases and FieldPartialUpdateOp.OpType numbers.
_ALIASES = {"replace": None, "array_append": APPEND, "array_remove": REMOVE}
_NUMBERS = {0: None, 1: APPEND, 2: REMOVE}


def normalize(field_ops: Any) -> dict[str, str]:
    """``field_ops`` as {field: ARRAY_APPEND | ARRAY_REMOVE} (replace dropped), with pymilvus's
    client-side errors; the values may be aliases, OpType numbers or FieldPartialUpdateOp messages."""
    if not field_ops:
        return {}
    if not isinstance(field_ops, dict):
        raise ParamError(message=f"field_ops must be a dict of field name to operator, got {field_ops!r}")
    out: dict[str, str] = {}
    for name, op in field_ops.items():
        op = getattr(op, "op", op)  # pymilvus's FieldOp.array_append() is a message with .op
        if op is None:
            continue
        if isinstance(op, str):
            if op.lower() not in _ALIASES:
                raise ParamError(message=f"unknown field_op alias {op!r} for field {name!r}")
            resolved = _ALIASES[op.lower()]
        elif isinstance(op, bool) or not isinstance(op, int):
            raise ParamError(message=f"unsupported field_op type {type(op).__name__} for field {name!r}")
        elif op not in _NUMBERS:
            raise ParamError(message=f"invalid field_op enum value {op} for field {name!r}")
        else:
            resolved = _NUMBERS[op]
        if resolved is not None:
            out[str(name)] = resolved
    return out


def check(ops: dict[str, str], schema: CollectionSchema, rows: list[Any]) -> None:
    """Milvus's validateFieldPartialUpdateOps, over the call's rows (a field is "in fields_data"
    when some row gives it)."""
    for name, op in ops.items():
        field = schema.field(name)
        if field is not None and field.is_primary:
            raise invalid_parameter(f'field "{name}" is the primary key and cannot carry a partial-update op')
        if field is None:
            raise invalid_parameter(f'field "{name}" not found in collection schema')
        if field.dtype != DataType.ARRAY:
            raise invalid_parameter(f'op {op} requires Array field, but field "{name}" is {go_name(field.dtype)}')
        if not any(isinstance(row, dict) and name in row for row in rows):
            raise invalid_parameter(f'partial-update op targets field "{name}" not present in fields_data')
        if op == APPEND and field.max_capacity is not None:
            for index, value in enumerate(row.get(name) if isinstance(row, dict) else None for row in rows):
                if isinstance(value, (list, tuple)) and len(value) > field.max_capacity:
                    raise invalid_parameter(f'ARRAY_APPEND payload for field "{name}" row {index} has length '
                                            f"{len(value)} exceeding max_capacity {field.max_capacity}")


def set_clause(column: str, op: Optional[str]) -> sql.Composable:
    """The UPDATE's assignment of ``column`` from its parameter (``%b``) under ``op``."""
    col = sql.Identifier(column)
    if op == APPEND:
        return sql.SQL("{c} = COALESCE({c}, '{{}}') || %b").format(c=col)
    if op == REMOVE:
        return sql.SQL("{c} = ARRAY(SELECT u.e FROM unnest(COALESCE({c}, '{{}}')) WITH ORDINALITY AS u(e, n) "
                       "WHERE u.e <> ALL(%b) ORDER BY u.n)").format(c=col)
    return sql.SQL("{c} = %b").format(c=col)


def check_capacity(conn: psycopg.Connection, table: sql.Composable, schema: CollectionSchema,
                   ops: dict[str, str], updates: list[tuple[Any, dict[str, Any]]],
                   keys: tuple[sql.Composable, Any]) -> None:
    """The merged length of each appended array within max_capacity (Milvus's ApplyArrayRowOp:
    65535 ``array length 5 exceeds max_capacity 4``); ``updates``: (pk, row) of existing entities,
    ``keys``: their keys as a typed array placeholder and its value (writes.pk_param)."""
    appended = [n for n, op in ops.items() if op == APPEND and schema.field(n).max_capacity is not None]
    if not appended or not updates:
        return
    pk = sql.Identifier(schema.primary_field.name)
    lengths = sql.SQL(", ").join(sql.SQL("coalesce(cardinality({}), 0)").format(sql.Identifier(n)) for n in appended)
    query = sql.SQL("SELECT {pk}, {lengths} FROM {t} WHERE {pk} = ANY({keys})").format(
        pk=pk, lengths=lengths, t=table, keys=keys[0])
    stored = {r[0]: r[1:] for r in conn.execute(query, (keys[1],)).fetchall()}
    for key, row in updates:
        for name, length in zip(appended, stored.get(key, ())):
            value = row.get(name)
            cap = schema.field(name).max_capacity
            if isinstance(value, (list, tuple)) and length + len(value) > cap:
                raise MilvusException(ErrorCode.SERVER_ERROR,
                                      f"array length {length + len(value)} exceeds max_capacity {cap}")
