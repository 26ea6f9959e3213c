"""get / query / query_iterator: result shapes, output_fields forms, limits, partitions, iterator."""

from __future__ import annotations

import numpy as np
import pytest

from pgmilvus import DataType, MilvusClient
from pgmilvus.errors import DataTypeNotMatchException, DescribeCollectionException, MilvusException, ParamError


@pytest.fixture
def client(fresh_client):
    return fresh_client


def plain(client: MilvusClient, name: str = "c", dynamic: bool = True) -> str:
    s = client.create_schema(enable_dynamic_field=dynamic)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("vector", DataType.FLOAT_VECTOR, dim=2)
    s.add_field("age", DataType.INT32, nullable=True)
    client.create_collection(name, schema=s)
    return name


@pytest.fixture
def filled(client: MilvusClient) -> MilvusClient:
    plain(client)
    client.create_partition("c", "pA")
    client.insert("c", [{"id": i, "vector": [i, 0.5], "age": i * 10, "color": f"c{i}"} for i in range(5)])
    client.insert("c", [{"id": i, "vector": [i, 0.5], "age": None, "tag": i} for i in range(5, 8)],
                  partition_name="pA")
    return client


# -- get ------------------------------------------------------------------------------------------------

def test_get_shapes(filled: MilvusClient) -> None:
    res = filled.get("c", ids=[3, 1, 99])
    assert type(res).__name__ == "HybridExtraList"
    assert res.extra == {"cost": 0}
    # ordered by primary key, missing ids absent, vectors included by default, dynamic keys flattened
    assert list(res) == [{"id": 1, "vector": [1.0, 0.5], "age": 10, "color": "c1"},
                         {"id": 3, "vector": [3.0, 0.5], "age": 30, "color": "c3"}]
    assert str(res) == ("data: [\"{'id': 1, 'vector': [1.0, 0.5], 'age': 10, 'color': 'c1'}\", "
                        "\"{'id': 3, 'vector': [3.0, 0.5], 'age': 30, 'color': 'c3'}\"], extra_info: {}")
    assert filled.get("c", ids=2, output_fields=["color"]) == [{"id": 2, "color": "c2"}]
    assert filled.get("c", ids=[]) == []
    assert filled.get("c", ids=[1, 5], partition_names=["pA"]) == [
        {"id": 5, "vector": [5.0, 0.5], "age": None, "tag": 5}]


def test_get_errors(filled: MilvusClient) -> None:
    with pytest.raises(DescribeCollectionException) as exc:
        filled.get("nope", ids=[1])
    assert exc.value.code == 100
    with pytest.raises(TypeError, match="wrong type of argument ids"):
        filled.get("c", ids=[1.5])


# -- query ----------------------------------------------------------------------------------------------

def test_query_output_fields_forms(filled: MilvusClient) -> None:
    q = filled.query
    assert q("c", filter="id == 1") == [{"id": 1, "vector": [1.0, 0.5], "age": 10, "color": "c1"}]
    assert q("c", filter="id == 1", output_fields=["*"]) == q("c", filter="id == 1")
    assert q("c", filter="id == 1", output_fields=[]) == q("c", filter="id == 1")
    assert q("c", filter="id == 1", output_fields=["age"]) == [{"id": 1, "age": 10}]  # PK always there
    assert q("c", filter="id == 1", output_fields=["$meta"]) == [{"id": 1, "color": "c1"}]
    assert q("c", filter="id in [1, 6]", output_fields=["color", "tag"]) == [
        {"id": 1, "color": "c1"}, {"id": 6, "tag": 6}]
    # unknown names: dynamic on -> silently a (missing) dynamic key
    assert q("c", filter="id == 1", output_fields=["nosuch"]) == [{"id": 1}]
    assert q("c", filter="id == 1", output_fields=["vector", "*"]) == q("c", filter="id == 1")


