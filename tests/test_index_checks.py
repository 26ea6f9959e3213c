"""Milvus's refusals of an index request, in its words (Milvus master's proxy, datacoord and
knowhere), and the repeated / unnamed requests it takes.

One line per request: the field, the index the request asks for, and the exact message (code
1100 for all).  pgmilvus builds none of these indexes differently for them (mmap, AUTOINDEX's
parameters, SCANN's sub-spaces mean nothing to pgvector), but an application that runs here
must run on Milvus.
"""

from __future__ import annotations

from typing import Any, Optional

import pytest

from pgmilvus import DataType, MilvusClient, MilvusException

NAME = "ic"
#: What Milvus's proxy says of a refused metric, after the reason.
_METRIC = ": invalid parameter[expected=valid index params][actual=invalid index params]"


def _make(client: MilvusClient) -> None:
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=4)
    schema.add_field("v3", DataType.FLOAT_VECTOR, dim=3)
    schema.add_field("sp", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("i16", DataType.INT16)
    schema.add_field("f", DataType.FLOAT)
    schema.add_field("tags", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=4, max_length=8)
    schema.add_field("scores", DataType.ARRAY, element_type=DataType.DOUBLE, max_capacity=4)
    schema.add_field("j", DataType.JSON)
    schema.add_field("s", DataType.VARCHAR, max_length=32, nullable=True)
    client.create_collection(NAME, schema=schema)


def _create(client: MilvusClient, field: str, **index: Any) -> None:
    params = client.prepare_index_params()
    params.add_index(field, **index)
    client.create_index(NAME, params)


REFUSED = [
    ("v", dict(index_type="SCANN", metric_type="L2", params={"nlist": 0}),
     "Out of range in json: param 'nlist' (0) should be in range [1, 65536]: invalid parameter"),
    ("v", dict(index_type="IVF_FLAT", metric_type="L2", params={"nlist": 65537}),
     "Out of range in json: param 'nlist' (65537) should be in range [1, 65536]: invalid parameter"),
    ("v", dict(index_type="IVF_SQ8", metric_type="L2", params={"nlist": "x"}),
     "Type conflict in json: param 'nlist' (\"x\") should be integer: invalid parameter"),
    ("v3", dict(index_type="SCANN", metric_type="L2", params={"nlist": 1024}),
     "The dimension of a vector (dim) should be a multiple of sub_dim. Dimension:3, sub_dim:2: invalid parameter"),
    ("v", dict(index_type="SCANN", metric_type="L2", params={"sub_dim": 3}),
     "The dimension of a vector (dim) should be a multiple of sub_dim. Dimension:4, sub_dim:3: invalid parameter"),
    ("sp", dict(index_type="SPARSE_INVERTED_INDEX", metric_type="IP", params={"drop_ratio_build": 1}),
     "Out of range in json: param 'drop_ratio_build' (1.0) should be in range [0.000000, 1.000000): invalid "
     "parameter"),
    ("sp", dict(index_type="SPARSE_WAND", metric_type="IP", params={"drop_ratio_build": "3"}),
     "Out of range in json: param 'drop_ratio_build' (3.0) should be in range [0.000000, 1.000000): invalid "
     "parameter"),
    ("sp", dict(index_type="SPARSE_WAND", metric_type="IP", params={"drop_ratio_build": 1.1}),
     "Out of range in json: param 'drop_ratio_build' (1.1) should be in range [0.000000, 1.000000): invalid "
     "parameter"),
    ("v", dict(metric_type="L2", params={"nlist": "1024", "M": "100"}),
     "only metric type can be passed when use AutoIndex: invalid parameter"),
    ("v", dict(index_type="AUTOINDEX", metric_type="L2", params={"mmap.enabled": True}),
     "only metric type can be passed when use AutoIndex: invalid parameter"),
    ("sp", dict(index_type="BITMAP"), "metric type not set for vector index" + _METRIC),
    ("sp", dict(index_type="BITMAP", metric_type="L2"),
     "only IP&BM25 is the supported metric type for sparse index" + _METRIC + " (field sp takes IP)"),
    ("sp", dict(index_type="BITMAP", metric_type="IP"),
     "data type SparseFloatVector can't build with this index BITMAP: invalid parameter; use one of HNSW, IVF_FLAT, "
     "FLAT, AUTOINDEX for vector field sp"),
    ("id", dict(index_type="BITMAP"), "create bitmap index on primary key not supported: invalid parameter"),
    ("f", dict(index_type="BITMAP"), "bitmap index are only supported on bool, int, string and array field: invalid "
                                     "parameter"),
    ("scores", dict(index_type="BITMAP"),
     "bitmap index are only supported on bool, int, string for array field: invalid parameter"),
    ("i16", dict(index_type="STL_SORT", params={"mmap.enabled": True}),
     "invalid mmap type params: index type STL_SORT does not support mmap: invalid parameter: invalid parameter"),
    ("v", dict(index_type="DISKANN", metric_type="L2", params={"mmap.enabled": "true"}),
     "invalid mmap type params: index type DISKANN does not support mmap: invalid parameter: invalid parameter"),
    ("v", dict(index_type="FAISS", metric_type="L2"),
     "faiss_index_name is required for index type FAISS: invalid parameter; give a Faiss factory string such as "
     "IVF1024,Flat or HNSW32,Flat"),
    ("v", dict(index_type="FAISS", metric_type="L2", params={"faiss_index_name": "IVF0,Flat"}),
     "Out of range in json: param 'nlist' (0) should be in range [1, 65536]: invalid parameter"),
    ("sp", dict(index_type="FAISS", metric_type="IP", params={"faiss_index_name": "Flat"}),
     "data type SparseFloatVector can't build with this index FAISS: invalid parameter; pgmilvus builds FAISS "
     "factory strings on float vectors only"),
    ("v", dict(index_type="HNSW", metric_type="L2", params={"mmap.enabled": "yes"}),
     "invalid mmap type params: invalid mmap.enabled value: yes, expected: true, false: invalid parameter: invalid "
     "parameter"),
]


@pytest.mark.parametrize("field, index, message", REFUSED)
def test_refused(client: MilvusClient, field: str, index: dict, message: str) -> None:
    _make(client)
    with pytest.raises(MilvusException) as info:
        _create(client, field, **index)
    assert (info.value.code, info.value.message) == (1100, message)
    assert client.list_indexes(NAME) == []


TAKEN = [
    ("v", dict(index_type="AUTOINDEX", metric_type="L2")),
    ("v", dict(index_type="AUTOINDEX", params={"halfvec": True})),  # pgmilvus's own knob
    ("v", dict(index_type="SCANN", metric_type="L2", params={"nlist": 65536})),
    ("v", dict(index_type="HNSW", metric_type="L2", params={"mmap.enabled": False})),
    ("tags", dict(index_type="BITMAP", params={"mmap.enabled": True})),
    ("i16", dict(index_type="STL_SORT", params={"mmap.enabled": False})),
    ("v", dict(index_type="FAISS", metric_type="L2", params={"faiss_index_name": "IVF64,Flat"})),
    ("v", dict(index_type="FAISS", metric_type="IP", params={"faiss_index_name": "HNSW32,SQ8"})),
    ("v", dict(index_type="FAISS", metric_type="COSINE", params={"faiss_index_name": "Flat"})),
]


@pytest.mark.parametrize("field, index", TAKEN)
def test_taken(client: MilvusClient, field: str, index: dict) -> None:
    _make(client)
    _create(client, field, **index)
    assert client.list_indexes(NAME) == [field]


@pytest.mark.parametrize("name, method", [("IVF64,Flat", "ivfflat"), ("HNSW32,PQ16", "hnsw"), ("Flat", None)])
def test_faiss_factory_strings_are_pgvector_indexes(client: MilvusClient, name: str, method: Optional[str]) -> None:
    """Milvus master's FAISS index type: the factory string's structure is what pgvector builds."""
    _make(client)
    _create(client, "v", index_type="FAISS", metric_type="L2", params={"faiss_index_name": name})
    described = client.describe_index(NAME, "v")
    assert (described["index_type"], described["faiss_index_name"]) == ("FAISS", name)
    client.insert(NAME, [{"id": i, "v": [i, 1, 0, 0], "v3": [0, 0, 1], "sp": {1: 1.0}, "i16": 1, "f": 0.5,
                          "tags": [], "scores": [], "j": {}} for i in range(1, 9)])
    client.flush(NAME)  # the sealed segment gets its vector index
    info = client.describe_collection(NAME)
    with client._conn() as conn:
        methods = conn.execute("SELECT DISTINCT am.amname FROM pg_partition_tree(%s::regclass) AS t"
                               " JOIN pg_index AS i ON i.indrelid = t.relid JOIN pg_class AS c ON c.oid = i.indexrelid"
                               " JOIN pg_am AS am ON am.oid = c.relam WHERE am.amname IN ('ivfflat', 'hnsw')",
                               (f'"{info.get("db_name", "default")}"."{NAME}"',)).fetchall()
    assert [m for (m,) in methods] == ([method] if method else [])


def test_an_unknown_faiss_factory_string_is_unsupported(client: MilvusClient) -> None:
    _make(client)
    with pytest.raises(MilvusException) as info:
        _create(client, "v", index_type="FAISS", metric_type="L2", params={"faiss_index_name": "OPQ16,IVF64,PQ16"})
    assert info.value.code == 3000 and "the Faiss index 'OPQ16,IVF64,PQ16' is not supported" in info.value.message


#: What Milvus's NGRAM checker refuses (ngram_index_checker.go), in its order: the field type, a JSON
#: field's json_cast_type, both grams, each an integer (Go's Atoi of the text pymilvus sends), the range.
_JSON_PATH = {"json_path": 'j["a"]', "json_cast_type": "varchar"}
NGRAM_REFUSED = [
    ("i16", {"min_gram": 2, "max_gram": 3}, 1100,
     "ngram index can only be created on VARCHAR or JSON field: invalid parameter"),
    ("f", {}, 1100, "ngram index can only be created on VARCHAR or JSON field: invalid parameter"),
    ("tags", {"min_gram": 2, "max_gram": 3}, 1100,
     "ngram index can only be created on VARCHAR or JSON field: invalid parameter"),
    ("s", {}, 1101, "Ngram index must specify both min_gram and max_gram: missing parameter"),
    ("s", {"min_gram": 2}, 1101, "Ngram index must specify both min_gram and max_gram: missing parameter"),
    ("s", {"max_gram": -1}, 1101, "Ngram index must specify both min_gram and max_gram: missing parameter"),
    ("s", {"min_gram": None, "max_gram": 3}, 1101,  # pymilvus sends no None
     "Ngram index must specify both min_gram and max_gram: missing parameter"),
    ("s", {"min_gram": 2.5, "max_gram": 3}, 1100, "min_gram for Ngram index must be an integer, got: 2.5: invalid "
                                                  "parameter"),
    ("s", {"min_gram": 2.5, "max_gram": "x"}, 1100, "min_gram for Ngram index must be an integer, got: 2.5: invalid "
                                                    "parameter"),
    ("s", {"min_gram": 2, "max_gram": "x"}, 1100, "max_gram for Ngram index must be an integer, got: x: invalid "
                                                  "parameter"),
    ("s", {"min_gram": True, "max_gram": 3}, 1100, "min_gram for Ngram index must be an integer, got: True: invalid "
                                                   "parameter"),
    ("s", {"min_gram": 5, "max_gram": 3}, 1100,
     "invalid min_gram or max_gram value for Ngram index, min_gram: 5, max_gram: 3: invalid parameter"),
    ("s", {"min_gram": 0, "max_gram": 3}, 1100,
     "invalid min_gram or max_gram value for Ngram index, min_gram: 0, max_gram: 3: invalid parameter"),
    ("s", {"min_gram": -1, "max_gram": -1}, 1100,
     "invalid min_gram or max_gram value for Ngram index, min_gram: -1, max_gram: -1: invalid parameter"),
    ("j", {"min_gram": 2, "max_gram": 3}, 1101,
     "JSON field with ngram index must specify json_cast_type: missing parameter"),
    ("j", {"json_path": 'j["a"]', "min_gram": 2, "max_gram": 3}, 1101,
     "JSON field with ngram index must specify json_cast_type: missing parameter"),
    ("j", {"json_path": 'j["a"]', "json_cast_type": " double ", "min_gram": 2, "max_gram": 3}, 1100,
     "JSON field with ngram index only supports VARCHAR cast type, got: DOUBLE: invalid parameter"),
    ("j", dict(_JSON_PATH), 1101, "Ngram index must specify both min_gram and max_gram: missing parameter"),
    ("j", {**_JSON_PATH, "min_gram": 3, "max_gram": 2}, 1100,
     "invalid min_gram or max_gram value for Ngram index, min_gram: 3, max_gram: 2: invalid parameter"),
    ("j", {"json_path": "j.a", "json_cast_type": "VARCHAR", "min_gram": 1, "max_gram": 2}, 1100,
     "cannot parse identifier: j.a, error: token recognition error at: '.'"),
]


@pytest.mark.parametrize("field, params, code, message", NGRAM_REFUSED)
def test_ngram_refused(client: MilvusClient, field: str, params: dict, code: int, message: str) -> None:
    _make(client)
    with pytest.raises(MilvusException) as info:
        _create(client, field, index_type="NGRAM", index_name="ng", params=params)
    assert (info.value.code, info.value.message[:len(message)]) == (code, message)
    assert client.list_indexes(NAME) == []


NGRAM_TAKEN = [
    ("s", {"min_gram": 2, "max_gram": 2}),
    ("s", {"min_gram": "2", "max_gram": 1000000000}),
    ("s", {"min_gram": "+1", "max_gram": "03"}),
    ("j", {**_JSON_PATH, "min_gram": 1, "max_gram": 3}),
    ("j", {"json_cast_type": "VARCHAR", "min_gram": 2, "max_gram": 3}),  # no path: the whole field
    ("j", {"json_path": 'j["no"]["such"]', "json_cast_type": "Varchar", "min_gram": 2, "max_gram": 3}),
]


@pytest.mark.parametrize("field, params", NGRAM_TAKEN)
def test_ngram_taken(client: MilvusClient, field: str, params: dict) -> None:
    _make(client)
    _create(client, field, index_type="NGRAM", index_name="ng", params=params)
    described = client.describe_index(NAME, "ng")
    assert (described["index_type"], described["min_gram"], described["max_gram"]) == (
        "NGRAM", str(params["min_gram"]), str(params["max_gram"]))


# alter_index_properties({"mmap.enabled": True}) on an index: None when Milvus takes it
ALTER_MMAP = [
    ("i16", "STL_SORT",
     "invalid mmap index params: index type STL_SORT does not support mmap: invalid parameter: invalid parameter"),
    ("i16", "INVERTED", None),
    ("i16", "AUTOINDEX", None),  # Milvus builds HYBRID
    ("tags", "BITMAP", None),
    ("s", "NGRAM", None),
    ("v", "DISKANN",
     "invalid mmap index params: index type DISKANN does not support mmap: invalid parameter: invalid parameter"),
    ("v", "HNSW", None),
]


@pytest.mark.parametrize("field, index_type, refusal", ALTER_MMAP)
def test_alter_mmap(client: MilvusClient, field: str, index_type: str, refusal: Optional[str]) -> None:
    _make(client)
    _create(client, field, index_type=index_type, index_name="x",
            **({"metric_type": "L2"} if field == "v" else {}),
            **({"params": {"min_gram": 2, "max_gram": 3}} if index_type == "NGRAM" else {}))
    if refusal is None:
        client.alter_index_properties(NAME, "x", properties={"mmap.enabled": True})
        assert client.describe_index(NAME, "x")["mmap.enabled"] == "True"
        return
    with pytest.raises(MilvusException) as info:
        client.alter_index_properties(NAME, "x", properties={"mmap.enabled": True})
    assert (info.value.code, info.value.message) == (1100, refusal)
    assert "mmap.enabled" not in client.describe_index(NAME, "x")


def test_one_index_per_field_in_datacoord_s_words(client: MilvusClient) -> None:
    """Another name on an indexed field: datacoord's ``creating multiple indexes``; the same name
    (or none: the field's index's own) with other params: ``at most one distinct index``; the
    same request again: a no-op."""
    _make(client)
    _create(client, "v", index_type="HNSW", metric_type="L2", index_name="a")
    with pytest.raises(MilvusException) as info:
        _create(client, "v", index_type="HNSW", metric_type="L2", index_name="b")
    assert (info.value.code, info.value.message) == (
        1100, "CreateIndex failed: creating multiple indexes on same field is not supported: invalid parameter; "
              "field v already has index a: drop it first (drop_index)")
    for name in ("a", ""):
        with pytest.raises(MilvusException) as info:
            _create(client, "v", index_type="HNSW", metric_type="IP", index_name=name)
        assert (info.value.code, info.value.message) == (
            1100, "at most one distinct index is allowed per field: invalid parameter; field v already has index a: "
                  "drop it first (release_collection, drop_index)")
    _create(client, "v", index_type="HNSW", metric_type="L2")  # unnamed: index a, asked for again
    assert client.list_indexes(NAME) == ["a"]


def test_unnamed_json_path_index_is_the_path_s_index(client: MilvusClient) -> None:
    """On a JSON field datacoord looks for the index of the same path only."""
    _make(client)
    path = {"json_path": 'j["a"]', "json_cast_type": "double"}
    _create(client, "j", index_type="INVERTED", index_name="mine", params=path)
    _create(client, "j", index_type="INVERTED", params=path)
    _create(client, "j", index_type="INVERTED", params={"json_path": 'j["b"]', "json_cast_type": "double"})
    assert sorted(client.list_indexes(NAME)) == ["j/b", "mine"]


def test_repeated_create_after_alter_is_a_no_op(client: MilvusClient) -> None:
    """datacoord leaves an altered index's configurable keys out of the comparison: the request
    that built it still names it, and the altered keys stay."""
    _make(client)
    _create(client, "tags", index_type="BITMAP")
    client.alter_index_properties(NAME, "tags", properties={"indexoffsetcache.enabled": True, "mmap.enabled": True})
    _create(client, "tags", index_type="BITMAP")
    described = client.describe_index(NAME, "tags")
    assert (described["indexoffsetcache.enabled"], described["mmap.enabled"]) == ("True", "True")


def test_scalar_index_asked_for_without_a_type_is_described_without_one(client: MilvusClient) -> None:
    """Milvus describes an index by the request's own pairs: none for a bare scalar index, the
    type and metric of a bare vector one (AUTOINDEX)."""
    _make(client)
    _create(client, "tags")
    _create(client, "v")
    facts = ("field_name", "index_name", "total_rows", "indexed_rows", "pending_index_rows", "state")
    assert {k: v for k, v in client.describe_index(NAME, "tags").items() if k not in facts} == {}
    assert {k: v for k, v in client.describe_index(NAME, "v").items() if k not in facts} == {
        "index_type": "AUTOINDEX", "metric_type": "COSINE"}
