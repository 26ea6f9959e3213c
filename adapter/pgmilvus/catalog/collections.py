"""Collection-level operations: create, describe, drop, rename, stats, load state.

Each function runs inside the caller's transaction on one connection, so a
failure anywhere (catalog row, table DDL, index build) leaves nothing behind.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any, Optional

import psycopg
from psycopg import sql

from . import store as catalog, compaction, indexes, segments, ttl
from . import properties as properties_mod
from ..data import analyzer, timestamps
from ..schema import ddl, names
from ..rbac import roles as rbac
from .store import CollectionInfo
from ..errors import (AutoIDException, ErrorCode, InvalidConsistencyLevel, MilvusException, ParamError,
                     PrimaryKeyException, check_argument, collection_not_found, database_not_found, illegal,
                     invalid_parameter)
from ..schema.index_params import IndexParams
from ..schema.model import CollectionSchema
from ..types import ConsistencyLevel, DataType, LoadState, ReplicaInfo, Shard

_log = logging.getLogger("pgmilvus")
#: Milvus 2.6's default for partition-key collections (its e2e suite expects 16; a 2.3.5 server made 64).
DEFAULT_NUM_PARTITIONS = 16
#: Milvus's rootCoord.maxPartitionNum and proxy.maxShardNum defaults.
MAX_NUM_PARTITIONS = 1024
MAX_SHARDS = 16


def require(conn: psycopg.Connection, db_name: str, name: str, *, describe: bool = False,
            for_update: bool = False, name_check: bool = True) -> CollectionInfo:
    """The collection (or alias target) ``name``, or Milvus's not-found error.  ``name_check=False``
    for the calls whose Milvus 2.6 proxy does not check the name (create_index, alter/drop_collection_
    properties, rename's old name, search, hybrid_search and search_iterator): a badly formed name is
    then simply not found."""
    if name_check:
        names.collection_name(name)
    else:
        names.collection_lookup(name)
    info = catalog.get_collection(conn, db_name, name, for_update=for_update)
    if info is None:
        raise collection_not_found(name, db_name, describe=describe)
    return info


#: rootcoord's per-database collection limit: the database's ``database.max.collections``, else
#: quotaAndLimits.limits.maxCollectionNumPerDB (65536).
MAX_COLLECTIONS_KEY, MAX_COLLECTIONS_PER_DB = "database.max.collections", 65536


def _check_collection_limit(conn: psycopg.Connection, db_name: str, database_properties: dict[str, Any]) -> None:
    """createCollectionTask.checkMaxCollectionsPerDB, in its words (102)."""
    text = database_properties.get(MAX_COLLECTIONS_KEY)
    try:
        limit = int(text) if text not in (None, "") else MAX_COLLECTIONS_PER_DB
    except (TypeError, ValueError):
        raise MilvusException(5, f"parse value of property fail, key:{MAX_COLLECTIONS_KEY}, "
                                 f"value:{text}: service internal error") from None
    if catalog.count_collections(conn, db_name) >= limit:
        raise MilvusException(102, f"exceeded the limit number of collections[dbName={db_name}][limit={limit}]")

def schema_name_of(conn: psycopg.Connection, db_name: str) -> str:
    schema_name = catalog.database_schema(conn, db_name)
    if schema_name is None:
        raise database_not_found(db_name)
    return schema_name


def consistency_level(value: Any) -> int:
    """Accepted like pymilvus (name or int) and stored; reads are always strong here."""
    if value is None:
        return int(ConsistencyLevel.Bounded)
    if isinstance(value, str) and value in ConsistencyLevel.__members__:
        return int(ConsistencyLevel[value])
    if isinstance(value, int) and value in ConsistencyLevel._value2member_map_:
        return int(value)  # pymilvus takes True as 1 (Session) too
    shown = f": {value}" if isinstance(value, (int, str)) else ""
    raise InvalidConsistencyLevel(message=f"invalid consistency level{shown} (use one of "
                                          f"{', '.join(ConsistencyLevel.__members__)})")


def refuse_namespace(namespace: Any) -> None:
    """A call's ``namespace`` (pymilvus 3 sends it on insert, query, search and hybrid search):
    no pgmilvus collection has namespaces (``enable_namespace`` is refused at create time, see
    model.CollectionSchema.verify), so any namespace gets Milvus's own answer for such a collection,
    rather than being dropped, which would read and write across tenants."""
    if namespace is not None:
        raise invalid_parameter(f"namespace data is set but namespace disabled (namespace {namespace!r}: "
                                "pgmilvus collections have no namespaces; filter on a partition key "
                                "field instead)")


def quick_schema(dimension: Any, primary_field_name: str, id_type: Any, vector_field_name: str,
                 auto_id: Any, kwargs: dict[str, Any]) -> CollectionSchema:
    """The schema pymilvus's quick setup builds (dynamic field on unless told otherwise)."""
    check_argument("dimension", dimension, int, "quick setup needs an int dimension (or pass schema=...)")
    if isinstance(dimension, bool):
        raise illegal("dimension", dimension, "quick setup needs an int dimension (or pass schema=...)")
    if not isinstance(auto_id, bool):
        raise AutoIDException(message=f"Param auto_id must be bool type. (got {auto_id!r})")
    schema = CollectionSchema(auto_id=auto_id, description=kwargs.get("description", ""),
                              enable_dynamic_field=kwargs.pop("enable_dynamic_field", True),
                              enable_namespace=kwargs.pop("enable_namespace", None))
    if id_type in ("int", DataType.INT64):
        schema.add_field(primary_field_name, DataType.INT64, is_primary=True, auto_id=auto_id)
    elif id_type in ("string", "str", DataType.VARCHAR):
        schema.add_field(primary_field_name, DataType.VARCHAR, is_primary=True, auto_id=auto_id,
                         max_length=kwargs.pop("max_length", None))
    else:
        raise PrimaryKeyException(message="Param primary_field must be int or str type.")
    schema.add_field(vector_field_name, DataType.FLOAT_VECTOR, dim=dimension)
    return schema


def _num_partitions(schema: CollectionSchema, value: Any) -> Optional[int]:
    """pymilvus's checks (type, >= 1), then Milvus's limit for partition-key collections."""
    if value is not None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ParamError(message=f"invalid num_partitions type, got {type(value)}, expected int")
        if value < 1:
            raise ParamError(message=f"The specified num_partitions should be greater than or equal to 1, got "
                                     f"{value}")
    if schema.partition_key_field is None:
        return None
    if value is None:
        return DEFAULT_NUM_PARTITIONS
    if value > MAX_NUM_PARTITIONS:
        raise invalid_parameter(f"partition number ({value}) exceeds max configuration ({MAX_NUM_PARTITIONS})")
    return value


def _num_shards(kwargs: dict[str, Any]) -> int:
    """pymilvus's checks, then Milvus's: at most 16; 0 or less means the default, 1."""
    given = [key for key in ("num_shards", "shards_num") if key in kwargs]
    if len(given) > 1:
        raise ParamError(message="got both num_shards and shards_num in kwargs, expected only one of them")
    shards = kwargs[given[0]] if given else 1
    if not isinstance(shards, int):
        raise ParamError(message=f"invalid num_shards type, got {type(shards)}, expected int")
    if shards > MAX_SHARDS:
        raise MilvusException(ErrorCode.SERVER_ERROR, f"maximum shards's number should be limited to {MAX_SHARDS}")
    return max(int(shards), 1)


def create(conn: psycopg.Connection, db_name: str, name: str, schema: CollectionSchema,
           index_params: Optional[IndexParams], kwargs: dict[str, Any]) -> bool:
    """Create the catalog rows, the partitioned table and its partitions.

    Returns False when an identical collection already exists (Milvus treats
    that as success); a different one with the same name is an error.
    """
    from . import index_ops  # index_ops imports this module

    names.collection_name(name)
    properties_mod.check_description(schema.description or "")
    schema.verify(name)
    level = consistency_level(kwargs.get("consistency_level"))
    shards = _num_shards(kwargs)
    properties = kwargs.get("properties") or {}
    if not isinstance(properties, dict):
        raise ParamError(message=f"properties must be a dict, got {properties!r}")
    timestamps.check_properties(properties)
    properties_mod.check_isolation(name, schema, properties)
    properties_mod.check_query_mode(properties)
    ttl.check(properties)  # Milvus 2.6's createCollectionTask: after the isolation and the zone
    ttl.check_field(properties, schema)  # Milvus master's validateTTL: the TTL field, one TTL of two
    properties_mod.check_warmup(properties)
    num_parts = _num_partitions(schema, kwargs.get("num_partitions"))
    schema_name = schema_name_of(conn, db_name)
    catalog.lock_collection_name(conn, db_name, name)
    existing = catalog.get_collection(conn, db_name, name, aliases=False)
    if existing is not None:
        if existing.schema == schema:
            return False
        raise invalid_parameter(f"create duplicate collection with different parameters, collection: {name}")
    if catalog.alias_target(conn, db_name, name) is not None:
        raise MilvusException(ErrorCode.ALIAS_COLLECTION_NAME_CONFLICT,
                              f"collection name [{name}] conflicts with an existing alias, please choose "
                              "a unique name")
    database_properties = catalog.describe_database(conn, db_name) or {}
    _check_collection_limit(conn, db_name, database_properties)
    table = ddl.pg_name(name)
    if catalog.table_name_taken(conn, schema_name, table):
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              f"a table named {table!r} already exists in Postgres schema {schema_name!r} "
                              f"and is not a pgmilvus collection: choose another collection name")
    # Milvus 2.6: every collection has a timezone (the database's, else UTC), shown by describe
    properties = timestamps.default_properties(properties, database_properties)
    collection_id = catalog.add_collection(conn, db_name, name, table, schema, properties=properties,
                                           consistency_level=level, num_shards=shards,
                                           num_partitions=num_parts, segmented=True)
    token_fields = tuple(f.name for f in analyzer.token_fields(schema))
    conn.execute(ddl.create_collection_table(schema_name, table, schema, segmented=True,
                                             write_times=ttl.seconds(properties) > 0,
                                             token_fields=token_fields))
    for statement in ddl.external_storage(schema_name, table, schema.fields):
        conn.execute(statement)
    for output in schema.bm25_outputs:
        conn.execute(ddl.bm25_term_index(schema_name, table, output))
    for field_name in token_fields:
        conn.execute(ddl.match_index(schema_name, table, field_name))
    loaded = bool(index_params)
    if num_parts is None:
        _add_partition(conn, schema_name, table, collection_id, ddl.DEFAULT_PARTITION, loaded, True)
    else:
        for i in range(num_parts):
            partition = segments.hash_partition_name(i)
            child = ddl.pg_name(table, partition)
            conn.execute(ddl.create_hash_partition(schema_name, table, child, num_parts, i, segmented=True))
            catalog.add_partition(conn, collection_id, partition, child,
                                  catalog.next_partition_ordinal(conn, collection_id), loaded)
            _add_segments(conn, schema_name, collection_id, partition, child)
    if index_params:
        info = catalog.get_collection(conn, db_name, name, aliases=False)
        assert info is not None
        index_ops.create(conn, info, index_params)
    rbac.sync_collection(conn, db_name, name)
    return True


