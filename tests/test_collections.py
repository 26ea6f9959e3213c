"""Collections, partitions, aliases, databases and load state against a real Postgres.

Every test runs twice through the ``client`` fixture: embedded (a ``.db``
folder) and server (``postgresql://`` over TCP).
"""

from __future__ import annotations

import psycopg
import pytest

from pgmilvus import (AutoIDException, DataNotMatchException, DataType, DescribeCollectionException,
                      InvalidConsistencyLevel, MilvusClient, MilvusException, ParamError, PrimaryKeyException)
from pgmilvus.types import LoadState

D = DataType


def _custom_schema(**kwargs):
    schema = MilvusClient.create_schema(**kwargs)
    schema.add_field("pk", D.VARCHAR, is_primary=True, max_length=64)
    schema.add_field("emb", D.FLOAT_VECTOR, dim=4)
    return schema


def _hnsw(field: str = "emb", metric: str = "L2"):
    params = MilvusClient.prepare_index_params()
    params.add_index(field, index_type="HNSW", metric_type=metric, params={"M": 8, "efConstruction": 64},
                     index_name="my_idx")
    return params


# -- quick setup and describe ------------------------------------------------------------------------

def test_quick_setup_matches_pymilvus_describe(client: MilvusClient) -> None:
    client.create_collection("quick_setup", dimension=5, metric_type="IP")
    desc = client.describe_collection("quick_setup")
    created = desc.pop("created_timestamp")
    assert isinstance(created, int) and created > 0
    assert desc.pop("update_timestamp") == created  # never changed since it was created
    assert isinstance(desc.pop("collection_id"), int)
    assert desc == {
        "collection_name": "quick_setup", "auto_id": False, "num_shards": 1, "description": "",
        "fields": [
            {"field_id": 100, "name": "id", "description": "", "type": D.INT64, "params": {},
             "is_primary": True},
            {"field_id": 101, "name": "vector", "description": "", "type": D.FLOAT_VECTOR,
             "params": {"dim": 5}},
        ],
        "functions": [], "aliases": [], "consistency_level": 2, "consistency_level_name": "Bounded",
        "properties": {"timezone": "UTC"}, "num_partitions": 1, "enable_dynamic_field": True,
        "enable_namespace": False,
    }
    # Same top-level keys, in the same order, as milvus-lite / pymilvus 2.6 print them.
    assert list(client.describe_collection("quick_setup")) == [
        "collection_name", "auto_id", "num_shards", "description", "fields", "functions", "aliases",
        "collection_id", "consistency_level", "consistency_level_name", "properties", "num_partitions",
        "enable_dynamic_field", "enable_namespace", "created_timestamp", "update_timestamp"]
    assert client.list_indexes("quick_setup") == ["vector"]
    assert client.describe_index("quick_setup", "vector") == {
        "index_type": "AUTOINDEX", "metric_type": "IP", "field_name": "vector", "index_name": "vector",
        "total_rows": 0, "indexed_rows": 0, "pending_index_rows": 0, "state": "Finished"}
    assert client.get_load_state("quick_setup") == {"state": LoadState.Loaded}
    assert client.get_collection_stats("quick_setup") == {"row_count": 0}
    assert client.list_partitions("quick_setup") == ["_default"]


def test_quick_setup_options(client: MilvusClient) -> None:
    client.create_collection("s", dimension=3, id_type="string", max_length=16, auto_id=False,
                             primary_field_name="my_id", vector_field_name="emb",
                             enable_dynamic_field=False, consistency_level="Strong")
    desc = client.describe_collection("s")
    assert desc["fields"][0] == {"field_id": 100, "name": "my_id", "description": "", "type": D.VARCHAR,
                                 "params": {"max_length": 16}, "is_primary": True}
    assert desc["fields"][1]["name"] == "emb"
    assert desc["enable_dynamic_field"] is False
    assert (desc["consistency_level"], desc["consistency_level_name"]) == (0, "Strong")
    client.create_collection("a", dimension=3, auto_id=True)
    assert client.describe_collection("a")["auto_id"] is True
    assert client.describe_index("a", "vector")["metric_type"] == "COSINE"


@pytest.mark.parametrize("kwargs, cls, message", [
    ({"dimension": None}, ParamError, "missing required argument: [dimension]"),
    ({"dimension": "5"}, ParamError, "wrong type of argument [dimension], expected type: [int], got type: [str]"),
    ({"dimension": 5, "id_type": "float"}, PrimaryKeyException, "Param primary_field must be int or str type."),
    ({"dimension": 5, "id_type": "string"}, MilvusException,
     "type param(max_length) should be specified for the field(id) of collection bad"),
    ({"dimension": 0}, MilvusException, "invalid dimension: 0"),
    ({"dimension": 5, "metric_type": "EUCLID"}, MilvusException,
     "float vector index does not support metric type: EUCLID: invalid parameter[expected=valid index params]"
     "[actual=invalid index params] (field vector takes L2, IP, COSINE)"),
    ({"dimension": 5, "auto_id": "yes"}, AutoIDException, "Param auto_id must be bool type."),
    ({"dimension": 5, "consistency_level": "Whenever"}, InvalidConsistencyLevel,
     "invalid consistency level: Whenever"),
    ({"dimension": 1}, MilvusException, "invalid dimension: 1. should be in range 2 ~ 32768 (field vector)"),
    # e2e causes #21/#22/#25: pymilvus's and Milvus's checks of num_shards / num_partitions
    ({"dimension": 5, "num_shards": 17}, MilvusException, "maximum shards's number should be limited to 16"),
    ({"dimension": 5, "num_shards": "2"}, ParamError, "invalid num_shards type, got <class 'str'>, expected int"),
    ({"dimension": 5, "num_shards": 2, "shards_num": 2}, ParamError,
     "got both num_shards and shards_num in kwargs, expected only one of them"),
    ({"dimension": 5, "num_partitions": 1.5}, ParamError,
     "invalid num_partitions type, got <class 'float'>, expected int"),
    ({"dimension": 5, "num_partitions": 0}, ParamError,
     "The specified num_partitions should be greater than or equal to 1, got 0"),
])
def test_quick_setup_errors_leave_nothing(client: MilvusClient, kwargs: dict, cls: type, message: str) -> None:
    with pytest.raises(cls) as info:
        client.create_collection("bad", **kwargs)
    assert message in info.value.message
    assert client.list_collections() == []


