"""add_function_field / drop_function_field over the wire: pymilvus 3 sends them as
AlterCollectionSchema (a field with a function and its bound index; a function's drop), and
``pgmilvus serve`` answers as pgmilvus does in process."""

from __future__ import annotations

import pytest

pymilvus = pytest.importorskip("pymilvus")

from pymilvus import DataType, FieldSchema, Function, FunctionType, MilvusException  # noqa: E402

if not hasattr(pymilvus.MilvusClient, "add_function_field"):
    pytest.skip("pymilvus before 3.0 has no add_function_field", allow_module_level=True)

NAME = "docs"
ROWS = [{"id": 1, "text": "alpha milvus sealed", "vec": [0.0, 1.0]},
        {"id": 2, "text": "beta growing row", "vec": [1.0, 0.0]}]


@pytest.fixture
def docs(wire_client):
    schema = wire_client.create_schema(enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=200, enable_analyzer=True)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=2)
    index = wire_client.prepare_index_params()
    index.add_index("vec", index_type="FLAT", metric_type="L2")
    wire_client.create_collection(NAME, schema=schema, index_params=index)
    wire_client.insert(NAME, ROWS[:1])
    wire_client.flush(NAME)
    wire_client.insert(NAME, ROWS[1:])
    return wire_client


def _add_bm25(client, index_type="SPARSE_INVERTED_INDEX", **params):
    bound = client.prepare_index_params()
    bound.add_index("sparse", index_type=index_type, metric_type="BM25", **params)
    client.add_function_field(NAME, FieldSchema(name="sparse", dtype=DataType.SPARSE_FLOAT_VECTOR),
                              Function(name="bm25_fn", function_type=FunctionType.BM25, input_field_names=["text"],
                                       output_field_names=["sparse"]), index_params=bound)


def test_bm25_field_added_backfilled_and_searched_as_in_process(docs, local_client):
    _add_bm25(docs, params={"bm25_k1": 1.5})
    docs.insert(NAME, [{"id": 3, "text": "gamma alpha new", "vec": [0.5, 0.5]}])
    kwargs = {"anns_field": "sparse", "limit": 5, "search_params": {"metric_type": "BM25"}}
    wire = docs.search(NAME, data=["alpha", "beta"], **kwargs)
    local = local_client.search(NAME, data=["alpha", "beta"], **kwargs)
    shown = [[(h["id"], h["distance"]) for h in hits] for hits in wire]
    assert shown == [[(h["id"], h["distance"]) for h in hits] for hits in local]
    assert {h[0] for h in shown[0]} == {1, 3} and shown[1][0][0] == 2
    assert docs.describe_index(NAME, "sparse")["bm25_k1"] == "1.5"
    functions = docs.describe_collection(NAME)["functions"]
    assert [(f["name"], f["input_field_names"], f["output_field_names"]) for f in functions] == [
        ("bm25_fn", ["text"], ["sparse"])]
    docs.drop_function_field(NAME, "bm25_fn")
    desc = docs.describe_collection(NAME)
    assert [f["name"] for f in desc["fields"]] == ["id", "text", "vec"] and desc["functions"] == []
    assert docs.list_indexes(NAME) == ["vec"]


def test_minhash_field_and_refusals(docs):
    bound = docs.prepare_index_params()
    bound.add_index("mh", index_type="MINHASH_LSH", metric_type="MHJACCARD", params={"mh_lsh_band": 8})
    field = FieldSchema(name="mh", dtype=DataType.BINARY_VECTOR, dim=256)
    function = Function(name="mh_fn", function_type=FunctionType.MINHASH, input_field_names=["text"],
                        output_field_names=["mh"], params={"num_hashes": 16})
    with pytest.raises(MilvusException) as err:
        docs.add_function_field(NAME, field, function, index_params=bound)
    assert (err.value.code, err.value.message) == (
        1100, "minhash function output field 'mh' dim 256 does not match expected dim 512 (numHashes 16 * one "
              "minhash signature size of 32bit): invalid parameter")
    docs.add_function_field(NAME, FieldSchema(name="mh", dtype=DataType.BINARY_VECTOR, dim=512), function,
                            index_params=bound)
    hits = docs.search(NAME, data=[ROWS[0]["text"]], anns_field="mh", limit=1,
                       search_params={"metric_type": "MHJACCARD"})
    assert (hits[0][0]["id"], hits[0][0]["distance"]) == (1, 1.0)
    with pytest.raises(MilvusException) as err:  # a raw request without the bound index's params
        docs._get_connection().alter_collection_schema(
            collection_name=NAME, field_schema=FieldSchema(name="s", dtype=DataType.SPARSE_FLOAT_VECTOR),
            func=Function(name="b", function_type=FunctionType.BM25, input_field_names=["text"],
                          output_field_names=["s"]))
    assert err.value.code == 1100 and err.value.message.startswith(
        'index params are required when adding function output field "s" of vector type SparseFloatVector')
    with pytest.raises(MilvusException) as err:
        docs.drop_function_field(NAME, "nope")
    assert (err.value.code, err.value.message) == (1100, "function not found: nope: invalid parameter")
    docs.drop_collection_function(NAME, "mh_fn")  # master detaches a MinHash function: the field stays
    assert [f["name"] for f in docs.describe_collection(NAME)["fields"]] == ["id", "text", "vec", "mh"]
