"""GEOMETRY fields as Milvus 2.6 has them: created, described, written as WKT, read back as the
WKT Milvus returns (data/wkt.normalize), nullable and defaulted; ST_* filters as segcore
evaluates them, by GEOS (filters/spatial.py), with and without an RTREE index.

Runs on the real embedded PostgreSQL, on both faces (``fresh_client``).
"""

from __future__ import annotations

import pytest

from pgmilvus import AnnSearchRequest, DataType, Function, FunctionType, RRFRanker
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


SQUARE = "POLYGON ((0 0, 3 0, 3 3, 0 3, 0 0))"
BOWTIE = "POLYGON ((0 0, 2 2, 2 0, 0 2, 0 0))"  # self-intersecting: stored, not valid
SHAPES = {10: "POINT (1 1)", 11: "POINT (5 5)", 12: "POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0))", 13: None,
          14: BOWTIE, 15: "LINESTRING (-1 1, 4 1)", 16: "POINT EMPTY", 17: "LINESTRING (3 0, 3 3)"}


@pytest.fixture
def shapes(client):
    client.insert(NAME, [{"id": k, "v": [0.5, 0.5], "g": g} for k, g in SHAPES.items()])
    return client


#: (filter, the ids of SHAPES it selects): GEOS's answers (shapely, the library segcore links).
SPATIAL = [
    (f"ST_WITHIN(g, '{SQUARE}')", [10, 12]),
    (f"st_within(g, '{SQUARE}')", [10, 12]),
    (f"not ST_WITHIN(g, '{SQUARE}')", [11, 14, 15, 16, 17]),  # a NULL geometry stays out
    ("ST_CONTAINS(g, 'POINT (1 1)')", [10, 12, 15]),
    ("ST_INTERSECTS(g, 'POINT (1 1)') or id == 11", [10, 11, 12, 14, 15]),
    ("ST_EQUALS(g, 'POINT (5 5)')", [11]),
    ("ST_EQUALS(g, 'POINT (1 1)') and id > 10", []),
    (f"ST_TOUCHES(g, '{SQUARE}')", [17]),
    (f"ST_CROSSES(g, '{SQUARE}')", [15]),
    ("ST_OVERLAPS(g, 'POLYGON ((1 1, 4 1, 4 4, 1 4, 1 1))')", [12, 14]),
    ("ST_ISVALID(g)", [10, 11, 12, 15, 16, 17]),
    ("not ST_ISVALID(g)", [14]),
    ("ST_ISVALID(g) and ST_INTERSECTS(g, 'POINT (1 1)')", [10, 12, 15]),
    ("ST_DWITHIN(g, 'POINT (1 1)', 0)", [10, 12, 14, 15]),  # polygons and lines at distance 0; empty: never
    ("ST_DWITHIN(g, 'POINT (5 5)', 10)", [11]),
    ("ST_DWITHIN(g, 'POINT (1 1)', 700000)", [10, 11, 12, 14, 15, 17]),  # 628 km by haversine
    ("g is null or ST_EQUALS(g, 'POINT (5 5)')", [11, 13]),
    # an and's other operands restrict the rows the test reads, never its answer
    (f"id in [10, 11, 12] and ST_WITHIN(g, '{SQUARE}')", [10, 12]),
    (f"not (id == 12 and ST_WITHIN(g, '{SQUARE}'))", [10, 11, 13, 14, 15, 16, 17]),
    (f"not (id < 12 and ST_WITHIN(g, '{SQUARE}') and ST_ISVALID(g))", [11, 12, 13, 14, 15, 16, 17]),
]


@pytest.mark.parametrize("expr,ids", SPATIAL)
def test_spatial_filters(shapes, expr: str, ids: list) -> None:
    assert sorted(r["id"] for r in shapes.query(NAME, f"id >= 10 and ({expr})")) == ids


def test_spatial_filters_with_an_rtree_index(shapes) -> None:
    """An RTREE index is a GiST index of boxes (wkt_box): the same answers, its pass reading only
    the rows whose box meets the query's."""
    index = shapes.prepare_index_params()
    index.add_index("g", index_type="RTREE")
    shapes.create_index(NAME, index)
    for expr, ids in SPATIAL:
        assert sorted(r["id"] for r in shapes.query(NAME, f"id >= 10 and ({expr})")) == ids, expr


