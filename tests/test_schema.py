"""Schema objects and their checks (no database): one line per case."""

from __future__ import annotations

import pytest

from pgmilvus import (AutoIDException, CollectionSchema, DataType, DataTypeNotSupportException, FieldSchema,
                      MilvusClient, MilvusException, ParamError, PartitionKeyException, PrimaryKeyException)
from pgmilvus.types import LoadState

D = DataType


def test_datatype_members_match_pymilvus_2_6() -> None:
    expected = {"NONE": 0, "BOOL": 1, "INT8": 2, "INT16": 3, "INT32": 4, "INT64": 5, "FLOAT": 10,
                "DOUBLE": 11, "STRING": 20, "VARCHAR": 21, "ARRAY": 22, "JSON": 23, "GEOMETRY": 24,
                "TEXT": 25, "TIMESTAMPTZ": 26, "BINARY_VECTOR": 100, "FLOAT_VECTOR": 101,
                "FLOAT16_VECTOR": 102, "BFLOAT16_VECTOR": 103, "SPARSE_FLOAT_VECTOR": 104,
                "INT8_VECTOR": 105, "_ARRAY_OF_VECTOR": 106, "_ARRAY_OF_STRUCT": 200, "STRUCT": 201,
                "UNKNOWN": 999}
    assert {m.name: m.value for m in DataType} == expected
    assert str(DataType.FLOAT_VECTOR) == "101"
    assert repr(LoadState.Loaded) == "<LoadState: Loaded>" and str(LoadState.Loaded) == "Loaded"


def test_add_field_is_chainable_and_dict_matches_pymilvus() -> None:
    schema = MilvusClient.create_schema(auto_id=True)
    assert schema.add_field("id", D.INT64, is_primary=True) is schema
    schema.add_field("v", D.FLOAT_VECTOR, dim=8, description="emb")
    schema.add_field("tags", D.ARRAY, element_type=D.VARCHAR, max_capacity=4, max_length=10)
    schema.add_field("age", D.INT32, nullable=True, default_value=3)
    schema.verify()
    fields = schema.to_dict()["fields"]
    assert fields[0] == {"name": "id", "description": "", "type": D.INT64, "params": {},
                         "auto_id": True, "is_primary": True}
    assert fields[1] == {"name": "v", "description": "emb", "type": D.FLOAT_VECTOR, "params": {"dim": 8}}
    assert fields[2]["element_type"] == D.ARRAY.VARCHAR
    assert fields[3] == {"name": "age", "description": "", "type": D.INT32, "params": {},
                         "default_value": 3, "nullable": True}
    assert list(fields[3]) == ["name", "description", "type", "params", "default_value", "nullable"]


def test_catalog_round_trip() -> None:
    schema = CollectionSchema(enable_dynamic_field=True, description="x")
    schema.add_field("pk", D.VARCHAR, is_primary=True, max_length=32)
    schema.add_field("v", D.BINARY_VECTOR, dim=16)
    schema.add_field("k", D.INT64, is_partition_key=True)
    schema.add_field("s", D.VARCHAR, max_length=5, default_value="abc", nullable=True)
    again = CollectionSchema.from_catalog(schema.to_catalog())
    assert again == schema
    assert again.partition_key_field.name == "k"


def _schema(*fields: tuple) -> CollectionSchema:
    schema = CollectionSchema()
    for name, dtype, kwargs in fields:
        schema.add_field(name, dtype, **kwargs)
    return schema


PK = ("id", D.INT64, {"is_primary": True})
VEC = ("v", D.FLOAT_VECTOR, {"dim": 4})

