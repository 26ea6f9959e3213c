"""add_function_field / drop_function_field (pymilvus 3, Milvus master): a BM25 or MinHash function
added to a collection that already holds rows, with its output field and that field's index.

What a user sees: the field and function in describe_collection, the bound index in
describe_index, old rows (sealed and growing) found by searches on the new field with the same
scores as in a collection created with the function, new rows computed on insert, nothing left
behind by a refused call, and Milvus's codes and messages (expected texts from Milvus's e2e suite,
tests/python_client/milvus_client/test_add_function_field_feature.py and test_drop_field_feature.py).
"""

from __future__ import annotations

from typing import Any, Optional

import pytest

from pgmilvus import DataType, FieldSchema, Function, FunctionType, MilvusException
from pgmilvus.errors import ParamError

D = DataType
BM25 = {"metric_type": "BM25"}
OLD = [{"id": 0, "text": "alpha milvus old sealed document", "vec": [0.0, 0.0]},
       {"id": 1, "text": None, "vec": [1.0, 0.0]},
       {"id": 2, "text": "beta milvus old sealed", "vec": [0.0, 1.0]}]
GROWING = [{"id": 10, "text": "theta milvus growing document", "vec": [1.0, 1.0]}]
NEW = [{"id": 20, "text": "gamma milvus new document alpha", "vec": [0.5, 0.5]}]


def _schema(cli: Any, function: Optional[Function] = None, output: Optional[tuple] = None) -> Any:
    schema = cli.create_schema(enable_dynamic_field=False)
    schema.add_field("id", D.INT64, is_primary=True)
    schema.add_field("text", D.VARCHAR, max_length=256, enable_analyzer=True, nullable=True)
    schema.add_field("plain", D.VARCHAR, max_length=64, nullable=True)
    schema.add_field("num", D.INT64, nullable=True)
    schema.add_field("vec", D.FLOAT_VECTOR, dim=2)
    if function is not None:
        schema.add_field(*output[:2], **output[2])
        schema.add_function(function)
    return schema


def _create(cli: Any, name: str, function: Optional[Function] = None, output: Optional[tuple] = None,
            bound: Optional[tuple] = None) -> None:
    """A collection with old rows in a sealed segment and in the growing one."""
    index = cli.prepare_index_params()
    index.add_index("vec", index_type="FLAT", metric_type="L2")
    if bound is not None:
        index.add_index(output[0], index_type=bound[0], metric_type=bound[1])
    cli.create_collection(name, schema=_schema(cli, function, output), index_params=index)
    cli.insert(name, OLD)
    cli.flush(name)
    cli.insert(name, GROWING)


def _bm25() -> tuple[FieldSchema, Function, Any]:
    return (FieldSchema("sparse", D.SPARSE_FLOAT_VECTOR),
            Function("bm25_fn", FunctionType.BM25, ["text"], ["sparse"]), ("SPARSE_INVERTED_INDEX", "BM25"))


def _minhash() -> tuple[FieldSchema, Function, Any]:
    return (FieldSchema("mh", D.BINARY_VECTOR, dim=512),
            Function("mh_fn", FunctionType.MINHASH, ["text"], ["mh"], params={"num_hashes": 16, "shingle_size": 3}),
            ("MINHASH_LSH", "MHJACCARD"))


def _bound(cli: Any, field: str, index_type: str, metric: str, **params: Any) -> Any:
    index = cli.prepare_index_params()
    index.add_index(field, index_type=index_type, metric_type=metric, **params)
    return index


def _add(cli: Any, name: str, make: Any) -> tuple[FieldSchema, Function, str]:
    """A collection with old rows, then ``make``'s function field added: its field, function, metric."""
    field, function, (index_type, metric) = make()
    _create(cli, name)
    cli.add_function_field(name, field, function, _bound(cli, field.name, index_type, metric))
    return field, function, metric


def _hits(cli: Any, name: str, field: str, text: str, metric: str) -> list[tuple[int, float]]:
    found = cli.search(name, [text], anns_field=field, limit=10, search_params={"metric_type": metric})
    return [(hit["id"], round(hit["distance"], 5)) for hit in found[0]]


