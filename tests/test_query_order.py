"""query(..., order_by_fields=...): rows sorted by scalar fields, Milvus master's rules and texts."""

from __future__ import annotations

import pytest

from pgmilvus import DataType, MilvusClient
from pgmilvus.errors import MilvusException

CATS = ["b", "a", "B", "c", "A"]


@pytest.fixture
def shop(fresh_client) -> MilvusClient:
    c = fresh_client
    s = c.create_schema(enable_dynamic_field=True)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    s.add_field("price", DataType.DOUBLE)
    s.add_field("cat", DataType.VARCHAR, max_length=8)
    s.add_field("ok", DataType.BOOL)
    s.add_field("score", DataType.INT32, nullable=True)
    s.add_field("j", DataType.JSON)
    s.add_field("arr", DataType.ARRAY, element_type=DataType.INT64, max_capacity=4)
    c.create_collection("shop", schema=s)
    c.create_partition("shop", "odd")
    rows = [{"id": i, "v": [0.1, 0.2], "price": float(i % 4), "cat": CATS[i % 5], "ok": i % 2 == 0,
             "score": None if i % 3 == 0 else i % 5, "j": {"a": i}, "arr": [i], "dyn": i} for i in range(30)]
    c.insert("shop", [r for r in rows if r["id"] % 2 == 0])
    c.insert("shop", [r for r in rows if r["id"] % 2], partition_name="odd")
    return c


ROWS = [{"id": i, "price": float(i % 4), "cat": CATS[i % 5], "ok": i % 2 == 0,
         "score": None if i % 3 == 0 else i % 5} for i in range(30)]


def expected(keys: list[tuple[str, bool, bool]]) -> list[int]:
    """The ids sorted in Python: by each key (field, descending, nulls first), then by id. Sorts
    are stable, also reversed, so sorting by the last key first leaves the id order among ties."""
    ordered = sorted(ROWS, key=lambda r: r["id"])
    for field, desc, nulls_first in reversed(keys):
        present = sorted([r for r in ordered if r[field] is not None], key=lambda r: r[field], reverse=desc)
        nulls = [r for r in ordered if r[field] is None]
        ordered = nulls + present if nulls_first else present + nulls
    return [r["id"] for r in ordered]


@pytest.mark.parametrize("order, keys", [
    ([{"field": "price", "order": "asc"}], [("price", False, False)]),
    ([{"field": "price", "order": "desc"}], [("price", True, True)]),
    ([{"field": "price"}], [("price", False, False)]),
    (["price:DESC", "cat"], [("price", True, True), ("cat", False, False)]),
    (["cat:Descending"], [("cat", True, True)]),
    (["ok:asc", "price:desc"], [("ok", False, False), ("price", True, True)]),
    (["score"], [("score", False, False)]),
    (["score:desc"], [("score", True, True)]),
    (["score:asc:nulls_first"], [("score", False, True)]),
    (["score:desc:NULLS_LAST"], [("score", True, False)]),
    (["id:desc"], [("id", True, True)]),
    ("price:asc,cat:desc", [("price", False, False), ("cat", True, True)]),
])
def test_orders(shop: MilvusClient, order, keys) -> None:
    got = shop.query("shop", "", output_fields=["id"], limit=30, order_by_fields=order)
    assert [r["id"] for r in got] == expected(keys)


def test_order_by_keyword_pages_and_filter(shop: MilvusClient) -> None:
    keys = [("price", False, False), ("cat", True, True)]
    pages = [shop.query("shop", "", output_fields=["price"], limit=7, offset=o, order_by="price:asc,cat:desc")
             for o in range(0, 30, 7)]
    assert [r["id"] for page in pages for r in page] == expected(keys)
    assert pages[0][0] == {"id": 8, "price": 0.0}  # cat ("c") sorts but is not returned
    got = shop.query("shop", "id in [3, 5, 8, 13, 21]", output_fields=["cat"], limit=3,
                     order_by_fields=["cat:desc"], partition_names=["odd"])
    assert got == [{"id": 3, "cat": "c"}, {"id": 13, "cat": "c"}, {"id": 5, "cat": "b"}]


def test_no_order_is_a_plain_query(shop: MilvusClient) -> None:
    plain = shop.query("shop", "", output_fields=["id"], limit=5)
    assert shop.query("shop", "", output_fields=["id"], limit=5, order_by_fields=[]) == plain
    assert shop.query("shop", "", output_fields=["id"], limit=5, order_by="") == plain


@pytest.mark.parametrize("kwargs, message", [
    (dict(order_by_fields=["price"]), "ORDER BY requires explicit limit: invalid parameter; pass limit="),
    (dict(order_by_fields=["price:up"], limit=3),
     "invalid order direction 'up' for field 'price', must be 'asc' or 'desc': invalid parameter: invalid parameter"),
    (dict(order_by_fields=["price:asc:middle"], limit=3),
     "invalid null ordering 'middle', must be 'nulls_first' or 'nulls_last': invalid parameter: invalid parameter"),
    (dict(order_by_fields=["nope"], limit=3),
     "order_by field 'nope' does not exist in collection schema: invalid parameter: invalid parameter; name a"),
    (dict(order_by_fields=["dyn"], limit=3), "order_by field 'dyn' does not exist in collection schema"),
    (dict(order_by_fields=['j["a"]'], limit=3), "order_by field 'j[\"a\"]' does not exist in collection schema"),
    (dict(order_by_fields=[{"order": "desc"}], limit=3), "order_by field '' does not exist in collection schema"),
    (dict(order_by_fields=["v"], limit=3), "order_by field 'v' has type FloatVector which is not sortable: invalid "
                                           "parameter: invalid parameter; sort by"),
    (dict(order_by_fields=["j"], limit=3), "order_by field 'j' has type JSON which is not sortable"),
    (dict(order_by_fields=["arr"], limit=3), "order_by field 'arr' has type Array which is not sortable"),
])
def test_refusals(shop: MilvusClient, kwargs, message) -> None:
    with pytest.raises(MilvusException) as exc:
        shop.query("shop", "", output_fields=["id"], **kwargs)
    assert exc.value.code == 1100
    assert exc.value.message.startswith(message)


def test_refused_with_count_and_iterator(shop: MilvusClient) -> None:
    with pytest.raises(MilvusException) as exc:
        shop.query("shop", "id < 5", output_fields=["count(*)"], limit=3, order_by_fields=["price"])
    assert exc.value.message == ("ORDER BY field 'price' is not valid: when using GROUP BY or aggregates, ORDER BY "
                                 "can only reference GROUP BY columns. Valid targets are: []: invalid parameter")
    with pytest.raises(MilvusException, match="ORDER BY with iterator is not supported: invalid parameter"):
        shop.query_iterator("shop", batch_size=5, order_by_fields=[{"field": "price"}])
