"""MilvusClient: pymilvus's names, signatures and return shapes on PostgreSQL.

The client only checks arguments, picks a connection and calls the
operation modules (collections, index_ops, writes, reads, search), which
build SQL; it holds no SQL of its own.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, TypeVar, Union

from ..catalog import store as catalog, collections, index_ops, listings, resource_groups, stats
from ..schema import ddl, function_fields as function_checks, functions as schema_functions, names
from ..search import by_ids, highlight, hybrid, ann as search_mod
from ..rbac import backup as rbac_backup, groups, roles as rbac
from ..data import aggregates, analyze, analyzer, field_ops, order_by, reads, timestamps, writes
from ..data.outputs import output_plan
from ..catalog import (builder, compaction, compaction_jobs, evolution as schema_evolution, function_fields, segments, snapshots,
                       struct_fields as struct_evolution)
from ..search import chained as search_chained, ranked as search_ranked
from ..search.chains import spec as chain_spec
from ..pg import callers
from ..filters import spatial_scope
from . import optimize, snapshot_args, unsupported, uri as uri_mod
from ..catalog import properties as properties_mod
from ..pg.connection import Database, check_timeout
from ..errors import (DataTypeNotMatchException, ErrorCode, MilvusException, ParamError, PermissionDenied,
                     check_argument, client_side, collection_not_found, database_not_found, illegal, invalid_parameter,
                     partition_not_found)
from ..schema.index_params import IndexParams
from ..rbac.privileges import METHOD_PRIVILEGES
from ..search.iterator import SearchIterator
from ..search.function_rank import FunctionScore
from ..search.rerank import BaseRanker
from ..search.params import build_request, check_guarantee_timestamp, check_ignore_growing, check_output_fields
from ..schema.model import CollectionSchema, FieldSchema, Function
from ..schema.structs import StructFieldSchema
from ..types import (CompactionPlans, DataType, FunctionType, LoadedSegmentInfo, LoadState, ResourceGroupInfo,
                     RestoreSnapshotJobInfo, SegmentInfo, SegmentState, SnapshotInfo, State)

_log = logging.getLogger("pgmilvus")
_RESERVED_SCHEMAS = {"pgmilvus_catalog", "pgmilvus_snapshots", "information_schema", "public"}
#: list_persistent_segments without states: what Milvus's proxy asks its data coordinator for.
_PERSISTED = (SegmentState.Sealed, SegmentState.Flushing, SegmentState.Flushed)
#: list_segments without states (pymilvus's retained lifecycle states).
_RETAINED = (SegmentState.Growing, SegmentState.Sealed, SegmentState.Flushing, SegmentState.Flushed,
             SegmentState.Importing, SegmentState.Dropped)
T = TypeVar("T")


class MilvusClient:
    """Drop-in for ``pymilvus.MilvusClient`` backed by PostgreSQL + pgvector."""

    def __init__(self, uri: str = "", user: str = "", password: str = "", db_name: str = "",
                 token: str = "", timeout: Optional[float] = None, **kwargs: Any) -> None:
        target = uri_mod.resolve(uri, user, password, token)
        if target.embedded_path is not None:
            from ..pg import embedded

            dsn = embedded.acquire(target.embedded_path)
        else:
            assert target.dsn is not None
            dsn = target.dsn
        self._timeout = timeout
        self._db = Database(dsn, timeout=timeout, max_size=int(kwargs.get("pool_size", 8)),
                            listen={catalog.CHANGES_CHANNEL: catalog.invalidate_cache})
        # The description cache is the process's: what it holds from clients already closed was not
        # kept fresh by anyone listening since (DDL by another process in the meantime).
        catalog.invalidate_cache()
        self._closed = False
        try:
            with self._db.connection() as conn:
                catalog.install(conn, migrated=rbac.sync_every_role)
                db_name = db_name or "default"
                names.database_name(db_name)
                if catalog.database_schema(conn, db_name) is None:
                    raise database_not_found(db_name)
        except BaseException:
            self._db.close()
            raise
        self._db_name = db_name
        self._server = self._db.conninfo
        self._settler = stats.Settler(self._server, self._settle_table)
        self._builder = builder.Builder(self._server)

    # -- plumbing --------------------------------------------------------------------------------
    def _conn(self, timeout: Optional[float] = None):
        self._check_open(timeout)
        return self._db.connection(timeout)

    def _read(self, call: Callable[[Any], T], timeout: Optional[float] = None) -> T:
        """Run a read-only call on a cached catalog, without the checkout round trip.

        See connection.Database.read: a stale cache or a dead connection makes
        the call run again, on a checked connection and a freshly read catalog.
        """
        if timeout is not None:
            check_timeout(timeout)
        if self._closed:
            raise MilvusException(message="should create connection first")
        return self._db.read(call, timeout, on_stale=catalog.invalidate_cache)

    def _tx(self, timeout: Optional[float] = None):
        self._check_open(timeout)
        return self._db.transaction(timeout)

    def _locked(self, conn: Any, collection_name: str) -> catalog.CollectionInfo:
        """The collection, under its write lock (catalog.lock_collection): DDL that changes its
        catalog rows without its row lock (load, release, aliases: RBAC grants those privileges
        without UPDATE on the collection's row) still waits for a drop or rename in flight, in
        the order every DDL takes its locks, instead of deadlocking with it."""
        return catalog.lock_collection(conn, collections.require(conn, self._db_name, collection_name),
                                       describe=False)

    def _db_arg(self, argument: str, db_name: Any) -> str:
        """A call's optional database argument (snapshots): the client's database when empty."""
        return names.a_str(argument, db_name) if db_name else self._db_name

    def _check_open(self, timeout: Optional[float]) -> None:
        check_timeout(timeout)
        if self._closed:
            raise MilvusException(message="should create connection first")

    @contextlib.contextmanager
    def _write(self, collection_name: str, timeout: Optional[float] = None,
               describe: bool = True) -> Iterator[tuple[Any, catalog.CollectionInfo]]:
        """A write's connection, inside its transaction, and its collection, looked up before the
        transaction begins: so the process's cached description serves the lookup (one read in a
        transaction is never cached), and the writer's lock_collection confirms it by its revision.
        The connection skips the checkout check (Database.begun): when BEGIN delivers a catalog
        notification, the collection is looked up again, inside the transaction."""
        self._check_open(timeout)

        def look_up(conn: Any) -> catalog.CollectionInfo:
            return collections.require(conn, self._db_name, collection_name, describe=describe)

        def prepare(conn: Any) -> tuple[int, catalog.CollectionInfo]:
            return catalog.cache_generation(), look_up(conn)

        with self._db.begun(prepare, timeout) as (conn, (generation, info)):
            if catalog.cache_generation() != generation:  # BEGIN delivered a catalog notification
                info = look_up(conn)
            yield conn, info

    def bind(self, connection: Any):
        """pgmilvus's own: within ``with client.bind(conn):``, this client's calls (in this thread or
        task) run on the application's psycopg connection, inside the transaction it opened, each in
        a savepoint; pgmilvus never commits or rolls back that transaction (docs/integrations.md)."""
        if self._closed:
            raise MilvusException(message="should create connection first")
        return self._db.bind(connection)

    def close(self) -> None:
        if not self._closed:
            self._settler.stop()
            self._builder.stop()
            self._closed = True
            self._db.close()

    # -- statistics (stats.py) ---------------------------------------------------------------------
    def _wrote(self, info: catalog.CollectionInfo, rows: int) -> None:
        """Count a committed write toward the collection's next ANALYZE."""
        stats.wrote(self._server, info.id, info.schema_name, info.table_name, rows)
        self._settler.poke()
        self._builder.poke(info)  # sealed segments get their vector indexes (segments.py)

    def _fresh(self, conn: Any, info: catalog.CollectionInfo) -> catalog.CollectionInfo:
        """``info``, its statistics refreshed first if this process's writes made them stale; the
        builder looks whether another process left its segments' upkeep undone (builder.adopt)."""
        if stats.due(self._server, info.id):
            stats.settle(conn, self._server, info.id, info.schema_name, info.table_name)
        self._builder.adopt(info)
        return info

    def _settle(self, info: catalog.CollectionInfo, everything: bool = False) -> None:
        self._settle_table(info.id, info.schema_name, info.table_name, everything)

    def _settle_table(self, collection_id: int, schema_name: str, table_name: str,
                      everything: bool = False) -> None:
        """Check the server's statistics of a collection (and refresh them) on a connection of its
        own; after DDL calls, from the background thread (stats.Settler) and at close()."""
        if not self._closed:
            with self._db.connection() as conn:
                stats.settle(conn, self._server, collection_id, schema_name, table_name, everything=everything)

    def __enter__(self) -> "MilvusClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def get_server_version(self, timeout: Optional[float] = None, detail: bool = False, **kwargs: Any):
        with self._conn(timeout) as conn:
            pg = conn.execute("SHOW server_version").fetchone()[0]
            vec = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()[0]
        from ..version import __version__

        version = f"pgmilvus-{__version__} (PostgreSQL {pg}, pgvector {vec})"
        return {"version": version, "postgresql": pg, "pgvector": vec} if detail else version

    def get_server_type(self) -> str:
        """"milvus", as pymilvus says for any self-hosted server (it says "zilliz" for Zilliz Cloud hosts).

        Client code branches on it for cloud-only features; pgmilvus offers none of them.
        """
        return "milvus"

    # -- resource groups (catalog/resource_groups.py: a standalone's, its one node in the default) --
    def list_resource_groups(self, timeout: Optional[float] = None, **kwargs: Any) -> List[str]:
        """The default group and those created (tools such as Attu and Milvus's test harness ask)."""
        with self._conn(timeout) as conn:
            return resource_groups.names(conn)

    def describe_resource_group(self, name: str, timeout: Optional[float] = None, **kwargs: Any) -> ResourceGroupInfo:
        """The group's capacity, node, loaded collections and config, as a standalone Milvus describes them."""
        with self._conn(timeout) as conn:
            return ResourceGroupInfo(**resource_groups.describe(conn, self._db_name, name))

    def create_resource_group(self, name: str, timeout: Optional[float] = None, **kwargs: Any) -> None:
        """A group with ``config`` (pymilvus's ResourceGroupConfig or a dict; default requests and
        limits 0); the same again is a no-op.  It gets no node: the only one stays in the default group."""
        with self._tx(timeout) as conn:
            resource_groups.create(conn, name, kwargs.get("config"))

    def drop_resource_group(self, name: str, timeout: Optional[float] = None, **kwargs: Any) -> None:
        with self._tx(timeout) as conn:
            resource_groups.drop(conn, name)

    def update_resource_groups(self, configs: Dict[str, Any], timeout: Optional[float] = None,
                               **kwargs: Any) -> None:
        with self._tx(timeout) as conn:
            resource_groups.update(conn, configs)

    def transfer_node(self, source: str, target: str, num_node: int, timeout: Optional[float] = None,
                      **kwargs: Any) -> None:
        """Milvus's deprecated form of update_resource_groups: moves ``num_node`` of requests / limits."""
        with self._tx(timeout) as conn:
            resource_groups.transfer_node(conn, source, target, num_node)

    def transfer_replica(self, source_group: str, target_group: str, collection_name: str, num_replicas: int,
                         timeout: Optional[float] = None, **kwargs: Any) -> None:
        """Milvus's checks; the replica stays in the default group, with the node (resource_groups.py)."""
        with self._conn(timeout) as conn:
            resource_groups.transfer_replica(conn, self._db_name, source_group, target_group, collection_name,
                                             num_replicas)

    def describe_replica(self, collection_name: str, timeout: Optional[float] = None,
                         **kwargs: Any) -> List[Any]:
        """The one replica of a loaded collection, shaped like pymilvus's ReplicaInfo list."""
        with self._conn(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name, describe=True)
        return collections.replicas(info)

    # -- schema helpers ----------------------------------------------------------------------------
    @classmethod
    def create_schema(cls, **kwargs: Any) -> CollectionSchema:
        kwargs.pop("check_fields", None)
        return CollectionSchema([], **kwargs)

    @classmethod
    def create_field_schema(cls, name: str, data_type: DataType, desc: str = "", **kwargs: Any) -> FieldSchema:
        return FieldSchema(name, data_type, desc, **kwargs)

    @classmethod
    def create_struct_field_schema(cls, **kwargs: Any) -> StructFieldSchema:
        """The sub-fields of an ARRAY<STRUCT> field (schema/structs.py), as pymilvus's."""
        return StructFieldSchema(**kwargs)

    @classmethod
    def prepare_index_params(cls, field_name: str = "", **kwargs: Any) -> IndexParams:
        params = IndexParams()
        if field_name:
            check_argument("field_name", field_name, str)
            params.add_index(field_name, **kwargs)
        return params

    # -- collections -------------------------------------------------------------------------------
    def create_collection(self, collection_name: str, dimension: Optional[int] = None,
                          primary_field_name: str = "id", id_type: str = "int",
                          vector_field_name: str = "vector", metric_type: str = "COSINE",
                          auto_id: bool = False, timeout: Optional[float] = None,
                          schema: Optional[CollectionSchema] = None,
                          index_params: Optional[IndexParams] = None, **kwargs: Any) -> None:
        names.collection_name(collection_name)
        if schema is None:
            schema = collections.quick_schema(dimension, primary_field_name, id_type, vector_field_name,
                                              auto_id, kwargs)
            index_params = self.prepare_index_params(vector_field_name, index_type="AUTOINDEX",
                                                     metric_type=metric_type)
        elif not isinstance(schema, CollectionSchema):
            raise ParamError(message=f"schema must be a CollectionSchema (create_schema()), got "
                                     f"{type(schema).__name__}")
        with self._tx(timeout) as conn:
            collections.create(conn, self._db_name, collection_name, schema, index_params, kwargs)

    def describe_collection(self, collection_name: str, timeout: Optional[float] = None,
                            **kwargs: Any) -> Dict[str, Any]:
        with self._conn(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name, describe=True)
        return collections.describe(info)

    def collection_schema(self, collection_name: str, timeout: Optional[float] = None) -> CollectionSchema:
        """pgmilvus's own: the collection's schema object (what describe_collection describes), read
        like a search reads its catalog: from the cached description, without a checkout round trip.
        ``pgmilvus serve`` encodes each query and search answer with it."""
        return self._read(lambda conn: collections.require(conn, self._db_name, collection_name).schema, timeout)

    def schema_timestamp(self, collection_name: str, timeout: Optional[float] = None) -> int:
        """pgmilvus's own: describe_collection's ``update_timestamp``, read on a checked connection
        so that another process's schema change is seen.  ``pgmilvus serve`` compares it with the
        ``schema_timestamp`` a write carries, as Milvus's proxy does."""
        with self._conn(timeout) as conn:
            return collections.update_timestamp(collections.require(conn, self._db_name, collection_name))

    def run_analyzer(self, texts: Union[str, List[str]], analyzer_params: Optional[Union[str, Dict]] = None,
                     with_hash: bool = False, with_detail: bool = False, collection_name: Optional[str] = None,
                     field_name: Optional[str] = None, analyzer_names: Optional[Union[str, List[str]]] = None,
                     timeout: Optional[float] = None) -> Any:
        """The tokens an analyzer makes of ``texts`` (Milvus 2.5+): ``analyzer_params``' analyzer,
        or the analyzer of ``collection_name``'s field ``field_name`` (data/analyze.py).  No text:
        no result, before anything is checked (the proxy's RunAnalyzer)."""
        if isinstance(texts, (list, tuple)) and not texts:
            return []
        if not isinstance(texts, (str, list, tuple)) or not all(isinstance(t, str) for t in
                                                                ([texts] if isinstance(texts, str) else texts)):
            raise illegal("texts", texts, "expected a str or a list of str")
        if not collection_name:
            chosen = analyzer.from_params(analyzer_params, "run_analyzer")
        else:  # Milvus's proxy: validateRunAnalyzer
            if analyzer_params:
                raise MilvusException(ErrorCode.SERVER_ERROR, "run analyzer can't use analyzer params and "
                                                              "(collection,field) in same time")
            if not field_name:
                raise MilvusException(ErrorCode.SERVER_ERROR, "must set field name when collection name was set")
            if analyzer_names and not isinstance(analyzer_names, (str, list, tuple)):
                raise illegal("analyzer_names", analyzer_names, "expected a str or a list of str")
            names = [analyzer_names] if isinstance(analyzer_names, str) else list(analyzer_names or [])
            count = 1 if isinstance(texts, str) else len(texts)
            if names and len(names) not in (1, count):
                raise MilvusException(ErrorCode.SERVER_ERROR, "only support set one analyzer name for all text or "
                                                              "set analyzer name for each text, but now analzer name "
                                                              f"num: {len(names)}, text num: {count}")
            field = self.collection_schema(collection_name, timeout).field(field_name)
            if field is None or not field.params.get("enable_analyzer"):
                raise invalid_parameter(f"field {field_name} of collection {collection_name} has no analyzer "
                                        "(enable_analyzer is not set)")
            if len(names) > 1:  # a multi-analyzer field's analyzer per text
                found = [analyze.analyze(analyzer.for_field(field, name), text, bool(with_hash), bool(with_detail))
                         for text, name in zip(texts, names)]
                return found
            chosen = analyzer.for_field(field, names[0] if names else None)
        return analyze.run(chosen, texts, bool(with_hash), bool(with_detail))

    def collection_name_of(self, collection_id: int, timeout: Optional[float] = None) -> Optional[str]:
        """pgmilvus's own: the name of this database's collection with Milvus id ``collection_id``
        (None: none). ``pgmilvus serve`` answers GetReplicas with it: pymilvus names the collection
        of describe_replica by id."""
        if not isinstance(collection_id, int) or isinstance(collection_id, bool):
            raise illegal("collection_id", collection_id, "expected an int")
        with self._conn(timeout) as conn:
            return catalog.collection_name_of(conn, self._db_name, collection_id)

    def list_collections(self, **kwargs: Any) -> List[str]:
        with self._conn() as conn:
            return catalog.list_collections(conn, self._db_name)

    def list_collection_details(self, timeout: Optional[float] = None) -> List[listings.ListedCollection]:
        """pgmilvus's own: list_collections with each collection's id, creation time, shard number and
        load state, in one catalog read (``pgmilvus serve``'s ShowCollections)."""
        with self._conn(timeout) as conn:
            return listings.collection_listing(conn, self._db_name)

    def has_collection(self, collection_name: str, timeout: Optional[float] = None, **kwargs: Any) -> bool:
        names.collection_name(collection_name)
        with self._conn(timeout) as conn:
            return catalog.get_collection(conn, self._db_name, collection_name) is not None

    def drop_collection(self, collection_name: str, timeout: Optional[float] = None, **kwargs: Any) -> None:
        with self._tx(timeout) as conn:
            collections.drop(conn, self._db_name, collection_name)

    def rename_collection(self, old_name: str, new_name: str, target_db: Optional[str] = "",
                          timeout: Optional[float] = None, **kwargs: Any) -> None:
        if target_db is not None and not isinstance(target_db, str):
            raise illegal("db_name", target_db, f"target_db must be a str, got {type(target_db).__name__}")
        with self._tx(timeout) as conn:
            collections.rename(conn, self._db_name, old_name, new_name, target_db or "")

    def truncate_collection(self, collection_name: str, timeout: Optional[float] = None,
                            **kwargs: Any) -> None:
        with self._tx(timeout) as conn:
            collections.truncate(conn, self._db_name, collection_name)

    def get_collection_stats(self, collection_name: str, timeout: Optional[float] = None,
                             **kwargs: Any) -> Dict[str, int]:
        with self._conn(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name)
            return {"row_count": collections.row_count(conn, info)}

    def load_collection(self, collection_name: str, timeout: Optional[float] = None, **kwargs: Any) -> None:
        _check_replicas(kwargs)
        with self._tx(timeout) as conn:
            info = self._locked(conn, collection_name)
            collections.check_load_fields(info, kwargs.get("load_fields"))
            collections.require_vector_index(info)
            _check_groups(conn, info, kwargs, info.loaded, "call query coordinator LoadCollection: ")
            catalog.set_loaded(conn, info.id, True)
        self._settle(info)

    def release_collection(self, collection_name: str, timeout: Optional[float] = None,
                           **kwargs: Any) -> None:
        with self._tx(timeout) as conn:
            info = self._locked(conn, collection_name)
            catalog.set_loaded(conn, info.id, False)

    def refresh_load(self, collection_name: str, timeout: Optional[float] = None, **kwargs: Any) -> None:
        with self._conn(timeout) as conn:
            collections.require(conn, self._db_name, collection_name)

    def get_load_state(self, collection_name: str, partition_name: Optional[str] = "",
                       timeout: Optional[float] = None, **kwargs: Any) -> Dict[str, Any]:
        names.collection_name(collection_name)
        with self._conn(timeout) as conn:
            info = catalog.get_collection(conn, self._db_name, collection_name)
        return collections.load_state(info, partition_name or "")

    def flush(self, collection_name: str, timeout: Optional[float] = None, **kwargs: Any) -> None:
        """Every committed write is already durable in Postgres.  As Milvus's flush, seals the growing
        segments and returns once every sealed segment has its vector indexes (segments.py); then
        refreshes the planner's statistics when the writes since the last ANALYZE call for it."""
        check_argument("collection_name", collection_name, str)
        self._flush(self._db_name, collection_name, timeout)

    def _flush(self, db_name: str, collection_name: str, timeout: Optional[float]) -> None:
        with self._tx(timeout) as conn:
            info = collections.require(conn, db_name, collection_name)
            if info.segmented:
                info = catalog.lock_collection(conn, info)
                segments.seal_all(conn, info)
        with self._conn(timeout) as conn:
            # In the caller's transaction (bind) the seal is not committed yet: nothing can be built
            # concurrently inside it, so the background builder builds once the caller commits.
            if info.segmented and not callers.is_callers(conn):
                segments.build_pending(conn, info, wait=True)
            stats.settle(conn, self._server, info.id, info.schema_name, info.table_name)

    def flush_all(self, timeout: Optional[float] = None, **kwargs: Any) -> None:
        """Milvus's FlushAll: flush every collection of the database ``db`` (pymilvus's keyword), or
        of every database; returns when all of them are flushed, as pymilvus waits for it."""
        db = kwargs.get("db") or ""
        with self._conn(timeout) as conn:
            databases = [names.database_lookup(db)] if db else catalog.list_databases(conn)
            if db and catalog.describe_database(conn, databases[0]) is None:
                raise database_not_found(databases[0])
            targets = [(d, c) for d in databases for c in catalog.list_collections(conn, d)]
        for db_name, collection in targets:
            self._flush(db_name, collection, timeout)

    def get_flush_all_state(self, timeout: Optional[float] = None, **kwargs: Any) -> bool:
        """flush_all returns once everything is flushed: its state is always done."""
        return True

    def compact(self, collection_name: str, is_clustering: Optional[bool] = False,
                is_l0: Optional[bool] = False, target_size: Optional[int] = None,
                target_size_unit: str = "mb", timeout: Optional[float] = None, **kwargs: Any) -> int:
        """Merge small indexed segments and rewrite those a fifth deleted (catalog/compaction.py),
        then VACUUM (ANALYZE) the collection's table: deleted rows reclaimed, planner statistics
        fresh.  Done when it returns; the job id answers get_compaction_plans with the merges
        made.  ``target_size`` (a force merge) is checked as Milvus checks it."""
        target = optimize.compact_target_mb(target_size, target_size_unit)
        with self._db.own_connection(timeout) as conn:  # VACUUM runs outside any transaction
            info = collections.require(conn, self._db_name, collection_name)
            if target is not None:
                compaction.check_target_size(info, target)
            plans = compaction.compact(conn, info)
            compaction.vacuum(conn, info)
            return compaction_jobs.record(conn, info, plans)

    def optimize(self, collection_name: str, target_size: Optional[str] = None, wait: bool = True,
                 timeout: Optional[float] = None, **kwargs: Any) -> Union[optimize.OptimizeResult,
                                                                           optimize.OptimizeTask]:
        """pymilvus 3's optimize (client/optimize.py): the sealed segments' indexes built, the indexed
        segments merged (compact), and the load refreshed, each step done when it returns; with
        ``wait=False`` the task returned is already finished.  ``target_size`` is checked as pymilvus
        checks it; the merge ignores it (compaction.py merges what fits its own segment size)."""
        check_argument("collection_name", collection_name, str)
        optimize.target_mb(target_size)
        stages = [optimize.ProgressStage.INITIALIZING, optimize.ProgressStage.WAITING_FOR_INDEXES]
        with self._conn(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name)
            if info.segmented and not callers.is_callers(conn):
                segments.build_pending(conn, info, wait=True)
        stages.append(optimize.ProgressStage.COMPACTING)
        job = self.compact(collection_name, timeout=timeout)
        stages += [optimize.ProgressStage.WAITING_FOR_COMPACTION, optimize.ProgressStage.WAITING_FOR_INDEX_REBUILD]
        if self.get_load_state(collection_name, timeout=timeout)["state"] == LoadState.Loaded:
            stages.append(optimize.ProgressStage.REFRESHING_LOAD)
        result = optimize.OptimizeResult("success", collection_name, job, target_size, stages)
        return result if wait else optimize.OptimizeTask(result)

    def get_compaction_state(self, job_id: int, timeout: Optional[float] = None, **kwargs: Any) -> str:
        """compact() is done when it returns: every job is Completed (as Milvus answers an id it
        holds no running task for)."""
        _check_compaction_id(job_id)
        return State.Completed.name

    def get_compaction_plans(self, job_id: int, timeout: Optional[float] = None, **kwargs: Any) -> CompactionPlans:
        """The merges of a compact() call (catalog/compaction_jobs.py); none for an unknown id."""
        _check_compaction_id(job_id)
        with self._conn(timeout) as conn:
            return compaction_jobs.job_plans(conn, job_id)

    def list_compaction_tasks(self, collection_name: str, timeout: Optional[float] = None,
                              **kwargs: Any) -> CompactionPlans:
        """The merges of the collection's compaction jobs of the last day."""
        if not isinstance(collection_name, str) or not collection_name:  # pymilvus's get_compaction_tasks
            raise ParamError(message=f"collection_name value {collection_name} is illegal")
        with self._conn(timeout) as conn:
            return compaction_jobs.collection_tasks(conn, collections.require(conn, self._db_name, collection_name))

    def list_persistent_segments(self, collection_name: str, timeout: Optional[float] = None,
                                 states: Optional[Sequence[SegmentState]] = None, **kwargs: Any) -> List[SegmentInfo]:
        """The collection's segments (catalog/segments.py): growing is Growing, sealed and waiting
        for its indexes Sealed, indexed Flushed; without ``states``, Milvus's persisted ones."""
        if states is not None and not isinstance(states, (list, tuple, set, frozenset)):
            raise illegal("states", states, "expected a list of SegmentState")
        with self._conn(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name)
            return segments.infos(conn, info, tuple(states) if states is not None else _PERSISTED)

    def get_segments_info(self, segment_ids: Sequence[int], timeout: Optional[float] = None,
                          **kwargs: Any) -> List[SegmentInfo]:
        """pgmilvus's own (Milvus's REST ``segments/describe``, GetSegmentsInfo): the segments with
        these ids, of any collection or state, in that order; an unknown id is Milvus's 600."""
        if not isinstance(segment_ids, (list, tuple)) or not all(
                isinstance(i, int) and not isinstance(i, bool) for i in segment_ids):
            raise illegal("segment_ids", segment_ids, "give a list of segment ids (int)")
        with self._conn(timeout) as conn:
            return segments.by_ids(conn, list(segment_ids))

    def list_segments(self, collection_name: str, states: Optional[Sequence[SegmentState]] = None,
                      timeout: Optional[float] = None, **kwargs: Any) -> List[SegmentInfo]:
        return self.list_persistent_segments(collection_name, timeout=timeout,
                                             states=states if states is not None else _RETAINED)

    def list_loaded_segments(self, collection_name: str, timeout: Optional[float] = None,
                             **kwargs: Any) -> List[LoadedSegmentInfo]:
        with self._conn(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name)
            return segments.loaded_infos(conn, info)

    def load_balance(self, collection_name: str, src_node_id: int, dst_node_ids: Optional[List[int]] = None,
                     sealed_segment_ids: Optional[List[int]] = None, timeout: Optional[float] = None,
                     **kwargs: Any) -> None:
        """pymilvus's ``utility.load_balance`` (Milvus's LoadBalance): moves sealed segments between
        query nodes.  pgmilvus has one node (id 1) serving every segment: the request is checked as
        querycoord checks it, and there is nothing to move."""
        with self._conn(timeout) as conn:
            info = catalog.get_collection(conn, self._db_name, str(collection_name or ""))
            if info is None:  # the proxy looks the name up unchecked ("" too, as the Node SDK sends it)
                raise collection_not_found(str(collection_name or ""), self._db_name)
            on_node = {s.segment_id for s in segments.loaded_infos(conn, info)}
        collections.check_load_balance(info, _node_int("src_node_id", src_node_id),
                                       [_node_int("dst_node_ids", n) for n in _id_list("dst_node_ids", dst_node_ids)],
                                       [_node_int("sealed_segment_ids", s)
                                        for s in _id_list("sealed_segment_ids", sealed_segment_ids)], on_node)

    def alter_collection_properties(self, collection_name: str, properties: dict,
                                    timeout: Optional[float] = None, **kwargs: Any) -> None:
        if not properties or not isinstance(properties, dict):  # pymilvus's own check
            raise illegal("properties", properties, "give a non-empty dict")
        with self._tx(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name, for_update=True, name_check=False)
            properties_mod.alter(conn, info, properties)

    def drop_collection_properties(self, collection_name: str, property_keys: List[str],
                                   timeout: Optional[float] = None, **kwargs: Any) -> None:
        if _empty_request(property_keys):
            raise _nothing_to_alter()  # pymilvus sends the empty request: Milvus's rootcoord answers
        _property_keys(property_keys)
        with self._tx(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name, for_update=True, name_check=False)
            properties_mod.drop(conn, info, list(property_keys))

    # -- schema evolution (schema_evolution.py) ---------------------------------------------------
    def add_collection_field(self, collection_name: str, field_name: str, data_type: DataType,
                             desc: str = "", timeout: Optional[float] = None, **kwargs: Any) -> None:
        """Add a nullable field: existing rows read NULL (or its default_value); see docs/user-guide.md."""
        field = schema_evolution.new_field(field_name, data_type, desc, kwargs)
        with self._tx(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name, for_update=True)
            schema_evolution.add_field(conn, info, field)

    def add_collection_struct_field(self, collection_name: str, field_name: str, struct_schema: StructFieldSchema,
                                    max_capacity: int, desc: Optional[str] = None, timeout: Optional[float] = None,
                                    **kwargs: Any) -> None:
        """Milvus master: add a nullable ARRAY<STRUCT> field; stored rows read NULL (docs/user-guide.md)."""
        struct = struct_evolution.new_struct(field_name, struct_schema, max_capacity, desc, kwargs)
        with self._tx(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name, for_update=True)
            struct_evolution.add_struct(conn, info, struct)

    def alter_collection_field(self, collection_name: str, field_name: str, field_params: dict,
                               timeout: Optional[float] = None, **kwargs: Any) -> None:
        """Change a field's max_length, max_capacity or mmap.enabled, as Milvus allows."""
        if not field_params or not isinstance(field_params, dict):
            raise illegal("properties", field_params, "field_params must be a non-empty dict")
        with self._tx(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name, for_update=True)
            schema_evolution.alter_field(conn, info, field_name, field_params)

    def drop_collection_field_properties(self, collection_name: str, field_name: str, property_keys: List[str],
                                         timeout: Optional[float] = None, **kwargs: Any) -> None:
        """pgmilvus's own (pymilvus has none; the Java and Node SDKs do): drop mmap.enabled or warmup
        from a field, as Milvus 2.6 drops them."""
        if not property_keys or not isinstance(property_keys, (list, tuple)):
            raise illegal("property_keys", property_keys, "property_keys must be a non-empty list")
        with self._tx(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name, for_update=True)
            schema_evolution.drop_field_properties(conn, info, field_name, [str(k) for k in property_keys])

    def add_collection_function(self, collection_name: str, function: Any, timeout: Optional[float] = None,
                                **kwargs: Any) -> None:
        """Milvus 2.6 adds embedding functions to a live collection and refuses BM25; pgmilvus runs
        no embedding model, so every function is refused, in 2.6's words where 2.6 refuses it."""
        schema_functions.check_add(function)
        schema_functions.refuse_change(self.collection_schema(collection_name, timeout), "add", function.name,
                                       function)

    def alter_collection_function(self, collection_name: str, function_name: str, function: Any,
                                  timeout: Optional[float] = None, **kwargs: Any) -> None:
        """Refused as add_collection_function is (2.6: BM25 functions cannot be altered)."""
        schema_functions.check_alter(function_name, function)
        schema_functions.refuse_change(self.collection_schema(collection_name, timeout), "alter", function_name,
                                       function)

    def drop_collection_function(self, collection_name: str, function_name: str,
                                 timeout: Optional[float] = None, **kwargs: Any) -> None:
        """2.6 drops embedding functions and refuses BM25 ones; a function the collection lacks is
        no error.  A MinHash function is dropped alone, as master drops it: its output field and
        index stay, a plain field the writers must then give (drop_function_field drops both)."""
        schema = self.collection_schema(collection_name, timeout)
        if any(f.name == function_name and f.type == FunctionType.MINHASH for f in schema.functions):
            self.alter_collection_schema_drop(collection_name, function_name, False, timeout)
            return
        schema_functions.refuse_change(schema, "drop", function_name)

    def drop_collection_field(self, collection_name: str, field_name: str = "", field_id: int = 0,
                              timeout: Optional[float] = None, **kwargs: Any) -> None:
        """pymilvus 3.0: drop a field (its column and its indexes) from a collection."""
        with self._tx(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name, for_update=True)
            schema_evolution.drop_field(conn, info, field_name, field_id)

    def add_function_field(self, collection_name: str, field_schema: FieldSchema, func: Function,
                           index_params: IndexParams, timeout: Optional[float] = None, **kwargs: Any) -> None:
        """pymilvus 3 / Milvus master: add a BM25 or MinHash function, its output field and that
        field's index; the rows already stored are filled before it returns (docs/user-guide.md)."""
        check_argument("collection_name", collection_name, str)
        index = function_checks.client_checks(field_schema, func, index_params)
        self.alter_collection_schema_add(collection_name, field_schema, func, index, timeout)

    def drop_function_field(self, collection_name: str, function_name: str, timeout: Optional[float] = None,
                            **kwargs: Any) -> None:
        """pymilvus 3 / Milvus master: drop a BM25 or MinHash function with its output field."""
        check_argument("collection_name", collection_name, str)
        if function_name is None:  # pymilvus's _alter_collection_schema: then neither add nor drop
            raise ParamError(message="Must specify either Add operation (field_schema/func) or Drop operation "
                                     "(drop_field_name/drop_field_id/drop_function_name)")
        if function_name == "":
            raise ParamError(message="Must specify exactly one valid Drop identifier "
                                     "(drop_field_name/drop_field_id/drop_function_name)")
        self.alter_collection_schema_drop(collection_name, function_name, True, timeout)

    def alter_collection_schema_add(self, collection_name: str, field: Optional[FieldSchema], function: Function,
                                    index: Optional[Any] = None, timeout: Optional[float] = None) -> None:
        """pgmilvus's own: AlterCollectionSchema's add_request of a function after pymilvus's checks
        (``pgmilvus serve`` calls it): with its output field and that field's index (None: the
        request gave no index params), or alone (refused, as add_collection_function is)."""
        schema_functions.a_function(function)
        if field is not None and not isinstance(field, FieldSchema):
            raise illegal("field", field, "expected a FieldSchema or None")
        if field is None:
            if function.type == FunctionType.BM25:
                raise invalid_parameter("BM25 function must be added with its output field in add_function_field "
                                        "interface")
            self.add_collection_function(collection_name, function, timeout)
            return
        with self._tx(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name, describe=True, for_update=True)
            function_fields.add(conn, info, field, function, index)

    def alter_collection_schema_drop(self, collection_name: str, function_name: str, cascade: bool,
                                     timeout: Optional[float] = None) -> None:
        """pgmilvus's own: AlterCollectionSchema's drop_request of a function; ``cascade``: its
        output field goes too (drop_function_field), else it stays a plain field."""
        with self._tx(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name, describe=True, for_update=True)
            function_fields.drop(conn, info, function_name, cascade)

    def alter_index_properties(self, collection_name: str, index_name: str, properties: dict,
                               timeout: Optional[float] = None, **kwargs: Any) -> None:
        """Store ``mmap.enabled`` on an index (shown by describe_index; nothing to do in Postgres)."""
        with self._tx(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name, for_update=True)
            schema_evolution.alter_index_properties(conn, info, index_name, properties)

    def drop_index_properties(self, collection_name: str, index_name: str, property_keys: List[str],
                              timeout: Optional[float] = None, **kwargs: Any) -> None:
        with self._tx(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name, for_update=True)
            schema_evolution.drop_index_properties(conn, info, index_name, property_keys)

    # -- indexes -----------------------------------------------------------------------------------
    def create_index(self, collection_name: str, index_params: IndexParams, timeout: Optional[float] = None,
                     **kwargs: Any) -> None:
        check_argument("collection_name", collection_name, str)
        check_argument("index_params", index_params, IndexParams)
        with self._tx(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name, for_update=True, name_check=False)
            expressions = index_ops.create(conn, info, index_params)
        # A freshly loaded collection gets its statistics here; a new expression index its own.
        self._settle(info, everything=expressions)

    def list_indexes(self, collection_name: str, field_name: Optional[str] = "", **kwargs: Any) -> List[str]:
        with self._conn() as conn:
            info = collections.require(conn, self._db_name, collection_name)
        return index_ops.list_names(info, field_name)

    def index_ids(self, collection_name: str) -> Dict[str, int]:
        """pgmilvus's own: each index's id by name (``pgmilvus serve``'s DescribeIndex ``indexID``)."""
        with self._conn() as conn:
            info = collections.require(conn, self._db_name, collection_name)
        return {index.index_name: index.id for index in info.indexes}

    def describe_index(self, collection_name: str, index_name: str, timeout: Optional[float] = None,
                       **kwargs: Any) -> Optional[Dict[str, Any]]:
        _index_name(index_name)
        with self._conn(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name)
            return index_ops.describe(conn, info, index_name)

    def drop_index(self, collection_name: str, index_name: str, timeout: Optional[float] = None,
                   **kwargs: Any) -> None:
        _index_name(index_name)
        with self._tx(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name, for_update=True)
            index_ops.drop(conn, info, index_name)

    # -- partitions --------------------------------------------------------------------------------
    def _manual_partitions(self, info: catalog.CollectionInfo, what: str = "create partition") -> None:
        """Milvus 2.6's proxy refuses to create, drop, load or release named partitions of a
        partition-key collection."""
        if info.schema.partition_key_field is not None:
            raise MilvusException(ErrorCode.SERVER_ERROR, f"disable {what} if partition key mode is used")

    def create_partition(self, collection_name: str, partition_name: str, timeout: Optional[float] = None,
                         **kwargs: Any) -> None:
        names.partition_name(partition_name)
        with self._tx(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name, for_update=True)
            self._manual_partitions(info)
            if info.partition(partition_name) is None:
                collections.add_partition(conn, info, partition_name)

    def drop_partition(self, collection_name: str, partition_name: str, timeout: Optional[float] = None,
                       **kwargs: Any) -> None:
        names.partition_name(partition_name)
        with self._tx(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name, for_update=True)
            self._manual_partitions(info, "drop partition")
            if partition_name == ddl.DEFAULT_PARTITION:
                raise MilvusException(ErrorCode.SERVER_ERROR, "default partition cannot be deleted")
            part = info.partition(partition_name)
            if part is None:
                return
            if part.loaded:
                # Milvus master's proxy (2.6 answered the same text with 65535)
                raise invalid_parameter("partition cannot be dropped, partition is loaded, please release it first")
            segments.lock_for_ddl(conn, info)  # builds stopped, then the whole tree, as every DROP
            conn.execute(ddl.drop_table(info.schema_name, part.table_name))
            catalog.remove_partition(conn, info.id, partition_name)

    def has_partition(self, collection_name: str, partition_name: str, timeout: Optional[float] = None,
                      **kwargs: Any) -> bool:
        names.partition_name(partition_name)
        with self._conn(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name)
        return info.partition(partition_name) is not None

    def list_partitions(self, collection_name: str, timeout: Optional[float] = None,
                        **kwargs: Any) -> List[str]:
        with self._conn(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name)
        return [p.name for p in info.partitions]

    def list_partition_details(self, collection_name: str, timeout: Optional[float] = None
                               ) -> List[listings.ListedPartition]:
        """pgmilvus's own: list_partitions with each partition's Milvus id, creation time and load
        state (``pgmilvus serve``'s ShowPartitions)."""
        with self._conn(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name)
            return listings.partition_listing(conn, info.id)

    def _partition_list(self, info: catalog.CollectionInfo, partition_names: Any) -> List[str]:
        if partition_names is None:  # pymilvus sends no names at all
            return []
        if isinstance(partition_names, str):
            partition_names = [partition_names]
        if not isinstance(partition_names, (list, tuple)) or not all(isinstance(p, str) for p in partition_names):
            raise illegal("partition_name_array", partition_names, "give a str or a list of str")
        for name in partition_names:
            if info.partition(name) is None:
                raise partition_not_found(name)
        return list(partition_names)

    def load_partitions(self, collection_name: str, partition_names: Union[str, List[str]],
                        timeout: Optional[float] = None, **kwargs: Any) -> None:
        _check_replicas(kwargs)
        with self._tx(timeout) as conn:
            info = self._locked(conn, collection_name)
            self._manual_partitions(info, "load partitions")
            collections.check_load_fields(info, kwargs.get("load_fields"))
            collections.require_vector_index(info)  # Milvus checks the index before the partitions
            parts = self._partition_list(info, partition_names)
            if not parts:  # pymilvus sends the empty list: Milvus's proxy answers
                raise MilvusException(ErrorCode.SERVER_ERROR, "failed to load partition, due to no partition "
                                                              "specified (name at least one partition)")
            _check_groups(conn, info, kwargs, False)  # querycoord checks the nodes on every load_partitions
            catalog.set_loaded(conn, info.id, True, parts)
        self._settle(info)

    def release_partitions(self, collection_name: str, partition_names: Union[str, List[str]],
                           timeout: Optional[float] = None, **kwargs: Any) -> None:
        with self._tx(timeout) as conn:
            info = self._locked(conn, collection_name)
            self._manual_partitions(info, "release partitions")
            parts = self._partition_list(info, partition_names)
            if not parts:  # Milvus's query coordinator's answer
                raise MilvusException(ErrorCode.INVALID_PARAMETER, "invalid parameter[expected=any partition]"
                                                                   "[actual=empty partition list]")
            catalog.set_loaded(conn, info.id, False, parts)

    def get_partition_stats(self, collection_name: str, partition_name: str, timeout: Optional[float] = None,
                            **kwargs: Any) -> Dict[str, int]:
        if not isinstance(partition_name, str):
            raise TypeError(f"wrong type of argument 'partition_name', str expected, got "
                            f"'{type(partition_name).__name__}'")
        with self._conn(timeout) as conn:
            info = collections.require(conn, self._db_name, collection_name)
            if info.partition(partition_name) is None:
                raise partition_not_found(partition_name)
            return {"row_count": collections.row_count(conn, info, partition_name)}

    # -- databases ---------------------------------------------------------------------------------
    def create_database(self, db_name: str, properties: Optional[dict] = None, timeout: Optional[float] = None,
                        **kwargs: Any) -> None:
        names.database_name(db_name)
        if db_name in _RESERVED_SCHEMAS or db_name.startswith("pg_"):
            raise MilvusException(ErrorCode.DATABASE_INVALID_NAME,
                                  f"database name {db_name} is reserved by PostgreSQL or pgmilvus: choose "
                                  "another name")
        if properties is not None and not isinstance(properties, dict):
            raise ParamError(message=f"properties must be a dict, got {type(properties).__name__}")
        timestamps.check_properties(properties or {})
        with self._tx(timeout) as conn:
            if catalog.database_schema(conn, db_name) is not None:
                raise MilvusException(ErrorCode.SERVER_ERROR, f"database already exist: {db_name}")
            if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (db_name,)).fetchone():
                raise MilvusException(ErrorCode.DATABASE_INVALID_NAME,
                                      f"a Postgres schema named {db_name} already exists and is not a "
                                      "pgmilvus database: choose another name")
            conn.execute(ddl.create_schema(db_name))
            catalog.add_database(conn, db_name, db_name, {k: str(v) for k, v in (properties or {}).items()})
            rbac.sync_collection(conn, db_name, "*")

    def drop_database(self, db_name: str, **kwargs: Any) -> None:
        names.database_name(db_name)
        if db_name == "default":
            raise MilvusException(ErrorCode.SERVER_ERROR, "can not drop default database")
        with self._tx() as conn:
            schema_name = catalog.database_schema(conn, db_name)
            if schema_name is None:
                return
            if catalog.count_collections(conn, db_name):
                raise MilvusException(ErrorCode.SERVER_ERROR,
                                      f"database:{db_name} not empty, must drop all collections before "
                                      "drop database")
            conn.execute(f"DELETE FROM {catalog.CATALOG}.aliases WHERE db_name = %s", (db_name,))
            catalog.remove_database(conn, db_name)
            conn.execute(ddl.drop_schema(schema_name))
        if self._db_name == db_name:
            self._db_name = "default"

    def list_databases(self, timeout: Optional[float] = None, **kwargs: Any) -> List[str]:
        with self._conn(timeout) as conn:
            return catalog.list_databases(conn)

    def list_database_details(self, timeout: Optional[float] = None) -> List[listings.ListedDatabase]:
        """pgmilvus's own: list_databases with each database's id and creation time
        (``pgmilvus serve``'s ListDatabases and DescribeDatabase)."""
        with self._conn(timeout) as conn:
            return listings.database_listing(conn)

    def describe_database(self, db_name: str, **kwargs: Any) -> Dict[str, Any]:
        """Milvus 2.6 does not check the name here (describeDatabaseTask.PreExecute is empty): a
        badly formed one is not found, and "" is the default database (its rootcoord's rule)."""
        db_name = names.database_lookup(db_name)
        with self._conn() as conn:
            props = catalog.describe_database(conn, db_name)
        if props is None:
            raise database_not_found(db_name)
        return {"name": db_name, **props}

    def alter_database_properties(self, db_name: str, properties: dict, **kwargs: Any) -> None:
        if _empty_request(properties):
            raise _nothing_to_alter(database=True)
        if not isinstance(properties, dict):
            raise ParamError(message=f"properties must be a dict, got {type(properties).__name__}")
        timestamps.check_properties(properties)
        names.a_str("db_name", db_name)
        with self._tx() as conn:
            props = catalog.describe_database(conn, db_name)
            if props is None:
                raise database_not_found(db_name)
            catalog.set_database_properties(conn, db_name, {**props, **{k: str(v) for k, v in properties.items()}})

    def drop_database_properties(self, db_name: str, property_keys: List[str], **kwargs: Any) -> None:
        if _empty_request(property_keys):
            raise _nothing_to_alter(database=True)
        names.a_str("db_name", db_name)
        _property_keys(property_keys)
        with self._tx() as conn:
            props = catalog.describe_database(conn, db_name)
            if props is None:
                raise database_not_found(db_name)
            catalog.set_database_properties(conn, db_name,
                                            {k: v for k, v in props.items() if k not in property_keys})

    def use_database(self, db_name: str, **kwargs: Any) -> None:
        self.describe_database(db_name)
        self._db_name = db_name

    def using_database(self, db_name: str, **kwargs: Any) -> None:
        self.use_database(db_name)

    # -- aliases -----------------------------------------------------------------------------------
    def create_alias(self, collection_name: str, alias: str, timeout: Optional[float] = None,
                     **kwargs: Any) -> None:
        names.alias_name(alias)
        with self._tx(timeout) as conn:
            catalog.lock_collection_name(conn, self._db_name, alias)  # an alias takes a collection's name
            info = self._locked(conn, collection_name)
            if catalog.get_collection(conn, self._db_name, alias, aliases=False) is not None:
                raise MilvusException(ErrorCode.ALIAS_COLLECTION_NAME_CONFLICT,
                                      f"alias and collection name conflict[database={self._db_name}]"
                                      f"[alias={alias}]")
            current = catalog.alias_target(conn, self._db_name, alias)
            if current is not None and current != info.name:
                raise MilvusException(ErrorCode.ALIAS_ALREADY_EXIST,
                                      f"{alias} is alias to another collection: {current}: alias already "
                                      f"exist[database={self._db_name}][alias={alias}]")
            catalog.set_alias(conn, self._db_name, alias, info.id)

    def alter_alias(self, collection_name: str, alias: str, timeout: Optional[float] = None,
                    **kwargs: Any) -> None:
        names.alias_name(alias)  # Milvus 2.6's proxy checks both names, the alias first
        names.collection_name(collection_name)
        with self._tx(timeout) as conn:  # then rootcoord's CheckIfAliasAlterable, in its order and texts
            catalog.lock_collection_name(conn, self._db_name, alias)
            if catalog.get_collection(conn, self._db_name, alias, aliases=False) is not None:
                raise MilvusException(ErrorCode.ALIAS_COLLECTION_NAME_CONFLICT, f"alias and collection name "
                                      f"conflict[database={self._db_name}][alias={alias}]")
            # the proxy resolves a target given by its alias to the collection
            info = catalog.get_collection(conn, self._db_name, collection_name)
            if info is None:
                raise MilvusException(ErrorCode.COLLECTION_NOT_FOUND,
                                      f"collection not found[collection={collection_name}]")
            info = catalog.lock_collection(conn, info, describe=False)
            if catalog.alias_target(conn, self._db_name, alias) is None:
                raise MilvusException(ErrorCode.ALIAS_NOT_FOUND,
                                      f"alias not found[database={self._db_name}][alias={alias}]")
            catalog.set_alias(conn, self._db_name, alias, info.id)

    def drop_alias(self, alias: str, timeout: Optional[float] = None, **kwargs: Any) -> None:
        names.alias_name(alias)
        with self._tx(timeout) as conn:
            catalog.lock_collection_name(conn, self._db_name, alias)
            catalog.remove_alias(conn, self._db_name, alias)

    def describe_alias(self, alias: str, timeout: Optional[float] = None, **kwargs: Any) -> Dict[str, str]:
        names.alias_name(alias, client_checks_empty=True)  # pymilvus's describe_alias checks "" itself
        with self._conn(timeout) as conn:
            target = catalog.alias_target(conn, self._db_name, alias)
        if target is None:
            raise MilvusException(ErrorCode.ALIAS_NOT_FOUND,
                                  f"alias not found[database={self._db_name}][alias={alias}]")
        return {"alias": alias, "collection_name": target, "db_name": self._db_name}

    def list_aliases(self, collection_name: str = "", timeout: Optional[float] = None,
                     **kwargs: Any) -> Dict[str, Any]:
        with self._conn(timeout) as conn:
            if collection_name:
                info = collections.require(conn, self._db_name, collection_name)
                aliases = catalog.list_aliases(conn, self._db_name, info.id)
            else:
                aliases = catalog.list_aliases(conn, self._db_name)
        return {"aliases": aliases, "collection_name": collection_name, "db_name": self._db_name}

    # -- data plane (writes.py / reads.py) ------------------------------------------------------------
    def insert(self, collection_name: str, data: Union[Dict, List[Dict]], timeout: Optional[float] = None,
               partition_name: Optional[str] = "", **kwargs: Any) -> Dict[str, Any]:
        """Insert rows (all or none); a primary key that exists already is refused (use upsert)."""
        collections.refuse_namespace(kwargs.get("namespace"))
        rows = writes.normalize_rows(data)
        if isinstance(rows, list) and not rows:
            return {"insert_count": 0, "ids": []}
        with self._write(collection_name, timeout) as (conn, info):
            result = writes.insert(conn, info, rows, partition_name or None)
        self._wrote(info, result["insert_count"])
        return result

    def upsert(self, collection_name: str, data: Union[Dict, List[Dict]], timeout: Optional[float] = None,
               partition_name: Optional[str] = "", **kwargs: Any) -> Dict[str, Any]:
        """Replace (or with ``partial_update=True`` merge into) entities by primary key."""
        partial = kwargs.get("partial_update", False)
        if not isinstance(partial, bool):
            raise ParamError(message=f"partial_update must be a bool, got {partial!r}")
        ops = field_ops.normalize(kwargs.get("field_ops"))
        collections.refuse_namespace(kwargs.get("namespace"))
        rows = writes.normalize_rows(data)
        if isinstance(rows, list) and not rows:
            return {"upsert_count": 0, "ids": []}
        with self._write(collection_name, timeout) as (conn, info):
            result = writes.upsert(conn, info, rows, partition_name or None, partial_update=partial, field_ops=ops)
        self._wrote(info, 2 * result["upsert_count"])  # a replaced row is a delete and an insert
        return result

    def delete(self, collection_name: str, ids: Optional[Union[list, str, int]] = None,
               timeout: Optional[float] = None, filter: Optional[str] = None,
               partition_name: Optional[str] = None, **kwargs: Any) -> Dict[str, int]:
        """Delete by primary keys or by filter; ``delete_count`` is the number of rows deleted."""
        if partition_name is not None and not isinstance(partition_name, str):
            raise ParamError(message=f"Illegal nullable str variables: {{'partition_name': {partition_name!r}}}, "
                                     "expect None or non-empty str")
        _consistency(kwargs)
        pks = writes.delete_pks_argument(ids, kwargs.get("pks"))
        if filter and pks:
            raise ParamError(message="Ambiguous filter parameter, only one deletion condition can be "
                                     "specified.")
        if pks:
            with self._write(collection_name, timeout) as (conn, info):
                result = writes.delete_ids(conn, info, pks, partition_name)
            self._wrote(info, result["delete_count"])
            return result
        if not isinstance(filter, str):
            raise DataTypeNotMatchException(message=f"The type of expr must be string ,but {type(filter)} "
                                                    "is given.")
        if not filter.strip():
            raise self._empty_delete_filter(collection_name, filter)
        with self._write(collection_name, timeout, describe=False) as (conn, info):
            with spatial_scope(conn, info, filter):
                where = reads.compile_where(info, filter, kwargs.get("filter_params"), "delete")
            result = writes.delete_where(conn, info, where, partition_name)
        self._wrote(info, result["delete_count"])
        return result

    def _refuse_empty_output_names(self, collection_name: str, output_fields: Any) -> None:
        """pymilvus refuses an empty output field name before sending the search; Milvus's proxy
        (an SDK that sends it: Go) answers what its translateOutputFields makes of it (``parse output
        field name failed`` with a dynamic field, else ``field  not exist``), the core's output plan."""
        if not isinstance(output_fields, (list, tuple)) or not all(isinstance(f, str) for f in output_fields) \
                or all(output_fields):
            return

        def plan(conn: Any) -> None:
            info = collections.require(conn, self._db_name, collection_name)
            output_plan(info.schema, output_fields, default_all=False, include_pk=False)

        try:
            self._read(plan)
            return  # the core takes it: pymilvus's check (build_request) answers
        except MilvusException as exc:
            raise client_side(illegal("output_fields", output_fields), exc) from None

    def _empty_delete_filter(self, collection_name: str, filter: str) -> ParamError:
        """pymilvus refuses an empty delete filter before sending it; Milvus's proxy (an SDK that
        sends one: Go) looks the collection up first, then refuses the plan."""
        try:
            self._read(lambda conn: collections.require(conn, self._db_name, collection_name))
            answer = invalid_parameter(f"delete plan can't be empty or always true : {filter}")
        except MilvusException as exc:
            answer = exc
        return client_side(ParamError(message=f"Illegal str variables: {{'filter': {filter!r}}}, expect non-empty "
                                              "str"), answer)

    def get(self, collection_name: str, ids: Union[list, str, int], output_fields: Optional[List[str]] = None,
            timeout: Optional[float] = None, partition_names: Optional[List[str]] = None,
            **kwargs: Any) -> List[dict]:
        """Entities by primary key (missing ones are simply absent), ordered by primary key."""
        _consistency(kwargs)
        if not isinstance(ids, list):
            ids = [ids]
        if not ids:
            return []
        ids = reads.normalize_ids(ids)
        return self._read(lambda conn: reads.query(
            conn, self._fresh(conn, collections.require(conn, self._db_name, collection_name, describe=True)),
            ids=ids, output_fields=output_fields, partition_names=partition_names,
            timezone=kwargs.get("timezone"), time_fields=kwargs.get("time_fields")), timeout)

    def query(self, collection_name: str, filter: str = "", output_fields: Optional[List[str]] = None,
              timeout: Optional[float] = None, ids: Optional[Union[List, str, int]] = None,
              partition_names: Optional[List[str]] = None, **kwargs: Any) -> List[dict]:
        """Rows matching ``filter`` (or ``ids``), ordered by primary key; with aggregates in
        ``output_fields`` or ``group_by_fields``, one row per group; see docs/compatibility.md."""
        _consistency(kwargs)
        ignore_growing = check_ignore_growing(kwargs.get("ignore_growing"))
        if filter and not isinstance(filter, str):
            raise DataTypeNotMatchException(message=f"The type of expr must be string ,but {type(filter)} "
                                                    "is given.")
        if filter and ids is not None:
            raise ParamError(message="Ambiguous parameter, either ids or filter should be specified, cannot "
                                     "support both.")
        id_list = reads.normalize_ids(ids) if ids is not None else None
        order = order_by.specs(kwargs.get("order_by_fields"), kwargs.get("order_by"))
        group_by = aggregates.group_by_names(kwargs.get("group_by_fields", []))

        def call(conn: Any) -> List[dict]:
            info = self._fresh(conn, collections.require(conn, self._db_name, collection_name,
                                                         describe=bool(id_list)))
            with spatial_scope(conn, info, filter):
                return reads.query(conn, info, filter=filter or "", output_fields=output_fields,
                                   ids=id_list or None, partition_names=partition_names,
                                   limit=kwargs.get("limit"), offset=kwargs.get("offset"),
                                   filter_params=kwargs.get("filter_params"), timezone=kwargs.get("timezone"),
                                   time_fields=kwargs.get("time_fields"), ignore_growing=ignore_growing,
                                   order=order, group_by=group_by,
                                   element_after=reads.element_cursor(info, kwargs.get("query_iter_last_pk"),
                                                                      kwargs.get("query_iter_last_element_offset")))
        return self._read(call, timeout)

    def query_iterator(self, collection_name: str, batch_size: Optional[int] = 1000,
                       limit: Optional[int] = -1, filter: Optional[str] = "",
                       output_fields: Optional[List[str]] = None, partition_names: Optional[List[str]] = None,
                       timeout: Optional[float] = None, **kwargs: Any) -> reads.QueryIterator:
        """Pages of rows in primary-key order (``next()`` -> ``[]`` at the end), constant memory."""
        collections.refuse_namespace(kwargs.get("namespace"))
        order_by.refuse_iterator(order_by.specs(kwargs.get("order_by_fields"), kwargs.get("order_by")))
        return reads.QueryIterator(lambda call: self._read(call, timeout),
                                   lambda conn: self._fresh(conn, collections.require(
                                       conn, self._db_name, collection_name)),
                                   batch_size=batch_size, limit=limit, filter=filter or "",
                                   output_fields=output_fields, partition_names=partition_names,
                                   filter_params=kwargs.get("filter_params"), offset=kwargs.get("offset", 0),
                                   timezone=kwargs.get("timezone"), time_fields=kwargs.get("time_fields"))

    # -- end data plane ------------------------------------------------------------------------------

    # -- search (search.py) ------------------------------------------------------------------------
    def search(self, collection_name: str, data: Optional[Union[List[list], list]] = None, filter: str = "",
               limit: int = 10, output_fields: Optional[List[str]] = None,
               search_params: Optional[dict] = None, timeout: Optional[float] = None,
               partition_names: Optional[List[str]] = None, anns_field: Optional[str] = None,
               **kwargs: Any):
        """Vector search; results shaped like pymilvus 2.6's SearchResult (see docs/search.md)."""
        if type(collection_name) is not str:  # guards before the calls: a search's every call counts
            check_argument("collection_name", collection_name, str)
        if kwargs:
            _consistency(kwargs)
        ranker = kwargs.pop("ranker", None)
        highlighter = kwargs.pop("highlighter", None)
        chains = kwargs.pop("function_chains", None)
        if kwargs.get("ids") is not None:
            return self._search_by_ids(collection_name, data, filter, limit, output_fields, search_params, timeout,
                                       partition_names, anns_field, ranker, chains, kwargs)
        self._refuse_empty_output_names(collection_name, output_fields)
        request = build_request(data, filter, limit, output_fields, search_params, partition_names,
                                anns_field, kwargs)
        chains = chain_spec.chains(chains, ranker)  # search/chains/: Milvus master's function chains
        if request.aggregation is not None and (highlighter is not None or ranker is not None or chains):
            _refuse_with_aggregation(highlighter)
        if highlighter is not None:  # search/highlight.py
            marked = highlight.parse(highlighter)
            return self._read(lambda conn: self._highlighted(conn, collection_name, request, ranker, chains, marked),
                              timeout)
        if ranker is not None or chains:  # a rerank Function (decay, boost), function chains
            return self._read(lambda conn: _reranked(conn, self._searched(conn, collection_name), request, ranker,
                                                     chains), timeout)
        return self._read(lambda conn: search_mod.search(
            conn, self._fresh(conn, self._searched(conn, collection_name)), request), timeout)

    def _highlighted(self, conn: Any, collection_name: str, request: Any, ranker: Any, chains: Any,
                     marked: "highlight.Highlight") -> Any:
        """A search whose hits get Milvus's lexical ``highlight`` (fragments of their text fields)."""
        info = self._fresh(conn, self._searched(conn, collection_name))
        anns = request.anns_field
        if anns is None:  # the proxy's default: the only vector field (several: the search's own error)
            vectors = info.schema.vector_fields
            anns = vectors[0].name if len(vectors) == 1 else search_mod.prepare(info, request).resolved.field.name
        found = highlight.tasks(marked, info.schema, request.data, request.metric_type or "", anns,
                                request.params.get("analyzer_name"))
        result = _reranked(conn, info, request, ranker, chains)
        highlight.attach(conn, info, marked, found, result)
        return result

    def _search_by_ids(self, collection_name: str, data: Any, filter: str, limit: int, output_fields: Any,
                       search_params: Any, timeout: Optional[float], partition_names: Any, anns_field: Any,
                       ranker: Any, chains: Any, kwargs: dict[str, Any]) -> Any:
        """search(ids=[...]): the keys' stored vectors are the query vectors (search/by_ids.py)."""
        if data is not None:
            raise ParamError(message="Either ids or data must be provided, not both")
        ids = by_ids.check_ids(kwargs.pop("ids"))

        def call(conn: Any) -> Any:
            info = self._fresh(conn, self._searched(conn, collection_name))
            field = by_ids.search_field(info, ids, anns_field)
            vectors = by_ids.stored_vectors(conn, info, ids, field, partition_names)
            present = [v is not None for v in vectors]
            pk_name = info.schema.primary_field.name
            if not any(present):
                return by_ids.spread(by_ids.SearchResult(), present, pk_name)
            request = build_request([v for v in vectors if v is not None], filter, limit, output_fields,
                                    search_params, partition_names, field, kwargs)
            result = _reranked(conn, info, request, ranker, chain_spec.chains(chains, ranker))
            return by_ids.spread(result, present, pk_name)
        return self._read(call, timeout)

    def _searched(self, conn: Any, collection_name: str) -> catalog.CollectionInfo:
        """The collection a search reads: Milvus 2.6's search task does not check the name's form,
        so a malformed name is simply not found (``collection not found[...]``)."""
        return collections.require(conn, self._db_name, collection_name, name_check=False)

    def hybrid_search(self, collection_name: str, reqs: List[Any], ranker: Any, limit: int = 10,
                      output_fields: Optional[List[str]] = None, timeout: Optional[float] = None,
                      partition_names: Optional[List[str]] = None, **kwargs: Any):
        """Several ANN searches fused by RRFRanker / WeightedRanker (pymilvus's hybrid_search).

        ``ranker`` may also be a FunctionScore (boost functions beside the fusion), which Milvus's
        server takes and pymilvus's client-side check refuses."""
        check_argument("collection_name", collection_name, str)
        if ranker is not None and not isinstance(ranker, (Function, BaseRanker, FunctionScore)):
            raise ParamError(message="The hybrid search rerank must be a Function or a Ranker.")
        if kwargs.get("search_aggregation") is not None:  # pymilvus's check
            raise ParamError(message="search_aggregation is not supported in hybrid_search")
        if kwargs.get("function_chains") is not None:  # pymilvus's check, then Milvus's proxy's
            raise client_side(ParamError(message="function_chains is not supported for hybrid_search yet"),
                              invalid_parameter("function_chains is not supported for hybrid search yet"))
        check_output_fields(output_fields)
        check_guarantee_timestamp(kwargs.get("guarantee_timestamp"))
        _consistency(kwargs)
        return self._read(lambda conn: hybrid.hybrid_search(
            conn, self._fresh(conn, self._searched(conn, collection_name)), reqs, ranker, limit,
            output_fields, partition_names, kwargs), timeout)

    def search_iterator(self, collection_name: str, data: Any, batch_size: Optional[int] = 1000,
                        filter: Optional[str] = None, limit: Optional[int] = -1,
                        output_fields: Optional[List[str]] = None, search_params: Optional[dict] = None,
                        timeout: Optional[float] = None, partition_names: Optional[List[str]] = None,
                        anns_field: Optional[str] = None, round_decimal: int = -1, **kwargs: Any):
        """Pages of hits ordered by distance (nq = 1), like pymilvus's SearchIteratorV2."""
        collections.refuse_namespace(kwargs.get("namespace"))
        return SearchIterator(lambda call: self._read(call, timeout), self._db_name, collection_name, data,
                              batch_size=batch_size, filter=filter, limit=limit, output_fields=output_fields,
                              search_params=search_params, partition_names=partition_names,
                              anns_field=anns_field, round_decimal=round_decimal, kwargs=kwargs)
    # -- end search ----------------------------------------------------------------------------------

    # -- access control (rbac.py) ------------------------------------------------------------------
    # Users and roles are PostgreSQL roles, privileges are GRANTs (see rbac.py); these methods only
    # check arguments like pymilvus and pick a connection.
    def create_user(self, user_name: str, password: str, timeout: Optional[float] = None,
                    description: Optional[str] = None, **kwargs: Any) -> None:
        name, secret = rbac.user_name(user_name), rbac.password(password)
        description = rbac.user_description(rbac.param_type("description", description or "", allow_empty=True))
        with self._tx(timeout) as conn:
            rbac.create_user(conn, self._db_name, name, secret, description)

    def update_user(self, user_name: str, description: str, timeout: Optional[float] = None,
                    **kwargs: Any) -> None:
        """pymilvus 3 (UpdateCredential with a description only): change a user's description."""
        name = rbac.user_name(user_name)
        description = rbac.user_description(rbac.param_type("description", description, allow_empty=True))
        with self._tx(timeout) as conn:
            rbac.update_user(conn, self._db_name, name, description)

    def drop_user(self, user_name: str, timeout: Optional[float] = None, **kwargs: Any) -> None:
        if not isinstance(user_name, str):
            raise ParamError(message=f"invalid user {user_name}")
        name = rbac.user_name(user_name)
        with self._tx(timeout) as conn:
            rbac.drop_user(conn, self._db_name, name)

    def update_password(self, user_name: str, old_password: str, new_password: str,
                        reset_connection: Optional[bool] = False, timeout: Optional[float] = None,
                        description: Optional[str] = None, **kwargs: Any) -> None:
        from ..rbac import roles as rbac
        from ..pg.connection import dsn_with

        name = rbac.user_name(user_name)
        rbac.param_type("password", old_password, allow_empty=True)
        secret = rbac.password(new_password)
        with self._tx(timeout) as conn:
            rbac.update_password(conn, self._db.conninfo, self._db_name, name, old_password, secret)
            connected_as = rbac.current_user(conn)
        if reset_connection and connected_as == name:
            old = self._db
            self._db = old.reopened(dsn_with(old.conninfo, password=secret))
            old.close()

    def verify_password(self, user_name: str, password: str, timeout: Optional[float] = None) -> bool:
        """pgmilvus only: whether ``password`` is ``user_name``'s, checked against PostgreSQL's stored
        verifier (read as a superuser, else by logging in once). ``pgmilvus serve`` over an embedded
        server, whose local connections need no password, checks logins with it."""
        names.a_str("user_name", user_name)
        if not isinstance(password, str):  # not echoed, as a value would be
            raise ParamError(message=f"`password` is illegal: expected a str, got {type(password).__name__}")
        with self._conn(timeout) as conn:
            return rbac.password_matches(conn, self._db.conninfo, user_name, password)

    def ensure_root_user(self, timeout: Optional[float] = None) -> bool:
        """pgmilvus only: create Milvus's ``root`` user (password ``Milvus``) unless it exists; True
        when created (rbac/roles.py ensure_root)."""
        with self._tx(timeout) as conn:
            return rbac.ensure_root(conn, self._db_name)

    def list_users(self, timeout: Optional[float] = None, **kwargs: Any) -> List[str]:
        with self._conn(timeout) as conn:
            return rbac.list_users(conn)

    def describe_user(self, user_name: str, timeout: Optional[float] = None, **kwargs: Any) -> Dict[str, Any]:
        name = rbac.user_name(user_name)
        with self._conn(timeout) as conn:
            return rbac.describe_user(conn, name)

    def create_role(self, role_name: str, timeout: Optional[float] = None, description: str = "",
                    **kwargs: Any) -> None:
        name = rbac.role_name(role_name)
        description = rbac.role_description(rbac.param_type("description", description or "", allow_empty=True))
        with self._tx(timeout) as conn:
            rbac.create_role(conn, self._db_name, name, description)

    def alter_role(self, role_name: str, description: str, timeout: Optional[float] = None,
                   **kwargs: Any) -> None:
        """pymilvus 3 / Milvus master: change a role's description."""
        name = rbac.role_name(role_name)
        description = rbac.role_description(rbac.param_type("description", description, allow_empty=True))
        with self._tx(timeout) as conn:
            rbac.alter_role(conn, self._db_name, name, description)

    def drop_role(self, role_name: str, force_drop: bool = False, timeout: Optional[float] = None,
                  **kwargs: Any) -> None:
        name = rbac.role_name(role_name)
        with self._tx(timeout) as conn:
            rbac.drop_role(conn, self._db_name, name, bool(force_drop))

    def grant_role(self, user_name: str, role_name: str, timeout: Optional[float] = None, **kwargs: Any) -> None:
        user, role = rbac.user_name(user_name), rbac.role_name(role_name)
        with self._tx(timeout) as conn:
            rbac.grant_role(conn, self._db_name, user, role)

    def revoke_role(self, user_name: str, role_name: str, timeout: Optional[float] = None,
                    **kwargs: Any) -> None:
        user, role = rbac.user_name(user_name), rbac.role_name(role_name)
        with self._tx(timeout) as conn:
            rbac.revoke_role(conn, self._db_name, user, role)

    def list_roles(self, timeout: Optional[float] = None, **kwargs: Any) -> List[str]:
        with self._conn(timeout) as conn:
            return rbac.list_roles(conn)

    def describe_role(self, role_name: str, timeout: Optional[float] = None, **kwargs: Any) -> Dict[str, Any]:
        name = rbac.role_name(role_name)
        db_name = rbac.db_name_of(kwargs.pop("db_name", ""), self._db_name)
        with self._conn(timeout) as conn:
            return rbac.describe_role(conn, name, db_name)

    def grant_privilege(self, role_name: str, object_type: str, privilege: str, object_name: str,
                        db_name: Optional[str] = "", timeout: Optional[float] = None, **kwargs: Any) -> None:
        role = rbac.role_name(role_name)
        self._change_privilege(rbac.grant_privilege, role, *rbac.privilege_for(object_type, privilege),
                               rbac.object_name(object_name), rbac.db_name_of(db_name, self._db_name), timeout)

    def revoke_privilege(self, role_name: str, object_type: str, privilege: str, object_name: str,
                         db_name: Optional[str] = "", timeout: Optional[float] = None, **kwargs: Any) -> None:
        role = rbac.role_name(role_name)
        self._change_privilege(rbac.revoke_privilege, role, *rbac.privilege_for(object_type, privilege),
                               rbac.object_name(object_name), rbac.db_name_of(db_name, self._db_name), timeout)

    def grant_privilege_v2(self, role_name: str, privilege: str, collection_name: str,
                           db_name: Optional[str] = None, timeout: Optional[float] = None, **kwargs: Any) -> None:
        self._change_privilege_v2(rbac.grant_privilege, role_name, privilege, collection_name, db_name, timeout)

    def revoke_privilege_v2(self, role_name: str, privilege: str, collection_name: str,
                            db_name: Optional[str] = None, timeout: Optional[float] = None,
                            **kwargs: Any) -> None:
        self._change_privilege_v2(rbac.revoke_privilege, role_name, privilege, collection_name, db_name, timeout)

    def _change_privilege_v2(self, change: Callable[..., None], role_name: Any, privilege: Any,
                             collection_name: Any, db_name: Any, timeout: Optional[float]) -> None:
        """Grant or revoke a 2.5+ privilege: only the catalog knows the custom privilege groups, so the
        name is resolved in the call's transaction (after pymilvus's checks of the arguments)."""
        role = rbac.role_name(role_name)
        privilege, collection = rbac.v2_arguments(privilege, collection_name)
        db = rbac.db_name_of(db_name, self._db_name)
        with self._tx(timeout) as conn:
            rbac.require_manager(conn, self._db_name, "ManageOwnership")
            target = rbac.privilege_v2(privilege, collection, db, rbac.custom_groups(conn))
            change(conn, self._db_name, role, *target, db)

    def _change_privilege(self, change: Callable[..., None], role: str, object_type: str, privilege: str,
                          target: str, db: str, timeout: Optional[float]) -> None:
        """Grant or revoke (``change``) an already-checked privilege, in one transaction."""
        with self._tx(timeout) as conn:
            change(conn, self._db_name, role, object_type, privilege, target, db)

    # Custom privilege groups (rbac/groups.py): pymilvus's argument checks, then one transaction.
    def create_privilege_group(self, group_name: str, timeout: Optional[float] = None, **kwargs: Any) -> None:
        name = groups.group_name(group_name)
        with self._tx(timeout) as conn:
            groups.create_privilege_group(conn, self._db_name, name)

    def drop_privilege_group(self, group_name: str, timeout: Optional[float] = None, **kwargs: Any) -> None:
        name = groups.group_name(group_name)
        with self._tx(timeout) as conn:
            groups.drop_privilege_group(conn, self._db_name, name)

    def list_privilege_groups(self, timeout: Optional[float] = None, **kwargs: Any) -> List[Dict[str, Any]]:
        with self._conn(timeout) as conn:
            return groups.list_privilege_groups(conn)

    def add_privileges_to_group(self, group_name: str, privileges: List[str], timeout: Optional[float] = None,
                                **kwargs: Any) -> None:
        name, names = groups.group_name(group_name), groups.privilege_names(privileges)
        with self._tx(timeout) as conn:
            groups.add_privileges_to_group(conn, self._db_name, name, names)

    def remove_privileges_from_group(self, group_name: str, privileges: List[str],
                                     timeout: Optional[float] = None, **kwargs: Any) -> None:
        name, names = groups.group_name(group_name), groups.privilege_names(privileges)
        with self._tx(timeout) as conn:
            groups.remove_privileges_from_group(conn, self._db_name, name, names)

    # Milvus's RBAC meta backup (rbac/backup.py): RBACMeta as a dict with the proto's field names.
    def backup_rbac(self, timeout: Optional[float] = None, **kwargs: Any) -> Dict[str, List[Dict[str, Any]]]:
        """BackupRBAC: users (but root, with their roles and password verifiers), roles (but admin and
        public), their grants in every database, and the custom privilege groups."""
        with self._tx(timeout) as conn:
            return rbac_backup.backup(conn, self._db_name)

    def restore_rbac(self, meta: Dict[str, Any], timeout: Optional[float] = None, **kwargs: Any) -> None:
        """RestoreRBAC of what ``backup_rbac`` returned (here or on another deployment), in one
        transaction; refused (1100) when any role, privilege group or user in it exists already."""
        parsed = rbac_backup.parse(meta, self._db_name)
        with self._tx(timeout) as conn:
            rbac_backup.restore(conn, self._db_name, parsed)
    # -- end access control --------------------------------------------------------------------------

    # -- snapshots (Milvus master; catalog/snapshots.py) --------------------------------------------
    def create_snapshot(self, snapshot_name: str, collection_name: str, db_name: str = "", description: str = "",
                        compaction_protection_seconds: int = 0, timeout: Optional[float] = None,
                        **kwargs: Any) -> None:
        snapshot_args.names(snapshot_name=snapshot_name, collection_name=collection_name)
        snapshot_args.non_negative("compaction_protection_seconds", compaction_protection_seconds)
        names.a_str("description", "" if description is None else description)
        with self._tx(timeout) as conn:
            snapshots.create(conn, self._db_arg("db_name", db_name), collection_name, snapshot_name, description,
                             compaction_protection_seconds)

    def drop_snapshot(self, snapshot_name: str, collection_name: str, db_name: str = "",
                      timeout: Optional[float] = None, **kwargs: Any) -> None:
        snapshot_args.names(snapshot_name=snapshot_name, collection_name=collection_name)
        with self._tx(timeout) as conn:
            snapshots.drop(conn, self._db_arg("db_name", db_name), collection_name, snapshot_name)

    def list_snapshots(self, collection_name: str = "", db_name: str = "", timeout: Optional[float] = None,
                       **kwargs: Any) -> List[str]:
        with self._conn(timeout) as conn:
            return snapshots.list_names(conn, self._db_arg("db_name", db_name),
                                        names.a_str("collection_name", collection_name or ""))

    def describe_snapshot(self, snapshot_name: str, collection_name: str, db_name: str = "",
                          timeout: Optional[float] = None, **kwargs: Any) -> SnapshotInfo:
        snapshot_args.names(snapshot_name=snapshot_name, collection_name=collection_name)
        with self._conn(timeout) as conn:
            return snapshots.describe(conn, self._db_arg("db_name", db_name), collection_name, snapshot_name)

    def restore_snapshot(self, snapshot_name: str, source_collection_name: str, target_collection_name: str,
                         source_db_name: str = "", target_db_name: str = "", timeout: Optional[float] = None,
                         **kwargs: Any) -> int:
        """Completes within the call (Milvus's runs as a job): the job id answers as completed."""
        snapshot_args.names(snapshot_name=snapshot_name, target_collection_name=target_collection_name,
                            source_collection_name=source_collection_name)
        with self._tx(timeout) as conn:
            return snapshots.restore(conn, self._db_arg("source_db_name", source_db_name), source_collection_name,
                                     snapshot_name, names.a_str("target_db_name", target_db_name or ""),
                                     target_collection_name)

    def get_restore_snapshot_state(self, job_id: int, timeout: Optional[float] = None,
                                   **kwargs: Any) -> RestoreSnapshotJobInfo:
        snapshot_args.positive("job_id", job_id, bools=True)
        with self._conn(timeout) as conn:
            return snapshots.job_state(conn, int(job_id))

    def list_restore_snapshot_jobs(self, collection_name: str = "", db_name: str = "",
                                   timeout: Optional[float] = None, **kwargs: Any) -> List[RestoreSnapshotJobInfo]:
        with self._conn(timeout) as conn:
            return snapshots.jobs(conn, self._db_arg("db_name", db_name),
                                  names.a_str("collection_name", collection_name or ""))

    def pin_snapshot_data(self, snapshot_name: str, collection_name: str, db_name: str = "", ttl_seconds: int = 0,
                          timeout: Optional[float] = None, **kwargs: Any) -> int:
        snapshot_args.names(snapshot_name=snapshot_name, collection_name=collection_name)
        snapshot_args.non_negative("ttl_seconds", ttl_seconds)
        with self._tx(timeout) as conn:
            return snapshots.pin(conn, self._db_arg("db_name", db_name), collection_name, snapshot_name, ttl_seconds)

    def unpin_snapshot_data(self, pin_id: int, timeout: Optional[float] = None, **kwargs: Any) -> None:
        snapshot_args.positive("pin_id", pin_id)
        with self._tx(timeout) as conn:
            snapshots.unpin(conn, pin_id)

