"""Errors over the wire: Milvus's codes for pymilvus, Status errors for malformed messages.

pymilvus raises ``MilvusException`` with ``code`` (Milvus's merr code) and
``compatible_code`` (the legacy ``error_code``, mapped as Milvus's oldCode
maps it).  Messages a client could never send (columns of different lengths,
truncated vectors, garbage JSON) are built with the raw stub: each gets a
Status naming the problem, nothing is written, and the server keeps serving.
"""

from __future__ import annotations

import json
import struct
from typing import Any

import pytest

grpc = pytest.importorskip("grpc")
pytest.importorskip("pymilvus")

from pymilvus import DataType, MilvusException  # noqa: E402
from pymilvus.grpc_gen import common_pb2, milvus_pb2, milvus_pb2_grpc, schema_pb2  # noqa: E402

NAME = "errs"


@pytest.fixture
def seeded(wire_client):
    wire_client.create_collection(NAME, dimension=3, metric_type="L2")
    wire_client.insert(NAME, [{"id": i, "vector": [i, 0, 1], "color": f"c{i}"} for i in range(5)])
    return wire_client


@pytest.fixture
def stub(serve_address):
    with grpc.insecure_channel(serve_address) as channel:
        yield milvus_pb2_grpc.MilvusServiceStub(channel)


def _raises(call, code: int, legacy: int, text: str) -> None:
    with pytest.raises(MilvusException) as info:
        call()
    assert (info.value.code, info.value.compatible_code) == (code, legacy), info.value
    assert text in info.value.message


def test_milvus_codes_reach_pymilvus(seeded) -> None:
    _raises(lambda: seeded.query("missing", filter="id > 0"), 100, 4,
            "collection not found[database=default][collection=missing]")
    _raises(lambda: seeded.query(NAME, filter="id >>> 0"), 1100, 5, "cannot parse expression: id >>> 0")
    _raises(lambda: seeded.insert(NAME, [{"id": 9, "vector": [1, 2, 3]}], partition_name="nope"), 200, 15,
            "partition not found[partition=nope]")
    seeded.release_collection(NAME)  # a released collection still searches (docs/compatibility.md)
    assert len(seeded.search(NAME, [[1, 2, 3]], limit=2)[0]) == 2
    seeded.drop_index(NAME, "vector")
    _raises(lambda: seeded.load_collection(NAME), 700, 25, "index not found")
    assert seeded.describe_index(NAME, "vector") is None
    assert seeded.list_indexes(NAME) == []


@pytest.mark.parametrize("value", [2.3, "str"])
def test_ignore_growing_is_checked_over_the_wire_too(seeded, value) -> None:
    """pymilvus sends ``ignore_growing`` as a query / search param; Milvus's proxy parses it with
    strconv.ParseBool, as pgmilvus does in-process (true: the sealed segments only, and these rows
    were never flushed)."""
    _raises(lambda: seeded.query(NAME, filter="id > 0", ignore_growing=value), 1, 1, "parse ignore growing field failed")
    _raises(lambda: seeded.search(NAME, [[1, 2, 3]], limit=2, ignore_growing=value), 1, 1,
            "parse ignore growing field failed")
    assert len(seeded.query(NAME, filter="id > 0", ignore_growing=True)) == 0
    assert len(seeded.query(NAME, filter="id > 0", ignore_growing=False)) == 4
    assert len(seeded.search(NAME, [[1, 2, 3]], limit=2, ignore_growing=False)[0]) == 2


def test_a_namespace_is_refused_not_dropped(seeded, local_client) -> None:
    """pymilvus 3 sends ``enable_namespace`` in the schema and ``namespace`` on insert, query, search
    and hybrid search: refused as in process, where dropping them would mix tenants' rows."""
    with pytest.raises(MilvusException) as info:
        seeded.create_collection("nsx", dimension=3, enable_namespace=True)
    assert info.value.code == 3000 and "enable_namespace=True" in info.value.message
    assert not seeded.has_collection("nsx")
    disabled = "namespace data is set but namespace disabled"
    _raises(lambda: seeded.insert(NAME, [{"id": 9, "vector": [1, 2, 3]}], namespace="t1"), 1100, 5, disabled)
    _raises(lambda: seeded.query(NAME, filter="id > 0", namespace="t1"), 1100, 5, disabled)
    _raises(lambda: seeded.get(NAME, ids=[1], namespace="t1"), 1100, 5, disabled)
    _raises(lambda: seeded.search(NAME, [[1, 2, 3]], limit=2, namespace="t1"), 1100, 5, disabled)
    from pymilvus import AnnSearchRequest, RRFRanker
    req = AnnSearchRequest([[1, 2, 3]], "vector", {}, limit=2)
    _raises(lambda: seeded.hybrid_search(NAME, [req], RRFRanker(), limit=2, namespace="t1"), 1100, 5, disabled)
    assert local_client.query(NAME, output_fields=["count(*)"])[0]["count(*)"] == 5
    assert len(seeded.query(NAME, filter="id > 0")) == 4  # no namespace: as before


