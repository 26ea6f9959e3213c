"""The seed guide's Node.js example, unchanged but for the address, against ``pgmilvus serve``.

The SDK (``@zilliz/milvus2-sdk-node``, the newest 3.x and 2.6.x) is installed
from the npm registry into a folder under /tmp on first use; the test is
skipped where node / npm are missing.  Every count the example prints and the
rows it leaves in each partition are checked against the same recorded
answers the Python seed test uses.  node/admin.js asks what Attu's views ask;
node/features.js drives the data path beyond the seed, and each value it prints
is checked, against pymilvus over the same server where pymilvus can ask the
same question.  The Node SDK turns an UNIMPLEMENTED answer into an empty
success, so only values prove anything here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests import test_seed

SEED_JS = Path(__file__).parent / "node" / "seed.js"
PRINTED = ["10", "10", "10", "10", "3", "2", "Entities deleted from partitionA: 2"]


def _sdk(major: str) -> Path:
    """node_modules holding the newest SDK of line ``major`` (installed once per machine)."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node / npm are not installed")
    folder = Path(f"/tmp/pgmilvus-node-sdk-{major}")
    if not (folder / "node_modules" / "@zilliz" / "milvus2-sdk-node").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(folder),
                               f"@zilliz/milvus2-sdk-node@{major}"], capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            pytest.skip(f"npm install @zilliz/milvus2-sdk-node@{major} failed: {done.stderr[-500:]}")
    return folder / "node_modules"


def _plain_row(row: dict) -> dict:
    """A Node query row as the Python client gives it: int64 ids (Node sends strings), $meta flattened."""
    out = {k: v for k, v in row.items() if k != "$meta"}
    out["id"] = int(out["id"])
    out.update(row.get("$meta") or {})
    return out


@pytest.mark.parametrize("major", ["3", "2.6"])
def test_node_seed_example(serve_address, wire_client, major) -> None:
    modules = _sdk(major)
    env = {**os.environ, "NODE_PATH": str(modules), "MILVUS_ADDRESS": serve_address}
    done = subprocess.run(["node", str(SEED_JS)], capture_output=True, text=True, timeout=300, env=env, cwd="/tmp")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    out = json.loads(done.stdout.split("ROWS:", 1)[1])
    assert out["printed"] == PRINTED
    rows = {name: sorted((_plain_row(r) for r in part), key=lambda r: r["id"]) for name, part in out["rows"].items()}
    assert rows == test_seed.STEPS["delete_like_partitionA"]["rows"]
    hits = out["hits"]
    assert len(hits) == 3 and all(h["id"] and "color" in h for h in hits)  # a dynamic key by name, as Milvus lists it
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


@pytest.mark.parametrize("major", ["3", "2.6"])
def test_node_admin_calls_answer_values(serve_address, wire_client, major) -> None:
    """getMetric, getIndexState, getIndexBuildProgress, describeResourceGroup and
    batchDescribeCollections (what Attu's views ask), createResourceGroup, updateResourceGroups and
    dropResourceGroup get values, not the empty success the SDK makes of UNIMPLEMENTED."""
    modules = _sdk(major)
    env = {**os.environ, "NODE_PATH": str(modules), "MILVUS_ADDRESS": serve_address}
    done = subprocess.run(["node", str(SEED_JS.with_name("admin.js"))], capture_output=True, text=True,
                          timeout=300, env=env, cwd="/tmp")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    out = json.loads(done.stdout.split("ANSWERS:", 1)[1])
    assert out["roles"] == ["proxy", "rootcoord", "datanode", "datacoord", "querynode", "querycoord"]
    assert (out["state"], out["total_rows"]) == ("Finished", 3)
    assert out["group"] == ["__default_resource_group", 1000000, {"node_admin": 1}]
    assert out["batch"] == [[0, "node_admin", 2]]  # a missing name: the SDK formats its null schema and throws
    assert out["rg"] == [0, "node_rg", 1, 0, 1, 2,  # created with its config, but no node: the one is the default's
                         1100, "Invalid resource group name 1rg. the first character of a resource group name must "
                               "be an underscore or letter: invalid parameter",
                         1100, "resource group's limits node num is not 0: invalid parameter"
                               "[expected=not empty resource group][actual=node_rg]",
                         0, ["__default_resource_group"]]


# --- features.js: the data path beyond the seed ----------------------------------------------

