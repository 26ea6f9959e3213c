"""A server never breaks on bad input over REST either: mutated bodies get Milvus's envelope (rest_fuzz.py)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("grpc")
requests = pytest.importorskip("requests")

from tests.fix_db import new_database  # noqa: E402
from tests.server.rest_fuzz import fuzz, recording, workload  # noqa: E402

VECTOR = [0.1, 0.2, 0.3, 0.4]
HYBRID = {"collectionName": "fz", "limit": 3, "search": [{"data": [VECTOR], "annsField": "v", "limit": 3},
                                                         {"data": [VECTOR], "annsField": "v", "limit": 2}]}
DEEP = b"[" * 5000 + b"]" * 5000

# (path, body (bytes: sent as they are), code, message): one line per case
CASES = [
    ("/collections/has", DEEP, 1801, "can only accept json format request, error: exceeded max depth"),
    ("/collections/has", b'{"collectionName": NaN}', 1801,
     "can only accept json format request, error: invalid character 'N' looking for beginning of value"),
    ("/entities/hybrid_search", {**HYBRID, "rerank": {"strategy": "weighted", "params": {"weights": 0.5}}}, 65535,
     "parse weights param failed, weight should be []float, bug got: 0.5"),
    ("/entities/hybrid_search", {**HYBRID, "rerank": {"strategy": "weighted", "params": {"weights": ["a", 1]}}},
     65535, 'parse weights param failed, weight should be []float, bug got: ["a", 1]'),
    ("/entities/hybrid_search", {**HYBRID, "rerank": {"strategy": "weighted", "params": {}}}, 65535,
     "weights not found"),
    ("/entities/hybrid_search", {**HYBRID, "rerank": {"strategy": "weighted",
                                                      "params": {"weights": [1, 1], "norm_score": "yes"}}},
     65535, "weighted rerank err, norm_score should been bool type, but [norm_score:yes]'s type is string"),
    ("/entities/hybrid_search", {**HYBRID, "rerank": {"strategy": "rrf", "params": {"k": "ten"}}}, 65535,
     "the type of rank param k should be float"),
    ("/entities/hybrid_search", {**HYBRID, "search": [{"data": [VECTOR], "annsField": "v", "limit": "3"}]}, 1801,
     "can only accept json format request, error: json: cannot unmarshal string into Go struct field "
     "SubSearchReq.search.limit of type int32"),
    ("/collections/create", {"collectionName": "bad", "schema": {"fields": ["id"]}}, 1801,
     "can only accept json format request, error: json: cannot unmarshal string into Go struct field "
     "CollectionReq.schema.fields of type httpserver.FieldSchema"),
    ("/collections/create", {"collectionName": "bad", "schema": {"fields": [{"fieldName": 5, "dataType": "Int64"}]}},
     1801, "can only accept json format request, error: json: cannot unmarshal number into Go struct field "
           "FieldSchema.schema.fields.fieldName of type string"),
    ("/collections/fields/add", {"collectionName": "fz", "schema": {"fieldName": "big", "dataType": "Int64",
                                                                    "nullable": True, "defaultValue": 10**40}}, 1100,
     "convert defaultValue fail, err: default value 10000000000000000000000000000000000000000 is out of range for "
     "Int64: invalid parameter"),
    ("/entities/insert", {"collectionName": "fz", "data": [{"id": 900, "title": "x", "n": 1, "f": 1.0,
                                                            "doc": "[" * 3000 + "]" * 3000, "tags": [],
                                                            "v": VECTOR}]}, 1804,
     "fail to deal the insert data, error: maximum recursion depth exceeded while decoding a JSON array"),
]


@pytest.fixture(scope="module")
def served(pg_dsn: str):
    for dsn in new_database(pg_dsn):
        with recording(dsn) as (address, recorded):
            workload(address)
            yield address, list(recorded)


@pytest.mark.parametrize("path, body, code, message", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_bad_bodies_get_milvus_envelopes(served, path: str, body, code: int, message: str) -> None:
    address, _ = served
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    answer = requests.post(f"http://{address}/v2/vectordb{path}", data=data, timeout=60)
    assert answer.status_code == 200
    got = answer.json()
    assert got["code"] == code and got["message"].startswith(message), got


def test_mutated_bodies_get_envelopes_and_the_server_keeps_serving(served) -> None:
    address, recorded = served
    assert len({path for path, _ in recorded}) >= 40
    findings = fuzz(address, recorded, count=1500, seed=7)
    assert not findings, "\n".join(f"{n} x {key}" for key, n in findings.most_common())
    answer = requests.post(f"http://{address}/v2/vectordb/collections/has", data=b'{"collectionName": "fz"}',
                           timeout=60).json()
    assert answer == {"code": 0, "data": {"has": True}}
