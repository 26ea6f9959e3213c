"""Each sealed segment's BM25 statistics, kept in the catalog as Milvus keeps them.

A BM25 search weighs its terms by the collection's row count N and average document length
(search/bm25.py).  Milvus's delegator adds up per-segment statistics: a sealed segment's are
written when it is flushed, a growing segment's grow with its rows, and a delete changes none
of them until compaction rewrites the segment (querynodev2/delegator/idf_oracle.go).

pgmilvus keeps a sealed segment's row count and token total, per BM25 output field, in
``pgmilvus_catalog.segments.bm25`` (``{"field": [rows, tokens]}``, sql/catalog/013): written in
the transaction that seals the segment or swaps in a merged one, and recomputed from the live
rows by compact().  A search adds them up and counts only the rows of the other leaves (the
growing segments, rows written by plain SQL, segments sealed before version 13), instead of
reading every row of the collection (20 of a 21 ms search on 50k documents, bench/bm25.py).
So, as in Milvus, rows deleted or expired in a sealed segment count in N and avgdl until
compact(); document frequencies are counted over the live rows at search time.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from .store import CATALOG, CollectionInfo

_SEGMENTS = sql.Identifier(CATALOG, "segments")


def totals_sql(column: str, table: sql.Composable, where: sql.Composable = sql.SQL("")) -> sql.Composable:
    """``SELECT rows, tokens`` of ``column``'s documents in ``table`` (alias t)."""
    return sql.SQL("SELECT count(*) AS n, COALESCE(sum(({} ->> 'l')::float8), 0) AS tokens FROM {} AS t{}").format(
        sql.Identifier("t", column), table, where)


def record(conn: psycopg.Connection, info: CollectionInfo, segment_id: int, leaf: str) -> None:
    """Store the statistics of segment ``segment_id`` (its table ``leaf``) as its rows are now."""
    outputs = list(info.schema.bm25_outputs)
    if not outputs:
        return
    table = sql.Identifier(info.schema_name, leaf)
    pairs = [sql.SQL("{}, (SELECT jsonb_build_array(s.n, s.tokens) FROM ({}) AS s)").format(
        sql.Literal(name), totals_sql(name, table)) for name in outputs]
    conn.execute(sql.SQL("UPDATE {} SET bm25 = jsonb_build_object({}) WHERE id = %s").format(
        _SEGMENTS, sql.SQL(", ").join(pairs)), (segment_id,))


def refresh(conn: psycopg.Connection, info: CollectionInfo) -> None:
    """compact(): every sealed segment's statistics from its live rows, as Milvus's compaction
    rewrites a segment without its deleted (and expired) rows."""
    if not info.segmented or not info.schema.bm25_outputs:
        return
    for segment_id, leaf in conn.execute(f"SELECT id, table_name FROM {CATALOG}.segments WHERE collection_id = %s"
                                         " AND state IN ('sealed', 'indexed')", (info.id,)).fetchall():
        with conn.transaction():
            record(conn, info, segment_id, leaf)


def kept_sql() -> sql.Composable:
    """The ids of the collection's segments whose statistics of field %(field)s are kept."""
    return sql.SQL("SELECT id FROM {} WHERE collection_id = %(collection)s AND state IN ('sealed', 'indexed')"
                   " AND bm25 ? %(field)s").format(_SEGMENTS)


def kept_totals_sql() -> sql.Composable:
    """``rows, tokens`` summed over the kept segments %(kept)s (those still in the catalog)."""
    return sql.SQL("SELECT COALESCE(sum((bm25 -> %(field)s ->> 0)::bigint), 0) AS n,"
                   " COALESCE(sum((bm25 -> %(field)s ->> 1)::float8), 0) AS tokens"
                   " FROM {} WHERE id = ANY(%(kept)s::bigint[])").format(_SEGMENTS)
