"""query(..., group_by_fields=..., output_fields=["count(*)", "sum(f)", ...]): Milvus master's query
aggregation, its result types and texts (internal/proxy/task_query.go, internal/agg)."""

from __future__ import annotations

from typing import Any, Callable, Optional

import pytest

from pgmilvus import DataType, MilvusClient
from pgmilvus.errors import MilvusException

CATS = ["b", "a", "c"]
TIMES = ["2025-01-01T00:00:00Z", "2025-06-01T12:30:00Z", "2024-12-31T23:59:59.5Z"]


def row(i: int) -> dict[str, Any]:
    """Values chosen so every sum is exact whatever the order of addition (multiples of 1/4)."""
    return {"id": i, "v": [0.1, 0.2], "cat": CATS[i % 3], "grade": None if i % 4 == 0 else i % 5,
            "price": (i % 7) * 1.5, "weight": None if i % 5 == 0 else i * 0.25, "qty": None if i % 6 == 0 else i * 3,
            "ok": i % 2 == 0, "ts": TIMES[i % 3], "j": {"a": i}, "arr": [i], "dyn": i}


ROWS = [row(i) for i in range(30)]


@pytest.fixture
def shop(fresh_client) -> MilvusClient:
    c = fresh_client
    s = c.create_schema(enable_dynamic_field=True)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    s.add_field("cat", DataType.VARCHAR, max_length=8)
    s.add_field("grade", DataType.INT16, nullable=True)
    s.add_field("price", DataType.DOUBLE)
    s.add_field("weight", DataType.FLOAT, nullable=True)
    s.add_field("qty", DataType.INT32, nullable=True)
    s.add_field("ok", DataType.BOOL)
    s.add_field("ts", DataType.TIMESTAMPTZ)
    s.add_field("j", DataType.JSON)
    s.add_field("arr", DataType.ARRAY, element_type=DataType.INT64, max_capacity=4)
    c.create_collection("shop", schema=s)
    c.create_partition("shop", "odd")
    c.insert("shop", [r for r in ROWS if r["id"] % 2 == 0])
    c.insert("shop", [r for r in ROWS if r["id"] % 2], partition_name="odd")
    return c


# -- the expected answers, computed in Python -------------------------------------------------------

def _values(rows: list[dict], name: str) -> list[Any]:
    return [r[name] for r in rows if r[name] is not None]


FUNCTIONS: dict[str, Callable[[list[dict], Optional[str]], Any]] = {
    "count": lambda rows, f: len(rows) if f is None else len(_values(rows, f)),
    "sum": lambda rows, f: sum(_values(rows, f)) if _values(rows, f) else None,
    "avg": lambda rows, f: sum(_values(rows, f)) / len(_values(rows, f)) if _values(rows, f) else None,
    "min": lambda rows, f: min(_values(rows, f), default=None),
    "max": lambda rows, f: max(_values(rows, f), default=None),
}


def expected(outputs: list[str], group_by: list[str], keep: Callable[[dict], bool] = lambda r: True) -> list[dict]:
    """The groups of the rows ``keep`` selects, sorted by the group keys (NULLs last), each with the
    outputs: a group field's value, or ``function(field)`` of the group's rows."""
    groups: dict[tuple, list[dict]] = {}
    for r in ROWS:
        if keep(r):
            groups.setdefault(tuple(r[g] for g in group_by), []).append(r)
    if not group_by:
        groups = {(): groups.get((), [])}
    out = []
    for key in sorted(groups, key=lambda k: [(v is None, v if v is not None else 0) for v in k]):
        members = groups[key]
        result = {}
        for name in outputs:
            if name in group_by:
                result[name] = key[group_by.index(name)]
                continue
            function, argument = name.lower().rstrip(")").split("(")
            result[name] = FUNCTIONS[function](members, None if argument == "*" else argument)
        out.append(result)
    return out


# -- answers -----------------------------------------------------------------------------------------

ALL = ["cat", "count(*)", "sum(price)", "avg(price)", "min(price)", "max(price)"]


