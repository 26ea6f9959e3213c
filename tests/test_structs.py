"""ARRAY<STRUCT> fields (Milvus 2.6 / master): schema checks, writes, reads and schema changes.

A struct array is stored one column per sub-field (``clips[emb]``: ``vector(4)[]``, ``clips[label]``:
``varchar(16)[]``...); these tests look at what a user sees: describe_collection, the rows a query
returns, and the refusals in Milvus's (or pymilvus's) words.
"""

from __future__ import annotations

import pytest

from pgmilvus import CollectionSchema, DataType as D, MilvusException, StructFieldSchema
from pgmilvus.errors import DataNotMatchException, ParamError


def struct(*subs: tuple, nullable: bool = False) -> StructFieldSchema:
    out = StructFieldSchema(nullable=nullable)
    for name, dtype, kwargs in subs:
        out.add_field(name, dtype, **kwargs)
    return out


EMB = ("emb", D.FLOAT_VECTOR, {"dim": 4})
LABEL = ("label", D.VARCHAR, {"max_length": 16})
N = ("n", D.INT64, {})


def schema(*structs_: tuple, vector: bool = True) -> CollectionSchema:
    """id, v (unless ``vector`` is False), then each (name, StructFieldSchema, add_field kwargs)."""
    out = CollectionSchema()
    out.add_field("id", D.INT64, is_primary=True)
    if vector:
        out.add_field("v", D.FLOAT_VECTOR, dim=4)
    for name, sub, kwargs in structs_:
        out.add_field(name, D.ARRAY, element_type=D.STRUCT, struct_schema=sub, **kwargs)
    return out


# (struct array given to add_field, add_field kwargs, exception, message): create-time refusals
BAD_STRUCTS = [
    (struct(EMB), {}, ParamError, "Param max_capacity is required when datatype is STRUCT"),
    (struct(), {"max_capacity": 4}, ParamError, "Struct field must have at least one field"),
    (struct(("a", D.INT64, {"is_partition_key": True})), {"max_capacity": 4}, ParamError,
     "Field 'a' in struct 'clips' cannot be partition key"),
    (struct(("a", D.INT64, {"nullable": True})), {"max_capacity": 4}, ParamError,
     "Field 'a' in struct 'clips' cannot be nullable individually, set nullable on the struct instead"),
    (struct(("a", D.INT64, {"default_value": 1})), {"max_capacity": 4}, ParamError,
     "Field 'a' in struct 'clips' cannot have default value"),
    (struct(N, N), {"max_capacity": 4}, ParamError, "Duplicate field names in struct 'clips': {'n'}"),
    (struct(("j", D.JSON, {})), {"max_capacity": 4}, MilvusException, "element type JSON is not supported"),
    (struct(("g", D.GEOMETRY, {})), {"max_capacity": 4}, MilvusException, "element type Geometry is not supported"),
    (struct(("s", D.SPARSE_FLOAT_VECTOR, {})), {"max_capacity": 4}, MilvusException,
     "Unsupported element type SparseFloatVector of ArrayOfVector field s, only fixed dimension vector types "
     "are supported"),
    (struct(("e", D.FLOAT_VECTOR, {"dim": 0})), {"max_capacity": 4}, MilvusException,
     "invalid dimension: 0. should be in range 2 ~ 32768"),
    (struct(("e", D.FLOAT_VECTOR, {})), {"max_capacity": 4}, MilvusException,
     "dimension is not defined in field type params of field e"),
    (struct(("l", D.VARCHAR, {})), {"max_capacity": 4}, MilvusException,
     "type param(max_length) should be specified for the field(l) of collection c: missing parameter"),
    (struct(EMB), {"max_capacity": 0}, MilvusException, "the maximum capacity specified for a Array should be in (0, 4096]"),
    (struct(EMB), {"max_capacity": 5000}, MilvusException,
     "the maximum capacity specified for a Array should be in (0, 4096]"),
    (struct(("RowID", D.INT64, {})), {"max_capacity": 4}, MilvusException,
     'field name "RowID" is reserved for internal use and cannot be used in user schemas'),
    (struct(("1a", D.INT64, {})), {"max_capacity": 4}, MilvusException,
     "Invalid field name: 1a. The first character of a field name must be an underscore or letter."),
]


@pytest.mark.parametrize("sub, kwargs, cls, message", BAD_STRUCTS)
def test_bad_struct(sub: StructFieldSchema, kwargs: dict, cls: type, message: str) -> None:
    with pytest.raises(cls) as info:
        schema(("clips", sub, kwargs)).verify("c")
    assert message in info.value.message


