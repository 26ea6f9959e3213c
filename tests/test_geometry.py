"""GEOMETRY fields as Milvus 2.6 has them: created, described, written as WKT, read back as the
WKT Milvus returns (data/wkt.normalize), nullable and defaulted; ST_* filters refused (3000).

Runs on the real embedded PostgreSQL, on both faces (``fresh_client``).
"""

from __future__ import annotations

import pytest

from pgmilvus import DataType
from pgmilvus.errors import DataNotMatchException, MilvusException, ParamError

NAME = "geo"


@pytest.fixture
def client(fresh_client):
    schema = fresh_client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("g", DataType.GEOMETRY, nullable=True)
    schema.add_field("d", DataType.GEOMETRY, default_value="POINT(0 0)")
    index = fresh_client.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="L2")
    fresh_client.create_collection(NAME, schema=schema, index_params=index)
    fresh_client.insert(NAME, [
        {"id": 1, "v": [0, 0], "g": "point(1 2)", "d": "LINESTRING(0 0,1 1)"},
        {"id": 2, "v": [0, 1], "g": None},
        {"id": 3, "v": [1, 1], "g": "POLYGON Z ((0 0 1,1 0 1,1 1 1,0 0 1))", "d": None},
    ])
    return fresh_client


EXPECTED = {1: {"g": "POINT (1 2)", "d": "LINESTRING (0 0, 1 1)"},
            2: {"g": None, "d": "POINT (0 0)"},
            3: {"g": "POLYGON Z ((0 0 1, 1 0 1, 1 1 1, 0 0 1))", "d": "POINT (0 0)"}}


def test_described_as_geometry(client) -> None:
    fields = {f["name"]: f for f in client.describe_collection(NAME)["fields"]}
    assert fields["g"]["type"] == DataType.GEOMETRY and fields["g"]["nullable"] is True
    assert fields["d"]["default_value"] == "POINT(0 0)"


def test_query_get_search_return_milvus_wkt(client) -> None:
    got = {r["id"]: {"g": r["g"], "d": r["d"]} for r in client.query(NAME, "id > 0", output_fields=["g", "d"])}
    assert got == EXPECTED
    assert [r["g"] for r in client.get(NAME, ids=[1])] == ["POINT (1 2)"]
    hits = client.search(NAME, [[0, 0]], limit=3, output_fields=["g"])[0]
    assert {h["id"]: h["entity"]["g"] for h in hits} == {k: v["g"] for k, v in EXPECTED.items()}


def test_upsert_normalizes(client) -> None:
    client.upsert(NAME, [{"id": 2, "v": [0, 1], "g": "MULTIPOINT((1 2),(3 4))", "d": "POINT EMPTY"}])
    assert client.get(NAME, ids=[2], output_fields=["g", "d"])[0] == \
        {"id": 2, "g": "MULTIPOINT (1 2, 3 4)", "d": "POINT EMPTY"}


@pytest.mark.parametrize("expr,ids", [
    ("g is null", [2]),
    ("g is not null", [1, 3]),
    ("d is not null and id < 3", [1, 2]),
])
def test_is_null(client, expr: str, ids: list) -> None:
    assert sorted(r["id"] for r in client.query(NAME, expr)) == ids


@pytest.mark.parametrize("expr,text", [
    ('ST_CONTAINS(g, "POINT (1 2)")', "ST_CONTAINS is not supported by pgmilvus: spatial predicates need PostGIS"),
    ('st_intersects(g, "POINT (1 2)")', "st_intersects is not supported"),
    ('ST_DWITHIN(g, "POINT (1 2)", 10)', "ST_DWITHIN is not supported"),
    ("ST_ISVALID(g)", "ST_ISVALID is not supported"),
    ('g == "POINT (1 2)"', "field g of type Geometry can only be tested with is null / is not null"),
])
def test_spatial_filters_refused(client, expr: str, text: str) -> None:
    with pytest.raises(MilvusException) as info:
        client.query(NAME, expr)
    assert info.value.code == 3000 and text in info.value.message


@pytest.mark.parametrize("value,exc,code,text", [
    ("POINT ()", MilvusException, 1001, "IO failed: syntax error: unexpected ')', expecting NUM at line 1, pos 7"),
    ("", MilvusException, 1001, "IO failed: syntax error: unexpected $end"),
    ("POLYGON ((0 0, 1 0, 1 1, 0 1))", MilvusException, 1001, "polygon ring not closed"),
    (5, DataNotMatchException, None, "{g} field should be a geometry"),
    ("POINT (" + "1 " * 40000 + ")", ParamError, None, "length of string exceeds max length"),
])
def test_bad_values(client, value, exc, code, text) -> None:
    with pytest.raises(exc) as info:
        client.insert(NAME, [{"id": 9, "v": [0, 0], "g": value}])
    assert text in str(info.value)
    if code is not None:
        assert info.value.code == code and "field g" in info.value.message


@pytest.mark.parametrize("default,text", [
    ("POINT (1", "invalid default value for geometry field: invalid parameter"),
    (5, "invalid default value for geometry field: invalid parameter"),
])
def test_bad_default(fresh_client, default, text) -> None:
    schema = fresh_client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("g", DataType.GEOMETRY, default_value=default)
    with pytest.raises(MilvusException) as info:
        fresh_client.create_collection("bad", schema=schema)
    assert info.value.code == 1100 and text in info.value.message


@pytest.mark.parametrize("field,index_type,shown,error", [
    ("g", "RTREE", "RTREE", None),
    ("g", "AUTOINDEX", "AUTOINDEX", None),
    ("g", "INVERTED", None, "INVERTED are not supported on Geometry field"),
    ("g", "STL_SORT", None, "STL_SORT are not supported on Geometry field"),
    ("id", "RTREE", None, "RTREE index can only be built on geometry field, got Int64"),
])
def test_rtree_index(client, field, index_type, shown, error) -> None:
    client.release_collection(NAME)
    index = client.prepare_index_params()
    index.add_index(field, index_type=index_type)
    if error:
        with pytest.raises(MilvusException) as info:
            client.create_index(NAME, index)
        assert info.value.code == 1100 and error in info.value.message
        return
    client.create_index(NAME, index)
    assert client.describe_index(NAME, field)["index_type"] == shown


def test_add_collection_field(client) -> None:
    client.add_collection_field(NAME, "late", DataType.GEOMETRY, nullable=True)
    client.insert(NAME, [{"id": 4, "v": [2, 2], "late": "POINT (3 4)"}])
    assert {r["id"]: r["late"] for r in client.query(NAME, "id > 0", output_fields=["late"])} == \
        {1: None, 2: None, 3: None, 4: "POINT (3 4)"}
