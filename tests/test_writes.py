"""insert / upsert / delete: return shapes, validation with pymilvus's errors, atomicity, keys.

Every test runs on a real PostgreSQL (fresh database per test) and asserts what
a user sees: the returned dict, the exception class/code/message, the rows left.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from pgmilvus import DataType, MilvusClient
from pgmilvus.errors import (DataNotMatchException, DataTypeNotMatchException, DescribeCollectionException,
                             MilvusException, ParamError)


@pytest.fixture
def client(fresh_client):
    return fresh_client


def rows(client: MilvusClient, name: str, **kwargs) -> list[dict]:
    return list(client.query(name, filter="", limit=16384, **kwargs))


def count(client: MilvusClient, name: str, **kwargs) -> int:
    return client.query(name, output_fields=["count(*)"], **kwargs)[0]["count(*)"]


def quick(client: MilvusClient, name: str = "c", dim: int = 2, **kwargs) -> str:
    client.create_collection(name, dimension=dim, **kwargs)
    return name


def plain(client: MilvusClient, name: str = "c") -> str:
    """Like quick setup but without a vector index: volume tests measure writes, not HNSW builds."""
    s = client.create_schema(enable_dynamic_field=True)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("vector", DataType.FLOAT_VECTOR, dim=2)
    client.create_collection(name, schema=s)
    return name


def typed(client: MilvusClient, name: str = "t", dynamic: bool = False) -> str:
    """One field of (almost) every type."""
    s = client.create_schema(enable_dynamic_field=dynamic)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("vec", DataType.FLOAT_VECTOR, dim=3)
    s.add_field("i8", DataType.INT8)
    s.add_field("i16", DataType.INT16, nullable=True)
    s.add_field("i32", DataType.INT32, default_value=7)
    s.add_field("f", DataType.FLOAT, nullable=True)
    s.add_field("d", DataType.DOUBLE, nullable=True)
    s.add_field("b", DataType.BOOL, nullable=True)
    s.add_field("s", DataType.VARCHAR, max_length=5, nullable=True)
    s.add_field("j", DataType.JSON, nullable=True)
    s.add_field("a", DataType.ARRAY, element_type=DataType.INT32, max_capacity=3, nullable=True)
    s.add_field("sa", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=2, max_length=3,
                nullable=True)
    client.create_collection(name, schema=s)
    return name


def base_row(i: int = 0, **over) -> dict:
    row = {"id": i, "vec": [0.1, 0.2, 0.3], "i8": 1}
    row.update(over)
    return row


# -- return shapes --------------------------------------------------------------------------------

def test_insert_returns_omit_zero_dict(client: MilvusClient) -> None:
    quick(client)
    res = client.insert("c", [{"id": 1, "vector": [1, 2]}, {"id": 2, "vector": [3, 4]}])
    assert dict(res) == {"insert_count": 2, "ids": [1, 2], "cost": 0}
    assert repr(res) == "{'insert_count': 2, 'ids': [1, 2], 'cost': 0}"
    assert str(res) == "{'insert_count': 2, 'ids': [1, 2]}"
    assert res["cost"] == 0


def test_insert_single_dict_and_empty_list(client: MilvusClient) -> None:
    quick(client)
    assert client.insert("c", {"id": 5, "vector": [1, 2]})["ids"] == [5]
    # pymilvus answers an empty list without contacting the server (no collection check).
    assert client.insert("nope", []) == {"insert_count": 0, "ids": []}
    assert client.upsert("nope", []) == {"upsert_count": 0, "ids": []}


def test_insert_wrong_data_type(client: MilvusClient) -> None:
    quick(client)
    with pytest.raises(TypeError, match="wrong type of argument 'data',expected 'Dict' or list of 'Dict', "
                                        "got 'str'"):
        client.insert("c", "x")
    with pytest.raises(DataNotMatchException, match="please check it. Detail: row 1 is a int"):  # pymilvus's text
        client.insert("c", [{"id": 1, "vector": [1, 2]}, 3])
    assert count(client, "c") == 0


def test_unknown_collection_and_partition(client: MilvusClient) -> None:
    with pytest.raises(DescribeCollectionException) as exc:
        client.insert("nope", [{"id": 1}])
    assert exc.value.code == 100
    assert exc.value.message == "can't find collection[database=default][collection=nope]"
    with pytest.raises(DescribeCollectionException):
        client.upsert("nope", [{"id": 1}])
    quick(client)
    with pytest.raises(MilvusException) as exc:
        client.insert("c", [{"id": 1, "vector": [1, 2]}], partition_name="nope")
    assert (exc.value.code, exc.value.message) == (200, "partition not found[partition=nope]")


def test_partition_name_on_partition_key_collection(client: MilvusClient) -> None:
    s = client.create_schema()
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("k", DataType.INT64, is_partition_key=True)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    client.create_collection("pk", schema=s, num_partitions=4)
    with pytest.raises(MilvusException, match="not support manually specifying the partition names if "
                                              "partition key mode is used"):
        client.insert("pk", [{"id": 1, "k": 1, "v": [1, 2]}], partition_name="_default")
    res = client.insert("pk", [{"id": i, "k": i, "v": [1, 2]} for i in range(10)])
    assert res["insert_count"] == 10
    # a primary key is unique across the key's hash partitions too
    with pytest.raises(MilvusException, match="already exists.*upsert"):
        client.insert("pk", [{"id": 3, "k": 4, "v": [1, 2]}])
    client.upsert("pk", [{"id": 3, "k": 9, "v": [5, 6]}])
    assert client.get("pk", ids=3) == [{"id": 3, "k": 9, "v": [5.0, 6.0]}]
    assert count(client, "pk") == 10
    # reads refuse partition names too, as Milvus's proxy does before looking them up (1100)
    for read in (lambda: client.query("pk", filter="id > 0", partition_names=["nope"]),
                 lambda: client.get("pk", ids=[1], partition_names=["_default_0"]),
                 lambda: client.search("pk", [[1, 2]], partition_names=["_default_0"])):
        with pytest.raises(MilvusException) as exc:
            read()
        assert (exc.value.code, exc.value.message) == (
            1100, "not support manually specifying the partition names if partition key mode is used: "
                  "invalid parameter")


# -- validation: one rule per test case ------------------------------------------------------------

BAD_ROWS = [
    # (row overrides, exception class, code, message fragment)
    ({"i8": None}, DataNotMatchException, 1,
     "The Input data type is inconsistent with defined schema, {i8} field should be a int, but got a "
     "{<class 'NoneType'>} instead."),
    ({"i8": "x"}, DataNotMatchException, 1, "{i8} field should be a int, but got a {<class 'str'>}"),
    ({"i8": 1.5}, DataNotMatchException, 1, "{i8} field should be a int, but got a {<class 'float'>}"),
    ({"i8": 128}, DataNotMatchException, 1, "Detail: Value out of range: 128"),
    ({"i16": -32769}, DataNotMatchException, 1, "Value out of range: -32769"),
    ({"i32": 2**31}, DataNotMatchException, 1, "Value out of range: 2147483648"),
    ({"f": "1.0"}, DataNotMatchException, 1, "{f} field should be a float"),
    ({"f": float("nan")}, MilvusException, 65535, "value 'NaN' is not a number or infinity"),
    ({"d": float("inf")}, MilvusException, 65535, "value '+Inf' is not a number or infinity"),
    ({"f": 1e39}, MilvusException, 1100, "out of the FLOAT (float32) range"),
    ({"b": "true"}, DataNotMatchException, 1, "{b} field should be a bool"),
    ({"s": 5}, DataNotMatchException, 1, "{s} field should be a varchar, but got a {<class 'int'>}"),
    ({"s": "ééé"}, MilvusException, 1100,
     "length of varchar field s exceeds max length, row number: 0, length: 6, max length: 5: invalid parameter"),
    ({"s": "a\x00b"}, MilvusException, 1100, "NUL character"),
    ({"j": "{bad json"}, DataNotMatchException, 1, "Invalid JSON string: "),
    ({"j": {1: "x"}}, DataNotMatchException, 1, "JSON key must be str."),
    ({"j": {"x": float("nan")}}, DataNotMatchException, 1, "Invalid JSON value"),
    ({"j": {"x": {1, 2}}}, DataNotMatchException, 1, "Invalid JSON value"),
    ({"a": [1, 2, 3, 4]}, MilvusException, 1100,
     "the length (4) of 0th array exceeds max capacity (3): invalid parameter[expected=valid length array]"
     "[actual=array length exceeds max capacity]"),
    ({"a": [1, "x"]}, DataNotMatchException, 1, "{a} field should be a array, but got a {<class 'list'>}"),
    ({"a": [2**40]}, DataNotMatchException, 1, "Value out of range"),
    ({"a": 5}, DataNotMatchException, 1, "{a} field should be a array, but got a {<class 'int'>}"),
    ({"sa": ["ab", "abcd"]}, MilvusException, 1100, 'length of Array array field "sa" exceeds max length, row '
     "number: 0, array index: 1, length: 4, max length: 3: invalid parameter"),
    ({"vec": [1.0, 2.0]}, MilvusException, 65535,   # Milvus 2.6 counts the batch's floats first
     "the length(2999) of float data should divide the dim(3) (row 537 of field vec has 2 dimensions)"),
    ({"vec": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}, MilvusException, 1100,   # they divide: the dims differ
     "the dim (6) of field data(vec) is not equal to schema dim (3) (row 537)"),
    ({"vec": [1.0, float("nan"), 2.0]}, MilvusException, 65535, "value 'NaN' is not a number or infinity"),
    ({"vec": [1.0, 2.0, 1e39]}, MilvusException, 65535, "value '+Inf' is not a number or infinity"),
    ({"vec": ["a", "b", "c"]}, DataNotMatchException, 1, "{vec} field should be a float_vector"),
    ({"vec": None}, DataNotMatchException, 1, "{vec} field should be a float_vector"),
    ({"vec": "abc"}, DataNotMatchException, 1, "{vec} field should be a float_vector"),
    ({"id": "7"}, DataNotMatchException, 1, "{id} field should be a int64, but got a {<class 'str'>}"),
    ({"extra": 1}, DataNotMatchException, 1,
     "Attempt to insert an unexpected field `extra` to collection without enabling dynamic field"),
]


@pytest.mark.parametrize("override, cls, code, fragment", BAD_ROWS,
                         ids=[repr(b[0])[:40] for b in BAD_ROWS])
def test_bad_value_in_a_batch_of_1000_writes_nothing(client: MilvusClient, override, cls, code,
                                                    fragment) -> None:
    typed(client)
    batch = [base_row(i) for i in range(1000)]
    batch[537] = base_row(537, **override)
    with pytest.raises(cls) as exc:
        client.insert("t", batch)
    assert type(exc.value) is cls
    assert exc.value.code == code
    assert fragment.replace("0th", "537th").replace("row number: 0,", "row number: 537,") in exc.value.message
    assert "537" in exc.value.message  # the row is named
    assert count(client, "t") == 0
    with pytest.raises(cls):
        client.upsert("t", batch)
    assert count(client, "t") == 0


def test_missing_field_message(client: MilvusClient) -> None:
    typed(client)
    row = base_row(1)
    del row["i8"]
    with pytest.raises(DataNotMatchException) as exc:
        client.insert("t", [base_row(0), row])
    assert exc.value.message.startswith(
        "Insert missed an field `i8` to collection without set nullable==true or set default_value")
    assert "row 1" in exc.value.message
    row = base_row(1)
    del row["id"]
    with pytest.raises(DataNotMatchException, match="missed an field `id`"):
        client.insert("t", [row])


def test_defaults_nulls_and_accepted_coercions(client: MilvusClient) -> None:
    typed(client)
    client.insert("t", [
        base_row(0),                                                   # missing nullable / default fields
        base_row(1, i32=None, f=3, d=2, b=1, s="ééa", j='{"k": [1, 2]}', a=np.array([1, 2]),
                 sa=("ab",), i8=np.int8(-128), vec=np.array([1, 2, 3], dtype=np.float64)),
        base_row(2, j=[1, "x"], i16=np.int16(5)),                       # JSON may be any JSON value
    ])
    got = {r["id"]: r for r in rows(client, "t")}
    assert got[0] == {"id": 0, "vec": pytest.approx([0.1, 0.2, 0.3]), "i8": 1, "i16": None, "i32": 7, "f": None,
                      "d": None, "b": None, "s": None, "j": None, "a": None, "sa": None}
    assert got[1]["i32"] == 7          # None for a field with a default takes the default
    assert got[1]["f"] == 3.0 and type(got[1]["f"]) is float
    assert got[1]["b"] is True
    assert got[1]["s"] == "ééa"
    assert got[1]["j"] == {"k": [1, 2]}  # a str given for JSON is parsed
    assert got[1]["a"] == [1, 2] and got[1]["sa"] == ["ab"] and got[1]["i8"] == -128
    assert got[1]["vec"] == [1.0, 2.0, 3.0]
    assert got[2]["j"] == [1, "x"] and got[2]["i16"] == 5


def test_numpy_scalar_default_values(client: MilvusClient) -> None:
    """e2e test_insert_multi_fields_none_with_default_value: pymilvus takes numpy scalars as
    default values (np.int32(1) for an INT32 field...); pgmilvus refused them."""
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    defaults = {"i8": (DataType.INT8, np.int8(-3)), "i16": (DataType.INT16, np.int16(300)),
                "i32": (DataType.INT32, np.int32(1)), "i64": (DataType.INT64, np.int64(2**40)),
                "f": (DataType.FLOAT, np.float32(1.5)), "d": (DataType.DOUBLE, np.float64(0.25)),
                "b": (DataType.BOOL, np.bool_(True)), "s": (DataType.VARCHAR, np.str_("abc"))}
    for name, (dtype, value) in defaults.items():
        schema.add_field(name, dtype, default_value=value, nullable=True, max_length=8)
    client.create_collection("c", schema=schema)
    described = {f["name"]: f.get("default_value") for f in client.describe_collection("c")["fields"]}
    expected = {"i8": -3, "i16": 300, "i32": 1, "i64": 2**40, "f": 1.5, "d": 0.25, "b": True, "s": "abc"}
    assert {k: described[k] for k in expected} == expected
    assert all(type(described[k]) is type(v) for k, v in expected.items())
    client.insert("c", [{"id": 1, "v": [1, 2]}, {"id": 2, "v": [1, 2], **dict.fromkeys(expected)}])
    assert rows(client, "c", output_fields=list(expected)) == [{"id": 1, **expected}, {"id": 2, **expected}]
    bad = client.create_schema()
    bad.add_field("id", DataType.INT64, is_primary=True)
    bad.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    bad.add_field("i8", DataType.INT8, default_value=np.int32(300))
    with pytest.raises(MilvusException) as exc:
        client.create_collection("bad", schema=bad)
    assert exc.value.message == ("default value out of range: invalid parameter[300 out of range -128 <= "
                                 "value <= 127]")


def test_json_field_holds_any_json_value_and_whole_field_filters_see_it(client: MilvusClient) -> None:
    """Milvus 2.6 stores any JSON value in a JSON field (objects, arrays, bare scalars; milvus#28519,
    #28602) and filters on the whole field compare its top-level value (issue 19, e2e cause #20).
    The 2.3.5 server and Milvus Lite 3.2.2 refuse bare scalars: docs/compatibility.md."""
    typed(client)
    values = {0: 5, 1: "x", 2: [1000, 2], 3: ["1000"], 4: {"k": 1}, 5: True, 6: 1.5, 7: None, 8: 9}
    client.insert("t", [base_row(i, j=v) for i, v in values.items() if i not in (1, 8)])
    client.upsert("t", [base_row(1, j='"x"'), base_row(8, j="9")])  # a str is JSON text
    assert {r["id"]: r["j"] for r in rows(client, "t", output_fields=["j"])} == values

    def ids(expr: str) -> list[int]:
        return sorted(r["id"] for r in client.query("t", filter=expr, output_fields=["id"]))

    assert ids("json_contains(j, 1000)") == [2]
    assert ids("json_contains(j, '1000')") == [3]
    assert ids("j < 10") == [0, 6, 8]
    assert ids("j / 1 == 1") == [6]            # exact division, as for a JSON path (filters.md)
    assert ids('j == "x"') == [1]
    assert ids("j == true") == [5]
    assert ids("j != 5") == [6, 8]  # only other numbers: a string, an array... is UNKNOWN (2.6, #50723)
    assert ids("j in [5, 9]") == [0, 8]
    assert ids('j["k"] == 1') == [4]


def test_dynamic_field_values(client: MilvusClient) -> None:
    quick(client)
    client.insert("c", [{"id": 1, "vector": [1, 2], "color": "red", "n": np.int64(3), "nested": {"a": [1]},
                         "$meta": {"m": True}}])
    assert client.get("c", 1, output_fields=["$meta"]) == [
        {"id": 1, "color": "red", "n": 3, "nested": {"a": [1]}, "m": True}]
    with pytest.raises(DataNotMatchException, match="dynamic field \\$meta must be a dict"):
        client.insert("c", [{"id": 2, "vector": [1, 2], "$meta": [1]}])
    with pytest.raises(DataNotMatchException, match="JSON key must be str"):
        client.insert("c", [{"id": 2, "vector": [1, 2], 5: "x"}])
    with pytest.raises(DataNotMatchException, match="Invalid JSON value"):
        client.insert("c", [{"id": 2, "vector": [1, 2], "x": float("nan")}])
    assert count(client, "c") == 1


def test_vector_types_round_trip(client: MilvusClient) -> None:
    s = client.create_schema()
    s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=8)
    s.add_field("bv", DataType.BINARY_VECTOR, dim=16)
    s.add_field("h", DataType.FLOAT16_VECTOR, dim=2)
    s.add_field("sp", DataType.SPARSE_FLOAT_VECTOR)
    s.add_field("i8v", DataType.INT8_VECTOR, dim=2)
    client.create_collection("v", schema=s)   # Milvus's limit: 4 vector fields; BFLOAT16 below
    client.insert("v", [
        {"id": "a", "bv": b"\x01\xff", "h": np.array([0.5, -2], dtype=np.float16),
         "sp": {3: 0.5, 1000: 1.25}, "i8v": np.array([-3, 7], dtype=np.int8)},
        {"id": "b", "bv": np.packbits([1] * 16), "h": [1.0, 2.0], "sp": [(2, 1.0), (0, 2.0)], "i8v": [1, 2]},
    ])
    a, b = client.get("v", ["a", "b"])
    assert a["bv"] == [b"\x01\xff"]
    assert a["h"] == [np.array([0.5, -2], dtype=np.float16).tobytes()]
    assert a["sp"] == {3: 0.5, 1000: 1.25}
    assert a["i8v"] == [np.array([-3, 7], dtype=np.int8).tobytes()]
    assert b["bv"] == [b"\xff\xff"] and b["sp"] == {0: 2.0, 2: 1.0}
    bad = [({"bv": b"\x01"}, "the dim (8) of field data(bv) is not equal to schema dim (16)"),
           ({"h": [1.0, 1e6]}, "16-bit float range"),
           ({"sp": {-1: 1.0}}, "out of range"),
           ({"sp": {1: float("inf")}}, "not a number or infinity"),
           ({"sp": "x"}, "sparse_float_vector"),
           ({"i8v": [1, 300]}, "INT8_VECTOR elements must be ints")]
    for override, fragment in bad:
        row = {"id": "c", "bv": b"\x00\x00", "h": [1, 1], "sp": {1: 1.0}, "i8v": [1, 1]}
        row.update(override)
        with pytest.raises(MilvusException) as exc:
            client.insert("v", [row])
        assert fragment in exc.value.message, (override, exc.value.message)
    assert count(client, "v") == 2
    s = client.create_schema()
    s.add_field("id", DataType.VARCHAR, is_primary=True, max_length=8)
    s.add_field("bf", DataType.BFLOAT16_VECTOR, dim=2)
    client.create_collection("w", schema=s)
    client.insert("w", [{"id": "a", "bf": np.array([1.5, 2], dtype=np.float32)}, {"id": "b", "bf": [0.25, 4.0]}])
    assert client.get("w", ["a"])[0]["bf"] == [bytes([0xC0, 0x3F, 0x00, 0x40])]  # bfloat16 1.5, 2.0 little-endian


# -- primary keys ---------------------------------------------------------------------------------------

def test_duplicate_primary_keys_are_refused_on_insert(client: MilvusClient) -> None:
    plain(client)
    client.create_partition("c", "p1")
    client.insert("c", [{"id": 1, "vector": [1, 2]}])
    # twice in one batch
    with pytest.raises(MilvusException) as exc:
        client.insert("c", [{"id": 2, "vector": [1, 2]}, {"id": 2, "vector": [1, 2]}])
    assert "duplicate primary key 2" in exc.value.message and "rows 0 and 1" in exc.value.message
    assert "upsert" in exc.value.message
    # already stored in the same partition
    with pytest.raises(MilvusException) as exc:
        client.insert("c", [{"id": 3, "vector": [1, 2]}, {"id": 1, "vector": [1, 2]}])
    assert "primary key 1 (row 1) already exists" in exc.value.message and "upsert()" in exc.value.message
    # already stored in another partition
    with pytest.raises(MilvusException, match="primary key 1 \\(row 0\\) already exists"):
        client.insert("c", [{"id": 1, "vector": [1, 2]}], partition_name="p1")
    assert rows(client, "c", output_fields=["id"]) == [{"id": 1}]
    # across chunks of one large call: the earlier chunk is rolled back too
    big = ({"id": i, "vector": [1, 2]} for i in range(10, 25_010))
    with pytest.raises(MilvusException, match="primary key 1 \\(row 25000\\) already exists"):
        client.insert("c", _chain(big, [{"id": 1, "vector": [1, 2]}]))
    assert count(client, "c") == 1


def _chain(*parts):
    for part in parts:
        yield from part


def test_varchar_primary_key(client: MilvusClient) -> None:
    quick(client, id_type="string", max_length=4)
    assert client.insert("c", [{"id": "ab", "vector": [1, 2]}])["ids"] == ["ab"]
    with pytest.raises(MilvusException, match="exceeds max length, row number: 0, length: 5, max length: 4"):
        client.insert("c", [{"id": "abcde", "vector": [1, 2]}])
    with pytest.raises(DataNotMatchException, match="should be a varchar"):
        client.insert("c", [{"id": 5, "vector": [1, 2]}])
    with pytest.raises(MilvusException, match="already exists"):
        client.insert("c", [{"id": "ab", "vector": [1, 2]}])


def test_auto_id(client: MilvusClient) -> None:
    quick(client, auto_id=True)
    res = client.insert("c", [{"vector": [1, 2]}, {"vector": [3, 4]}])
    assert res["insert_count"] == 2 and len(set(res["ids"])) == 2
    assert all(type(i) is int for i in res["ids"])
    assert sorted(r["id"] for r in rows(client, "c")) == sorted(res["ids"])
    with pytest.raises(MilvusException) as exc:
        client.insert("c", [{"vector": [1, 2]}, {"id": 5, "vector": [1, 2]}])
    assert exc.value.code == 1100
    assert exc.value.message.startswith("more fieldData has pass in: invalid parameter[expected=3][actual=4]")  # $meta counts
    assert "row 1" in exc.value.message
    client.alter_collection_properties("c", {"allow_insert_auto_id": "true"})
    res2 = client.insert("c", [{"id": 5, "vector": [1, 2]}, {"vector": [1, 2]}])
    assert res2["ids"][0] == 5 and res2["ids"][1] not in (5, *res["ids"])
    assert count(client, "c") == 4


def test_auto_id_varchar(client: MilvusClient) -> None:
    quick(client, id_type="string", max_length=32, auto_id=True)
    ids = client.insert("c", [{"vector": [1, 2]}])["ids"]
    assert type(ids[0]) is str and ids[0].isdigit()


def test_auto_id_varchar_keys_are_milvus_keys_whatever_max_length(client: MilvusClient) -> None:
    """e2e test_insert_with_pk_varchar_auto_id_true: Milvus generates its int64 ids in decimal
    (18-19 characters) even when max_length is smaller; pgmilvus raised a raw "value too long"."""
    schema = client.create_schema(auto_id=True)
    schema.add_field("pk", DataType.VARCHAR, is_primary=True, max_length=6)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    client.create_collection("c", schema=schema)
    ids = client.insert("c", [{"v": [1, 2]}, {"v": [3, 4]}])["ids"]
    assert len(ids) == 2 and all(type(i) is str and i.isdigit() and len(i) >= 18 for i in ids)
    assert sorted(r["pk"] for r in rows(client, "c")) == sorted(ids)
    assert client.describe_collection("c")["fields"][0]["params"] == {"max_length": 6}
    new = client.upsert("c", [{"pk": ids[0], "v": [5, 6]}])["ids"]   # names a generated key
    assert sorted(r["pk"] for r in rows(client, "c")) == sorted([ids[1], *new])
    client.alter_collection_properties("c", {"allow_insert_auto_id": "true"})
    with pytest.raises(MilvusException, match="max length: 19"):
        client.insert("c", [{"pk": "x" * 20, "v": [1, 2]}])


def test_upsert_on_auto_id_replaces_with_a_new_key(client: MilvusClient) -> None:
    """Milvus 2.6: the row names the entity it replaces; the replacement gets a new primary key."""
    quick(client, auto_id=True)
    old = client.insert("c", [{"vector": [1, 2], "tag": "a"}])["ids"][0]
    res = client.upsert("c", [{"id": old, "vector": [3, 4], "tag": "b"}])
    assert res["upsert_count"] == 1 and res["ids"][0] != old
    assert rows(client, "c") == [{"id": res["ids"][0], "vector": [3.0, 4.0], "tag": "b"}]
    with pytest.raises(DataNotMatchException, match="missed an field `id`"):
        client.upsert("c", [{"vector": [3, 4]}])
    client.alter_collection_properties("c", {"allow_insert_auto_id": "true"})
    keep = res["ids"][0]
    assert client.upsert("c", [{"id": keep, "vector": [5, 6]}])["ids"] == [keep]
    assert rows(client, "c") == [{"id": keep, "vector": [5.0, 6.0]}]


def test_partial_update_on_auto_id_gives_new_keys(client: MilvusClient) -> None:
    """Milvus master re-keys a partial update on auto_id as it does a whole upsert: the entity keeps
    its other fields, under a new key; a row naming no stored entity is inserted with a new key."""
    quick(client, auto_id=True)
    old = client.insert("c", [{"vector": [1, 2], "tag": "a"}, {"vector": [3, 4], "tag": "b"}])["ids"]
    res = client.upsert("c", [{"id": old[0], "tag": "z"}, {"id": 1, "vector": [5, 6], "tag": "n"}], partial_update=True)
    new = res["ids"]
    assert res["upsert_count"] == 2 and not set(new) & {old[0], old[1], 1}
    assert rows(client, "c") == [{"id": old[1], "vector": [3.0, 4.0], "tag": "b"},
                                 {"id": new[0], "vector": [1.0, 2.0], "tag": "z"},
                                 {"id": new[1], "vector": [5.0, 6.0], "tag": "n"}]
    client.alter_collection_properties("c", {"allow_insert_auto_id": "true"})
    assert client.upsert("c", [{"id": new[0], "tag": "k"}], partial_update=True)["ids"] == [new[0]]


# -- upsert ---------------------------------------------------------------------------------------------

def test_upsert_replaces_whole_entity(client: MilvusClient) -> None:
    quick(client)
    client.insert("c", [{"id": 1, "vector": [1, 2], "color": "red", "size": 3}])
    res = client.upsert("c", [{"id": 1, "vector": [5, 6], "color": "blue"}, {"id": 2, "vector": [7, 8]}])
    assert dict(res) == {"upsert_count": 2, "cost": 0, "ids": [1, 2]}
    assert str(res) == "{'upsert_count': 2, 'ids': [1, 2]}"
    # the dynamic key the new row lacks ("size") is gone, as on a Milvus server
    assert rows(client, "c") == [{"id": 1, "vector": [5.0, 6.0], "color": "blue"},
                                 {"id": 2, "vector": [7.0, 8.0]}]


def test_upsert_moves_entities_between_partitions(client: MilvusClient) -> None:
    quick(client)
    client.create_partition("c", "pA")
    client.insert("c", [{"id": i, "vector": [i, i]} for i in range(4)])
    client.upsert("c", [{"id": 1, "vector": [9, 9]}, {"id": 2, "vector": [8, 8]}], partition_name="pA")
    assert [r["id"] for r in rows(client, "c", partition_names=["_default"])] == [0, 3]
    assert [r["id"] for r in rows(client, "c", partition_names=["pA"])] == [1, 2]
    client.upsert("c", [{"id": 2, "vector": [7, 7]}])  # no partition_name: back to _default
    assert [r["id"] for r in rows(client, "c", partition_names=["_default"])] == [0, 2, 3]
    assert count(client, "c") == 4
    with pytest.raises(MilvusException, match="partition not found\\[partition=nope\\]"):
        client.upsert("c", [{"id": 2, "vector": [7, 7]}], partition_name="nope")


@pytest.mark.parametrize("pk_type", [DataType.INT64, DataType.VARCHAR])
def test_upsert_naming_a_key_twice_is_refused(client: MilvusClient, pk_type: DataType) -> None:
    """Milvus refuses it (e2e test_milvus_client_upsert_duplicate_pk_int64/varchar, code 1100); the
    whole call is one batch, also when a generator's rows are written in chunks."""
    quick(client, **({"id_type": "string", "max_length": 8} if pk_type == DataType.VARCHAR else {}))
    k = (lambda i: i) if pk_type == DataType.INT64 else str
    client.insert("c", [{"id": k(1), "vector": [0, 0], "v": 0}])
    calls = [
        ([{"id": k(1), "vector": [1, 1], "v": 1}, {"id": k(2), "vector": [2, 2], "v": 2},
          {"id": k(1), "vector": [3, 3], "v": 3}], 0, 2, {}),
        ([{"id": k(1), "vector": [1, 1], "v": 1}, {"id": k(1), "vector": [2, 2], "v": 2}], 0, 1,
         {"partial_update": True}),
        (_chain(({"id": k(i), "vector": [1, 1]} for i in range(10, 10_010)), [{"id": k(10), "vector": [1, 1]}]),
         0, 10_000, {}),
    ]
    for rows_, first, second, kwargs in calls:
        with pytest.raises(MilvusException) as exc:
            client.upsert("c", rows_, **kwargs)
        assert exc.value.code == 1100
        assert exc.value.message == (
            f"duplicate primary keys are not allowed in the same batch: invalid parameter (primary key "
            f"{k(1) if second < 10_000 else k(10)!r} in rows {first} and {second}; nothing was written: merge "
            "the two rows)")
    assert rows(client, "c") == [{"id": k(1), "vector": [0.0, 0.0], "v": 0}]
    with pytest.raises(MilvusException, match="duplicate primary key"):   # insert refuses them too
        client.insert("c", [{"id": k(3), "vector": [1, 1]}, {"id": k(3), "vector": [1, 1]}])
    assert count(client, "c") == 1


def test_upsert_is_all_or_nothing(client: MilvusClient) -> None:
    quick(client)
    client.insert("c", [{"id": i, "vector": [i, i]} for i in range(3)])
    with pytest.raises(MilvusException):
        client.upsert("c", [{"id": 0, "vector": [9, 9]}, {"id": 1, "vector": [1, 2, 3]}])
    assert client.get("c", 0)[0]["vector"] == [0.0, 0.0]


def test_partial_update(client: MilvusClient) -> None:
    typed(client, dynamic=True)
    client.create_partition("t", "pA")
    client.insert("t", [base_row(1, s="abc", color="red", size=2), base_row(2, s="x")])
    res = client.upsert("t", [{"id": 1, "s": "new", "color": "blue", "w": 1},
                              {"id": 3, "vec": [1, 1, 1], "i8": 3}], partial_update=True)
    assert dict(res) == {"upsert_count": 2, "cost": 0, "ids": [1, 3]}
    one = client.get("t", 1)[0]
    assert one["s"] == "new" and one["i8"] == 1 and one["vec"] == pytest.approx([0.1, 0.2, 0.3])
    assert (one["color"], one["size"], one["w"]) == ("blue", 2, 1)  # $meta keys merged
    assert client.get("t", 3)[0]["i8"] == 3  # a new entity is inserted
    # a new entity must be complete
    with pytest.raises(MilvusException, match=r"fieldSchema\(vec\) has no corresponding fieldData pass in"):
        client.upsert("t", [{"id": 4, "i8": 1}], partial_update=True)
    # invalid values are refused as on insert
    with pytest.raises(DataNotMatchException, match="Value out of range"):
        client.upsert("t", [{"id": 1, "i8": 1000}], partial_update=True)
    # with a partition_name the entity moves there; without, it stays where it is
    client.upsert("t", [{"id": 2, "b": True}], partial_update=True, partition_name="pA")
    assert [r["id"] for r in rows(client, "t", partition_names=["pA"])] == [2]
    client.upsert("t", [{"id": 2, "d": 1.5}], partial_update=True)
    assert client.get("t", 2, partition_names=["pA"])[0]["b"] is True


# -- delete ---------------------------------------------------------------------------------------------

def test_delete_by_ids_and_filter(client: MilvusClient) -> None:
    quick(client)
    client.create_partition("c", "pA")
    client.insert("c", [{"id": i, "vector": [i, i], "color": "red" if i % 2 else "blue"} for i in range(6)])
    client.insert("c", [{"id": i, "vector": [i, i], "color": "red"} for i in range(6, 9)], partition_name="pA")
    res = client.delete("c", ids=[0, 1, 100])
    assert dict(res) == {"delete_count": 2, "cost": 0}  # rows really deleted (Milvus would say 3)
    assert str(res) == "{'delete_count': 2}"
    assert client.delete("c", ids=2) == {"delete_count": 1, "cost": 0}
    assert client.delete("c", pks=[3]) == {"delete_count": 1, "cost": 0}
    # scoped to a partition: ids living elsewhere are untouched
    assert client.delete("c", ids=[4, 6], partition_name="pA")["delete_count"] == 1
    assert client.delete("c", filter='color == "red"', partition_name="pA")["delete_count"] == 2
    assert client.delete("c", filter="id >= {low}", filter_params={"low": 5})["delete_count"] == 1
    assert [r["id"] for r in rows(client, "c")] == [4]
    assert client.delete("c", filter="id > 1000") == {"delete_count": 0, "cost": 0}


def test_delete_argument_errors(client: MilvusClient) -> None:
    quick(client)
    with pytest.raises(DataTypeNotMatchException) as exc:
        client.delete("c")
    assert exc.value.message == "The type of expr must be string ,but <class 'NoneType'> is given."
    with pytest.raises(DataTypeNotMatchException):
        client.delete("c", ids=[])
    with pytest.raises(ParamError) as exc:
        client.delete("c", ids=[1], filter="id > 0")
    assert exc.value.message == "Ambiguous filter parameter, only one deletion condition can be specified."
    with pytest.raises(ParamError, match="Illegal str variables: {'filter': ''}, expect non-empty str"):
        client.delete("c", filter="")
    with pytest.raises(TypeError, match="wrong type of argument ids, expect list, int or str, got 'float'"):
        client.delete("c", ids=[1.5])
    with pytest.raises(MilvusException) as exc:
        client.delete("c", filter="id >")
    assert exc.value.code == 1100
    assert exc.value.message.startswith("failed to create delete plan: cannot parse expression: id >")
    assert exc.value.message.endswith(": invalid parameter")
    with pytest.raises(MilvusException) as exc:
        client.delete("c", ids=[1], partition_name="nope")
    assert (exc.value.code, exc.value.message) == (200, "Failed to get partition id: partition not found[partition=nope]")
    with pytest.raises(MilvusException, match="does not match the type of primary key"):
        client.delete("c", ids=["x"])


def test_delete_unknown_collection(client: MilvusClient) -> None:
    with pytest.raises(DescribeCollectionException) as exc:
        client.delete("nope", ids=[1])
    assert exc.value.code == 100
    with pytest.raises(MilvusException) as exc:
        client.delete("nope", filter="id > 0")
    assert type(exc.value) is MilvusException
    assert (exc.value.code, exc.value.message) == (100, "collection not found[database=default][collection=nope]")


# -- volume ---------------------------------------------------------------------------------------------

def test_large_generator_insert_streams_in_one_transaction(client: MilvusClient) -> None:
    plain(client)
    n = 60_000
    res = client.insert("c", ({"id": i, "vector": [i % 7, 1.0], "k": i % 3} for i in range(n)))
    assert res["insert_count"] == n and res["ids"][-1] == n - 1
    assert count(client, "c") == n
    # a bad row deep in a later chunk: nothing of the call stays
    bad = ({"id": n + i, "vector": [1.0, math.nan if i == 45_000 else 1.0]} for i in range(50_000))
    with pytest.raises(MilvusException, match="row 45000"):
        client.insert("c", bad)
    assert count(client, "c") == n
    res = client.upsert("c", ({"id": i, "vector": [0.0, 0.0]} for i in range(0, n, 2)))
    assert res["upsert_count"] == n // 2
    assert count(client, "c") == n
    # upsert replaced whole entities: even ids lost their dynamic "k"; odd ids with k == 1 remain
    assert client.delete("c", filter="k == 1")["delete_count"] == n // 6