@pytest.mark.parametrize("dtype, message", [
    (D.ARRAY, "Struct field schema does not support Array, ArrayOfVector or Struct"),
    (D.STRUCT, "Struct field schema does not support Array, ArrayOfVector or Struct"),
])
def test_nested_types_refused_by_add_field(dtype: D, message: str) -> None:
    with pytest.raises(ParamError, match=message):
        StructFieldSchema().add_field("x", dtype)


def test_names_shared_across_structs_but_not_with_fields() -> None:
    ok = schema(("a", struct(N, EMB), {"max_capacity": 2}), ("b", struct(N), {"max_capacity": 2}))
    ok.verify("c")  # the same sub-field name in two structs, and a struct vector makes the vector count
    schema(("s", struct(EMB), {"max_capacity": 2}), vector=False).verify("c")
    with pytest.raises(MilvusException, match="duplicated field name v"):
        schema(("v", struct(N), {"max_capacity": 2})).verify("c")


def test_counts_include_sub_fields() -> None:
    many = struct(*[(f"f{i}", D.INT64, {}) for i in range(62)])
    with pytest.raises(MilvusException, match="maximum field's number should be limited to 64"):
        schema(("s", many, {"max_capacity": 2})).verify("c")


@pytest.fixture
def clips(fresh_client):
    cli = fresh_client
    cli.create_collection("c", schema=schema(("clips", struct(EMB, LABEL, N), {"max_capacity": 3}),
                                              ("tags", struct(N), {"max_capacity": 2, "nullable": True})))
    return cli


def element(i: int, j: int) -> dict:
    return {"emb": [float(i), float(j), 0.5, 0.25], "label": f"l{i}{j}", "n": 10 * i + j}


def row(i: int, count: int = 2, tags: object = None) -> dict:
    out = {"id": i, "v": [0.5] * 4, "clips": [element(i, j) for j in range(count)]}
    if tags is not None:
        out["tags"] = tags
    return out


def test_describe(clips) -> None:
    fields = clips.describe_collection("c")["fields"]
    assert fields[2:] == [
        {"field_id": 102, "name": "clips", "description": "", "type": D.ARRAY, "element_type": D.STRUCT,
         "params": {"max_capacity": 3},
         "struct_fields": [{"field_id": 103, "name": "emb", "type": D.FLOAT_VECTOR, "description": "", "params": {"dim": 4}},
                           {"field_id": 104, "name": "label", "type": D.VARCHAR, "description": "",
                            "params": {"max_length": 16}},
                           {"field_id": 105, "name": "n", "type": D.INT64, "description": ""}]},
        {"field_id": 106, "name": "tags", "description": "", "type": D.ARRAY, "element_type": D.STRUCT,
         "params": {"max_capacity": 2}, "nullable": True,
         "struct_fields": [{"field_id": 107, "name": "n", "type": D.INT64, "description": ""}]}]


def test_insert_and_read_back(clips) -> None:
    clips.insert("c", [row(1), row(2, 0, tags=[{"n": 7}]), row(3, 3)])
    got = {r["id"]: r for r in clips.query("c", "id > 0", output_fields=["clips", "tags"])}
    assert got[1]["clips"] == [element(1, 0), element(1, 1)] and got[1]["tags"] is None
    assert got[2]["clips"] == [] and got[2]["tags"] == [{"n": 7}]
    assert got[3]["clips"] == [element(3, j) for j in range(3)]
    # one sub-field: the struct's key, each element with that sub-field only (pymilvus's shape)
    assert clips.get("c", ids=[3], output_fields=["clips[n]"]) == [{"id": 3, "clips": [{"n": 30}, {"n": 31}, {"n": 32}]}]
    assert set(clips.query("c", "id == 1")[0]) == {"id", "v", "clips", "tags"}


# (the row's clips value, exception, message): pymilvus's client-side texts, then the server's
BAD_VALUES = [
    ((element(1, 0),), DataNotMatchException, "Detail: Field 'clips': Expected list, got tuple"),
    (None, DataNotMatchException, "Detail: Field 'clips': Expected list, got NoneType"),
    (["x"], DataNotMatchException, "Element at index 0 must be dict, got str"),
    ([{"emb": [1, 2, 3, 4], "n": 1}], DataNotMatchException, "Element at index 0 missing required fields: {'label'}"),
    ([dict(element(1, 0), extra=1)], DataNotMatchException, "Element at index 0 has unexpected fields: {'extra'}"),
    ([dict(element(1, 0), label=None)], DataNotMatchException, "Field 'label' in element at index 0 cannot be None"),
    ([element(1, 0)] * 4, MilvusException, "the length (4) of array of vector field clips[emb] exceeds max capacity (3)"),
    ([dict(element(1, 0), label="x" * 17)], MilvusException,
     'length of Array array field "clips[label]" exceeds max length, row number: 0, array index: 0, length: 17, '
     "max length: 16"),
    ([dict(element(1, 0), emb=[1.0, 2.0])], MilvusException, "the dim (2) of field data(clips[emb]) is not equal to schema dim (4)"),
]


