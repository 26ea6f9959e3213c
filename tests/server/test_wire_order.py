"""order_by_fields over the wire: unmodified pymilvus 3 against ``pgmilvus serve`` gets what
pgmilvus in process gives, for query ORDER BY and search ORDER BY, refusals included."""

from __future__ import annotations

import pytest

pytest.importorskip("pymilvus")

from pymilvus import DataType, MilvusException, SearchAggregation  # noqa: E402

NAME = "ordered"
Q = [[0.0, 0.0]]


@pytest.fixture
def shop(wire_client):
    s = wire_client.create_schema(enable_dynamic_field=True)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    s.add_field("price", DataType.DOUBLE, nullable=True)
    s.add_field("cat", DataType.VARCHAR, max_length=4)
    s.add_field("j", DataType.JSON)
    index = wire_client.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="L2")
    wire_client.create_collection(NAME, schema=s, index_params=index)
    wire_client.insert(NAME, [{"id": i, "v": [i / 20, 0.0], "price": None if i % 7 == 0 else float(i % 5),
                               "cat": "abc"[i % 3], "j": {"p": (i * 7) % 11}, "dyn": -i} for i in range(20)])
    return wire_client


@pytest.mark.parametrize("kwargs", [
    dict(order_by_fields=[{"field": "price", "order": "desc"}, {"field": "cat"}], limit=12),
    dict(order_by_fields=["cat:desc", "price:asc:nulls_first"], limit=7, offset=3),
    dict(order_by="price:desc:nulls_last,id:desc", limit=20),
    dict(order_by_fields=[], limit=4),
])
def test_query_order_matches_in_process(shop, local_client, kwargs) -> None:
    wire = shop.query(NAME, "id > 1", output_fields=["price"], **kwargs)
    local = local_client.query(NAME, "id > 1", output_fields=["price"], **kwargs)
    assert list(wire) == list(local)
    assert len(wire) == min(kwargs["limit"], 18)  # 18 rows have id > 1


@pytest.mark.parametrize("kwargs", [
    dict(order_by_fields=[{"field": "price"}], limit=6),
    dict(order_by_fields=[{"field": 'j["p"]', "order": "desc"}], limit=5, offset=2),
    dict(order_by_fields=[{"field": "dyn"}, {"field": "price", "order": "desc"}], limit=4),
    dict(order_by_fields=[{"field": "price", "order": "desc"}], limit=2, group_by_field="cat", group_size=2),
    dict(limit=2, group_by_fields=["cat"], group_size=2),
])
def test_search_order_matches_in_process(shop, local_client, kwargs) -> None:
    wire = shop.search(NAME, Q, output_fields=["price"], **kwargs)
    local = local_client.search(NAME, Q, output_fields=["price"], **kwargs)
    assert [[(h["id"], h["entity"]) for h in hits] for hits in wire] == \
           [[(h["id"], h["entity"]) for h in hits] for hits in local]


@pytest.mark.parametrize("call, code, message", [
    (lambda c: c.query(NAME, "", output_fields=["id"], order_by_fields=["price"]), 1100,
     "ORDER BY requires explicit limit: invalid parameter"),
    (lambda c: c.query(NAME, "", output_fields=["id"], limit=3, order_by_fields=["v"]), 1100,
     "order_by field 'v' has type FloatVector which is not sortable: invalid parameter: invalid parameter"),
    (lambda c: c.query(NAME, "", output_fields=["count(*)"], limit=3, order_by_fields=["price"]), 1100,
     "ORDER BY field 'price' is not valid: when using GROUP BY or aggregates"),
    (lambda c: c.query_iterator(NAME, batch_size=5, order_by_fields=["price"]).next(), 1100,
     "ORDER BY with iterator is not supported: invalid parameter"),
    (lambda c: c.search(NAME, Q, limit=3, order_by_fields=[{"field": "v"}]), 1100,
     "order_by field 'v' has unsortable type FloatVector"),
    (lambda c: c.search(NAME, Q, limit=3, order_by_fields=[{"field": "price", "order": "up"}]), 1100,
     "invalid order direction 'up' for field 'price', expected 'asc' or 'desc'"),
    (lambda c: c.search_iterator(NAME, Q, batch_size=3, order_by_fields=[{"field": "price"}]).next(), 1100,
     "order_by is not supported when using search iterator"),
    (lambda c: c.search(NAME, Q, limit=3, group_by_fields=["cat", "price"]), 3000,
     "grouping a search by several fields is not supported by pgmilvus"),
    (lambda c: c.search(NAME, Q, limit=3, search_aggregation=SearchAggregation(fields=["price"], size=2)), 1100,
     'group_by field "price": FLOAT / DOUBLE fields are not supported with search_aggregation'),
])
def test_refusals_as_in_process(shop, call, code, message) -> None:
    with pytest.raises(MilvusException) as exc:
        call(shop)
    assert exc.value.code == code
    assert message in exc.value.message
