"""pymilvus 3's search arguments: order_by_fields (the nearest hits re-sorted by scalar values, Milvus
master), group_by_fields, search_aggregation."""

from __future__ import annotations

import pytest

from pgmilvus import DataType, Function, FunctionType, MilvusClient
from pgmilvus.errors import MilvusException, ParamError

Q = [[0.0, 0.0]]


def price(i: int):
    return None if i % 7 == 0 else float(i % 5)


@pytest.fixture
def shop(fresh_client) -> MilvusClient:
    c = fresh_client
    s = c.create_schema(enable_dynamic_field=True)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    s.add_field("price", DataType.DOUBLE, nullable=True)
    s.add_field("cat", DataType.VARCHAR, max_length=4)
    s.add_field("j", DataType.JSON)
    index = c.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="L2")
    c.create_collection("shop", schema=s, index_params=index)
    # row i lies at distance (i / 20)^2 from Q: the hits come in id order
    c.insert("shop", [{"id": i, "v": [i / 20, 0.0], "price": price(i), "cat": "abc"[i % 3],
                       "j": {"p": (i * 7) % 11, "s": "x" if i % 4 else 3}, "dyn": -i} for i in range(20)])
    return c


def ids(res) -> list[int]:
    return [hit["id"] for hit in res[0]]


@pytest.mark.parametrize("order, kwargs, expected", [
    ([{"field": "price"}], {}, [5, 1, 2, 3, 4, 0]),                 # NULLS LAST, ties in distance order
    ([{"field": "price", "order": "desc"}], {}, [4, 3, 2, 1, 5, 0]),  # NULLS LAST also descending
    ([{"field": "price", "order": "DESCENDING"}, {"field": "id", "order": "desc"}], {}, [4, 3, 2, 1, 5, 0]),
    ([{"field": "cat", "order": "desc"}, {"field": "price"}], {}, [5, 2, 1, 4, 3, 0]),
    ([{"field": 'j["p"]', "order": "desc"}], {}, [3, 1, 4, 2, 5, 0]),  # a path in a JSON field
    ([{"field": "dyn"}], {}, [5, 4, 3, 2, 1, 0]),                       # a dynamic key
    ([{"field": '$meta["dyn"]', "order": "desc"}], {}, [0, 1, 2, 3, 4, 5]),
    ([{"field": 'j["s"]'}], {}, [1, 2, 3, 5, 0, 4]),       # mixed kinds: by JSON text, "x" before 3
    ([{"field": "price"}], {"offset": 2, "limit": 3}, [3, 4, 0]),  # offset after the sort of 5 hits
    ([], {}, [0, 1, 2, 3, 4, 5]),
])
def test_orders(shop: MilvusClient, order, kwargs, expected) -> None:
    args = {"limit": 6, **kwargs}
    res = shop.search("shop", Q, output_fields=["price"], order_by_fields=order, **args)
    assert ids(res) == expected
    assert all(set(hit["entity"]) == {"price"} for hit in res[0])  # the sort fields are not returned


def test_groups_sorted_by_their_best_hit(shop: MilvusClient) -> None:
    res = shop.search("shop", Q, limit=2, group_by_field="cat", group_size=2, output_fields=["cat"],
                      order_by_fields=[{"field": "price", "order": "desc"}])
    # the two nearest groups: a (0, 3) and b (1, 4); a's best hit has no price, so b comes first
    assert [(h["id"], h["entity"]["cat"]) for h in res[0]] == [(1, "b"), (4, "b"), (0, "a"), (3, "a")]
    paged = shop.search("shop", Q, limit=1, offset=1, group_by_field="cat", output_fields=["cat"],
                        order_by_fields=[{"field": "price", "order": "desc"}])
    assert [h["id"] for h in paged[0]] == [0]


def test_several_query_vectors(shop: MilvusClient) -> None:
    res = shop.search("shop", [[0.0, 0.0], [0.95, 0.0]], limit=3, order_by_fields=[{"field": "dyn"}])
    assert [[h["id"] for h in hits] for hits in res] == [[2, 1, 0], [19, 18, 17]]