def test_custom_schema_describe_and_types(client: MilvusClient) -> None:
    schema = MilvusClient.create_schema(auto_id=True, enable_dynamic_field=False, description="d")
    schema.add_field("pk", D.INT64, is_primary=True)
    schema.add_field("emb", D.FLOAT_VECTOR, dim=4)
    schema.add_field("age", D.INT32, nullable=True, default_value=3)
    schema.add_field("tags", D.ARRAY, element_type=D.VARCHAR, max_capacity=4, max_length=10)
    schema.add_field("j", D.JSON)
    client.create_collection("custom", schema=schema, index_params=_hnsw())
    desc = client.describe_collection("custom")
    assert desc["auto_id"] is True and desc["description"] == "d"
    assert desc["fields"][0] == {"field_id": 100, "name": "pk", "description": "", "type": D.INT64,
                                 "params": {}, "auto_id": True, "is_primary": True}
    assert desc["fields"][2] == {"field_id": 102, "name": "age", "description": "", "type": D.INT32,
                                 "params": {}, "default_value": 3, "nullable": True}
    assert desc["fields"][3] == {"field_id": 103, "name": "tags", "description": "", "type": D.ARRAY,
                                 "params": {"max_length": 10, "max_capacity": 4},
                                 "element_type": D.VARCHAR}
    assert client.describe_index("custom", "my_idx") == {
        "M": "8", "efConstruction": "64", "index_type": "HNSW", "metric_type": "L2", "field_name": "emb",
        "index_name": "my_idx", "total_rows": 0, "indexed_rows": 0, "pending_index_rows": 0,
        "state": "Finished"}
    assert client.get_load_state("custom") == {"state": LoadState.Loaded}


def _columns(client: MilvusClient, collection: str) -> dict[str, str]:
    with client._conn() as conn:
        rows = conn.execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'default' AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped",
            (collection,)).fetchall()
    return dict(rows)


def test_every_storable_datatype_gets_its_postgres_type(client: MilvusClient) -> None:
    schema = MilvusClient.create_schema(enable_dynamic_field=True)
    schema.add_field("id", D.INT64, is_primary=True)
    schema.add_field("b", D.BOOL)
    schema.add_field("i8", D.INT8)
    schema.add_field("i16", D.INT16)
    schema.add_field("i32", D.INT32)
    schema.add_field("f", D.FLOAT)
    schema.add_field("d", D.DOUBLE)
    schema.add_field("s", D.VARCHAR, max_length=12)
    schema.add_field("t", D.TEXT)
    schema.add_field("ts", D.TIMESTAMPTZ)
    schema.add_field("j", D.JSON)
    schema.add_field("ai", D.ARRAY, element_type=D.INT32, max_capacity=3)
    schema.add_field("as_", D.ARRAY, element_type=D.VARCHAR, max_capacity=3, max_length=5)
    schema.add_field("fv", D.FLOAT_VECTOR, dim=3)
    schema.add_field("f16", D.FLOAT16_VECTOR, dim=4)
    schema.add_field("bf16", D.BFLOAT16_VECTOR, dim=4)
    schema.add_field("bv", D.BINARY_VECTOR, dim=16)
    client.create_collection("types", schema=schema)
    assert _columns(client, "types") == {
        "id": "bigint", "b": "boolean", "i8": "smallint", "i16": "smallint", "i32": "integer", "f": "real",
        "d": "double precision", "s": "character varying(12)", "t": "text",
        "ts": "timestamp with time zone", "j": "jsonb", "ai": "integer[]",
        "as_": "character varying(5)[]", "fv": "vector(3)", "f16": "halfvec(4)", "bf16": "halfvec(4)",
        "bv": "bit(16)", "$meta": "jsonb", "$partition": "text", "$segment": "integer"}
    assert client.get_load_state("types") == {"state": LoadState.NotLoad}
    # Milvus holds a collection to 4 vector fields: the other two vector types in a second one
    schema = MilvusClient.create_schema()
    schema.add_field("id", D.INT64, is_primary=True)
    schema.add_field("sv", D.SPARSE_FLOAT_VECTOR)
    schema.add_field("i8v", D.INT8_VECTOR, dim=3)
    client.create_collection("types2", schema=schema)
    assert {k: v for k, v in _columns(client, "types2").items() if not k.startswith("$")} == {
        "id": "bigint", "sv": "sparsevec", "i8v": "vector(3)"}


@pytest.mark.parametrize("dtype", [D.STRUCT, D._ARRAY_OF_STRUCT, D._ARRAY_OF_VECTOR, D.UNKNOWN])
def test_unstorable_datatypes_refused_at_create(client: MilvusClient, dtype: DataType) -> None:
    schema = _custom_schema()
    schema.add_field("x", dtype)
    with pytest.raises(MilvusException) as info:
        client.create_collection("c", schema=schema)
    assert info.value.code == 3000 and "is not supported by pgmilvus" in info.value.message
    assert not client.has_collection("c")


@pytest.mark.parametrize("dtype, message", [
    (D.STRING, "string data type not supported yet, please use VarChar type instead"),
    (D.NONE, "data type None is not valid")])
def test_types_milvus_refuses_get_its_text(client: MilvusClient, dtype: DataType, message: str) -> None:
    """STRING and NONE are no column type in Milvus either: its proxy's words (validateFieldType)."""
    schema = _custom_schema()
    schema.add_field("x", dtype)
    with pytest.raises(MilvusException) as info:
        client.create_collection("c", schema=schema)
    assert (info.value.code, info.value.message) == (65535, message)
    assert not client.has_collection("c")


def test_every_dimension_milvus_takes_is_created(client: MilvusClient) -> None:
    """pgvector's vector / halfvec hold 16,000 dimensions, Milvus 32,768: wider vectors are stored in
    pieces (tests/test_wide_vectors.py); bit holds Milvus's whole binary range (e2e cause #13)."""
    client.create_collection("c", dimension=16000)
    client.create_collection("w", dimension=32768)
    schema = _custom_schema().add_field("bits", D.BINARY_VECTOR, dim=32768)
    client.create_collection("b", schema=schema)
    assert sorted(client.list_collections()) == ["b", "c", "w"]
    assert client.describe_collection("w")["fields"][1]["params"] == {"dim": 32768}


def test_field_errors_come_from_create_collection(client: MilvusClient) -> None:
    """pymilvus leaves field-name / type-param checks to the server: add_field accepts the field and
    create_collection raises (e2e cause #14), leaving nothing behind."""
    schema = _custom_schema().add_field("1x", D.INT64)
    with pytest.raises(MilvusException) as info:
        client.create_collection("c", schema=schema)
    assert (info.value.code, info.value.message) == (
        1701, "Invalid field name: 1x. The first character of a field name must be an underscore or letter.: "
              "field name invalid[field=1x]")
    assert client.list_collections() == []


