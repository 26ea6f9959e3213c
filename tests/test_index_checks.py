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
    schema = client.create_schema(enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=4)
    schema.add_field("v3", DataType.FLOAT_VECTOR, dim=3)
    schema.add_field("sp", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("b", DataType.BINARY_VECTOR, dim=8)
    schema.add_field("i8", DataType.INT8_VECTOR, dim=4)
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


def _rows(count: int) -> list[dict[str, Any]]:
    return [{"id": i, "v": [i, 1, 0, 0], "v3": [0, 0, 1], "sp": {1: 1.0}, "b": bytes([i]), "i8": [i, 1, 0, 0],
             "i16": 1, "f": 0.5, "tags": [], "scores": [], "j": {}} for i in range(1, count + 1)]


REFUSED = [
    ("v", dict(index_type="SCANN", metric_type="L2", params={"nlist": 0}),
     "Out of range in json: param 'nlist' (0) should be in range [1, 65536]: invalid parameter"),
    ("v", dict(index_type="IVF_FLAT", metric_type="L2", params={"nlist": 65537}),
     "Out of range in json: param 'nlist' (65537) should be in range [1, 65536]: invalid parameter"),
    ("v", dict(index_type="IVF_SQ8", metric_type="L2", params={"nlist": "x"}),
     "invalid integer value, key: 'nlist', value: 'x': invalid parameter"),
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
     "data type SparseFloatVector can't build with this index FAISS: invalid parameter; use one of "
     "SPARSE_INVERTED_INDEX, SPARSE_WAND, AUTOINDEX for vector field sp"),
    ("v", dict(index_type="HNSW", metric_type="L2", params={"mmap.enabled": "yes"}),
     "invalid mmap type params: invalid mmap.enabled value: yes, expected: true, false: invalid parameter: invalid "
     "parameter"),
]


_TYPES = {"sp": "SparseFloatVector", "b": "BinaryVector", "i8": "Int8Vector"}
_BINARY = "BIN_FLAT, BIN_IVF_FLAT, HNSW, AUTOINDEX"


def _cannot(field: str, index_type: str, metric: str, instead: str) -> tuple[str, dict, str]:
    """A vector type the index does not build on: Milvus's proxy's words, then what builds on it."""
    return (field, dict(index_type=index_type, metric_type=metric),
            f"data type {_TYPES[field]} can't build with this index {index_type}: invalid parameter; use one of "
            f"{instead} for vector field {field}")


#: knowhere's build checks (its per-index configs, schema/knowhere_configs.py), values as pymilvus
#: sends them (str(value)), and the vector types Milvus's proxy lets each index build on.
_SQ_REFINES = "optional types are [sq4u, sq6, sq8, fp16, bf16, fp32, flat]"
_IVF_REFINES = "optional types are [sq6, sq8, fp16, bf16, fp32, flat]"


def _kh(index_type: str, params: dict, message: str) -> tuple[str, dict, str]:
    """A knowhere refusal of ``params`` for an index on ``v`` (4-d, L2)."""
    return "v", dict(index_type=index_type, metric_type="L2", params=params), f"{message}: invalid parameter"