def _check_compaction_id(job_id: Any) -> None:
    """pymilvus's check of a compaction id (Prepare.get_compaction_state)."""
    if not isinstance(job_id, int) or isinstance(job_id, bool):
        raise ParamError(message=f"compaction_id value {job_id} is illegal")


def _check_groups(conn: Any, info: catalog.CollectionInfo, kwargs: dict[str, Any], loaded: bool,
                  wrap: str = "") -> None:
    """querycoord's replica and resource-group checks of a load (``_resource_groups`` as pymilvus
    names it; node numbers only checked if not ``loaded``); a load naming neither takes the
    collection's or the database's configured ones; the proxy prefixes load_collection's errors
    with ``wrap``."""
    groups = kwargs.get("resource_groups", kwargs.get("_resource_groups"))
    replicas = kwargs.get("replica_number")
    if not groups and not (isinstance(replicas, int) and replicas > 0):
        replicas, groups = resource_groups.configured_load(
            info.properties, catalog.describe_database(conn, info.db_name) or {})
    try:
        resource_groups.check_load(conn, replicas, groups, loaded)
    except MilvusException as exc:
        raise MilvusException(exc.code, wrap + exc.message) from None


def _check_replicas(kwargs: dict[str, Any]) -> None:
    """pymilvus's check of load_collection's / load_partitions' ``replica_number`` (one replica here)."""
    replicas = kwargs.get("replica_number")
    if replicas is not None and not isinstance(replicas, int):
        raise illegal("replica_number", replicas)