def test_postgres_enforces_milvus_limits(client: MilvusClient) -> None:
    schema = _custom_schema()
    schema.add_field("i8", D.INT8, nullable=True)
    schema.add_field("s", D.VARCHAR, max_length=5, nullable=True)
    client.create_collection("c", schema=schema)
    with client._conn() as conn:
        for column, value in (("i8", 200), ("s", "ééé")):
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute(f'INSERT INTO "default"."c" (pk, emb, "{column}") VALUES (%s, %s, %s)',
                             ("k", "[1,2,3,4]", value))


def test_recreate_identical_is_silent_and_different_is_error(client: MilvusClient) -> None:
    client.create_collection("c", dimension=4)
    client.create_collection("c", dimension=4)
    with pytest.raises(MilvusException) as info:
        client.create_collection("c", dimension=8)
    assert info.value.code == 1100
    assert "create duplicate collection with different parameters, collection: c" in info.value.message


def test_list_has_drop_rename(client: MilvusClient) -> None:
    client.create_collection("a", dimension=2)
    client.create_collection("b", dimension=2)
    assert client.list_collections() == ["a", "b"]
    assert client.has_collection("a") and not client.has_collection("zz")
    client.drop_collection("zz")  # missing: no error, as in Milvus
    client.rename_collection("a", "a2")
    assert client.list_collections() == ["a2", "b"]
    assert client.describe_collection("a2")["collection_name"] == "a2"
    with pytest.raises(MilvusException, match="duplicated new collection name default:b"):
        client.rename_collection("a2", "b")
    with pytest.raises(MilvusException) as info:
        client.rename_collection("nope", "x")
    assert info.value.code == 100
    client.drop_collection("a2")
    assert client.list_collections() == ["b"]
    client.create_collection("a2", dimension=2)  # the old table and its partitions are gone
    assert client.list_partitions("a2") == ["_default"]


def test_unknown_collection_errors(client: MilvusClient) -> None:
    with pytest.raises(DescribeCollectionException) as info:
        client.describe_collection("nope")
    assert (info.value.code, info.value.message) == (100, "can't find collection[database=default][collection=nope]")
    for call in (lambda: client.get_collection_stats("nope"), lambda: client.load_collection("nope"),
                 lambda: client.list_partitions("nope"), lambda: client.create_partition("nope", "p")):
        with pytest.raises(MilvusException) as info:
            call()
        assert info.value.code == 100
        assert info.value.message == "collection not found[database=default][collection=nope]"
    assert client.get_load_state("nope") == {"state": LoadState.NotExist}


@pytest.mark.parametrize("name, message", [
    ("a-b", "Invalid collection name: a-b. collection name can only contain numbers, letters and underscores: "
            "invalid parameter"),
    ("12-s", "Invalid collection name: 12-s. the first character of a collection name must be an underscore or "
             "letter: invalid parameter"),
    ("x" * 256, "the length of a collection name must be less than 255 characters: invalid parameter"),
    ('a"; DROP TABLE x; --', "collection name can only contain numbers, letters and underscores"),
    ("é", "Invalid collection name: é. the first character of a collection name must be an underscore or letter"),
])
def test_invalid_collection_names(client: MilvusClient, name: str, message: str) -> None:
    with pytest.raises(MilvusException) as info:
        client.create_collection(name, dimension=2)
    assert info.value.code == 1100 and message in info.value.message
    with pytest.raises(ParamError, match="is illegal"):
        client.create_collection("", dimension=2)


def test_long_names_map_to_distinct_tables(client: MilvusClient) -> None:
    a, b = "c" * 255, "c" * 254 + "d"
    client.create_collection(a, dimension=2)
    client.create_collection(b, dimension=2)
    client.create_partition(a, "p" * 255)
    assert client.list_collections() == [a, b]
    assert client.list_partitions(a) == ["_default", "p" * 255]


def test_stats_flush_compact_truncate_properties(client: MilvusClient) -> None:
    client.create_collection("c", dimension=2)
    with client._conn() as conn:
        conn.execute('INSERT INTO "default"."c" (id, vector) VALUES (1, %s), (2, %s)', ("[1,2]", "[3,4]"))
    assert client.get_collection_stats("c") == {"row_count": 2}
    client.flush("c")
    job = client.compact("c")
    assert isinstance(job, int) and client.get_compaction_state(job) == "Completed"
    with pytest.raises(MilvusException) as info:  # Milvus 2.6: only on a released collection
        client.alter_collection_properties("c", {"collection.ttl.seconds": 60, "mmap.enabled": True})
    assert (info.value.code, info.value.message) == (
        104, "can not alter mmap properties if collection loaded: collection already loaded[collection=c]")
    with pytest.raises(MilvusException, match="can not alter warmup properties if collection loaded"):
        client.alter_collection_properties("c", {"warmup.vectorIndex": "sync"})
    client.release_collection("c")
    client.alter_collection_properties("c", {"collection.ttl.seconds": 60, "mmap.enabled": True})
    assert client.describe_collection("c")["properties"] == {"timezone": "UTC", "collection.ttl.seconds": "60",
                                                            "mmap.enabled": "True"}
    client.load_collection("c")
    with pytest.raises(MilvusException, match="can not delete mmap properties if collection loaded"):
        client.drop_collection_properties("c", ["mmap.enabled"])
    client.release_collection("c")
    client.drop_collection_properties("c", ["mmap.enabled"])
    assert client.describe_collection("c")["properties"] == {"timezone": "UTC", "collection.ttl.seconds": "60"}
    client.alter_collection_properties("c", {"collection.ttl.seconds": 30})  # others: loaded or not
    client.truncate_collection("c")
    assert client.get_collection_stats("c") == {"row_count": 0}


def test_alter_dynamicfield_enabled_adds_the_dynamic_field(client: MilvusClient) -> None:
    """Milvus 2.6 (rootcoord alter dynamic field): True adds the dynamic field to an existing
    collection; pgmilvus stored the property and applied nothing (e2e cause #21)."""
    client.create_collection("c", dimension=2, enable_dynamic_field=False)
    client.insert("c", [{"id": 1, "vector": [1, 2]}])
    with pytest.raises(DataNotMatchException, match="unexpected field `x`"):
        client.insert("c", [{"id": 2, "vector": [1, 2], "x": 1}])
    client.alter_collection_properties("c", {"dynamicfield.enabled": False})   # the current value: no-op
    errors = [({"dynamicfield.enabled": True, "collection.ttl.seconds": 5},
               "cannot alter dynamic schema with other properties at the same time: invalid parameter"),
              ({"dynamicfield.enabled": "yes"}, "invalid value 'yes' for collection property "
                                                "dynamicfield.enabled: use True or False: invalid parameter")]
    for properties, message in errors:
        with pytest.raises(MilvusException) as info:
            client.alter_collection_properties("c", properties)
        assert (info.value.code, info.value.message) == (1100, message)
    client.alter_collection_properties("c", {"dynamicfield.enabled": True})
    described = client.describe_collection("c")
    assert described["enable_dynamic_field"] is True and described["properties"] == {"timezone": "UTC"}
    assert [f["name"] for f in described["fields"]] == ["id", "vector"]
    client.insert("c", [{"id": 2, "vector": [3, 4], "x": 1}])
    assert client.query("c", filter="id >= 0", output_fields=["*"]) == [
        {"id": 1, "vector": [1.0, 2.0]}, {"id": 2, "vector": [3.0, 4.0], "x": 1}]
    assert client.search("c", [[3, 4]], filter="x == 1", output_fields=["x"])[0][0]["entity"] == {"x": 1}
    client.alter_collection_properties("c", {"dynamicfield.enabled": "True"})  # already on: no-op
    with pytest.raises(MilvusException) as info:
        client.drop_collection_properties("c", ["dynamicfield.enabled"])
    assert (info.value.code, info.value.message) == (1100, "cannot delete key dynamicfield.enabled: invalid parameter")
    assert client.describe_collection("c")["enable_dynamic_field"] is True


