"""SQL for collection tables, partitions and indexes: pure builders, no I/O.

Layout of a collection (see docs/user-guide.md):
- one table per collection in the Postgres schema of its database, one column
  per field (same name, quoted), the dynamic field as jsonb column ``$meta``;
- a LIST-partitioned parent on the hidden column ``$partition`` (text), one
  child table per Milvus partition; a partition-key collection is instead
  HASH-partitioned on its partition-key field with ``num_partitions`` children;
- each child is LIST-partitioned again on ``$segment``, one leaf per segment
  (catalog/segments.py);
- a collection with a TTL (``collection.ttl.seconds``, catalog/ttl.py) has ``$ts``, the time
  each row was written.
Field names can never start with ``$``, so the hidden columns never collide.
"""

from __future__ import annotations

import hashlib
from typing import Optional

from psycopg import sql

from ..data import timestamps
from ..pg import instants
from .model import DYNAMIC_FIELD, CollectionSchema, FieldSchema
from ..types import DataType, INT_RANGES, VECTOR_TYPES

PARTITION_COLUMN = "$partition"
#: Segmented collections (segments.py): the segment a row was written into.
SEGMENT_COLUMN = "$segment"
#: Collections with a TTL (catalog/ttl.py): when the row was written (its default: the writing
#: transaction's time, so every write path that leaves it out stamps the row).
TS_COLUMN = "$ts"
#: text_match fields (data/analyzer.token_fields): the tokens of the field's text, ``"$match$<field>"``.
MATCH_PREFIX = "$match"
DEFAULT_PARTITION = "_default"
PG_NAME_LIMIT = 63

_SCALAR_TYPES = {
    DataType.BOOL: "boolean",
    DataType.INT8: "smallint",
    DataType.INT16: "smallint",
    DataType.INT32: "integer",
    DataType.INT64: "bigint",
    DataType.FLOAT: "real",
    DataType.DOUBLE: "double precision",
    DataType.JSON: "jsonb",
    DataType.TEXT: "text",
    DataType.TIMESTAMPTZ: "timestamptz",
    # GEOMETRY: the WKT Milvus would return (data/wkt.normalize); no PostGIS type is available.
    DataType.GEOMETRY: "text",
}
_VECTOR_TYPES = {
    DataType.FLOAT_VECTOR: "vector",
    DataType.INT8_VECTOR: "vector",
    DataType.FLOAT16_VECTOR: "halfvec",
    DataType.BFLOAT16_VECTOR: "halfvec",
    DataType.BINARY_VECTOR: "bit",
}


def pg_name(*parts: str) -> str:
    """Join parts with ``$`` into a Postgres identifier of at most 63 bytes.

    Milvus names run to 255 characters; longer ones keep a readable prefix and
    a hash of the whole so distinct names stay distinct.
    """
    name = "$".join(parts)
    if len(name.encode()) <= PG_NAME_LIMIT:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:10]
    return f"{name[:PG_NAME_LIMIT - 11]}_{digest}"


def element_sql_type(field: FieldSchema) -> str:
    assert field.element_type is not None
    if field.element_type == DataType.VARCHAR:
        return f"varchar({int(field.max_length or 65535)})"
    return _SCALAR_TYPES[field.element_type]


def column_type(field: FieldSchema) -> sql.Composable:
    """The Postgres type of one field (typmods are ints we validated, never user text)."""
    dtype = field.dtype
    # Strings sort and compare byte-wise in Milvus: the "C" collation does the same,
    # and lets B-tree indexes serve LIKE 'prefix%' too.
    if dtype == DataType.VARCHAR:
        return sql.SQL('varchar({}) COLLATE "C"').format(sql.Literal(field.byte_limit))
    if dtype == DataType.TEXT:
        return sql.SQL('text COLLATE "C"')
    if dtype == DataType.ARRAY:
        collate = ' COLLATE "C"' if field.element_type == DataType.VARCHAR else ""
        return sql.SQL(element_sql_type(field) + "[]" + collate)
    if dtype == DataType._ARRAY_OF_VECTOR:  # a struct array's vector sub-field (schema/structs.py)
        return sql.SQL(_VECTOR_TYPES[field.element_type] + "({})[]").format(sql.Literal(int(field.dim)))
    if field.is_wide:  # pieces of at most 16,000 dims (schema/model.py WIDE_PIECE)
        return sql.SQL(_VECTOR_TYPES[dtype] + "[]")
    if dtype in _VECTOR_TYPES:
        return sql.SQL(_VECTOR_TYPES[dtype] + "({})").format(sql.Literal(int(field.dim)))
    if dtype == DataType.SPARSE_FLOAT_VECTOR and field.is_function_output:
        return sql.SQL("jsonb")  # a BM25 function's term frequencies (search/bm25.py)
    if dtype == DataType.SPARSE_FLOAT_VECTOR:
        return sql.SQL("sparsevec")
    return sql.SQL(_SCALAR_TYPES[dtype])


