"""pgmilvus over the wire: pymilvus through ``pgmilvus serve`` against pgmilvus in-process
(and against a real Milvus server when one is given), on the same data in one run.

    python bench/serve.py                                  # embedded server under /tmp: 20k x 128, 10k x 768
    python bench/serve.py --shape 50000x128 --calls 300
    python bench/serve.py --milvus-uri http://127.0.0.1:19530   # a Milvus server too (e.g. 2.3.5, see docs/server.md)
    python bench/serve.py --rest-side      # what sharing the port with REST costs (the mux's relay)
    python bench/serve.py --commit-off     # the inserts again, synchronous_commit off on pgmilvus's sides

Data per ``--shape`` (rows x dimension): clustered float32 vectors (seeded), an INT64 ``bucket``
(row % 200), HNSW (M=16, efConstruction=64), L2, loaded in batches of 5,000 through each
side's own ``insert`` (pgmilvus's one collection serves the in-process and the wire sides;
Milvus gets its own copy, flushed, indexed and loaded; pgmilvus's is compacted once indexed, as
its background compaction would be 30 s after the load, so that no merge runs during the turns).
Work, one call at a time as an application makes them: ``search`` top-10 of one vector (ef 64), the same with
``bucket == k`` (0.5% of the rows), ``query`` of 10 keys by ``id in [...]`` with an output
field, ``get`` of 10 keys, ``has_collection`` (next to no work: what a round trip alone costs, the
bound on every wire / in-process ratio), and ``insert`` of 1,000-row batches into a fresh
collection per side (the index exists first, as quick setup makes it).

The sides are timed in turns of 20 calls on the same arguments (order swapped each turn);
a ratio is the median over turns of (in-process time / side time), so a drift of the
machine's speed does not enter it. Goals (issue 18): wire >= 0.7x in-process for search
and query, >= 0.5x for insert rows/s, and ahead of the Milvus server on every line.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "adapter"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import turns  # noqa: E402
from search import clustered  # noqa: E402
from turns import Side, turn_ratio  # noqa: E402

NAME = "bench_serve"
TURN = 20
INSERT_BATCH = 1000
LOAD_BATCH = 5000


def create(client: Any, dtype: Any, name: str, dim: int) -> None:
    """id, v (HNSW, L2), bucket: the same calls for pymilvus's and pgmilvus's clients."""
    if client.has_collection(name):
        client.drop_collection(name)
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", dtype.INT64, is_primary=True)
    schema.add_field("v", dtype.FLOAT_VECTOR, dim=dim)
    schema.add_field("bucket", dtype.INT64)
    index = client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="L2", params={"M": 16, "efConstruction": 64})
    client.create_collection(name, schema=schema, index_params=index)


def rows_of(vectors: np.ndarray, start: int) -> list[dict[str, Any]]:
    return [{"id": start + i, "v": vec.tolist(), "bucket": (start + i) % 200} for i, vec in enumerate(vectors)]


def steady(client: Any, name: str = NAME, timeout: float = 300.0) -> float:
    """Seconds until pgmilvus's background builder has sealed and indexed every loaded row (no
    flush: as an application that loads and then searches).  Searches before that sort the
    growing segment's exact distances (7 ms for 20k x 128 against 0.5 ms through HNSW), so the
    steady state is what the turns compare; ``--milvus-uri`` loads take long enough anyway."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        described = client.describe_index(name, "v")
        if described.get("pending_index_rows", 0) == 0 and described.get("indexed_rows", 0) > 0:
            break
        time.sleep(0.5)
    return time.monotonic() - start


def load(client: Any, dtype: Any, vectors: np.ndarray, flush: bool) -> None:
    create(client, dtype, NAME, vectors.shape[1])
    for start in range(0, len(vectors), LOAD_BATCH):
        client.insert(NAME, rows_of(vectors[start:start + LOAD_BATCH], start))
    if flush:  # Milvus: seal the segments so the index covers them, then load what was built
        client.flush(NAME)
        client.release_collection(NAME)
        client.load_collection(NAME)