REFUSED += [
    _kh("HNSW", {"M": -1}, "Out of range in json: param 'M' (-1) should be in range [2, 2048]"),
    _kh("HNSW", {"M": 2049}, "Out of range in json: param 'M' (2049) should be in range [2, 2048]"),
    _kh("HNSW", {"M": 16.0}, "wrong data type in json, key: 'M', value: '16.0'"),
    _kh("HNSW", {"M": True}, "invalid integer value, key: 'M', value: 'True'"),
    _kh("HNSW", {"efConstruction": [100]}, "invalid integer value, key: 'efConstruction', value: '[100]'"),
    _kh("HNSW", {"efConstruction": -1},
        "Out of range in json: param 'efConstruction' (-1) should be in range [1, 2147483647]"),
    _kh("HNSW", {"efConstruction": 2**31}, "integer value out of range, key: 'efConstruction', value: '2147483648'"),
    _kh("HNSW", {"refine": True}, "refine is not supported for this index"),
    _kh("HNSW_SQ", {"sq_type": "FP32"}, "invalid scalar quantizer type"),
    _kh("HNSW_SQ", {"refine": "test"}, "Type conflict in json: param 'refine' (\"test\") should be a boolean"),
    _kh("HNSW_SQ", {"refine": 1}, "Type conflict in json: param 'refine' (\"1\") should be a boolean"),
    _kh("HNSW_SQ", {"refine_type": ["FP16"]}, f"invalid refine type : ['FP16'], {_SQ_REFINES}"),
    _kh("HNSW_PQ", {"m": 3}, "The dimension of the vector (dim) should be a multiple of the number of "
                             "subquantizers (m). Dimension: 4, m: 3"),
    _kh("HNSW_PQ", {"nbits": 25}, "Out of range in json: param 'nbits' (25) should be in range [1, 24]"),
    _kh("HNSW_PQ", {"m": 2.0}, "wrong data type in json, key: 'm', value: '2.0'"),
    _kh("HNSW_PRQ", {"nrq": 17}, "Out of range in json: param 'nrq' (17) should be in range [1, 16]"),
    _kh("IVF_RABITQ", {"nlist": True}, "invalid integer value, key: 'nlist', value: 'True'"),
    _kh("IVF_RABITQ", {"refine_type": " SQ8 "}, f"invalid refine type :  SQ8 , {_IVF_REFINES}"),
    _kh("IVF_RABITQ", {"refine": True, "refine_type": "sq4u"}, f"invalid refine type : sq4u, {_IVF_REFINES}"),
    _cannot("sp", "HNSW", "IP", "SPARSE_INVERTED_INDEX, SPARSE_WAND, AUTOINDEX"),
    _cannot("sp", "FLAT", "IP", "SPARSE_INVERTED_INDEX, SPARSE_WAND, AUTOINDEX"),  # dense-only, as IVF_*
    _cannot("sp", "IVF_FLAT", "IP", "SPARSE_INVERTED_INDEX, SPARSE_WAND, AUTOINDEX"),
    _cannot("b", "HNSW_SQ", "HAMMING", _BINARY),
    _cannot("b", "DISKANN", "HAMMING", _BINARY),
    _cannot("i8", "DISKANN", "L2", "HNSW, AUTOINDEX"),
    _cannot("i8", "IVF_RABITQ", "L2", "HNSW, AUTOINDEX"),
]


_IVF_BIN = "not found or not supported, supported: [HAMMING JACCARD]: invalid parameter"
_HNSW_BIN = ("not found or not supported, supported: [HAMMING JACCARD] (or MAX_SIM_*/DTW_* compound forms thereof): "
             "invalid parameter")
#: SUBSTRUCTURE / SUPERSTRUCTURE are BIN_FLAT's: knowhere's IVF (AUTOINDEX builds BIN_IVF_FLAT on bits) and
#: HNSW configs refuse them, after the params' own checks; the index types not built on bits, as always.
REFUSED += [
    ("b", dict(index_type="BIN_IVF_FLAT", metric_type="SUBSTRUCTURE", params={"nlist": 128}),
     f"metric type SUBSTRUCTURE {_IVF_BIN}"),
    ("b", dict(index_type="BIN_IVF_FLAT", metric_type="SUPERSTRUCTURE"), f"metric type SUPERSTRUCTURE {_IVF_BIN}"),
    ("b", dict(index_type="BIN_IVF_FLAT", metric_type="SUBSTRUCTURE", params={"nlist": 0}),
     "Out of range in json: param 'nlist' (0) should be in range [1, 65536]: invalid parameter"),
    ("b", dict(index_type="AUTOINDEX", metric_type="SUPERSTRUCTURE"), f"metric type SUPERSTRUCTURE {_IVF_BIN}"),
    ("b", dict(metric_type="SUBSTRUCTURE"), f"metric type SUBSTRUCTURE {_IVF_BIN}"),
    ("b", dict(index_type="HNSW", metric_type="SUBSTRUCTURE"), f"metric type SUBSTRUCTURE {_HNSW_BIN}"),
    ("b", dict(index_type="HNSW", metric_type="SUPERSTRUCTURE", params={"refine": True}),
     "refine is not supported for this index: invalid parameter"),
    ("v", dict(index_type="FLAT", metric_type="SUBSTRUCTURE"),
     "float vector index does not support metric type: SUBSTRUCTURE" + _METRIC + " (field v takes L2, IP, COSINE)"),
    _cannot("b", "FLAT", "SUBSTRUCTURE", _BINARY),
    _cannot("b", "IVF_FLAT", "SUPERSTRUCTURE", _BINARY),
    _cannot("b", "DISKANN", "SUBSTRUCTURE", _BINARY),
]