def test_dwithin_at_the_edge_of_the_rtree_box(client) -> None:
    """Points just inside and outside 10 km (haversine) north of and east of the query point: the
    index's box must hold every row within, at 60 degrees north as at the equator."""
    index = client.prepare_index_params()
    index.add_index("g", index_type="RTREE")
    client.create_index(NAME, index)
    rows = {30: "POINT (0 0.0899)", 31: "POINT (0 0.0901)", 32: "POINT (0.1797 60)", 33: "POINT (0.1801 60)"}
    client.insert(NAME, [{"id": k, "v": [0, 0], "g": g} for k, g in rows.items()])
    near = lambda lat: client.query(NAME, f"id >= 30 and ST_DWITHIN(g, 'POINT (0 {lat})', 10000)")  # noqa: E731
    assert [r["id"] for r in near(0)] == [30]
    assert [r["id"] for r in near(60)] == [32]


def test_spatial_filters_agree_with_shapely(shapes) -> None:
    """Each binary predicate on every shape, against shapely's own answer."""
    import shapely

    query = shapely.from_wkt(SQUARE)
    for name in ("equals", "touches", "overlaps", "crosses", "contains", "intersects", "within"):
        expected = sorted(k for k, g in SHAPES.items() if g and getattr(shapely, name)(shapely.from_wkt(g), query))
        got = shapes.query(NAME, f"id >= 10 and ST_{name.upper()}(g, '{SQUARE}')")
        assert sorted(r["id"] for r in got) == expected, name


def test_spatial_filters_in_every_read(shapes) -> None:
    inside = f"id >= 10 and ST_WITHIN(g, '{SQUARE}')"
    hits = shapes.search(NAME, [[0.5, 0.5]], filter=inside, limit=10)[0]
    assert sorted(h["id"] for h in hits) == [10, 12]
    boosted = Function(name="b", input_field_names=[], function_type=FunctionType.RERANK,
                       params={"reranker": "boost", "filter": "id == 12", "weight": 2.0})
    assert sorted(h["id"] for h in shapes.search(NAME, [[0.5, 0.5]], filter=inside, limit=10, ranker=boosted)[0]) == [
        10, 12]
    fused = shapes.hybrid_search(NAME, [AnnSearchRequest([[0.5, 0.5]], "v", {}, 10, expr=inside),
                                        AnnSearchRequest([[0.5, 0.5]], "v", {}, 10, expr="id == 11")], RRFRanker(), 10)
    assert sorted(h["id"] for h in fused[0]) == [10, 11, 12]
    assert shapes.query(NAME, inside, output_fields=["count(*)"])[0]["count(*)"] == 2
    template = shapes.query(NAME, "ST_CONTAINS(g, {p}) and id >= 10", filter_params={"p": "POINT (1 1)"})
    assert sorted(r["id"] for r in template) == [10, 12, 15]
    pages = shapes.query_iterator(NAME, batch_size=1, filter=inside)
    assert [r["id"] for r in pages.next() + pages.next() + pages.next()] == [10, 12]
    found = shapes.search_iterator(NAME, [[0.5, 0.5]], batch_size=1, filter=inside, limit=5)
    assert sorted(h["id"] for h in found.next() + found.next() + found.next()) == [10, 12]
    found.close()
    pages.close()
    shapes.insert(NAME, [{"id": 20, "v": [0.5, 0.5], "g": "POINT (2 2)"}])  # the next read sees it
    assert sorted(r["id"] for r in shapes.query(NAME, inside)) == [10, 12, 20]
    assert shapes.delete(NAME, filter=inside)["delete_count"] == 3
    assert sorted(r["id"] for r in shapes.query(NAME, "id >= 10")) == [11, 13, 14, 15, 16, 17]


def _plan_error(expr: str, detail: str) -> str:
    return f"failed to create query plan: cannot parse expression: {expr}, error: {detail}: invalid parameter"