@pytest.mark.parametrize("make", [_bm25, _minhash], ids=["bm25", "minhash"])
def test_old_and_new_rows_score_as_in_a_collection_created_with_the_function(fresh_client, make) -> None:
    cli = fresh_client
    field, function, metric = _add(cli, "added", make)
    _create(cli, "created", function, (field.name, field.dtype, field.params), make()[2])
    for name in ("added", "created"):
        cli.insert(name, NEW)
    queries = ["alpha", "theta milvus growing", "gamma milvus new document alpha"]
    for text in queries:
        assert _hits(cli, "added", field.name, text, metric) == _hits(cli, "created", field.name, text, metric)
    assert _hits(cli, "added", field.name, "theta milvus growing document", metric)[0][0] == 10
    for name in ("added", "created"):
        cli.flush(name)  # the growing rows sealed and built: their statistics and index
    for text in queries:
        assert _hits(cli, "added", field.name, text, metric) == _hits(cli, "created", field.name, text, metric)


def test_describe_shows_the_field_the_function_and_the_bound_index(fresh_client) -> None:
    cli = fresh_client
    _add(cli, "c", _bm25)
    desc = cli.describe_collection("c")
    assert desc["fields"][-1] == {"field_id": 105, "name": "sparse", "description": "",
                                  "type": D.SPARSE_FLOAT_VECTOR, "params": {}, "is_function_output": True}
    assert desc["functions"] == [{"name": "bm25_fn", "id": 100, "description": "", "type": FunctionType.BM25,
                                  "params": {}, "input_field_names": ["text"], "input_field_ids": [101],
                                  "output_field_names": ["sparse"], "output_field_ids": [105]}]
    index = cli.describe_index("c", "sparse")
    assert {k: index[k] for k in ("index_type", "metric_type", "bm25_k1", "bm25_b", "bm25_avgdl", "total_rows")} == {
        "index_type": "SPARSE_INVERTED_INDEX", "metric_type": "BM25", "bm25_k1": "1.2", "bm25_b": "0.75",
        "bm25_avgdl": "100", "total_rows": 4}


def test_the_output_is_computed_and_cannot_be_written(fresh_client) -> None:
    cli = fresh_client
    field, function, _ = _minhash()
    _create(cli, "c")
    cli.add_function_field("c", field, function, _bound(cli, "mh", "MINHASH_LSH", "MHJACCARD", mh_lsh_band=8))
    with pytest.raises(MilvusException, match="Attempt to insert an unexpected function output field `mh`"):
        cli.insert("c", [{"id": 30, "text": "x", "vec": [0.0, 0.0], "mh": b"\x00" * 64}])
    cli.upsert("c", [{"id": 2, "text": "alpha milvus old sealed document", "vec": [0.0, 1.0]}])
    assert {hit[0]: hit[1] for hit in _hits(cli, "c", "mh", "alpha milvus old sealed document", "MHJACCARD")}[2] == 1.0


# -- refusals: the code and message, and the collection unchanged ------------------------------------

def _f(name: str, dtype: D = D.SPARSE_FLOAT_VECTOR, **kwargs: Any) -> FieldSchema:
    return FieldSchema(name, dtype, **kwargs)


def _fn(name: str, inputs: list[str], outputs: list[str], kind: FunctionType = FunctionType.BM25,
        **params: Any) -> Function:
    return Function(name, kind, inputs, outputs, params=params or None)


