"""Mutated pymilvus requests against a real ``pgmilvus serve``: what a broken or hostile client sends.

``recording`` runs a server whose requests are kept (the bytes each RPC
received) while a pymilvus workload runs against it; ``fuzz`` then sends
mutated copies straight to the server's methods: protobuf fields set to odd
values (empty, NUL, 70,000 characters, JSON nested 3,000 deep, NaN, the
int64 limits, unknown enum values), repeated fields cut, emptied or doubled, raw bytes flipped or
truncated.  Each answer is judged as a user would see it: a Status with a
Milvus code is fine; gRPC INTERNAL / UNKNOWN / UNAVAILABLE, or a reason that
shows a raw PostgreSQL or Python error, is a finding.  test_wire_fuzz.py runs
a few hundred; a longer run, on a scratch database::

    python -m tests.server.fuzz --seed 3 --count 20000 /tmp/fuzz.db
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import logging
import random
import re
from typing import Any, Iterator

import grpc
import numpy as np
from google.protobuf import message_factory
from google.protobuf.descriptor import FieldDescriptor as FD
from pymilvus.grpc_gen import common_pb2, milvus_pb2

from pgmilvus.server import limits
from pgmilvus.server.app import Options, Server

_SERVICE = milvus_pb2.DESCRIPTOR.services_by_name["MilvusService"]
#: What a user must never read in an answer: a raw PostgreSQL or Python error.
RAW_ERROR = re.compile(
    r"psycopg|Traceback|KeyError|AttributeError|TypeError|IndexError|ValueError|NoneType|object has no attribute|"
    r"unhashable|syntax error at or near|current transaction is aborted|Exception calling application|"
    r"Exception deserializing|UnicodeEncodeError|UnicodeDecodeError|OverflowError|ZeroDivision|RecursionError|"
    r"not all arguments converted|invalid input syntax|out of range for type|violates .* constraint")
_BROKEN = (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNAVAILABLE,
           grpc.StatusCode.DEADLINE_EXCEEDED)
_STRINGS = ["", " ", "\x00", "a" * 70000, "'; DROP TABLE x; --", '"x"', "$meta", "count(*)", "*", "é\u0301",
            "null", "{", "[1,", "1e309", "-1", "id", "fz", "p1", "_default", "HNSW", "L2", "nan", '{"a":', "\\",
            "%s", "%(x)s", "[" * 3000 + "]" * 3000, '{"a":' * 3000 + "1" + "}" * 3000]
_INTS = [0, -1, 1, 2**31 - 1, -2**31, 2**63 - 1, -2**63, 16385, 10**9]
_FLOATS = [0.0, -0.0, float("nan"), float("inf"), -float("inf"), 1e38, 3.5e38, -1e-45]


@contextlib.contextmanager
def recording(uri: str) -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    """An in-process ``pgmilvus serve`` on ``uri`` (its address) and the list its requests land in."""
    recorded: list[tuple[str, bytes]] = []
    original = limits.SizeLimits._guard

    def guard(self: Any, deserialize: Any, method: str) -> Any:
        inner = original(self, deserialize, method)

        def keep(data: bytes) -> Any:
            recorded.append((method, bytes(data)))
            return inner(data)
        return keep

    limits.SizeLimits._guard = guard  # type: ignore[method-assign]  (methods are wrapped on first call)
    try:
        server = Server(Options(uri=uri, port=0, workers=4)).start()
        try:
            yield f"127.0.0.1:{server.port}", recorded
        finally:
            server.stop()
    finally:
        limits.SizeLimits._guard = original  # type: ignore[method-assign]


def workload(address: str) -> None:
    """The calls whose requests are mutated: a collection of most field types, writes, reads,
    searches of three vector kinds, hybrid search, iterators and metadata calls (no RBAC:
    Postgres roles outlive a test database)."""
    from pymilvus import AnnSearchRequest, DataType, MilvusClient, RRFRanker

    c = MilvusClient(uri=f"http://{address}")
    s = c.create_schema(auto_id=False, enable_dynamic_field=True)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("title", DataType.VARCHAR, max_length=32)
    s.add_field("n", DataType.INT32, nullable=True)
    s.add_field("f", DataType.FLOAT)
    s.add_field("doc", DataType.JSON)
    s.add_field("tags", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=4, max_length=8)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=4)
    s.add_field("b", DataType.BINARY_VECTOR, dim=16)
    s.add_field("sp", DataType.SPARSE_FLOAT_VECTOR)
    ip = c.prepare_index_params()
    ip.add_index("v", index_type="HNSW", metric_type="L2", params={"M": 8, "efConstruction": 32})
    ip.add_index("b", index_type="BIN_FLAT", metric_type="HAMMING")
    ip.add_index("sp", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    c.create_collection("fz", schema=s, index_params=ip)
    c.create_partition("fz", "p1")
    rng = np.random.default_rng(3)
    rows = [{"id": i, "title": f"t{i}", "n": i if i % 3 else None, "f": i / 3, "doc": {"k": i, "s": [i]},
             "tags": ["a", str(i)], "v": rng.random(4).tolist(), "b": bytes([i % 256, 7]),
             "sp": {i % 50: 0.5, 99: 1.0}, "color": "red" if i % 2 else "blue"} for i in range(50)]
    c.insert("fz", rows)
    c.insert("fz", [dict(rows[0], id=1000)], partition_name="p1")
    c.upsert("fz", [dict(rows[1], title="up")])
    c.query("fz", filter="id > 5 and color == 'red'", output_fields=["title", "doc", "color"], limit=5)
    c.query("fz", filter="title like {p}", filter_params={"p": "t1%"})
    c.get("fz", ids=[1, 2])
    c.query("fz", output_fields=["count(*)"])
    c.search("fz", [rng.random(4).tolist()], anns_field="v", limit=3, filter="n > 2", output_fields=["title"])
    c.search("fz", [bytes([1, 2])], anns_field="b", limit=3, search_params={"metric_type": "HAMMING"})
    c.search("fz", [{3: 0.5}], anns_field="sp", limit=3)
    c.hybrid_search("fz", [AnnSearchRequest([rng.random(4).tolist()], "v", {}, limit=3),
                           AnnSearchRequest([{3: 0.5}], "sp", {}, limit=3)], RRFRanker(), limit=3)
    c.delete("fz", filter="id in [48, 49]")
    c.describe_collection("fz")
    c.describe_index("fz", "v")
    c.list_partitions("fz")
    c.create_alias("fz", "fza")
    c.describe_alias("fza")
    c.alter_collection_properties("fz", {"collection.ttl.seconds": 100})
    c.get_collection_stats("fz")
    c.flush("fz")
    c.release_collection("fz")
    c.load_collection("fz")
    c.create_database("fzdb")
    it = c.query_iterator("fz", batch_size=10)
    it.next()
    it.close()
    c.close()


def _classes(method: str) -> tuple[type, type]:
    found = _SERVICE.methods_by_name[method.rsplit("/", 1)[1]]
    return (message_factory.GetMessageClass(found.input_type),
            message_factory.GetMessageClass(found.output_type))


class _Mutator:
    """Random, reproducible changes to a protobuf message (``seed``)."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def bytes_of(self, raw: bytes, request_class: type) -> bytes:
        mode = self.r.random()
        if mode < 0.15:  # bit flips
            data = bytearray(raw)
            for _ in range(self.r.randint(1, 4)):
                if data:
                    data[self.r.randrange(len(data))] ^= 1 << self.r.randrange(8)
            return bytes(data)
        if mode < 0.22:
            return raw[:self.r.randrange(len(raw) + 1)]
        message = request_class.FromString(raw)
        self.message(message)
        return message.SerializeToString()

    def message(self, message: Any, depth: int = 0) -> None:
        fields = message.DESCRIPTOR.fields
        for _ in range(self.r.randint(1, 3) if fields else 0):
            with contextlib.suppress(ValueError, TypeError, AttributeError, IndexError):
                self._field(message, self.r.choice(fields), depth)

    def _scalar(self, f: Any) -> Any:
        r, t = self.r, f.type
        if t == FD.TYPE_STRING:
            return r.choice(_STRINGS)
        if t == FD.TYPE_BYTES:
            return bytes(r.getrandbits(8) for _ in range(r.choice([0, 1, 3, 7, 16, 100])))
        if t == FD.TYPE_BOOL:
            return r.random() < 0.5
        if t in (FD.TYPE_FLOAT, FD.TYPE_DOUBLE):
            return r.choice(_FLOATS)
        if t == FD.TYPE_ENUM:
            return r.choice([v.number for v in f.enum_type.values] + [999])
        if t in (FD.TYPE_UINT32, FD.TYPE_FIXED32):
            return r.choice([0, 1, 2**32 - 1, 16385])
        if t in (FD.TYPE_UINT64, FD.TYPE_FIXED64):
            return r.choice([0, 1, 2**64 - 1, 16385])
        if t in (FD.TYPE_INT32, FD.TYPE_SINT32, FD.TYPE_SFIXED32):
            return r.choice([0, -1, 1, 2**31 - 1, -2**31, 16385])
        return r.choice(_INTS)

    def _field(self, message: Any, f: Any, depth: int) -> None:
        r, value = self.r, getattr(message, f.name)
        if f.type == FD.TYPE_MESSAGE and f.message_type.GetOptions().map_entry:
            value.clear()
        elif f.type == FD.TYPE_MESSAGE and f.label == FD.LABEL_REPEATED:
            op = r.random()
            if op < 0.25 and len(value):
                del value[r.randrange(len(value))]
            elif op < 0.4 and len(value):
                value.add().CopyFrom(value[r.randrange(len(value))])
            elif op < 0.5:
                del value[:]
            elif len(value) and depth < 4:
                self.message(value[r.randrange(len(value))], depth + 1)
            else:
                value.add()
        elif f.type == FD.TYPE_MESSAGE:
            if r.random() < 0.2:
                message.ClearField(f.name)
            elif depth < 4:
                self.message(value, depth + 1)
        elif f.label == FD.LABEL_REPEATED:
            op = r.random()
            if op < 0.3 and len(value):
                del value[r.randrange(len(value)):]
            elif op < 0.5:
                value.append(self._scalar(f))
            elif op < 0.6:
                del value[:]
            elif len(value):
                value[r.randrange(len(value))] = self._scalar(f)
        else:
            setattr(message, f.name, self._scalar(f))


