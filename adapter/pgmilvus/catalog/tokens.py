"""The stored tokens of text_match fields, completed by ``compact()``.

Every write through pgmilvus stores an ``enable_match`` field's tokens beside its text (the hidden
column ``"$match$<field>"``, data/analyzer.py ``match_document``), and text_match / phrase_match
read them (filters/compile.py).  Two kinds of rows lack them: rows written by plain SQL (the
column is NULL), and every row of a collection made by a pgmilvus older than the column (it has
no such column; its filters fall back to Postgres's parser).  ``compact()`` completes both: it
adds a missing column and its GIN index (under the collection's DDL lock, and with a catalog
change, so every process re-reads the collection and its writers store the tokens from then on),
then tokenizes, in batches of committed updates, each row holding a text and no tokens.  A
batch's update only touches a row whose text is still the one tokenized (a writer in between
stored its own tokens).
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from ..data import analyzer
from ..schema import ddl
from ..types import DataType
from . import segments
from . import store as catalog
from .store import CollectionInfo

#: Rows tokenized per committed update.
BATCH_ROWS = 2_000


def complete(conn: psycopg.Connection, info: CollectionInfo) -> CollectionInfo:
    """Add the token columns ``info`` lacks, then fill every row of a text_match field whose tokens
    are missing; the collection as read again.  ``conn`` is autocommit."""
    wanted = [field.name for field in analyzer.token_fields(info.schema)]
    if any(name not in info.schema.token_fields for name in wanted):
        info = _add_columns(conn, info, wanted)
    for name in wanted:
        _fill(conn, info, name)
    return info


def _add_columns(conn: psycopg.Connection, info: CollectionInfo, wanted: list[str]) -> CollectionInfo:
    with conn.transaction():
        info = segments.lock_for_ddl(conn, info)
        table = ddl.qualified(info.schema_name, info.table_name)
        for name in wanted:
            if name not in info.schema.token_fields:
                conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {}").format(
                    table, ddl.match_column_def(name)))
                conn.execute(ddl.match_index(info.schema_name, info.table_name, name))
        catalog.set_schema(conn, info.id, info.schema)  # a catalog change: every process reads it again
    fresh = catalog.get_collection(conn, info.db_name, info.name, aliases=False)
    assert fresh is not None  # the collection lock was held: it was not dropped meanwhile
    return fresh


def _fill(conn: psycopg.Connection, info: CollectionInfo, name: str) -> None:
    """Tokenize the rows of field ``name`` that hold a text and no tokens, a batch per transaction;
    at most as many batches as there were such rows at the start (a text a writer keeps changing
    cannot hold it here)."""
    table = sql.Identifier(info.schema_name, info.table_name)
    pk, text, stored = (sql.Identifier(info.schema.primary_field.name), sql.Identifier(name),
                        sql.Identifier(ddl.match_column(name)))
    missing = sql.SQL("{} IS NULL AND {} IS NOT NULL").format(stored, text)
    left = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE {}").format(table, missing)).fetchone()[0]
    positions = analyzer.for_field(info.schema.field(name)).positions
    key_type = sql.SQL("text[]" if info.schema.primary_field.dtype == DataType.VARCHAR else "bigint[]")
    while left > 0:
        with conn.transaction():
            rows = conn.execute(sql.SQL("SELECT {}, {} FROM {} WHERE {} LIMIT %s").format(
                pk, text, table, missing), (BATCH_ROWS,)).fetchall()
            if not rows:
                return
            keys, texts = [r[0] for r in rows], [r[1] for r in rows]
            documents = [analyzer.match_document(positions(t)).decode() for t in texts]
            conn.execute(sql.SQL(
                "UPDATE {t} AS r SET {stored} = v.doc::jsonb FROM unnest(%s::{kt}, %s::text[], %s::text[]) "
                "AS v(k, txt, doc) WHERE r.{pk} = v.k AND r.{text} = v.txt AND r.{stored} IS NULL").format(
                t=table, stored=stored, kt=key_type, pk=pk, text=text), (keys, texts, documents))
        left -= len(rows)