@pytest.mark.parametrize("outputs, group_by, kwargs, keep", [
    (ALL, ["cat"], dict(limit=20), None),
    (ALL, ["cat"], {}, None),                                              # no filter, no limit: allowed
    (["sum(price)", "count(*)"], [], {}, None),                            # global, one row
    (["count(*)", "count(qty)", "sum(qty)", "avg(qty)", "min(qty)", "max(qty)"], [], {}, None),
    (["count(weight)", "sum(weight)", "avg(weight)", "min(weight)", "max(weight)"], [], {}, None),
    (["grade", "count(*)", "count(qty)", "sum(qty)"], ["grade"], {}, None),  # a NULL key is one group
    (["cat", "grade", "count(*)", "max(qty)"], ["cat", "grade"], {}, None),
    (["count(*)", "sum(qty)"], ["cat"], {}, None),                         # the key need not be returned
    (["max(qty)", "cat"], ["cat"], {}, None),                              # output_fields order
    (["grade", "min(cat)", "max(cat)"], ["grade"], {}, None),
    (["cat", "count(*)"], ["cat"], dict(filter="qty > 40"), lambda r: r["qty"] is not None and r["qty"] > 40),
    (["cat", "count(*)", "sum(qty)"], ["cat"], dict(partition_names=["odd"]), lambda r: r["id"] % 2 == 1),
    (["cat", "grade"], ["cat", "grade"], dict(filter="id < 12"), lambda r: r["id"] < 12),  # keys alone: distinct
    (["cat", "count(*)"], [" cat ", ""], dict(limit=5), None),             # names trimmed, empty ones dropped
    (["count(*)"], [], dict(offset=3), None),                              # an offset without limit: ignored
])
def test_answers(shop: MilvusClient, outputs, group_by, kwargs, keep) -> None:
    got = shop.query("shop", output_fields=outputs, group_by_fields=group_by, **kwargs)
    assert got == expected(outputs, [g.strip() for g in group_by if g.strip()], keep or (lambda r: True))
    assert all(list(r) == list(dict.fromkeys(outputs)) for r in got)


def test_result_types_and_names(shop: MilvusClient) -> None:
    got = shop.query("shop", "id in [1, 2, 3]", output_fields=["cat", "SUM(qty)", "Avg(qty)", "min(weight)",
                                                                "COUNT( * )", "sum(weight)", "min(grade)"],
                     group_by_fields=["cat"])
    assert got == [{"cat": "a", "SUM(qty)": 3, "Avg(qty)": 3.0, "min(weight)": 0.25, "COUNT( * )": 1,
                    "sum(weight)": 0.25, "min(grade)": 1},
                   {"cat": "b", "SUM(qty)": 9, "Avg(qty)": 9.0, "min(weight)": 0.75, "COUNT( * )": 1,
                    "sum(weight)": 0.75, "min(grade)": 3},
                   {"cat": "c", "SUM(qty)": 6, "Avg(qty)": 6.0, "min(weight)": 0.5, "COUNT( * )": 1,
                    "sum(weight)": 0.5, "min(grade)": 2}]
    first = got[0]
    assert [type(first[k]) for k in first] == [str, int, float, float, int, float, int]


def _one_field(c: MilvusClient, dtype: DataType, values: list[Any]) -> MilvusClient:
    """Collection "g": an id, a vector and field "w" of ``dtype`` holding ``values``, one per row."""
    s = c.create_schema()
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    s.add_field("w", dtype)
    c.create_collection("g", schema=s)
    c.insert("g", [{"id": i, "v": [0.0, 1.0], "w": value} for i, value in enumerate(values)])
    return c


def test_float_values_are_float32_sums_double(fresh_client) -> None:
    """min/max of a FLOAT field keep float32 values; sum and avg accumulate them in double (segcore)."""
    c = _one_field(fresh_client, DataType.FLOAT, [0.1] * 3)
    got = c.query("g", output_fields=["min(w)", "sum(w)", "avg(w)"])
    f32 = 0.10000000149011612
    assert got == [{"min(w)": f32, "sum(w)": f32 + f32 + f32, "avg(w)": (f32 + f32 + f32) / 3}]


def test_an_int64_sum_leaving_the_range_is_refused(fresh_client) -> None:
    """segcore's checkPlus: an INT64 sum past int64 fails the query (INT8-INT32 sums cannot)."""
    c = _one_field(fresh_client, DataType.INT64, [2 ** 62] * 2)
    assert c.query("g", filter="id == 0", output_fields=["sum(w)"]) == [{"sum(w)": 2 ** 62}]
    with pytest.raises(MilvusException) as err:
        c.query("g", output_fields=["sum(w)"])
    assert (err.value.code, err.value.message) == (65535, "integer overflow: a sum of INT64 values leaves the int64 "
                                                          "range; sum fewer rows (a narrower filter or more groups)")
    assert c.query("g", output_fields=["count(*)"]) == [{"count(*)": 2}]  # the client is fine afterwards