@pytest.mark.parametrize("names, expected", [
    (['$meta["color"]'], [{"id": 1, "color": "c1"}]),
    (["$meta['color']", "color"], [{"id": 1, "color": "c1"}]),
    ([' $meta["nosuch"] '], [{"id": 1}]),
    (['$meta["age"]'], [{"id": 1}]),  # a schema field's name: shadowed, neither comes back (Milvus #41702)
    (["age", '$meta["age"]'], [{"id": 1, "age": 10}]),
])
def test_query_explicit_dynamic_key_output_field(filled: MilvusClient, names, expected) -> None:
    """Milvus takes ``$meta["key"]`` as the dynamic key ``key``, one level, string keys only."""
    assert filled.query("c", filter="id == 1", output_fields=names) == expected


@pytest.mark.parametrize("name", ['$meta["a"]["b"]', "$meta[0]", 'vector["a"]', '$meta["a"'])
def test_query_other_paths_as_output_fields_are_refused(filled: MilvusClient, name: str) -> None:
    with pytest.raises(MilvusException) as exc:
        filled.query("c", filter="id == 1", output_fields=[name])
    assert (exc.value.code, exc.value.message) == (1100, f"parse output field name failed: {name}")


def test_query_unknown_output_field_without_dynamic(client: MilvusClient) -> None:
    plain(client, dynamic=False)
    with pytest.raises(MilvusException) as exc:
        client.query("c", filter="id > 0", output_fields=["nofield"])
    assert (exc.value.code, exc.value.message) == (1100, "field nofield not exist")
    with pytest.raises(MilvusException, match="field \\$meta not exist"):
        client.query("c", filter="id > 0", output_fields=["$meta"])


def test_count_star(filled: MilvusClient) -> None:
    q = filled.query
    assert q("c", output_fields=["count(*)"]) == [{"count(*)": 8}]
    assert q("c", filter="age >= 20", output_fields=["COUNT(*)"]) == [{"COUNT(*)": 3}]  # named as written (master)
    assert q("c", output_fields=["count(*)"], partition_names=["pA"]) == [{"count(*)": 3}]
    assert str(q("c", filter="id > 100", output_fields=["count(*)"])) == \
        "data: [\"{'count(*)': 0}\"], extra_info: {}"
    with pytest.raises(MilvusException, match="output field 'id' is not allowed: when using aggregation functions"):
        q("c", output_fields=["count(*)", "id"])  # Milvus master: only aggregates beside count(*)
    with pytest.raises(MilvusException, match="count entities with pagination is not allowed"):
        q("c", output_fields=["count(*)"], limit=5)
    # Milvus ignores an offset given with count(*) (e2e test_milvus_client_query_count_with_offset)
    assert q("c", output_fields=["count(*)"], offset=3) == [{"count(*)": 8}]


def test_query_offset_without_limit_is_ignored(filled: MilvusClient) -> None:
    """Milvus pages only with a limit (e2e test_milvus_client_query_pagination_without_limit)."""
    q = filled.query
    assert [r["id"] for r in q("c", filter="id >= 0", offset=5, output_fields=["id"])] == list(range(8))
    assert [r["id"] for r in filled.query_iterator("c", batch_size=3, offset=2).next()] == [2, 3, 4]


@pytest.mark.parametrize("fields", [None, [], ""])
def test_query_with_no_output_fields_returns_the_schema_fields(filled: MilvusClient, fields) -> None:
    """None, [] and "" alike (e2e test_milvus_client_query_output_field_none_or_empty)."""
    assert filled.query("c", filter="id < 2", output_fields=fields) == \
        filled.query("c", filter="id < 2", output_fields=None)


