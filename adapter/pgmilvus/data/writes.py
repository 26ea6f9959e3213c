"""insert / upsert / delete on one connection, inside the caller's transaction.

All-or-nothing: the client runs each call in one transaction, and every
row is validated (values.py) before it is sent, so the first bad row raises
with its index and nothing of the batch stays.

Speed and memory: rows are encoded straight into the binary wire format and
streamed with ``COPY ... (FORMAT BINARY)`` in chunks of ``CHUNK_ROWS``, so a
1M-row generator never sits in memory at once (only the returned ids do).

Primary keys are unique across the whole collection (Milvus keeps duplicates
and then answers inconsistently): the table's primary key includes the
partition column, so uniqueness across partitions is checked here under a
per-collection advisory lock that serialises inserts and upserts.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Optional, Sequence

import psycopg
from psycopg import sql

from ..catalog import store as catalog, segments, ttl
from ..schema import ddl
from . import analyzer, copy_binary, field_ops as array_ops, minhash, structs, timestamps, values
from ..catalog.store import CATALOG, CollectionInfo
from ..errors import DataNotMatchException, ErrorCode, MilvusException, partition_not_found
from ..schema.names import partition_name as check_partition_name
from .results import OmitZeroDict
from ..schema.model import DYNAMIC_FIELD, FieldSchema
from ..types import DataType

CHUNK_ROWS = 10_000
_PK_PREVIEW = 5


def column_oids(conn: psycopg.Connection, info: CollectionInfo, columns: list[str]) -> list[int]:
    """The type oid of each column, in ``columns`` order (for COPY's set_types).  Kept with the
    description (``info.plans``), which a schema change replaces: a round trip less per write."""
    by_name = info.plans.get(_COLUMN_OIDS)
    if by_name is None or any(c not in by_name for c in columns):
        qualified = sql.Identifier(info.schema_name, info.table_name).as_string(conn)
        by_name = dict(conn.execute("SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = "
                                    "%s::regclass AND attnum > 0 AND NOT attisdropped", (qualified,)).fetchall())
        info.plans[_COLUMN_OIDS] = by_name
    return [by_name[c] for c in columns]


#: The key of column_oids's entry in a description's cache.
_COLUMN_OIDS = ("column_oids",)


# -- rows -> encoded tuples -------------------------------------------------------------------

def allow_insert_auto_id(info: CollectionInfo) -> bool:
    return str(info.properties.get("allow_insert_auto_id", "false")).lower() == "true"


def target_partition(info: CollectionInfo, partition_name: Optional[str]) -> Optional[str]:
    """The Milvus partition rows go to (None for partition-key collections)."""
    if info.schema.partition_key_field is not None:
        if partition_name:
            raise MilvusException(ErrorCode.INVALID_PARAMETER,
                                  "not support manually specifying the partition names if partition key "
                                  "mode is used")
        return None
    name = partition_name or ddl.DEFAULT_PARTITION
    if not isinstance(name, str):
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              f"partition_name must be a str, got {type(name).__name__}")
    if info.partition(name) is None:
        check_partition_name(name)  # Milvus's proxy checks the name before looking it up
        raise partition_not_found(name)
    return name


def _lock(conn: psycopg.Connection, info: CollectionInfo, partition: Optional[str]) -> CollectionInfo:
    """The collection's write lock (catalog.lock_collection: the collection as it is now), then
    the target partition checked again: a drop_partition may have committed since it was looked up."""
    info = catalog.lock_collection(conn, info)
    if partition is not None and info.partition(partition) is None:
        raise partition_not_found(partition)
    return info


@dataclass
class EncodedChunk:
    """One chunk, encoded: ``columns`` are value lists in RowEncoder.columns order, ready for COPY."""

    columns: list[list[Any]]
    pks: list[Any]                    # the stored primary keys, in row order
    given: list[Any]                  # primary keys the rows carried (to check / to replace)
    base: int                         # index of the chunk's first row in the whole call


class RowEncoder:
    """Turns row dicts into wire values for every column of the collection's table.

    Encoding is column by column (values.encode_column_fast) with a per-value fallback that
    raises pymilvus's / Milvus's error naming the row.

    ``pk_policy``: "given" (the row must carry the PK), "auto" (the PK must be absent and is
    generated), "auto_or_given" (auto_id with allow_insert_auto_id: given PKs are kept), or
    "auto_replace" (upsert on auto_id: the row must carry the PK of the entity it replaces,
    and gets a fresh one).
    """

    def __init__(self, info: CollectionInfo, partition: Optional[str], pk_policy: str) -> None:
        schema = info.schema
        self.info = info
        self.pk_field = schema.primary_field
        self.pk_policy = pk_policy
        self.fields: list[FieldSchema] = list(schema.fields)
        self.field_names = frozenset(f.name for f in self.fields)
        self.dynamic = schema.enable_dynamic_field
        self.partition = partition
        self.columns = [f.name for f in self.fields]
        #: struct array fields, their sub-field columns following the fields (data/structs.py)
        self.structs = list(schema.struct_fields)
        self.field_names = self.field_names.union(s.name for s in self.structs)
        self.columns += [c.name for c in schema.struct_columns]
        self._struct_encoders: Optional[list[structs.StructColumns]] = None
        #: text_match field -> its column's position (its tokens' column follows the fields)
        self.matched = {name: self.columns.index(name) for name in sorted(schema.token_fields)}
        self.columns += [ddl.match_column(name) for name in self.matched]
        if self.dynamic:
            self.columns.append(DYNAMIC_FIELD)
        if partition is not None:
            self.columns.append(ddl.PARTITION_COLUMN)
        #: The growing segments rows go to (segmented collections; set by _segment_writer, segments.py).
        self.writer: Optional[segments.SegmentWriter] = None
        key = schema.partition_key_field
        self.key_index = self.columns.index(key.name) if key is not None else None
        if info.segmented:
            self.columns.append(ddl.SEGMENT_COLUMN)
        self.pk_index = self.columns.index(self.pk_field.name)
        zone = timestamps.collection_timezone(info.properties)  # TIMESTAMPTZ strings without an offset
        #: BM25 output field -> (its column's position, its input field's column position)
        self.bm25 = {name: (self.columns.index(name), self.columns.index(source.name))
                     for name, source in schema.bm25_outputs.items()}
        #: MinHash output field -> (its column's position, its input field's column position)
        self.minhash = {name: (self.columns.index(name), self.columns.index(source.name))
                        for name, (source, _) in schema.minhash_outputs.items()}
        self._encoders = {f.name: values.field_encoder(f, zone) for f in self.fields}
        self._defaults = {f.name: values.encode_default(f) if f.has_default else None for f in self.fields}

    # -- whole chunk --------------------------------------------------------------------------
    def encode_chunk(self, conn: psycopg.Connection, chunk: list[Any], base: int) -> EncodedChunk:
        for i, row in enumerate(chunk):
            if type(row) is not dict and not isinstance(row, dict):
                raise not_a_row(row, base + i)
        columns: list[list[Any]] = []
        given: list[Any] = []
        if self.bm25 or self.minhash:
            refuse_function_outputs(self.info, chunk, base)
        for field in self.fields:
            if field.name in self.bm25 or field.name in self.minhash:
                columns.append([])  # computed from its input field's column below
            elif field is self.pk_field:
                pk_col, given = self._pk_column(conn, chunk, base)
                columns.append(pk_col)
            elif field.is_wide:  # COPY writes the wire as it is: the pieces' type oid set here
                oid = structs.element_oid(conn, field.dtype)
                columns.append([values.with_element_oid(v, oid) for v in self._column(field, chunk, base)])
            else:
                columns.append(self._column(field, chunk, base))
        if self.structs:
            columns.extend(self._struct_columns(conn, chunk, base))
        placed = {name: token_positions(self.info, name, columns[at]) for name, at in self.matched.items()}
        for at, source in self.bm25.values():
            if self.columns[source] in placed:  # the text's tokens counted, not analyzed again
                columns[at] = [values.JsonbWire(b"\x01" + analyzer.document(
                    {token: len(held) for token, held in p.items()} if p is not None else {}))
                    for p in placed[self.columns[source]]]
                continue
            multi = analyzer.multi_for_field(self.info.schema.bm25_outputs[self.columns[at]])
            names = columns[self.columns.index(multi.by_field)] if multi is not None else None
            columns[at] = bm25_documents(self.info, self.columns[at], columns[source], names)
        for name, (at, source) in self.minhash.items():
            columns[at] = minhash_vectors(self.info, name, columns[source])
        for positions in placed.values():
            columns.append([_match_wire(p) for p in positions])
        if self.dynamic:
            columns.append(self._meta_column(chunk, base))
        else:
            self._refuse_extra_keys(chunk, base)
        if self.partition is not None:
            columns.append([self.partition] * len(chunk))
        if self.info.segmented:
            columns.append(self._segments(columns, len(chunk)))
        return EncodedChunk(columns, columns[self.pk_index], given, base)

    def struct_encoders(self, conn: psycopg.Connection) -> list[structs.StructColumns]:
        """The encoders of the collection's struct array fields (their vector types' oids read from ``conn``)."""
        if self._struct_encoders is None:
            zone = timestamps.collection_timezone(self.info.properties)
            self._struct_encoders = [structs.StructColumns(s, conn, zone) for s in self.structs]
        return self._struct_encoders

    def _struct_columns(self, conn: psycopg.Connection, chunk: list[dict], base: int) -> list[list[Any]]:
        return [col for encoder in self.struct_encoders(conn) for col in encoder.encode(chunk, base)]

    def _segments(self, columns: list[list[Any]], rows: int) -> list[Any]:
        """The "$segment" column: the growing segment of the row's partition (segments.py)."""
        if self.writer is None:
            return [None] * rows  # refused by the table: a segmented collection's writes have a writer
        keys = None
        if self.writer.keyed:
            assert self.key_index is not None
            key = self.info.schema.partition_key_field
            assert key is not None
            keys = array_param(self.writer.conn, key.dtype, columns[self.key_index])
        return self.writer.segments(rows, keys)

    def _column(self, field: FieldSchema, chunk: list[dict], base: int) -> list[Any]:
        col = [row.get(field.name) for row in chunk]
        try:
            return self._encode_column(field, col, chunk, base)
        except DataNotMatchException:
            raise  # pymilvus's own check, made before the request leaves the client
        except MilvusException as exc:
            raise (values.undivided_float_data(field, col, base) or exc) from None

    def _encode_column(self, field: FieldSchema, col: list[Any], chunk: list[dict], base: int) -> list[Any]:
        name = field.name
        fast = values.encode_column_fast(field, col)
        if fast is not None:
            return fast
        encode, default = self._encoders[name], self._defaults[name]
        out = []
        for i, value in enumerate(col):
            if value is None:
                if field.has_default and field.default_value is not None:
                    out.append(default)
                elif field.nullable:
                    out.append(None)
                elif name in chunk[i]:
                    raise values.type_mismatch(field, None, base + i, "None is only allowed for nullable fields")
                else:
                    raise values.missing_field(field, base + i)
            else:
                out.append(encode(value, base + i))
        return out

    def _pk_column(self, conn: psycopg.Connection, chunk: list[dict], base: int) -> tuple[list, list]:
        """(stored PKs, PKs given by the rows) under the collection's auto_id policy."""
        field, policy = self.pk_field, self.pk_policy
        name = field.name
        if policy == "auto":
            for i, row in enumerate(chunk):
                if name in row:  # 2.6's proxy counts the columns first (checkFieldsDataBySchema)
                    fields = len(self.info.schema.fields) + int(self.info.schema.enable_dynamic_field)
                    raise MilvusException(
                        ErrorCode.INVALID_PARAMETER,
                        f"more fieldData has pass in: invalid parameter[expected={fields}][actual={fields + 1}] "
                        f"(row {base + i}: `{name}` is an auto_id primary key; leave it out, or set the "
                        "collection property allow_insert_auto_id to \"true\")")
            return self._new_ids(conn, len(chunk)), []
        if policy == "auto_or_given":
            col = [row.get(name) for row in chunk]
            missing = [i for i, v in enumerate(col) if v is None]
            given_rows = [i for i, v in enumerate(col) if v is not None]
            given = [values.pk_value(field, col[i], base + i) for i in given_rows]
            for i, value in zip(given_rows, given):
                col[i] = value
            for i, new_id in zip(missing, self._new_ids(conn, len(missing))):
                col[i] = new_id
            return col, given
        col = [row.get(name) for row in chunk]
        given = values.encode_column_fast(field, col)
        if given is None:
            given = []
            for i, (row, value) in enumerate(zip(chunk, col)):
                if value is None and name not in row:
                    raise values.missing_field(field, base + i)
                given.append(values.pk_value(field, value, base + i))
        if policy == "auto_replace":
            return self._new_ids(conn, len(chunk)), given
        return given, given

    def _new_ids(self, conn: psycopg.Connection, count: int) -> list[Any]:
        if not count:
            return []
        ids = catalog.next_auto_ids(conn, count)
        return [str(i) for i in ids] if self.pk_field.dtype == DataType.VARCHAR else ids

    def _meta_column(self, chunk: list[dict], base: int) -> list[Any]:
        names = self.field_names
        out = []
        for i, row in enumerate(chunk):
            if names.issuperset(row):  # no dynamic keys (the common case: checked at C speed)
                out.append(values.EMPTY_OBJECT)
                continue
            extra = {k: v for k, v in row.items() if k not in names}
            fast = None if DYNAMIC_FIELD in extra else values.encode_meta_fast(extra)
            out.append(fast if fast is not None else self._meta_slow(extra, base + i))
        return out

    def _meta_slow(self, extra: dict[Any, Any], index: int) -> Any:
        merged: dict[Any, Any] = {}
        for key, value in extra.items():
            if key == DYNAMIC_FIELD:
                if not isinstance(value, dict):
                    raise DataNotMatchException(
                        message=f"the dynamic field {DYNAMIC_FIELD} must be a dict (a JSON object), got "
                                f"{type(value).__name__} (row {index})")
                merged.update(value)
            else:
                merged[key] = value
        return values.encode_meta(merged, index)

    def _refuse_extra_keys(self, chunk: list[dict], base: int) -> None:
        names = self.field_names
        for i, row in enumerate(chunk):
            if not names.issuperset(row):
                extra = next(k for k in row if k not in names)
                raise values.unexpected_field(extra, base + i)