def test_an_alter_with_nothing_to_alter_is_refused(seeded) -> None:
    """pymilvus sends an empty AlterCollection / AlterDatabase as it is; Milvus 2.6's rootcoord refuses."""
    for keys in ([], "", {}):
        _raises(lambda: seeded.drop_collection_properties(NAME, keys), 1100, 5,
                "no properties or delete keys provided")
    _raises(lambda: seeded.drop_database_properties("default", []), 1100, 5,
            "alter database with empty properties and delete keys")
    seeded.alter_collection_properties(NAME, {"collection.ttl.seconds": 60})
    seeded.drop_collection_properties(NAME, ["collection.ttl.seconds"])


def test_duplicate_insert_and_bad_values_write_nothing(seeded, local_client) -> None:
    with pytest.raises(MilvusException) as info:
        seeded.insert(NAME, [{"id": 1, "vector": [0, 0, 0]}])
    assert info.value.code != 0
    with pytest.raises(MilvusException):
        seeded.search(NAME, [[1, 2, 3]], limit=100_000)
    assert local_client.query(NAME, output_fields=["count(*)"])[0]["count(*)"] == 5


def _float_column(name: str, values: list[float], dim: int) -> schema_pb2.FieldData:
    col = schema_pb2.FieldData(type=schema_pb2.FloatVector, field_name=name)
    col.vectors.dim = dim
    col.vectors.float_vector.data.extend(values)
    return col


def _long_column(name: str, values: list[int]) -> schema_pb2.FieldData:
    col = schema_pb2.FieldData(type=schema_pb2.Int64, field_name=name)
    col.scalars.long_data.data.extend(values)
    return col


def _meta_column(raw: list[bytes]) -> schema_pb2.FieldData:
    col = schema_pb2.FieldData(type=schema_pb2.JSON, field_name="$meta", is_dynamic=True)
    col.scalars.json_data.data.extend(raw)
    return col


BAD_INSERTS = {
    "columns of different lengths": ([_long_column("id", [10, 11]), _float_column("vector", [1, 2, 3], 3)], 2,
                                     "the num_rows (1) of field (vector) is not equal to passed num_rows (2): "
                                     "invalid parameter[expected=2][actual=1]"),
    "truncated vector": ([_long_column("id", [10, 11]), _float_column("vector", [1, 2, 3, 4, 5], 3)], 2,
                         "the length(5) of float data should divide the dim(3) (field vector: a truncated vector?)"),
    "truncated binary vector": ([_long_column("id", [10]), schema_pb2.FieldData(
        type=schema_pb2.BinaryVector, field_name="vector",
        vectors=schema_pb2.VectorField(dim=16, binary_vector=b"\x00" * 3))], 1,
        "the num(24) of all bits should divide the dim(16)"),
    "garbage JSON": ([_long_column("id", [10]), _float_column("vector", [1, 2, 3], 3), _meta_column([b"{nope"])], 1,
                     "holds bytes that are not JSON"),
    "unknown data type": ([_long_column("id", [10]), schema_pb2.FieldData(type=77, field_name="vector")], 1,
                          "unknown data type 77 of field vector"),
    "no vector at all": ([_long_column("id", [10, 11]), _float_column("vector", [], 3)], 2,  # pymilvus: all None
                         "float vector field 'vector' is illegal, array type mismatch: invalid "
                         "parameter[expected=need float vector][actual=got nil]"),
    # pymilvus checks rows first ("Insert missed an field"); an SDK that sends them gets the proxy's text
    "no primary key column": ([_float_column("vector", [1, 2, 3], 3)], 1,
                              "fieldSchema(id) has no corresponding fieldData pass in: invalid parameter "
                              "(row 0: give `id` a value)"),
    # the Go SDK sends an empty column as it is; the proxy checks each column's type before the lengths
    "an empty key column": ([_long_column("id", []), _float_column("vector", [1, 2, 3], 3)], 1,
                            "field 'id' is illegal, array type mismatch: invalid parameter[expected=need long int "
                            "array][actual=got nil]"),
    "no rows at all": ([_long_column("id", []), _float_column("vector", [], 3)], 0,
                       "num_rows should be greater than 0: invalid parameter[expected=invalid num_rows][actual=0]"),
    # the Go SDK sends the valid_data it is given; a field that cannot hold null takes none (CheckValidData)
    "valid_data on a non-nullable field": ([schema_pb2.FieldData(
        type=schema_pb2.Int64, field_name="id", valid_data=[True, False],
        scalars=schema_pb2.ScalarField(long_data=schema_pb2.LongArray(data=[10]))),
        _float_column("vector", [1, 2, 3] * 2, 3)],
        2, "the length of valid_data of field(id) is wrong: invalid parameter[expected=0][actual=2]"),
    # the Java SDK puts a row's "$meta" key into the dynamic column; Milvus's checkDynamicFieldData refuses it
    "a $meta key in $meta": ([_long_column("id", [10]), _float_column("vector", [1, 2, 3], 3),
                              _meta_column([b'{"$meta": {}, "k": 1}'])], 1, "cannot set json key to: $meta (row 0"),
}