FEATURES = "node_features"
MORE = "node_more"
TEXTS = "node_bm25"
KEYS = "node_keys"
STRUCTS = "node_structs"
Q = [1, 0.2, 0.3, 1]
Q2 = [0, 1, 0.5, 1]
SPARSE_Q = {1: 1.0, 6: 0.5}
OK = {"error_code": "Success", "code": 0, "reason": ""}

#: describeCollection's fields as features.js prints them: (name, type, element, pk, nullable,
#: default, type_params)
FIELDS = [
    ("id", "Int64", "None", True, False, None, {}),
    ("title", "VarChar", "None", False, False, None, {"max_length": "64"}),
    ("meta", "JSON", "None", False, False, None, {}),
    ("tags", "Array", "Int64", False, False, None, {"max_capacity": "8"}),
    ("flag", "Bool", "None", False, False, None, {}),
    ("price", "Float", "None", False, False, None, {}),
    ("vec", "FloatVector", "None", False, False, None, {"dim": "4"}),
    ("sparse", "SparseFloatVector", "None", False, False, None, {}),
    ("note", "VarChar", "None", False, True, "none", {"max_length": "32"}),
]

#: what Milvus answers the bad inputs (codes from merr, legacy error_code from merr.oldCode); the
#: reasons are pgmilvus's own (Milvus's texts with a hint), checked against pymilvus's below
ERRORS = {
    "err_describe_unknown": ("CollectionNotExists", 100, "can't find collection[database=default][collection=nope]"),
    "err_query_unknown": ("CollectionNotExists", 100, "collection not found[database=default][collection=nope]"),
    "err_insert_dim": ("UnexpectedError", 65535, "the length(3) of float data should divide the dim(4)"),
    "err_search_dim": ("IllegalArgument", 1100, "vector dimension mismatch, expected vector size 4, actual 3"),
    "err_bad_filter": ("IllegalArgument", 1100, "cannot parse expression: id >>> 3"),
    "err_template_missing": ("IllegalArgument", 1100,
                             "the value of expression template variable name {x} is not found"),
    "err_insert_partition": ("MetaFailed", 200, "partition not found[partition=nope]"),
    "err_output_field": ("IllegalArgument", 1100, "field nofield not exist"),
    "err_metric": ("IllegalArgument", 1100, "metric type not match"),
    "err_index_field": ("UnexpectedError", 1700, "cannot create index on non-exist field: nofield"),
    "err_release_unknown": ("CollectionNotExists", 100, "collection not found[database=default][collection=nope]"),
    "err_varchar_long": ("IllegalArgument", 1100, "length of varchar field s exceeds max length"),
    "err_index_unknown": ("IndexNotExist", 700, "index not found[indexName=nope]"),
    "err_topk": ("IllegalArgument", 1100, "topk [20000] is invalid, it should be in range [1, 16384]"),
    "err_delete_filter": ("IllegalArgument", 1100, "failed to create delete plan: cannot parse expression: s like"),
}


def _run_features(serve_address: str, major: str) -> dict[str, dict]:
    """features.js's steps against the server: {step: {"value": ...} or {"error": ...}}."""
    modules = _sdk(major)
    env = {**os.environ, "NODE_PATH": str(modules), "MILVUS_ADDRESS": serve_address}
    done = subprocess.run(["node", str(SEED_JS.with_name("features.js"))], capture_output=True, text=True,
                          timeout=300, env=env, cwd="/tmp")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    steps = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {s["step"]: s for s in steps}


def _value(steps: dict[str, dict], name: str):
    assert "value" in steps[name], steps[name]
    return steps[name]["value"]


def _node_row(row: dict) -> dict:
    """A Node row as pymilvus gives it: Int64 values (strings in Node) as ints, ``$meta`` flattened."""
    out = {k: v for k, v in row.items() if k != "$meta"}
    out["id"] = int(out["id"])
    if "tags" in out:
        out["tags"] = [int(t) for t in out["tags"]]
    out.update(row.get("$meta") or {})
    return out


def _hits(node_hits: list[dict]) -> list[tuple]:
    return [(h["id"], pytest.approx(h["score"], abs=1e-5), {k: v for k, v in h.items() if k not in ("id", "score")})
            for h in node_hits]


def _wire_hits(hits) -> list[tuple]:
    return [(h["id"], h["distance"], dict(h["entity"])) for h in hits]