@pytest.mark.parametrize("value, cls, message", BAD_VALUES)
def test_bad_values(clips, value: object, cls: type, message: str) -> None:
    with pytest.raises(cls) as info:
        clips.insert("c", [{"id": 1, "v": [0.5] * 4, "clips": value}])
    assert message in info.value.message
    assert clips.query("c", "", output_fields=["count(*)"])[0]["count(*)"] == 0


def test_missing_struct(clips) -> None:
    with pytest.raises(DataNotMatchException, match="Insert missed an field `clips` to collection"):
        clips.insert("c", [{"id": 1, "v": [0.5] * 4}])


def test_upserts(clips) -> None:
    clips.insert("c", [row(1), row(2, tags=[{"n": 1}])])
    clips.upsert("c", [row(1, 1)])
    clips.upsert("c", [{"id": 2, "clips": [element(9, 9)]}], partial_update=True)  # replaced whole, tags kept
    got = {r["id"]: r for r in clips.query("c", "id > 0", output_fields=["clips", "tags"])}
    assert got[1]["clips"] == [element(1, 0)] and got[2] == {"id": 2, "clips": [element(9, 9)], "tags": [{"n": 1}]}
    with pytest.raises(MilvusException, match=r"structFieldSchema\(clips\) has no corresponding fieldData pass in"):
        clips.upsert("c", [{"id": 5, "v": [0.5] * 4}], partial_update=True)
    with pytest.raises(DataNotMatchException, match="Partial struct update is unsupported for struct sub-field "
                                                    "`clips\\[n\\]`; update the whole struct field `clips` instead"):
        clips.upsert("c", [{"id": 1, "clips[n]": [1]}], partial_update=True)
    with pytest.raises(DataNotMatchException, match="Struct sub-field `clips\\[n\\]` cannot be used as a top-level field"):
        clips.upsert("c", [dict(row(1), **{"clips[n]": [1]})])
    clips.delete("c", ids=[1])
    assert [r["id"] for r in clips.query("c", "id > 0")] == [2]


def test_add_alter_and_drop_a_struct(fresh_client) -> None:
    cli = fresh_client
    cli.create_collection("c", schema=schema())
    cli.insert("c", [{"id": 1, "v": [0.5] * 4}])
    with pytest.raises(ParamError, match="Adding struct field to existing collection requires nullable=True"):
        cli.add_collection_struct_field("c", "clips", struct(EMB, LABEL), 4, nullable=False)
    cli.add_collection_struct_field("c", "clips", struct(EMB, LABEL), 4)
    with pytest.raises(MilvusException, match="duplicated field name clips"):
        cli.add_collection_struct_field("c", "clips", struct(N), 4)
    with pytest.raises(MilvusException, match="not support to add system field, field name = RowID"):
        cli.add_collection_struct_field("c", "RowID", struct(N), 4)
    cli.insert("c", [{"id": 2, "v": [0.5] * 4, "clips": [{"emb": [1, 2, 3, 4], "label": "a"}]}])
    assert cli.query("c", "id > 0", output_fields=["clips"]) == [
        {"id": 1, "clips": None}, {"id": 2, "clips": [{"emb": [1.0, 2.0, 3.0, 4.0], "label": "a"}]}]
    cli.alter_collection_field("c", "clips[emb]", {"mmap.enabled": True})
    cli.alter_collection_field("c", "clips", {"warmup": "sync"})
    cli.alter_collection_field("c", "clips", {"field.description": "video clips"})
    cli.alter_collection_field("c", "clips[label]", {"field.description": "what is shown"})
    struct_desc = next(f for f in cli.describe_collection("c")["fields"] if f["name"] == "clips")
    assert struct_desc["description"] == "video clips"
    assert [f["description"] for f in struct_desc["struct_fields"]] == ["", "what is shown"]
    for kwargs, message in [({"field_name": "label"}, "cannot drop sub-field of struct array field: clips.label"),
                            ({"field_name": "clips[label]"}, "field not found: clips[label]"),
                            ({"field_id": 104}, "cannot drop sub-field of struct array field: clips.label")]:
        with pytest.raises(MilvusException, match=message.replace("[", r"\[").replace("]", r"\]")):
            cli.drop_collection_field("c", **kwargs)
    with pytest.raises(MilvusException, match=" can not modify the maxlength for non-string types"):
        cli.alter_collection_field("c", "clips[label]", {"max_length": 3})
    cli.drop_collection_field("c", field_name="clips")
    assert cli.query("c", "id > 0") == [{"id": 1, "v": [0.5] * 4}, {"id": 2, "v": [0.5] * 4}]
    assert [f["name"] for f in cli.describe_collection("c")["fields"]] == ["id", "v"]