#: Milvus master's checkers of a vector type on a scalar field and of STL_SORT's field types.
REFUSED += [
    ("i16", dict(index_type="FLAT", metric_type="COSINE"),
     "index FLAT only supports vector data type: invalid parameter; field i16 is scalar: use one of INVERTED, "
     "STL_SORT, Trie, BITMAP, AUTOINDEX"),
    ("tags", dict(index_type="SCANN", metric_type="COSINE"),
     "index SCANN only supports vector data type: invalid parameter; field tags is scalar: use one of INVERTED, "
     "STL_SORT, Trie, BITMAP, AUTOINDEX"),
    ("dyn_key", dict(index_type="HNSW", metric_type="L2", params={"json_cast_type": "DOUBLE"}),
     "index HNSW only supports vector data type: invalid parameter; field dyn_key is scalar: use one of "
     "INVERTED, STL_SORT, Trie, BITMAP, AUTOINDEX"),
    ("tags", dict(index_type="STL_SORT"), "STL_SORT are only supported on numeric, varchar or timestamptz field, "
                                          "got Array: invalid parameter; field tags: use INVERTED, BITMAP or AUTOINDEX"),
    ("j", dict(index_type="STL_SORT"), "json index must specify cast type: missing parameter[missing_param="
                                       "json_cast_type]: invalid parameter[expected=valid index params][actual="
                                       "invalid index params]: give STL_SORT on JSON field j a json_path and a "
                                       "json_cast_type (DOUBLE or VARCHAR)"),
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
    # what knowhere takes and pgvector cannot build is built with the nearest it can (M <= 100 ...)
    ("v", dict(index_type="HNSW", metric_type="L2", params={"M": 2048, "efConstruction": 10000})),
    ("v", dict(index_type="HNSW", metric_type="L2", params={"M": 2, "efConstruction": 1})),
    ("v", dict(index_type="HNSW", metric_type="L2", params={"M": "16", "efConstruction": "100", "other": "x"})),
    ("v", dict(index_type="HNSW_SQ", metric_type="L2", params={"sq_type": "SQ6", "refine": "true",
                                                               "refine_type": "FP16"})),
    ("v", dict(index_type="HNSW_PQ", metric_type="L2", params={"m": 4, "nbits": 8, "refine": True})),
    ("v", dict(index_type="HNSW_PRQ", metric_type="L2", params={"m": 2, "nrq": 16})),
    ("v", dict(index_type="IVF_RABITQ", metric_type="L2", params={"nlist": 65536, "refine": "TRUE",
                                                                  "refine_type": "sq8"})),
    ("v", dict(index_type="DISKANN", metric_type="L2", params={"max_degree": -1, "search_list_size": True})),
    ("b", dict(index_type="HNSW", metric_type="HAMMING")),
    ("b", dict(index_type="BIN_FLAT", metric_type="SUBSTRUCTURE")),
    ("b", dict(index_type="BIN_FLAT", metric_type="SUPERSTRUCTURE", params={"nlist": 64})),  # Milvus's e2e sends nlist
    ("v", dict(index_type="FAISS", metric_type="L2", params={"faiss_index_name": "OPQ16,IVF64,PQ16x4"})),
    ("v", dict(index_type="FAISS", metric_type="L2", params={"faiss_index_name": "IVF64,PQ8x4,RFlat"})),
    ("v", dict(index_type="FAISS", metric_type="L2", params={"faiss_index_name": "PQ8x4"})),
    ("b", dict(index_type="FAISS", metric_type="HAMMING", params={"faiss_index_name": "BFlat"})),
    ("b", dict(index_type="FAISS", metric_type="HAMMING", params={"faiss_index_name": "BIVF4"})),
    ("i8", dict(index_type="HNSW_SQ", metric_type="L2")),
    ("j", dict(index_type="INVERTED", metric_type="IP", params={"json_path": 'j["a"]', "json_cast_type": "varchar"})),
    ("f", dict(index_type="AUTOINDEX", metric_type="IP")),  # kept for describe_index, used for nothing
]