def _check_schema_steps(steps: dict[str, dict]) -> None:
    assert _value(steps, "create") == OK
    described = _value(steps, "describe")
    assert (described["dynamic"], described["consistency"]) == (True, "Strong")
    assert [tuple(f.values()) for f in described["fields"]] == FIELDS
    assert _value(steps, "create_index_title") == OK
    assert _value(steps, "describe_index") == [
        {"field": "sparse", "name": "sparse", "params": {"index_type": "SPARSE_INVERTED_INDEX", "metric_type": "IP"}},
        {"field": "title", "name": "title_idx", "params": {"index_type": "INVERTED"}},
        {"field": "vec", "name": "vec", "params": {"params": json.dumps({"M": 8, "efConstruction": 64}),
                                                   "metric_type": "COSINE", "index_type": "HNSW"}}]
    assert _value(steps, "list_indexes") == ["sparse", "title_idx", "vec"]
    assert _value(steps, "load_state") == "LoadStateLoaded"
    # ids and creation times as describeCollection gives them; the loaded ones with their percentage
    assert _value(steps, "show_collections") == {"all": [[FEATURES, True, True]], "loaded": [[FEATURES, "100"]]}


def _check_write_steps(steps: dict[str, dict]) -> None:
    assert _value(steps, "insert_rows") == {"cnt": "6", "ids": [1, 2, 3, 4, 5, 6], "status": OK}
    assert _value(steps, "insert_fields_data") == {"cnt": "6", "ids": [7, 8, 9, 10, 11, 12]}
    assert _value(steps, "upsert") == {"cnt": "1", "ids": [3]}
    assert (_value(steps, "delete_ids"), _value(steps, "delete_filter")) == (1, 1)


def _check_read_steps(steps: dict[str, dict], wire) -> None:
    assert _value(steps, "count") == 10
    stats = _value(steps, "index_statistics")  # indexed_rows: what pgmilvus's segments have indexed so far
    assert [row[:3] + row[4:] for row in stats["found"]] == [["vec", "vec", "10", "Finished"]]
    assert stats["missing"] == {"error_code": "IndexNotExist", "code": 700, "reason": "index not found[indexName=nope]"}
    assert _value(steps, "count_star") == [{"count(*)": "8"}]  # an Int64 column: a string in Node
    fields = ["title", "note", "tags", "meta", "flag", "price", "color", "extra"]
    got = [_node_row(r) for r in _value(steps, "get")]
    assert got == list(wire.get(FEATURES, ids=[3, 7, 8], output_fields=fields))
    assert [g["note"] for g in got] == ["none", "seven", "none"]  # the default for a missing or null value
    page = wire.query(FEATURES, filter="price > 3", limit=3, offset=2, output_fields=["id", "price"])
    assert [_node_row(r) for r in _value(steps, "query_page")] == list(page)
    templated = wire.query(FEATURES, filter="id in {ids} and title != {t}",
                           filter_params={"ids": [1, 2, 3, 4], "t": "t2"}, output_fields=["id"])
    assert _value(steps, "query_template") == sorted(r["id"] for r in templated) == [1, 3, 4]
    mixed = wire.query(FEATURES, filter='meta["k"] == 1 and array_contains(tags, 5) or color == "blue" and n < 3',
                       output_fields=["id"])
    assert _value(steps, "query_json_array") == sorted(r["id"] for r in mixed) == [2, 4]
    assert _value(steps, "query_consistency") == {level: "10" for level in ("Strong", "Bounded", "Session",
                                                                            "Eventually")}
    assert _value(steps, "query_iterator") == [[2, 3, 4, 5], [6, 7, 8, 9], [10]]


