"""add_function_field / drop_function_field: a BM25 or MinHash function, its output field and the
field's index, added to (or dropped from) an existing collection in one transaction.

Milvus master commits the schema change with the bound index and backfills the rows already
stored by compaction, later; here the backfill is part of the change: every row's output is
computed from its input field (the writers' own code, data/writes.py) before the transaction
commits, so old rows are searchable as soon as add_function_field returns, in growing and sealed
segments alike.  Sealed segments get the new index (index_ops.create builds a vector index on
each) and, for BM25, their statistics again (bm25_stats.record); growing ones take the output
from the writers, which read the new schema once the catalog's revision moves.

The checks are schema/function_fields.py's and evolution.check_new_field's, in Milvus's order.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Optional

import psycopg
from psycopg import sql

from . import bm25_stats, evolution, index_ops, indexes, segments, store as catalog
from .store import CollectionInfo
from ..data import analyzer, writes
from ..errors import invalid_parameter
from ..schema import ddl, function_fields as checks, functions
from ..schema.index_params import IndexParam, IndexParams
from ..schema.model import FieldSchema, Function
from ..types import FunctionType


def add(conn: psycopg.Connection, info: CollectionInfo, field: FieldSchema, function: Function,
        index: Optional[IndexParam]) -> None:
    """Add ``field``, computed by ``function``, with its bound ``index`` (None: the request had no
    index params, refused for a vector output), and fill it for every stored row."""
    evolution.check_new_field(info, field, function_output=True)
    checks.check_plan(field, function, index)
    bound = checks.check_bound_index(field, function, index or IndexParam(field.name))
    output = copy.deepcopy(field)
    output.is_function_output = True
    indexes.plan_vector_index(output, bound.index_name or field.name, bound.index_type, bound.metric_type,
                              bound.params)  # the proxy's checkTrain: nothing is changed yet
    schema = info.schema.copy()
    schema.fields.append(output)
    schema.functions.append(function)
    checks.check_merged(schema, function)
    index_name = bound.index_name or field.name
    if any(i.index_name == index_name for i in info.indexes):  # rootcoord's prepareBoundFieldIndex
        raise invalid_parameter(f"index name {index_name} already exists in collection")
    functions.verify_pgmilvus(schema, info.name)  # analyzers pgmilvus runs
    info = segments.lock_for_ddl(conn, info)
    _add_column(conn, info, output)
    catalog.add_field(conn, info.id, schema)
    info = dataclasses.replace(info, schema=schema)
    _backfill(conn, info, output.name)
    table = ddl.qualified(info.schema_name, info.table_name)
    conn.execute(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET NOT NULL").format(table, sql.Identifier(output.name)))
    if function.type == FunctionType.BM25:
        conn.execute(ddl.bm25_term_index(info.schema_name, info.table_name, output.name))
        for segment_id, leaf in segments.segment_tables(conn, info, ("indexed",)):
            bm25_stats.record(conn, info, segment_id, leaf)
    params = IndexParams()
    params.append(bound)
    index_ops.create(conn, info, params)


def _add_column(conn: psycopg.Connection, info: CollectionInfo, field: FieldSchema) -> None:
    """The output's column, NULL until the backfill fills it (then NOT NULL, as at create time)."""
    nullable = copy.deepcopy(field)
    nullable.nullable = True
    conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN {}").format(
        ddl.qualified(info.schema_name, info.table_name), ddl.column_def(nullable)))


def _backfill(conn: psycopg.Connection, info: CollectionInfo, output: str) -> None:
    """Every stored row's ``output``, computed from its input as an insert computes it, leaf by
    leaf (one segment's texts in memory at a time), each row found again by its ctid: the
    collection is locked against writers, so the ctids read stay the rows'."""
    source = info.schema.computed_fields[output]
    multi = analyzer.multi_for_field(source) if output in info.schema.bm25_outputs else None
    columns = [sql.Identifier(source.name)] + ([sql.Identifier(multi.by_field)] if multi is not None else [])
    for leaf in _leaves(conn, info):
        table = sql.Identifier(info.schema_name, leaf)
        rows = conn.execute(sql.SQL("SELECT ctid::text, {} FROM {}").format(
            sql.SQL(", ").join(columns), table)).fetchall()
        if not rows:
            continue
        texts = [row[1] for row in rows]
        if output in info.schema.bm25_outputs:
            values = writes.bm25_documents(info, output, texts, [row[2] for row in rows] if multi else None)
        else:
            values = writes.minhash_vectors(info, output, texts)
        with conn.cursor() as cur:
            cur.executemany(sql.SQL("UPDATE {} SET {} = %s WHERE ctid = %s::tid").format(
                table, sql.Identifier(output)), [(value, row[0]) for value, row in zip(values, rows)])


def _leaves(conn: psycopg.Connection, info: CollectionInfo) -> list[str]:
    """The tables that hold the collection's rows (its segments' leaves, or its partitions')."""
    rows = conn.execute("SELECT c.relname FROM pg_partition_tree(%s::regclass) t JOIN pg_class c"
                        " ON c.oid = t.relid WHERE t.isleaf",
                        (sql.Identifier(info.schema_name, info.table_name).as_string(conn),)).fetchall()
    return [r[0] for r in rows]


# -- drop_function_field ----------------------------------------------------------------------------

def drop(conn: psycopg.Connection, info: CollectionInfo, function_name: str, cascade: bool = True) -> None:
    """Drop the function and (``cascade``, as drop_function_field asks) its output field with its
    column, index and BM25 statistics; without ``cascade`` (a MinHash function only) the output
    stays, a plain field the writers must then give."""
    function = checks.check_drop(info.schema, function_name, cascade)
    info = segments.lock_for_ddl(conn, info)
    schema = info.schema.copy()
    schema.functions = [f for f in schema.functions if f.name != function.name]
    for name in function.output_field_names:
        field = schema.field(name)
        assert field is not None
        field.is_function_output = False
        if not cascade:
            catalog.set_field(conn, info.id, schema, name)
            continue
        schema.fields = [f for f in schema.fields if f.name != name]
        evolution.remove_column(conn, info, name, schema)
        bm25_stats.forget(conn, info, name)