def refuse_function_outputs(info: CollectionInfo, chunk: list[Any], base: int) -> None:
    """A row giving a BM25 or MinHash output field: pymilvus refuses it before sending
    (Prepare.row_insert_param), Milvus computes the field from the text."""
    outputs = info.schema.computed_fields
    if not outputs:
        return
    for i, row in enumerate(chunk):
        if isinstance(row, dict) and not outputs.keys().isdisjoint(row):
            name = next(k for k in outputs if k in row)
            raise DataNotMatchException(message=f"Attempt to insert an unexpected function output field `{name}` "
                                                f"to collection (row {base + i}: Milvus computes it from field "
                                                f"{outputs[name].name})")


def bm25_documents(info: CollectionInfo, output: str, texts: list[Optional[str]],
                   names: Optional[list[Optional[str]]] = None) -> list[values.JsonbWire]:
    """The stored values of BM25 output field ``output`` for its input field's ``texts`` (the
    field's analyzer looked up once per column, not per row); ``names``: a multi-analyzer
    field's by_field values, each row's analyzer."""
    source = info.schema.bm25_outputs[output]
    if names is not None:  # the field's analyzers looked up once, each row's picked by name
        pick = analyzer.multi_for_field(source).pick
        return [values.JsonbWire(b"\x01" + analyzer.document(pick(name).frequencies(text)))
                for text, name in zip(texts, names)]
    frequencies = analyzer.for_field(source).frequencies
    return [values.JsonbWire(b"\x01" + analyzer.document(frequencies(text))) for text in texts]


