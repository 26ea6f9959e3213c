"""TIMESTAMPTZ over the wire: pymilvus through ``pgmilvus serve`` gets what pgmilvus gives in process.

Values go in as pymilvus sends them (strings) and come back rendered in the
collection's ``timezone`` or the call's (Milvus 2.6 sends strings in a
Timestamptz column), or as ``time_fields`` (an Int64 array column).
"""

from __future__ import annotations

import pytest

pytest.importorskip("pymilvus")

from pymilvus import DataType, MilvusException  # noqa: E402

NAME = "tz"
STORED = ["2024-12-31T22:00:00Z", "2024-12-31 22:00:00", "2024-07-01T12:00:00.25-07:00", None]


@pytest.fixture
def tz_collection(wire_client):
    schema = wire_client.create_schema(enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("ts", DataType.TIMESTAMPTZ, nullable=True)
    index = wire_client.prepare_index_params()
    index.add_index("vec", index_type="FLAT", metric_type="L2")
    wire_client.create_collection(NAME, schema=schema, index_params=index,
                                  properties={"timezone": "Asia/Shanghai"})
    wire_client.insert(NAME, [{"id": i, "vec": [float(i), 0.0], "ts": s} for i, s in enumerate(STORED)])
    return wire_client


#: read keyword arguments: each read made over the wire and in process must agree
READS = [{}, {"timezone": "UTC"}, {"timezone": "America/New_York"}, {"time_fields": "year, month, day, hour"},
         {"time_fields": "minute second microsecond", "timezone": "Asia/Kolkata"}]


@pytest.mark.parametrize("kwargs", READS, ids=[str(k) for k in READS])
def test_query_and_search_match_in_process(tz_collection, local_client, kwargs) -> None:
    query = dict(filter="id >= 0", output_fields=["ts"], **kwargs)
    wire, local = tz_collection.query(NAME, **query), local_client.query(NAME, **query)
    assert [dict(r) for r in wire] == [dict(r) for r in local]
    search = dict(data=[[0.0, 0.0]], limit=4, output_fields=["ts"], **kwargs)
    wire_hits, local_hits = tz_collection.search(NAME, **search)[0], local_client.search(NAME, **search)[0]
    assert [(h["id"], h["entity"]["ts"]) for h in wire_hits] == [(h["id"], h["entity"]["ts"]) for h in local_hits]


def test_values_and_property_as_milvus_renders_them(tz_collection) -> None:
    rows = tz_collection.query(NAME, filter="id >= 0", output_fields=["ts"])
    assert [r["ts"] for r in rows] == ["2025-01-01T06:00:00+08:00", "2024-12-31T22:00:00+08:00",
                                       "2024-07-02T03:00:00.25+08:00", None]
    assert tz_collection.describe_collection(NAME)["properties"]["timezone"] == "Asia/Shanghai"


#: (call over the wire, the zone refused)
REFUSED = [
    (lambda c: c.query(NAME, filter="id >= 0", timezone="Mars/Base"), "Mars/Base"),
    (lambda c: c.search(NAME, [[0.0, 0.0]], timezone="Mars/Base"), "Mars/Base"),
    (lambda c: c.alter_collection_properties(NAME, {"timezone": "UTC+8"}), "UTC+8"),
    (lambda c: c.create_database("d", properties={"timezone": "nowhere"}), "nowhere"),
]


@pytest.mark.parametrize("call, zone", REFUSED)
def test_bad_timezone_refused(tz_collection, call, zone) -> None:
    with pytest.raises(MilvusException) as info:
        call(tz_collection)
    assert info.value.code == 1100
    assert f"unknown or invalid IANA Time Zone ID: {zone}: invalid parameter" in info.value.message


#: (filter, read keyword arguments): TIMESTAMPTZ filters over the wire select what they select in process
FILTERS = [
    ("ts == ISO '2024-12-31T22:00:00Z'", {}),
    ("ts == ISO '2024-12-31 22:00:00'", {}),                          # the collection's zone (Shanghai)
    ("ts == ISO '2024-12-31 17:00:00'", {"timezone": "America/New_York"}),  # the call's zone
    ("ts + INTERVAL 'P1D' > ISO '2025-01-01T06:00:00+08:00'", {}),
    ("ISO '2024-07-01T00:00:00Z' <= ts < ISO '2025-01-01T00:00:00Z' or ts is null", {}),
]


@pytest.mark.parametrize("expr, kwargs", FILTERS, ids=[f for f, _ in FILTERS])
def test_timestamptz_filter_matches_in_process(tz_collection, local_client, expr, kwargs) -> None:
    query = dict(filter=expr, output_fields=["ts"], **kwargs)
    wire, local = tz_collection.query(NAME, **query), local_client.query(NAME, **query)
    assert [dict(r) for r in wire] == [dict(r) for r in local] and local


def test_bad_timestamptz_filter_over_the_wire(tz_collection) -> None:
    with pytest.raises(MilvusException) as info:
        tz_collection.query(NAME, filter="ts > ISO '2025-13-01T00:00:00Z'")
    assert info.value.code == 1100
    assert "invalid timestamp string: '2025-13-01T00:00:00Z'. Does not match any known format" in info.value.message
