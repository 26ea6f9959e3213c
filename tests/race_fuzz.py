"""Random DDL and DML from several clients at once on a few shared names (collections r0 / r1,
partitions pa / pb, alias al, an added field, indexes, snapshots): every call must succeed or
raise a MilvusException with a clear text (never a deadlock, a "tuple concurrently updated", a
raw "relation does not exist" or another exception), and when the threads are done every
collection listed must work and dropping them all must leave no table behind.
test_race_fuzz.py runs 4 clients x 150 calls in process, tests/server/test_wire_race_fuzz.py
through ``pgmilvus serve`` with unmodified pymilvus; a longer run, on a scratch database::

    python -m tests.race_fuzz --seed 3 --count 3000 postgresql://...
    python -m tests.race_fuzz --seed 3 --count 3000 http://127.0.0.1:19530   # a pgmilvus serve

``--count`` is the calls per client; the check for tables left behind needs a postgresql:// URI.
"""

from __future__ import annotations

import collections
import logging
import random
import re
import sys
import threading
import traceback
from typing import Any, Callable

import psycopg

import pgmilvus
from pgmilvus.errors import MilvusException

from tests.server.fuzz import RAW_ERROR, Logged, arguments, report

NAMES = ("r0", "r1")
DIM = 4
#: What a race shows when it reaches the user raw (beyond the fuzzers' RAW_ERROR).
RACE_ERROR = re.compile(r"deadlock|concurrently|could not serialize|relation \"|duplicate key value|"
                        r"PostgreSQL error|cache lookup failed|unexpected error")
#: Tables pgmilvus itself keeps (the catalog); everything else belongs to a collection.
CATALOG_SCHEMAS = ("pgmilvus_catalog",)


def connect(db: str) -> Any:
    """pgmilvus in process, or unmodified pymilvus for an http:// address (a ``pgmilvus serve``)."""
    if db.startswith(("http://", "https://")):
        import pymilvus

        return pymilvus.MilvusClient(uri=db)
    return pgmilvus.MilvusClient(db)


def _milvus_errors() -> tuple[type, ...]:
    """The exceptions that are answers: pgmilvus's, and pymilvus's when it is there."""
    try:
        import pymilvus
    except ImportError:
        return (MilvusException,)
    return (MilvusException, pymilvus.MilvusException)


def _data_type(client: Any) -> Any:
    return _package(client).DataType


def _schema(client: Any, keyed: bool = False) -> Any:
    data_type = _data_type(client)
    s = client.create_schema(enable_dynamic_field=True)
    s.add_field("pk", data_type.INT64, is_primary=True)
    s.add_field("tag", data_type.INT64, **({"is_partition_key": True} if keyed else {}))
    s.add_field("v", data_type.FLOAT_VECTOR, dim=DIM)
    return s


def _index(client: Any) -> Any:
    index = client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="L2")
    return index


def _package(client: Any) -> Any:
    """The client's own package (pgmilvus or pymilvus): its DataType, AnnSearchRequest, RRFRanker."""
    return sys.modules[type(client).__module__.split(".")[0]]


def _ann(client: Any, field: str, r: random.Random) -> Any:
    return _package(client).AnnSearchRequest([[r.random() for _ in range(DIM)]], field, {}, limit=5, expr="tag < 8")


def _rrf(client: Any) -> Any:
    return _package(client).RRFRanker()


def _pages(iterator: Any) -> None:
    """A few pages of an iterator (a DDL may land between two of them), then close it."""
    try:
        for _ in range(3):
            if not iterator.next():
                break
    finally:
        iterator.close()


def _quick_index(client: Any) -> Any:
    index = client.prepare_index_params()
    index.add_index("vector", index_type="AUTOINDEX", metric_type="COSINE")
    return index


def _rows(r: random.Random, n: int) -> list[dict[str, Any]]:
    return [{"pk": r.randrange(500), "tag": r.randrange(10), "v": [r.random() for _ in range(DIM)],
             **({"extra": r.randrange(3)} if r.random() < 0.3 else {})} for _ in range(n)]


