"""TIMESTAMPTZ fields and the ``timezone`` property, as Milvus 2.6 has them.

Every collection gets a ``timezone`` property at create time (the database's,
else UTC); values come back rendered in it (``Z`` for a zero offset, no
trailing zeros), or in the call's own ``timezone``, or as ``time_fields``; a
string without an offset is a local time of the collection's zone.  Each table
line is one case; every case runs on a new database, once per face.
"""

from __future__ import annotations

import pytest

from pgmilvus import AnnSearchRequest, DataType, MilvusException, RRFRanker

DIM = 2
BAD_ZONE = "unknown or invalid IANA Time Zone ID: {}: invalid parameter"


def _collection(client, name: str = "c", properties: dict | None = None, **kwargs) -> None:
    schema = client.create_schema(enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=DIM)
    schema.add_field("ts", DataType.TIMESTAMPTZ, nullable=True)
    index = client.prepare_index_params()
    index.add_index("vec", index_type="FLAT", metric_type="L2")
    client.create_collection(name, schema=schema, index_params=index, properties=properties, **kwargs)


def _value(client, stored: str, name: str = "c", **read) -> object:
    """``stored`` written as row 1 of a fresh ``name``, read back by query with ``read``."""
    client.insert(name, [{"id": 1, "vec": [0.0, 0.0], "ts": stored}])
    return client.query(name, filter="id == 1", output_fields=["ts"], **read)[0]["ts"]


def _error(call) -> MilvusException:
    with pytest.raises(MilvusException) as info:
        call()
    return info.value


# -- the timezone property -----------------------------------------------------------------------

#: (database properties, collection properties, timezone describe shows)
CREATE_CASES = [
    ({}, None, "UTC"),
    ({"timezone": "Asia/Shanghai"}, None, "Asia/Shanghai"),
    ({"timezone": "Asia/Shanghai"}, {"timezone": "America/New_York"}, "America/New_York"),
    ({}, {"timezone": "Europe/London", "collection.ttl.seconds": 60}, "Europe/London"),
]


@pytest.mark.parametrize("db_props, props, expected", CREATE_CASES)
def test_create_sets_timezone(fresh_client, db_props, props, expected) -> None:
    fresh_client.create_database("d", properties=db_props)
    fresh_client.use_database("d")
    _collection(fresh_client, properties=props)
    assert fresh_client.describe_collection("c")["properties"]["timezone"] == expected


#: (call, the bad zone): each refused with Milvus 2.6's 1100, nothing changed
REFUSED_ZONES = [
    (lambda c: _collection(c, "c2", properties={"timezone": "Mars/Olympus"}), "Mars/Olympus"),
    (lambda c: c.alter_collection_properties("c", {"timezone": "UTC+8"}), "UTC+8"),
    (lambda c: c.alter_collection_properties("c", {"timezone": ""}), ""),
    (lambda c: c.create_database("d2", properties={"timezone": "Asia/Nowhere"}), "Asia/Nowhere"),
    (lambda c: c.alter_database_properties("default", {"timezone": "+08:00"}), "+08:00"),
    (lambda c: c.query("c", filter="id >= 0", timezone="Asia/Shangha"), "Asia/Shangha"),
    (lambda c: c.search("c", [[0.0, 0.0]], timezone="asia/shanghai"), "asia/shanghai"),
]


@pytest.mark.parametrize("call, zone", REFUSED_ZONES)
def test_bad_timezone_refused(fresh_client, call, zone) -> None:
    _collection(fresh_client)
    error = _error(lambda: call(fresh_client))
    assert error.code == 1100 and error.message.startswith(BAD_ZONE.format(zone)), error.message
    assert fresh_client.describe_collection("c")["properties"]["timezone"] == "UTC"
    assert "timezone" not in fresh_client.describe_database("default")


def test_database_timezone_applies_to_new_collections_only(fresh_client) -> None:
    _collection(fresh_client, "before")
    fresh_client.alter_database_properties("default", {"timezone": "America/New_York"})
    _collection(fresh_client, "after")
    assert fresh_client.describe_collection("before")["properties"]["timezone"] == "UTC"
    assert fresh_client.describe_collection("after")["properties"]["timezone"] == "America/New_York"


# -- values in and out ---------------------------------------------------------------------------