def workloads(queries: np.ndarray, rows: int, calls: int) -> dict[str, tuple[Callable, list[Any], int]]:
    """name -> (call(client, args) -> list, arguments, rows or vectors per call)."""
    rng = np.random.default_rng(11)
    keys = [rng.integers(0, rows, 10).tolist() for _ in range(calls)]
    params = {"metric_type": "L2", "params": {"ef": 64}}
    vectors = [[q.tolist()] for q in queries[:calls]]

    def search(client: Any, data: Any) -> list:
        return [h["id"] for h in client.search(NAME, data, limit=10, search_params=params)[0]]

    def search_filtered(client: Any, args: Any) -> list:
        data, bucket = args
        return [h["id"] for h in client.search(NAME, data, limit=10, filter=f"bucket == {bucket}",
                                               search_params=params)[0]]

    def query(client: Any, ids: list) -> list:
        return sorted(r["id"] for r in client.query(NAME, filter=f"id in {ids}", output_fields=["bucket"]))

    def get(client: Any, ids: list) -> list:
        return sorted(r["id"] for r in client.get(NAME, ids=ids, output_fields=["bucket"]))

    return {"search top-10, nq=1": (search, vectors, 1),
            "search top-10, bucket == k (0.5%)": (search_filtered,
                                                   [(v, i % 200) for i, v in enumerate(vectors)], 1),
            "query id in [10 keys]": (query, keys, 10),
            "get 10 keys": (get, keys, 10)}


def measure_inserts(sides: dict[str, tuple[Any, Any]], vectors: np.ndarray, batches: int) -> dict[str, Side]:
    """Each side inserts the same batches into its own fresh indexed collection, in turns (the
    rows are built beforehand: three warm-up batches, then the timed ones, keys never repeated)."""
    def batch(b: int) -> list[dict[str, Any]]:
        start = (b * INSERT_BATCH) % len(vectors)
        return rows_of(vectors[start:start + INSERT_BATCH], b * INSERT_BATCH)

    fns = {}
    for name, (client, dtype) in sides.items():
        collection = f"bench_ins_{name.replace('-', '_')}"
        create(client, dtype, collection, vectors.shape[1])
        prebuilt = iter([batch(b) for b in range(batches + 3)])
        fns[name] = lambda _, c=client, n=collection, it=prebuilt: c.insert(n, next(it)) and []
    out = turns.measure_sides(fns, list(range(batches)), rounds=1, turn=1, collect=False)
    for name, (client, _) in sides.items():
        client.drop_collection(f"bench_ins_{name.replace('-', '_')}")
    return out


def print_inserts(how: str, measured: dict[str, Side]) -> None:
    print(f" insert, batches of {INSERT_BATCH} into an indexed collection{how}")
    for name, side in measured.items():
        base = None if name == "in-process" else measured["in-process"]
        print(line(name, side, INSERT_BATCH, base, None))


@contextlib.contextmanager
def unsynced_sides(sides: dict[str, tuple[Any, Any]], dsn: str, folder: str) -> Iterator[dict[str, tuple[Any, Any]]]:
    """pgmilvus's two sides again, on connections whose commits do not wait for the WAL's flush to
    disk (``synchronous_commit = off``, set through the DSN's ``options``): the durability of
    Milvus's own insert, acknowledged once its message is written to rocksmq's RocksDB without a
    sync.  A crash of the machine may then lose the last commits (never a part of one)."""
    import pymilvus

    import pgmilvus
    from pgmilvus.pg.connection import dsn_with
    from tests.fix_server import ServeProcess

    unsynced_dsn = dsn_with(dsn, options="-c synchronous_commit=off")
    local = pgmilvus.MilvusClient(unsynced_dsn)
    server = ServeProcess(unsynced_dsn, Path(folder) / "serve-unsynced.log", workers=4)
    wire = pymilvus.MilvusClient(uri=f"http://{server.address}")
    try:
        yield {"in-process": (local, pgmilvus.DataType), "wire": (wire, pymilvus.DataType),
               **{name: side for name, side in sides.items() if name == "milvus"}}
    finally:
        wire.close()
        local.close()
        server.stop()


def line(name: str, side: Side, per_call: int, base: Side | None, agree: float | None) -> str:
    rate = len(side.times) / sum(side.times) * per_call
    p50 = statistics.median(side.times) * 1000
    ratio = f"{turn_ratio(base, side):6.2f}" if base is not None else "  1.00"
    shared = "" if agree is None else f"{agree:8.3f}"
    return f"  {name:<12} {rate:11.1f} {p50:9.2f} {ratio} {shared}"


def agreement(found: list[list], base: list[list]) -> float:
    """The share of the in-process answer's keys the side returned too (1.0: the same rows)."""
    return statistics.mean(len(set(a) & set(b)) / max(1, len(b)) for a, b in zip(found, base))