def minhash_vectors(info: CollectionInfo, output: str, texts: list[Optional[str]]) -> list[Any]:
    """The stored values of MinHash output field ``output`` for its input field's ``texts``
    (data/minhash.py; a NULL text hashes as an empty one)."""
    encode = values.field_encoder(info.schema.field(output))
    return [encode(signature, i) for i, signature in enumerate(minhash.hasher(info.schema, output)(texts))]


def token_positions(info: CollectionInfo, field: str, texts: list[Optional[str]]
                    ) -> list[Optional[dict[str, list[int]]]]:
    """Each text's tokens and positions by text_match field ``field``'s analyzer (None: NULL)."""
    positions = analyzer.for_field(info.schema.field(field)).positions
    return [None if text is None else positions(text) for text in texts]


def _match_wire(positions: Optional[dict[str, list[int]]]) -> Optional[values.JsonbWire]:
    """A text_match field's stored tokens as COPY's / a parameter's jsonb (NULL for a NULL text)."""
    return None if positions is None else values.JsonbWire(b"\x01" + analyzer.match_document(positions))


def chunks(rows: Iterable[Any], size: int = CHUNK_ROWS) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while True:
        chunk = list(itertools.islice(iterator, size))
        if not chunk:
            return
        yield chunk


# -- SQL pieces -----------------------------------------------------------------------------

def _table(info: CollectionInfo, partition: Optional[str] = None) -> sql.Identifier:
    if partition is None:
        return sql.Identifier(info.schema_name, info.table_name)
    part = info.partition(partition)
    assert part is not None
    return sql.Identifier(info.schema_name, part.table_name)


def pk_array_type(info: CollectionInfo) -> sql.SQL:
    return sql.SQL("bigint[]" if info.schema.primary_field.dtype == DataType.INT64 else "text[]")


def pk_in(info: CollectionInfo, keys: sql.Placeholder) -> sql.Composed:
    """``pk = ANY(keys)`` for a batch's keys, the array behind a scalar subquery.

    Written plainly, the planner weighs each key against each segment's statistics, at every
    call where the statement is not prepared (AsyncMilvusClient's connections never prepare):
    insert's duplicate-key check of 1,000 keys took 13.7 ms on 52 segments, 2.3 ms this way, and
    a DELETE of 1,000 keys was planned as sequential scans of the segments whose statistics were
    not gathered yet (35 ms on 11 segments, 1.5 ms this way).  Behind the subquery the planner
    sees one array of unknown contents, and each segment's primary-key B-tree answers at run time
    (docs/search.md, segments).
    """
    return sql.SQL("{} = ANY({})").format(sql.Identifier(info.schema.primary_field.name), pk_array(info, keys))