@pytest.mark.parametrize("field, index", TAKEN)
def test_taken(client: MilvusClient, field: str, index: dict) -> None:
    _make(client)
    _create(client, field, **index)
    assert len(client.list_indexes(NAME)) == 1


@pytest.mark.parametrize("field, index_type", [("j", "TRIE"), ("tags", "Trie"), ("f", "Trie")])
def test_trie_takes_strings_only(client: MilvusClient, field: str, index_type: str) -> None:
    """Milvus's TRIE checker refuses every field that holds no string, JSON and arrays too."""
    _make(client)
    with pytest.raises(MilvusException) as info:
        _create(client, field, index_type=index_type)
    assert (info.value.code, info.value.message.split(" (field")[0]) == (65535, "TRIE are only supported on "
                                                                                "varchar field")
    assert client.list_indexes(NAME) == []


def test_a_scalar_index_describes_the_metric_it_was_given(client: MilvusClient) -> None:
    """Milvus keeps a scalar AUTOINDEX's metric_type among its params (the Go SDK's tests read it
    back) and searches never use it."""
    _make(client)
    _create(client, "f", index_type="AUTOINDEX", metric_type="COSINE")
    described = client.describe_index(NAME, "f")
    assert (described["index_type"], described["metric_type"]) == ("AUTOINDEX", "COSINE")


@pytest.mark.parametrize("name, method", [("IVF64,Flat", "ivfflat"), ("HNSW32,PQ16", "hnsw"), ("Flat", None)])
def test_faiss_factory_strings_are_pgvector_indexes(client: MilvusClient, name: str, method: Optional[str]) -> None:
    """Milvus master's FAISS index type: the factory string's structure is what pgvector builds."""
    _make(client)
    _create(client, "v", index_type="FAISS", metric_type="L2", params={"faiss_index_name": name})
    described = client.describe_index(NAME, "v")
    assert (described["index_type"], described["faiss_index_name"]) == ("FAISS", name)
    client.insert(NAME, _rows(8))
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
        _create(client, "v", index_type="FAISS", metric_type="L2", params={"faiss_index_name": "NSG32,Flat"})
    assert info.value.code == 3000 and "the Faiss index 'NSG32,Flat' is not supported" in info.value.message


def test_a_faiss_factory_string_with_a_structure_metric_is_unsupported(client: MilvusClient) -> None:
    """knowhere's vanilla Faiss adapter makes no structure search of a binary factory: BIN_FLAT serves them."""
    _make(client)
    with pytest.raises(MilvusException) as info:
        _create(client, "b", index_type="FAISS", metric_type="SUBSTRUCTURE", params={"faiss_index_name": "BFlat"})
    assert (info.value.code, info.value.message) == (
        3000, "metric type SUBSTRUCTURE with index type FAISS is not supported by pgmilvus (field b): use BIN_FLAT")


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