REFUSED = [
    ("missing input", _f("s1"), _fn("f1", ["missing_text"], ["s1"]), None,
     1100, "function input field not found: missing_text: invalid parameter"),
    ("output not the new field", _f("s2"), _fn("f2", ["text"], ["other"]), None,
     1100, 'function output field "other" must be the newly-added field "s2": invalid parameter'),
    ("field exists", _f("vec"), _fn("f3", ["text"], ["vec"]), None, 1100, "duplicated field name vec: invalid parameter"),
    ("empty function name", _f("s4"), _fn("", ["text"], ["s4"]), None,
     1101, "function name cannot be empty: missing parameter"),
    ("no analyzer", _f("s5"), _fn("f5", ["plain"], ["s5"]), None,
     1100, "BM25 function input field must set enable_analyzer to true: invalid parameter"),
    ("not a text", _f("s6"), _fn("f6", ["num"], ["s6"]), None,
     1100, "BM25 function input field must be a VARCHAR/TEXT field, got 1 field with type Int64: invalid parameter"),
    ("nullable output", _f("s7", nullable=True), _fn("f7", ["text"], ["s7"]), None,
     1100, "function output field cannot be nullable: function f7, field s7: invalid parameter"),
    ("no input", _f("s8"), _fn("f8", [], ["s8"]), None,
     1100, "BM25 function should have exactly one input field and exactly one output field: invalid parameter"),
    ("two outputs", _f("s9"), _fn("f9", ["text"], ["s9", "x"]), None,
     1100, "BM25 function should have exactly one input field and exactly one output field: invalid parameter"),
    ("BM25 params", _f("s10"), _fn("f10", ["text"], ["s10"], k="v"), None,
     1100, "BM25 function accepts no params: invalid parameter"),
    ("AUTOINDEX", _f("s11"), _fn("f11", ["text"], ["s11"]), ("AUTOINDEX", "BM25", {}),
     1100, 'an explicit index_type is required for the bound index of function output field "s11": invalid parameter'),
    ("BM25 metric", _f("s12"), _fn("f12", ["text"], ["s12"]), ("SPARSE_INVERTED_INDEX", "IP", {}),
     1100, "index metric type of BM25 function output field must be BM25, got IP: invalid parameter"),
    ("index name taken", _f("s13"), _fn("f13", ["text"], ["s13"]), ("SPARSE_INVERTED_INDEX", "BM25", {"index_name": "vec"}),
     1100, "index name vec already exists in collection: invalid parameter"),
    ("MinHash dim", _f("m1", D.BINARY_VECTOR, dim=256), _fn("g1", ["text"], ["m1"], FunctionType.MINHASH, num_hashes=16),
     ("MINHASH_LSH", "MHJACCARD", {}), 1100, "minhash function output field 'm1' dim 256 does not match expected dim "
     "512 (numHashes 16 * one minhash signature size of 32bit): invalid parameter"),
    ("MinHash shingle", _f("m2", D.BINARY_VECTOR, dim=512),
     _fn("g2", ["text"], ["m2"], FunctionType.MINHASH, num_hashes=16, shingle_size=0),
     ("MINHASH_LSH", "MHJACCARD", {}), 1100, "param shingle_size:0 must be positive: invalid parameter"),
    ("MinHash of an int", _f("m3", D.BINARY_VECTOR, dim=512), _fn("g3", ["num"], ["m3"], FunctionType.MINHASH),
     ("MINHASH_LSH", "MHJACCARD", {}),
     1100, "MinHash function input field must be a VARCHAR/TEXT field, got 1 field with type Int64: invalid parameter"),
]