def pk_array(info: CollectionInfo, keys: sql.Placeholder) -> sql.Composed:
    """The keys' array parameter as ``pk_in`` hides it from the planner."""
    return sql.SQL("(SELECT {keys}::{arr})::{arr}").format(keys=keys, arr=pk_array_type(info))


def pk_param(conn: psycopg.Connection, info: CollectionInfo, pks: list[Any]) -> Any:
    """A batch's primary keys as one array parameter (``pk_array_type``) on ``conn``."""
    return array_param(conn, info.schema.primary_field.dtype, pks)


def array_param(conn: psycopg.Connection, dtype: DataType, keys: list[Any]) -> Any:
    """Key values as one ``bigint[]`` / ``text[]`` parameter on ``conn``, INT64 ones in binary (a
    10k-int list costs psycopg ~12 ms to dump, this well under one)."""
    # A connection whose cursors bind on the client (Django's default) writes parameters into
    # the statement as text: it gets the plain list.
    if dtype == DataType.INT64 and not issubclass(conn.cursor_factory, psycopg.ClientCursor):
        values.wire_adapters(conn)
        wire = copy_binary.int8_array(keys)
        if wire is not None:
            return values.Int8ArrayWire(wire)
    return keys


def _existing_pks(conn: psycopg.Connection, info: CollectionInfo, pks: list[Any],
                  tables: list[sql.Identifier]) -> list[Any]:
    """Up to a few of ``pks`` already stored in ``tables`` (children of the collection's table)."""
    pk, cond = sql.Identifier(info.schema.primary_field.name), pk_in(info, sql.Placeholder("pks"))
    parts = [sql.SQL("SELECT {pk} FROM {t} WHERE {cond}").format(pk=pk, t=t, cond=cond) for t in tables]
    query = sql.SQL("SELECT * FROM ({}) AS found ORDER BY 1 LIMIT {}").format(
        sql.SQL(" UNION ALL ").join(parts), sql.Literal(_PK_PREVIEW))
    return [r[0] for r in conn.execute(query, {"pks": pk_param(conn, info, pks)}).fetchall()]


def _existing_pks_unread(conn: psycopg.Connection, info: CollectionInfo, pks: list[Any]) -> list[Any]:
    """Up to a few of ``pks`` stored anywhere in the collection, for a writer who may not read it
    (010_existing_keys.sql: the catalog's function answers which keys exist, nothing else)."""
    return [r[0] for r in conn.execute(
        sql.SQL("SELECT * FROM {}.existing_keys(%(t)s::regclass, %(pks)s::{}, {})").format(
            sql.Identifier(CATALOG), pk_array_type(info), sql.Literal(_PK_PREVIEW)),
        {"t": _table(info).as_string(conn), "pks": pk_param(conn, info, pks)}).fetchall()]


def _duplicate_scope(info: CollectionInfo, partition: Optional[str]) -> list[sql.Identifier]:
    """Tables where an inserted PK must not exist beyond what the table's own key already refuses.

    LIST layout: the primary key (pk, "$partition") refuses a duplicate inside the target
    partition, so only the other partitions are searched (none at all for a single partition).
    Partition-key layout: the key (pk, keyfield) allows the same pk with another key value, so
    the whole table is searched; so is a segmented collection's (its key has "$segment" too).
    """
    if partition is None or info.segmented:
        return [_table(info)]  # segmented: the key includes "$segment", every segment is searched
    return [sql.Identifier(info.schema_name, p.table_name) for p in info.partitions if p.name != partition]


def _drop_expired_keys(conn: psycopg.Connection, info: CollectionInfo, pks: list[Any]) -> None:
    """Rows of ``pks`` whose entities expired (collection TTL or TTL field, catalog/ttl.py), deleted first."""
    if ttl.expiring(info):
        ttl.drop_expired(conn, info, pk_param(conn, info, pks), pk_array_type(info))


def _delete_pks(conn: psycopg.Connection, info: CollectionInfo, pks: list[Any],
                partition: Optional[str] = None) -> int:
    """Delete every row of ``pks``; how many of them were live (with a TTL, an expired
    row goes too, as Milvus's delete by key reaches it, but its entity was gone already)."""
    query = sql.SQL("DELETE FROM {t} WHERE {cond}").format(
        t=_table(info, partition), cond=pk_in(info, sql.Placeholder()))
    alive = ttl.live(info)
    if alive is None:
        return conn.execute(query, (pk_param(conn, info, pks),)).rowcount
    counted = sql.SQL("WITH gone AS ({} RETURNING {} AS live) SELECT count(*) FILTER (WHERE live) FROM gone").format(
        query, alive)
    return conn.execute(counted, (pk_param(conn, info, pks),)).fetchone()[0]


def _copy_rows(conn: psycopg.Connection, info: CollectionInfo, encoder: RowEncoder,
               columns: list[list[Any]], oids: list[int], base: int = 0) -> None:
    """COPY encoded columns into the partition's own table (or the parent for partition keys):
    built in bulk (copy_binary.py) when every column allows, else row by row by psycopg."""
    target = _table(info, encoder.partition)
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        target, sql.SQL(", ").join(sql.Identifier(c) for c in encoder.columns))
    pieces = copy_binary.encode(columns, oids)
    try:
        with conn.cursor() as cur:
            with cur.copy(statement) as copy:
                if pieces is not None:
                    for piece in pieces:
                        copy.write(piece)
                    return
                copy.set_types(oids)
                write = copy.write_row
                for row in zip(*columns):
                    write(row)
    except psycopg.errors.ProgramLimitExceeded as exc:
        found = too_long_for_index(info, encoder.columns, columns, base)
        if found is None:
            raise
        raise MilvusException(ErrorCode.UNEXPECTED_ERROR, f"{found} ({str(exc).splitlines()[0]}); nothing of "
                                                          "this call was written") from None


#: Postgres's B-tree entry limit (a third of a page), after the value's compression.
BTREE_ENTRY_BYTES = 2704