def _add_partition(conn: psycopg.Connection, schema_name: str, table: str, collection_id: int,
                   partition: str, loaded: bool, segmented: bool) -> None:
    child = ddl.pg_name(table, partition)
    conn.execute(ddl.create_list_partition(schema_name, table, child, partition, segmented))
    catalog.add_partition(conn, collection_id, partition, child,
                          catalog.next_partition_ordinal(conn, collection_id), loaded)
    if segmented:
        _add_segments(conn, schema_name, collection_id, partition, child)


def _add_segments(conn: psycopg.Connection, schema_name: str, collection_id: int, partition: str,
                  child: str) -> None:
    """A new partition's segment 0 (rows written by plain SQL) and growing segment."""
    segments.create_outside(conn, schema_name, child)
    segments.create_growing(conn, schema_name, collection_id, partition, child)


def add_partition(conn: psycopg.Connection, info: CollectionInfo, partition: str) -> None:
    """A new partition (none if it exists), under the collection's row lock (``info`` read FOR
    UPDATE); the partitions are counted afresh, so concurrent calls never pass Milvus's maximum."""
    existing = catalog.partition_names(conn, info.id)
    if partition in existing:
        return
    if len(existing) >= MAX_NUM_PARTITIONS:
        raise invalid_parameter(f"partition number ({len(existing)}) exceeds max configuration "
                                f"({MAX_NUM_PARTITIONS}), collection: {info.name}")
    _add_partition(conn, info.schema_name, info.table_name, info.id, partition, info.loaded, info.segmented)
    # Postgres doesn't copy the parent's grants to a new partition table.
    rbac.sync_collection(conn, info.db_name, info.name)