def test_query_limits(filled: MilvusClient) -> None:
    q = filled.query
    with pytest.raises(MilvusException) as exc:
        q("c")
    assert (exc.value.code, exc.value.message) == (1100, "empty expression should be used with limit: "
                                                         "invalid parameter")
    assert [r["id"] for r in q("c", limit=3, output_fields=["id"])] == [0, 1, 2]
    assert [r["id"] for r in q("c", limit=3, offset=4, output_fields=["id"])] == [4, 5, 6]
    assert [r["id"] for r in q("c", filter="id >= 0", output_fields=["id"])] == list(range(8))
    with pytest.raises(MilvusException, match="invalid max query result window, \\(offset\\+limit\\) should be "
                                              "in range \\[1, 16384\\], but got 17000"):
        q("c", limit=16000, offset=1000)
    with pytest.raises(MilvusException, match="limit \\[0\\] is invalid, should be greater than 0"):
        q("c", limit=0)
    with pytest.raises(MilvusException, match="limit \\[x\\] is invalid"):
        q("c", limit="x")
    # pymilvus sends str(limit) and Milvus parses it: "3" pages like 3
    assert [r["id"] for r in q("c", limit="3", offset="1", output_fields=["id"])] == [1, 2, 3]


def test_query_argument_errors(filled: MilvusClient) -> None:
    with pytest.raises(ParamError) as exc:
        filled.query("c", filter="id > 0", ids=[1])
    assert exc.value.message == "Ambiguous parameter, either ids or filter should be specified, cannot support both."
    with pytest.raises(DataTypeNotMatchException, match="The type of expr must be string ,but <class 'int'> is "
                                                        "given."):
        filled.query("c", filter=5)
    with pytest.raises(MilvusException) as exc:
        filled.query("c", filter="id >")
    assert exc.value.code == 1100 and exc.value.message.startswith("failed to create query plan: ")
    with pytest.raises(MilvusException) as exc:
        filled.query("c", filter="id > 0", partition_names=["nop"])
    assert exc.value.message == "partition name nop not found"
    with pytest.raises(MilvusException) as exc:
        filled.query("nope", filter="id > 0")
    assert type(exc.value) is MilvusException
    assert exc.value.message == "collection not found[database=default][collection=nope]"


def test_query_ids_and_filter_params(filled: MilvusClient) -> None:
    assert filled.query("c", ids=[2, 6], output_fields=["id"]) == [{"id": 2}, {"id": 6}]
    assert filled.query("c", ids=4, output_fields=["age"]) == [{"id": 4, "age": 40}]
    res = filled.query("c", filter="age > {a} and id in {ids}", filter_params={"a": 10, "ids": [1, 2, 3]},
                       output_fields=["id"])
    assert res == [{"id": 2}, {"id": 3}]
    assert filled.query("c", filter='color like "c%"', partition_names=["_default", "pA"],
                        output_fields=["id"], limit=2) == [{"id": 0}, {"id": 1}]


def test_result_print_truncates_after_ten_rows(client: MilvusClient) -> None:
    plain(client)
    client.insert("c", [{"id": i, "vector": [0, 0]} for i in range(12)])
    text = str(client.query("c", filter="id >= 0", output_fields=["id"]))
    assert text.endswith("\"{'id': 9}\"] ..., extra_info: {}")


def test_value_types_come_back_as_pymilvus_gives_them(client: MilvusClient) -> None:
    s = client.create_schema()
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    s.add_field("f", DataType.FLOAT)
    s.add_field("bv", DataType.BINARY_VECTOR, dim=8)
    s.add_field("sp", DataType.SPARSE_FLOAT_VECTOR)
    s.add_field("j", DataType.JSON)
    s.add_field("a", DataType.ARRAY, element_type=DataType.FLOAT, max_capacity=2)
    client.create_collection("x", schema=s)
    client.insert("x", {"id": 1, "v": np.array([0.1, 0.2], dtype=np.float32), "f": 0.1, "bv": b"\x81",
                        "sp": {5: 0.1}, "j": {"k": [1, {"z": None}]}, "a": [0.1, 2]})
    row = client.get("x", 1)[0]
    assert row == {"id": 1, "v": [0.10000000149011612, 0.20000000298023224], "f": 0.10000000149011612,
                   "bv": [b"\x81"], "sp": {5: 0.10000000149011612}, "j": {"k": [1, {"z": None}]},
                   "a": [0.10000000149011612, 2.0]}
    assert all(type(x) is float for x in row["v"])


