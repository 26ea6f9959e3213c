"""Running a statement as a named prepared statement on the connection's libpq handle.

A search statement takes a few hundred microseconds on the server; psycopg's
general ``execute`` (a cursor, query conversion, its prepared-statement manager,
result bookkeeping) adds about 15 µs of client CPU to each call, which is
several percent of a small search.  The statements that run here are pgmilvus's
own, built once per search shape and run many times, so the general machinery
has nothing to do that cannot be done once per statement:

* the ``%(name)s`` / ``%(name)b`` placeholders become ``$n`` once, with the
  order of the names;
* the statement is prepared on its second use on a connection (a statement
  run once costs no extra round trip), under a name of its own, and kept per
  connection (at most ``CAPACITY``, the oldest deallocated first);
* each call dumps its values with psycopg's adapters, sends the prepared
  statement and loads the rows with psycopg's loaders, in binary.

The call still goes through psycopg's ``Connection.wait`` under the
connection's lock, so Ctrl-C cancels a running statement as it does for any
psycopg query (and on AsyncMilvusClient's GreenConnection the wait is awaited
on the event loop, green.py), and errors are psycopg's own exception classes (the connection
module translates them).  A prepared statement the server no longer has
(``DISCARD ALL``, ``DEALLOCATE``) or whose cached plan no longer fits the
table (``cached plan must not change result type``) is prepared again and the
call made once more, when no transaction was open.
"""

from __future__ import annotations

import itertools
import re
from typing import Any, Optional, Union

import psycopg
from psycopg import errors as pge
from psycopg import generators, pq, sql
from psycopg.adapt import PyFormat, Transformer

#: Prepared statements kept per connection; past it the least recently prepared is deallocated.
CAPACITY = 128
#: SQLSTATEs after which the statement is prepared again (and run once more).
_STALE_PLAN = "0A000"    # feature_not_supported: "cached plan must not change result type"
_REPREPARE = {"26000",   # invalid_sql_statement_name: the server dropped it (DISCARD / DEALLOCATE)
              _STALE_PLAN}

_PLACEHOLDER = re.compile(rb"%%|%\((\w+)\)([sbt])|%")
_FORMATS = {b"s": PyFormat.AUTO, b"b": PyFormat.BINARY, b"t": PyFormat.TEXT}
_names = itertools.count(1)
_BINARY = pq.Format.BINARY
_IDLE = pq.TransactionStatus.IDLE


class _Converted:
    """A statement with ``$n`` placeholders, the parameter names in order and their formats."""

    __slots__ = ("query", "names", "formats")

    def __init__(self, statement: bytes) -> None:
        names: list[str] = []
        formats: list[PyFormat] = []
        index: dict[str, int] = {}

        def number(match: re.Match) -> bytes:
            if match.group(0) == b"%%":
                return b"%"
            if match.group(1) is None:
                raise ValueError(f"a lone '%' in a statement with named parameters: {statement!r}")
            name, fmt = match.group(1).decode(), _FORMATS[match.group(2)]
            if name not in index:
                index[name] = len(names)
                names.append(name)
                formats.append(fmt)
            elif formats[index[name]] != fmt:
                raise ValueError(f"parameter {name} is used with two formats in {statement!r}")
            return b"$%d" % (index[name] + 1)

        self.query = _PLACEHOLDER.sub(number, statement)
        self.names = names
        self.formats = formats


class _State:
    """Per connection: its Transformer and its prepared statements."""

    __slots__ = ("tx", "converted", "prepared", "seen")

    def __init__(self, conn: psycopg.Connection) -> None:
        self.tx = Transformer(conn)
        self.converted: dict[bytes, _Converted] = {}
        self.prepared: dict[tuple[bytes, tuple[int, ...]], bytes] = {}   # (statement, oids) -> name
        self.seen: set[tuple[bytes, tuple[int, ...]]] = set()          # run once, not prepared yet


def _state(conn: psycopg.Connection) -> _State:
    state = conn.__dict__.get("_pgmilvus_statements")
    if state is None:
        state = conn._pgmilvus_statements = _State(conn)
    return state