@pytest.mark.parametrize("case", list(BAD_INSERTS))
def test_malformed_insert_gets_a_status_and_writes_nothing(seeded, stub, local_client, case) -> None:
    columns, num_rows, text = BAD_INSERTS[case]
    reply = stub.Insert(milvus_pb2.InsertRequest(collection_name=NAME, fields_data=columns, num_rows=num_rows))
    if text.startswith(("the length(", "the num(", "cannot set json key")):  # Milvus's plain proxy errors: 65535
        assert reply.status.code == 65535 and reply.status.error_code == common_pb2.UnexpectedError
    else:
        assert reply.status.code == 1100 and reply.status.error_code == common_pb2.IllegalArgument
    assert text in reply.status.reason
    assert local_client.query(NAME, output_fields=["count(*)"])[0]["count(*)"] == 5
    assert stub.HasCollection(milvus_pb2.HasCollectionRequest(collection_name=NAME)).value is True


def test_an_upsert_without_its_key_column_gets_milvus_s_answer(seeded, stub, local_client) -> None:
    """The Java SDK sends an upsert on an auto_id collection without the key column (it checks
    nothing there), the Go SDK any upsert it is given; Milvus master's proxy looks for the key
    column first (CheckDuplicatePkExist, 1100), where pgmilvus answered pymilvus's client-side text
    with code 1 (and later 2.6's checkFieldsDataBySchema text)."""
    reply = stub.Upsert(milvus_pb2.UpsertRequest(collection_name=NAME, num_rows=1,
                                                 fields_data=[_float_column("vector", [1, 2, 3], 3)]))
    assert (reply.status.code, reply.status.error_code, reply.status.reason) == (
        1100, common_pb2.IllegalArgument,
        "must assign pk when upsert, primary field: id: invalid parameter (row 0: give `id` a value)")
    assert local_client.query(NAME, output_fields=["count(*)"])[0]["count(*)"] == 5


@pytest.mark.parametrize("collection, columns, text", [
    (NAME, [], "num_rows should be greater than 0: invalid parameter[expected=invalid num_rows][actual=0]"),
    (NAME, [_long_column("id", []), _float_column("vector", [], 3)], "num_rows should be greater than 0"),
    ("nope", [], "collection not found[database=default][collection=nope]"),  # the collection first
])
def test_an_upsert_of_no_rows_gets_milvus_s_answer(seeded, stub, local_client, collection, columns, text) -> None:
    """The Go SDK sends num_rows 0 for an upsert without columns or with empty ones: Milvus's
    proxy refuses it before it looks at the columns or the partition."""
    reply = stub.Upsert(milvus_pb2.UpsertRequest(collection_name=collection, num_rows=0, fields_data=columns,
                                                 partition_name="nope"))
    assert reply.status.code != 0 and text in reply.status.reason, reply.status.reason
    assert local_client.query(NAME, output_fields=["count(*)"])[0]["count(*)"] == 5


@pytest.mark.parametrize("collection, code, text", [
    (NAME, 1100, "delete plan can't be empty or always true : : invalid parameter"),
    ("nope", 100, "collection not found[database=default][collection=nope]"),
])
def test_a_delete_without_a_filter_gets_milvus_s_answer(seeded, stub, local_client, collection, code, text) -> None:
    """pymilvus refuses an empty delete filter itself; the Go SDK sends it, and Milvus's proxy looks
    the collection up, then refuses the plan."""
    reply = stub.Delete(milvus_pb2.DeleteRequest(collection_name=collection, expr=""))
    assert (reply.status.code, reply.status.reason) == (code, text)
    assert local_client.query(NAME, output_fields=["count(*)"])[0]["count(*)"] == 5


def _sparse_column(name: str, rows: list[list[tuple[int, float]]]) -> schema_pb2.FieldData:
    col = schema_pb2.FieldData(type=schema_pb2.SparseFloatVector, field_name=name)
    col.vectors.sparse_float_vector.contents.extend(b"".join(struct.pack("<If", i, v) for i, v in row)
                                                    for row in rows)
    return col


def _int8_array_column(name: str, cells: list[schema_pb2.ScalarField]) -> schema_pb2.FieldData:
    col = schema_pb2.FieldData(type=schema_pb2.Array, field_name=name)
    col.scalars.array_data.element_type = schema_pb2.Int64
    col.scalars.array_data.data.extend(cells)
    return col