def test_timestamptz_keys_and_extremes(shop: MilvusClient) -> None:
    got = shop.query("shop", "id < 6", output_fields=["ts", "count(*)"], group_by_fields=["ts"],
                     timezone="Asia/Shanghai")
    assert got == [{"ts": "2025-01-01T07:59:59.5+08:00", "count(*)": 2},
                   {"ts": "2025-01-01T08:00:00+08:00", "count(*)": 2},
                   {"ts": "2025-06-01T20:30:00+08:00", "count(*)": 2}]
    assert shop.query("shop", output_fields=["min(ts)", "max(ts)"]) == \
        [{"min(ts)": "2024-12-31T23:59:59.5Z", "max(ts)": "2025-06-01T12:30:00Z"}]


@pytest.mark.parametrize("order, categories", [
    ([{"field": "cat", "order": "desc"}], ["c", "b", "a"]),
    ("cat:asc", ["a", "b", "c"]),
    (["CAT:desc"], None),  # validated lower-cased, then parsed as written: refused below
])
def test_order_by_group_columns(shop: MilvusClient, order, categories) -> None:
    if categories is None:
        with pytest.raises(MilvusException, match="order_by field 'CAT' does not exist"):
            shop.query("shop", output_fields=["cat", "count(*)"], group_by_fields=["cat"], limit=20,
                       order_by_fields=order)
        return
    got = shop.query("shop", output_fields=["cat", "count(*)"], group_by_fields=["cat"], limit=20,
                     order_by_fields=order)
    assert [r["cat"] for r in got] == categories and all(r["count(*)"] == 10 for r in got)


def test_order_by_then_all_keys_and_pages(shop: MilvusClient) -> None:
    outputs = ["cat", "grade", "count(*)"]
    whole = expected(outputs, ["cat", "grade"])
    by_grade = sorted(whole, key=lambda r: (r["grade"] is not None, -(r["grade"] or 0)))  # DESC: NULLs first
    pages = [shop.query("shop", output_fields=outputs, group_by_fields=["cat", "grade"], limit=4, offset=o,
                        order_by_fields=["grade:desc"]) for o in range(0, len(whole), 4)]
    assert [r for page in pages for r in page] == by_grade


def test_no_rows(shop: MilvusClient) -> None:
    assert shop.query("shop", "id < 0", output_fields=["cat", "count(*)"], group_by_fields=["cat"]) == []
    assert shop.query("shop", "id < 0", output_fields=["count(*)", "count(qty)", "sum(qty)", "avg(price)",
                                                        "min(cat)"]) == \
        [{"count(*)": 0, "count(qty)": 0, "sum(qty)": None, "avg(price)": None, "min(cat)": None}]
    assert shop.query("shop", "id == 0", output_fields=["grade", "avg(qty)"], group_by_fields=["grade"]) == \
        [{"grade": None, "avg(qty)": None}]


def test_ids_and_windows(shop: MilvusClient) -> None:
    assert shop.query("shop", ids=[1, 2, 3, 99], output_fields=["count(*)", "sum(qty)"]) == \
        [{"count(*)": 3, "sum(qty)": 18}]
    assert shop.query("shop", output_fields=["sum(qty)"], limit=5) == [{"sum(qty)": FUNCTIONS["sum"](ROWS, "qty")}]
    assert shop.query("shop", output_fields=["sum(qty)"], limit=5, offset=1) == []
    assert shop.query("shop", output_fields=["cat", "count(*)"], group_by_fields=["cat"], limit=1, offset=1) == \
        [{"cat": "b", "count(*)": 10}]


def test_a_plain_query_is_unchanged(shop: MilvusClient) -> None:
    plain = shop.query("shop", "id < 3", output_fields=["cat"])
    assert shop.query("shop", "id < 3", output_fields=["cat"], group_by_fields=[]) == plain
    assert plain == [{"id": 0, "cat": "b"}, {"id": 1, "cat": "a"}, {"id": 2, "cat": "c"}]


V = ": invalid parameter"