def fetch_all(conn: psycopg.Connection, statement: Union[bytes, sql.Composable], params: dict[str, Any],
              *, prepare: bool = True) -> list[tuple]:
    """The rows of ``statement`` (binary results, as tuples); prepared from its second use."""
    if not isinstance(statement, bytes):
        statement = statement.as_bytes(conn)
    if not _direct(conn):
        return conn.execute(statement, params, binary=True).fetchall()
    state = _state(conn)
    converted = state.converted.get(statement)
    if converted is None:
        if len(state.converted) >= 4 * CAPACITY:
            state.converted.clear()
        converted = state.converted[statement] = _Converted(statement)
    with conn.lock:
        for attempt in (0, 1):
            try:
                return _run(conn, state, statement, converted, params, prepare)
            except pge.Error as exc:
                if attempt or exc.sqlstate not in _REPREPARE or conn.pgconn.transaction_status != _IDLE:
                    raise
                _forget(conn, state, statement, deallocate=exc.sqlstate == _STALE_PLAN)
    raise AssertionError("unreachable")


def _direct(conn: psycopg.Connection) -> bool:
    """Whether the statement can go straight to libpq: not in pipeline mode, and no implicit
    BEGIN owed (psycopg opens a transaction first on a connection that is not autocommit)."""
    pgconn = conn.pgconn
    return (pgconn.pipeline_status == pq.PipelineStatus.OFF
            and (conn.autocommit or pgconn.transaction_status != _IDLE))


def _run(conn: psycopg.Connection, state: _State, statement: bytes, converted: _Converted,
         params: dict[str, Any], prepare: bool) -> list[tuple]:
    tx, pgconn = state.tx, conn.pgconn
    values = tx.dump_sequence([params[name] for name in converted.names], converted.formats)
    key = (statement, tuple(tx.types))
    name = state.prepared.get(key)
    if name is None and prepare and key in state.seen:
        name = _prepare(conn, state, key, converted.query)
    if name is not None:
        pgconn.send_query_prepared(name, values, param_formats=tx.formats, result_format=_BINARY)
    else:
        if prepare:
            if len(state.seen) >= 4 * CAPACITY:
                state.seen.clear()
            state.seen.add(key)
        pgconn.send_query_params(converted.query, values, param_types=tx.types, param_formats=tx.formats,
                                 result_format=_BINARY)
    result = _single(conn, conn.wait(generators.execute(pgconn)))
    tx.set_pgresult(result, set_loaders=True, format=_BINARY)
    rows = tx.load_rows(0, result.ntuples, tuple)
    tx.set_pgresult(None)
    return rows


def _prepare(conn: psycopg.Connection, state: _State, key: tuple[bytes, tuple[int, ...]],
             query: bytes) -> bytes:
    if len(state.prepared) >= CAPACITY:
        oldest = next(iter(state.prepared))
        _deallocate(conn, state.prepared.pop(oldest))
    name = b"_pgmilvus_%d" % next(_names)
    conn.pgconn.send_prepare(name, query, param_types=key[1])
    _single(conn, conn.wait(generators.execute(conn.pgconn)), pq.ExecStatus.COMMAND_OK)
    state.prepared[key] = name
    state.seen.discard(key)
    return name


def _deallocate(conn: psycopg.Connection, name: bytes) -> None:
    conn.pgconn.send_query(b"DEALLOCATE " + name)
    _single(conn, conn.wait(generators.execute(conn.pgconn)), pq.ExecStatus.COMMAND_OK)


def _forget(conn: psycopg.Connection, state: _State, statement: bytes, deallocate: bool) -> None:
    """Drop every prepared form of ``statement``: the server no longer has it, or (``deallocate``)
    its plan is stale.  The next run prepares it again at once (it has been used)."""
    for key in [k for k in state.prepared if k[0] == statement]:
        name = state.prepared.pop(key)
        if deallocate:
            _deallocate(conn, name)
        state.seen.add(key)


def _single(conn: psycopg.Connection, results: list[pq.abc.PGresult],
            expected: Optional[pq.ExecStatus] = None) -> pq.abc.PGresult:
    """The one result of a statement, or psycopg's exception for its error."""
    result = results[-1]
    status = result.status
    if status == (expected if expected is not None else pq.ExecStatus.TUPLES_OK):
        return result
    if status == pq.ExecStatus.FATAL_ERROR:
        raise pge.error_from_result(result, encoding=conn.info.encoding)
    raise psycopg.InterfaceError(f"unexpected result status {pq.ExecStatus(status).name} from "
                                 f"{result.command_status!r}")