@pytest.mark.parametrize("column, text", [
    (_sparse_column("sparse", [[(2, 0.4), (10, 0.5), (2, 0.6)]]),
     "unsorted or same indices in sparse float vector: invalid parameter"),
    (_sparse_column("sparse", [[(10, 0.5), (2, 0.6)]]), "unsorted or same indices in sparse float vector"),
    (_sparse_column("sparse", [[(4294967295, 0.4)]]),
     "invalid index in sparse float vector: must be less than 2^32-1: invalid parameter"),
    (_int8_array_column("tags", [schema_pb2.ScalarField(long_data=schema_pb2.LongArray(data=[1]))]),
     "insert data does not match: invalid parameter[expected=int array][actual=*schemapb.ScalarField_LongData "
     "array]"),
    (_int8_array_column("tags", [schema_pb2.ScalarField(bool_data=schema_pb2.BoolArray(data=[True]))]),
     "insert data does not match: invalid parameter[expected=int array][actual=*schemapb.ScalarField_BoolData "
     "array]"),
])
def test_columns_the_proxy_refuses_byte_for_byte(wire_client, stub, local_client, column, text) -> None:
    """What only the wire form can carry: a sparse row's pairs out of order or repeated, an index
    of 2^32-1, array cells of another type than the schema's elements (the Go SDK sends them)."""
    schema = wire_client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("tags", DataType.ARRAY, element_type=DataType.INT8, max_capacity=4, nullable=True)
    wire_client.create_collection("cells", schema=schema)
    columns = [_long_column("id", [1])]
    if column.field_name != "sparse":
        columns.append(_sparse_column("sparse", [[(1, 0.5)]]))
    reply = stub.Insert(milvus_pb2.InsertRequest(collection_name="cells", num_rows=1, fields_data=[*columns, column]))
    assert (reply.status.code, text in reply.status.reason) == (1100, True), reply.status.reason
    assert local_client.query("cells", output_fields=["count(*)"])[0]["count(*)"] == 0


def test_an_int8_out_of_range_gets_milvus_s_answer(wire_client, stub, local_client) -> None:
    """INT8 / INT16 values travel in the int32 column; an SDK that does not check them (Java) gets
    Milvus's verifyOverflowByRange text, where pgmilvus answered pymilvus's client-side one (code 1)."""
    schema = wire_client.create_schema()
    schema.add_field("id", schema_pb2.Int64, is_primary=True)
    schema.add_field("small", schema_pb2.Int8)
    schema.add_field("vector", schema_pb2.FloatVector, dim=3)
    wire_client.create_collection("small", schema=schema)
    small = schema_pb2.FieldData(type=schema_pb2.Int8, field_name="small")
    small.scalars.int_data.data.extend([5, 300])
    reply = stub.Insert(milvus_pb2.InsertRequest(collection_name="small", num_rows=2, fields_data=[
        _long_column("id", [1, 2]), small, _float_column("vector", [1, 2, 3, 4, 5, 6], 3)]))
    assert (reply.status.code, reply.status.error_code, reply.status.reason) == (
        1100, common_pb2.IllegalArgument,
        "the 1th element (300) out of range: [-128, 127]: invalid parameter[expected=integer doesn't overflow]"
        "[actual=out of range] (field small: INT8 holds -128 to 127)")
    assert local_client.query("small", output_fields=["count(*)"])[0]["count(*)"] == 0


def _search(stub, placeholder: bytes, **params: str) -> milvus_pb2.SearchResults:
    kvs = [common_pb2.KeyValuePair(key=k, value=v) for k, v in {"topk": "2", **params}.items()]
    return stub.Search(milvus_pb2.SearchRequest(collection_name=NAME, placeholder_group=placeholder,
                                                search_params=kvs, dsl_type=common_pb2.BoolExprV1))


def _group(values: list[bytes], kind: int = common_pb2.FloatVector) -> bytes:
    group = common_pb2.PlaceholderGroup(placeholders=[common_pb2.PlaceholderValue(tag="$0", type=kind,
                                                                                  values=values)])
    return group.SerializeToString()


def test_malformed_search_gets_a_status(seeded, stub) -> None:
    good = _search(stub, _group([struct.pack("<3f", 1, 0, 1)]))
    assert good.status.code == 0 and list(good.results.ids.int_id.data)[:1] == [1]
    cases = [(_group([b"\x00" * 7]), "7 bytes is not whole float32 values"),
             (b"\xff\xff garbage", "not a valid PlaceholderGroup"),
             (_group([]), ""),
             (_group([struct.pack("<3f", 1, 0, 1)]), "topk [100000] is invalid"),
             (_group([b"\xff\xfe"], common_pb2.VarChar), "string data must be utf8 format"),
             (_group([b"hello"], common_pb2.VarChar), "text query 'hello' needs a BM25 function")]
    for i, (placeholder, text) in enumerate(cases):
        reply = _search(stub, placeholder, **({"topk": "100000"} if i == 3 else {}))
        assert reply.status.code != 0, i
        assert text in reply.status.reason, reply.status.reason
    assert stub.HasCollection(milvus_pb2.HasCollectionRequest(collection_name=NAME)).value is True