def test_disabling_the_dynamic_field_takes_its_keys_away(client: MilvusClient) -> None:
    """Milvus master's broadcastDisableDynamicField: the field, its values and its keys' indexes go;
    enabled again, it is empty, under a new field id."""
    schema = client.create_schema(enable_dynamic_field=True)
    schema.add_field("id", D.INT64, is_primary=True)
    schema.add_field("vector", D.FLOAT_VECTOR, dim=2)
    index = client.prepare_index_params()
    index.add_index("vector", metric_type="L2")
    index.add_index("x", index_type="INVERTED", params={"json_cast_type": "double", "json_path": "x"})
    client.create_collection("c", schema=schema, index_params=index)
    client.insert("c", [{"id": 1, "vector": [1, 2], "x": 1}])
    client.alter_collection_properties("c", {"dynamicfield.enabled": False})
    described = client.describe_collection("c")
    assert described["enable_dynamic_field"] is False and client.list_indexes("c") == ["vector"]
    assert client.query("c", filter="id >= 0", output_fields=["*"]) == [{"id": 1, "vector": [1.0, 2.0]}]
    with pytest.raises(MilvusException) as info:
        client.query("c", filter="x == 1")
    assert info.value.code == 1100 and "field x not exist" in info.value.message
    client.alter_collection_properties("c", {"dynamicfield.enabled": True})
    client.insert("c", [{"id": 2, "vector": [3, 4], "y": 2}])
    assert client.query("c", filter="id >= 0", output_fields=["*"]) == [
        {"id": 1, "vector": [1.0, 2.0]}, {"id": 2, "vector": [3.0, 4.0], "y": 2}]


# -- load state ----------------------------------------------------------------------------------------

def test_load_names_every_unindexed_vector_field_once_one_index_exists(client: MilvusClient) -> None:
    """Milvus's proxy: 700 while the collection has no index, then its list of unindexed vector fields."""
    schema = _custom_schema()
    schema.add_field("a", D.FLOAT_VECTOR, dim=4)
    schema.add_field("b", D.FLOAT16_VECTOR, dim=4)
    client.create_collection("c", schema=schema)
    with pytest.raises(MilvusException) as info:
        client.load_collection("c")
    assert info.value.code == 700
    client.create_index("c", _hnsw())
    with pytest.raises(MilvusException) as info:
        client.load_collection("c")
    assert (info.value.code, info.value.message) == (
        1100, "there is no vector index on field: [a b], please create index firstly: invalid parameter")
    assert client.get_load_state("c") == {"state": LoadState.NotLoad}


def test_load_release_keeps_state(client: MilvusClient) -> None:
    client.create_collection("c", schema=_custom_schema())
    assert client.get_load_state("c") == {"state": LoadState.NotLoad}
    with pytest.raises(MilvusException) as info:
        client.load_collection("c")
    assert info.value.code == 700 and "index not found[collection=c]" in info.value.message
    client.create_index("c", _hnsw())
    client.load_collection("c")
    assert client.get_load_state("c") == {"state": LoadState.Loaded}
    with pytest.raises(MilvusException) as info:
        client.drop_index("c", "my_idx")
    assert info.value.code == 1100
    assert info.value.message.startswith("vector index cannot be dropped on loaded collection: ")
    assert info.value.message.endswith(" (release collection c first): invalid parameter")
    client.release_collection("c")
    assert client.get_load_state("c") == {"state": LoadState.NotLoad}
    client.drop_index("c", "my_idx")
    assert client.list_indexes("c") == [] and client.describe_index("c", "my_idx") is None
    client.refresh_load("c")


def test_drop_index_naming_none_drops_the_only_index(client: MilvusClient) -> None:
    """A DropIndex naming no index (the Java v1 SDK's DropIndexParam default) is datacoord's: every
    index of the collection, the loaded check first, several refused as duplicates, one dropped."""
    client.create_collection("c", schema=_custom_schema())
    client.drop_index("c", "")  # no index: nothing to drop, no error
    client.create_index("c", _hnsw())
    client.load_collection("c")
    with pytest.raises(MilvusException) as info:
        client.drop_index("c", "")
    assert (info.value.code, info.value.message.split(":")[0]) == (1100, "vector index cannot be dropped on loaded collection")
    client.release_collection("c")
    scalar = MilvusClient.prepare_index_params()
    scalar.add_index("pk", index_type="INVERTED", index_name="pk_idx")
    client.create_index("c", scalar)
    with pytest.raises(MilvusException) as info:
        client.drop_index("c", "")
    assert (info.value.code, info.value.message) == (702, "index duplicates[indexName=]")
    client.drop_index("c", "pk_idx")
    client.drop_index("c", "")
    assert client.list_indexes("c") == []


# -- indexes -----------------------------------------------------------------------------------------

def test_index_errors_and_idempotency(client: MilvusClient) -> None:
    client.create_collection("c", schema=_custom_schema())
    with pytest.raises(ParamError, match="IndexParams is empty"):
        client.create_index("c", MilvusClient.prepare_index_params())
    bad = MilvusClient.prepare_index_params("emb", index_type="NOPE", metric_type="L2")
    with pytest.raises(MilvusException, match="invalid index type: NOPE"):
        client.create_index("c", bad)
    bad = MilvusClient.prepare_index_params("nofield", index_type="HNSW", metric_type="L2")
    with pytest.raises(MilvusException) as info:
        client.create_index("c", bad)
    assert info.value.code == 1700
    client.create_index("c", _hnsw())
    client.create_index("c", _hnsw())  # identical: no-op
    with pytest.raises(MilvusException, match="at most one distinct index"):
        client.create_index("c", _hnsw(metric="IP"))
    scalar = MilvusClient.prepare_index_params("pk", index_name="pk_idx")
    client.create_index("c", scalar)
    assert client.list_indexes("c") == ["my_idx", "pk_idx"]
    assert client.list_indexes("c", field_name="pk") == ["pk_idx"]
    # metric_type on a scalar index is taken and used for nothing, as Milvus does (e2e cause #22); Milvus
    # keeps it among the index's params, and describe_index shows it (the Go SDK's e2e tests read it back)
    client.drop_index("c", "pk_idx")
    client.create_index("c", MilvusClient.prepare_index_params("pk", index_type="INVERTED", index_name="pk2",
                                                               metric_type="L2"))
    described = client.describe_index("c", "pk2")
    assert (described["index_type"], described["metric_type"]) == ("INVERTED", "L2")


