"""upsert(field_ops=...): ARRAY_APPEND / ARRAY_REMOVE partial updates (Milvus 2.6), real Postgres."""

from __future__ import annotations

import pytest

from pgmilvus import DataType, MilvusClient, MilvusException, ParamError


@pytest.fixture
def client(fresh_client):
    schema = fresh_client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("tags", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=4, max_length=8,
                     nullable=True)
    schema.add_field("nums", DataType.ARRAY, element_type=DataType.INT64, max_capacity=4, nullable=True)
    schema.add_field("name", DataType.VARCHAR, max_length=8)
    fresh_client.create_collection("c", schema=schema)
    fresh_client.insert("c", [{"id": 1, "v": [1, 2], "tags": ["a", "b"], "nums": [1, 2, 1], "name": "x"},
                              {"id": 2, "v": [1, 2], "tags": None, "nums": None, "name": "y"}])
    return fresh_client


def _rows(client: MilvusClient) -> dict:
    return {r["id"]: (r["tags"], r["nums"], r["name"])
            for r in client.query("c", filter="id > 0", output_fields=["tags", "nums", "name"])}


#: (rows, field_ops, the stored (tags, nums, name) of entities 1 and 2 afterwards)
CASES = [
    ([{"id": 1, "tags": ["c"]}, {"id": 2, "tags": ["z"]}], {"tags": "array_append"},
     {1: (["a", "b", "c"], [1, 2, 1], "x"), 2: (["z"], None, "y")}),          # a NULL array counts as empty
    ([{"id": 1, "nums": [1]}], {"nums": "ARRAY_REMOVE"}, {1: (["a", "b"], [2], "x"), 2: (None, None, "y")}),
    ([{"id": 1, "tags": ["q"], "name": "n"}], {"tags": 1}, {1: (["a", "b", "q"], [1, 2, 1], "n"), 2: (None, None, "y")}),
    ([{"id": 1, "tags": None}], {"tags": "array_append"}, {1: (["a", "b"], [1, 2, 1], "x"), 2: (None, None, "y")}),
    ([{"id": 1, "v": [0, 0], "tags": ["r"], "name": "x"}], {"tags": "replace"},  # replace only: a whole upsert
     {1: (["r"], None, "x"), 2: (None, None, "y")}),
    ([{"id": 2, "nums": [5]}], {"nums": 2}, {1: (["a", "b"], [1, 2, 1], "x"), 2: (None, [], "y")}),
    ([{"id": 3, "v": [0, 1], "tags": ["new"], "name": "w"}], {"tags": "array_append"},   # new: inserted as given
     {1: (["a", "b"], [1, 2, 1], "x"), 2: (None, None, "y"), 3: (["new"], None, "w")}),
]


@pytest.mark.parametrize("rows, ops, expected", CASES)
def test_field_ops_merge_arrays(client, rows, ops, expected) -> None:
    assert client.upsert("c", rows, field_ops=ops)["upsert_count"] == len(rows)
    assert _rows(client) == expected


#: (rows, field_ops, error type, code, Milvus's text)
REFUSED = [
    ([{"id": 1, "tags": ["1", "2", "3"]}], {"tags": "array_append"}, MilvusException, 65535,
     "array length 5 exceeds max_capacity 4"),
    ([{"id": 1, "tags": list("12345")}], {"tags": "array_append"}, MilvusException, 1100,
     'ARRAY_APPEND payload for field "tags" row 0 has length 5 exceeding max_capacity 4: invalid parameter'),
    ([{"id": 1, "name": "q"}], {"name": "array_append"}, MilvusException, 1100,
     'op ARRAY_APPEND requires Array field, but field "name" is VarChar: invalid parameter'),
    ([{"id": 1, "tags": ["q"]}], {"id": "array_remove"}, MilvusException, 1100,
     'field "id" is the primary key and cannot carry a partial-update op: invalid parameter'),
    ([{"id": 1, "tags": ["q"]}], {"nope": "array_remove"}, MilvusException, 1100,
     'field "nope" not found in collection schema: invalid parameter'),
    ([{"id": 1, "name": "q"}], {"tags": "array_append"}, MilvusException, 1100,
     'partial-update op targets field "tags" not present in fields_data: invalid parameter'),
    ([{"id": 1, "tags": ["q"]}], {"tags": "append"}, ParamError, 1, "unknown field_op alias 'append' for field 'tags'"),
    ([{"id": 1, "tags": ["q"]}], {"tags": 7}, ParamError, 1, "invalid field_op enum value 7 for field 'tags'"),
    ([{"id": 1, "tags": ["q"]}], {"tags": True}, ParamError, 1, "unsupported field_op type bool for field 'tags'"),
]


@pytest.mark.parametrize("rows, ops, kind, code, text", REFUSED, ids=[c[4][:40] for c in REFUSED])
def test_field_ops_refusals_write_nothing(client, rows, ops, kind, code, text) -> None:
    before = _rows(client)
    with pytest.raises(kind) as info:
        client.upsert("c", rows, field_ops=ops)
    assert (info.value.code, info.value.message) == (code, text)
    assert _rows(client) == before
