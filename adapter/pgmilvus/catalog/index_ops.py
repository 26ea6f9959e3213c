"""create_index / list_indexes / describe_index / drop_index on a connection."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Optional

import psycopg
from psycopg import sql

from . import store as catalog, collections, index_checks, indexes, json_index, segments, struct_indexes
from .store import CollectionInfo, IndexInfo
from .properties import CONFIGURABLE_INDEX_KEYS
from ..schema import names
from ..schema.ddl import pg_name
from ..errors import ErrorCode, MilvusException, ParamError, invalid_parameter
from ..schema.index_params import IndexParam, IndexParams
from ..schema.model import warmup_problem
from ..types import DataType

_log = logging.getLogger("pgmilvus")

def has_vectorscale(conn: psycopg.Connection) -> bool:
    """pgvectorscale installed in this database (DISKANN then maps to its diskann index)."""
    return conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vectorscale'").fetchone() is not None


def trigram_opclass(conn: psycopg.Connection) -> Optional[str]:
    """pg_trgm's GIN opclass, schema-qualified, for NGRAM indexes: the extension is created when
    the server has it and this user may (a savepoint keeps the caller's transaction whole when it
    may not); None without it, and NGRAM falls back to a prefix B-tree (a VARCHAR) or to no path
    index (a JSON path), where ``like`` filters scan."""
    schema = _trigram_schema(conn)
    if schema is None and conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").fetchone():
        try:
            with conn.transaction():
                conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.UniqueViolation) as exc:
            _log.info("pg_trgm is not enabled (%s): `CREATE EXTENSION pg_trgm;` as the database's owner "
                      "gives NGRAM indexes their trigram index", exc.diag.message_primary)
        schema = _trigram_schema(conn)
    return None if schema is None else sql.Identifier(schema, "gin_trgm_ops").as_string(conn)


def _trigram_schema(conn: psycopg.Connection) -> Optional[str]:
    found = conn.execute("SELECT n.nspname FROM pg_extension AS e JOIN pg_namespace AS n"
                         " ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'").fetchone()
    return None if found is None else str(found[0])


def _default_name(info: CollectionInfo, param: IndexParam, fallback: str) -> str:
    """An index asked for without a name (datacoord's CreateIndex): the name of the one index on
    the field (on a JSON column: on the same path), so asking again for it is the no-op it is in
    Milvus, else ``fallback``."""
    schema, column = info.schema, json_index.column_of(info.schema, param.field_name)
    if column is None:
        same = [i for i in info.indexes if i.field_name == param.field_name]
    else:
        path = json_index.path_of(schema, param.field_name, param.params)
        same = [i for i in info.indexes if json_index.column_of(schema, i.field_name) == column
                and json_index.path_of(schema, i.field_name, i.params) == path]
    return same[0].index_name if len(same) == 1 else fallback


def _plan(info: CollectionInfo, param: IndexParam, vectorscale: bool = False,
          trigram: Optional[str] = None) -> indexes.IndexPlan:
    field = info.schema.field(param.field_name)
    index_name = param.index_name or _default_name(info, param, param.field_name)
    dynamic_key = field is None and info.schema.enable_dynamic_field  # Milvus: a key of $meta, never 1700
    if dynamic_key or (field is not None and field.dtype == DataType.JSON
                       and json_index.is_json_path_index(param.params)):
        if not param.index_name:
            index_name = _default_name(info, param, json_index.default_index_name(info.schema, param.field_name,
                                                                                  param.params))
        return _kept_metric(indexes.plan_json_path_index(info.schema, param.field_name, index_name,
                                                         param.index_type, param.params), param)
    if field is None:
        raise MilvusException(ErrorCode.FIELD_NOT_FOUND,
                              f"cannot create index on non-exist field: {param.field_name}: field not "
                              f"found[field={param.field_name}]")
    if field.dtype == DataType._ARRAY_OF_VECTOR:  # a struct array's vector sub-field
        return struct_indexes.plan(field, index_name, param.index_type, param.metric_type, param.params)
    if field.is_vector:
        return indexes.plan_vector_index(field, index_name, param.index_type, param.metric_type, param.params,
                                         has_vectorscale=vectorscale)
    return _kept_metric(indexes.plan_scalar_index(field, index_name, param.index_type, param.params, trigram), param)


def _kept_metric(plan: indexes.IndexPlan, param: IndexParam) -> indexes.IndexPlan:
    """A metric_type given with a scalar (or JSON path) index: Milvus takes it, uses it for nothing
    (e2e cause #22) and describes it among the index's params, as the Go SDK's tests check."""
    return replace(plan, metric_type=param.metric_type) if param.metric_type else plan


def _check_request(info: CollectionInfo, param: IndexParam) -> None:
    """Milvus's proxy checks of what a create_index request carries, before it plans the index:
    ``mmap.enabled`` for the type asked for, then a vector AUTOINDEX's parameters."""
    field = info.schema.field(param.field_name)
    if field is None:
        return
    vector = field.takes_vector_index
    index_checks.check_create_mmap(param.index_type, vector, param.params)
    if vector:
        index_checks.check_autoindex_params(param.index_type, param.params)


def create(conn: psycopg.Connection, info: CollectionInfo, index_params: Any, restoring: bool = False) -> bool:
    """Create the indexes; True when one of them indexes an expression (a JSON path), whose
    statistics only an ANALYZE of the table gathers.  ``restoring``: a snapshot's indexes, built
    again from their catalog rows (parameters Milvus's proxy filled in included), unchecked as
    Milvus restores them past its proxy."""
    if isinstance(index_params, IndexParam):
        index_params = [index_params]
    if not isinstance(index_params, (IndexParams, list)):
        raise ParamError(message=f"index_params must be an IndexParams (prepare_index_params()), got "
                                 f"{type(index_params).__name__}")
    if not index_params:
        raise ParamError(message="IndexParams is empty, no index can be created")
    for param in index_params:
        if not isinstance(param, IndexParam):
            raise ParamError(message=f"index_params items must be IndexParam, got {param!r}")
        if not restoring:  # a snapshot's names include those Milvus gives JSON path indexes (json/a/b)
            names.index_name(param.index_name)
    if info.segmented:
        segments.hold_leaves(conn, info)  # a build in flight would deadlock with the leaves' CREATE INDEX
    # Transaction-local (the callers run in one transaction): the pooled connection keeps its defaults.
    for key, value in indexes.build_settings().items():
        conn.execute("SELECT set_config(%s, %s, true)", (key, value))
    vectorscale = any(str(p.index_type).upper() == "DISKANN" for p in index_params) and has_vectorscale(conn)
    trigram = trigram_opclass(conn) if any(str(p.index_type).upper() == "NGRAM" for p in index_params) else None
    expressions = False
    for param in index_params:
        if not restoring:
            _check_request(info, param)
        plan = _plan(info, param, vectorscale, trigram)
        problem = warmup_problem(param.params["warmup"]) if "warmup" in (param.params or {}) else None
        if problem:  # 2.6's proxy: after the index type is known
            raise invalid_parameter(f"invalid warmup params: {problem}")
        if plan.index_type == "DISKANN" and plan.method == "hnsw":
            _log.info("DISKANN on %s.%s is built as an HNSW index (pgvectorscale is not installed in this "
                      "database)", info.name, plan.field_name)
        expressions = _create_one(conn, info, plan, param.sent_params, trigram) or expressions
    return expressions


def _create_one(conn: psycopg.Connection, info: CollectionInfo, plan: indexes.IndexPlan,
                sent: Optional[dict[str, Any]] = None, trigram: Optional[str] = None) -> bool:
    """Create one index (True if it indexes an expression); ``sent``: the request's own pairs
    (IndexParam.sent_params), kept so describe_index answers them as Milvus does; ``trigram``:
    pg_trgm's opclass, for an NGRAM path index."""
    schema = info.schema
    column = json_index.column_of(schema, plan.field_name)  # JSON indexes of one column share its GIN
    shared: Optional[str] = None
    for existing in info.indexes:
        same_field = existing.field_name == plan.field_name
        same_column = column is not None and json_index.column_of(schema, existing.field_name) == column
        if existing.index_name == plan.index_name:
            if same_field and _identical(existing, plan):
                return False  # as in Milvus: asking again for an index is a no-op
            raise invalid_parameter("at most one distinct index is allowed per field",
                                    f"field {existing.field_name} already has index {existing.index_name}: drop it "
                                    "first (release_collection, drop_index)")
        if same_field or same_column:
            if (same_column and json_index.path_of(schema, existing.field_name, existing.params)
                    != json_index.path_of(schema, plan.field_name, plan.params)):
                shared = shared or existing.pg_index_name  # another JSON path: same GIN index
                continue
            raise invalid_parameter("CreateIndex failed: creating multiple indexes on same field is not supported",
                                    f"field {existing.field_name} already has index {existing.index_name}"
                                    + (f" on path {existing.params.get('json_path', existing.field_name)!r}"
                                       if same_column else "") + ": drop it first (drop_index)")
    statement = None if shared else indexes.create_index_sql(info.schema_name, info.table_name, plan)
    pg_index = shared or (indexes.pg_index_name(info.table_name, plan.index_name) if statement else None)
    if statement is not None and info.segmented and segments.is_vector_plan(plan):
        segments.create_vector_index(conn, info, plan)  # per sealed segment; growing ones scan exactly
    elif statement is not None:
        indexes.run_build(conn, statement)  # on the parent: a segment's own B-tree of the field becomes its part
    stored = plan.stored_params if pg_index is not None else plan.params
    expression = False
    path_index = _create_path_index(conn, info, plan, trigram) if column is not None else None
    if path_index is not None:
        stored = {**stored, indexes.PG_KEY: {**stored.get(indexes.PG_KEY, {}), "path_index": path_index}}
        expression = True
    if sent is not None:
        stored = {**stored, indexes.PG_KEY: {**stored.get(indexes.PG_KEY, {}), "sent": sent}}
    record = IndexInfo(plan.index_name, plan.field_name, plan.index_type, plan.metric_type, stored, pg_index)
    catalog.add_index(conn, info.id, record)
    info.indexes.append(record)
    info.plans.clear()  # what was planned or worked out for the old set of indexes
    return expression


def _create_path_index(conn: psycopg.Connection, info: CollectionInfo, plan: indexes.IndexPlan,
                       trigram: Optional[str]) -> Optional[str]:
    """A JSON path index's own index on the path's value (json_index), its name; None if it gets
    none: the B-tree on a DOUBLE / VARCHAR cast, an NGRAM path's trigram GIN index."""
    schema, name = info.schema, pg_name(info.table_name, "jidx", plan.index_name)
    if plan.index_type == "NGRAM":
        statement = None if trigram is None else json_index.create_trigram_sql(
            info.schema_name, info.table_name, name, schema, plan.field_name, plan.params, sql.SQL(trigram))
    elif json_index.range_cast(schema, plan.field_name, plan.params):
        statement = json_index.create_btree_sql(info.schema_name, info.table_name, name, schema,
                                                plan.field_name, plan.params)
    else:
        statement = None
    if statement is None:
        return None
    conn.execute(statement)
    return name


def _identical(existing: IndexInfo, plan: indexes.IndexPlan) -> bool:
    """The request asks for the index that exists (datacoord's checkParams): its configurable keys
    (warmup, mmap.enabled, ...) are left out of the stored side only, so a request naming one is
    never identical, and one that does not matches an index altered since."""
    stored = {k: v for k, v in existing.params.items() if k != indexes.PG_KEY and k not in CONFIGURABLE_INDEX_KEYS}
    return (existing.index_type == plan.index_type and existing.metric_type == plan.metric_type
            and stored == plan.params and not any(key in plan.params for key in CONFIGURABLE_INDEX_KEYS))


def list_names(info: CollectionInfo, field_name: Optional[str]) -> list[str]:
    return [i.index_name for i in info.indexes if not field_name or i.field_name == field_name]


def find(info: CollectionInfo, index_name: str) -> Optional[IndexInfo]:
    return next((i for i in info.indexes if i.index_name == index_name), None)


def describe(conn: psycopg.Connection, info: CollectionInfo, index_name: str) -> Optional[dict[str, Any]]:
    index = find(info, index_name)
    if index is None:
        return None
    field = info.schema.field(index.field_name)
    if info.segmented and field is not None and field.is_vector and index.pg_index_name:
        rows, indexed, pending = segments.index_progress(conn, info)
    else:
        rows = collections.row_count(conn, info)
        indexed, pending = rows, 0
    out = indexes.describe(index.params, index.index_type, index.metric_type, index.field_name,
                           index.index_name, rows)
    out.update(indexed_rows=indexed, pending_index_rows=pending,
               state="InProgress" if pending else "Finished")
    return out


def _on_vector(info: CollectionInfo, index: IndexInfo) -> bool:
    field = info.schema.field(index.field_name)
    return field is not None and field.takes_vector_index


def _loaded(info: CollectionInfo) -> MilvusException:
    """A vector index dropped while its collection is loaded: Milvus 2.6's datacoord text."""
    return invalid_parameter(f"vector index cannot be dropped on loaded collection: {info.id} (release "
                             f"collection {info.name} first)")


def _unnamed(info: CollectionInfo) -> str:
    """The index a DropIndex naming none drops: datacoord takes every index of the collection
    (the proxy ignores ``field_name``), checks the loaded collection's vector indexes first, and
    drops the one index, refusing several as duplicates (the Java v1 SDK's DropIndexParam names no
    index by default).  "" when the collection has no index: a success that drops nothing."""
    if not info.indexes:
        return ""
    if info.loaded and any(_on_vector(info, index) for index in info.indexes):
        raise _loaded(info)
    if len(info.indexes) > 1:
        raise MilvusException(ErrorCode.INDEX_DUPLICATE, "index duplicates[indexName=]")
    return info.indexes[0].index_name


def drop(conn: psycopg.Connection, info: CollectionInfo, index_name: str, with_field: bool = False) -> None:
    """Drop an index; ``with_field``: its field is dropped too (drop_collection_field,
    drop_function_field), which Milvus allows on a loaded collection.  No ``index_name`` is the
    collection's only index (``_unnamed``)."""
    if not index_name and not with_field:
        index_name = _unnamed(info)
    index = find(info, index_name)
    if index is None:
        return
    field = info.schema.field(index.field_name)
    if info.loaded and _on_vector(info, index) and not with_field:
        raise _loaded(info)
    # JSON path indexes of one field share a GIN index: the last of them drops it.
    sharing = [i for i in info.indexes if i.pg_index_name == index.pg_index_name and i.index_name != index_name]
    if index.pg_index_name and not sharing:
        if info.segmented:
            segments.hold_leaves(conn, info)  # a build in flight and the DROP INDEX would deadlock
        segments.exclusive(conn, info)  # each DROP INDEX locks its table: the whole tree first, at once
        conn.execute(indexes.drop_index_sql(info.schema_name, index.pg_index_name))
        if info.segmented and field is not None and field.is_vector:
            segments.drop_vector_index(conn, info, index_name)
    path_index = (index.params.get(indexes.PG_KEY) or {}).get("path_index")
    if path_index:
        conn.execute(indexes.drop_index_sql(info.schema_name, path_index))
    catalog.remove_index(conn, info.id, index_name)
    if info.segmented and field is not None and not field.is_vector:
        info.indexes = [i for i in info.indexes if i.index_name != index_name]
        segments.create_scalar_btrees(conn, info, field.name)  # the sealed segments index it themselves again