def test_described_params_are_as_pymilvus_sent_them(client: MilvusClient) -> None:
    """describe_index answers each build param as pymilvus sent it (``str(value)``): True is
    "True", the string "true" stays "true" (Milvus's proxy keeps the request's strings)."""
    _make(client)
    _create(client, "v", index_type="HNSW_SQ", metric_type="L2",
            params={"refine": True, "refine_type": "fp16", "M": 8, "efConstruction": "100"})
    _create(client, "v3", index_type="IVF_RABITQ", metric_type="L2", params={"refine": "true", "nlist": 4})
    described = client.describe_index(NAME, "v")
    assert {k: described[k] for k in ("refine", "refine_type", "M", "efConstruction")} == {
        "refine": "True", "refine_type": "fp16", "M": "8", "efConstruction": "100"}
    assert client.describe_index(NAME, "v3")["refine"] == "true"


_SEARCH_FAILED = "fail to search on QueryNode: worker query failed: N6milvus21ExecOperatorExceptionE :Operator::GetOutput failed: "
_AT_LEAST = " (search_params {0} must be at least limit + offset, 10)"
#: knowhere's search checks against the searched index's config (65535, Milvus's query node):
#: (index type, search params, message after the query node's prefix)
SEARCH_REFUSED = [
    ("HNSW", {"ef": -1}, "Out of range in json: param 'ef' (-1) should be in range [1, 2147483647]"),
    ("HNSW", {"ef": 32.0}, "Type conflict in json: param 'ef' (32.0) should be integer"),
    ("HNSW", {"ef": True}, "Type conflict in json: param 'ef' (true) should be integer"),
    ("HNSW", {"ef": None}, "Type conflict in json: param 'ef' (null) should be integer"),
    ("HNSW", {"ef": [32]}, "Type conflict in json: param 'ef' ([32]) should be integer"),
    ("HNSW", {"ef": "3x"}, "wrong data type in json, key: 'ef', value: '3x'"),
    ("HNSW", {"ef": 1}, "ef(1) should be larger than k(10)" + _AT_LEAST.format("ef")),
    ("HNSW_SQ", {"ef": 9}, "ef(9) should be larger than k(10)" + _AT_LEAST.format("ef")),
    ("HNSW_SQ", {"refine_k": ""}, "invalid float value, key: 'refine_k', value: ''"),
    ("HNSW_SQ", {"refine_k": 0}, "Out of range in json: param 'refine_k' (0) should be in range [1.000000, "
                                 "340282346638528859811704183484516925440.000000]"),
    ("HNSW_PQ", {"refine_k": True}, "Type conflict in json: param 'refine_k' (true) should be a number"),
    ("IVF_RABITQ", {"nprobe": 65537}, "Out of range in json: param 'nprobe' (65537) should be in range [1, 65536]"),
    ("IVF_RABITQ", {"rbq_bits_query": 9},
     "Out of range in json: param 'rbq_bits_query' (9) should be in range [0, 8]"),
    ("IVF_RABITQ", {"rbq_bits_query": None}, "Type conflict in json: param 'rbq_bits_query' (null) should be integer"),
    ("DISKANN", {"search_list_size": 1}, "search_list_size(1) should be larger than k(10)"
                                         + _AT_LEAST.format("search_list_size")),
    ("DISKANN", {"search_list_size": 100.0}, "Type conflict in json: param 'search_list_size' (100.0) should be "
                                             "integer"),
]
#: ... and what they take (HNSW_PQ's config has no at-least-k check; params of other indexes are ignored)
SEARCH_TAKEN = [
    ("HNSW", {"ef": "32"}), ("HNSW", {"ef": 10000}), ("HNSW", {"nprobe": -1}), ("HNSW_PQ", {"ef": 1}),
    ("HNSW_SQ", {"refine_k": "2.5"}), ("IVF_RABITQ", {"nprobe": 65536, "rbq_bits_query": "6", "refine_k": 2}),
    ("DISKANN", {"search_list_size": "100", "beam_width_ratio": True}), ("DISKANN", {"beamwidth": 500}),
    ("FLAT", {"ef": -1}),
]