def _check_search_steps(steps: dict[str, dict], wire) -> None:
    from pymilvus import AnnSearchRequest, Function, FunctionType, RRFRanker, WeightedRanker

    def search(data, **kwargs):
        return wire.search(FEATURES, data, **kwargs)

    found = search([Q], anns_field="vec", limit=3, filter="price < 12", output_fields=["title", "color"],
                   search_params={"params": {"ef": 32}})
    assert _hits(_value(steps, "search")) == _wire_hits(found[0])
    assert [sorted(h) for h in _value(steps, "search")] == [["color", "id", "score", "title"]] * 3  # color itself
    both = search([Q, Q2], anns_field="vec", limit=2)
    assert [_hits(q) for q in _value(steps, "search_nq2")] == [_wire_hits(q) for q in both]
    ranged = search([Q], anns_field="vec", limit=10, search_params={"params": {"radius": 0.8, "range_filter": 0.99}})
    assert [h["id"] for h in _value(steps, "search_range")] == [h["id"] for h in ranged[0]] == [1, 2, 3]
    assert all(0.8 < h["score"] <= 0.99 for h in _value(steps, "search_range"))
    grouped = search([Q], anns_field="vec", limit=2, group_by_field="color", output_fields=["color"])
    assert _hits(_value(steps, "search_group")) == _wire_hits(grouped[0])
    sparse = search([SPARSE_Q], anns_field="sparse", limit=3)
    assert [(h["id"], h["score"]) for h in _value(steps, "search_sparse")] == \
           [(h["id"], h["distance"]) for h in sparse[0]] == [(1, 1.25), (6, 1.0), (4, 0.25)]
    templated = search([Q], anns_field="vec", limit=3, filter="color == {c}", filter_params={"c": "red"},
                       output_fields=["color"])
    assert _hits(_value(steps, "search_template")) == _wire_hits(templated[0])
    reqs = [AnnSearchRequest([Q], "vec", {"params": {"ef": 32}}, 4), AnnSearchRequest([SPARSE_Q], "sparse", {}, 4)]
    for label, ranker in (("rrf", RRFRanker(60)), ("weighted", WeightedRanker(0.7, 0.3))):
        hybrid = wire.hybrid_search(FEATURES, reqs, ranker, limit=4, output_fields=["title"])
        assert _hits(_value(steps, f"hybrid_{label}")) == _wire_hits(hybrid[0]), label
    decay = Function(name="decay", input_field_names=["price"], function_type=FunctionType.RERANK,
                     params={"reranker": "decay", "function": "gauss", "origin": 0, "scale": 10})
    decayed = search([Q], anns_field="vec", limit=3, ranker=decay, output_fields=["price"])
    assert _hits(_value(steps, "search_decay")) == _wire_hits(decayed[0])
    reqs = [AnnSearchRequest([Q], "vec", {}, 3), AnnSearchRequest([SPARSE_Q], "sparse", {}, 3)]
    hybrid = wire.hybrid_search(FEATURES, reqs, decay, limit=3, output_fields=["price"])
    assert _hits(_value(steps, "hybrid_decay")) == _wire_hits(hybrid[0])
    walk = [h["id"] for h in search([Q], anns_field="vec", limit=7)[0]]
    assert _value(steps, "search_iterator") == [walk[:3], walk[3:6], walk[6:]]  # the last page is 1 hit


def _check_namespace_steps(steps: dict[str, dict]) -> None:
    assert _value(steps, "partitions") == {
        "create": OK, "has": True, "names": ["_default", "part_a"], "insert": "2", "load": OK,
        "search": [20, 21], "query": [20, 21], "release": OK, "delete": 2, "drop": OK, "after": ["_default"]}
    assert _value(steps, "aliases") == {"create": OK, "describe": ["node_alias", FEATURES], "list": ["node_alias"],
                                        "count": "10", "drop": OK, "after": []}
    not_empty = {"error_code": "UnexpectedError", "code": 65535,
                 "reason": "database:node_features_db not empty, must drop all collections before drop database"}
    assert _value(steps, "databases") == {
        "create": OK, "list": ["default", "node_features_db"], "created": OK, "insert": "1", "shown": ["in_db"],
        "default_has": False, "by_name": "1", "drop_non_empty": not_empty, "drop_collection": OK, "drop": OK,
        "after": []}


def _check_auto_id_steps(steps: dict[str, dict]) -> None:
    """String ids end to end: an auto-id VarChar key (ids printed as their insert positions), a
    partition key, a binary vector, properties, rename and release."""
    assert _value(steps, "auto_ids") == {
        "create": OK, "describe": ["auto ids", True, "4", [["pk", True, False], ["cat", False, True],
                                                           ["bin", False, False], ["v", False, False]]],
        "insert": ["4", 4, 4], "stats": {"row_count": "4"}, "get": [[0, "1", [1, 254]], [1, "0", [2, 253]]],
        "first_two": 2, "count_cat": 2, "search_bin": [[0, 0, "1"], [2, 2, "1"]], "search_by_id": [[0, 0], [1, 1]],
        "delete": 1, "alter": OK, "properties": ["3600"], "rename": OK, "has": [False, True],
        "partitions": ["_default_0", "_default_1", "_default_2", "_default_3"], "release": OK,
        "state": "LoadStateNotLoad", "released_count": 3,  # reads of a released collection: a documented divergence
        "drop": OK}