#: Field params Milvus keeps as the JSON text pymilvus sent (orjson's, compact) and describes so.
_JSON_TEXT_PARAMS = ("analyzer_params", "multi_analyzer_params")


def _described_field(field: dict[str, Any]) -> dict[str, Any]:
    params = field["params"]
    for key in _JSON_TEXT_PARAMS:
        if isinstance(params.get(key), (dict, list)):
            params[key] = json.dumps(params[key], separators=(",", ":"), ensure_ascii=False)
    return field


def describe(info: CollectionInfo) -> dict[str, Any]:
    """The dict pymilvus 2.6's describe_collection returns, key for key."""
    schema = info.schema
    ids = schema.field_ids()
    fields = [_described_field(f.to_dict(ids[f.name])) for f in schema.fields]
    for struct, struct_id, sub_ids in schema.struct_ids():  # pymilvus lists them after the fields
        fields.append(struct.to_dict(struct_id, sub_ids))
    return {
        "collection_name": info.name,
        "auto_id": schema.primary_field.auto_id,
        "num_shards": info.num_shards,
        "description": schema.description,
        "fields": fields,
        "functions": _functions(schema),
        "aliases": list(info.aliases),
        "collection_id": info.id,
        "consistency_level": info.consistency_level,
        "consistency_level_name": ConsistencyLevel(info.consistency_level).name,
        "properties": {k: str(v) for k, v in info.properties.items()},
        "num_partitions": len(info.partitions),
        "enable_dynamic_field": schema.enable_dynamic_field,
        "enable_namespace": False,
        "created_timestamp": hybrid_timestamp(info.created_at),
        "update_timestamp": update_timestamp(info),
    }