#: (collection timezone, stored string, the read's timezone, what query returns)
VALUE_CASES = [
    ("UTC", "2024-12-31T22:00:00+08:00", None, "2024-12-31T14:00:00Z"),
    ("UTC", "2024-12-31 22:00:00", None, "2024-12-31T22:00:00Z"),
    ("UTC", "2024-12-31T22:00:00.120000Z", None, "2024-12-31T22:00:00.12Z"),
    ("UTC", "2024-12-31T22:00:00.1234567Z", None, "2024-12-31T22:00:00.123456Z"),
    ("UTC", "2024-12-31 22:00:00-08", None, "2025-01-01T06:00:00Z"),
    ("Asia/Shanghai", "2024-12-31 22:00:00", None, "2024-12-31T22:00:00+08:00"),
    ("Asia/Shanghai", "2024-12-31 22:00:00Z", None, "2025-01-01T06:00:00+08:00"),
    ("Asia/Shanghai", "2024-12-31T22:00:00-08:00", None, "2025-01-01T14:00:00+08:00"),
    ("Asia/Shanghai", "2024-12-31T22:00:00", "America/New_York", "2024-12-31T09:00:00-05:00"),
    ("America/New_York", "2024-07-01T12:00:00", None, "2024-07-01T12:00:00-04:00"),
    ("America/New_York", "2024-07-01T12:00:00Z", "UTC", "2024-07-01T12:00:00Z"),
    ("Europe/London", "2024-01-15T08:30:00Z", None, "2024-01-15T08:30:00Z"),
    ("Asia/Kolkata", "2024-02-29T00:00:00Z", None, "2024-02-29T05:30:00+05:30"),
    ("UTC", "9999-12-31T23:46:05Z", "Asia/Shanghai", "10000-01-01T07:46:05+08:00"),  # as Go prints it
    ("UTC", "0001-01-01T01:00:00Z", "America/New_York", "0000-12-31T20:03:58-04:56"),
    # years Go takes and Python's datetime does not (the outputs are Go's time.Format)
    ("UTC", "0000-01-01 00:00:00", None, "0000-01-01T00:00:00Z"),
    ("Asia/Shanghai", "0000-01-01 00:00:00", None, "0000-01-01T00:00:00+08:05"),   # LMT +08:05:43
    ("Asia/Shanghai", "0000-01-01 00:00:00", "UTC", "-0001-12-31T15:54:17Z"),
    ("UTC", "0000-01-01T00:00:00Z", "America/New_York", "-0001-12-31T19:03:58-04:56"),
    ("UTC", "0000-02-29T12:00:00.5+14:00", None, "0000-02-28T22:00:00.5Z"),       # year 0 is a leap year
    ("Asia/Shanghai", "9999-12-31T23:59:59", None, "9999-12-31T23:59:59+08:00"),
    ("Asia/Shanghai", "9999-12-31T23:59:59", "America/New_York", "9999-12-31T10:59:59-05:00"),
    ("America/New_York", "9999-12-31T23:59:59", None, "9999-12-31T23:59:59-05:00"),
    ("America/New_York", "9999-12-31T23:59:59", "UTC", "10000-01-01T04:59:59Z"),
    ("UTC", "9999-12-31T23:59:59.999999-12:00", "Asia/Shanghai", "10000-01-01T19:59:59.999999+08:00"),
    ("UTC", "2024-12-31T22:00:00+13:60", None, "2024-12-31T08:00:00Z"),    # Go's Parse takes minute 60
]


@pytest.mark.parametrize("zone, stored, read_zone, expected", VALUE_CASES)
def test_values_render_in_zone(fresh_client, zone, stored, read_zone, expected) -> None:
    _collection(fresh_client, properties={"timezone": zone})
    assert _value(fresh_client, stored, timezone=read_zone) == expected