# (fields, exception class, message fragment)
BAD_SCHEMAS = [
    ([VEC], PrimaryKeyException, "Schema must have a primary key field."),
    ([PK, ("id2", D.INT64, {"is_primary": True}), VEC], PrimaryKeyException,
     "Expected only one primary key field, got [id, id2]."),
    ([("id", D.INT32, {"is_primary": True}), VEC], PrimaryKeyException,
     "Primary key type must be DataType.INT64 or DataType.VARCHAR."),
    ([("id", D.VARCHAR, {"is_primary": True}), VEC], MilvusException,
     "type param(max_length) should be specified for the field(id) of collection "),
    ([PK, ("s", D.VARCHAR, {"max_length": 0}), VEC], MilvusException,
     "the maximum length specified for the field(s) should be in (0, 65535], but got 0 instead: "
     "invalid parameter"),
    ([PK, ("s", D.VARCHAR, {"max_length": 65536}), VEC], MilvusException,
     "should be in (0, 65535], but got 65536 instead"),
    ([PK, ("v", D.FLOAT_VECTOR, {})], MilvusException,
     "dimension is not defined in field type params of field v, check type param `dim` for vector field"),
    ([PK, ("v", D.FLOAT_VECTOR, {"dim": 0})], MilvusException,
     "invalid dimension: 0. should be in range 2 ~ 32768 (field v)"),
    ([PK, ("v", D.FLOAT_VECTOR, {"dim": 1})], MilvusException,         # Milvus 2.6: at least 2
     "invalid dimension: 1. should be in range 2 ~ 32768 (field v)"),
    ([PK, ("v", D.FLOAT_VECTOR, {"dim": 32769})], MilvusException,
     "invalid dimension: 32769 of field v. float vector dimension should be in range 2 ~ 32768"),
    ([PK, ("v", D.BINARY_VECTOR, {"dim": 8 * 32768 + 8})], MilvusException,
     "invalid dimension: 262152 of field v. binary vector dimension should be in range 2 ~ 262144"),
    ([PK, ("v", D.BINARY_VECTOR, {"dim": 7})], MilvusException,
     "invalid dimension: 7 of field v. binary vector dimension should be multiple of 8. "),
    ([PK, ("v", D.FLOAT16_VECTOR, {"dim": 32769})], MilvusException,   # Milvus says "float" for all of them
     "invalid dimension: 32769 of field v. float vector dimension should be in range 2 ~ 32768"),
    ([PK], MilvusException, "schema does not contain vector field: invalid parameter (add one with "),
    ([PK, ("s", D.VARCHAR, {})], MilvusException, "schema does not contain vector field: "),  # checked first
    ([PK] + [(f"v{i}", D.FLOAT_VECTOR, {"dim": 4}) for i in range(11)], MilvusException,
     "maximum vector field's number should be limited to 10"),
    ([PK, VEC] + [(f"f{i}", D.INT64, {}) for i in range(63)], MilvusException,
     "maximum field's number should be limited to 64"),
    ([PK, VEC, ("a", D.ARRAY, {"max_capacity": 3})], MilvusException,
     "element data type None is not valid"),
    ([PK, VEC, ("a", D.ARRAY, {"element_type": D.JSON, "max_capacity": 3})], MilvusException,
     "element type JSON is not supported"),
    ([PK, VEC, ("a", D.ARRAY, {"element_type": D.FLOAT_VECTOR, "max_capacity": 3})], MilvusException,
     "element type FloatVector is not supported"),
    ([PK, VEC, ("a", D.ARRAY, {"element_type": 1001, "max_capacity": 3})], MilvusException,
     "element type 1001 is not supported"),
    ([PK, VEC, ("a", D.ARRAY, {"element_type": D.STRING, "max_capacity": 3})], MilvusException,
     "string data type not supported yet, please use VarChar type instead"),
    ([PK, VEC, ("a", D.ARRAY, {"element_type": D.INT64})], MilvusException,
     "type param(max_capacity) should be specified for array field a of collection "),
    ([PK, VEC, ("a", D.ARRAY, {"element_type": D.INT64, "max_capacity": 4097})], MilvusException,
     "the maximum capacity specified for a Array should be in (0, 4096]"),
    ([PK, VEC, ("a", D.ARRAY, {"element_type": D.INT64, "max_capacity": "a"})], MilvusException,
     "the value for max_capacity of field a must be an integer"),
    ([PK, VEC, ("a", D.ARRAY, {"element_type": D.VARCHAR, "max_capacity": 4})], MilvusException,
     "type param(max_length) should be specified for the field(a) of collection "),
    ([PK, VEC, ("v", D.INT64, {})], MilvusException, "duplicated field name v found"),
    ([PK, VEC, ("g", D.GEOMETRY, {"default_value": 5})], MilvusException,
     "invalid default value for geometry field: invalid parameter"),
    ([PK, VEC, ("g", D.STRING, {})], MilvusException,
     "string data type not supported yet, please use VarChar type instead"),
    ([PK, VEC, ("g", D.STRUCT, {})], MilvusException, "STRUCT fields are not supported"),
    ([PK, VEC, ("g", D.NONE, {})], MilvusException, "data type None is not valid"),
    ([PK, VEC, ("g", D._ARRAY_OF_VECTOR, {})], MilvusException, "arrays of vectors"),
    ([("id", D.INT64, {"is_primary": True, "nullable": True}), VEC], MilvusException,
     "primary field not support null, type:Int64, name:id: invalid parameter"),
    ([PK, VEC, ("k", D.INT64, {"is_partition_key": True, "nullable": True})], MilvusException,
     "partition key field not support nullable: invalid parameter"),
    ([PK, VEC, ("k", D.DOUBLE, {"is_partition_key": True})], PartitionKeyException,
     "Partition key field type must be DataType.INT64 or DataType.VARCHAR. (field k)"),
    ([("id", D.INT64, {"is_primary": True, "is_partition_key": True}), VEC], MilvusException,
     "the partition key field must not be primary field"),
    ([PK, VEC, ("k", D.INT64, {"is_partition_key": True}), ("k2", D.VARCHAR,
                                                           {"is_partition_key": True, "max_length": 3})],
     PartitionKeyException, "Expected only one partition key field"),
    ([PK, VEC, ("i", D.INT8, {"default_value": 300})], MilvusException,
     "default value out of range: invalid parameter[300 out of range -128 <= value <= 127]"),
    ([PK, VEC, ("i", D.INT64, {"default_value": "x"})], MilvusException,
     "type (Int64) of field (i) is not equal to the type(DataType_VarChar) of default_value: invalid parameter"),
    ([PK, VEC, ("i", D.INT8, {"default_value": 9.09})], MilvusException,
     "type (Int8) of field (i) is not equal to the type(DataType_Double) of default_value"),
    ([PK, VEC, ("f", D.FLOAT, {"default_value": False})], MilvusException,
     "type (Float) of field (f) is not equal to the type(DataType_Bool) of default_value"),
    ([PK, VEC, ("b", D.BOOL, {"default_value": 1})], MilvusException,
     "type (Bool) of field (b) is not equal to the type(DataType_Int64) of default_value"),
    ([PK, VEC, ("s", D.VARCHAR, {"default_value": "ééé", "max_length": 5})], MilvusException,
     "the length (6) of string exceeds max length (5): invalid parameter[expected=valid length string]"
     "[actual=string length exceeds max length]"),
    ([PK, VEC, ("f" * 64, D.INT64, {})], MilvusException,
     "PostgreSQL column names hold at most 63 bytes: use a shorter field name"),
    ([PK, VEC, ("j", D.JSON, {"default_value": 1})], MilvusException,
     "type not support default_value, type:JSON, name:j: invalid parameter"),
    ([PK, ("v", D.FLOAT_VECTOR, {"dim": 4, "default_value": 1})], MilvusException,
     "type not support default_value, type:FloatVector, name:v"),
    ([("id", D.INT64, {"is_primary": True, "default_value": 1}), VEC], MilvusException,
     "primary field not support default_value, type:Int64, name:id: invalid parameter"),
]