# -- query_iterator ---------------------------------------------------------------------------------

def test_query_iterator_pages_in_key_order(client: MilvusClient) -> None:
    plain(client)
    client.insert("c", [{"id": i, "vector": [0, 0], "age": i} for i in range(1, 26)])
    it = client.query_iterator("c", batch_size=10, output_fields=["id"])
    pages = []
    while True:
        page = it.next()
        if not page:
            break
        pages.append([r["id"] for r in page])
    assert pages == [list(range(1, 11)), list(range(11, 21)), list(range(21, 26))]
    assert it.next() == []
    it.close()
    it = client.query_iterator("c", batch_size=10, limit=15, filter="age > 0", output_fields=["age"])
    assert [len(it.next()), len(it.next()), len(it.next())] == [10, 5, 0]
    it = client.query_iterator("c", batch_size=4, filter="age > 20", partition_names=["_default"])
    assert [r["id"] for r in it.next()] == [21, 22, 23, 24]
    assert it.next()[0]["vector"] == [0.0, 0.0]
    it.close()
    assert it.next() == []
    with pytest.raises(ParamError, match="batch size cannot be larger than 16384"):
        client.query_iterator("c", batch_size=20000)
    with pytest.raises(MilvusException, match="failed to create query plan"):
        client.query_iterator("c", filter="id >")


def test_query_iterator_over_100k_rows(client: MilvusClient) -> None:
    plain(client)
    n = 100_000
    client.insert("c", ({"id": i, "vector": [0.0, 1.0], "age": i % 5} for i in range(n)))
    it = client.query_iterator("c", batch_size=8192, output_fields=["id"])
    seen = 0
    last = -1
    while True:
        page = it.next()
        if not page:
            break
        assert page[0]["id"] == last + 1 and len(page) <= 8192
        last = page[-1]["id"]
        seen += len(page)
    assert (seen, last) == (n, n - 1)
    it = client.query_iterator("c", batch_size=16384, filter="age == 3", output_fields=["age"])
    total = 0
    for page in iter(it.next, []):
        assert all(r["age"] == 3 for r in page)
        total += len(page)
    assert total == n // 5


@pytest.mark.parametrize("rate", [0.7, 0.5, 0.25, 0.01])
def test_query_random_sample_takes_exactly_what_milvus_takes(client: MilvusClient, rate: float) -> None:
    """e2e test_milvus_client_query_random_sample: max(1, int(n * rate)) of the n rows the rest of
    the filter matches, each of them a match, none twice; only the queried partitions count."""
    plain(client)
    client.create_partition("c", "pB")
    client.insert("c", [{"id": i, "vector": [i, 0.5], "age": i} for i in range(100)])
    client.insert("c", [{"id": i, "vector": [i, 0.5], "age": i} for i in range(100, 130)], partition_name="pB")
    rows = client.query("c", filter=f"age >= 10 && random_sample({rate})", output_fields=["age"])
    assert len(rows) == max(1, int(120 * rate))
    assert len({r["id"] for r in rows}) == len(rows) and all(r["age"] >= 10 for r in rows)
    only_b = client.query("c", filter=f"age >= 10 and random_sample({rate})", partition_names=["pB"])
    assert len(only_b) == max(1, int(30 * rate)) and all(r["id"] >= 100 for r in only_b)
    assert len(client.query("c", filter=f"random_sample({rate})")) == max(1, int(130 * rate))
    assert client.query("c", filter=f"age > 1000 and random_sample({rate})") == []
    counted = client.query("c", filter=f"age >= 10 and random_sample({rate})", output_fields=["count(*)"])
    assert counted == [{"count(*)": max(1, int(120 * rate))}]
    # a string that merely names it is an ordinary filter
    assert client.query("c", filter="color == 'random_sample(0.5)'") == []