def update_timestamp(info: CollectionInfo) -> int:
    """Milvus 2.6's update timestamp: the last schema or property change (the creation until then).
    SDKs send it back with their writes as ``schema_timestamp`` (server/rpc_data.py)."""
    return hybrid_timestamp(info.updated_at or info.created_at)


def _functions(schema: CollectionSchema) -> list[dict[str, Any]]:
    """describe_collection's functions as pymilvus builds them from Milvus's answer (FunctionSchema.dict):
    ids from 100 in schema order (rootcoord's StartOfUserFunctionID), field ids as describe numbers them."""
    ids = schema.field_ids()
    return [{"name": f.name, "id": 100 + i, "description": f.description, "type": f.type,
             "params": {k: str(v) for k, v in f.params.items()},
             "input_field_names": list(f.input_field_names),
             "input_field_ids": [ids[n] for n in f.input_field_names if n in ids],
             "output_field_names": list(f.output_field_names),
             "output_field_ids": [ids[n] for n in f.output_field_names if n in ids]}
            for i, f in enumerate(schema.functions)]


def hybrid_timestamp(moment: datetime) -> int:
    """Milvus's hybrid timestamp: physical milliseconds shifted over an 18-bit logical counter."""
    return int(moment.timestamp() * 1000) << 18


def drop(conn: psycopg.Connection, db_name: str, name: str) -> None:
    """Milvus 2.6 does not check the name here ("permit drop collection one with bad collection name",
    dropCollectionTask.PreExecute): an unknown name, however formed, is dropped already."""
    names.collection_lookup(name)
    info = catalog.get_collection(conn, db_name, name, aliases=False, for_update=True)
    if info is None:
        if catalog.alias_target(conn, db_name, name) is not None:
            # Milvus (rootcoord dropCollectionTask.validate) refuses; dropping the target by its
            # alias would be an easy accident.
            raise MilvusException(ErrorCode.ALIAS_NOT_FOUND, f"cannot drop the collection via alias = {name}")
        return
    if info.aliases:
        raise invalid_parameter(f"cannot drop the collection via alias = {info.aliases[0]}: collection "
                                f"{name} has aliases {info.aliases}, please remove all aliases before "
                                "dropping the collection")
    segments.lock_for_ddl(conn, info)  # waits for writers in flight, stops builds in flight
    compaction.drop_leftovers(conn, info)
    conn.execute(ddl.drop_table(info.schema_name, info.table_name))
    catalog.remove_collection(conn, info.id)