def _id_list(name: str, values: Any) -> list:
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        raise illegal(name, values, "expected a list of int")
    return list(values)


def _node_int(name: str, value: Any) -> int:
    """A node or segment id of load_balance (pymilvus sends them as int64)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise illegal(name, value, "expected an int")
    return value


def _property_keys(keys: Any) -> None:
    """The keys of drop_*_properties: a list of str (each a key of the request's repeated strings)."""
    if not isinstance(keys, (list, tuple)):
        raise ParamError(message=f"property_keys must be a list, got {type(keys).__name__}")
    for key in keys:
        if not isinstance(key, str):
            raise illegal("property_keys", keys, f"expected a list of str, got {type(key).__name__} {key!r}")


def _index_name(index_name: Any) -> None:
    if not isinstance(index_name, str):
        raise illegal("index_name", index_name, f"expected a str, got {type(index_name).__name__}")


def _empty_request(value: Any) -> bool:
    """An empty list, dict or str of properties or keys: pymilvus sends it on as an empty request."""
    return not value and isinstance(value, (dict, list, tuple, str))


def _nothing_to_alter(database: bool = False) -> MilvusException:
    """An alter with no property to set or drop (pymilvus sends it as it is): Milvus 2.6's rootcoord text."""
    if database:
        return invalid_parameter("alter database with empty properties and delete keys, expected to set "
                                 "either properties or delete keys")
    return invalid_parameter("no properties or delete keys provided")


def _reranked(conn: Any, info: catalog.CollectionInfo, request: Any, ranker: Any, chains: Sequence[Any]) -> Any:
    """A search with its rerank: function chains (search/chained.py), a ranker (search/ranked.py), or none."""
    with spatial_scope(conn, info, request.filter):
        if chains:
            return search_chained.search_with_chains(conn, info, request, chains)
        if ranker is not None:
            return search_ranked.search_with_ranker(conn, info, request, ranker)
        return search_mod.search(conn, info, request)


def _refuse_with_aggregation(highlighter: Any) -> None:
    """search_aggregation beside a highlighter (Milvus refuses it) or a rerank function (pgmilvus
    does not rank the aggregation's hits)."""
    if highlighter is not None:
        raise invalid_parameter("highlighter and search_aggregation cannot be used simultaneously")
    raise MilvusException(ErrorCode.UNSUPPORTED, "search_aggregation with a ranker is not supported by "
                                                 "pgmilvus: the buckets are computed from the nearest hits")


def _consistency(kwargs: Dict[str, Any]) -> None:
    """A read's or delete's consistency_level is checked like pymilvus (then ignored: reads are strong),
    and its namespace refused (collections.refuse_namespace)."""
    if kwargs.get("consistency_level") is not None:
        collections.consistency_level(kwargs["consistency_level"])
    collections.refuse_namespace(kwargs.get("namespace"))


def _name_privileges(cls: type) -> type:
    """Rewrite Postgres's refusals as Milvus's ``Privilege<X>: permission deny to <user> ...``.

    Postgres enforces the grants; only the client knows which Milvus call was
    refused, so each public method names its privilege here.
    """
    def wrap(name: str, method: Any) -> Any:
        privilege = METHOD_PRIVILEGES.get(name)

        @functools.wraps(method)
        def call(self: MilvusClient, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except PermissionDenied as exc:
                if exc.message.startswith("Privilege"):
                    raise
                user = exc.user or self._db.user
                raise PermissionDenied(rbac.denied_message(privilege, user, self._db_name),
                                       user=user) from None
        return call

    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and inspect.isfunction(member):
            setattr(cls, name, wrap(name, member))
    return cls


_name_privileges(MilvusClient)
unsupported.install(MilvusClient)  # after the privileges: a refusal sends nothing