def _searchable(client: MilvusClient, index_type: str, params: Optional[dict] = None) -> None:
    """Collection NAME of 12 rows, its one vector field ``v`` indexed with ``index_type``, loaded."""
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=4)
    client.create_collection(NAME, schema=schema)
    _create(client, "v", index_type=index_type, metric_type="L2", params=params or {})
    client.insert(NAME, [{"id": i, "v": [i, 1, 0, 0]} for i in range(12)])
    client.load_collection(NAME)


@pytest.mark.parametrize("index_type, params, message", SEARCH_REFUSED)
def test_search_refused(client: MilvusClient, index_type: str, params: dict, message: str) -> None:
    _searchable(client, index_type)
    with pytest.raises(MilvusException) as info:
        client.search(NAME, [[1, 1, 0, 0]], anns_field="v", limit=10, search_params={"params": params})
    assert (info.value.code, info.value.message) == (65535, _SEARCH_FAILED + message)


@pytest.mark.parametrize("index_type, params", SEARCH_TAKEN)
def test_search_taken(client: MilvusClient, index_type: str, params: dict) -> None:
    _searchable(client, index_type)
    found = client.search(NAME, [[1, 1, 0, 0]], anns_field="v", limit=10, search_params={"params": params})
    assert len(found[0]) == 10


#: A FAISS index's search (knowhere's vanilla Faiss adapter): (factory string, search params,
#: filter, the adapter's refusal or None when it runs)
FAISS_SEARCHES = [
    ("Flat", {"efSearch": 64}, "", "faiss vanilla: search param 'efSearch' not supported for this index family"),
    ("IVF4,Flat", {"nprobe": "invalid"}, "",
     "faiss vanilla: param 'nprobe' expects a number or boolean; got \"invalid\""),
    ("HNSW16,Flat", {"efSearch": [64]}, "", "faiss vanilla: param 'efSearch' expects a number or boolean; got [64]"),
    ("IVF4,PQ2x4,RFlat", {"nprobe": 8, "k_factor": "x"}, "",
     "faiss vanilla: param 'k_factor' expects a number or boolean; got \"x\""),
    ("PQ2x4", {}, "id >= 3", "selector not supported"),
    ("IVF4,Flat", {"nprobe": "8", "max_codes": 0}, "id >= 3", None),
    ("HNSW16,Flat", {"efSearch": 64, "bounded_queue": "true"}, "", None),
    ("IVF4,PQ2x4,RFlat", {"nprobe": 8, "k_factor": 4}, "", None),
    ("PQ2x4", {"polysemous_ht": 0}, "", None),
]


@pytest.mark.parametrize("name, params, filter, refusal", FAISS_SEARCHES)
def test_faiss_search_params(client: MilvusClient, name: str, params: dict, filter: str,
                             refusal: Optional[str]) -> None:
    _searchable(client, "FAISS", {"faiss_index_name": name})
    search = dict(anns_field="v", limit=3, filter=filter, search_params={"params": params})
    if refusal is None:
        assert len(client.search(NAME, [[1, 1, 0, 0]], **search)[0]) == 3
        return
    with pytest.raises(MilvusException) as info:
        client.search(NAME, [[1, 1, 0, 0]], **search)
    assert (info.value.code, info.value.message) == (65535, _SEARCH_FAILED + refusal)


def test_faiss_has_no_search_iterator(client: MilvusClient) -> None:
    _searchable(client, "FAISS", {"faiss_index_name": "Flat"})
    with pytest.raises(MilvusException) as info:
        client.search_iterator(NAME, [[1, 1, 0, 0]], anns_field="v", batch_size=2).next()
    assert (info.value.code, info.value.message) == (
        65535, _SEARCH_FAILED + "Failed to create iterators from index: faiss vanilla indexes have no iterator")