def too_long_for_index(info: CollectionInfo, names: Sequence[str], columns: list[list[Any]],
                       base: int = 0) -> Optional[str]:
    """What an index-row-size error of a write is about: the longest string in a B-tree-indexed
    column (the primary key, or a field with an INVERTED / STL_SORT / TRIE / AUTOINDEX scalar
    index), named with its row and the fix; None when no such value is past the limit."""
    indexed = {info.schema.primary_field.name: "the primary key's index"}
    for index in info.indexes:
        field = info.schema.field(index.field_name)  # a scalar index may carry a metric (describe only)
        if index.pg_index_name and not (field is not None and field.takes_vector_index):
            indexed.setdefault(index.field_name, f"the {index.index_type} index {index.index_name!r}")
    longest = None
    for name, values_ in zip(names, columns):
        if name not in indexed:
            continue
        for row, value in enumerate(values_):
            size = len(value.encode("utf-8", "surrogatepass")) if isinstance(value, str) else 0
            if size > BTREE_ENTRY_BYTES and (longest is None or size > longest[0]):
                longest = (size, name, base + row)
    if longest is None:
        return None
    size, name, row = longest
    fix = ("keep primary keys shorter (a hash of a long key, for one)" if name == info.schema.primary_field.name
           else f"keep the values shorter, or drop the scalar index on {name}")
    return (f"the value of field {name} in row {row} is {size:,} bytes, too long for {indexed[name]}: a "
            f"PostgreSQL B-tree entry holds at most {BTREE_ENTRY_BYTES:,} bytes after compression; {fix}")


def _segment_writer(conn: psycopg.Connection, info: CollectionInfo, encoder: RowEncoder
                    ) -> Optional[segments.SegmentWriter]:
    """The growing segments the call writes into (segmented collections), set on ``encoder``:
    its partition's, or each hash partition's for a partition-key collection."""
    if not info.segmented:
        return None
    writer = segments.SegmentWriter(conn, info, encoder.partition)
    encoder.writer = writer
    return writer


def _first_duplicate(pks: list[Any]) -> Optional[Any]:
    seen: set[Any] = set()
    for pk in pks:
        if pk in seen:
            return pk
        seen.add(pk)
    return None


# -- insert -------------------------------------------------------------------------------------

def _insert_policy(info: CollectionInfo) -> str:
    if not info.schema.primary_field.auto_id:
        return "given"
    return "auto_or_given" if allow_insert_auto_id(info) else "auto"


def insert(conn: psycopg.Connection, info: CollectionInfo, rows: Iterable[Any],
           partition_name: Optional[str] = None) -> OmitZeroDict:
    """Insert every row or none; refuses a primary key that exists already (use upsert)."""
    partition = target_partition(info, partition_name)
    policy = _insert_policy(info)
    # Re-read under the lock: partitions created since ``info`` was read must be searched too.
    info = _lock(conn, info, partition)
    encoder = RowEncoder(info, partition, policy)
    oids = column_oids(conn, info, encoder.columns)
    values.wire_adapters(conn)
    scope = _duplicate_scope(info, partition)
    writer = _segment_writer(conn, info, encoder)
    if writer is not None and not writer.may_read:
        scope = None  # Insert without Query privilege: the catalog's function looks for the keys
    ids: list[Any] = []
    base = 0
    for chunk in chunks(rows):
        encoded = encoder.encode_chunk(conn, chunk, base)
        if encoded.given:
            _drop_expired_keys(conn, info, encoded.given)  # an expired entity's key is free again
            _refuse_duplicates(conn, info, encoded, scope)
        try:
            _copy_rows(conn, info, encoder, encoded.columns, oids, encoded.base)
        except psycopg.errors.UniqueViolation as exc:
            raise _stored_duplicate(info, exc, encoded) from None
        if writer is not None:
            writer.wrote()
        ids.extend(encoded.pks)
        base += len(chunk)
    if writer is not None:
        writer.finish()
    return OmitZeroDict({"insert_count": len(ids), "ids": ids, "cost": 0})


def _refuse_duplicates(conn: psycopg.Connection, info: CollectionInfo, encoded: EncodedChunk,
                       scope: Optional[list[sql.Identifier]]) -> None:
    """Refuse keys repeated in the chunk or stored in ``scope`` (None: the whole collection, by a
    writer who may not read it)."""
    pk_name = info.schema.primary_field.name
    pks = encoded.given
    dup = _first_duplicate(pks)
    if dup is not None:
        rows = [encoded.base + i for i, pk in enumerate(encoded.pks) if pk == dup][:2]
        raise MilvusException(
            ErrorCode.INVALID_PARAMETER,
            f"duplicate primary key {dup!r} in the inserted data (rows {rows[0]} and {rows[1]}): pgmilvus "
            f"keeps `{pk_name}` unique; nothing was inserted. Use upsert() to replace entities")
    if scope is None:
        existing = _existing_pks_unread(conn, info, pks)
    else:
        existing = _existing_pks(conn, info, pks, scope) if scope else []
    if existing:
        row = encoded.base + encoded.pks.index(existing[0])
        others = f" (also {', '.join(map(repr, existing[1:]))})" if len(existing) > 1 else ""
        raise MilvusException(
            ErrorCode.INVALID_PARAMETER,
            f"primary key {existing[0]!r} (row {row}) already exists in collection {info.name}{others}: "
            f"pgmilvus keeps `{pk_name}` unique; nothing was inserted. Use upsert() to replace existing "
            "entities")


def _stored_duplicate(info: CollectionInfo, exc: psycopg.errors.UniqueViolation,
                      encoded: EncodedChunk) -> MilvusException:
    """The table's own key refused a PK stored in the target partition already."""
    detail = (exc.diag.message_detail or "").strip()
    match = re.search(r"=\((.*), [^,]*\) already exists", detail)
    text = match.group(1) if match else None
    where = f"rows {encoded.base}..{encoded.base + len(encoded.pks) - 1}"
    pk: Any = text
    for i, candidate in enumerate(encoded.pks):
        if str(candidate) == text:
            where, pk = f"row {encoded.base + i}", candidate
            break
    return MilvusException(
        ErrorCode.INVALID_PARAMETER,
        f"primary key {pk!r} ({where}) already exists in collection {info.name}: pgmilvus keeps "
        f"`{info.schema.primary_field.name}` unique; nothing was inserted. Use upsert() to replace "
        "existing entities")


