"""Schema changes on a live collection: add_collection_field, alter_collection_field, index properties.

What a user sees: the new field in describe_collection, in inserts, filters
and output fields; old rows reading NULL or the field's default; other
clients (even with a stale cached description) seeing the change at once;
and Milvus's messages for what Milvus refuses (expected texts from Milvus's
e2e suite, tests/python_client/milvus_client/test_add_field_feature.py and
test_milvus_client_alter.py).
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from pgmilvus import DataType, MilvusClient
from pgmilvus.catalog import store as catalog
from pgmilvus.pg import connection
from pgmilvus.errors import MilvusException

D = DataType


def _create(client: MilvusClient, name: str = "c", *, partition_key: bool = False, dynamic: bool = False,
            loaded: bool = True) -> None:
    schema = MilvusClient.create_schema(enable_dynamic_field=dynamic)
    schema.add_field("pk", D.INT64, is_primary=True)
    schema.add_field("v", D.FLOAT_VECTOR, dim=2)
    schema.add_field("tag", D.VARCHAR, max_length=16, is_partition_key=partition_key)
    schema.add_field("arr", D.ARRAY, element_type=D.VARCHAR, max_length=8, max_capacity=4)
    index = MilvusClient.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="L2")
    client.create_collection(name, schema=schema, index_params=index if loaded else None,
                             num_partitions=4 if partition_key else None)
    client.insert(name, [{"pk": i, "v": [float(i), 0.0], "tag": f"t{i}", "arr": ["a"]} for i in range(6)])


def _error(call: Callable[[], Any]) -> MilvusException:
    with pytest.raises(MilvusException) as info:
        call()
    return info.value


# -- add_collection_field ---------------------------------------------------------------------------

@pytest.mark.parametrize("partition_key", [False, True])
def test_added_field_reads_null_on_old_rows_and_takes_values_on_new_ones(client: MilvusClient,
                                                                         partition_key: bool) -> None:
    _create(client, partition_key=partition_key)
    if not partition_key:
        client.create_partition("c", "p2")
        client.insert("c", [{"pk": 10, "v": [10.0, 0.0], "tag": "x", "arr": []}], partition_name="p2")
    before = client.describe_collection("c")
    client.add_collection_field("c", "note", D.VARCHAR, max_length=8, nullable=True, desc="added")
    desc = client.describe_collection("c")
    assert desc["fields"][-1] == {"field_id": 104, "name": "note", "description": "added", "type": D.VARCHAR,
                                  "params": {"max_length": 8}, "nullable": True}
    assert desc["update_timestamp"] > before["update_timestamp"] == before["created_timestamp"]
    assert desc["created_timestamp"] == before["created_timestamp"]
    client.insert("c", [{"pk": 20, "v": [20.0, 0.0], "tag": "y", "arr": [], "note": "hello"}])
    assert client.query("c", "note is null", output_fields=["count(*)"])[0]["count(*)"] == 7 - partition_key
    assert client.query("c", "note == 'hello'", output_fields=["note"]) == [{"pk": 20, "note": "hello"}]
    assert client.get("c", [0], output_fields=["note"]) == [{"pk": 0, "note": None}]
    hits = client.search("c", [[20.0, 0.0]], limit=2, output_fields=["note"])[0]
    assert [(h["pk"], h["entity"]) for h in hits] == [(20, {"note": "hello"}), (10 if not partition_key else 5,
                                                                                {"note": None})]


def test_added_field_with_default_reads_the_default_on_old_rows(client: MilvusClient) -> None:
    _create(client)
    client.add_collection_field("c", "score", D.INT64, nullable=True, default_value=7)
    assert client.describe_collection("c")["fields"][-1]["default_value"] == 7
    assert client.query("c", "score is null", output_fields=["count(*)"]) == [{"count(*)": 0}]
    assert {r["score"] for r in client.query("c", "pk < 6", output_fields=["score"])} == {7}
    client.insert("c", [{"pk": 30, "v": [1.0, 1.0], "tag": "z", "arr": []},
                        {"pk": 31, "v": [1.0, 1.0], "tag": "z", "arr": [], "score": None},
                        {"pk": 32, "v": [1.0, 1.0], "tag": "z", "arr": [], "score": 1}])
    assert client.query("c", "pk >= 30", output_fields=["score"]) == [
        {"pk": 30, "score": 7}, {"pk": 31, "score": 7}, {"pk": 32, "score": 1}]


def test_added_field_shadows_a_dynamic_key_of_the_same_name(client: MilvusClient) -> None:
    _create(client, dynamic=True)
    client.insert("c", [{"pk": 40, "v": [1.0, 0.0], "tag": "d", "arr": [], "extra": 5}])
    client.add_collection_field("c", "extra", D.INT64, nullable=True, default_value=1)
    assert client.query("c", "pk == 40", output_fields=["*"])[0]["extra"] == 1
    assert client.query("c", '$meta["extra"] == 5', output_fields=["pk"]) == [{"pk": 40}]


def test_added_vector_field_is_nullable_indexable_and_searchable(client: MilvusClient) -> None:
    _create(client)
    client.add_collection_field("c", "v2", D.FLOAT_VECTOR, dim=3, nullable=True)
    client.insert("c", [{"pk": 50, "v": [0.0, 0.0], "tag": "w", "arr": [], "v2": [1.0, 2.0, 3.0]}])
    client.release_collection("c")
    index = client.prepare_index_params()
    index.add_index("v2", index_type="HNSW", metric_type="L2")
    client.create_index("c", index)
    client.load_collection("c")
    # limit=1: a search over NULL vectors with a larger limit is e2e cause #24 (search.py, not here)
    hits = client.search("c", [[1.0, 2.0, 3.0]], anns_field="v2", limit=1, output_fields=["v2"])[0]
    assert [(h["pk"], h["entity"]["v2"]) for h in hits] == [(50, [1.0, 2.0, 3.0])]
    assert client.get("c", [0], output_fields=["v2"]) == [{"pk": 0, "v2": None}]


def test_another_client_sees_the_new_field_without_a_restart(client: MilvusClient, monkeypatch) -> None:
    _create(client)
    other = MilvusClient(client._db.conninfo)  # its own pool
    try:
        assert "note" not in other.query("c", "pk == 0", output_fields=["*"])[0]
        for _ in range(6):  # the read statement is prepared now
            other.query("c", "pk == 0", output_fields=["*"])
        snapshot = dict(catalog._cache)
        client.add_collection_field("c", "note", D.VARCHAR, max_length=8, nullable=True, default_value="n")
        # The worst case: the other client's notification is still in flight and its cache is stale.
        monkeypatch.setattr(connection._Listener, "fire", lambda self, channel: None)
        catalog._cache.clear()
        catalog._cache.update(snapshot)
        assert other.query("c", "pk == 0", output_fields=["*"])[0]["note"] == "n"
        assert other.query("c", "note == 'n'", output_fields=["count(*)"]) == [{"count(*)": 6}]
        other.insert("c", [{"pk": 60, "v": [0.0, 1.0], "tag": "o", "arr": [], "note": "other"}])
        assert client.get("c", [60], output_fields=["note"]) == [{"pk": 60, "note": "other"}]
    finally:
        other.close()


def test_field_properties_are_dropped_as_milvus_drops_them(client: MilvusClient) -> None:
    """drop_collection_field_properties (pgmilvus's own: the Java and Node SDKs' call, which pymilvus
    lacks): mmap.enabled and warmup only, on a released collection."""
    _create(client)
    client.release_collection("c")
    client.alter_collection_field("c", "tag", {"mmap.enabled": True, "warmup": "sync"})
    client.drop_collection_field_properties("c", "tag", ["mmap.enabled", "warmup"])
    assert {"mmap_enabled", "warmup"} & set(client.describe_collection("c")["fields"][2]["params"]) == set()
    error = _error(lambda: client.drop_collection_field_properties("c", "tag", ["max_length"]))
    assert (error.code, error.message) == (1100, "max_length is not allowed to drop in collection field param: "
                                                 "invalid parameter")
    error = _error(lambda: client.drop_collection_field_properties("c", "nope", ["mmap.enabled"]))
    assert error.message == "field nope does not exist in collection: invalid parameter"
    client.load_collection("c")
    assert _error(lambda: client.drop_collection_field_properties("c", "tag", ["mmap.enabled"])).code == 104


def test_a_refused_field_leaves_the_collection_as_it_was(client: MilvusClient) -> None:
    _create(client)
    before = client.describe_collection("c")
    _error(lambda: client.add_collection_field("c", "bad", D.VARCHAR, nullable=True, max_length=70000))
    assert client.describe_collection("c") == before
    assert client.query("c", "pk == 0", output_fields=["*"])[0].keys() == {"pk", "v", "tag", "arr"}


def test_an_added_field_named_like_a_filter_keyword_is_refused(client: MilvusClient) -> None:
    _create(client)
    with pytest.raises(MilvusException) as exc:
        client.add_collection_field("c", "like", D.INT64, nullable=True)
    assert (exc.value.code, exc.value.message) == (
        1701, "Invalid field name: like. like is keyword in milvus.: field name invalid[field=like]")


def test_the_64th_field_is_the_last(client: MilvusClient) -> None:
    client.create_collection("q", dimension=2)  # id, vector: 62 more fit
    for i in range(62):
        client.add_collection_field("q", f"f{i}", D.INT8, nullable=True)
    error = _error(lambda: client.add_collection_field("q", "f62", D.INT8, nullable=True))
    assert error.message == "The number of fields has reached the maximum value 64: invalid parameter"


# One line per refused add_collection_field: kwargs, code, message (Milvus's, or pymilvus's for code 1).
ADD_REFUSED = [
    (dict(field_name="n", data_type=D.FLOAT_VECTOR, dim=2), 1,
     "Adding vector field to existing collection requires nullable=True"),
    (dict(field_name="n", data_type=D.FLOAT_VECTOR, dim=2, nullable=False), 1,
     "Adding vector field to existing collection requires nullable=True"),
    (dict(field_name="n", data_type=D.FLOAT_VECTOR, dim=2, nullable=True, default_value=[0.1, 0.2]), 1,
     "Default value unsupported data type: 999"),
    (dict(field_name="n", data_type=D.INT64, nullable=True, auto_id=True), 1,
     "The auto_id can only be specified on the primary key field"),
    (dict(field_name="n", data_type=D.VARCHAR, nullable=True), 1101,
     "type param(max_length) should be specified for the field(n) of collection c: missing parameter"),
    (dict(field_name="n", data_type=D.INT64, nullable=False), 1100,
     "added field must be nullable, please check it, field name = n: invalid parameter"),
    (dict(field_name="n", data_type=D.INT64, default_value=1), 1100,
     "added field must be nullable, please check it, field name = n: invalid parameter"),
    (dict(field_name="n", data_type=D.INT64, nullable=True, is_partition_key=True), 1100,
     "not support to add partition key field, field name  = n: invalid parameter"),
    (dict(field_name="n", data_type=D.INT64, nullable=True, is_primary=True), 1100,
     "not support to add pk field, field name = n: invalid parameter"),
    (dict(field_name="n", data_type=D.VARCHAR, nullable=True, max_length=65536), 1100,
     "the maximum length specified for the field(n) should be in (0, 65535], but got 65536 instead: "
     "invalid parameter"),
    (dict(field_name="tag", data_type=D.VARCHAR, nullable=True, max_length=64), 1100,
     "duplicated field name tag: invalid parameter"),
    (dict(field_name="RowID", data_type=D.INT64, nullable=True), 1100,
     "not support to add system field, field name = RowID: invalid parameter"),
    (dict(field_name="__virtual_pk__", data_type=D.INT64, nullable=True), 1100,
     "not support to add system field, field name = __virtual_pk__: invalid parameter"),
    (dict(field_name="n", data_type=D.JSON, nullable=True, is_clustering_key=True), 1100,
     "clustering key field n has unsupported data type JSON: invalid parameter"),
    (dict(field_name="n", data_type=D.FLOAT_VECTOR, nullable=True), 1100,
     "vector field must have dimension specified, field name = n: invalid parameter"),
    (dict(field_name="1n", data_type=D.INT64, nullable=True), 1701,
     "Invalid field name: 1n. The first character of a field name must be an underscore or letter."),
]


@pytest.mark.parametrize("kwargs, code, message", ADD_REFUSED, ids=[c[2][:40] for c in ADD_REFUSED])
def test_add_collection_field_refusals(client: MilvusClient, kwargs: dict, code: int, message: str) -> None:
    _create(client, loaded=False)
    error = _error(lambda: client.add_collection_field("c", **kwargs))
    assert (error.code, message in error.message) == (code, True), error.message


def test_a_second_clustering_key_and_an_eleventh_vector_field_are_refused(client: MilvusClient) -> None:
    _create(client, loaded=False)
    client.add_collection_field("c", "ck", D.INT64, nullable=True, is_clustering_key=True)
    error = _error(lambda: client.add_collection_field("c", "ck2", D.INT64, nullable=True, is_clustering_key=True))
    assert error.message == "already has another clustering key field, field name: ck2: invalid parameter"
    for i in range(9):
        client.add_collection_field("c", f"v{i}", D.FLOAT_VECTOR, dim=2, nullable=True)
    error = _error(lambda: client.add_collection_field("c", "v10", D.FLOAT_VECTOR, dim=2, nullable=True))
    assert error.message == "maximum vector field's number should be limited to 10"


def test_add_collection_field_on_a_missing_collection(client: MilvusClient) -> None:
    error = _error(lambda: client.add_collection_field("nope", "n", D.INT64, nullable=True))
    assert (error.code, error.message) == (100, "collection not found[database=default][collection=nope]")


# -- alter_collection_field -------------------------------------------------------------------------

def test_max_length_shrinks_for_new_rows_and_keeps_old_ones(client: MilvusClient) -> None:
    _create(client)
    client.insert("c", [{"pk": 70, "v": [0.0, 0.0], "tag": "x" * 16, "arr": ["y" * 8]}])
    client.alter_collection_field("c", "tag", field_params={"max_length": 4})
    client.alter_collection_field("c", "arr", field_params={"max_length": 2, "max_capacity": 2})
    params = {f["name"]: f["params"] for f in client.describe_collection("c")["fields"]}
    assert params["tag"] == {"max_length": 4} and params["arr"] == {"max_length": 2, "max_capacity": 2}
    assert client.get("c", [70], output_fields=["tag"]) == [{"pk": 70, "tag": "x" * 16}]
    error = _error(lambda: client.insert("c", [{"pk": 71, "v": [0.0, 0.0], "tag": "x" * 5, "arr": []}]))
    assert "exceeds max length" in error.message
    error = _error(lambda: client.insert("c", [{"pk": 71, "v": [0.0, 0.0], "tag": "x", "arr": ["a"] * 3}]))
    assert "capacity" in error.message
    client.insert("c", [{"pk": 71, "v": [0.0, 0.0], "tag": "x" * 4, "arr": ["ab", "cd"]}])


def test_max_length_grows_past_the_column_length_even_on_the_primary_key(client: MilvusClient) -> None:
    client.create_collection("s", dimension=2, id_type="string", max_length=4)
    client.insert("s", [{"id": "abcd", "vector": [1.0, 0.0]}])
    client.alter_collection_field("s", "id", field_params={"max_length": 4})  # unchanged
    client.alter_collection_field("s", "id", field_params={"max_length": 2})
    client.alter_collection_field("s", "id", field_params={"max_length": 10})
    client.insert("s", [{"id": "abcdefghij", "vector": [0.0, 1.0]}])
    assert [r["id"] for r in client.query("s", "id like 'abc%'", output_fields=["id"])] == ["abcd", "abcdefghij"]
    _create(client, loaded=False)
    client.alter_collection_field("c", "arr", field_params={"max_length": 20})
    client.insert("c", [{"pk": 80, "v": [0.0, 0.0], "tag": "t", "arr": ["z" * 20]}])


def test_field_description_changes_while_loaded_and_stays_out_of_params(client: MilvusClient) -> None:
    _create(client)
    before = client.describe_collection("c")
    for field, text in [("pk", "the key"), ("v", "embedding \u5411\u91cf 'quoted'"), ("v", ""), ("tag", "a tag")]:
        client.alter_collection_field("c", field, field_params={"field.description": text})
        desc = {f["name"]: f for f in client.describe_collection("c")["fields"]}
        assert desc[field]["description"] == text
    desc = client.describe_collection("c")
    assert {f["name"]: f["params"] for f in desc["fields"]} == {f["name"]: f["params"] for f in before["fields"]}
    assert desc["update_timestamp"] > before["update_timestamp"]
    assert len(client.query("c", "pk >= 0")) == 6


def test_mmap_is_stored_and_refused_while_loaded(client: MilvusClient) -> None:
    _create(client)
    error = _error(lambda: client.alter_collection_field("c", "tag", field_params={"mmap.enabled": True}))
    assert (error.code, error.message) == (104, "can not alter collection field properties if collection "
                                                "loaded: collection already loaded[collection=c]")
    client.alter_collection_field("c", "tag", field_params={"max_length": 20})  # allowed while loaded
    client.release_collection("c")
    client.alter_collection_field("c", "tag", field_params={"mmap_enabled": True})
    client.alter_collection_field("c", "v", field_params={"mmap.enabled": "false"})
    params = {f["name"]: f["params"] for f in client.describe_collection("c")["fields"]}
    assert params["tag"] == {"max_length": 20, "mmap_enabled": True}
    assert params["v"] == {"dim": 2, "mmap_enabled": False}


# One line per refused alter_collection_field: field, field_params, message.
ALTER_REFUSED = [
    ("v", {"max_length": 8}, "v can not modify the maxlength for non-string types: invalid parameter"),
    ("arr", {"element_type": D.INT64}, "element_type does not allow update in collection field param"),
    ("tag", {"nullable": True}, "nullable does not allow update in collection field param: invalid parameter"),
    ("tag", {"max_length": "x"}, "max_length should be an integer, but got 'x': invalid parameter"),
    ("tag", {"max_length": 65536}, "65536 exceeds the maximum allowed value 65535: invalid parameter"),
    ("tag", {"max_length": 0}, "the maximum length specified for the field(tag) should be in (0, 65535], "
                               "but got 0 instead: invalid parameter"),
    ("tag", {"max_capacity": 8}, "tag can not modify the maxcapacity for non-array types: invalid parameter"),
    ("arr", {"max_capacity": "many"}, "the value for max_capacity of field arr must be an integer"),
    ("arr", {"max_capacity": 4097}, "the maximum capacity specified for a Array should be in (0, 4096]"),
    ("tag", {"mmap.enabled": "yes"}, "invalid mmap.enabled value: yes, expected: true, false"),
    ("nope", {"mmap.enabled": True}, "field nope does not exist in collection: invalid parameter"),
    ("nope", {"field.description": "d"}, "field nope does not exist in collection: invalid parameter"),
    ("", {"field.description": "d"}, "field  does not exist in collection: invalid parameter"),
]


@pytest.mark.parametrize("field, params, message", ALTER_REFUSED, ids=[c[2][:40] for c in ALTER_REFUSED])
def test_alter_collection_field_refusals(client: MilvusClient, field: str, params: dict, message: str) -> None:
    _create(client, loaded=False)
    before = client.describe_collection("c")
    error = _error(lambda: client.alter_collection_field("c", field, field_params=params))
    assert message in error.message
    assert client.describe_collection("c") == before


# -- index properties -------------------------------------------------------------------------------

def test_index_mmap_is_stored_and_shown_by_describe_index(client: MilvusClient) -> None:
    _create(client)
    error = _error(lambda: client.alter_index_properties("c", "v", properties={"mmap.enabled": True}))
    assert (error.code, error.message) == (104, "can't alter index on loaded collection, please release the "
                                                "collection first: collection already loaded[collection=c]")
    error = _error(lambda: client.drop_index_properties("c", "v", property_keys=["mmap.enabled"]))
    assert error.code == 104
    client.release_collection("c")
    client.alter_index_properties("c", "v", properties={"mmap.enabled": True})
    assert client.describe_index("c", "v")["mmap.enabled"] == "True"
    client.load_collection("c")
    assert len(client.search("c", [[0.0, 0.0]], limit=3)[0]) == 3
    client.release_collection("c")
    client.drop_index_properties("c", "v", property_keys=["mmap.enabled"])
    assert "mmap.enabled" not in client.describe_index("c", "v")


# One line per refused index property: properties, message.
INDEX_REFUSED = [
    ({"index_type": "HNSW"}, "index_type is not a configable index property"),
    ({"M": 16}, "M is not a configable index property"),
    ({"mmap.enabled": None}, "invalid mmap.enabled value: None, expected: true, false"),
    ({"mmap.enabled": []}, "invalid mmap.enabled value: [], expected: true, false"),
    ({"mmap.enabled": ""}, "invalid mmap.enabled value: , expected: true, false"),
    ({"mmap.enabled": 20}, "invalid mmap.enabled value: 20, expected: true, false"),
    ({"mmap.enabled": 0.01}, "invalid mmap.enabled value: 0.01, expected: true, false"),
    ({"mmap.enabled": "new_value"}, "invalid mmap.enabled value: new_value, expected: true, false"),
    ({"indexoffsetcache.enabled": "yes"}, "invalid indexoffsetcache.enabled value: yes, expected: true, false"),
    ({"warmup": "eager"}, "invalid warmup params: invalid warmup policy: eager, must be 'disable' or 'sync'"),
    ({"warmup": "async"}, "invalid warmup params: invalid warmup policy: async, must be 'disable' or 'sync'"),
]


@pytest.mark.parametrize("properties, message", INDEX_REFUSED, ids=[c[1][:40] for c in INDEX_REFUSED])
def test_alter_index_properties_refusals(client: MilvusClient, properties: dict, message: str) -> None:
    _create(client, loaded=False)
    error = _error(lambda: client.alter_index_properties("c", "v", properties=properties))
    assert message in error.message


#: Milvus 2.6's warmup policies ("disable" / "sync") at each level it takes one, and its texts for others.
WARMUP_REFUSED = [
    ("field", lambda c, s: s.add_field("w", D.INT64, nullable=True, warmup="Sync"),
     "invalid warmup policy for field w: invalid warmup policy: Sync, must be 'disable' or 'sync': invalid parameter"),
    ("field-empty", lambda c, s: s.add_field("w", D.INT64, nullable=True, warmup=""),
     "invalid warmup policy for field w: invalid warmup policy: , must be 'disable' or 'sync': invalid parameter"),
    ("collection", lambda c, s: c.alter_collection_properties("c", {"warmup.scalarField": "x"}),
     "invalid warmup value for key warmup.scalarField: invalid warmup policy: x, must be 'disable' or 'sync': "
     "invalid parameter"),
    ("collection-field-key", lambda c, s: c.alter_collection_properties("c", {"warmup": "sync"}),
     "warmup key 'warmup' is only allowed at field level, use warmup.scalarField/warmup.scalarIndex/"
     "warmup.vectorField/warmup.vectorIndex at collection level: invalid parameter"),
    ("alter-field", lambda c, s: c.alter_collection_field("c", "tag", {"warmup": "async"}),
     "invalid warmup policy: async, must be 'disable' or 'sync': invalid parameter"),
    ("create-index", lambda c, s: c.create_index("c", c.prepare_index_params("tag", index_type="INVERTED",
                                                                               warmup="later")),
     "invalid warmup params: invalid warmup policy: later, must be 'disable' or 'sync': invalid parameter"),
]


@pytest.mark.parametrize("call, message", [c[1:] for c in WARMUP_REFUSED], ids=[c[0] for c in WARMUP_REFUSED])
def test_warmup_policies_are_checked(client: MilvusClient, call, message: str) -> None:
    _create(client, loaded=False)
    schema = client.create_schema()
    schema.add_field("id", D.INT64, is_primary=True)
    schema.add_field("v", D.FLOAT_VECTOR, dim=2)

    def run():
        call(client, schema)
        if len(schema.fields) > 2:
            client.create_collection("c2", schema=schema)
    assert _error(run).message == message


def test_field_warmup_is_stored_and_shown(client: MilvusClient) -> None:
    """add_field(warmup=...) and alter_collection_field's ``warmup``: in the field's params, as describe shows."""
    schema = client.create_schema()
    schema.add_field("id", D.INT64, is_primary=True)
    schema.add_field("v", D.FLOAT_VECTOR, dim=2, warmup="sync")
    schema.add_field("n", D.INT64, nullable=True, warmup="disable")
    client.create_collection("w", schema=schema, properties={"warmup.vectorField": "sync"})
    client.release_collection("w")
    client.alter_collection_field("w", "n", {"warmup": "sync"})
    described = client.describe_collection("w")
    assert {f["name"]: f["params"].get("warmup") for f in described["fields"]} == {"id": None, "v": "sync", "n": "sync"}
    assert described["properties"]["warmup.vectorField"] == "sync"


def test_bitmap_offset_cache_and_warmup_are_stored_and_shown(client: MilvusClient) -> None:
    """Milvus's other configurable index keys: BITMAP's offset cache, and warmup on any index."""
    _create(client, loaded=False)
    ip = client.prepare_index_params()
    ip.add_index("tag", index_type="BITMAP")
    ip.add_index("v", index_type="FLAT", metric_type="L2")
    client.create_index("c", ip)
    error = _error(lambda: client.alter_index_properties("c", "v", properties={"indexoffsetcache.enabled": True}))
    assert error.message == ("invalid offset cache index params: only bitmap index support indexoffsetcache.enabled "
                             "now (index v is FLAT): invalid parameter")
    client.alter_index_properties("c", "tag", properties={"indexoffsetcache.enabled": True})
    assert client.describe_index("c", "tag")["indexoffsetcache.enabled"] == "True"
    client.alter_index_properties("c", "tag", properties={"indexoffsetcache.enabled": False})
    client.alter_index_properties("c", "v", properties={"warmup": "sync", "indexoffsetcache.enabled": False})
    assert (client.describe_index("c", "tag")["indexoffsetcache.enabled"], client.describe_index("c", "v")["warmup"]) \
        == ("False", "sync")
    client.drop_index_properties("c", "tag", property_keys=["indexoffsetcache.enabled"])
    assert "indexoffsetcache.enabled" not in client.describe_index("c", "tag")
    client.load_collection("c")
    assert client.query("c", filter='tag == "a"', output_fields=["count(*)"])[0]["count(*)"] >= 0


def test_create_index_twice_is_a_no_op_unless_it_names_a_configurable_key(client: MilvusClient) -> None:
    """Milvus's datacoord compares a repeated create_index without the stored index's configurable
    keys (warmup, mmap.enabled, indexoffsetcache.enabled) but with the request's: with one, the
    second create is a different index."""
    _create(client, loaded=False)
    plain = client.prepare_index_params()
    plain.add_index("v", index_type="HNSW", metric_type="COSINE", params={"M": 8, "efConstruction": 200})
    client.create_index("c", plain)
    client.create_index("c", plain)
    client.drop_index("c", "v")
    warm = client.prepare_index_params()
    warm.add_index("v", index_type="HNSW", metric_type="COSINE", params={"M": 8, "efConstruction": 200,
                                                                         "warmup": "sync"})
    client.create_index("c", warm)
    error = _error(lambda: client.create_index("c", warm))
    assert error.message.startswith("at most one distinct index is allowed per field")
    assert client.list_indexes("c", field_name="v") == ["v"]


def test_index_properties_of_a_missing_index(client: MilvusClient) -> None:
    _create(client, loaded=False)
    error = _error(lambda: client.alter_index_properties("c", "nope", properties={"mmap.enabled": True}))
    assert (error.code, error.message) == (700, "index not found[collection=c][indexName=nope]")
    error = _error(lambda: client.drop_index_properties("c", "v", property_keys=["M"]))
    assert error.message == "M is not a configable index property: invalid parameter"


# -- describe_replica, get_server_type ------------------------------------------------------------

def test_describe_replica_is_one_replica_on_one_node(client: MilvusClient) -> None:
    client.create_collection("q", dimension=2, num_shards=2)
    info = client.describe_collection("q")
    [replica] = client.describe_replica("q")
    assert (replica.id, replica.group_nodes, replica.resource_group, replica.num_outbound_node) == (
        info["collection_id"], (1,), "__default_resource_group", {})
    assert [(s.channel_name, s.shard_leader, s.shard_nodes) for s in replica.shards] == [
        (f"by-dev-rootcoord-dml_{i}_{info['collection_id']}v{i}", 1, {1}) for i in range(2)]
    client.release_collection("q")
    assert client.describe_replica("q") == []  # master's querycoord: no replica, no error
    error = _error(lambda: client.describe_replica("nope"))
    assert (error.code, error.message) == (100, "can't find collection[database=default][collection=nope]")


def test_load_balance_checks_as_querycoord_on_one_node(client: MilvusClient) -> None:
    client.create_collection("q", dimension=2)
    client.insert("q", [{"id": i, "vector": [i, 1]} for i in range(3)])
    client.flush("q")
    cid = client.describe_collection("q")["collection_id"]
    [segment] = [s.segment_id for s in client.list_loaded_segments("q")]
    client.load_balance("q", 1)  # nothing to move: one node serves every segment
    client.load_balance("q", 1, dst_node_ids=[1], sealed_segment_ids=[segment])
    for args, code, message in [
        (("nope", 1), 100, "collection not found[database=default][collection=nope]"),
        (("q", 5), 901, f"source node not found in any replica of collection {cid}: node not found[node=5]"),
        (("q", 1, [2]), 901, "destination node not found in the same replica: node not found[node=2]"),
        (("q", 1, [], [7]), 600, "segment not found in source node: segment not found[segment=7]"),
    ]:
        error = _error(lambda: client.load_balance(*args))
        assert (error.code, error.message) == (code, message)
    client.release_collection("q")
    error = _error(lambda: client.load_balance("q", 1))
    assert (error.code, error.message) == (103, f"collection not fully loaded[collection={cid}]")


def test_server_type_is_milvus(client: MilvusClient) -> None:
    assert client.get_server_type() == "milvus"


# -- drop_collection_field (pymilvus 3.0) ---------------------------------------------------------

def test_dropped_field_leaves_schema_rows_and_indexes(client: MilvusClient) -> None:
    _create(client)
    index = client.prepare_index_params()
    index.add_index("tag", index_type="INVERTED")
    client.create_index("c", index)
    client.drop_collection_field("c", "tag")
    assert [f["name"] for f in client.describe_collection("c")["fields"]] == ["pk", "v", "arr"]
    assert client.list_indexes("c") == ["v"] and client.describe_index("c", "tag") is None
    assert client.query("c", "pk == 1", output_fields=["*"])[0].keys() == {"pk", "v", "arr"}
    assert "field tag not exist" in _error(lambda: client.query("c", "pk >= 0", output_fields=["tag"])).message
    client.insert("c", [{"pk": 90, "v": [0.0, 0.0], "arr": []}])
    client.add_collection_field("c", "tag", D.INT64, nullable=True)  # the name is free again, its id is not
    assert [(f["name"], f["field_id"]) for f in client.describe_collection("c")["fields"]] \
        == [("pk", 100), ("v", 101), ("arr", 103), ("tag", 104)]
    assert _error(lambda: client.drop_collection_field("c", field_id=102)).message \
        == "field not found with id: 102: invalid parameter"
    client.drop_collection_field("c", field_id=104)  # field ids as describe_collection shows them
    assert [f["name"] for f in client.describe_collection("c")["fields"]] == ["pk", "v", "arr"]


@pytest.mark.parametrize("field, message", [
    ("pk", "cannot drop primary key field: pk: invalid parameter"),
    ("v", "cannot drop the last vector field: v: invalid parameter; collection c needs a vector field"),
    ("nope", "field not found: nope: invalid parameter"),
])
def test_drop_collection_field_refusals(client: MilvusClient, field: str, message: str) -> None:
    _create(client, loaded=False)
    assert _error(lambda: client.drop_collection_field("c", field)).message == message


def test_field_ids_are_milvus_ids_and_never_reused(client: MilvusClient) -> None:
    """rootcoord's ids: the fields from 100, then the dynamic field, then structs and their
    sub-fields; a field added later takes max_field_id + 1, a dropped one's id stays taken."""
    schema = MilvusClient.create_schema(enable_dynamic_field=True)
    schema.add_field("pk", D.INT64, is_primary=True)
    schema.add_field("v", D.FLOAT_VECTOR, dim=2)
    struct = MilvusClient.create_struct_field_schema()
    struct.add_field("n", D.INT64)
    struct.add_field("w", D.FLOAT_VECTOR, dim=2)
    schema.add_field("s", D.ARRAY, element_type=D.STRUCT, struct_schema=struct, max_capacity=4)
    client.create_collection("ids", schema=schema)
    fields = client.describe_collection("ids")["fields"]
    assert [(f["name"], f["field_id"]) for f in fields][:2] == [("pk", 100), ("v", 101)]  # $meta is 102
    assert (fields[2]["name"], fields[2]["field_id"], [f["field_id"] for f in fields[2]["struct_fields"]]) \
        == ("s", 103, [104, 105])
    client.add_collection_field("ids", "x", D.INT64, nullable=True)
    client.drop_collection_field("ids", "x")
    client.add_collection_field("ids", "x", D.INT64, nullable=True)
    assert [(f["name"], f["field_id"]) for f in client.describe_collection("ids")["fields"]][2] == ("x", 107)
    assert schema.assigned_ids == {}  # the caller's schema object is left as it was


def test_a_schema_stored_without_ids_keeps_its_positions(client: MilvusClient) -> None:
    """A collection made by a pgmilvus that kept no field ids: its fields keep the numbers their
    positions gave them; the next field added takes the next one."""
    _create(client, dynamic=True)
    with client._conn() as conn:
        conn.execute("UPDATE pgmilvus_catalog.collections SET schema = schema - 'field_ids' - 'max_field_id'"
                     " WHERE name = 'c'")
    client.add_collection_field("c", "x", D.INT64, nullable=True)
    assert [(f["name"], f["field_id"]) for f in client.describe_collection("c")["fields"]] \
        == [("pk", 100), ("v", 101), ("tag", 102), ("arr", 103), ("x", 104)]