@pytest.mark.parametrize("order, error, code, message", [
    ([{"field": "v"}], MilvusException, 1100,
     "order_by field 'v' has unsortable type FloatVector; supported types: bool, int8/16/32/64, float, double, "
     "string, varchar; for JSON fields use path syntax like field[\"key\"]: invalid parameter"),
    ([{"field": "j"}], MilvusException, 1100, "order_by field 'j' has unsortable type JSON"),
    ([{"field": "price", "order": "up"}], MilvusException, 1100,
     "invalid order direction 'up' for field 'price', expected 'asc' or 'desc': invalid parameter"),
    ([{"field": 'price["a"]'}], MilvusException, 1100,
     "order_by field 'price[\"a\"]' has brackets but is not a JSON type: invalid parameter"),
    ([{"order": "asc"}], ParamError, 1, "Invalid order_by_fields item: 'field' key is required and cannot be empty"),
    ([{"field": ""}], ParamError, 1, "Invalid order_by_fields item: 'field' key is required and cannot be empty"),
    (["price"], ParamError, 1, "Invalid order_by_fields item format, expect dict with 'field' and 'order' keys, "
                               "got <class 'str'>"),
])
def test_refusals(shop: MilvusClient, order, error, code, message) -> None:
    with pytest.raises(error) as exc:
        shop.search("shop", Q, limit=3, order_by_fields=order)
    assert exc.value.code == code
    assert exc.value.message.startswith(message)


def test_refused_with_iterator_and_ranker(shop: MilvusClient) -> None:
    with pytest.raises(MilvusException, match="order_by is not supported when using search iterator"):
        shop.search_iterator("shop", Q, batch_size=2, order_by_fields=[{"field": "price"}])
    decay = Function(name="d", input_field_names=["price"], function_type=FunctionType.RERANK,
                     params={"reranker": "decay", "function": "gauss", "origin": 0, "scale": 10})
    with pytest.raises(MilvusException, match="order_by and function rerank cannot be used together"):
        shop.search("shop", Q, limit=3, ranker=decay, order_by_fields=[{"field": "price"}])


def test_refused_without_dynamic_field(fresh_client) -> None:
    s = fresh_client.create_schema(enable_dynamic_field=False)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    fresh_client.create_collection("plain", schema=s)
    with pytest.raises(MilvusException, match="^<MilvusException: \\(code=1100, message=order_by field 'nope' does "
                                              "not exist in collection schema: invalid parameter\\)>$"):
        fresh_client.search("plain", Q, limit=3, order_by_fields=[{"field": "nope"}])
    with pytest.raises(MilvusException, match="order_by field 'x' not found in schema and no dynamic field available"):
        fresh_client.search("plain", Q, limit=3, order_by_fields=[{"field": 'x["a"]'}])


def test_group_by_fields_of_one_field_groups(shop: MilvusClient) -> None:
    plural = shop.search("shop", Q, limit=2, group_by_fields=["cat"], group_size=2, output_fields=["cat"])
    singular = shop.search("shop", Q, limit=2, group_by_field="cat", group_size=2, output_fields=["cat"])
    assert [[(h["id"], h["entity"]) for h in hits] for hits in plural] == \
           [[(h["id"], h["entity"]) for h in hits] for hits in singular]
    assert len(plural[0]) == 4


@pytest.mark.parametrize("kwargs, error, code, message", [
    (dict(group_by_fields="cat"), ParamError, 1, "group_by_fields must be a list"),
    (dict(group_by_fields=["cat", "price"]), MilvusException, 3000,
     "group_by_fields=['cat', 'price']: grouping a search by several fields is not supported by pgmilvus"),
    (dict(group_by_fields=["cat,price"]), MilvusException, 3000,  # sent comma-joined: the proxy splits it
     "group_by_fields=['cat', 'price']: grouping a search by several fields is not supported by pgmilvus"),
    (dict(search_aggregation=object()), ParamError, 1, "search_aggregation must be a SearchAggregation instance, "
                                                      "got object"),
])
def test_refused_rather_than_ignored(shop: MilvusClient, kwargs, error, code, message) -> None:
    with pytest.raises(error) as exc:
        shop.search("shop", Q, limit=3, **kwargs)
    assert (exc.value.code, exc.value.message[:len(message)]) == (code, message)