@pytest.mark.parametrize("given, shown", [("TRIE", "TRIE"), ("Trie", "Trie"), ("trie", "Trie")])
def test_a_trie_index_is_described_as_given(client: MilvusClient, given: str, shown: str) -> None:
    """Milvus 2.6's checkers know both "TRIE" and "Trie" and keep the spelling given."""
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("color", DataType.VARCHAR, max_length=8)
    client.create_collection("t", schema=schema)
    client.create_index("t", MilvusClient.prepare_index_params("color", index_type=given, index_name="c"))
    assert client.describe_index("t", "c")["index_type"] == shown


@pytest.mark.parametrize("index_type", ["TRIE", "INVERTED", "STL_SORT", "BITMAP", "NGRAM", "AUTOINDEX"])
def test_no_scalar_index_on_text_and_trie_only_on_varchar(client: MilvusClient, index_type: str) -> None:
    """Milvus master refuses every user-created scalar index on a TEXT field (its values are large
    objects; here no B-tree entry would hold them), and a TEXT default value; TRIE on other types
    is refused in 2.6's words.  Long texts stay writable and prefix filters scan."""
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("body", DataType.TEXT)
    schema.add_field("n", DataType.INT64)
    client.create_collection("t", schema=schema)
    with pytest.raises(MilvusException) as err:
        client.create_index("t", MilvusClient.prepare_index_params("body", index_type=index_type, index_name="b"))
    assert (err.value.code, err.value.message) == (1100, "TEXT field does not support user-created scalar index: "
                                                         "invalid parameter")
    client.insert("t", [{"id": 1, "v": [0.1, 0.2], "body": "x" * 10000 + " tail", "n": 1},
                        {"id": 2, "v": [0.1, 0.2], "body": "short", "n": 2}])
    assert [r["id"] for r in client.query("t", filter='body like "xx%"')] == [1]
    with pytest.raises(MilvusException) as err:
        client.create_index("t", MilvusClient.prepare_index_params("n", index_type="Trie", index_name="nn"))
    assert (err.value.code, err.value.message) == (65535, "TRIE are only supported on varchar field (field n is "
                                                          "Int64)")
    bad = client.create_schema()
    bad.add_field("id", DataType.INT64, is_primary=True)
    bad.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    bad.add_field("body", DataType.TEXT, default_value="x")
    with pytest.raises(MilvusException) as err:
        client.create_collection("bad", schema=bad)
    assert (err.value.code, err.value.message) == (1100, "type not support default_value, type:Text, name:body: "
                                                         "invalid parameter")


# -- partitions --------------------------------------------------------------------------------------

def test_shards_are_checked_and_stored(client: MilvusClient) -> None:
    client.create_collection("s16", dimension=2, num_shards=16)
    client.create_collection("s0", dimension=2, shards_num=0)    # Milvus: 0 or less is the default
    assert client.describe_collection("s16")["num_shards"] == 16
    assert client.describe_collection("s0")["num_shards"] == 1