def column_checks(field: FieldSchema) -> list[sql.Composable]:
    """CHECK constraints so Postgres itself holds Milvus's limits, whoever writes."""
    col = sql.Identifier(field.name)
    out: list[sql.Composable] = []
    if field.dtype == DataType.INT8:
        lo, hi = INT_RANGES[DataType.INT8]
        out.append(sql.SQL("CHECK ({} BETWEEN {} AND {})").format(col, sql.Literal(lo), sql.Literal(hi)))
    if field.dtype == DataType.VARCHAR:
        out.append(sql.SQL("CHECK (octet_length({}) <= {})").format(col, sql.Literal(field.byte_limit)))
    if field.dtype in (DataType.ARRAY, DataType._ARRAY_OF_VECTOR):
        out.append(sql.SQL("CHECK (cardinality({}) <= {})").format(col, sql.Literal(int(field.max_capacity))))
    if field.is_wide:
        out.append(sql.SQL("CHECK (cardinality({}) = {})").format(col, sql.Literal(len(field.pieces))))
    return out


def column_def(field: FieldSchema) -> sql.Composable:
    parts: list[sql.Composable] = [sql.Identifier(field.name), column_type(field)]
    if not field.nullable:
        parts.append(sql.SQL("NOT NULL"))
    if field.has_default and field.default_value is not None:
        default = field.default_value
        if field.dtype == DataType.TIMESTAMPTZ:  # the instant (UTC if no offset), not the session's zone
            instant = timestamps.parse(default, timestamps.DEFAULT_TIMEZONE)
            default = default if instant is None else instants.pg_text(instant)
        parts.append(sql.SQL("DEFAULT {}").format(sql.Literal(default)))
    parts.extend(column_checks(field))
    return sql.SQL(" ").join(parts)


def external_storage(schema_name: str, table: str, fields: list[FieldSchema]) -> list[sql.Composed]:
    """Wide vectors' columns (FieldSchema.is_wide, an array of pieces) stored out of line without
    a compression attempt, as pgvector's own types are: each 64-128 kB value went through pglz
    for nothing (inserts of 20,000-d rows at 670 rows/s, 1,760 without; bench/widest.py).  The
    partitions and segments made later inherit it from the parent."""
    return [sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET STORAGE EXTERNAL").format(
        qualified(schema_name, table), sql.Identifier(f.name)) for f in fields if f.is_wide]


def qualified(schema_name: str, table: str) -> sql.Identifier:
    return sql.Identifier(schema_name, table)


#: The dynamic field's column: every key a row has beyond the schema's fields.
DYNAMIC_COLUMN = sql.SQL("{} jsonb NOT NULL DEFAULT '{{}}'::jsonb").format(sql.Identifier(DYNAMIC_FIELD))


#: The write time's column.  ``now()`` is stable, not volatile: added to a table that has rows,
#: it is stored once as the rows' missing value (no rewrite), so they count from the ALTER.
TS_COLUMN_DEF = sql.SQL("{} timestamptz NOT NULL DEFAULT now()").format(sql.Identifier(TS_COLUMN))


#: Physical column order (``storage_order``): fixed-width scalars by alignment, widest first, then
#: variable-width scalars, then vectors; fields of one rank keep their schema order.
_STORAGE_RANK = {DataType.INT64: 0, DataType.DOUBLE: 0, DataType.TIMESTAMPTZ: 0,
                 DataType.INT32: 1, DataType.FLOAT: 1, DataType.INT16: 2, DataType.INT8: 3, DataType.BOOL: 3}
_VARIABLE, _VECTOR = 4, 5


def storage_order(fields: list[FieldSchema]) -> list[FieldSchema]:
    """The fields in the order their columns are created: a filter on a scalar field then finds
    its value at a fixed offset, without walking past the vectors (a sequential scan of 20k 128-d
    rows with a 0.5% filter: 15-30% faster; counting the rows of that filter, up to 2x).  Milvus's
    field order is the catalog's; only ``SELECT *`` on the table shows this one."""
    def rank(field: FieldSchema) -> int:
        if field.dtype in VECTOR_TYPES or field.dtype == DataType._ARRAY_OF_VECTOR:
            return _VECTOR
        return _STORAGE_RANK.get(field.dtype, _VARIABLE)
    return sorted(fields, key=rank)