def run_shape(rows: int, dim: int, args: argparse.Namespace) -> None:
    import pymilvus

    import pgmilvus
    from tests.fix_server import ServeProcess

    vectors, queries = clustered(7, rows, args.calls, dim)
    with turns.bench_client(args.dsn, "serve") as (local, dsn, folder):
        server = ServeProcess(dsn, Path(folder) / "serve.log", workers=4)
        wire = pymilvus.MilvusClient(uri=f"http://{server.address}")
        sides: dict[str, tuple[Any, Any]] = {"in-process": (local, pgmilvus.DataType),
                                             "wire": (wire, pymilvus.DataType)}
        direct = None
        if args.rest_side:  # the same server with the REST mux in front of gRPC: what sharing the port costs
            direct = ServeProcess(dsn, Path(folder) / "serve-rest.log", workers=4, extra=("--rest",))
            sides["wire-rest"] = (pymilvus.MilvusClient(uri=f"http://{direct.address}"), pymilvus.DataType)
        if args.milvus_uri:
            sides["milvus"] = (pymilvus.MilvusClient(uri=args.milvus_uri), pymilvus.DataType)
        try:
            if args.pin:
                print(turns.pin_server_apart(servers=[server.proc.pid]))
            load(local, pgmilvus.DataType, vectors, flush=False)
            if args.milvus_uri:
                load(sides["milvus"][0], pymilvus.DataType, vectors, flush=True)
            print(f"pgmilvus: every row indexed {steady(local):.1f} s after the load "
                  "(the background builder's idle seal)")
            started = time.monotonic()
            local.compact(NAME)  # what the background compaction does 30 s after the load: not during the turns
            print(f"pgmilvus: compacted in {time.monotonic() - started:.1f} s (searches are timed from then on)")
            print(f"\n{rows} x {dim}: per side: calls/s (rows/s for insert), p50 ms, speed ratio "
                  "side / in-process, share of the in-process answer's keys returned")
            work = workloads(queries, rows, args.calls)
            # The wire's floor: a call with next to no work (one catalog read on either side), so
            # what a round trip through gRPC and pymilvus adds to any call (and the REST relay's cost)
            work["has_collection (a round trip)"] = (lambda c, _: [c.has_collection(NAME)],
                                                     list(range(args.calls)), 1)
            for title, (fn, calls, per_call) in work.items():
                fns = {name: (lambda a, c=client, f=fn: [f(c, a)]) for name, (client, _) in sides.items()}
                measured = turns.measure_sides(fns, calls, args.rounds, TURN)
                print(f" {title}")
                base = measured["in-process"]
                for name, side in measured.items():
                    agree = None if name == "in-process" else agreement(side.found, base.found)
                    print(line(name, side, 1, None if name == "in-process" else base, agree))
                if direct is not None:
                    print(f"  mux: wire-rest / wire speed {turn_ratio(measured['wire'], measured['wire-rest']):.3f}")
            inserted = measure_inserts(sides, vectors, args.insert_batches)
            print_inserts("", inserted)
            if direct is not None:
                print(f"  mux: wire-rest / wire speed {turn_ratio(inserted['wire'], inserted['wire-rest']):.3f}")
            if args.commit_off:
                with unsynced_sides(sides, dsn, folder) as unsynced:
                    print_inserts(", synchronous_commit off on pgmilvus's sides",
                                  measure_inserts(unsynced, vectors, args.insert_batches))
        finally:
            wire.close()
            local.drop_collection(NAME)
            if args.milvus_uri:
                sides["milvus"][0].drop_collection(NAME)
            server.stop()
            if direct is not None:
                sides["wire-rest"][0].close()
                direct.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", action="append", metavar="ROWSxDIM",
                        help="rows x dimension (repeatable; default 20000x128 and 10000x768)")
    parser.add_argument("--calls", type=int, default=200, help="calls per workload and side, per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--insert-batches", type=int, default=10, help="1,000-row batches per side")
    parser.add_argument("--dsn", help="an existing PostgreSQL + pgvector (default: embedded under /tmp)")
    parser.add_argument("--pin", action="store_true",
                        help="this process on CPU 0; PostgreSQL, pgmilvus serve and Milvus on the others")
    parser.add_argument("--commit-off", action="store_true",
                        help="also time the inserts with synchronous_commit off on pgmilvus's sides")
    parser.add_argument("--rest-side", action="store_true",
                        help="also time a second pgmilvus serve with --rest (gRPC behind the REST mux)")
    parser.add_argument("--milvus-uri", help="a Milvus server to time on the same data (e.g. http://127.0.0.1:19530)")
    args = parser.parse_args()
    tempfile.tempdir = "/tmp"
    for shape in args.shape or ["20000x128", "10000x768"]:
        rows, dim = (int(x) for x in shape.lower().split("x"))
        run_shape(rows, dim, args)


if __name__ == "__main__":
    main()
