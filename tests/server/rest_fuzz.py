"""Mutated REST bodies against a real ``pgmilvus serve --rest``: what a broken or hostile HTTP client sends.

``recording`` runs a server with the REST face whose request bodies are kept
(path and bytes) while ``workload`` posts a sequence of valid calls (a collection
of most field types, writes, reads, searches, partitions, aliases, indexes,
databases, metadata); ``fuzz`` then posts mutated copies over HTTP: a JSON value
replaced by an odd one (null, empty, NUL, 70,000 characters, the int64 limits
and past them, NaN, deep nesting, the wrong type), a key dropped or added, a
list emptied, cut or doubled, the bytes truncated or flipped.  Each answer is
judged as a user would see it: HTTP 200 with Milvus's ``{"code": ..., "message":
...}`` envelope is fine (or, as Milvus answers a resource group's description, a JSON object
without a code); any other status, a body that is no envelope, or a
message showing a raw PostgreSQL or Python error (or the server's "unexpected
error") is a finding.  test_rest_fuzz.py runs a few hundred; a longer run::

    python -m tests.server.rest_fuzz --seed 3 --count 20000 /tmp/rest-fuzz.db
"""

from __future__ import annotations

import collections
import contextlib
import copy
import json
import random
from typing import Any, Iterator

from pgmilvus.server.app import Options, Server
from pgmilvus.server.rest.face import RestFace

from tests.server.fuzz import RAW_ERROR, run

_PREFIX = "/v2/vectordb"
_ODD = [None, "", " ", "\x00", "a" * 70000, "'; DROP TABLE x; --", "$meta", "*", "count(*)", "{", "[1,",
        "NaN", "id > ", "fz", "_default", 0, -1, 1, 2**31, 2**63 - 1, 2**63, -2**63 - 1, 10**40, 0.5, -0.0,
        1e308, True, False, [], {}, [None], [[]], {"": None}, ["a", 1], [1e308] * 4, {"a": {"b": [1]}}]
VECTOR = [0.1, 0.2, 0.3, 0.4]
#: pymilvus's own refusal of a null in a field that takes none (the core's, kept on the REST face
#: for VarChar and JSON: insert_checks.py), which prints Python's ``<class 'NoneType'>`` on purpose.
_PYMILVUS_NULL = "The Input data type is inconsistent with defined schema"


@contextlib.contextmanager
def recording(uri: str) -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    """An in-process ``pgmilvus serve --rest`` on ``uri`` (its address) and the list its bodies land in."""
    recorded: list[tuple[str, bytes]] = []
    original = RestFace.answer

    def answer(self: RestFace, method: str, path: str, headers: Any, raw: bytes) -> Any:
        recorded.append((path, bytes(raw)))
        return original(self, method, path, headers, raw)

    RestFace.answer = answer  # type: ignore[method-assign]
    try:
        server = Server(Options(uri=uri, port=0, workers=4, rest=True)).start()
        try:
            yield f"127.0.0.1:{server.port}", recorded
        finally:
            server.stop()
    finally:
        RestFace.answer = original  # type: ignore[method-assign]


def _rows(start: int, count: int) -> list[dict[str, Any]]:
    return [{"id": i, "title": f"t{i}", "n": i if i % 3 else None, "f": i / 3, "doc": {"k": i, "s": [i]},
             "tags": ["a", str(i)], "v": [i / 100, 0.2, 0.3, 0.4], "color": "red" if i % 2 else "blue"}
            for i in range(start, start + count)]