def cast_sql(expression: sql.Composable, cast: str) -> sql.Composable:
    """``expression`` as the type an index orders it by (catalog/indexes.py ``cast``):
    ``subvector(n)`` is a float vector's first n dims as a halfvec, ``mhbands(width,bands)`` a
    MinHash signature's LSH bands (a GIN index's array), any other a plain cast (``halfvec(n)``,
    sparsevec's typmod)."""
    if cast.startswith("subvector("):
        dims = int(cast[len("subvector("):-1])
        return sql.SQL("(subvector({}, 1, {})::halfvec({}))").format(expression, sql.Literal(dims), sql.Literal(dims))
    if cast.startswith("mhbands("):
        width, bands = (int(n) for n in cast[len("mhbands("):-1].split(","))
        return mh_bands_sql(expression, width, bands)
    return sql.SQL("({}::{})").format(expression, sql.SQL(cast))


def mh_bands_sql(signature: sql.Composable, width: int, bands: int) -> sql.Composable:
    """A MinHash signature's LSH bands (``bands`` of ``width`` bits), the expression a MINHASH_LSH
    index holds and a search matches (catalog migration 018)."""
    return sql.SQL("pgmilvus_catalog.mh_bands(({})::varbit, {}, {})").format(
        signature, sql.Literal(int(width)), sql.Literal(int(bands)))


def match_column(field: str) -> str:
    """The hidden column holding the tokens of text_match field ``field`` (data/analyzer.py
    match_document): pgmilvus's analyzer runs at write time, as Milvus's text index does."""
    return pg_name(MATCH_PREFIX, field)


def match_column_def(field: str, default: Optional[bytes] = None) -> sql.Composed:
    """``default``: the stored tokens of the field's default value, for the rows of a table the
    column is added to (a constant: no rewrite); NULL when the field has none."""
    return sql.SQL("{} jsonb{}").format(
        sql.Identifier(match_column(field)),
        sql.SQL(" DEFAULT {}::jsonb").format(sql.Literal(default.decode())) if default is not None else sql.SQL(""))


def match_index(schema_name: str, table: str, field: str) -> sql.Composed:
    """The GIN index finding the rows that hold any / all of a query's tokens (``-> 't' ?| / ?&``),
    on the parent so every partition and segment has it, built with the column."""
    return sql.SQL("CREATE INDEX {} ON {} USING gin (({} -> 't'))").format(
        sql.Identifier(pg_name(table, "match", field)), qualified(schema_name, table),
        sql.Identifier(match_column(field)))


def create_collection_table(schema_name: str, table: str, schema: CollectionSchema,
                            segmented: bool = False, write_times: bool = False,
                            token_fields: tuple[str, ...] = ()) -> sql.Composed:
    """The parent table; ``segmented``: with the hidden "$segment" column, also in the primary key
    (Postgres wants every partitioning column in it: uniqueness of the pk alone is checked by the
    writers under the collection lock, writes.py); ``write_times``: with the hidden "$ts" column
    (a TTL given at create time), first, so the expiry test of every read finds it at a fixed
    offset of the row; ``token_fields``: text_match fields whose tokens are stored (match_column)."""
    columns = [TS_COLUMN_DEF] if write_times else []
    columns += [column_def(f) for f in storage_order(schema.columns)]
    if schema.enable_dynamic_field:
        columns.append(DYNAMIC_COLUMN)
    columns += [match_column_def(name) for name in token_fields]
    key = schema.partition_key_field
    pk = sql.Identifier(schema.primary_field.name)
    if key is None:
        columns.append(sql.SQL("{} text NOT NULL DEFAULT {}").format(
            sql.Identifier(PARTITION_COLUMN), sql.Literal(DEFAULT_PARTITION)))
        part_col = sql.Identifier(PARTITION_COLUMN)
        method = sql.SQL("LIST")
    else:
        part_col = sql.Identifier(key.name)
        method = sql.SQL("HASH")
    key_columns = [pk, part_col]
    if segmented:
        # 0: rows written by plain SQL, outside pgmilvus (segments.OUTSIDE_SEGMENT).  integer, not
        # bigint: 4 bytes less per row keep e.g. 14 rather than 13 rows of 128-d vectors per page.
        columns.append(sql.SQL("{} integer NOT NULL DEFAULT 0").format(sql.Identifier(SEGMENT_COLUMN)))
        key_columns.append(sql.Identifier(SEGMENT_COLUMN))
    columns.append(sql.SQL("PRIMARY KEY ({})").format(sql.SQL(", ").join(key_columns)))
    return sql.SQL("CREATE TABLE {} ({}) PARTITION BY {} ({})").format(
        qualified(schema_name, table), sql.SQL(", ").join(columns), method, part_col)