def operations(c: Any, r: random.Random) -> dict[str, Callable[[], Any]]:
    """One random call of each kind, on a random shared name."""
    name, other = r.sample(NAMES, 2)
    part = r.choice(("pa", "pb"))
    return {
        "create_collection": lambda: c.create_collection(name, schema=_schema(c), index_params=_index(c)),
        "create_quick": lambda: c.create_collection(name, dimension=DIM),
        "drop_collection": lambda: c.drop_collection(name),
        "rename_collection": lambda: c.rename_collection(name, other),
        "truncate_collection": lambda: c.truncate_collection(name),
        "create_partition": lambda: c.create_partition(name, part),
        "drop_partition": lambda: (c.release_partitions(name, [part]), c.drop_partition(name, part)),
        "load_collection": lambda: c.load_collection(name),
        "release_collection": lambda: c.release_collection(name),
        "create_index": lambda: c.create_index(name, _index(c)),
        "drop_index": lambda: (c.release_collection(name), c.drop_index(name, "v")),
        "create_keyed": lambda: c.create_collection(name, schema=_schema(c, keyed=True), index_params=_index(c)),
        "drop_field": lambda: c.drop_collection_field(name, f"f{r.randrange(3)}"),
        "iterate": lambda: _pages(c.query_iterator(name, batch_size=7, filter="tag >= 0", output_fields=["*"])),
        "search_iterate": lambda: _pages(c.search_iterator(name, [[r.random() for _ in range(DIM)]], batch_size=7,
                                                           limit=30, anns_field="v")),
        "hybrid_search": lambda: c.hybrid_search(name, [_ann(c, "v", r) for _ in range(2)], _rrf(c), limit=5),
        "add_field": lambda: c.add_collection_field(name, f"f{r.randrange(3)}", _data_type(c).INT64, nullable=True),
        "alter_properties": lambda: c.alter_collection_properties(name, {"mmap.enabled": r.random() < 0.5}),
        "create_alias": lambda: c.create_alias(name, "al"),
        "alter_alias": lambda: c.alter_alias(name, "al"),
        "drop_alias": lambda: c.drop_alias("al"),
        "snapshot": lambda: c.create_snapshot(f"s{r.randrange(2)}", name),
        "drop_snapshot": lambda: c.drop_snapshot(f"s{r.randrange(2)}", name),
        "insert": lambda: c.insert(r.choice((name, "al")), _rows(r, r.randint(1, 20)),
                                   **({"partition_name": part} if r.random() < 0.3 else {})),
        "upsert": lambda: c.upsert(name, _rows(r, r.randint(1, 20))),
        "delete": lambda: c.delete(name, filter=f"tag == {r.randrange(10)}"),
        "delete_ids": lambda: c.delete(name, ids=[r.randrange(500) for _ in range(5)]),
        "query": lambda: c.query(r.choice((name, "al")), filter="tag >= 0", output_fields=["*"], limit=50),
        "count": lambda: c.query(name, output_fields=["count(*)"]),
        "get": lambda: c.get(name, ids=[r.randrange(500) for _ in range(5)]),
        "search": lambda: c.search(name, [[r.random() for _ in range(DIM)]], limit=5, filter="tag < 5"),
        "flush": lambda: c.flush(name),
        "compact": lambda: c.compact(name),
        "describe": lambda: c.describe_collection(name),
        "stats": lambda: c.get_collection_stats(name),
        "list": lambda: [c.list_partitions(n) for n in c.list_collections()],
    }


def finding(exc: BaseException) -> str:
    """What is wrong with ``exc`` as a user's answer, or "" when nothing is."""
    if isinstance(exc, _milvus_errors()):
        bad = RAW_ERROR.search(exc.message) or RACE_ERROR.search(exc.message)
        return exc.message[:160] if bad else ""
    where = " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}"
                       for f in traceback.extract_tb(exc.__traceback__)[::-1][:3])
    return f"{type(exc).__name__}: {exc} @ {where}"[:200]


def _client_calls(db: str, count: int, seed: int, findings: collections.Counter, lock: threading.Lock) -> None:
    r = random.Random(seed)
    c = connect(db)
    try:
        for _ in range(count):
            ops = operations(c, r)
            op = r.choice(sorted(ops))
            try:
                ops[op]()
            except Exception as exc:  # noqa: BLE001 - judging every answer is the point
                text = finding(exc)
                if text:
                    with lock:
                        findings[(op, text)] += 1
    finally:
        c.close()


def _usable(c: Any, findings: collections.Counter) -> None:
    """Each collection the races left works (describe, write, read, search) and drops cleanly."""
    for alias in c.list_aliases()["aliases"]:
        c.drop_alias(alias)
    for name in c.list_collections():
        for snap in c.list_snapshots(name):
            c.drop_snapshot(snap, name)
        try:
            fields = {f["name"]: f for f in c.describe_collection(name)["fields"]}
            pk = next(n for n, f in fields.items() if f.get("is_primary"))
            row = {n: 10_000 if n == pk else [0.1] * DIM if f["type"] == _data_type(c).FLOAT_VECTOR else 1
                   for n, f in fields.items() if not f.get("nullable")}
            if not c.list_indexes(name):
                c.create_index(name, _index(c) if "v" in fields else _quick_index(c))
            c.load_collection(name)
            c.upsert(name, [row])
            got = c.get(name, ids=[10_000])
            if len(got) != 1:
                findings[("after", f"{name}: a row upserted is not read back: {got}")] += 1
            c.search(name, [[0.1] * DIM], limit=3)
            c.query(name, output_fields=["count(*)"])
        except Exception as exc:  # noqa: BLE001
            findings[("after", f"{name}: {type(exc).__name__}: {exc}"[:200])] += 1
        c.drop_collection(name)


def leftover_tables(db_dsn: str) -> list[str]:
    """Tables outside the catalog (a collection's table, a partition, a segment) once all are dropped."""
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT LIKE 'pg\\_%%' AND n.nspname <> 'information_schema'"
            " AND n.nspname <> ALL(%s) ORDER BY 1", (list(CATALOG_SCHEMAS),)).fetchall()
    return [row[0] for row in rows]


def fuzz(db: str, count: int, seed: int, threads: int = 4) -> collections.Counter:
    """``threads`` clients making ``count`` random calls each; findings: (call, text) -> times."""
    findings: collections.Counter = collections.Counter()
    lock = threading.Lock()
    workers = [threading.Thread(target=_client_calls, args=(db, count, seed * 1000 + i, findings, lock))
               for i in range(threads)]
    logged, psycopg_log = Logged(), logging.getLogger("psycopg")
    psycopg_log.addHandler(logged)
    try:
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    finally:
        psycopg_log.removeHandler(logged)
    findings.update(("psycopg log", message[:160]) for message in logged.records)
    c = connect(db)
    try:
        _usable(c, findings)
    finally:
        c.close()
    if db.startswith("postgresql://"):
        findings.update(("after", f"{table} left behind") for table in leftover_tables(db))
    return findings


def main() -> None:
    parser_args = arguments(__doc__)
    report(f"{parser_args.count} calls per client", fuzz(parser_args.db, parser_args.count, parser_args.seed))


if __name__ == "__main__":
    main()