#: (collection timezone, stored string, time_fields, the read's timezone, what query returns)
TIME_FIELDS_CASES = [
    ("UTC", "2024-12-31T22:00:00.5Z", "year, month, day, hour, minute, second, microsecond", None,
     [2024, 12, 31, 22, 0, 0, 500000]),
    ("UTC", "2024-12-31T22:00:00Z", "year,HOUR day", "Asia/Shanghai", [2025, 6, 1]),
    ("Asia/Shanghai", "2024-12-31 22:00:00", "day hour", None, [31, 22]),
    ("UTC", "9999-12-31T23:46:05Z", "year month day hour", "Asia/Shanghai", [10000, 1, 1, 7]),  # beyond datetime
    ("UTC", "0001-01-01T01:00:00Z", "year day hour", "America/New_York", [0, 31, 20]),
    ("Asia/Shanghai", "0000-01-01 00:00:00", "year month day hour minute second", "UTC", [-1, 12, 31, 15, 54, 17]),
    ("America/New_York", "9999-12-31T23:59:59.25", "year, microsecond", "UTC", [10000, 250000]),
]


@pytest.mark.parametrize("zone, stored, fields, read_zone, expected", TIME_FIELDS_CASES)
def test_time_fields(fresh_client, zone, stored, fields, read_zone, expected) -> None:
    _collection(fresh_client, properties={"timezone": zone})
    assert _value(fresh_client, stored, time_fields=fields, timezone=read_zone) == expected


def test_unknown_time_field_refused(fresh_client) -> None:
    _collection(fresh_client)
    assert fresh_client.query("c", filter="id >= 0", time_fields="week") == []  # no value: not checked
    error = _error(lambda: _value(fresh_client, "2024-01-01T00:00:00Z", time_fields="year week"))
    assert error.code == 1100 and error.message.startswith(
        "unsupported field for extraction: week, fields should be seprated by ',' or ' ': invalid parameter")


def test_alter_timezone_changes_reads_and_local_inputs(fresh_client) -> None:
    _collection(fresh_client)
    fresh_client.insert("c", [{"id": 1, "vec": [0.0, 0.0], "ts": "2024-12-31 22:00:00"}])
    fresh_client.alter_collection_properties("c", {"timezone": "Asia/Shanghai"})
    fresh_client.insert("c", [{"id": 2, "vec": [0.0, 0.0], "ts": "2024-12-31 22:00:00"}])
    rows = fresh_client.query("c", filter="id >= 0", output_fields=["ts"])
    assert [r["ts"] for r in rows] == ["2025-01-01T06:00:00+08:00", "2024-12-31T22:00:00+08:00"]


#: stored strings Milvus 2.6's ParseTimeTz refuses
BAD_VALUES = ["2024-12-31", "2024-12-31T22:00:00+08", "2024-12-31T22:00:00+15:00", "2024-02-30T00:00:00Z",
              "2024/12/31 22:00:00", "2024-12-31T22:00:00 UTC", "yesterday", "0000-02-30 00:00:00",
              "-0001-12-31T00:00:00Z", "10000-01-01T00:00:00Z", "2024-12-31 24:00:00", "0000-01-01T00:00:00+25:00",
              "0000-01-01T00:00:00+24:00", "2024-12-31T22:00:00+14:60"]


@pytest.mark.parametrize("stored", BAD_VALUES)
def test_bad_value_refused(fresh_client, stored) -> None:
    _collection(fresh_client)
    error = _error(lambda: _value(fresh_client, stored))
    assert error.code == 1100 and error.message.startswith(
        f"got invalid timestamptz string '{stored}': invalid timezone name; must be a valid IANA Time Zone ID "
        "(e.g., 'Asia/Shanghai' or 'UTC'): invalid parameter (field ts, row 0"), error.message


# -- every read path -----------------------------------------------------------------------------

def _get(client, **kwargs):
    return client.get("c", ids=[1], output_fields=["ts"], **kwargs)[0]["ts"]


def _search(client, **kwargs):
    return client.search("c", [[0.0, 0.0]], output_fields=["ts"], **kwargs)[0][0]["entity"]["ts"]


def _query_iterator(client, **kwargs):
    return client.query_iterator("c", output_fields=["ts"], **kwargs).next()[0]["ts"]


def _search_iterator(client, **kwargs):
    return client.search_iterator("c", [[0.0, 0.0]], output_fields=["ts"], **kwargs).next()[0]["entity"]["ts"]


def _hybrid(client, **kwargs):
    request = AnnSearchRequest([[0.0, 0.0]], "vec", {"metric_type": "L2"}, limit=1)
    return client.hybrid_search("c", [request], RRFRanker(), limit=1, output_fields=["ts"],
                                **kwargs)[0][0]["entity"]["ts"]