def _check_more_steps(steps: dict[str, dict], wire) -> None:
    """Float16 vectors, nulls, search offsets, a partial upsert and a hybrid sub-request's filter."""
    from pymilvus import AnnSearchRequest, RRFRanker

    assert (_value(steps, "more_create"), _value(steps, "more_insert")) == (OK, "5")
    assert _value(steps, "more_nulls") == [{"id": "2", "s": None}, {"id": "4", "s": None}]
    f16 = wire.search(MORE, [np.array([2, 0, 0, 0.5], np.float16)], anns_field="h", limit=2)
    assert [(h["id"], h["score"]) for h in _value(steps, "more_f16")] == [(h["id"], h["distance"]) for h in f16[0]]
    assert [(h["s"], h["h"]) for h in _value(steps, "more_f16")] == [(None, [2, 0, 0, 0.5]), ("s1", [1, 0, 0, 0.5])]
    paged = wire.search(MORE, [[0.0, 0.0]], anns_field="v", limit=2, offset=2, output_fields=["s"])
    assert _hits(_value(steps, "more_offset")) == _wire_hits(paged[0])
    assert [h["id"] for h in _value(steps, "more_offset")] == [3, 4]
    assert _value(steps, "more_partial") == OK
    assert _value(steps, "more_after_partial") == [{"id": "1", "s": "p1", "v": [1, 0]}]  # v kept
    reqs = [AnnSearchRequest([[0.0, 0.0]], "v", {}, 2, expr="id > 2"),
            AnnSearchRequest([np.array([1, 0, 0, 0.5], np.float16)], "h", {}, 3)]
    hybrid = wire.hybrid_search(MORE, reqs, RRFRanker(), limit=2, output_fields=["s"])
    assert _hits(_value(steps, "more_hybrid")) == _wire_hits(hybrid[0])
    assert [h["id"] for h in _value(steps, "more_hybrid")] == [3, 1]


def _check_text_steps(steps: dict[str, dict], wire) -> None:
    """A BM25 function's collection from Node: text searches, TEXT_MATCH, a highlighter, runAnalyzer."""
    assert (_value(steps, "bm25_create"), _value(steps, "bm25_insert")) == (OK, "3")
    assert _value(steps, "bm25_describe") == {"functions": [["bm25", "BM25", ["text"], ["sparse"]]],
                                              "outputs": [["id", False], ["text", False], ["sparse", True]]}
    found = wire.search(TEXTS, ["quick fox"], anns_field="sparse", limit=3, output_fields=["text"])
    assert _hits(_value(steps, "bm25_search")) == _wire_hits(found[0])
    both = wire.search(TEXTS, ["quick", "dogs"], anns_field="sparse", limit=2)
    assert _value(steps, "bm25_search_nq2") == [[[h["id"], pytest.approx(h["distance"])] for h in q] for q in both]
    matched = wire.query(TEXTS, filter="TEXT_MATCH(text, 'quick')", output_fields=["id"])
    assert _value(steps, "text_match") == sorted(r["id"] for r in matched) == [1, 3]
    marked = _value(steps, "highlight")
    assert [(h["id"], h["highlight"]["text"]["fragments"]) for h in marked] == \
           [(3, ["<b>quick</b> <b>quick</b> rabbit"]), (1, ["<b>quick</b> brown fox"])]
    tokens = wire.run_analyzer("The Quick fox", analyzer_params={"tokenizer": "standard", "filter": ["lowercase"]})
    assert _value(steps, "run_analyzer") == [list(tokens.tokens)] == [["the", "quick", "fox"]]