#: (path, body) of the calls whose bodies are mutated, in an order that leaves each one something to act on.
WORKLOAD: list[tuple[str, dict[str, Any]]] = [
    ("/collections/create", {"collectionName": "fz", "schema": {"autoId": False, "enableDynamicField": True, "fields": [
        {"fieldName": "id", "dataType": "Int64", "isPrimary": True},
        {"fieldName": "title", "dataType": "VarChar", "elementTypeParams": {"max_length": 32}},
        {"fieldName": "n", "dataType": "Int32", "nullable": True},
        {"fieldName": "f", "dataType": "Float"},
        {"fieldName": "doc", "dataType": "JSON"},
        {"fieldName": "tags", "dataType": "Array", "elementDataType": "VarChar",
         "elementTypeParams": {"max_capacity": 4, "max_length": 8}},
        {"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": {"dim": 4}}]},
        "indexParams": [{"fieldName": "v", "indexName": "v", "metricType": "L2", "indexType": "HNSW",
                         "params": {"M": 8, "efConstruction": 32}}]}),
    ("/collections/create", {"collectionName": "fzq", "dimension": 4, "metricType": "COSINE"}),
    ("/entities/insert", {"collectionName": "fz", "data": _rows(0, 40)}),
    ("/entities/upsert", {"collectionName": "fz", "data": _rows(1, 2)}),
    ("/partitions/create", {"collectionName": "fz", "partitionName": "p1"}),
    ("/entities/insert", {"collectionName": "fz", "partitionName": "p1", "data": _rows(1000, 3)}),
    ("/entities/query", {"collectionName": "fz", "filter": "id > 5 and color == 'red'", "limit": 5,
                         "outputFields": ["title", "doc", "color"]}),
    ("/entities/query", {"collectionName": "fz", "filter": "title like {p}", "exprParams": {"p": "t1%"},
                         "outputFields": ["count(*)"]}),
    ("/entities/get", {"collectionName": "fz", "id": [1, 2], "outputFields": ["*"]}),
    ("/entities/search", {"collectionName": "fz", "data": [VECTOR], "annsField": "v", "limit": 3,
                          "filter": "n > 2", "outputFields": ["title"], "offset": 1,
                          "searchParams": {"metricType": "L2", "params": {"ef": 16}}}),
    ("/entities/search", {"collectionName": "fz", "data": [VECTOR], "annsField": "v", "limit": 3,
                          "groupingField": "color", "groupSize": 2}),
    ("/entities/hybrid_search", {"collectionName": "fz", "limit": 3, "outputFields": ["title"],
                                 "search": [{"data": [VECTOR], "annsField": "v", "limit": 3, "filter": "f > 1"},
                                            {"data": [VECTOR], "annsField": "v", "limit": 2}],
                                 "rerank": {"strategy": "weighted", "params": {"weights": [0.5, 0.5]}}}),
    ("/entities/delete", {"collectionName": "fz", "filter": "id in [38, 39]"}),
    ("/collections/describe", {"collectionName": "fz"}),
    ("/collections/has", {"collectionName": "fz"}),
    ("/collections/list", {}),
    ("/collections/get_stats", {"collectionName": "fz"}),
    ("/collections/get_load_state", {"collectionName": "fz", "partitionNames": ["p1"]}),
    ("/collections/alter_properties", {"collectionName": "fz", "properties": {"collection.ttl.seconds": 100}}),
    ("/collections/fields/add", {"collectionName": "fz", "schema": {"fieldName": "extra", "dataType": "Int64",
                                                                    "nullable": True, "defaultValue": 3}}),
    ("/collections/fields/alter_properties", {"collectionName": "fz", "fieldName": "title",
                                              "fieldParams": {"max_length": 40}}),
    ("/collections/flush", {"collectionName": "fz"}),
    ("/collections/compact", {"collectionName": "fz"}),
    ("/collections/release", {"collectionName": "fzq"}),
    ("/collections/load", {"collectionName": "fzq"}),
    ("/collections/rename", {"collectionName": "fzq", "newCollectionName": "fzq2"}),
    ("/partitions/list", {"collectionName": "fz"}),
    ("/partitions/has", {"collectionName": "fz", "partitionName": "p1"}),
    ("/partitions/get_stats", {"collectionName": "fz", "partitionName": "p1"}),
    ("/partitions/release", {"collectionName": "fz", "partitionNames": ["p1"]}),
    ("/partitions/load", {"collectionName": "fz", "partitionNames": ["p1"]}),
    ("/indexes/create", {"collectionName": "fz", "indexParams": [{"fieldName": "title", "indexName": "ti",
                                                                  "indexType": "INVERTED"}]}),
    ("/indexes/list", {"collectionName": "fz"}),
    ("/indexes/describe", {"collectionName": "fz", "indexName": "v"}),
    ("/collections/release", {"collectionName": "fz"}),
    ("/indexes/alter_properties", {"collectionName": "fz", "indexName": "v", "properties": {"mmap.enabled": True}}),
    ("/collections/load", {"collectionName": "fz"}),
    ("/indexes/drop", {"collectionName": "fz", "indexName": "ti"}),
    ("/aliases/create", {"collectionName": "fz", "aliasName": "fza"}),
    ("/aliases/describe", {"aliasName": "fza"}),
    ("/aliases/list", {"collectionName": "fz"}),
    ("/aliases/alter", {"collectionName": "fz", "aliasName": "fza"}),
    ("/databases/create", {"dbName": "fzdb", "properties": {"database.max.collections": 10}}),
    ("/databases/describe", {"dbName": "fzdb"}),
    ("/databases/list", {}),
    ("/databases/alter", {"dbName": "fzdb", "properties": {"database.max.collections": 20}}),
    ("/databases/drop_properties", {"dbName": "fzdb", "propertyKeys": ["database.max.collections"]}),
    ("/collections/drop_properties", {"collectionName": "fz", "propertyKeys": ["collection.ttl.seconds"]}),
    ("/collections/refresh_load", {"collectionName": "fz"}),
    ("/collections/get_compaction_state", {"jobID": 1}),
    ("/entities/advanced_search", {"collectionName": "fz", "limit": 2, "rerank": {"strategy": "rrf", "params": {"k": 10}},
                                   "search": [{"data": [VECTOR], "annsField": "v", "limit": 2}]}),
    ("/partitions/create", {"collectionName": "fz", "partitionName": "p2"}),
    ("/partitions/release", {"collectionName": "fz", "partitionNames": ["p2"]}),
    ("/partitions/drop", {"collectionName": "fz", "partitionName": "p2"}),
    ("/aliases/create", {"collectionName": "fz", "aliasName": "fzb"}),
    ("/aliases/drop", {"aliasName": "fzb"}),
    ("/resource_groups/create", {"name": "fzrg", "config": {"requests": {"node_num": 1}, "limits": {"node_num": 1}}}),
    ("/resource_groups/describe", {"name": "fzrg"}),
    ("/resource_groups/alter", {"resource_groups": {"fzrg": {"requests": {"node_num": 1},
                                                             "limits": {"node_num": 1}}}}),
    ("/resource_groups/alter", {"resource_groups": {"fzrg": {"requests": {"node_num": 0},
                                                             "limits": {"node_num": 0}}}}),
    ("/resource_groups/drop", {"name": "fzrg"}),
    ("/collections/create", {"collectionName": "fzt", "dimension": 4}),
    ("/collections/truncate", {"collectionName": "fzt"}),
    ("/collections/drop", {"collectionName": "fzt"}),
    ("/common/run_analyzer", {"text": ["the quick fox"], "analyzerParams": '{"tokenizer": "standard"}'}),
    ("/resource_groups/list", {}),
    ("/jobs/import/list", {"collectionName": "fz"}),
    ("/segments/describe", {"collectionName": "fz"}),
    ("/quotacenter/describe", {}),
]


