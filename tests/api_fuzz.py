"""Randomized calls of every public MilvusClient method with odd arguments (None, wrong types, NaN,
int64 limits, 300 characters, dicts for names...): each must succeed or raise a MilvusException
(pymilvus's own TypeError for its documented wrong-type texts, and Python's for a call that does
not fit the signature, are allowed), never another exception or a message showing a raw PostgreSQL
or Python error.  test_api_fuzz.py runs 1,500 calls; a longer run, on a scratch database::

    python -m tests.api_fuzz --seed 3 --count 20000 /tmp/api-fuzz.db

Methods that create or drop what outlives the test database (users, roles, privilege groups,
databases) or end the client are left out.
"""

from __future__ import annotations

import collections
import inspect
import random
import traceback
from typing import Any

from pgmilvus import DataType, MilvusClient
from pgmilvus.errors import MilvusException

from tests.server.fuzz import RAW_ERROR, arguments, report

ODD = [None, "", "fz", "p1", "v", "id", "*", "x" * 300, 0, -1, 2**63, 1.5, float("nan"), True, [], [1], ["fz"],
       [[0.1, 0.2]], {}, {"a": 1}, {"metric_type": "L2"}, object(), b"\x00", ("a",), "id > 0", 'j["a"] == 1',
       [{"id": 1, "v": [0.1, 0.2]}], {"id": 1, "v": [0.1, 0.2]}]
SKIP = {"close", "drop_collection", "drop_database", "use_database", "using_database", "bind", "flush_all",
        "create_database", "create_user", "drop_user", "update_password", "create_role", "drop_role",
        "create_privilege_group", "drop_privilege_group", "restore_rbac", "backup_rbac", "transfer_node"}
#: Texts of MilvusExceptions that name a Python type on purpose (pymilvus's own wording).
#: TypeErrors pymilvus raises itself (its argument checks; protobuf's, for an int field given else).
_PYMILVUS_TYPE_ERRORS = ("wrong type of argument", "object cannot be interpreted as an integer")
_PYMILVUS_WORDS = ("is illegal: expected", "The type of expr must be string", "got NoneType",
                   "The Input data type is inconsistent")


def collection(client: MilvusClient) -> tuple[Any, Any]:
    """The collection ``fz`` (partition ``p1``, 20 rows) the calls name; its schema and index params."""
    schema = client.create_schema(enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("j", DataType.JSON, nullable=True)
    index = client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="L2")
    _create(client, schema, index)
    client.insert("fz", [{"id": i, "v": [i / 10, 0.5], "j": {"a": i}} for i in range(20)])
    return schema, index


def _create(client: MilvusClient, schema: Any, index: Any) -> None:
    client.create_collection("fz", schema=schema, index_params=index)
    client.create_partition("fz", "p1")


def _finding(exc: BaseException) -> str:
    """What is wrong with ``exc`` as a user's answer, or "" when nothing is."""
    if isinstance(exc, MilvusException):
        raw = RAW_ERROR.search(exc.message) and not any(w in exc.message for w in _PYMILVUS_WORDS)
        return exc.message[:150] if raw or "PostgreSQL error" in exc.message else ""
    frames = traceback.extract_tb(exc.__traceback__)
    if isinstance(exc, TypeError) and (len(frames) <= 1 or any(t in str(exc) for t in _PYMILVUS_TYPE_ERRORS)):
        return ""  # the call does not fit the signature, or the TypeError pymilvus raises itself
    where = " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in frames[::-1][:3])
    return f"{type(exc).__name__}: {exc} @ {where}"[:200]


def fuzz(client: MilvusClient, count: int, seed: int) -> collections.Counter:
    """``count`` random calls; findings: (method, text) -> how many times."""
    r, findings = random.Random(seed), collections.Counter()
    schema, index = collection(client)
    methods = sorted(m for m in dir(client) if not m.startswith("_") and callable(getattr(client, m))
                     and m not in SKIP)
    for _ in range(count):
        name = r.choice(methods)
        try:
            parameters = inspect.signature(getattr(client, name)).parameters.values()
        except (TypeError, ValueError):
            continue
        args = {p.name: r.choice(ODD) if r.random() < 0.7 or "collection" not in p.name else "fz"
                for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                and (p.default is p.empty or r.random() < 0.4)}
        try:
            getattr(client, name)(**args)
        except Exception as exc:
            text = _finding(exc)
            if text:
                findings[(name, text)] += 1
        if not client.has_collection("fz"):
            _create(client, schema, index)
    return findings


def main() -> None:
    args = arguments(__doc__)
    with MilvusClient(args.db) as client:
        report(f"{args.count} calls", fuzz(client, args.count, args.seed))


if __name__ == "__main__":
    main()