# -- upsert -------------------------------------------------------------------------------------

def _upsert_policy(info: CollectionInfo) -> str:
    if not info.schema.primary_field.auto_id or allow_insert_auto_id(info):
        return "given"
    return "auto_replace"


def upsert(conn: psycopg.Connection, info: CollectionInfo, rows: Iterable[Any],
           partition_name: Optional[str] = None, partial_update: bool = False,
           field_ops: Optional[dict[str, str]] = None) -> OmitZeroDict:
    """Replace whole entities (or only given fields with ``partial_update``), moving them to the
    target partition; entities that do not exist are inserted.  ``field_ops`` (field_ops.py,
    normalized): ARRAY fields appended to or removed from, a partial update.

    On an auto_id collection (without allow_insert_auto_id) each row names the entity it
    replaces; the replacement gets a new primary key, returned in ``ids`` (Milvus 2.6).
    """
    partition = target_partition(info, partition_name)
    if partial_update or field_ops:
        return _partial_upsert(conn, info, rows, partition, move=bool(partition_name), ops=field_ops or {})
    policy = _upsert_policy(info)
    info = _lock(conn, info, partition)
    encoder = RowEncoder(info, partition, policy)
    oids = column_oids(conn, info, encoder.columns)
    values.wire_adapters(conn)
    writer = _segment_writer(conn, info, encoder)
    ids: list[Any] = []
    named = _NamedKeys()
    count = 0
    base = 0
    for chunk in chunks(rows):
        _refuse_keyless(info, chunk, base)
        structs.refuse_sub_field_keys(info.schema, chunk, base, partial=False)
        encoded = encoder.encode_chunk(conn, chunk, base)
        named.refuse_repeats(encoded.given, base)   # given[i] is row base + i under both policies
        _delete_pks(conn, info, encoded.given)
        _copy_rows(conn, info, encoder, encoded.columns, oids, encoded.base)
        if writer is not None:
            writer.wrote()
        ids.extend(encoded.pks)
        count += len(chunk)
        base += len(chunk)
    if writer is not None:
        writer.finish()
    return OmitZeroDict({"upsert_count": count, "cost": 0, "ids": ids})


def _refuse_keyless(info: CollectionInfo, chunk: list[Any], base: int) -> None:
    """An upsert names the entities it replaces: Milvus's proxy looks for the key before checking
    any other field (rows that are no dicts are left to the encoder's own text)."""
    pk_field = info.schema.primary_field
    for i, row in enumerate(chunk):
        if isinstance(row, dict) and pk_field.name not in row:
            raise values.missing_upsert_pk(pk_field, base + i)


class _NamedKeys:
    """The primary keys the rows of one upsert call named so far, with the row of each.

    Milvus (2.6 proxy, upsert task) refuses a batch that names one key twice: which row should
    win is not defined.  A call is one batch however many chunks its rows are written in.
    """

    def __init__(self) -> None:
        self._rows: dict[Any, int] = {}

    def refuse_repeats(self, keys: list[Any], base: int) -> None:
        """``keys[i]`` is named by row ``base + i``."""
        rows = self._rows
        for i, key in enumerate(keys):
            first = rows.setdefault(key, base + i)
            if first != base + i:
                raise MilvusException(
                    ErrorCode.INVALID_PARAMETER,
                    "duplicate primary keys are not allowed in the same batch: invalid parameter (primary "
                    f"key {key!r} in rows {first} and {base + i}; nothing was written: merge the two rows)")


def _partial_upsert(conn: psycopg.Connection, info: CollectionInfo, rows: Iterable[Any],
                    partition: Optional[str], move: bool, ops: dict[str, str]) -> OmitZeroDict:
    """Merge mode (pymilvus 2.6 ``partial_update=True``): only the given fields change.

    Existing entities get an UPDATE of the given columns (dynamic keys merged into ``$meta``;
    moved to ``partition`` only when ``move``, i.e. a partition_name was given); entities that
    do not exist must be complete rows and are inserted into ``partition``.  On an auto_id
    collection (without allow_insert_auto_id) every entity written gets a new key, as a whole
    upsert's replacement does (Milvus master re-keys partial updates too).
    """
    schema = info.schema
    pk_field = schema.primary_field
    info = _lock(conn, info, partition)
    full_encoder = RowEncoder(info, partition, "given")
    rekey = _upsert_policy(info) == "auto_replace"
    writer = _segment_writer(conn, info, full_encoder)
    oids = column_oids(conn, info, full_encoder.columns)
    values.wire_adapters(conn)
    ids: list[Any] = []
    named = _NamedKeys()
    required = [f for f in schema.fields if not (f.is_primary or f.nullable or f.is_function_output
                                                 or (f.has_default and f.default_value is not None))]
    if ops:
        rows = list(rows)
        array_ops.check(ops, schema, rows)
    base = 0
    for chunk in chunks(rows):
        pks = []
        refuse_function_outputs(info, chunk, base)
        structs.refuse_sub_field_keys(schema, chunk, base, partial=True)
        for i, row in enumerate(chunk):
            if not isinstance(row, dict):
                raise not_a_row(row, base + i)
            if pk_field.name not in row:
                raise values.missing_upsert_pk(pk_field, base + i)
            pks.append(values.pk_value(pk_field, row[pk_field.name], base + i))
        named.refuse_repeats(pks, base)
        named_pks = list(pks)
        _drop_expired_keys(conn, info, pks)  # an expired entity does not exist: the row must be complete
        existing = set(_all_existing_pks(conn, info, pks))
        updates: dict[tuple[str, ...], list[list[Any]]] = {}
        inserts: list[tuple[int, dict]] = []
        if ops:
            merged = [(pk, row) for row, pk in zip(chunk, pks) if pk in existing]
            array_ops.check_capacity(conn, _table(info), schema, ops, merged,
                                     (pk_array(info, sql.Placeholder()), pk_param(conn, info, pks)))
        for i, (row, pk) in enumerate(zip(chunk, pks)):
            if pk in existing:
                if ops:  # a null value under an operator leaves the stored array as it is
                    row = {k: v for k, v in row.items() if not (k in ops and v is None)}
                columns, params = _partial_params(info, row, base + i, partition if move else None, writer,
                                                  full_encoder.struct_encoders(conn))
                updates.setdefault(columns, []).append(params + [pk])
            else:
                inserts.append((base + i, row))
        if rekey:
            pks = _new_keys(conn, info, full_encoder, pks, existing, inserts)
        if writer is not None and writer.keyed:
            _route_new_keys(info, writer, updates)
        if inserts:
            # Entities that do not exist yet must be complete rows (errors name the row's index).
            for index, row in inserts:
                for field in required:
                    if field.name not in row:
                        raise values.unsent_field(field, index)
                structs.refuse_unsent(schema, row, index)
            new_rows = [full_encoder.encode_chunk(conn, [row], index).columns for index, row in inserts]
            new_columns = [list(itertools.chain.from_iterable(c)) for c in zip(*new_rows)]
            _copy_rows(conn, info, full_encoder, new_columns, oids)
            if writer is not None:
                writer.wrote()
        with conn.cursor() as cur:
            for columns, param_rows in updates.items():
                cur.executemany(_partial_update_sql(info, columns, ops), param_rows)
        if rekey:
            _rekey(conn, info, [(old, new) for old, new in zip(named_pks, pks) if old in existing])
        ids.extend(pks)
        base += len(chunk)
    if writer is not None:
        writer.finish()
    return OmitZeroDict({"upsert_count": len(ids), "cost": 0, "ids": ids})