@pytest.mark.parametrize("dtype, slot, value, kind", [
    (schema_pb2.Int64, "int_data", 2, "DataType_Int"),
    (schema_pb2.VarChar, "int_data", 2, "DataType_Int"),
    (schema_pb2.Float, "double_data", 2.6, "DataType_Double"),
    (schema_pb2.Double, "float_data", 2.5, "DataType_Float"),
])
def test_a_default_in_another_number_slot_gets_rootcoord_s_answer(stub, dtype, slot, value, kind) -> None:
    """The Go SDK sends the default in the slot its setter names (WithDefaultValueInt: int_data);
    rootcoord refuses a slot that is not the field's type, which the value alone no longer shows."""
    field = schema_pb2.FieldSchema(name="d", data_type=dtype, type_params=[
        common_pb2.KeyValuePair(key="max_length", value="8")] if dtype == schema_pb2.VarChar else [])
    setattr(field.default_value, slot, value)
    schema = schema_pb2.CollectionSchema(name="defaults", fields=[
        schema_pb2.FieldSchema(name="id", data_type=schema_pb2.Int64, is_primary_key=True),
        schema_pb2.FieldSchema(name="v", data_type=schema_pb2.FloatVector,
                               type_params=[common_pb2.KeyValuePair(key="dim", value="2")]), field])
    reply = stub.CreateCollection(milvus_pb2.CreateCollectionRequest(collection_name="defaults",
                                                                     schema=schema.SerializeToString()))
    name = schema_pb2.DataType.Name(dtype)
    assert (reply.code, reply.reason) == (1100, f"type ({name}) of field (d) is not equal to the type({kind}) of "
                                                "default_value: invalid parameter")
    assert stub.HasCollection(milvus_pb2.HasCollectionRequest(collection_name="defaults")).value is False


def test_auto_id_on_another_field_than_the_key_gets_milvus_s_answer(seeded, stub) -> None:
    """pymilvus refuses it itself (PrimaryKeyException); the Go SDK sends it."""
    field = schema_pb2.FieldSchema(name="newField", data_type=schema_pb2.Int64, autoID=True, nullable=True)
    reply = stub.AddCollectionField(milvus_pb2.AddCollectionFieldRequest(collection_name=NAME,
                                                                         schema=field.SerializeToString()))
    assert (reply.code, reply.reason) == (1100, "only primary field can speficy AutoID with true, field name = "
                                                "newField: invalid parameter")


def _field(name: str, dtype: int, **kw: Any) -> schema_pb2.FieldSchema:
    params = [common_pb2.KeyValuePair(key="dim", value="2")] if dtype == schema_pb2.FloatVector else []
    return schema_pb2.FieldSchema(name=name, data_type=dtype, type_params=params, **kw)


_PK, _VEC = _field("id", schema_pb2.Int64, is_primary_key=True), _field("v", schema_pb2.FloatVector)


@pytest.mark.parametrize("fields, code, text", [
    ([_PK], 1100, "schema does not contain vector field: invalid parameter"),
    ([_VEC], 1101, "primary key is not specified: missing parameter"),
    ([_field("id", schema_pb2.Float, is_primary_key=True), _VEC], 1100,
     "the data type of primary key should be Int64 or VarChar: invalid parameter"),
    ([_PK, _VEC, _field("a", schema_pb2.Int64, is_partition_key=True), _field("b", schema_pb2.Int64, is_partition_key=True)],
     1100, "there are more than one partition key, field name = a, b: invalid parameter"),
    ([_PK, _VEC, _field("a", schema_pb2.Float, is_partition_key=True)], 1100,
     "the data type of partition key should be Int64 or VarChar: invalid parameter"),
    ([_VEC, _field("RowID", schema_pb2.Int64)], 1701,  # the reserved names before the key
     'field name "RowID" is reserved for internal use and cannot be used in user schemas: field name '
     "invalid[field=RowID]"),
    ([_field("__virtual_pk__", schema_pb2.Int64, is_primary_key=True), _VEC], 1701,
     'field name "__virtual_pk__" is reserved for internal use and cannot be used in user schemas: field name '
     "invalid[field=__virtual_pk__]"),
    ([_field("id", schema_pb2.Int64, is_primary_key=True, autoID=True),
      _field("dupInt", schema_pb2.Int64, autoID=True), _VEC], 1100, "only one field can speficy AutoID with true, field name = id, dupInt: invalid parameter"),
    *[([_PK, schema_pb2.FieldSchema(name="v", data_type=schema_pb2.FloatVector, type_params=[
        common_pb2.KeyValuePair(key="dim", value=dim)])], 65535,
       f'strconv.ParseInt: parsing "{dim}": invalid syntax (the value for dim of field v must be an integer)')
      for dim in ("中文", "", "%$#")],
])
def test_schemas_pymilvus_refuses_get_the_proxy_s_answer(stub, fields, code, text) -> None:
    """pymilvus checks keys and partition keys itself; an SDK that does not (Go) gets Milvus's
    proxy's texts, in its order (the vector fields before the key)."""
    schema = schema_pb2.CollectionSchema(name="keys", fields=fields)
    reply = stub.CreateCollection(milvus_pb2.CreateCollectionRequest(collection_name="keys",
                                                                     schema=schema.SerializeToString()))
    assert (reply.code, reply.reason.split(" (add one")[0]) == (code, text)