def _grouped(client, **kwargs):
    return client.query("c", output_fields=["ts", "count(*)"], group_by_fields=["ts"], **kwargs)[0]["ts"]


def _min_max(client, **kwargs):
    row = client.query("c", output_fields=["min(ts)", "max(ts)"], **kwargs)[0]
    return [row["min(ts)"], row["max(ts)"]]


#: (read, its arguments, row 1's stored string in an Asia/Shanghai collection, what the read returns)
READS = [
    (_get, {}, "2024-12-31T22:00:00Z", "2025-01-01T06:00:00+08:00"),
    (_get, {"timezone": "UTC"}, "2024-12-31T22:00:00Z", "2024-12-31T22:00:00Z"),
    (_search, {}, "2024-12-31T22:00:00Z", "2025-01-01T06:00:00+08:00"),
    (_search, {"timezone": "America/Los_Angeles"}, "2024-12-31T22:00:00Z", "2024-12-31T14:00:00-08:00"),
    (_search, {"time_fields": "year month"}, "2024-12-31T22:00:00Z", [2025, 1]),
    (_query_iterator, {}, "2024-12-31T22:00:00Z", "2025-01-01T06:00:00+08:00"),
    (_query_iterator, {"timezone": "UTC"}, "2024-12-31T22:00:00Z", "2024-12-31T22:00:00Z"),
    (_search_iterator, {"timezone": "UTC"}, "2024-12-31T22:00:00Z", "2024-12-31T22:00:00Z"),
    (_hybrid, {}, "2024-12-31T22:00:00Z", "2025-01-01T06:00:00+08:00"),
    (_hybrid, {"time_fields": "day", "timezone": "UTC"}, "2024-12-31T22:00:00Z", [31]),
    # a local time of year 0 (LMT +08:05:43): an instant of year -1 UTC, beyond Python's datetime
    (_get, {}, "0000-01-01 00:00:00", "0000-01-01T00:00:00+08:05"),
    (_get, {"timezone": "UTC"}, "0000-01-01 00:00:00", "-0001-12-31T15:54:17Z"),
    (_search, {"timezone": "America/New_York"}, "0000-01-01 00:00:00", "-0001-12-31T10:58:15-04:56"),
    (_search, {"time_fields": "year month day", "timezone": "UTC"}, "0000-01-01 00:00:00", [-1, 12, 31]),
    (_search, {"group_by_field": "ts"}, "0000-01-01 00:00:00", "0000-01-01T00:00:00+08:05"),
    (_query_iterator, {"timezone": "UTC"}, "0000-01-01 00:00:00", "-0001-12-31T15:54:17Z"),
    (_search_iterator, {}, "0000-01-01 00:00:00", "0000-01-01T00:00:00+08:05"),
    (_hybrid, {"timezone": "UTC"}, "0000-01-01 00:00:00", "-0001-12-31T15:54:17Z"),
    (_grouped, {"timezone": "UTC"}, "0000-01-01 00:00:00", "-0001-12-31T15:54:17Z"),
    (_min_max, {}, "0000-01-01 00:00:00", ["0000-01-01T00:00:00+08:05", "0000-01-01T00:00:00+08:05"]),
    # past 9999 in UTC
    (_get, {"timezone": "UTC"}, "9999-12-31T23:59:59-12:00", "10000-01-01T11:59:59Z"),
    (_search, {"time_fields": "year hour"}, "9999-12-31T23:59:59-12:00", [10000, 19]),
    (_min_max, {"timezone": "UTC"}, "9999-12-31T23:59:59-12:00", ["10000-01-01T11:59:59Z", "10000-01-01T11:59:59Z"]),
]


@pytest.mark.parametrize("read, kwargs, stored, expected", READS)
def test_every_read_renders(fresh_client, read, kwargs, stored, expected) -> None:
    _collection(fresh_client, properties={"timezone": "Asia/Shanghai"})
    fresh_client.insert("c", [{"id": 1, "vec": [0.0, 0.0], "ts": stored}])
    assert read(fresh_client, **kwargs) == expected