@pytest.mark.parametrize("case, field, function, index, code, message", REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_requests_change_nothing(fresh_client, case, field, function, index, code, message) -> None:
    cli = fresh_client
    _create(cli, "c")
    before = cli.describe_collection("c")
    index_type, metric, extra = index or ("SPARSE_INVERTED_INDEX", "BM25", {})
    params = cli.prepare_index_params()
    params.add_index(field.name, index_type=index_type, metric_type=metric, **extra)
    with pytest.raises(MilvusException) as info:
        cli.add_function_field("c", field, function, params)
    assert (info.value.code, info.value.message) == (code, message)
    after = cli.describe_collection("c")
    assert (after["fields"], after["functions"], after["update_timestamp"]) == (
        before["fields"], before["functions"], before["update_timestamp"])
    assert cli.list_indexes("c") == ["vec"]


CLIENT_SIDE = [
    ("dense output", _f("d", D.FLOAT_VECTOR, dim=4), _fn("f", ["text"], ["d"]), 1,
     "add_function_field requires SPARSE_FLOAT_VECTOR output field for 1, got 101"),
    ("MinHash to sparse", _f("s"), _fn("f", ["text"], ["s"], FunctionType.MINHASH), 1,
     "add_function_field requires BINARY_VECTOR output field for 4, got 104"),
    ("embedding", _f("e", D.FLOAT_VECTOR, dim=4), _fn("f", ["text"], ["e"], FunctionType.TEXTEMBEDDING), 1,
     "add_function_field only supports FunctionType.BM25 with SPARSE_FLOAT_VECTOR or FunctionType.MINHASH with "
     "BINARY_VECTOR for now, got 2"),
]


@pytest.mark.parametrize("case, field, function, code, message", CLIENT_SIDE, ids=[c[0] for c in CLIENT_SIDE])
def test_pymilvus_client_checks(fresh_client, case, field, function, code, message) -> None:
    cli = fresh_client
    with pytest.raises(ParamError) as info:
        cli.add_function_field("nowhere", field, function, _bound(cli, field.name, "SPARSE_INVERTED_INDEX", "BM25"))
    assert (info.value.code, info.value.message) == (code, message)


def test_index_params_must_hold_one_index_of_the_field(fresh_client) -> None:
    cli = fresh_client
    field, function, _ = _bm25()
    for params, message in [
        (cli.prepare_index_params(), "index_params must contain exactly one index for the function output field"),
        (_bound(cli, "other", "SPARSE_INVERTED_INDEX", "BM25"),
         "index_params field_name 'other' does not match the function output field 'sparse'"),
        ({"index_type": "SPARSE_INVERTED_INDEX"}, "wrong type of argument index_params, expected: IndexParams, got: dict"),
    ]:
        with pytest.raises(ParamError) as info:
            cli.add_function_field("c", field, function, params)
        assert info.value.message == message


def test_unknown_collection(fresh_client) -> None:
    cli = fresh_client
    field, function, (index_type, metric) = _bm25()
    with pytest.raises(MilvusException) as info:
        cli.add_function_field("nowhere", field, function, _bound(cli, "sparse", index_type, metric))
    assert (info.value.code, info.value.message) == (100, "can't find collection[database=default][collection=nowhere]")


# -- drop_function_field --------------------------------------------------------------------------

@pytest.mark.parametrize("make", [_bm25, _minhash], ids=["bm25", "minhash"])
def test_drop_function_field_removes_the_field_its_index_and_lets_it_be_added_again(fresh_client, make) -> None:
    cli = fresh_client
    field, function, metric = _add(cli, "c", make)
    cli.drop_function_field("c", function.name)
    desc = cli.describe_collection("c")
    assert [f["name"] for f in desc["fields"]] == ["id", "text", "plain", "num", "vec"]
    assert desc["functions"] == [] and cli.list_indexes("c") == ["vec"]
    cli.insert("c", NEW)
    assert len(cli.query("c", "id >= 0", output_fields=["id"])) == 5
    cli.add_function_field("c", field, function, _bound(cli, field.name, *make()[2]))
    assert _hits(cli, "c", field.name, "gamma milvus new document alpha", metric)[0][0] == 20


DROP_REFUSED = [
    ("", 1, "Must specify exactly one valid Drop identifier (drop_field_name/drop_field_id/drop_function_name)"),
    ("nope", 1100, "function not found: nope: invalid parameter"),
]


@pytest.mark.parametrize("name, code, message", DROP_REFUSED)
def test_drop_function_field_refusals(fresh_client, name, code, message) -> None:
    cli = fresh_client
    _create(cli, "c")
    with pytest.raises(MilvusException) as info:
        cli.drop_function_field("c", name)
    assert (info.value.code, info.value.message) == (code, message)


def test_the_last_vector_field_and_a_function_field_cannot_be_dropped_alone(fresh_client) -> None:
    cli = fresh_client
    field, function, _ = _bm25()
    schema = cli.create_schema(enable_dynamic_field=False)
    schema.add_field("id", D.INT64, is_primary=True)
    schema.add_field("text", D.VARCHAR, max_length=64, enable_analyzer=True)
    schema.add_field(field.name, field.dtype)
    schema.add_function(function)
    cli.create_collection("c", schema=schema)
    with pytest.raises(MilvusException) as info:
        cli.drop_function_field("c", "bm25_fn")
    assert info.value.message == "cannot drop function bm25_fn: it would leave no vector field in the collection: " \
                                 "invalid parameter"
    for name, role in (("text", "input"), ("sparse", "output")):
        _add(cli, "d", _bm25)
        with pytest.raises(MilvusException) as info:
            cli.drop_collection_field("d", name)
        assert (info.value.code, info.value.message) == (
            1100, f"field is referenced by function bm25_fn as {role}, drop function first: invalid parameter")
        cli.drop_collection("d")


def test_drop_collection_function_detaches_a_minhash_function(fresh_client) -> None:
    """Master drops a MinHash function alone: its field and index stay, and inserts must give it."""
    cli = fresh_client
    _add(cli, "c", _minhash)
    cli.drop_collection_function("c", "mh_fn")
    desc = cli.describe_collection("c")
    assert desc["functions"] == [] and desc["fields"][-1]["name"] == "mh" and "is_function_output" not in desc["fields"][-1]
    assert cli.list_indexes("c") == ["vec", "mh"]
    with pytest.raises(MilvusException) as info:
        cli.insert("c", [{"id": 30, "text": "x", "vec": [0.0, 0.0]}])
    assert info.value.message.startswith("Insert missed an field `mh` to collection without set nullable==true or "
                                         "set default_value")
    cli.insert("c", [{"id": 30, "text": "x", "vec": [0.0, 0.0], "mh": b"\xff" * 64}])
    assert cli.query("c", "id == 30", output_fields=["mh"])[0]["mh"] == [b"\xff" * 64]