@pytest.mark.parametrize("auto_id", [True, False])
def test_the_schema_s_own_auto_id_is_ignored_as_milvus_ignores_it(stub, auto_id) -> None:
    """The key field's autoID decides; the schema's (the Go SDK's WithAutoID, here the opposite) is
    dropped by Milvus's proxy, and DescribeCollection answers the field's."""
    schema = schema_pb2.CollectionSchema(name="autoids", autoID=not auto_id, fields=[
        schema_pb2.FieldSchema(name="id", data_type=schema_pb2.Int64, is_primary_key=True, autoID=auto_id),
        schema_pb2.FieldSchema(name="v", data_type=schema_pb2.FloatVector,
                               type_params=[common_pb2.KeyValuePair(key="dim", value="2")])])
    assert stub.CreateCollection(milvus_pb2.CreateCollectionRequest(
        collection_name="autoids", schema=schema.SerializeToString())).code == 0
    described = stub.DescribeCollection(milvus_pb2.DescribeCollectionRequest(collection_name="autoids")).schema
    assert (described.autoID, described.fields[0].autoID) == (auto_id, auto_id)
    stub.DropCollection(milvus_pb2.DropCollectionRequest(collection_name="autoids"))


def test_an_empty_output_field_name_gets_milvus_s_answer(seeded, stub) -> None:
    """pymilvus refuses it itself; the Go SDK sends it and Milvus's proxy cannot parse it (the
    collection has a dynamic field; without one: ``field  not exist``)."""
    reply = stub.Search(milvus_pb2.SearchRequest(
        collection_name=NAME, placeholder_group=_group([struct.pack("<3f", 1, 0, 1)]), output_fields=[""],
        dsl_type=common_pb2.BoolExprV1, search_params=[common_pb2.KeyValuePair(key="topk", value="2")]))
    assert (reply.status.code, reply.status.reason) == (1100, "parse output field name failed: ")


def test_query_vectors_the_proxy_refuses(seeded, stub, wire_client) -> None:
    """No query vector at all (the Go SDK sends none, of no type) is the proxy's nq check; a
    placeholder of another vector type than the field's is segcore's (float16 / bfloat16 fields:
    the proxy's, which converts only float32); a sparse query's indices must ascend strictly."""
    cases = [(_group([], 0), 1100, "nq [0] is invalid, nq (number of search vector per search "
                                                  "request) should be in range [1, 16384], but got 0"),
             (_group([b"\x00" * 2], common_pb2.BinaryVector), 65535,
              "vector type must be the same, field vector - type FloatVector, search ph type BinaryVector")]
    for placeholder, code, text in cases:
        reply = _search(stub, placeholder)
        assert (reply.status.code, text in reply.status.reason) == (code, True), reply.status.reason
    reply = stub.Search(milvus_pb2.SearchRequest(  # the partitions first, as the proxy resolves them first
        collection_name=NAME, placeholder_group=_group([b"\x00" * 2], common_pb2.BinaryVector), partition_names=["nope"],
        dsl_type=common_pb2.BoolExprV1, search_params=[common_pb2.KeyValuePair(key="topk", value="2")]))
    assert "partition name nope not found" in reply.status.reason, reply.status.reason
    schema = wire_client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("half", DataType.BFLOAT16_VECTOR, dim=2)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    index_params = wire_client.prepare_index_params()
    index_params.add_index("half", index_type="FLAT", metric_type="L2")
    index_params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    wire_client.create_collection("typed_vectors", schema=schema, index_params=index_params)
    for field, placeholder, code, text in [
            ("half", _group([b"\x00" * 4], common_pb2.Float16Vector), 1100,
             "vector type must be the same: field type BFloat16Vector, search type Float16Vector: invalid parameter"),
            ("sparse", _group([struct.pack("<IfIf", 1, 0.5, 1, 0.6)], common_pb2.SparseFloatVector), 65535,
             "Invalid sparse row: id should be strict ascending")]:
        reply = stub.Search(milvus_pb2.SearchRequest(
            collection_name="typed_vectors", placeholder_group=placeholder, dsl_type=common_pb2.BoolExprV1,
            search_params=[common_pb2.KeyValuePair(key="topk", value="2"),
                           common_pb2.KeyValuePair(key="anns_field", value=field)]))
        assert (reply.status.code, text in reply.status.reason) == (code, True), reply.status.reason