def _new_keys(conn: psycopg.Connection, info: CollectionInfo, encoder: "RowEncoder", pks: list[Any],
              existing: set, inserts: list[tuple[int, dict]]) -> list[Any]:
    """Fresh auto_id keys for a partial upsert's rows, in order; the rows to insert (in row order
    too) are given theirs."""
    fresh = encoder._new_ids(conn, len(pks))
    unknown = iter(key for key, pk in zip(fresh, pks) if pk not in existing)
    name = info.schema.primary_field.name
    inserts[:] = [(index, {**row, name: next(unknown)}) for index, row in inserts]
    return fresh


def _rekey(conn: psycopg.Connection, info: CollectionInfo, pairs: list[tuple[Any, Any]]) -> None:
    """Give updated entities their new keys (old, new) in one statement."""
    if not pairs:
        return
    pk = sql.Identifier(info.schema.primary_field.name)
    arr = pk_array_type(info)
    conn.execute(sql.SQL("UPDATE {t} SET {pk} = n.new FROM unnest(%s::{arr}, %s::{arr}) AS n(old, new) "
                         "WHERE {t}.{pk} = n.old").format(t=_table(info), pk=pk, arr=arr),
                 (pk_param(conn, info, [o for o, _ in pairs]), pk_param(conn, info, [n for _, n in pairs])))


def _all_existing_pks(conn: psycopg.Connection, info: CollectionInfo, pks: list[Any]) -> list[Any]:
    query = sql.SQL("SELECT {pk} FROM {t} WHERE {cond}").format(
        pk=sql.Identifier(info.schema.primary_field.name), t=_table(info), cond=pk_in(info, sql.Placeholder()))
    return [r[0] for r in conn.execute(query, (pk_param(conn, info, pks),)).fetchall()]


def _partial_params(info: CollectionInfo, row: dict, index: int, partition: Optional[str],
                    writer: Optional[segments.SegmentWriter] = None,
                    struct_encoders: Sequence[structs.StructColumns] = ()) -> tuple[tuple[str, ...], list[Any]]:
    """Columns and values an update sets; in a segmented collection (``writer``), a row moved to
    ``partition``, or to another hash partition by a new partition-key value, goes to that
    partition's growing segment.  A struct array given is replaced whole (Milvus 2.6's partial
    update), every sub-field column at once."""
    schema = info.schema
    zone = timestamps.collection_timezone(info.properties)  # TIMESTAMPTZ strings without an offset
    columns: list[str] = []
    params: list[Any] = []
    extra: dict[str, Any] = {}
    by_struct = {encoder.struct.name: encoder for encoder in struct_encoders}
    for key, value in row.items():
        field = schema.field(key) if isinstance(key, str) else None
        if key in by_struct:
            encoder = by_struct[key]
            columns.extend(c.name for c in encoder.columns)
            params.extend(col[0] for col in encoder.encode([row], index))
        elif field is not None:
            if field.is_primary:
                continue
            columns.append(key)
            params.append(values.encode_value(field, value, index, zone))
        elif not schema.enable_dynamic_field:
            raise values.unexpected_field(key, index)
        elif key == DYNAMIC_FIELD:
            if not isinstance(value, dict):
                raise DataNotMatchException(message=f"the dynamic field {DYNAMIC_FIELD} must be a dict "
                                                    f"(a JSON object) (row {index})")
            extra.update(value)
        else:
            extra[key] = value
    for output, source in schema.bm25_outputs.items():
        multi = analyzer.multi_for_field(source)
        if multi is not None and (source.name in columns) != (multi.by_field in columns):
            raise MilvusException(ErrorCode.UNSUPPORTED,
                                  f"a partial update of {source.name} or {multi.by_field} (the field choosing "
                                  f"{source.name}'s analyzer) must give both in pgmilvus (row {index})")
        if source.name in columns:  # the text changes: so do its term frequencies
            columns.append(output)
            text = row[source.name] if row[source.name] is not None else source.default_value
            names = [row[multi.by_field]] if multi is not None else None
            params.append(bm25_documents(info, output, [text], names)[0])
    for output, (source, _) in schema.minhash_outputs.items():
        if source.name in columns:  # the text changes: so does its signature
            columns.append(output)
            text = row[source.name] if row[source.name] is not None else source.default_value
            params.append(minhash_vectors(info, output, [text])[0])
    for name in sorted(schema.token_fields):
        if name in columns:  # the text changes: so do its stored tokens
            field = schema.field(name)
            text = row[name] if row[name] is not None or not field.has_default else field.default_value
            columns.append(ddl.match_column(name))
            params.append(_match_wire(token_positions(info, name, [text])[0]))
    if extra:
        columns.append(DYNAMIC_FIELD)
        params.append(values.encode_meta(extra, index))
    if partition is not None:
        columns.append(ddl.PARTITION_COLUMN)
        params.append(partition)
        if writer is not None:
            columns.append(ddl.SEGMENT_COLUMN)
            params.append(writer.growing[partition].id)
    key = schema.partition_key_field
    if writer is not None and writer.keyed and key is not None and key.name in columns:
        columns.append(ddl.SEGMENT_COLUMN)
        params.append(None)  # the new key's segment: _route_new_keys, for the whole chunk at once
    return tuple(columns), params


