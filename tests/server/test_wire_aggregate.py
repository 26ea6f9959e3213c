"""Query aggregation over the wire: unmodified pymilvus 3 (``group_by_fields``, aggregate output fields,
``order_by_fields``) against ``pgmilvus serve`` gives what pgmilvus gives in process on the same data."""

from __future__ import annotations

import pytest

pytest.importorskip("pymilvus")

from pymilvus import DataType, MilvusException  # noqa: E402

from pgmilvus.errors import MilvusException as LocalError  # noqa: E402

NAME = "agg"
CATS = ["b", "a", "c"]


@pytest.fixture
def shop(wire_client):
    schema = wire_client.create_schema(auto_id=False, enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("cat", DataType.VARCHAR, max_length=8)
    schema.add_field("grade", DataType.INT16, nullable=True)
    schema.add_field("price", DataType.DOUBLE)
    schema.add_field("weight", DataType.FLOAT, nullable=True)
    schema.add_field("qty", DataType.INT32, nullable=True)
    schema.add_field("ts", DataType.TIMESTAMPTZ, nullable=True)
    index = wire_client.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="L2")
    wire_client.create_collection(NAME, schema=schema, index_params=index)
    rows = [{"id": i, "v": [0.1, 0.2], "cat": CATS[i % 3], "grade": None if i % 4 == 0 else i % 5,
             "price": (i % 7) * 1.5, "weight": None if i % 5 == 0 else i * 0.1, "qty": None if i % 6 == 0 else i * 3,
             "ts": None if i % 7 == 0 else f"2025-01-{i % 9 + 1:02d}T10:00:00Z"} for i in range(40)]
    wire_client.insert(NAME, rows)
    return wire_client


@pytest.mark.parametrize("kwargs", [
    dict(output_fields=["cat", "count(*)", "sum(price)", "avg(price)", "min(price)", "max(price)"],
         group_by_fields=["cat"], limit=20),
    dict(output_fields=["sum(price)", "count(*)"]),
    dict(output_fields=["count(*)"]),
    dict(output_fields=["count(*)", "count(qty)", "sum(qty)", "avg(qty)", "min(weight)", "max(weight)",
                        "sum(weight)", "avg(weight)"]),
    dict(output_fields=["grade", "count(*)", "sum(qty)", "min(cat)", "max(ts)"], group_by_fields=["grade"]),
    dict(output_fields=["max(qty)", "grade", "cat"], group_by_fields=["cat", "grade"], filter="id > 5"),
    dict(output_fields=["cat", "COUNT(*)"], group_by_fields=["cat"], limit=20,
         order_by_fields=[{"field": "cat", "order": "desc"}]),
    dict(output_fields=["cat", "grade", "count(qty)"], group_by_fields=["cat", "grade"], limit=5, offset=3,
         order_by_fields=["grade:desc"]),
    dict(output_fields=["ts", "count(*)"], group_by_fields=["ts"], timezone="Asia/Shanghai"),
    dict(output_fields=["ts", "count(*)"], group_by_fields=["ts"], filter="id < 9", time_fields="year, day"),
    dict(output_fields=["count(*)", "sum(qty)", "avg(price)", "min(cat)"], filter="id < 0"),
    dict(output_fields=["cat", "count(*)"], group_by_fields=["cat"], filter="id < 0"),
    dict(output_fields=["count(*)", "sum(qty)"], ids=[1, 2, 3]),
], ids=lambda kwargs: ",".join(kwargs["output_fields"]) + "|" + ",".join(kwargs.get("group_by_fields", [])))
def test_answers_match_in_process(shop, local_client, kwargs) -> None:
    wire = shop.query(NAME, **kwargs)
    local = local_client.query(NAME, **kwargs)
    assert wire == local
    assert [list(r) for r in wire] == [list(r) for r in local]  # the keys in output_fields order
    assert [[type(v) for v in r.values()] for r in wire] == [[type(v) for v in r.values()] for r in local]


def test_grouped_answers(shop) -> None:
    got = shop.query(NAME, "id < 6", output_fields=["cat", "count(*)", "sum(qty)", "avg(weight)"],
                     group_by_fields=["cat"])
    assert got == [{"cat": "a", "count(*)": 2, "sum(qty)": 15, "avg(weight)": pytest.approx(0.25)},
                   {"cat": "b", "count(*)": 2, "sum(qty)": 9, "avg(weight)": pytest.approx(0.3)},
                   {"cat": "c", "count(*)": 2, "sum(qty)": 21, "avg(weight)": pytest.approx(0.2)}]
    assert shop.query(NAME, output_fields=["grade", "count(*)"], group_by_fields=["grade"])[-1] == \
        {"grade": None, "count(*)": 10}


@pytest.mark.parametrize("kwargs", [
    dict(output_fields=["cat", "qty", "count(*)"], group_by_fields=["cat"]),
    dict(output_fields=["count(*)"], group_by_fields=["price"]),
    dict(output_fields=["count(*)"], group_by_fields=["nope"]),
    dict(output_fields=["sum(cat)"]),
    dict(output_fields=["count(*)"], limit=3),
    dict(output_fields=["cat", "count(*)"], group_by_fields=["cat"], limit=3, order_by_fields=["count(*)"]),
])
def test_refusals_match_in_process(shop, local_client, kwargs) -> None:
    with pytest.raises(MilvusException) as wire:
        shop.query(NAME, **kwargs)
    with pytest.raises(LocalError) as local:
        local_client.query(NAME, **kwargs)
    assert (wire.value.code, wire.value.message) == (local.value.code, local.value.message)


@pytest.mark.parametrize("group_by", ["cat", None, [1]])
def test_group_by_fields_client_checks_match(shop, local_client, group_by) -> None:
    """pymilvus's TypeErrors ("group_by_fields must be a list", a join of non-str items) reach the
    caller through its decorator as code 1, ``Unexpected error, message=<...>``; pgmilvus raises the same."""
    with pytest.raises(MilvusException) as wire:
        shop.query(NAME, output_fields=["count(*)"], group_by_fields=group_by)
    with pytest.raises(LocalError) as local:
        local_client.query(NAME, output_fields=["count(*)"], group_by_fields=group_by)
    assert (wire.value.code, wire.value.message) == (local.value.code, local.value.message)
