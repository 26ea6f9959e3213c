"""Each sealed segment's BM25 statistics, kept in the catalog as Milvus keeps them.

A BM25 search weighs its terms by the collection's row count N, average document length and
each term's document frequency (search/bm25.py).  Milvus's delegator adds up per-segment
statistics: a sealed segment's are written when it is flushed, a growing segment's grow with
its rows, and a delete changes none of them until compaction rewrites the segment
(querynodev2/delegator/idf_oracle.go).

pgmilvus keeps a sealed segment's row count and token total per BM25 output field in
``pgmilvus_catalog.segments.bm25`` (``{"field": [rows, tokens]}``) and its terms' document
frequencies in ``pgmilvus_catalog.bm25_terms`` (sql/catalog/013, 014), computed in one transaction
by whoever builds the segment's indexes after it is sealed (segments.build_segment: the
background builder or flush()), when a merge makes a segment, and again for every segment at
compact().  A search adds them up and counts only the rows of the other leaves (the growing
segments, rows written by plain SQL, segments not built yet), instead of reading every row of
the collection: on 50k documents, 20 of a 21 ms search with rare words (bench/bm25.py).  So,
as in Milvus, rows deleted or expired from a sealed segment count until compact().
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from .store import CATALOG, CollectionInfo

_SEGMENTS = sql.Identifier(CATALOG, "segments")
_TERMS = sql.Identifier(CATALOG, "bm25_terms")


def totals_sql(column: str, table: sql.Composable, where: sql.Composable = sql.SQL("")) -> sql.Composable:
    """``SELECT rows, tokens`` of ``column``'s documents in ``table`` (alias t)."""
    return sql.SQL("SELECT count(*) AS n, COALESCE(sum(({} ->> 'l')::float8), 0) AS tokens FROM {} AS t{}").format(
        sql.Identifier("t", column), table, where)


def record(conn: psycopg.Connection, info: CollectionInfo, segment_id: int, leaf: str) -> None:
    """Store the statistics of segment ``segment_id`` (its table ``leaf``) as its rows are now
    (in the caller's transaction: the totals and the terms together)."""
    outputs = list(info.schema.bm25_outputs)
    if not outputs:
        return
    table = sql.Identifier(info.schema_name, leaf)
    conn.execute(sql.SQL("DELETE FROM {} WHERE segment_id = %s").format(_TERMS), (segment_id,))
    for name in outputs:
        conn.execute(sql.SQL("INSERT INTO {} (term, field, segment_id, df) SELECT {}, %s, %s, count(*) FROM {} AS t,"
                             " jsonb_object_keys({} -> 't') AS k GROUP BY k").format(
            _TERMS, _term_key(sql.SQL("k")), table, sql.Identifier("t", name)), (name, segment_id))
    pairs = [sql.SQL("{}, (SELECT jsonb_build_array(s.n, s.tokens) FROM ({}) AS s)").format(
        sql.Literal(name), totals_sql(name, table)) for name in outputs]
    conn.execute(sql.SQL("UPDATE {} SET bm25 = jsonb_build_object({}) WHERE id = %s").format(
        _SEGMENTS, sql.SQL(", ").join(pairs)), (segment_id,))


def forget(conn: psycopg.Connection, info: CollectionInfo, field: str) -> None:
    """Drop the statistics of BM25 output ``field`` (drop_function_field): a field of that name
    added again counts its own."""
    conn.execute(sql.SQL("UPDATE {} SET bm25 = bm25 - %s WHERE collection_id = %s AND bm25 ? %s").format(_SEGMENTS),
                 (field, info.id, field))
    conn.execute(sql.SQL("DELETE FROM {} WHERE field = %s AND segment_id IN (SELECT id FROM {} WHERE collection_id = %s)")
                 .format(_TERMS, _SEGMENTS), (field, info.id))


def kept_sql() -> sql.Composable:
    """The ids of the collection's segments whose statistics of field %(field)s are kept."""
    return sql.SQL("SELECT id FROM {} WHERE collection_id = %(collection)s AND state IN ('sealed', 'indexed')"
                   " AND bm25 ? %(field)s").format(_SEGMENTS)


def kept_totals_sql() -> sql.Composable:
    """``rows, tokens`` summed over the kept segments %(kept)s (those still in the catalog)."""
    return sql.SQL("SELECT COALESCE(sum((bm25 -> %(field)s ->> 0)::bigint), 0) AS n,"
                   " COALESCE(sum((bm25 -> %(field)s ->> 1)::float8), 0) AS tokens"
                   " FROM {} WHERE id = ANY(%(kept)s::bigint[])").format(_SEGMENTS)


def kept_df_sql(term: sql.Composable) -> sql.Composable:
    """The document frequency of ``term`` summed over the kept segments %(kept)s."""
    return sql.SQL("COALESCE((SELECT sum(df) FROM {} WHERE term = {} AND field = %(field)s"
                   " AND segment_id = ANY(%(kept)s::bigint[])), 0)").format(_TERMS, _term_key(term))


#: Terms longer than this many bytes are kept by their SHA-256: a B-tree key holds at most
#: 2,704 bytes, and a token can be longer (a URL, base64: the standard tokenizer has no limit).
_LONGEST_KEY = 1000


def _term_key(term: sql.Composable) -> sql.Composable:
    return sql.SQL("(CASE WHEN octet_length({t}) <= {n} THEN {t} ELSE 'sha256:' || "
                   "encode(sha256(convert_to({t}, 'UTF8')), 'hex') END)").format(t=term, n=sql.Literal(_LONGEST_KEY))
