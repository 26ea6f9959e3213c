"""The Java SDK (MilvusClientV2) against ``pgmilvus serve``.

tests/server/java is a small Maven project with two main classes.  ``Seed``
is a copy of the seed guide's Java code, changed only as far as compiling
against the current SDK requires (its header lists each change): every
printed count and the rows left in each partition are checked against the
recorded answers the Python seed test uses.  ``Features`` does what a Java
application typically does (schemas with every common type, indexes,
partitions, aliases, databases, reads, searches, iterators, errors) and prints
one JSON line per step: every value is checked, and the reads against what
pymilvus gets from the same server for the same calls.  Maven fetches the SDK
from Maven Central on first use; the tests are skipped where java / mvn are
missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pytest

from tests import test_seed
from tests.fix_server import _wipe

PROJECT = Path(__file__).parent / "java"
PRINTED = [("InsertCnt", 10), ("InsertCnt", 10), ("upsertCnt", 10), ("upsertCnt", 10),
           ("deleteCnt", 3), ("deleteCnt", 2), ("deleteCnt", 2)]


@pytest.fixture(scope="module")
def java_classes(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The command that runs a main class of the compiled project (built in a copy of it)."""
    if not (shutil.which("java") and shutil.which("mvn")):
        pytest.skip("java / mvn are not installed")
    build = tmp_path_factory.mktemp("java") / "seed"
    shutil.copytree(PROJECT, build)
    done = subprocess.run(["mvn", "-q", "-B", "compile", "dependency:build-classpath",
                           "-Dmdep.outputFile=classpath.txt"], cwd=build, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    classpath = f"{build / 'target' / 'classes'}:{(build / 'classpath.txt').read_text().strip()}"
    return ["java", "-Dorg.slf4j.simpleLogger.defaultLogLevel=error", "-cp", classpath]


@pytest.fixture(scope="module")
def java_seed(java_classes: list[str]) -> list[str]:
    return [*java_classes, "seed.Seed"]


def _plain_row(row: dict) -> dict:
    """A Java query row as the Python client gives it (float32 values widened the same way)."""
    entity = dict(row["entity"])
    entity["vector"] = np.asarray(entity["vector"], dtype=np.float32).tolist()
    return entity


def test_java_seed_example(java_seed, serve_address, wire_client) -> None:
    done = subprocess.run([*java_seed, f"http://{serve_address}"], capture_output=True, text=True, timeout=300,
                          cwd="/tmp")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    out, rows_line = done.stdout.split("ROWS:", 1)
    printed = [json.loads(line) for line in out.strip().splitlines()]
    assert [next((k, v) for k, v in p.items() if k.endswith("Cnt")) for p in printed] == PRINTED
    rows = {name: sorted((_plain_row(r) for r in part), key=lambda r: r["id"])
            for name, part in json.loads(rows_line).items()}
    assert rows == test_seed.STEPS["delete_like_partitionA"]["rows"]


# --- Features: what a Java application typically does ------------------------------------------

COLL = "java_features"
NOPE = "java_nope"


def vec(i: int) -> list[float]:
    """Row i's vector, as Features.vec builds it."""
    return [float(i % 5 + 1), float(i % 3 + 1), float(i % 7 + 1), float(i % 2 + 1)]


def sparse(i: int) -> dict[int, float]:
    """Row i's sparse vector, as Features.sparse builds it."""
    return {i % 10: 1.0 + i, 10 + i % 4: 0.5}


@dataclass
class JavaRun:
    """What Features printed, step by step, and a pymilvus client on the same server to compare."""

    steps: dict[str, dict[str, Any]]
    wire: Any

    def value(self, step: str) -> Any:
        line = self.steps[step]
        assert "error" not in line, line
        return line["value"]

    def error(self, step: str) -> dict[str, Any]:
        line = self.steps[step]
        assert "error" in line, line
        return line["error"]


@pytest.fixture(scope="module")
def java_features(java_classes: list[str], serve_address: str, serve_dsn: str) -> Iterator[JavaRun]:
    """Features run once against the server; it leaves java_features in place for the comparisons."""
    from pymilvus import MilvusClient

    done = subprocess.run([*java_classes, "seed.Features", f"http://{serve_address}"], capture_output=True,
                          text=True, timeout=300, cwd="/tmp")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    steps = {line["step"]: line for line in map(json.loads, done.stdout.strip().splitlines())}
    client = MilvusClient(uri=f"http://{serve_address}")
    yield JavaRun(steps, client)
    client.close()
    _wipe(serve_dsn)


def _field(name: str, data_type: str, **extra: Any) -> dict[str, Any]:
    """A field as Features prints describeCollection's FieldSchema (the SDK's defaults filled in)."""
    return {"name": name, "dataType": data_type, "isPrimaryKey": False, "autoID": False, "maxLength": None,
            "dimension": None, "elementType": "None", "maxCapacity": None, "isNullable": False,
            "defaultValue": None, **extra}


def test_java_collection_api(java_features: JavaRun) -> None:
    run = java_features
    assert run.value("create") is True
    assert run.value("describe") == {
        "name": COLL, "fieldNames": ["id", "title", "meta", "tags", "flag", "price", "rating", "vec", "sparse"],
        "vectorFieldNames": ["vec", "sparse"], "primaryFieldName": "id", "enableDynamicField": True,
        "autoID": False, "consistencyLevel": "STRONG", "numOfPartitions": 1, "databaseName": "default",
        "fields": [_field("id", "Int64", isPrimaryKey=True), _field("title", "VarChar", maxLength=64),
                   _field("meta", "JSON"), _field("tags", "Array", elementType="Int64", maxCapacity=8),
                   _field("flag", "Bool"), _field("price", "Float"),
                   _field("rating", "Int32", isNullable=True, defaultValue=3),
                   _field("vec", "FloatVector", dimension=4), _field("sparse", "SparseFloatVector")]}
    assert run.value("listIndexes") == run.wire.list_indexes(COLL) == ["vec_idx", "sparse", "title_idx"]
    assert run.value("listIndexesVec") == ["vec_idx"]
    assert run.value("describeIndex_vec") == {
        "fieldName": "vec", "indexName": "vec_idx", "indexType": "HNSW", "metricType": "COSINE",
        "extraParams": {"M": "16", "efConstruction": "64"}, "indexState": "Finished"}
    assert run.value("describeIndex_sparse") == {
        "fieldName": "sparse", "indexName": "sparse", "indexType": "AUTOINDEX", "metricType": "IP",
        "extraParams": {}, "indexState": "Finished"}
    title = {"fieldName": "title", "indexName": "title_idx", "indexType": "INVERTED", "metricType": "INVALID",
             "extraParams": {}, "indexState": "Finished"}
    assert run.value("describeIndex_title") == run.value("describeIndexByName") == title
    assert run.value("loadState") is True
    assert run.value("listCollections") is True
    assert run.value("hasCollection") == [True, False]


def test_java_writes(java_features: JavaRun) -> None:
    run = java_features
    assert run.value("insert") == {"insertCnt": 20, "primaryKeys": list(range(20))}
    assert run.value("upsert") == {"upsertCnt": 3, "primaryKeys": [0, 1, 2]}
    assert run.value("deleteIds") == 2
    assert run.value("deleteFilter") == 2
    assert run.value("stats") == [16, 16]  # num_entities counts live rows (docs/compatibility.md)


def _rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """pymilvus rows as plain dicts (what Gson printed for the Java rows)."""
    return [dict(row) for row in rows]


def test_java_reads_match_pymilvus(java_features: JavaRun) -> None:
    run, wire = java_features, java_features.wire
    get = wire.get(COLL, ids=[0, 1, 5, 99], output_fields=["title", "rating", "extra", "meta", "tags"])
    assert run.value("get") == _rows(get)
    assert [r["title"] for r in run.value("get")] == ["u0", "u1", "t5"]  # 0 and 1 upserted
    query = wire.query(COLL, filter='price > 10 and flag == true and meta["color"] != "green"',
                       output_fields=["id", "title", "tags", "meta", "num", "price"])
    assert run.value("query") == _rows(query)
    assert [r["id"] for r in run.value("query")] == [8, 12, 14]
    # rating: nullable with default 3; a row that leaves it out or sends null gets the default
    assert run.value("queryNull") == _rows(wire.query(COLL, filter="id < 6", output_fields=["rating"]))
    assert [r["rating"] for r in run.value("queryNull")] == [3, 3, 2, 3, 3, 3]
    assert run.value("count") == [{"count(*)": 16}]
    assert run.value("countFilter") == _rows(wire.query(
        COLL, filter='array_contains(tags, 6) or extra == "x7"', output_fields=["count(*)"])) == [{"count(*)": 3}]
    template = wire.query(COLL, filter="id in {ids} and title != {t} and price > {p}", output_fields=["id", "title"],
                          filter_params={"ids": [1, 2, 3, 4], "t": "t3", "p": 2.0})
    assert run.value("template") == _rows(template) == [{"id": 2, "title": "u2"}, {"id": 4, "title": "t4"}]
    assert run.value("offsetLimit") == _rows(wire.query(COLL, filter="id >= 0", offset=3, limit=4,
                                                        output_fields=["id"])) == [{"id": i} for i in range(3, 7)]
    assert run.value("queryIterator") == [[3, 4, 5, 6, 7], [8, 9, 10, 11, 12], [13, 14, 15]]
    batches = []
    iterator = wire.query_iterator(COLL, batch_size=5, filter="id > 2", output_fields=["id", "title"])
    while batch := iterator.next():
        batches.append([row["id"] for row in batch])
    iterator.close()
    assert run.value("queryIterator") == batches
    assert run.value("queryIteratorLimit") == [[3, 4], [5, 6], [7]]
    for level in ("STRONG", "SESSION", "BOUNDED", "EVENTUALLY"):
        assert run.value(f"consistency_{level}") == [{"count(*)": 16}]


def _hits(result: Any) -> list[list[dict[str, Any]]]:
    """pymilvus search hits shaped as Features prints the Java SDK's SearchResults."""
    return [[{"id": hit["id"], "score": hit["distance"], "entity": dict(hit["entity"])} for hit in hits]
            for hits in result]


def _same_hits(java: list[list[dict[str, Any]]], wire: list[list[dict[str, Any]]]) -> None:
    """Same ids and entities in the same order; scores equal as float32 (Java prints floats)."""
    assert [[(h["id"], h["entity"]) for h in q] for q in java] == [[(h["id"], h["entity"]) for h in q] for q in wire]
    assert [[h["score"] for h in q] for q in java] == [pytest.approx([h["score"] for h in q], abs=1e-6)
                                                       for q in wire]


def test_java_searches_match_pymilvus(java_features: JavaRun) -> None:
    from pymilvus import AnnSearchRequest, RRFRanker, WeightedRanker

    run, wire = java_features, java_features.wire
    search = wire.search(COLL, [vec(3), vec(8)], anns_field="vec", limit=3, filter="id < 10",
                         output_fields=["title", "extra", "rating"])
    _same_hits(run.value("search"), _hits(search))
    # a dynamic key asked by name is a key of the Java hit's entity, as with Milvus
    assert run.value("search")[0][0] == {"id": 3, "score": 1.0, "entity": {"title": "t3", "extra": "x3", "rating": 3}}
    _same_hits(run.value("searchParams"), _hits(wire.search(
        COLL, [vec(3)], anns_field="vec", limit=4, search_params={"offset": 1, "params": {"ef": 32}})))
    ranged = run.value("rangeSearch")
    _same_hits(ranged, _hits(wire.search(COLL, [vec(3)], anns_field="vec", limit=20,
                                         search_params={"params": {"radius": 0.9, "range_filter": 0.99}})))
    assert ranged[0] and all(0.9 < h["score"] <= 0.99 for h in ranged[0])
    grouped = run.value("groupBy")
    _same_hits(grouped, _hits(wire.search(COLL, [vec(3)], anns_field="vec", limit=5, group_by_field="flag",
                                          output_fields=["flag"])))
    assert sorted(h["entity"]["flag"] for h in grouped[0]) == [False, True]
    _same_hits(run.value("sparseSearch"), _hits(wire.search(COLL, [sparse(4)], anns_field="sparse", limit=3)))
    assert [h["id"] for h in run.value("sparseSearch")[0]] == [14, 4, 8]
    _same_hits(run.value("searchTemplate"), _hits(wire.search(
        COLL, [vec(3)], anns_field="vec", limit=3, filter='meta["color"] in {colors}',
        filter_params={"colors": ["red", "blue"]})))
    requests = [AnnSearchRequest([vec(3)], "vec", {"params": {"ef": 32}}, limit=5),
                AnnSearchRequest([sparse(4)], "sparse", {}, limit=5, expr="id > 1")]
    for step, ranker in (("hybrid_rrf", RRFRanker(60)), ("hybrid_weighted", WeightedRanker(0.7, 0.3))):
        _same_hits(run.value(step), _hits(wire.hybrid_search(COLL, requests, ranker, limit=4,
                                                             output_fields=["title"])))
    batches = run.value("searchIterator")
    assert [len(b) for b in batches] == [4, 4, 2]
    iterator = wire.search_iterator(COLL, [vec(3)], batch_size=4, limit=10, filter="id != 4", anns_field="vec",
                                    search_params={"metric_type": "COSINE"})
    flat: list[dict[str, Any]] = []
    while batch := iterator.next():
        flat.extend({"id": hit["id"], "score": hit["distance"], "entity": {}} for hit in batch)
    iterator.close()
    _same_hits([[hit for b in batches for hit in b]], [flat])


def test_java_partitions_aliases_databases(java_features: JavaRun) -> None:
    run = java_features
    assert run.value("createPartition") == 3
    assert run.value("listPartitions") == ["_default", "p1"]
    assert run.value("hasPartition") == [True, False]
    assert run.value("loadPartitions") is True
    assert [h["id"] for h in run.value("searchPartition")[0]] == [102, 101, 100]
    assert run.value("queryPartition") == [{"count(*)": 3}]
    assert run.value("dropPartition") == ["_default"]
    assert run.value("createAlias") == ["jf_alias", COLL, "default"]
    assert run.value("listAliases") == ["jf_alias"]
    assert run.value("queryAlias") == [{"count(*)": 16}]
    assert run.value("dropAlias") == []
    assert run.value("createDatabase") is True
    assert run.value("dbCollection") == [["in_db"], [{"count(*)": 2}], "java_db"]
    # a client bound to java_db at connect time: its calls, an alias there, unseen from default
    assert run.value("dbClient") == ["java_db", ["in_db"], ["in_db_alias"], [{"count(*)": 2}], False]
    assert run.value("dropDatabase") == [False, False]
    assert run.wire.list_databases() == ["default"]


def test_java_varchar_collection(java_features: JavaRun) -> None:
    run = java_features
    assert run.value("varcharCreate") == [5, ["a", "b", "c", "d", "e"], False]
    assert run.value("partialUpsert") == [1, [{"pk": "a", "n": 10, "vec": [0.0, 1.0]},
                                              {"pk": "c", "n": 2, "vec": [2.0, 1.0]}]]
    # L2 (squared) distances rounded to 2 decimals
    assert run.value("roundDecimal") == [[{"id": "a", "score": 0.13, "entity": {"n": 10}},
                                          {"id": "b", "score": 0.53, "entity": {"n": 1}},
                                          {"id": "c", "score": 2.93, "entity": {"n": 2}}]]
    assert run.value("flushReload") == [False, True, 5]
    assert run.value("renameTruncate") == [False, [{"count(*)": 0}]]


def _wire_error(call: Callable[[], Any]) -> dict[str, Any]:
    """pymilvus's MilvusException for the same call, as Features prints the Java SDK's."""
    from pymilvus import MilvusException

    with pytest.raises(MilvusException) as info:
        call()
    return {"code": info.value.code, "legacy": info.value.compatible_code, "kind": "SERVER_ERROR",
            "message": info.value.message}


def test_java_errors_match_pymilvus(java_features: JavaRun) -> None:
    run, wire = java_features, java_features.wire
    assert run.error("errUnknownCollection") == _wire_error(lambda: wire.describe_collection(NOPE)) == {
        "code": 100, "legacy": 4, "kind": "SERVER_ERROR",
        "message": f"can't find collection[database=default][collection={NOPE}]"}
    assert run.error("errQueryUnknown") == {
        "code": 100, "legacy": 4, "kind": "SERVER_ERROR",
        "message": f"collection not found[database=default][collection={NOPE}]"}
    assert run.error("errSearchDim") == _wire_error(lambda: wire.search(COLL, [[1.0, 2.0, 3.0]], anns_field="vec",
                                                                        limit=3))
    assert run.error("errSearchDim")["code"] == 1100
    assert run.error("errFilter") == _wire_error(lambda: wire.query(COLL, filter="id >>> 3"))
    assert "cannot parse expression: id >>> 3" in run.error("errFilter")["message"]
    assert run.error("errUnknownField") == _wire_error(lambda: wire.query(
        COLL, filter="", output_fields=["count(*)"], partition_names=["p9"])) == {
        "code": 65535, "legacy": 1, "kind": "SERVER_ERROR", "message": "partition name p9 not found"}
    assert run.error("errDropLoadedPartition") == _wire_error(lambda: wire.drop_partition(COLL, "_default"))
    assert run.error("errDuplicateCollection") == _wire_error(lambda: wire.create_collection(COLL, dimension=8))
    assert run.error("errFieldNotExist") == {"code": 1100, "legacy": 5, "kind": "SERVER_ERROR",
                                             "message": "field nope not exist"}
    assert run.error("errFilterField")["code"] == 1100
    assert "field nope not exist" in run.error("errFilterField")["message"]
    assert run.error("errDropNonEmptyDatabase") == {
        "code": 65535, "legacy": 1, "kind": "SERVER_ERROR",
        "message": "database:java_db2 not empty, must drop all collections before drop database"}
    # checked by the SDK before any call
    assert run.error("errInsertDim")["kind"] == "CLIENT_ERROR"
    assert run.error("errUseDatabase") == {"kind": "java.lang.IllegalArgumentException",
                                           "message": "Database java_no_db not exist"}


TYPES = "java_types"
TYPE_FIELDS = ["i8", "i16", "d", "names", "floats", "bools", "js", "ts", "geo", "text", "bin"]


def _hex_bins(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """pymilvus rows with the binary vector (bytes in a hit, a list of one bytes value in a query row) as
    Features prints it: hex."""
    def plain(key: str, value: Any) -> Any:
        if key != "bin":
            return value
        return (value[0] if isinstance(value, list) else value).hex()
    return [{k: plain(k, v) for k, v in row.items()} for row in rows]


def test_java_types_match_pymilvus(java_features: JavaRun) -> None:
    run, wire = java_features, java_features.wire
    auto_id, vectors, functions, fields = run.value("typesCreate")
    assert (auto_id, vectors, functions) == (True, ["bm25", "bin"], [["bm25_fn", "BM25", ["text"], ["bm25"]]])
    assert [(f["name"], f["dataType"], f["elementType"], f["isNullable"]) for f in fields] == [
        ("id", "Int64", "None", False), ("i8", "Int8", "None", False), ("i16", "Int16", "None", False),
        ("d", "Double", "None", False), ("names", "Array", "VarChar", False), ("floats", "Array", "Float", False),
        ("bools", "Array", "Bool", False), ("js", "JSON", "None", True), ("ts", "Timestamptz", "None", True),
        ("geo", "Geometry", "None", False), ("text", "VarChar", "None", False),
        ("bm25", "SparseFloatVector", "None", False), ("bin", "BinaryVector", "None", False)]
    assert run.value("typesInsert") == [6, 6]
    rows = run.value("typesQuery")
    assert rows == _hex_bins(wire.query(TYPES, filter="i8 >= -3", output_fields=TYPE_FIELDS))
    assert [(r["i8"], r["js"], r["ts"], r["geo"], r["bin"]) for r in rows[:2]] == [
        (-3, None, None, "POINT (0 1)", "0100"), (-2, {"k": 1, "list": [1, "x"]}, "2025-01-01T10:00:00Z",
                                                  "POINT (1 2)", "0201")]
    filters = ['array_contains(names, "m2") or d > 1.0 or js["k"] == 4', "js is null",
               "ts > ISO '2025-01-02T00:00:00Z'"]
    assert run.value("typesFilters") == [_rows(wire.query(TYPES, filter=f, output_fields=["i8"])) for f in filters]
    assert [[r["i8"] for r in part] for part in run.value("typesFilters")] == [[-1, 1, 2], [-3, 0], [0, 2]]
    assert run.value("textMatch") == _rows(wire.query(TYPES, filter='TEXT_MATCH(text, "banana")',
                                                      output_fields=["text"]))
    _same_hits(run.value("fullText"), _hits(wire.search(TYPES, ["apple"], anns_field="bm25", limit=3,
                                                        output_fields=["text"])))
    assert [h["entity"]["text"] for h in run.value("fullText")[0]] == [
        "cherry apple apple", "apple banana", "apple pie recipe"]
    binary = wire.search(TYPES, [bytes([3, 0])], anns_field="bin", limit=3, output_fields=["i8", "bin"])
    _same_hits(run.value("binarySearch"), [[{**h, "entity": _hex_bins([h["entity"]])[0]} for h in q]
                                           for q in _hits(binary)])
    assert [h["score"] for h in run.value("binarySearch")[0]] == [1.0, 2.0, 4.0]  # HAMMING
    assert run.value("runAnalyzer") == wire.run_analyzer("Hello, World of Milvus").tokens \
        == ["hello", "world", "of", "milvus"]
    assert [(r["i8"], r["later"]) for r in run.value("addField")] == [(0, None)]
    assert run.value("properties") == ["3600", "50"]
    assert run.value("server") == [True, False]
    # spatial filters (filters/spatial.py): the same rows, the same refusal
    near = wire.query(TYPES, filter="ST_DWITHIN(geo, 'POINT (2 3)', 200000)", output_fields=["i8"])
    assert sorted(r["i8"] for r in run.value("geoFilter")) == sorted(r["i8"] for r in near) and near
    assert run.error("errGeoFilter") == _wire_error(lambda: wire.query(
        TYPES, filter="ST_DWITHIN(geo, 'POINT (2 3)', -1)"))
    assert "distance parameter must be non-negative" in run.error("errGeoFilter")["message"]
    row = {"id": 500, "vec": vec(1), "sparse": sparse(1), "title": "x", "meta": {}, "tags": [], "flag": True,
           "price": 1.0}
    assert run.error("errPartitionInsert") == _wire_error(lambda: wire.insert(COLL, [row], partition_name="nope")) \
        == {"code": 200, "legacy": 15, "kind": "SERVER_ERROR", "message": "partition not found[partition=nope]"}
    assert run.error("errMetric") == _wire_error(lambda: wire.search(
        COLL, [vec(3)], anns_field="vec", limit=3, search_params={"metric_type": "L2"}))
    assert "metric type not match" in run.error("errMetric")["message"]
    # an upsert without its key (the SDK sends it on an auto_id collection): Milvus's proxy text, as
    # pymilvus would get it over the wire had it not checked the rows first
    assert run.error("errUpsertNoPk") == {
        "code": 1100, "legacy": 5, "kind": "SERVER_ERROR",
        "message": "must assign pk when upsert, primary field: id: invalid parameter "
                   "(row 0: give `id` a value)"}
    assert run.error("errInsertMissingField") == {"code": 0, "legacy": 0, "kind": "INVALID_PARAMS",
                                                  "message": "The field: title is not provided."}  # the SDK's check


VECS = "java_vecs"


def vec4(i: int) -> list[float]:
    """Row i's vectors, as Features.vec4 builds them (exact in float16 and bfloat16)."""
    return [float(i % 3), float(i % 4 + 1), 0.5 * i, 1.0]


def int8(i: int) -> np.ndarray:
    """Row i's int8 vector, as Features.int8 builds it."""
    return np.array([i - 4, i % 3, 2, -i], dtype=np.int8)


def test_java_vector_types_match_pymilvus(java_features: JavaRun) -> None:
    import ml_dtypes

    run, wire = java_features, java_features.wire
    # some vector indexed, one not: Milvus's proxy refuses the load (docs/compatibility.md)
    assert run.error("errLoadNoIndex") == {
        "code": 1100, "legacy": 5, "kind": "SERVER_ERROR",
        "message": "there is no vector index on field: [fv], please create index firstly: invalid parameter"}
    assert run.value("vecsIndex") == [8, {"fieldName": "fv", "indexName": "fv", "indexType": "IVF_FLAT",
                                          "metricType": "L2", "extraParams": {"nlist": "4"},
                                          "indexState": "Finished"}, 8, "LoadStateLoaded", None]
    f16, bf16, i8v, fv = run.value("vecsSearch")
    q = np.array(vec4(3), dtype=np.float32)
    _same_hits(f16, _hits(wire.search(VECS, [q.astype(np.float16)], anns_field="f16", limit=3)))
    _same_hits(bf16, _hits(wire.search(VECS, [q.astype(ml_dtypes.bfloat16)], anns_field="bf16", limit=3)))
    _same_hits(i8v, _hits(wire.search(VECS, [int8(3)], anns_field="i8v", limit=3)))
    outputs = wire.search(VECS, [vec4(3)], anns_field="fv", limit=3, search_params={"params": {"nprobe": 4}},
                          output_fields=["f16", "i8v"])
    assert [[(h["id"], h["score"]) for h in hits] for hits in fv] == [
        [(h["id"], pytest.approx(h["distance"])) for h in hits] for hits in outputs]
    # 16-bit and int8 vectors come back to Java as their bytes
    assert [h["entity"] for h in fv[0]] == [{"f16": np.array(vec4(h["id"]), np.float16).tobytes().hex(),
                                             "i8v": int8(h["id"]).tobytes().hex()} for h in fv[0]]
    # L2 (squared) and IP scores are exact for these values
    assert [h["score"] for h in f16[0]] == [float(np.sum((q - np.array(vec4(h["id"]))) ** 2)) for h in f16[0]]
    assert [h["score"] for h in bf16[0]] == [float(q @ np.array(vec4(h["id"] + 1))) for h in bf16[0]]
    _same_hits(run.value("searchByIds"), _hits(wire.search(VECS, ids=[1, 2], anns_field="fv", limit=3)))
    batches = run.value("searchIteratorV1")
    assert [len(b) for b in batches] == [3, 3, 1]
    iterator = wire.search_iterator(VECS, [vec4(3)], batch_size=3, limit=7, anns_field="fv",
                                    search_params={"metric_type": "L2"})
    ids: list[int] = []
    while batch := iterator.next():
        ids.extend(hit["id"] for hit in batch)
    iterator.close()
    assert [i for b in batches for i in b] == ids
    iterator = wire.query_iterator(VECS, batch_size=3, offset=2, limit=4, filter="id >= 0", output_fields=["tag"])
    pages = []
    while batch := iterator.next():
        pages.append([row["id"] for row in batch])
    iterator.close()
    assert run.value("queryIteratorOffset") == pages == [[2, 3, 4], [5]]
    from pymilvus import AnnSearchRequest, RRFRanker

    requests = [AnnSearchRequest([vec4(3)], "fv", {}, limit=8),
                AnnSearchRequest([np.array(vec4(5), np.float16)], "f16", {}, limit=8)]
    grouped = run.value("hybridGroupBy")
    _same_hits(grouped, _hits(wire.hybrid_search(VECS, requests, RRFRanker(10), limit=3, group_by_field="tag",
                                                 output_fields=["tag"])))
    assert sorted(h["entity"]["tag"] for h in grouped[0]) == [0, 1, 2]
    # index properties set and dropped, a field property dropped (dropCollectionFieldProperties), a
    # database property dropped
    assert run.value("indexProperties") == ["true", False, False]
    assert run.error("errDropLoadedIndex") == _wire_error(lambda: wire.drop_index(VECS, "fv"))
    assert run.error("errDropLoadedIndex")["message"].startswith("vector index cannot be dropped on loaded collection")


def test_java_users_and_roles(java_features: JavaRun) -> None:
    assert java_features.value("rbac") == [True, True, [["Collection", COLL, "Search", "default"]], ["java_role"]]
    assert "java_role" not in java_features.wire.list_roles()


def test_java_writes_after_a_schema_change_keep_the_new_field(java_features: JavaRun) -> None:
    """The SDK built the rows from the schema it cached before addCollectionField: the server refuses
    that schema's timestamp (SchemaMismatch), the SDK describes again and resends, and the new field
    gets its value (before, a collection without dynamic field silently lost it: later was null)."""
    run = java_features
    assert run.value("staleSchemaDynamic") == [{"id": 300, "added": 7, "num": 300, "extra": "x300"}]
    [row] = run.value("staleSchemaStatic")
    assert (row["i8"], row["later"]) == (9, 9)


def test_java_partition_key_and_admin_calls(java_features: JavaRun) -> None:
    run, wire = java_features, java_features.wire
    kind = {"fieldName": "doc", "indexName": "kind_idx", "indexType": "INVERTED", "metricType": "INVALID",
            "extraParams": {"json_cast_type": "varchar", "json_path": 'doc["kind"]'}, "indexState": "Finished"}
    assert run.value("pkCreate") == [4, 4, kind]  # numPartitions(4): four partitions, as Milvus lists them
    assert run.value("pkReads") == [
        [{"pk": "k1", "note": "n1"}, {"pk": "k7", "note": "n7"}],
        [{"pk": "k2", "tenant": 2}, {"pk": "k5", "tenant": 2}],  # QueryReq.ids: the SDK's pk in [...] filter
        [[{"id": "k8", "score": 8.0, "entity": {"tenant": 2}}, {"id": "k5", "score": 5.0, "entity": {"tenant": 2}}]]]
    assert run.value("pkIterator") == [["k0", "k1", "k2", "k3"], ["k4", "k5", "k6", "k7"], ["k8"]]
    assert run.value("pkDelete") == 2
    segment_rows = sum(s.num_rows for s in wire.list_persistent_segments("java_pk"))
    # alterCollectionField's max_length, dropCollectionProperties, one replica, the segments pymilvus
    # lists, compact (the SDK names the collection by id) and listCollectionsV2's shard numbers
    assert run.value("pkAdmin") == [32, False, 1, segment_rows, "Completed", True]


def test_java_refusals_match_pymilvus(java_features: JavaRun) -> None:
    run, wire = java_features, java_features.wire
    same = {
        "errEmptyFilterNoLimit": lambda: wire.query(COLL, filter="", output_fields=["id"]),
        "errHasPartitionUnknown": lambda: wire.has_partition(NOPE, "p"),
        "errAliasUnknownCollection": lambda: wire.create_alias(NOPE, "jf_a2"),
        "errDescribeAliasUnknown": lambda: wire.describe_alias("jf_none"),
        "errAlterAliasUnknown": lambda: wire.alter_alias(COLL, "jf_none"),
        "errCreateDatabaseTwice": lambda: wire.create_database("default"),
        "errLoadPartitionUnknown": lambda: wire.load_partitions(COLL, ["p9"]),
        "errSearchUnknownField": lambda: wire.search(COLL, [vec(3)], anns_field="nope", limit=3),
        "errTopK": lambda: wire.search(COLL, [vec(3)], anns_field="vec", limit=20000),
        "errGroupByVector": lambda: wire.search(COLL, [vec(3)], anns_field="vec", limit=3, group_by_field="vec"),
        "errDeleteBadFilter": lambda: wire.delete(COLL, filter="nope_field >>"),
    }
    for step, call in same.items():
        assert run.error(step) == _wire_error(call), step
    assert [run.error(s)["code"] for s in same] == [1100, 100, 100, 1600, 1600, 65535, 200, 1100, 1100, 1100, 1100]
    # Milvus's DescribeIndex answers every index; the SDK keeps the field's (none): an empty answer
    assert run.value("errNoIndex") == {"indexDescriptions": []}
    assert run.value("dropUnknownCollection") is True  # Milvus 2.6 drops a missing collection silently
    assert run.error("errGetUnknownPartition")["kind"] == "SERVER_ERROR"  # the SDK's own hasPartition check


def test_java_struct_arrays_match_pymilvus(java_features: JavaRun) -> None:
    from pymilvus.client.embedding_list import EmbeddingList

    run, wire = java_features, java_features.wire
    assert run.value("structCreate") == [6, [["s", 4, ["e:FloatVector", "t:VarChar"]]]]
    rows = run.value("structQuery")
    assert rows == _rows(wire.query("java_structs", filter="id in [1, 2]", output_fields=["s"]))
    assert rows[0] == {"id": 1, "s": [{"e": [1.0, 1.0], "t": "t10"}, {"e": [1.0, 3.0], "t": "t11"},
                                      {"e": [1.0, 5.0], "t": "t12"}]}
    query = [EmbeddingList(np.array([[1.0, 2.0], [1.0, 3.0]], dtype=np.float32))]
    _same_hits(run.value("structSearch"), _hits(wire.search("java_structs", data=query, anns_field="s[e]", limit=3,
                                                            output_fields=["s[t]"])))


def test_java_function_rankers_and_highlighter_match_pymilvus(java_features: JavaRun) -> None:
    from pymilvus import (AnnSearchRequest, Function, FunctionScore, FunctionType, LexicalHighlighter)

    run, wire = java_features, java_features.wire
    decay = Function(name="near_ten", input_field_names=["price"], function_type=FunctionType.RERANK,
                     params={"reranker": "decay", "function": "gauss", "origin": 10, "scale": 5, "offset": 1,
                             "decay": 0.5})
    _same_hits(run.value("decaySearch"), _hits(wire.search(COLL, [vec(3)], anns_field="vec", limit=4, ranker=decay,
                                                           output_fields=["price"])))
    boost = Function(name="even", input_field_names=[], function_type=FunctionType.RERANK,
                     params={"reranker": "boost", "filter": "flag == true", "weight": 2.0})
    boosted = run.value("boostSearch")
    _same_hits(boosted, _hits(wire.search(COLL, [vec(3)], anns_field="vec", limit=4, output_fields=["flag"],
                                          ranker=FunctionScore(functions=[boost]))))
    assert boosted[0][0]["entity"] == {"flag": True}  # 0.975 doubled passes the exact match
    requests = [AnnSearchRequest([vec(3)], "vec", {}, limit=5), AnnSearchRequest([sparse(4)], "sparse", {}, limit=5)]
    _same_hits(run.value("decayHybrid"), _hits(wire.hybrid_search(COLL, requests, decay, limit=4,
                                                                   output_fields=["price"])))
    highlighter = LexicalHighlighter(highlight_search_text=True, pre_tags=["<b>"], post_tags=["</b>"])
    assert run.error("errHighlightNoMetric") == _wire_error(lambda: wire.search(
        TYPES, ["apple"], anns_field="bm25", limit=3, highlighter=highlighter))
    found = wire.search(TYPES, ["apple"], anns_field="bm25", limit=3, search_params={"metric_type": "BM25"},
                        highlighter=highlighter)
    assert run.value("highlight") == [[h["id"], h["highlight"]["text"]["fragments"]] for h in found[0]]
    assert run.value("highlight")[1][1] == ["<b>apple</b> banana"]


def test_java_default_values_match_pymilvus(java_features: JavaRun) -> None:
    run, wire = java_features, java_features.wire
    # each default read back in its Java type (a TIMESTAMPTZ one as text, as Milvus 2.6 rewrites it)
    assert run.value("defaultsDescribe") == {
        "id": None, "b": ["Boolean", True], "i8": ["Short", 8], "i16": ["Short", 16], "i64": ["Long", 64],
        "f": ["Float", 1.5], "d": ["Double", 2.25], "s": ["String", "n/a"],
        "ts": ["String", "2025-06-01T12:00:00Z"], "v": None}
    filled = {"b": True, "i8": 8, "i16": 16, "i64": 64, "f": 1.5, "d": 2.25, "s": "n/a",
              "ts": "2025-06-01T12:00:00Z"}
    assert run.value("defaultsRows") == [{"id": 0, **filled, "v": [0.0, 0.0]},  # s sent as null: the default
                                         {"id": 1, **filled, "f": 9.5, "v": [1.0, 0.0], "extra": "dyn"}]
    # "*" lists "$meta": the Java SDK puts the dynamic keys under it, as with Milvus
    assert run.value("starSearch")[0][0]["entity"]["$meta"] == {"extra": "dyn"}
    assert run.value("timezone") == _rows(wire.query("java_defaults", filter="id == 1", output_fields=["ts"],
                                                     timezone="Asia/Shanghai")) == [
        {"id": 1, "ts": "2025-06-01T20:00:00+08:00"}]


def test_java_bad_values_are_refused(java_features: JavaRun) -> None:
    """The SDK checks lengths, capacities and sparse indexes itself; what it sends unchecked gets the
    Milvus proxy's answer, and nothing is written."""
    run, wire = java_features, java_features.wire
    for step in ("errVarcharTooLong", "errArrayTooLong", "errSparseNegative"):
        assert run.error(step)["kind"] == "CLIENT_ERROR", step
    assert run.error("errNaNVector")["kind"] == "java.lang.IllegalArgumentException"  # Gson, before the SDK
    assert run.error("errDynamicMetaKey") == {
        "code": 65535, "legacy": 1, "kind": "SERVER_ERROR",
        "message": "cannot set json key to: $meta (row 0: $meta names the dynamic field itself; rename the key)"}
    assert run.error("errInt8Overflow") == {
        "code": 1100, "legacy": 5, "kind": "SERVER_ERROR",
        "message": "the 0th element (300) out of range: [-128, 127]: invalid parameter[expected=integer doesn't "
                   "overflow][actual=out of range] (field i8: INT8 holds -128 to 127)"}
    assert wire.query(COLL, filter="id == 700") == []


def test_java_templates_and_partial_dynamic_updates(java_features: JavaRun) -> None:
    run, wire = java_features, java_features.wire
    # a partial update keeps the fields it does not name and merges its dynamic keys into the entity's
    assert run.value("partialDynamic") == _rows(wire.query("java_defaults", filter="id == 1",
                                                           output_fields=["i64", "f", "$meta"])) == [
        {"id": 1, "i64": 640, "f": 9.5, "extra": "dyn", "more": 2}]
    found = wire.search(COLL, [vec(3)], anns_field="vec", limit=4, filter="id in [1, 3, 5, 7, 9]")
    assert run.value("iteratorTemplate") == [hit["id"] for hit in found[0]] == [3, 9, 1, 7]
    assert run.value("deleteTemplate") == [1, [{"count(*)": 1}]]


def test_java_sees_the_documented_divergences(java_features: JavaRun) -> None:
    """docs/compatibility.md: a primary key that exists already is refused (Milvus would store a second
    entity), and a released collection still answers searches (Milvus: 101)."""
    run = java_features
    error = run.error("errDuplicatePk")
    assert (error["code"], error["legacy"]) == (1100, 5)
    assert error["message"].startswith("primary key 5 (row 0) already exists in collection java_features")
    assert run.value("releasedSearch") == [False, 2]
    assert run.error("errNullNotNullable")["kind"] == "CLIENT_ERROR"  # the SDK's own check