@pytest.mark.parametrize("fields, cls, message", BAD_SCHEMAS)
def test_bad_schema(fields: list, cls: type, message: str) -> None:
    with pytest.raises(cls) as info:
        _schema(*fields).verify()
    assert message in info.value.message


# (name, dtype, kwargs, exception class, message fragment): errors raised by add_field itself, as
# pymilvus raises them there (the type, the flags' types, auto_id, a None default)
BAD_FIELDS = [
    ("a", "INT64", {}, DataTypeNotSupportException, "Field dtype must be of DataType: data type of field a"),
    ("a", 12345, {}, DataTypeNotSupportException, "Field dtype must be of DataType"),
    ("a", D.INT64, {"is_primary": "yes"}, PrimaryKeyException, "Param is_primary must be bool type. (invalid "
                                                               "value 'yes' for `is_primary` of field a"),
    ("a", D.INT64, {"is_partition_key": "x"}, PartitionKeyException, "Param is_partition_key must be bool type."),
    ("a", D.INT64, {"auto_id": "x"}, AutoIDException, "Param auto_id must be bool type."),
    ("a", D.INT64, {"auto_id": True}, PrimaryKeyException,
     "The auto_id can only be specified on the primary key field"),
    ("a", D.ARRAY, {"element_type": D.INT64, "max_capacity": 2, "default_value": [1]}, ParamError,
     "Default value unsupported data type: 999"),
    ("a", D.JSON, {"default_value": {"k": 1}}, ParamError, "Default value unsupported data type: 999"),
    ("a", D.INT64, {"default_value": None}, ParamError,
     "Default value cannot be None for a field that is defined as nullable == false."),
]


@pytest.mark.parametrize("name, dtype, kwargs, cls, message", BAD_FIELDS)
def test_bad_field(name: str, dtype: object, kwargs: dict, cls: type, message: str) -> None:
    with pytest.raises(cls) as info:
        CollectionSchema().add_field(name, dtype, **kwargs)
    assert message in info.value.message