def workload(address: str) -> None:
    """Post WORKLOAD; each call must succeed (the mutations start from valid bodies)."""
    import requests

    with requests.Session() as session:
        for path, body in WORKLOAD:
            answer = session.post(f"http://{address}{_PREFIX}{path}", data=json.dumps(body), timeout=120).json()
            assert answer.get("code", 0) == 0, (path, answer)  # describing a resource group: no code, as Milvus


class _Mutator:
    """Random, reproducible changes to a JSON body (``seed``)."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def bytes_of(self, raw: bytes) -> bytes:
        r, mode = self.r, self.r.random()
        if mode < 0.06:
            return raw[:r.randrange(len(raw) + 1)]
        if mode < 0.1:
            data = bytearray(raw)
            for _ in range(r.randint(1, 3)):
                if data:
                    data[r.randrange(len(data))] = r.choice([0x00, 0x22, 0x5c, 0x7b, 0xff, 0xc3])
            return bytes(data)
        if mode < 0.12:
            depth = r.choice([100, 5000, 100000])
            return b"[" * depth + b"]" * depth
        try:
            body = json.loads(raw)
        except ValueError:
            return raw
        for _ in range(r.randint(1, 3)):
            body = self.value(body, 0)
        return json.dumps(body, allow_nan=True).encode()

    def value(self, value: Any, depth: int) -> Any:
        """``value`` with one change somewhere inside it."""
        r = self.r
        if isinstance(value, dict) and value and depth < 6 and r.random() < 0.7:
            key = r.choice(list(value))
            op = r.random()
            changed = dict(value)
            if op < 0.15:
                del changed[key]
            elif op < 0.25:
                changed[r.choice(["x", "dbName", "partitionNames", "filter", "limit", ""])] = r.choice(_ODD)
            else:
                changed[key] = self.value(value[key], depth + 1)
            return changed
        if isinstance(value, list) and value and depth < 6 and r.random() < 0.7:
            op, changed = r.random(), list(value)
            if op < 0.15:
                return []
            if op < 0.3:
                return changed + copy.deepcopy(changed)
            if op < 0.4:
                return changed[:r.randrange(len(changed))]
            at = r.randrange(len(changed))
            changed[at] = self.value(changed[at], depth + 1)
            return changed
        op = r.random()
        if op < 0.15:
            return [value]
        if op < 0.25:
            return json.dumps(value)
        if op < 0.3 and isinstance(value, (int, float)) and not isinstance(value, bool):
            return r.choice([float("nan"), float("inf"), -value, value * 10**20])
        return copy.deepcopy(r.choice(_ODD))


def fuzz(address: str, recorded: list[tuple[str, bytes]], count: int, seed: int) -> collections.Counter:
    """Post ``count`` mutated bodies; returns findings: (path, what, text) -> how many times."""
    import requests

    mutate = _Mutator(seed)
    findings: collections.Counter = collections.Counter()
    with requests.Session() as session:
        for _ in range(count):
            path, raw = mutate.r.choice(recorded)
            data = mutate.bytes_of(raw)
            answer = session.post(f"http://{address}{path}", data=data, timeout=120)
            short = path[len(_PREFIX):]
            if answer.status_code != 200:
                findings[(short, f"HTTP {answer.status_code}", answer.text[:120])] += 1
                continue
            try:
                body = answer.json()
            except ValueError:
                findings[(short, "not JSON", answer.text[:120])] += 1
                continue
            if not isinstance(body, dict) or not isinstance(body.get("code", 0), int):
                findings[(short, "no envelope", str(body)[:120])] += 1
                continue
            message = str(body.get("message", ""))
            raw = RAW_ERROR.search(message) and not message.startswith(_PYMILVUS_NULL)
            if body.get("code") and (raw or "unexpected error" in message):
                findings[(short, f"code {body['code']}", message[:160])] += 1
    return findings


if __name__ == "__main__":
    run(__doc__, recording, workload, fuzz)