#: (a TIMESTAMPTZ default_value, what a row without the field reads in an Asia/Shanghai collection)
DEFAULTS = [
    ("2025-01-01T00:00:00", "2025-01-01T08:00:00+08:00"),
    ("0000-01-01 00:00:00", "0000-01-01T08:05:43+08:05"),
    ("9999-12-31T23:59:59-12:00", "10000-01-01T19:59:59+08:00"),
]


@pytest.mark.parametrize("default, expected", DEFAULTS)
@pytest.mark.parametrize("how", ["create", "add_field"])
def test_null_and_default(fresh_client, default, expected, how) -> None:
    """A default without an offset is UTC whatever the zone (Milvus fixes it at create time); a
    field added with one gives it to the rows already there."""
    schema = fresh_client.create_schema(enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=DIM)
    schema.add_field("ts", DataType.TIMESTAMPTZ, nullable=True)
    if how == "create":
        schema.add_field("d", DataType.TIMESTAMPTZ, default_value=default)
    fresh_client.create_collection("c", schema=schema, properties={"timezone": "Asia/Shanghai"})
    fresh_client.insert("c", [{"id": 1, "vec": [0.0, 0.0], "ts": None}])
    if how == "add_field":
        fresh_client.add_collection_field("c", "d", DataType.TIMESTAMPTZ, nullable=True, default_value=default)
    fresh_client.insert("c", [{"id": 2, "vec": [0.0, 0.0], "ts": None, "d": None}])
    assert fresh_client.query("c", filter="id >= 1", output_fields=["ts", "d"]) == [
        {"id": 1, "ts": None, "d": expected}, {"id": 2, "ts": None, "d": expected}]


#: (partial update of row 1, stored as 0000-01-01 00:00:00 in a UTC collection; what it reads after)
PARTIAL_UPDATES = [
    ({"id": 1, "vec": [1.0, 1.0]}, "0000-01-01T00:00:00Z"),                 # the year-0 value kept
    ({"id": 1, "ts": "1970-01-01 00:00:00"}, "1970-01-01T00:00:00Z"),
    ({"id": 1, "ts": "0000-12-31T23:59:59-12:00"}, "0001-01-01T11:59:59Z"),
    ({"id": 1, "ts": "9999-12-31T23:59:59-12:00"}, "10000-01-01T11:59:59Z"),
]


@pytest.mark.parametrize("update, expected", PARTIAL_UPDATES)
def test_partial_update(fresh_client, update, expected) -> None:
    _collection(fresh_client)
    fresh_client.insert("c", [{"id": 1, "vec": [0.0, 0.0], "ts": "0000-01-01 00:00:00"}])
    fresh_client.upsert("c", [update], partial_update=True)
    assert fresh_client.query("c", filter="id == 1", output_fields=["ts"])[0]["ts"] == expected


#: TIMESTAMPTZ defaults Milvus 2.6's ParseTimeTz refuses, at create time and in add_collection_field
BAD_DEFAULTS = ["timestamp", "1234", "2025-01-01"]