#: (filter, filter_params, code, the whole message): Milvus's parser checks (VisitSpatialBinary,
#: VisitSTDWithin, VisitSTIsValid, FillGISFunctionFilterExpressionValue).
SPATIAL_REFUSED = [
    ("ST_WITHIN(v, 'POINT (1 1)')", None, 1100, _plan_error(
        "ST_WITHIN(v, 'POINT (1 1)')", "column 1: spatial operation are only supported on geometry fields now, "
        "got: ST_WITHIN(v,'POINT (1 1)')")),
    ("ST_ISVALID(id)", None, 1100, _plan_error(
        "ST_ISVALID(id)", "column 1: STIsValid operation are only supported on geometry fields now, got: "
        "ST_ISVALID(id)")),
    ("ST_DWITHIN(id, 'POINT (1 1)', 5)", None, 1100, _plan_error(
        "ST_DWITHIN(id, 'POINT (1 1)', 5)", "column 1: ST_DWITHIN operation are only supported on geometry fields "
        "now, got: ST_DWITHIN(id,'POINT (1 1)',5)")),
    ("ST_WITHIN(nope, 'POINT (1 1)')", None, 1100, _plan_error(
        "ST_WITHIN(nope, 'POINT (1 1)')", "column 11: field nope not exist")),
    ("ST_WITHIN(g, 5)", None, 1100, _plan_error(
        "ST_WITHIN(g, 5)", "column 14: WKT string should be a string literal or template variable, got: 5")),
    ("ST_WITHIN(g, {p})", {"p": 3}, 1100, _plan_error(
        "ST_WITHIN(g, {p})", "column 14: the value of GIS WKT template variable {p} is not string")),
    ("ST_WITHIN(g, {q})", {"p": 3}, 1100, _plan_error(
        "ST_WITHIN(g, {q})", "column 14: the value of expression template variable name {q} is not found "
                             "(give it in filter_params)")),
    ("ST_DWITHIN(g, 'LINESTRING (0 0, 1 1)', 5)", None, 1100, _plan_error(
        "ST_DWITHIN(g, 'LINESTRING (0 0, 1 1)', 5)", "column 15: only supports POINT geometry: "
                                                     "LINESTRING (0 0, 1 1)")),
    ("ST_DWITHIN(g, 'POINT (1 1)', -5)", None, 1100, _plan_error(
        "ST_DWITHIN(g, 'POINT (1 1)', -5)", "column 30: distance parameter must be non-negative, got: -5.000000")),
    ("ST_DWITHIN(g, 'POINT (1 1)', 'far')", None, 1100, _plan_error(
        "ST_DWITHIN(g, 'POINT (1 1)', 'far')", "column 30: distance parameter must be a numeric value (int or "
                                               "float), got: 'far'")),
    ("ST_WITHIN(g)", None, 1100, _plan_error("ST_WITHIN(g)", "column 1: ST_WITHIN takes 2 arguments, got 1")),
    ('g == "POINT (1 2)"', None, 3000, _plan_error(
        'g == "POINT (1 2)"', "column 1: field g of type Geometry can only be tested with is null / is not null or "
        "a spatial function: test geometries with ST_EQUALS, ST_TOUCHES, ST_OVERLAPS, ST_CROSSES, ST_CONTAINS, "
        "ST_INTERSECTS, ST_WITHIN, ST_DWITHIN or ST_ISVALID")),
]


@pytest.mark.parametrize("expr,params,code,message", SPATIAL_REFUSED)
def test_spatial_filters_refused(client, expr: str, params, code: int, message: str) -> None:
    with pytest.raises(MilvusException) as info:
        client.query(NAME, expr, filter_params=params)
    assert (info.value.code, info.value.message) == (code, message)


def test_bad_query_wkt_is_go_geoms_error(client) -> None:
    with pytest.raises(MilvusException) as info:
        client.query(NAME, "ST_WITHIN(g, 'POINT (1 1')")
    assert info.value.code == 1100 and "syntax error: unexpected $end, expecting ')' at line 1, pos 10" in (
        info.value.message)


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