def test_partition_count_is_limited(client: MilvusClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Milvus refuses partitions past rootCoord.maxPartitionNum (1024, _default included); the limit
    is lowered here so the test creates 3 tables, not 1024."""
    from pgmilvus.catalog import collections

    monkeypatch.setattr(collections, "MAX_NUM_PARTITIONS", 3)
    client.create_collection("c", dimension=2)
    client.create_partition("c", "p1")
    client.create_partition("c", "p2")
    client.create_partition("c", "p2")   # exists: no-op, not a new partition
    with pytest.raises(MilvusException) as info:
        client.create_partition("c", "p3")
    assert (info.value.code, info.value.message) == (
        1100, "partition number (3) exceeds max configuration (3), collection: c: invalid parameter")
    assert client.list_partitions("c") == ["_default", "p1", "p2"]


def test_a_collection_of_1024_partitions_is_read_and_dropped(fresh_db: str) -> None:
    """Milvus's maximum partition count: its DROP locks ~10k tables, indexes and toast tables at
    once, past PostgreSQL's default lock table (max_locks_per_transaction 64); the embedded server
    is created with 512.  Where a server has less, the error says so and names the setting."""
    with psycopg.connect(fresh_db) as conn:
        if int(conn.execute("SHOW max_locks_per_transaction").fetchone()[0]) < 512:
            pytest.skip("this server has max_locks_per_transaction < 512 (not pgmilvus's embedded one)")
    client = MilvusClient(fresh_db)
    client.create_collection("many", dimension=2)
    for i in range(1023):
        client.create_partition("many", f"p{i}")
    client.insert("many", [{"id": i, "vector": [0.1, i]} for i in range(3)], partition_name="p1022")
    assert client.query("many", filter="id >= 0", output_fields=["count(*)"])[0]["count(*)"] == 3
    assert len(client.search("many", [[0.1, 1.0]], limit=5)[0]) == 3
    client.drop_collection("many")
    assert client.list_collections() == []
    client.close()


def test_out_of_shared_memory_is_not_a_lost_connection() -> None:
    """SQLSTATE 53200 is an answer (retrying fails the same way): it names the setting to raise."""
    from psycopg import errors as pge

    from pgmilvus.pg.connection import ConnectionLost, translated

    error = translated(pge.OutOfMemory("out of shared memory"))
    assert not isinstance(error, ConnectionLost)
    assert error.message.startswith("the PostgreSQL server ran out of memory (out of shared memory); nothing")
    assert "max_locks_per_transaction" in error.message


def test_a_table_gone_mid_call_is_collection_not_found_without_postgresql_words() -> None:
    """A call whose table was dropped or renamed while it ran (a read, compact's VACUUM) answers 100."""
    from psycopg import errors as pge

    from pgmilvus.pg.connection import translated

    error = translated(pge.UndefinedTable('relation "default.r1$_default" does not exist'))
    assert (error.code, error.message) == (100, "collection not found: the collection (table default.r1$_default) "
                                                "was dropped or renamed while this call ran")


def test_a_revision_marker_dropped_mid_statement_is_a_stale_catalog() -> None:
    """A marker dropped between a read's parse and its planning (XX000 'cache lookup failed for function'):
    the read runs again on a fresh catalog, as for a marker already gone; a write gets the retryable error."""
    from psycopg import errors as pge

    from pgmilvus.pg.connection import ConnectionLost, _worth_retrying, translated

    lost = pge.InternalError_("cache lookup failed for function 29486")
    assert _worth_retrying(lost) and isinstance(translated(lost), ConnectionLost)
    assert not _worth_retrying(pge.InternalError_("cache lookup failed for relation 1"))


def test_partitions_lifecycle(client: MilvusClient) -> None:
    client.create_collection("c", dimension=2)
    client.create_partition("c", "partitionA")
    client.create_partition("c", "partitionA")  # duplicate: no error
    assert client.list_partitions("c") == ["_default", "partitionA"]
    assert client.has_partition("c", "partitionA") and not client.has_partition("c", "zz")
    assert client.get_partition_stats("c", "partitionA") == {"row_count": 0}
    assert client.get_load_state("c", partition_name="partitionA") == {"state": LoadState.Loaded}
    with pytest.raises(MilvusException) as refused:
        client.drop_partition("c", "partitionA")
    assert (refused.value.code, refused.value.message) == (
        1100, "partition cannot be dropped, partition is loaded, please release it first: invalid parameter")
    client.release_partitions("c", "partitionA")
    assert client.get_load_state("c", partition_name="partitionA") == {"state": LoadState.NotLoad}
    assert client.get_load_state("c") == {"state": LoadState.Loaded}
    client.drop_partition("c", "partitionA")
    client.drop_partition("c", "partitionA")  # missing: no error
    assert client.list_partitions("c") == ["_default"]
    with pytest.raises(MilvusException, match="default partition cannot be deleted"):
        client.drop_partition("c", "_default")
    client.create_partition("c", "p2")
    client.release_collection("c")
    client.load_partitions("c", ["p2"])
    assert client.get_load_state("c", partition_name="p2") == {"state": LoadState.Loaded}
    assert client.get_load_state("c", partition_name="_default") == {"state": LoadState.NotLoad}
    with pytest.raises(MilvusException) as info:
        client.get_partition_stats("c", "nop")
    assert (info.value.code, info.value.message) == (200, "partition not found[partition=nop]")
    with pytest.raises(MilvusException) as info:
        client.load_partitions("c", ["nop"])
    assert info.value.code == 200
    with pytest.raises(TypeError):
        client.get_partition_stats("c", 1)
    with pytest.raises(MilvusException, match="Invalid partition name: 1bad name"):
        client.create_partition("c", "1bad name")


def test_date_named_partitions_work_end_to_end(client: MilvusClient) -> None:
    """Milvus 2.6 lets a partition name start with a digit and hold '-' ("2024-01", Milvus #38494):
    created, written, read by name (query, search, delete) and dropped, its table name quoted."""
    client.create_collection("c", dimension=2)
    for name in ("2024-01", "2024-02"):
        client.create_partition("c", name)
    assert client.list_partitions("c") == ["_default", "2024-01", "2024-02"]
    assert client.has_partition("c", "2024-01")
    client.insert("c", [{"id": 1, "vector": [0.1, 0.2]}], partition_name="2024-01")
    client.insert("c", [{"id": 2, "vector": [0.3, 0.4]}], partition_name="2024-02")
    assert [r["id"] for r in client.query("c", filter="id > 0", partition_names=["2024-01"])] == [1]
    hits = client.search("c", data=[[0.3, 0.4]], limit=5, partition_names=["2024-02"])
    assert [h["id"] for h in hits[0]] == [2]
    assert client.get_partition_stats("c", "2024-02") == {"row_count": 1}
    assert client.delete("c", filter="id in [2]", partition_name="2024-02")["delete_count"] == 1
    client.release_partitions("c", ["2024-01", "2024-02"])
    client.drop_partition("c", "2024-02")
    assert client.list_partitions("c") == ["_default", "2024-01"]
    client.rename_collection("c", "c2")
    assert client.query("c2", filter="id > 0", partition_names=["2024-01"])[0]["id"] == 1
    client.drop_collection("c2")


def test_partition_rows_live_in_child_tables(client: MilvusClient) -> None:
    client.create_collection("c", dimension=2)
    client.create_partition("c", "pA")
    with client._conn() as conn:
        conn.execute('INSERT INTO "default"."c" (id, vector, "$partition") VALUES (1, %s, %s), (2, %s, %s)',
                     ("[1,2]", "_default", "[3,4]", "pA"))
        rows = conn.execute('SELECT tableoid::regclass::text, id FROM "default"."c" ORDER BY id').fetchall()
    # Rows written by plain SQL land in segment 0 of their partition (segments.py).
    assert rows == [('"default"."c$_default$s0"', 1), ('"default"."c$pA$s0"', 2)]
    assert client.get_partition_stats("c", "pA") == {"row_count": 1}
    assert client.get_collection_stats("c") == {"row_count": 2}


def test_partition_key_collection(client: MilvusClient) -> None:
    schema = _custom_schema()
    schema.add_field("tenant", D.INT64, is_partition_key=True)
    client.create_collection("pk", schema=schema, num_partitions=4)
    assert client.list_partitions("pk") == ["_default_0", "_default_1", "_default_2", "_default_3"]
    assert client.describe_collection("pk")["num_partitions"] == 4
    assert client.describe_collection("pk")["fields"][2]["is_partition_key"] is True
    with pytest.raises(MilvusException, match="disable create partition if partition key mode is used"):
        client.create_partition("pk", "p")
    with pytest.raises(MilvusException, match="disable drop partition if partition key mode is used"):
        client.drop_partition("pk", "_default_0")
    for call, what in ((client.load_partitions, "load partitions"), (client.release_partitions, "release partitions")):
        with pytest.raises(MilvusException, match=f"disable {what} if partition key mode is used"):
            call("pk", ["_default_0"])  # before the missing index is noticed, as in Milvus 2.6
    client.create_collection("pk16", schema=schema)      # Milvus 2.6's default: 16 (e2e cause #18)
    assert len(client.list_partitions("pk16")) == 16
    assert client.describe_collection("pk16")["num_partitions"] == 16
    with pytest.raises(MilvusException) as info:
        client.create_collection("pk0", schema=schema, num_partitions=1025)
    assert (info.value.code, info.value.message) == (
        1100, "partition number (1025) exceeds max configuration (1024): invalid parameter")


# -- aliases -----------------------------------------------------------------------------------------

def test_aliases(client: MilvusClient) -> None:
    client.create_collection("a", dimension=2)
    client.create_collection("b", dimension=2)
    client.create_alias("a", "al")
    client.create_alias("a", "al")  # same target: no-op
    assert client.describe_alias("al") == {"alias": "al", "collection_name": "a", "db_name": "default"}
    assert client.list_aliases() == {"aliases": ["al"], "collection_name": "", "db_name": "default"}
    assert client.list_aliases("a")["aliases"] == ["al"] and client.list_aliases("b")["aliases"] == []
    assert client.has_collection("al")
    assert client.describe_collection("al")["collection_name"] == "a"
    assert client.describe_collection("a")["aliases"] == ["al"]
    assert client.list_collections() == ["a", "b"]
    with pytest.raises(MilvusException) as info:
        client.create_alias("b", "al")
    assert info.value.code == 1602 and "al is alias to another collection: a" in info.value.message
    with pytest.raises(MilvusException) as info:
        client.create_alias("a", "b")
    assert info.value.code == 1601
    with pytest.raises(MilvusException) as info:
        client.create_collection("al", dimension=2)
    assert info.value.code == 1601
    with pytest.raises(MilvusException, match="has aliases"):
        client.drop_collection("a")
    client.alter_alias("b", "al")
    assert client.describe_alias("al")["collection_name"] == "b"
    with pytest.raises(MilvusException) as info:   # e2e test_milvus_client_alias_search_query
        client.drop_collection("al")
    assert (info.value.code, info.value.message) == (1600, "cannot drop the collection via alias = al")
    assert client.list_collections() == ["a", "b"] and client.describe_alias("al")["collection_name"] == "b"
    with pytest.raises(MilvusException) as info:
        client.alter_alias("b", "nope")
    assert info.value.code == 1600
    client.create_alias("a", "al2")
    client.alter_alias("al2", "al")  # a target given by its alias is its collection (Milvus 2.6's proxy)
    assert client.describe_alias("al")["collection_name"] == "a"
    client.drop_alias("al2")
    client.drop_alias("al")
    client.drop_alias("al")  # missing: no error
    with pytest.raises(MilvusException) as info:
        client.describe_alias("al")
    assert (info.value.code, info.value.message) == (1600, "alias not found[database=default][alias=al]")


# -- databases ---------------------------------------------------------------------------------------

def test_databases(client: MilvusClient) -> None:
    assert client.list_databases() == ["default"]
    client.create_database("db1", properties={"database.replica.number": 1})
    assert client.list_databases() == ["default", "db1"]
    assert client.describe_database("db1") == {"name": "db1", "database.replica.number": "1"}
    with pytest.raises(MilvusException, match="database already exist: db1"):
        client.create_database("db1")
    client.create_collection("x", dimension=2)
    client.use_database("db1")
    assert client.list_collections() == []
    client.create_collection("x", dimension=3)  # same name, other database
    assert client.describe_collection("x")["fields"][1]["params"] == {"dim": 3}
    client.use_database("default")
    assert client.describe_collection("x")["fields"][1]["params"] == {"dim": 2}
    with pytest.raises(MilvusException, match="database:db1 not empty"):
        client.drop_database("db1")
    with pytest.raises(MilvusException) as info:
        client.use_database("nodb")
    assert (info.value.code, info.value.message) == (800, "database not found[database=nodb]")
    with pytest.raises(MilvusException, match="can not drop default database"):
        client.drop_database("default")
    with pytest.raises(MilvusException, match="reserved"):
        client.create_database("public")
    client.alter_database_properties("db1", {"k": "v"})
    client.drop_database_properties("db1", ["database.replica.number"])
    assert client.describe_database("db1") == {"name": "db1", "k": "v"}
    client.use_database("db1")
    client.drop_collection("x")
    client.drop_database("db1")
    assert client.list_databases() == ["default"]
    client.drop_database("db1")  # missing: no error


def test_database_max_collections(client: MilvusClient) -> None:
    """rootcoord's checkMaxCollectionsPerDB: ``database.max.collections`` limits creates (102); an
    identical create of an existing collection still succeeds; other databases are not limited."""
    client.create_database("capped", properties={"database.max.collections": 2})
    client.use_database("capped")
    client.create_collection("a", dimension=2)
    client.create_collection("b", dimension=2)
    client.create_collection("b", dimension=2)  # the same collection again: success, as in Milvus
    with pytest.raises(MilvusException) as info:
        client.create_collection("c", dimension=2)
    assert (info.value.code, info.value.message) == (
        102, "exceeded the limit number of collections[dbName=capped][limit=2]")
    assert client.list_collections() == ["a", "b"]
    client.use_database("default")
    client.create_collection("c", dimension=2)


def _indexed(client: MilvusClient, name: str) -> None:
    schema = client.create_schema(enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("n", DataType.INT64)
    schema.add_field("j", DataType.JSON)
    index = client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="L2")
    index.add_index("n", index_type="STL_SORT")
    index.add_index("j", index_type="INVERTED", index_name="j_a",
                    params={"json_path": 'j["a"]', "json_cast_type": "double"})
    client.create_collection(name, schema=schema, index_params=index)
    client.insert(name, [{"id": i, "v": [1.0, float(i)], "n": i, "j": {"a": i}} for i in range(5)])


def test_a_renamed_collections_old_name_takes_a_new_collection_with_the_same_indexes(
        client: MilvusClient) -> None:
    _indexed(client, "c")
    client.rename_collection("c", "old")
    _indexed(client, "c")  # its indexes' Postgres names were still taken by "old"'s
    for name in ("c", "old"):
        assert sorted(client.list_indexes(name)) == ["j_a", "n", "v"]
        hits = client.search(name, [[1.0, 2.0]], limit=2, filter="n >= 1 and j['a'] < 4")
        assert [h["id"] for h in hits[0]] == [2, 1]
    client.release_collection("old")
    for index in ("v", "n", "j_a"):
        client.drop_index("old", index)
    with psycopg.connect(client._db.conninfo) as conn:
        left = conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'default' AND tablename = "
                            "'old' AND indexname NOT LIKE '%%pkey'").fetchall()
    assert left == []


def test_db_name_argument_and_rename_across_databases(client: MilvusClient) -> None:
    client.create_database("db2")
    client.create_collection("c", dimension=2)
    client.create_partition("c", "pA")
    client.rename_collection("c", "moved", target_db="db2")
    assert client.list_collections() == []
    client.use_database("db2")
    assert client.list_collections() == ["moved"]
    assert client.list_partitions("moved") == ["_default", "pA"]


def test_move_to_another_database_under_the_same_name(client: MilvusClient) -> None:
    """The Node SDK's renameCollection test: same name, new_db_name (PostgreSQL refuses a rename to itself)."""
    client.create_database("db3")
    client.create_collection("same", dimension=2)
    client.create_partition("same", "pA")
    client.insert("same", [{"id": 1, "vector": [0.1, 0.2]}], partition_name="pA")
    client.rename_collection("same", "same", target_db="db3")
    assert not client.has_collection("same")
    client.use_database("db3")
    assert client.list_partitions("same") == ["_default", "pA"]
    assert [r["id"] for r in client.query("same", filter="id > 0")] == [1]
    client.use_database("default")
    with pytest.raises(MilvusException, match="collection name or database name should be different"):
        client.rename_collection("other", "other", target_db="default")


# -- client lifecycle --------------------------------------------------------------------------------

def test_close_and_context_manager(client: MilvusClient) -> None:
    dsn = client._db.conninfo
    with MilvusClient(dsn, user="", password="", db_name="default", token="", timeout=10,
                      secure=False, keep_alive=True) as other:
        assert other.list_databases() == ["default"]
    with pytest.raises(MilvusException, match="should create connection first"):
        other.list_collections()
    other.close()  # idempotent
    with pytest.raises(MilvusException) as info:
        MilvusClient(dsn, db_name="nodb")
    assert info.value.code == 800


def test_two_clients_see_the_same_catalog(client: MilvusClient) -> None:
    other = MilvusClient(client._db.conninfo)
    try:
        client.create_collection("shared", dimension=2)
        assert other.list_collections() == ["shared"]
        other.create_partition("shared", "p")
        assert client.list_partitions("shared") == ["_default", "p"]
    finally:
        other.close()


def test_concurrent_create_partition_never_passes_the_maximum(client: MilvusClient, monkeypatch) -> None:
    """Eight threads creating partitions at once: the count is taken after the collection's lock, so
    the 1,024 maximum holds (it used to be passed by the calls that waited for the lock)."""
    import threading

    from pgmilvus.catalog import collections as collections_mod

    monkeypatch.setattr(collections_mod, "MAX_NUM_PARTITIONS", 12)
    client.create_collection("cap", dimension=2)
    threads = [threading.Thread(target=lambda k=k: [_try(lambda: client.create_partition("cap", f"p{k}_{i}"))
                                                    for i in range(3)]) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(client.list_partitions("cap")) == 12
    with pytest.raises(MilvusException, match=r"partition number \(12\) exceeds max configuration \(12\)"):
        client.create_partition("cap", "one_more")


def _try(call) -> None:
    try:
        call()
    except MilvusException:
        pass


def test_index_mmap_given_at_create_time_is_described_as_pymilvus_sent_it(client: MilvusClient) -> None:
    """pymilvus sends mmap.enabled as str(True); Milvus describes it as sent, "True"."""
    schema = client.create_schema()
    schema.add_field("id", D.INT64, is_primary=True)
    schema.add_field("v", D.FLOAT_VECTOR, dim=2)
    index = client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="L2", params={"M": 16, "mmap.enabled": True})
    client.create_collection("mi", schema=schema, index_params=index)
    described = client.describe_index("mi", "v")
    assert (described["mmap.enabled"], described["M"]) == ("True", "16")


@pytest.mark.parametrize("pk_type,call,message", [
    (DataType.INT64, "insert", "the value of field s in row 1 is 8,000 bytes, too long for the INVERTED index "
                               "'s': a PostgreSQL B-tree entry holds at most 2,704 bytes after compression; keep "
                               "the values shorter, or drop the scalar index on s (index row "),
    (DataType.INT64, "upsert", "the value of field s in row 1 is 8,000 bytes, too long for the INVERTED index "),
    (DataType.VARCHAR, "insert", "the value of field id in row 1 is 8,000 bytes, too long for the primary key's "
                                 "index: a PostgreSQL B-tree entry holds at most 2,704 bytes after compression; "
                                 "keep primary keys shorter (a hash of a long key, for one) (index row "),
])
def test_a_value_too_long_for_its_index_is_named(client: MilvusClient, pk_type: DataType, call: str,
                                                 message: str) -> None:
    """SQLSTATE 54000 (a value too long for a B-tree index entry; Milvus takes it) is an
    OperationalError to psycopg, but a retry fails the same way: the user reads which field and
    row, and the fix, not "lost the connection ... retry it"; nothing is written."""
    import random
    import string

    from pgmilvus.pg.connection import ConnectionLost

    schema = client.create_schema()
    schema.add_field("id", pk_type, is_primary=True, max_length=20000)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("s", DataType.VARCHAR, max_length=20000)
    index = client.prepare_index_params()
    index.add_index("s", index_type="INVERTED")
    client.create_collection("lim", schema=schema, index_params=index)
    rng = random.Random(3)
    long_value = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(8000))
    keys = [1, 2] if pk_type == DataType.INT64 else ["a", long_value]
    rows = [{"id": keys[0], "v": [0.1, 0.2], "s": "short"},
            {"id": keys[1], "v": [0.1, 0.2], "s": long_value if pk_type == DataType.INT64 else "b"}]
    with pytest.raises(MilvusException) as err:
        getattr(client, call)("lim", rows)
    assert not isinstance(err.value, ConnectionLost)
    assert err.value.code == 1
    assert err.value.message.startswith(message)
    assert err.value.message.endswith("); nothing of this call was written")
    assert client.query("lim", output_fields=["count(*)"])[0]["count(*)"] == 0