def truncate(conn: psycopg.Connection, db_name: str, name: str) -> None:
    """Every row gone at once (TRUNCATE); the table, its leaves and indexes stay."""
    info = require(conn, db_name, name, for_update=True)
    info = segments.lock_for_ddl(conn, info)  # TRUNCATE locks every leaf: stop builds in flight first
    conn.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(info.schema_name, info.table_name)))
    segments.emptied(conn, info)


def rename(conn: psycopg.Connection, db_name: str, old_name: str, new_name: str, target_db: str) -> None:
    names.collection_name(new_name)  # Milvus 2.6 checks only the new name (Proxy.RenameCollection)
    if old_name == new_name and (target_db or db_name) == db_name:  # 2.6's rootcoord, before any lookup
        raise invalid_parameter("collection name or database name should be different")
    # The new name's lock first, as create_collection takes it (names before collections, one
    # order): a create of the same name and this rename wait for each other instead of deadlocking
    # on PostgreSQL's unique keys, and the later one sees the earlier's name taken.
    catalog.lock_collection_name(conn, target_db or db_name, new_name)
    info = require(conn, db_name, old_name, for_update=True, name_check=False)
    if info.name != old_name:  # master's rootcoord CheckIfCollectionRenamable, in its order
        raise invalid_parameter(f"unsupported use an alias to rename collection, alias:{old_name}")
    segments.lock_for_ddl(conn, info)  # waits for writers in flight, stops builds in flight
    compaction.drop_leftovers(conn, info)
    target_db = target_db or db_name
    target_schema = schema_name_of(conn, target_db)
    if catalog.alias_target(conn, target_db, new_name) is not None:
        raise MilvusException(ErrorCode.ALIAS_COLLECTION_NAME_CONFLICT, "alias and collection name conflict"
                              f"[database={target_db}][alias={new_name}]")
    if catalog.get_collection(conn, target_db, new_name) is not None:
        raise MilvusException(ErrorCode.SERVER_ERROR,
                              f"duplicated new collection name {target_db}:{new_name} with other "
                              "collection name or alias")
    new_table = ddl.pg_name(new_name)
    if catalog.table_name_taken(conn, target_schema, new_table) and not (
            target_schema == info.schema_name and new_table == info.table_name):
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              f"a table named {new_table!r} already exists in Postgres schema "
                              f"{target_schema!r}: choose another collection name")
    if target_schema != info.schema_name:
        if info.aliases:
            raise invalid_parameter(f"collection {old_name} has aliases; drop them before moving it to "
                                    f"database {target_db}")
        children = segments.descendants(conn, info)  # partitions, and segments' leaves
        conn.execute(ddl.move_table(info.schema_name, info.table_name, target_schema))
        for table in children:
            conn.execute(ddl.move_table(info.schema_name, table, target_schema))
    if new_table != info.table_name:  # not when moved to another database under its own name
        _rename_tables(conn, target_schema, info, new_table)
    catalog.rename_collection(conn, info.id, target_db, new_name, new_table)
    rbac.sync_collection(conn, target_db, new_name)