def _check_string_key_steps(steps: dict[str, dict], wire, major: str) -> None:
    """A VarChar key with int8 / bfloat16 vectors: iterators, group sizes, nq 2 hybrid search,
    filters, then addCollectionField, alterCollectionFieldProperties and truncateCollection."""
    assert (_value(steps, "keys_create"), _value(steps, "keys_insert")) == (OK, "12")
    keys = [f"k{i:02}" for i in range(12)]
    assert _value(steps, "keys_query_iterator") == [keys[:5], keys[5:10], keys[10:]]
    grouped = wire.search(KEYS, [[0.0, 0.0]], anns_field="v", limit=2, group_by_field="g", group_size=2,
                          strict_group_size=True, output_fields=["g"])
    assert _value(steps, "keys_group_size") == [[h["pk"], str(h["entity"]["g"]), h["distance"]] for h in grouped[0]]
    rrf_first = pytest.approx(1 / 61)  # each key first in one of the two lists
    assert _value(steps, "keys_hybrid_nq2") == [[["k00", rrf_first], ["k11", rrf_first]],
                                                [["k05", rrf_first], ["k11", rrf_first]]]
    # SDK 2.6 reads int8 vectors back as unsigned bytes (3.x fixed it): the same bytes go out either way
    minus = (lambda v: v) if major == "3" else (lambda v: v + 256)
    assert _value(steps, "keys_int8") == [
        {"score": 0, "pk": "k03", "i8": [3, minus(-3), 1, 2], "bf": [0.298828125, 0.5, 0, 1]},
        {"score": 2, "pk": "k02", "i8": [2, minus(-2), 1, 2], "bf": [0.19921875, 0.5, 0, 1]}]
    filters = _value(steps, "keys_filters")
    red = wire.query(KEYS, filter='$meta["color"] == "red" and g == 1', output_fields=["pk", "color"])
    assert [_flat(r) for r in filters["meta"]] == list(red) == [{"pk": "k01", "color": "red"},
                                                                 {"pk": "k07", "color": "red"}]
    named = wire.query(KEYS, filter='array_contains_any(names, ["n1", "n2"])', output_fields=["names"])
    assert filters["array"] == list(named)
    ranged = wire.search(KEYS, [[0.0, 0.0]], anns_field="v", limit=10, filter="g != 1",
                         search_params={"params": {"radius": 30}})
    walk = [[h["pk"], h["distance"]] for h in ranged[0]]  # pymilvus names a hit's key by its field
    assert _value(steps, "keys_search_iterator") == [walk[:3], walk[3:]]
    loaded = {"error_code": "UnexpectedError", "code": 104, "reason": "can't alter index on loaded collection, please "
              "release the collection first: collection already loaded[collection=node_keys]"}
    assert _value(steps, "keys_schema_changes") == {
        "add": OK, "added": [["Int32", True]], "extra": [{"pk": "k01", "extra": None}], "alter": OK,
        "capacity": ["6"], "alter_index_loaded": loaded}
    assert _value(steps, "truncate") == [OK, 0]
    # another client made the collection again with another dimension: the stale client's insert is
    # refused with SchemaMismatch, the SDK describes again and resends
    assert _value(steps, "stale_schema") == {"first": "1", "insert": [OK, "1"],
                                             "rows": [{"id": "2", "vector": [1, 2, 3]}]}


def _check_struct_steps(steps: dict[str, dict], wire) -> None:
    """An array of structs from Node (its column typed as the field's Array): rows and an
    embedding-list search as pymilvus reads them."""
    got = _value(steps, "structs")
    assert (got["create"], got["insert"]) == (OK, [OK, "2"])
    rows = wire.query(STRUCTS, filter="id > 0", output_fields=["clips"])
    assert [{**r, "id": int(r["id"])} for r in got["rows"]] == list(rows)
    assert rows[0]["clips"] == [{"label": "a", "emb": [1.0, 0.0]}, {"label": "b", "emb": [0.0, 1.0]}]
    assert [(h["id"], h["score"]) for h in got["search"]] == [(1, 2), (2, pytest.approx(2 ** 0.5))]


def _flat(row: dict) -> dict:
    """A Node row with ``$meta`` flattened, as pymilvus gives it."""
    return {**{k: v for k, v in row.items() if k != "$meta"}, **(row.get("$meta") or {})}