@pytest.mark.parametrize("default", BAD_DEFAULTS)
@pytest.mark.parametrize("how", ["create", "add_field"])
def test_bad_default_refused(fresh_client, default, how) -> None:
    if how == "create":
        schema = fresh_client.create_schema(enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vec", DataType.FLOAT_VECTOR, dim=DIM)
        schema.add_field("d", DataType.TIMESTAMPTZ, nullable=True, default_value=default)
        call = lambda: fresh_client.create_collection("c", schema=schema)  # noqa: E731
    else:
        _collection(fresh_client)
        call = lambda: fresh_client.add_collection_field("c", "d", DataType.TIMESTAMPTZ,  # noqa: E731
                                                         nullable=True, default_value=default)
    error = _error(call)
    assert error.code == 1100 and error.message.startswith(
        f"invalid timestamp string: '{default}'. Does not match any known format (default_value of field d"), \
        error.message


# -- filters on TIMESTAMPTZ fields (ISO, INTERVAL) ------------------------------------------------

#: id -> stored value, in a collection whose timezone is Asia/Shanghai (UTC in the comments)
FILTER_ROWS = {
    1: "2024-12-31T22:00:00Z",           # 2024-12-31 22:00
    2: "2024-12-31 22:00:00",            # a Shanghai time: 2024-12-31 14:00
    3: "2024-12-31T22:00:00-08:00",      # 2025-01-01 06:00
    4: "2025-01-31T12:00:00.75Z",        # 2025-01-31 12:00:00.75
    5: "2024-01-31 20:00:00+08:00",      # 2024-01-31 12:00 (a leap year's January)
    6: None,
    7: "0001-01-01T00:00:00Z",
    8: "9999-12-31T23:59:59.999999Z",
}
EVERY = [1, 2, 3, 4, 5, 7, 8]

#: (filter, ids matched, read kwargs)
FILTER_CASES = [
    ("ts == ISO '2024-12-31T22:00:00Z'", [1], {}),
    ("ts == ISO '2025-01-01T06:00:00+08:00'", [1], {}),
    ("ts == ISO '2025-01-01 06:00:00'", [1], {}),                               # the collection's zone
    ("ts == ISO '2024-12-31 22:00:00'", [2], {}),
    ("ts == ISO '2024-12-31 17:00:00'", [1], {"timezone": "America/New_York"}),  # the call's zone
    ("ts == ISO '2024-12-31 22:00:00'", [1], {"timezone": "UTC"}),
    ("ts == ISO '2025-01-31T12:00:00.75Z'", [4], {}),
    ("ts == ISO '2025-01-31T12:00:00Z'", [], {}),
    ("ts > ISO '2024-12-31T22:00:00Z'", [3, 4, 8], {}),
    ("ISO '2024-12-31T22:00:00Z' >= ts", [1, 2, 5, 7], {}),
    ("not (ts > ISO '2024-12-31T22:00:00Z')", [1, 2, 5, 7], {}),               # NULL matches neither
    ("ts != ISO '2024-12-31T22:00:00Z'", [2, 3, 4, 5, 7, 8], {}),
    ("ts is null", [6], {}),
    ("ts is not null", EVERY, {}),
    ("ts in [ISO '2024-12-31T22:00:00Z', ISO '2025-01-01 14:00:00']", [1, 3], {}),
    ("ts not in [ISO '2024-12-31T22:00:00Z']", [2, 3, 4, 5, 7, 8], {}),
    ("ISO '2024-12-31T14:00:00Z' <= ts < ISO '2025-01-01T06:00:00Z'", [1, 2], {}),
    ("ts + INTERVAL 'P1M' == ISO '2025-03-03T12:00:00Z'", [4], {}),            # Feb 31 is Mar 3, no fraction
    ("ts + INTERVAL 'P1M' == ISO '2024-03-02T12:00:00Z'", [5], {}),            # Feb 31 is Mar 2 in 2024
    ("ts + INTERVAL 'P' == ISO '2025-01-31T12:00:00Z'", [4], {}),
    ("ts + INTERVAL 'PT8H' == ISO '2025-01-01 06:00:00'", [2], {}),
    ("ts + interval 'P1Y1M1DT1H1M1S' == ISO '2026-02-01T23:01:01Z'", [1], {}),
    ("ISO '2025-01-01T00:00:00Z' < ts - INTERVAL 'PT6H'", [4, 8], {}),
    ("ts - INTERVAL 'P1D' < ISO '0001-01-01T00:00:00Z'", [7], {}),
    ("ts + INTERVAL 'P1D' > ISO '9999-12-31T23:59:59Z'", [8], {}),
    ("not (ts + INTERVAL 'P1D' > ISO '2000-01-01T00:00:00Z')", [7], {}),
    ("ts - INTERVAL 'P3D' >= ISO '1970-01-01T00:00:00Z' and id < 4", [1, 2, 3], {}),
]


def _with_rows(client, rows: dict):
    """An Asia/Shanghai collection ``c`` holding ``rows`` (id -> stored value)."""
    _collection(client, properties={"timezone": "Asia/Shanghai"})
    client.insert("c", [{"id": i, "vec": [float(i), 0.0], "ts": s} for i, s in rows.items()])
    return client


@pytest.fixture
def filter_rows(fresh_client):
    return _with_rows(fresh_client, FILTER_ROWS)


def test_filter_reads_and_delete(filter_rows) -> None:
    expr = "ts == ISO '2024-12-31 22:00:00'"   # a Shanghai time: row 2 (row 1 read in UTC)
    iterator = filter_rows.query_iterator("c", filter=expr, batch_size=1, timezone="UTC")
    assert [r["id"] for r in iterator.next()] == [1]
    iterator.close()
    assert [r["id"] for r in filter_rows.query("c", filter=f"{expr} or id == 6", limit=5)] == [2, 6]
    filter_rows.delete("c", filter=expr)   # delete reads it in the collection's zone, as Milvus 2.6
    assert sorted(r["id"] for r in filter_rows.query("c", filter="id >= 0")) == [1, 3, 4, 5, 6, 7, 8]


def test_filter_follows_timezone_property(filter_rows) -> None:
    expr = "ts == ISO '2024-12-31 22:00:00'"
    assert [r["id"] for r in filter_rows.query("c", filter=expr)] == [2]
    filter_rows.alter_collection_properties("c", {"timezone": "UTC"})
    assert [r["id"] for r in filter_rows.query("c", filter=expr)] == [1]


#: id -> stored value at the ends of Milvus's range, in an Asia/Shanghai collection (UTC in the comments)
EDGE_ROWS = {
    1: "0000-01-01 00:00:00",           # LMT +08:05:43: -0001-12-31 15:54:17
    2: "0000-01-01T00:00:00Z",          # 0000-01-01 00:00:00
    3: "9999-12-31T23:59:59",           # 9999-12-31 15:59:59
    4: "9999-12-31T23:59:59-12:00",     # 10000-01-01 11:59:59
    5: "2024-12-31T22:00:00Z",
}

#: (filter, ids matched, read kwargs)
EDGE_FILTERS = [
    ("ts == ISO '0000-01-01 00:00:00'", [1], {}),                              # the collection's zone
    ("ts == ISO '0000-01-01 00:00:00'", [2], {"timezone": "UTC"}),             # the call's zone
    ("ts < ISO '0000-01-01T00:00:00Z'", [1], {}),
    ("ts <= ISO '0000-01-01T00:00:00Z'", [1, 2], {}),
    ("ts != ISO '0000-01-01T00:00:00Z'", [1, 3, 4, 5], {}),
    ("ts > ISO '9999-12-31T23:59:59Z'", [4], {}),
    ("ts >= ISO '9999-12-31 23:59:59'", [3, 4], {}),
    ("ts in [ISO '0000-01-01 00:00:00', ISO '9999-12-31T23:59:59-12:00']", [1, 4], {}),
    ("ISO '0000-01-01T00:00:00Z' <= ts < ISO '9999-12-31T23:59:59-12:00'", [2, 3, 5], {}),
    ("ts + INTERVAL 'P1D' == ISO '0000-01-01T15:54:17Z'", [1], {}),
    ("ts + INTERVAL 'P1M' == ISO '0000-01-31T15:54:17Z'", [1], {}),
    ("ts - INTERVAL 'P1Y' < ISO '0000-01-01T00:00:00Z'", [1, 2], {}),
    ("ts - INTERVAL 'PT12H' >= ISO '9999-12-31T23:59:59Z'", [4], {}),
]


@pytest.fixture
def edge_rows(fresh_client):
    return _with_rows(fresh_client, EDGE_ROWS)


@pytest.mark.parametrize("rows, cases", [(FILTER_ROWS, FILTER_CASES), (EDGE_ROWS, EDGE_FILTERS)],
                         ids=["offsets", "ends_of_range"])
def test_filters_on_real_rows(fresh_client, rows, cases) -> None:
    """Every case on one collection: rows in different offsets, a non-UTC timezone property; and
    years 0 and 9999 as Milvus takes them (Go's layouts), instants of UTC years -1 and 10000."""
    client = _with_rows(fresh_client, rows)
    for expr, expected, read in cases:
        found = client.query("c", filter=expr, output_fields=["id"], **read)
        assert sorted(r["id"] for r in found) == expected, expr
        hits = client.search("c", [[0.0, 0.0]], filter=expr, limit=10, **read)[0]
        assert sorted(h["id"] for h in hits) == expected, expr


#: (read timezone, what query returns for EDGE_ROWS in id order: Go's time.Format of each instant)
EDGE_OUTPUTS = [
    (None, ["0000-01-01T00:00:00+08:05", "0000-01-01T08:05:43+08:05", "9999-12-31T23:59:59+08:00",
            "10000-01-01T19:59:59+08:00", "2025-01-01T06:00:00+08:00"]),
    ("UTC", ["-0001-12-31T15:54:17Z", "0000-01-01T00:00:00Z", "9999-12-31T15:59:59Z", "10000-01-01T11:59:59Z",
             "2024-12-31T22:00:00Z"]),
    ("America/New_York", ["-0001-12-31T10:58:15-04:56", "-0001-12-31T19:03:58-04:56", "9999-12-31T10:59:59-05:00",
                          "10000-01-01T06:59:59-05:00", "2024-12-31T17:00:00-05:00"]),
]


@pytest.mark.parametrize("zone, expected", EDGE_OUTPUTS)
def test_outputs_at_the_ends_of_the_range(edge_rows, zone, expected) -> None:
    rows = edge_rows.query("c", filter="id > 0", output_fields=["ts"], timezone=zone)
    assert [r["ts"] for r in rows] == expected
    edge_rows.delete("c", filter="ts < ISO '0000-01-01T00:00:00Z' or ts > ISO '9999-12-31T23:59:59Z'")
    assert [r["id"] for r in edge_rows.query("c", filter="id > 0")] == [2, 3, 5]


#: (filter, Milvus 2.6's text in the error)
FILTER_ERRORS = [
    ("ts > ISO '2025-01-01'", "invalid timestamp string: '2025-01-01'. Does not match any known format"),
    ("ts > ISO '٢٠٢٥-01-01T00:00:00Z'", "invalid timestamp string: '٢٠٢٥-01-01T00:00:00Z'. Does not match any known format"),  # Arabic-Indic digits: Go reads 0-9 only
    ("ts > ISO '2025-01-01T00:00:00+15:00'", "UTC offset hour 15 is out of the valid range [-12, 14]"),
    ("ts > ISO '0000-01-01T00:00:00-12:30'", "UTC offset hour -12 is out of the valid range [-12, 14]"),
    ("ts > ISO '2025-01-01 00:00:00+24'", "UTC offset hour 24 is out of the valid range [-12, 14]"),
    ("ts > ISO '2025-01-01T00:00:00-12:60'", "UTC offset hour -13 is out of the valid range [-12, 14]"),
    ("ts > ISO '2024-02-30T00:00:00+15:00'",   # no such date: Go's layouts fail before the offset is checked
     "invalid timestamp string: '2024-02-30T00:00:00+15:00'. Does not match any known format"),
    ("ts > ISO '-0001-01-01T00:00:00Z'", "invalid timestamp string: '-0001-01-01T00:00:00Z'. Does not match"),
    ("ts + INTERVAL '1D' > ISO '2025-01-01T00:00:00Z'", "invalid ISO 8601 duration: 1D"),
    ("id > ISO '2025-01-01T00:00:00Z'", "field 'id' is not a timestamptz datatype"),
]


@pytest.mark.parametrize("expr, text", FILTER_ERRORS)
def test_bad_filter_refused(fresh_client, expr, text) -> None:
    _collection(fresh_client)
    error = _error(lambda: fresh_client.query("c", filter=expr))
    assert error.code == 1100
    assert error.message.startswith(f"failed to create query plan: cannot parse expression: {expr}, error: "), \
        error.message
    assert text in error.message


@pytest.mark.parametrize("index_type,error", [
    ("INVERTED", "INVERTED are not supported on Timestamptz field: invalid parameter; field ts: use STL_SORT or "
                 "AUTOINDEX"),
    ("STL_SORT", None),
    ("AUTOINDEX", None),
])
def test_scalar_index_types(fresh_client, index_type: str, error) -> None:
    """Milvus's INVERTED checker takes bool, numbers, strings, arrays and JSON: not TIMESTAMPTZ."""
    _collection(fresh_client)
    index = fresh_client.prepare_index_params()
    index.add_index("ts", index_type=index_type)
    if error is None:
        fresh_client.create_index("c", index)
        assert fresh_client.list_indexes("c", field_name="ts") == ["ts"]
        return
    refused = _error(lambda: fresh_client.create_index("c", index))
    assert (refused.code, refused.message) == (1100, error)