def test_alter_description_and_consistency_level(client: MilvusClient) -> None:
    """Milvus 2.6's rootcoord: ``collection.description`` and ``consistency_level`` change the
    collection itself (describe_collection's description and level), they are no properties; a
    description is at most 1,024 bytes (proxy.maxCollectionDescriptionLength)."""
    client.create_collection("ad", dimension=4, description="first")
    described = client.describe_collection("ad")
    assert (described["description"], described["consistency_level"]) == ("first", 2)
    client.alter_collection_properties("ad", {"collection.description": "second", "consistency_level": "Strong",
                                              "note": "kept"})
    client.alter_collection_properties("ad", {"consistency_level": "NoSuchLevel"})  # ignored, as in Milvus
    described = client.describe_collection("ad")
    assert (described["description"], described["consistency_level"]) == ("second", 0)
    assert "collection.description" not in described["properties"] and described["properties"]["note"] == "kept"
    too_long = "é" * 513  # 1,026 bytes
    with pytest.raises(MilvusException) as info:
        client.alter_collection_properties("ad", {"collection.description": too_long})
    assert (info.value.code, info.value.message) == (
        1100, "the length of a collection description must not exceed 1024 bytes: invalid parameter")
    with pytest.raises(MilvusException) as info:
        client.create_collection("ad2", dimension=4, description=too_long)
    assert info.value.code == 1100 and not client.has_collection("ad2")
    client.create_collection("ad3", dimension=4, description="é" * 512)  # 1,024 bytes