# Field checks pymilvus leaves to the server: add_field accepts the field and create_collection
# (schema.verify) raises, so code that catches the error there works (e2e cause #14).
DEFERRED_FIELDS = [
    ("1x", D.INT64, {}, MilvusException,
     "Invalid field name: 1x. The first character of a field name must be an underscore or letter."),
    ("a-b", D.INT64, {}, MilvusException, "Field name can only contain numbers, letters, and underscores."),
    ("", D.INT64, {}, MilvusException, "field name should not be empty: field name invalid[field=]"),
    ("x" * 256, D.INT64, {}, MilvusException, "The length of a field name must be less than 255 characters."),
    ("$meta", D.INT64, {}, MilvusException, "The first character of a field name"),
    ("a", D.INT64, {"nullable": 1}, ParamError, "`nullable` of field a"),
    ("a", D.FLOAT_VECTOR, {"dim": 4.5}, MilvusException, "strconv.ParseInt: parsing \"4.5\": invalid syntax (the value for dim of field a must be an integer)"),
    ("a", D.VARCHAR, {"max_length": "big"}, MilvusException,
     "the value for max_length of field a must be an integer"),
    ("a", D.ARRAY, {"element_type": D.INT64, "max_capacity": []}, MilvusException,
     "the value for max_capacity of field a must be an integer"),
    ("a", D.ARRAY, {"element_type": "x", "max_capacity": 3}, MilvusException, "element type 'x' is not supported"),
    ("a", D.INT64, {"description": 5}, ParamError, "description of field a must be a str"),
]


@pytest.mark.parametrize("name, dtype, kwargs, cls, message", DEFERRED_FIELDS)
def test_field_checks_wait_for_create_collection(name: str, dtype: object, kwargs: dict, cls: type,
                                                 message: str) -> None:
    schema = _schema(PK, VEC)
    description = kwargs.pop("description", "")
    assert schema.add_field(name, dtype, description=description, **kwargs) is schema
    with pytest.raises(cls) as info:
        schema.verify()
    assert message in info.value.message
    with pytest.raises(cls) as info:
        FieldSchema(name, dtype, description, **kwargs).verify()
    assert message in info.value.message


def test_numeric_string_type_params_are_coerced_like_pymilvus() -> None:
    field = FieldSchema("v", D.FLOAT_VECTOR, dim="128")
    assert field.dim == 128


def test_schema_kwargs_are_validated() -> None:
    with pytest.raises(AutoIDException):
        CollectionSchema(auto_id="yes")
    with pytest.raises(ParamError, match="enable_dynamic_field"):
        CollectionSchema(enable_dynamic_field="no")


def test_primary_field_kwarg_marks_field() -> None:
    schema = CollectionSchema(primary_field="pk", auto_id=True)
    schema.add_field("pk", D.INT64).add_field("v", D.FLOAT_VECTOR, dim=2)
    schema.verify()
    assert schema.primary_field.name == "pk" and schema.primary_field.auto_id


def test_index_params() -> None:
    params = MilvusClient.prepare_index_params()
    params.add_index("v", index_type="HNSW", metric_type="IP", params={"M": 8}, index_name="i")
    assert params[0].to_dict() == {"field_name": "v", "index_type": "HNSW", "index_name": "i",
                                   "M": 8, "metric_type": "IP"}
    assert params[0].params == {"M": 8} and params[0].metric_type == "IP"
    with pytest.raises(ParamError, match="params must be a dict or None"):
        params.add_index("v", params=[1])
    assert len(MilvusClient.prepare_index_params("v", index_type="FLAT")) == 1


def test_a_pymilvus_function_is_taken_as_pgmilvus_s() -> None:
    """Code that imports Function from pymilvus beside pgmilvus's client (Milvus's e2e suite does)."""
    pymilvus = pytest.importorskip("pymilvus")
    from pgmilvus import Function, FunctionType

    schema = MilvusClient.create_schema()
    schema.add_function(pymilvus.Function(name="bm", function_type=pymilvus.FunctionType.BM25,
                                          input_field_names=["t"], output_field_names=["sp"]))
    got = schema.functions[0]
    assert isinstance(got, Function)
    assert (got.name, got.type, got.input_field_names, got.output_field_names) == ("bm", FunctionType.BM25, ["t"],
                                                                                 ["sp"])
    with pytest.raises(ParamError, match="The function of schema type must be Function."):
        schema.add_function({"a": 1})