def _pymilvus_errors(wire) -> dict[str, Any]:
    """The calls of features.js's bad inputs as pymilvus makes them, by step name."""
    from pymilvus import DataType

    vec = np.ones(4, np.float16)
    index = wire.prepare_index_params()
    index.add_index("nofield", index_type="INVERTED")
    other = wire.create_schema()
    other.add_field("id", DataType.INT64, is_primary=True)
    other.add_field("w", DataType.FLOAT_VECTOR, dim=8)
    return {
        "err_describe_unknown": lambda: wire.describe_collection("nope"),
        "err_bad_filter": lambda: wire.query(FEATURES, filter="id >>> 3"),
        "err_insert_partition": lambda: wire.insert(MORE, [{"id": 9, "s": "x", "h": vec, "v": [1, 1]}],
                                                    partition_name="nope"),
        "err_output_field": lambda: wire.query(MORE, filter="id > 0", output_fields=["nofield"]),
        "err_metric": lambda: wire.search(MORE, [[0.0, 0.0]], anns_field="v", search_params={"metric_type": "IP"}),
        "err_index_field": lambda: wire.create_index(MORE, index),
        "err_release_unknown": lambda: wire.release_collection("nope"),
        "err_varchar_long": lambda: wire.insert(MORE, [{"id": 11, "s": "x" * 22, "h": vec, "v": [1, 1]}]),
        "err_topk": lambda: wire.search(MORE, [[0.0, 0.0]], anns_field="v", limit=20000),
        "err_delete_filter": lambda: wire.delete(MORE, filter="s like"),
        "err_create_different": lambda: wire.create_collection(MORE, schema=other),
    }


def _check_error_steps(steps: dict[str, dict], wire) -> None:
    from pymilvus import MilvusException

    for name, (error_code, code, reason) in ERRORS.items():
        got = _value(steps, name)
        assert (got["error_code"], got["code"]) == (error_code, code), (name, got)
        assert reason in got["reason"], (name, got["reason"])
    for name, call in _pymilvus_errors(wire).items():  # what the Node SDK shows is what pymilvus raises
        with pytest.raises(MilvusException) as raised:
            call()
        node = steps[name].get("value") or steps[name]["error"]
        assert (node["code"], node["reason"]) == (raised.value.code, raised.value.message), name
    assert _value(steps, "err_database_unknown") == {"error_code": "UnexpectedError", "code": 800,
                                                     "reason": "database not found[database=nodb]"}
    # loadCollection throws the status it got as its message
    assert steps["err_load_unknown"]["error"]["message"] == \
        "ErrorCode: CollectionNotExists. Reason: collection not found[database=default][collection=nope]"
    # the SDK searches an unknown collection with the null schema describeCollection answers, as with Milvus
    assert steps["err_search_unknown"]["error"]["message"] == "Cannot read properties of null (reading 'fields')"
    assert _value(steps, "err_drop_unknown_partition") == OK  # Milvus's proxy: dropping is idempotent


def _check_found_steps(steps: dict[str, dict]) -> None:
    """What the SDK's own suite found (tools/run_node_sdk_tests.py), as the SDK sees it."""
    found = _value(steps, "found")
    at = "1984-04-14T07:00:00Z"  # the default the SDK sent as UTC microseconds, read back as its instant
    assert (found["create"], found["default"], found["insert"]) == (OK, at, [OK, "2"])
    assert found["rows"] == [{"id": "1", "j": {"a": 1}, "at": at}, {"id": "2", "j": None, "at": at}]
    assert (found["empty"], found["loaded"]) == ([], ["p"])  # no throw on an empty result's columns
    assert found["balance"] == [{"error_code": "CollectionNotExists", "code": 100,
                                 "reason": "collection not found[database=default][collection=]"}, OK]
    assert (found["move"], found["moved"]) == (OK, [False, True])

@pytest.mark.parametrize("major", ["3", "2.6"])
def test_node_data_path_answers_what_pymilvus_gets(serve_address, wire_client, major) -> None:
    """features.js: a full schema, indexes, writes, reads, every kind of search, partitions,
    aliases, databases and bad inputs from the Node SDK; each printed value is checked, against
    pymilvus over the same server on the rows the script leaves where there is one to ask."""
    steps = _run_features(serve_address, major)
    _check_schema_steps(steps)
    _check_write_steps(steps)
    _check_read_steps(steps, wire_client)
    _check_search_steps(steps, wire_client)
    _check_namespace_steps(steps)
    _check_auto_id_steps(steps)
    _check_more_steps(steps, wire_client)
    _check_text_steps(steps, wire_client)
    _check_string_key_steps(steps, wire_client, major)
    _check_struct_steps(steps, wire_client)
    _check_found_steps(steps)
    _check_error_steps(steps, wire_client)