def _route_new_keys(info: CollectionInfo, writer: segments.SegmentWriter,
                    updates: dict[tuple[str, ...], list[list[Any]]]) -> None:
    """Fill in the growing segment of each update that gives a partition-key value (its new hash
    partition's), hashing the chunk's keys in one round trip rather than one per row."""
    key = info.schema.partition_key_field
    assert key is not None
    waiting = [(row, columns.index(key.name), columns.index(ddl.SEGMENT_COLUMN))
               for columns, rows in updates.items() if ddl.SEGMENT_COLUMN in columns for row in rows]
    if not waiting:
        return
    keys = array_param(writer.conn, key.dtype, [row[k] for row, k, _ in waiting])
    for (row, _, at), segment in zip(waiting, writer.segments_for(keys)):
        row[at] = segment


def _partial_update_sql(info: CollectionInfo, columns: tuple[str, ...],
                        ops: Optional[dict[str, str]] = None) -> sql.Composed:
    sets = []
    for column in columns:
        ident = sql.Identifier(column)
        if column == DYNAMIC_FIELD:
            sets.append(sql.SQL("{c} = {c} || %b").format(c=ident))
        elif column in (ddl.PARTITION_COLUMN, ddl.SEGMENT_COLUMN):
            sets.append(sql.SQL("{c} = %s").format(c=ident))
        else:
            sets.append(array_ops.set_clause(column, (ops or {}).get(column)))
    if info.write_times:  # the entity is written again: its TTL clock restarts (catalog/ttl.py)
        sets.append(sql.SQL("{} = now()").format(sql.Identifier(ddl.TS_COLUMN)))
    if not sets:  # only the PK was given: nothing changes, but the entity must exist
        sets.append(sql.SQL("{c} = {c}").format(c=sql.Identifier(info.schema.primary_field.name)))
    return sql.SQL("UPDATE {t} SET {sets} WHERE {pk} = %s").format(
        t=_table(info), sets=sql.SQL(", ").join(sets), pk=sql.Identifier(info.schema.primary_field.name))


# -- delete -------------------------------------------------------------------------------------

def delete_ids(conn: psycopg.Connection, info: CollectionInfo, ids: list[Any],
               partition_name: Optional[str] = None) -> OmitZeroDict:
    """Delete by primary keys (in one partition when named); the count is rows really deleted."""
    partition = _delete_partition(info, partition_name)
    pks = values.pk_values(info.schema.primary_field, ids, "delete")
    deleted = 0
    for chunk in chunks(pks, 50_000):
        deleted += _delete_pks(conn, info, chunk, partition)
    return OmitZeroDict({"delete_count": deleted, "cost": 0})


def delete_where(conn: psycopg.Connection, info: CollectionInfo, where: sql.Composable,
                 partition_name: Optional[str] = None) -> OmitZeroDict:
    """Delete the rows matching an already-compiled filter (``where`` is SQL built from literals);
    with a TTL only live ones, as Milvus deletes the entities its query finds."""
    partition = _delete_partition(info, partition_name)
    alive = ttl.live(info)
    if alive is not None:
        where = sql.SQL("({}) AND {}").format(where, alive)
    query = sql.SQL("DELETE FROM {} WHERE {}").format(_table(info, partition), where)
    return OmitZeroDict({"delete_count": conn.execute(query).rowcount, "cost": 0})


def _delete_partition(info: CollectionInfo, partition_name: Optional[str]) -> Optional[str]:
    if not partition_name:
        return None
    if info.schema.partition_key_field is not None:
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              "not support manually specifying the partition names if partition key mode "
                              "is used")
    if info.partition(partition_name) is None:
        check_partition_name(partition_name)
        raise partition_not_found(partition_name, "Failed to get partition id")
    return partition_name


# -- argument normalisation (client-side checks pymilvus makes) ---------------------------------

def not_a_row(row: Any, number: int) -> DataNotMatchException:
    """A row that is not a dict (e.g. column-based data): pymilvus's message, then which row."""
    return DataNotMatchException(message="The Input data type is inconsistent with defined schema, please "
                                         f"check it. Detail: row {number} is a {type(row).__name__} "
                                         f"({row!r:.80}); the data should be a list of dicts, one per row")


def normalize_rows(data: Any) -> Any:
    """A dict becomes [dict]; lists pass; other iterables (generators) stream through as well.

    pymilvus accepts only a dict or a list; pgmilvus also takes any iterable of dicts so a large
    load needs no list in memory.
    """
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return data
    if isinstance(data, tuple) or (hasattr(data, "__iter__") and hasattr(data, "__next__")):
        return data
    raise TypeError(f"wrong type of argument 'data',expected 'Dict' or list of 'Dict', got "
                    f"'{type(data).__name__}'")


def delete_pks_argument(ids: Any, pks: Any) -> list[Any]:
    """``ids`` (and the legacy ``pks`` kwarg) as one list, element types checked like pymilvus."""
    out: list[Any] = []
    for name, value in (("pks", pks), ("ids", ids)):
        if value is None:
            continue
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            out.append(value)
            continue
        if not isinstance(value, list):
            raise TypeError(f"wrong type of argument {name}, expect list, int or str, got "
                            f"'{type(value).__name__}'")
        for item in value:
            if isinstance(item, bool) or not isinstance(item, (int, str)):
                raise TypeError(f"wrong type of argument {name}, expect list, int or str, got "
                                f"'{type(item).__name__}'")
        out.extend(value)
    return out