@pytest.mark.parametrize("kwargs, code, message", [
    (dict(group_by_fields=["nope"], output_fields=["count(*)"]), 65535, "field nope not exist"),
    (dict(group_by_fields=["price"], output_fields=["count(*)"]), 1100,
     "group by field price has unsupported data type Double" + V + "; group by an integer"),
    (dict(group_by_fields=["weight"], output_fields=["count(*)"]), 1100, "group by field weight has unsupported "
                                                                         "data type Float" + V),
    (dict(group_by_fields=["v"], output_fields=["count(*)"]), 1100, "group by field v has unsupported data type "
                                                                    "FloatVector" + V),
    (dict(group_by_fields=["j"], output_fields=["count(*)"]), 1100, "group by field j has unsupported data type JSON"),
    (dict(group_by_fields=["arr"], output_fields=["count(*)"]), 1100, "group by field arr has unsupported data "
                                                                      "type Array"),
    (dict(group_by_fields=["ok"], output_fields=["count(*)"]), 1100, "group by field ok has unsupported data "
                                                                     "type Bool"),
    (dict(group_by_fields=["dyn"], output_fields=["count(*)"]), 65535, "field dyn not exist"),
    (dict(group_by_fields=["cat"], output_fields=["cat", "qty", "count(*)"]), 1100,
     "output field 'qty' is not allowed: when using GROUP BY, output_fields can only contain group_by fields ([cat]) "
     "or aggregation expressions" + V + V),
    (dict(group_by_fields=["cat"], output_fields=["cat", "dyn", "count(*)"]), 1100,
     "output field 'dyn' is not allowed"),
    (dict(group_by_fields=["cat"]), 1100, "output field '*' is not allowed"),
    (dict(group_by_fields=["cat"], output_fields=[" cat", "count(*)"]), 1100, "output field ' cat' is not allowed"),
    (dict(output_fields=["count(*)", "id"]), 1100,
     "output field 'id' is not allowed: when using aggregation functions (e.g., count(*)), output_fields can only "
     "contain aggregation expressions, not regular columns" + V + V),
    (dict(output_fields=["sum(cat)"]), 65535, "aggregation operator sum does not support data type VarChar"),
    (dict(output_fields=["avg(ok)"]), 65535, "aggregation operator avg does not support data type Bool"),
    (dict(output_fields=["min(j)"]), 65535, "aggregation operator min does not support data type JSON"),
    (dict(output_fields=["max(v)"]), 65535, "aggregation operator max does not support data type FloatVector"),
    (dict(output_fields=["sum(*)"]), 1100, "sum(*) is not supported, only count(*) is allowed" + V),
    (dict(output_fields=["sum(nope)"]), 1100, "target field nope for aggregation:sum does not exist" + V),
    (dict(output_fields=["count()"]), 1100, "target field  for aggregation:count does not exist" + V),
    (dict(output_fields=["sum(dyn)"]), 1100, "target field dyn for aggregation:sum does not exist" + V),
    (dict(output_fields=["cat", "median(price)"], group_by_fields=["cat"]), 1100,
     "parse output field name failed: median(price)"),
    (dict(output_fields=["count(*)"], limit=5), 1100, "count entities with pagination is not allowed" + V),
    (dict(output_fields=["cat"], group_by_fields=["cat"]), 1100, "empty expression should be used with limit" + V),
    (dict(output_fields=["cat", "count(*)"], group_by_fields=["cat"], order_by_fields=["cat"]), 1100,
     "ORDER BY requires explicit limit" + V),
    (dict(output_fields=["cat", "count(*)"], group_by_fields=["cat"], limit=5, order_by_fields=["count(*):desc"]),
     1100, "ORDER BY on aggregate expression 'count(*)' is not yet supported" + V),
    (dict(output_fields=["cat", "count(*)"], group_by_fields=["cat"], limit=5, order_by_fields=["price"]), 1100,
     "ORDER BY field 'price' is not valid: when using GROUP BY or aggregates, ORDER BY can only reference GROUP BY "
     "columns. Valid targets are: [cat]" + V),
    (dict(output_fields=["cat", "count(*)"], group_by_fields=["nope"], limit=5, order_by_fields=["price"]), 65535,
     "field nope not exist"),  # GROUP BY fields are checked before ORDER BY
    (dict(output_fields=["ts", "count(*)"], group_by_fields=["ts"], limit=5, order_by_fields=["ts"]), 1100,
     "order_by field 'ts' has type Timestamptz which is not sortable"),
])
def test_refusals(shop: MilvusClient, kwargs, code, message) -> None:
    with pytest.raises(MilvusException) as exc:
        shop.query("shop", **kwargs)
    assert exc.value.code == code
    assert exc.value.message.startswith(message)


@pytest.mark.parametrize("group_by, message", [
    ("cat", "Unexpected error, message=<group_by_fields must be a list>"),
    (None, "Unexpected error, message=<group_by_fields must be a list>"),
    (("cat",), "Unexpected error, message=<group_by_fields must be a list>"),
    (["cat", 1], "Unexpected error, message=<sequence item 1: expected str instance, int found>"),
])
def test_client_side_checks(shop: MilvusClient, group_by, message) -> None:
    """pymilvus's TypeErrors, as its decorator hands them to the caller."""
    with pytest.raises(MilvusException) as exc:
        shop.query("shop", output_fields=["count(*)"], group_by_fields=group_by)
    assert (exc.value.code, exc.value.message) == (1, message)