def fuzz(address: str, recorded: list[tuple[str, bytes]], count: int, seed: int) -> collections.Counter:
    """Send ``count`` mutated requests; returns findings: (rpc, what, text) -> how many times."""
    mutate = _Mutator(seed)
    findings: collections.Counter = collections.Counter()
    options = [("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)]
    with grpc.insecure_channel(address, options=options) as channel:
        for _ in range(count):
            method, raw = mutate.r.choice(recorded)
            request_class, response_class = _classes(method)
            data = mutate.bytes_of(raw, request_class)
            rpc = method.rsplit("/", 1)[1]
            try:
                answer = channel.unary_unary(method)(data, timeout=60)
            except grpc.RpcError as exc:
                details = exc.details() or ""
                if exc.code() in _BROKEN or RAW_ERROR.search(details):
                    findings[(rpc, str(exc.code()), details[:120])] += 1
                continue
            response = response_class.FromString(answer)
            status = response if isinstance(response, common_pb2.Status) else getattr(response, "status", None)
            if status is not None and RAW_ERROR.search(status.reason):
                findings[(rpc, f"status {status.code}", status.reason[:120])] += 1
    return findings


class Logged(logging.Handler):
    """What a logger said (psycopg must say nothing to a user: grammar_fuzz.py, race_fuzz.py)."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


def arguments(doc: str) -> argparse.Namespace:
    """The command line every fuzz module takes (this one, rest_fuzz.py, api_fuzz.py, grammar_fuzz.py)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("db", help="a scratch database folder (embedded PostgreSQL) or postgresql:// URI")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=5000)
    return parser.parse_args()


def report(headline: str, findings: collections.Counter) -> None:
    print(f"{headline}, {sum(findings.values())} findings")
    for key, n in findings.most_common():
        print(f"{n:6d}  " + "  ".join(str(part) for part in key))


def run(doc: str, record: Any, load: Any, send: Any) -> None:
    """A protocol fuzz's command line (this module, rest_fuzz.py): record ``load``'s requests with
    ``record``, send mutated copies with ``send``, print the findings."""
    args = arguments(doc)
    with record(args.db) as (address, recorded):
        load(address)
        kept = list(recorded)
        findings = send(address, kept, args.count, args.seed)
    report(f"{len(kept)} requests recorded, {args.count} mutations sent", findings)


if __name__ == "__main__":
    run(__doc__, recording, workload, fuzz)