def _rename_tables(conn: psycopg.Connection, schema_name: str, info: CollectionInfo, new_table: str) -> None:
    """The collection's table, indexes, partitions and first segments, named after ``new_table``."""
    conn.execute(ddl.rename_table(schema_name, info.table_name, new_table))
    _rename_indexes(conn, schema_name, info, new_table)
    for part in info.partitions:
        child = ddl.pg_name(new_table, part.name)
        conn.execute(ddl.rename_table(schema_name, part.table_name, child))
        if info.segmented:  # segment 0 is named after its partition (the others by a unique id)
            conn.execute(ddl.rename_table(schema_name, segments.leaf_name(part.table_name, 0),
                                          segments.leaf_name(child, 0)))
        conn.execute(f"UPDATE {catalog.CATALOG}.partitions SET table_name = %s"
                     " WHERE collection_id = %s AND name = %s", (child, info.id, part.name))


def _rename_indexes(conn: psycopg.Connection, schema_name: str, info: CollectionInfo, new_table: str) -> None:
    """Give the collection's Postgres indexes names after its new table name.

    They are named after the table (indexes.pg_index_name); left as they were,
    they would keep the old name taken, and a collection created again under
    it could not create its indexes.
    """
    renamed: dict[str, str] = {}
    for index in info.indexes:
        for old, new in ((indexes.pg_index_name(info.table_name, index.index_name),
                          indexes.pg_index_name(new_table, index.index_name)),
                         (ddl.pg_name(info.table_name, "jidx", index.index_name),
                          ddl.pg_name(new_table, "jidx", index.index_name))):
            if old not in renamed and old != new and catalog.table_name_taken(conn, schema_name, old):
                conn.execute(ddl.rename_index(schema_name, old, new))
                renamed[old] = new
    for index in info.indexes:
        facts = index.params.get(indexes.PG_KEY)
        path_index = facts.get("path_index") if isinstance(facts, dict) else None
        if index.pg_index_name in renamed or path_index in renamed:
            if path_index in renamed:
                index.params = {**index.params, indexes.PG_KEY: {**facts, "path_index": renamed[path_index]}}
            index.pg_index_name = renamed.get(index.pg_index_name, index.pg_index_name)
            catalog.rename_index_objects(conn, info.id, index)
    named_after_table = [("bm25", output) for output in info.schema.bm25_outputs]  # ddl.bm25_term_index
    named_after_table += [("match", field) for field in info.schema.token_fields]  # ddl.match_index
    for kind, field in named_after_table:
        old, new = ddl.pg_name(info.table_name, kind, field), ddl.pg_name(new_table, kind, field)
        if old != new:
            conn.execute(ddl.rename_index(schema_name, old, new))


def row_count(conn: psycopg.Connection, info: CollectionInfo, partition: Optional[str] = None) -> int:
    """Live rows (Milvus counts physical rows, deleted ones too, until compaction)."""
    if partition is None:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(info.schema_name, info.table_name))
    else:
        part = info.partition(partition)
        assert part is not None
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(info.schema_name, part.table_name))
    return conn.execute(query).fetchone()[0]


def load_state(info: Optional[CollectionInfo], partition: str = "") -> dict[str, Any]:
    if info is None:
        return {"state": LoadState.NotExist}
    if partition:
        part = info.partition(partition)
        if part is None:
            return {"state": LoadState.NotExist}
        return {"state": LoadState.Loaded if part.loaded else LoadState.NotLoad}
    return {"state": LoadState.Loaded if info.loaded else LoadState.NotLoad}


#: The one query node of a standalone Milvus, and its resource group.
NODE_ID = segments.NODE_ID
RESOURCE_GROUP = "__default_resource_group"  # resource_groups.DEFAULT