@pytest.mark.parametrize("rpc, response, data", [
    ("Query", milvus_pb2.QueryResults, b"\x12\xff\xff\xff"),  # a string field longer than the message
    ("Insert", milvus_pb2.MutationResult, b"\x22\x02\xc3\x28"),  # collection_name, not UTF-8
    ("DropCollection", common_pb2.Status, b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"),
])
def test_bytes_that_are_no_message_get_a_status(seeded, serve_address, local_client, rpc, response, data) -> None:
    """Not gRPC's bare INTERNAL "Exception deserializing request!": a Status naming the RPC."""
    with grpc.insecure_channel(serve_address) as channel:
        call = channel.unary_unary(f"/milvus.proto.milvus.MilvusService/{rpc}", request_serializer=None,
                                   response_deserializer=response.FromString)
        answer = call(data, timeout=30)
    status = answer if response is common_pb2.Status else answer.status
    assert (status.code, status.error_code) == (1100, common_pb2.IllegalArgument)
    assert status.reason.startswith(f"the {rpc} request is not a valid protobuf message (")
    assert local_client.query(NAME, output_fields=["count(*)"])[0]["count(*)"] == 5


def test_connect_version_health_and_unimplemented(stub, serve_process) -> None:
    connected = stub.Connect(milvus_pb2.ConnectRequest(client_info=common_pb2.ClientInfo(sdk_type="Python")))
    assert connected.status.code == 0 and connected.status.error_code == 0 and connected.identifier > 0
    assert stub.GetVersion(milvus_pb2.GetVersionRequest()).version.startswith("pgmilvus-")
    assert stub.CheckHealth(milvus_pb2.CheckHealthRequest()).isHealthy is True
    states = stub.GetComponentStates(milvus_pb2.GetComponentStatesRequest())
    assert (states.status.code, states.state.role, states.state.state_code) == (0, "proxy", common_pb2.Healthy)
    with pytest.raises(grpc.RpcError) as info:
        stub.AddFileResource(milvus_pb2.AddFileResourceRequest(name="f"))
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "pgmilvus serve does not implement AddFileResource" in info.value.details()
    log = serve_process.log()
    assert "Connect db=default collection=- code=0" in log
    assert "AddFileResource unimplemented" in log


def test_connect_checks_the_database_and_dropping_in_a_gone_one_is_done(wire_client, stub) -> None:
    """Milvus's proxy: Connect in a database that does not exist is 800 (the Go SDK's UseDatabase and a
    client configured with a DBName connect so); DropCollection there succeeds, as dropping is idempotent."""
    gone = [("dbname", "nodb")]
    connected = stub.Connect(milvus_pb2.ConnectRequest(client_info=common_pb2.ClientInfo(sdk_type="Golang")),
                             metadata=gone)
    assert (connected.status.code, connected.status.reason) == (800, "database not found[database=nodb]")
    dropped = stub.DropCollection(milvus_pb2.DropCollectionRequest(collection_name="c"), metadata=gone)
    assert dropped.code == 0
    dropped = stub.DropPartition(milvus_pb2.DropPartitionRequest(collection_name="c", partition_name="p"),
                                 metadata=gone)
    assert dropped.code == 800  # the proxy looks the collection up first there


def test_database_header_and_field(seeded, stub) -> None:
    reply = stub.HasCollection(milvus_pb2.HasCollectionRequest(collection_name=NAME, db_name="nope"))
    assert reply.status.code == 800 and "database not found[database=nope]" in reply.status.reason
    reply = stub.HasCollection.with_call(milvus_pb2.HasCollectionRequest(collection_name=NAME),
                                         metadata=[("dbname", "nope")])[0]
    assert reply.status.code == 800
    assert json.loads("1") == 1


def test_name_checks_answer_as_milvus_2_6(seeded, stub) -> None:
    """Milvus 2.6's name texts and codes over the wire; an empty alias or partition name (pymilvus
    does not check those) gets Milvus's answer, not pymilvus's client-side text; calls 2.6 does not
    name-check find nothing instead."""
    _raises(lambda: seeded.create_collection("12-s", dimension=3), 1100, 5,
            "Invalid collection name: 12-s. the first character of a collection name must be an underscore or "
            "letter: invalid parameter")
    _raises(lambda: seeded.create_alias(NAME, ""), 1100, 5, "collection alias should not be empty: invalid parameter")
    _raises(lambda: seeded.create_partition(NAME, ""), 65535, 1,
            "Invalid partition name: . Partition name should not be empty.")
    _raises(lambda: seeded.create_database("12-s"), 802, 1,
            "the first character of a database name must be an underscore or letter: invalid database "
            "name[database=12-s]")
    _raises(lambda: seeded.describe_database("12-s"), 800, 1, "database not found[database=12-s]")
    index = seeded.prepare_index_params("vector", index_type="FLAT", metric_type="L2")
    _raises(lambda: seeded.create_index("12-s", index), 100, 4, "collection not found[database=default][collection=12-s]")
    _raises(lambda: seeded.search("12-s", [[0.1, 0.2, 0.3]]), 100, 4,
            "collection not found[database=default][collection=12-s]")
    seeded.drop_collection("12-s")  # 2.6 permits dropping a badly named collection: nothing to drop
    seeded.create_partition(NAME, "2024-01")
    assert seeded.has_partition(NAME, "2024-01")


def test_empty_names_pymilvus_checks_get_milvus_s_answer_from_the_server(stub) -> None:
    """pymilvus refuses "" client-side before sending; another SDK's request gets the server's text."""
    reply = stub.DescribeCollection(milvus_pb2.DescribeCollectionRequest(collection_name=""))
    assert (reply.status.code, reply.status.reason) == (1100, "collection name should not be empty: invalid parameter")
    reply = stub.DescribeAlias(milvus_pb2.DescribeAliasRequest(alias=""))
    assert (reply.status.code, reply.status.reason) == (1100, "collection alias should not be empty: invalid parameter")


def test_system_info_metrics_tell_one_standalone_process(stub) -> None:
    """What Attu's system view and Milvus's test harness (MilvusSys) read: the roles of a
    standalone, each a node of one process, with the hardware of this host."""
    reply = stub.GetMetrics(milvus_pb2.GetMetricsRequest(request=json.dumps({"metric_type": "system_info"})))
    assert (reply.status.code, reply.component_name) == (0, "proxy1")
    nodes = json.loads(reply.response)["nodes_info"]
    assert [n["infos"]["type"] for n in nodes] == ["proxy", "rootcoord", "datanode", "datacoord", "querynode",
                                                   "querycoord"]
    assert all(n["infos"]["has_error"] is False and n["infos"]["system_info"]["build_version"].startswith("pgmilvus-")
               and n["infos"]["system_info"]["deploy_mode"] == "STANDALONE" for n in nodes)
    info = stub.Connect(milvus_pb2.ConnectRequest()).server_info
    assert (info.deploy_mode, info.build_tags.startswith("pgmilvus-")) == ("STANDALONE", True)
    assert nodes[0]["infos"]["hardware_infos"]["cpu_core_count"] >= 1 and nodes[0]["infos"]["hardware_infos"]["memory"] > 0
    assert [e["target_type"] for e in nodes[5]["connected"]] == ["rootcoord", "datacoord", "querynode"]
    assert nodes[4]["connected"] is None and nodes[4]["infos"]["system_configurations"] == {"simd_type": "auto"}


@pytest.mark.parametrize("request_text, code, reason", [
    ('{"metric_type": "system_statistics"}', 1200, "metric not found[metric=system_statistics]"),
    ('{"req_type": "qc_target"}', 1200, "metric not found[metric=qc_target]"),
    ('{"what": 1}', 1100, "metric_type or req_type not found in request: invalid parameter"),
    ("not json", 1100, "metric_type or req_type not found in request: invalid parameter"),
    ("", 1100, "metric_type or req_type not found in request: invalid parameter"),
])
def test_other_metrics_are_refused_as_milvus_refuses_them(stub, request_text, code, reason) -> None:
    reply = stub.GetMetrics(milvus_pb2.GetMetricsRequest(request=request_text))
    assert (reply.status.code, reply.status.reason, reply.response) == (code, reason, "")


def test_index_state_and_progress_of_the_one_named_index(seeded, wire_client, stub) -> None:
    """The Node SDK's getIndexState / getIndexBuildProgress (it turns UNIMPLEMENTED into an empty
    success, so these must answer): datacoord's one-index rule."""
    index = wire_client.list_indexes(NAME)[0]
    state = stub.GetIndexState(milvus_pb2.GetIndexStateRequest(collection_name=NAME, index_name=index))
    assert (state.status.code, state.state) == (0, common_pb2.Finished)
    progress = stub.GetIndexBuildProgress(milvus_pb2.GetIndexBuildProgressRequest(collection_name=NAME))
    assert (progress.status.code, progress.total_rows) == (0, 5)
    missing = stub.GetIndexState(milvus_pb2.GetIndexStateRequest(collection_name=NAME, index_name="nope"))
    assert (missing.status.code, missing.status.reason) == (700, "index not found[indexName=nope]")
    gone = stub.GetIndexState(milvus_pb2.GetIndexStateRequest(collection_name="nope"))
    assert gone.status.code == 100


def test_batch_describe_answers_each_collection_with_its_own_status(seeded, stub) -> None:
    reply = stub.BatchDescribeCollection(milvus_pb2.BatchDescribeCollectionRequest(collection_name=[NAME, "nope"]))
    assert reply.status.code == 0
    assert [(r.status.code, r.collection_name) for r in reply.responses] == [(0, NAME), (100, "nope")]
    assert [f.name for f in reply.responses[0].schema.fields][:2] == ["id", "vector"]
    empty = stub.BatchDescribeCollection(milvus_pb2.BatchDescribeCollectionRequest())
    assert (empty.status.code, empty.status.reason) == (1101, "collection names cannot be empty: missing parameter")


def test_the_default_resource_group_is_described_as_a_standalone_describes_it(seeded, wire_client) -> None:
    group = wire_client.describe_resource_group("__default_resource_group")
    assert (group.name, group.capacity, group.num_available_node) == ("__default_resource_group", 1000000, 1)
    assert group.num_loaded_replica == {NAME: 1} and group.num_outgoing_node == {}
    assert [n.node_id for n in group.nodes] == [1]
    with pytest.raises(MilvusException) as info:
        wire_client.describe_resource_group("rg")
    assert (info.value.code, info.value.message) == (300, "resource group not found[rg=rg]")


def test_an_external_collection_is_refused_and_nothing_is_created(wire_client) -> None:
    """pymilvus 3 sends master's external_source / external_field; pgmilvus keeps every row in
    PostgreSQL, so the create is refused (3000), not made into an ordinary collection."""
    from pymilvus import DataType, MilvusClient as PyClient
    from pymilvus.grpc_gen import schema_pb2
    if "external_source" not in schema_pb2.CollectionSchema.DESCRIPTOR.fields_by_name:
        pytest.skip("this pymilvus (2.6) cannot send an external source")
    schema = PyClient.create_schema(external_source="s3://bucket/x", external_spec='{"format": "parquet"}')
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=4)
    with pytest.raises(MilvusException) as info:
        wire_client.create_collection("ext_src", schema=schema)
    assert info.value.code == 3000 and "external collections are not supported by pgmilvus" in info.value.message
    assert not wire_client.has_collection("ext_src")