def bm25_term_index(schema_name: str, table: str, field: str) -> sql.Composed:
    """The GIN index finding the rows that hold any of a query's terms (``col -> 't' ?| terms``), on
    the parent so every partition and segment has it; built with the table, whatever Milvus index
    is created on the field later: GIN keeps up with row-by-row writes (its pending list), unlike
    the vector indexes that wait for a sealed segment (segments.py)."""
    return sql.SQL("CREATE INDEX {} ON {} USING gin (({} -> 't'))").format(
        sql.Identifier(pg_name(table, "bm25", field)), qualified(schema_name, table), sql.Identifier(field))


def create_list_partition(schema_name: str, table: str, child: str, partition: str,
                          segmented: bool = False) -> sql.Composed:
    """A Milvus partition's table; ``segmented``: itself partitioned, one leaf per segment."""
    return sql.SQL("CREATE TABLE {} PARTITION OF {} FOR VALUES IN ({}){}").format(
        qualified(schema_name, child), qualified(schema_name, table), sql.Literal(partition),
        _by_segment(segmented))


def _by_segment(segmented: bool) -> sql.Composable:
    return sql.SQL(" PARTITION BY LIST ({})").format(sql.Identifier(SEGMENT_COLUMN)) if segmented else sql.SQL("")


def create_segment(schema_name: str, child: str, leaf: str, segment_id: int) -> sql.Composed:
    """One segment's leaf table under its Milvus partition's table."""
    return sql.SQL("CREATE TABLE {} PARTITION OF {} FOR VALUES IN ({})").format(
        qualified(schema_name, leaf), qualified(schema_name, child), sql.Literal(int(segment_id)))


def create_like(schema_name: str, parent: str, table: str) -> sql.Composed:
    """A table shaped as ``parent`` (columns, defaults, constraints, indexes), to attach under it."""
    return sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(qualified(schema_name, table),
                                                                    qualified(schema_name, parent))


def attach_segment(schema_name: str, child: str, leaf: str, segment_id: int) -> sql.Composed:
    """``leaf`` as the segment ``segment_id`` of the Milvus partition's table ``child``."""
    return sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES IN ({})").format(
        qualified(schema_name, child), qualified(schema_name, leaf), sql.Literal(int(segment_id)))


def create_hash_partition(schema_name: str, table: str, child: str, modulus: int,
                          remainder: int, segmented: bool = False) -> sql.Composed:
    """One of a partition-key collection's partitions; ``segmented``: one leaf per segment."""
    return sql.SQL("CREATE TABLE {} PARTITION OF {} FOR VALUES WITH (MODULUS {}, REMAINDER {}){}").format(
        qualified(schema_name, child), qualified(schema_name, table), sql.Literal(modulus),
        sql.Literal(remainder), _by_segment(segmented))


def add_dynamic_column(schema_name: str, table: str) -> sql.Composed:
    """The dynamic field on an existing table (a constant default: no table rewrite)."""
    return sql.SQL("ALTER TABLE {} ADD COLUMN {}").format(qualified(schema_name, table), DYNAMIC_COLUMN)


def add_ts_column(schema_name: str, table: str) -> sql.Composed:
    """"$ts" on an existing collection table (a TTL set by alter_collection_properties): added to
    the partitioned parent, Postgres adds it to every partition and segment leaf."""
    return sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {}").format(qualified(schema_name, table), TS_COLUMN_DEF)


def drop_table(schema_name: str, table: str) -> sql.Composed:
    return sql.SQL("DROP TABLE IF EXISTS {}").format(qualified(schema_name, table))


def rename_table(schema_name: str, table: str, new_table: str) -> sql.Composed:
    return sql.SQL("ALTER TABLE {} RENAME TO {}").format(qualified(schema_name, table),
                                                          sql.Identifier(new_table))


def rename_index(schema_name: str, index: str, new_index: str) -> sql.Composed:
    return sql.SQL("ALTER INDEX {} RENAME TO {}").format(qualified(schema_name, index), sql.Identifier(new_index))


def move_table(schema_name: str, table: str, new_schema: str) -> sql.Composed:
    return sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(qualified(schema_name, table),
                                                          sql.Identifier(new_schema))


def create_schema(schema_name: str) -> sql.Composed:
    return sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema_name))


def drop_schema(schema_name: str) -> sql.Composed:
    return sql.SQL("DROP SCHEMA IF EXISTS {}").format(sql.Identifier(schema_name))