def replicas(info: CollectionInfo) -> list[ReplicaInfo]:
    """describe_replica: the single in-memory replica a standalone Milvus has once the collection is loaded.

    Postgres serves every read from the same tables, so the replica, its
    shards (one DML channel per ``num_shards``, named as Milvus names them)
    and its node are a description, not something to manage.  A released collection has none:
    Milvus master's querycoord answers it with no replica (2.3 refused it as not loaded).
    """
    if not info.loaded:
        return []
    shards = [Shard(f"by-dev-rootcoord-dml_{i}_{info.id}v{i}", [NODE_ID], NODE_ID, segments.node_address())
              for i in range(info.num_shards)]
    return [ReplicaInfo(info.id, shards, [NODE_ID], RESOURCE_GROUP, {})]


def check_load_balance(info: CollectionInfo, src_node: int, dst_nodes: list[int], segment_ids: list[int],
                       on_node: set[int]) -> None:
    """LoadBalance as querycoord checks it, in its order and words (``on_node``: the sealed segments
    the node serves).  pgmilvus has one query node, so a request that passes has nothing to move."""
    if not any(p.loaded for p in info.partitions):
        raise MilvusException(103, f"collection not fully loaded[collection={info.id}]")
    if src_node != NODE_ID:
        raise MilvusException(901, f"source node not found in any replica of collection {info.id}: "
                                   f"node not found[node={src_node}]")
    for node in dst_nodes:
        if node != NODE_ID:
            raise MilvusException(901, f"destination node not found in the same replica: node not found[node={node}]")
    for segment_id in segment_ids:
        if segment_id not in on_node:
            raise MilvusException(segments.SEGMENT_NOT_FOUND, "segment not found in source node: segment not "
                                                              f"found[segment={segment_id}]")


def check_load_fields(info: CollectionInfo, load_fields: Any) -> None:
    """A partial load's field list, checked as Milvus's proxy checks it before the indexes
    (schemaInfo.GetLoadFieldIDs / validateLoadFields): every name a field or a struct (its
    sub-fields count), and the key, a vector field, the partition key and the clustering key among
    them.  PostgreSQL reads every column whatever is loaded, so the list is only checked."""
    if not load_fields:
        return
    names = [str(name) for name in ([load_fields] if isinstance(load_fields, str) else load_fields)]
    schema = info.schema
    fields: list[Any] = []
    for name in names:
        struct = schema.struct_field(name)
        if struct is not None:
            fields.extend(struct.fields)
            continue
        field = schema.field(name)
        if field is None:
            raise MilvusException(ErrorCode.SERVER_ERROR,
                                  f"failed to get field schema by name: fieldName({name}) not found (load_fields "
                                  f"names the fields of {info.name} to load)")
        fields.append(field)
    shown = "[" + " ".join(names) + "]"  # Go's %v of the list
    if not any(f.is_primary for f in fields):
        raise invalid_parameter(f"load field list {shown} does not contain primary key field "
                                f"{schema.primary_field.name}")
    if not any(f.takes_vector_index for f in fields):
        raise invalid_parameter(f"load field list {shown} does not contain vector field")
    for kind, key in (("partition key", next((f for f in schema.fields if f.is_partition_key), None)),
                      ("clustering key", next((f for f in schema.fields if f.is_clustering_key), None))):
        if key is not None and key not in fields:
            raise invalid_parameter(f"load field list {shown} does not contain {kind} field {key.name}")


def require_vector_index(info: CollectionInfo) -> None:
    """Milvus refuses to load a collection whose vector fields have no index: with no index at all,
    DescribeIndex's ``index not found`` (700); else the proxy's list of the unindexed vector fields,
    struct arrays' sub-fields (clips[emb]) after the fields, in master's words."""
    indexed = {i.field_name for i in info.indexes}
    missing = [f.name for f in info.schema.vector_fields if f.name not in indexed]
    missing += [c.name for c in info.schema.struct_columns
                if c.dtype == DataType._ARRAY_OF_VECTOR and c.name not in indexed]
    if missing and not info.indexes:
        raise MilvusException(ErrorCode.INDEX_NOT_FOUND,
                              f"index not found[collection={info.name}]: create an index on vector field "
                              f"{missing[0]} (create_index) before loading")
    if missing:
        raise invalid_parameter(f"there is no vector index on field: [{' '.join(missing)}], please create index "
                                "firstly")
