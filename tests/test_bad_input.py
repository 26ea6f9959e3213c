"""Every public MilvusClient method, called wrongly: a clear MilvusException, nothing changed.

One table, one line per wrong call: the call, the exception class pymilvus
raises (``TypeError`` exactly where pymilvus raises a plain TypeError, per
milvus-api.md 8.1/8.3/10.1), its code, and a fragment of the message that
names what was wrong.  For each case the test also checks that no raw
psycopg / pydantic / Python exception escapes (the class must be one of
pgmilvus's) and that the database is unchanged afterwards: the catalog rows
of ``pgmilvus_catalog``, the list of relations, and the contents (hash) of
every collection table, before vs after.

The cases run against one module-scoped client on a private database of the
session server, with a prepared set of collections (quick setup, a custom
schema with every scalar type and a partition, a VARCHAR primary key, auto_id,
a binary vector, one without an index), an alias and a second database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np
import psycopg
import pytest
from psycopg import sql

from pgmilvus import DataType, LoadState, MilvusClient, RRFRanker, WeightedRanker
from pgmilvus.pg.connection import dsn_with
from .fix_client import FACES, open_client
from pgmilvus.errors import (AutoIDException, DataNotMatchException, DataTypeNotMatchException,
                             DataTypeNotSupportException, DescribeCollectionException, InvalidConsistencyLevel,
                             MilvusException, ParamError, PrimaryKeyException)

E = MilvusException
NAN, INF = float("nan"), float("inf")
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


# ------------------------------------------------------------------ the snapshot

def snapshot(target: str | psycopg.Connection) -> dict[str, Any]:
    """Everything a failed call must leave alone, read with a separate plain connection.

    Catalog tables: every row.  Other tables (the collections): a hash of the
    contents.  Plus the relation and schema lists (a half-created table or
    index shows up there).  Sequences are left out: nextval is not transactional.
    `target` is a DSN, or an open autocommit connection for a server that may
    refuse new ones (a full disk: a new backend may have to rewrite the relcache
    init file, which autovacuum of a catalog invalidates at any moment).
    """
    if isinstance(target, psycopg.Connection):
        return _read_snapshot(target)
    with psycopg.connect(target, autocommit=True) as conn:
        return _read_snapshot(conn)


def _read_snapshot(conn: psycopg.Connection) -> dict[str, Any]:
    out: dict[str, Any] = {}
    conn.execute("SET work_mem = '256MB'")  # sort in memory: a full disk must not stop the check
    out["schemas"] = conn.execute(
        "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' ORDER BY 1").fetchall()
    rels = conn.execute(
        "SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = "
        "c.relnamespace WHERE n.nspname <> ALL(%s) AND c.relkind IN ('r', 'p', 'i', 'I', 'v', 'S') "
        "ORDER BY 1, 2", (list(SYSTEM_SCHEMAS),)).fetchall()
    out["relations"] = rels
    for schema, name, kind in rels:
        if kind not in ("r", "p"):
            continue
        table = sql.Identifier(schema, name)
        if schema == "pgmilvus_catalog":
            rows = conn.execute(sql.SQL("SELECT t::text FROM {} t ORDER BY 1").format(table)).fetchall()
            out[f"{schema}.{name}"] = rows
        else:
            out[f"{schema}.{name}"] = conn.execute(sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                "FROM {} t").format(table)).fetchone()
    return out


def assert_clean_error(err: BaseException, exc: type, code: int | None, fragment: str) -> None:
    """The error a user gets: pymilvus's class and code, a message naming the problem."""
    if exc is TypeError:
        assert type(err) is TypeError, f"expected a plain TypeError (as pymilvus), got {err!r}"
    else:
        assert isinstance(err, exc), f"expected {exc.__name__}, got {type(err).__module__}.{err!r}"
        assert type(err).__module__ in ("pgmilvus.errors", "pgmilvus.pg.connection"), \
            f"not one of pgmilvus's exceptions: {type(err)}"
        if code is not None:
            assert err.code == code, f"code {err.code} != {code}: {err}"
        assert isinstance(err.code, int)
        assert isinstance(err.message, str) and err.message
        assert not isinstance(err.__cause__, (psycopg.Error,)), "a driver error leaked as the cause"
    text = str(getattr(err, "message", err))
    assert fragment.lower() in text.lower(), f"{fragment!r} not in message {text!r}"


# ------------------------------------------------------------------ the prepared client

@dataclass
class Prepared:
    client: MilvusClient
    dsn: str


ROW = dict(pk=2, b=True, i8=1, i16=1, i32=1, i64=1, f=1.0, d=1.0, s="abc", j={"a": 1}, arr=[1, 2],
           tags=["x"], opt=None, v=[0.1, 0.2])


def R(**changes: Any) -> dict:
    """A valid row of ``typed`` (pk 2, not stored yet) with some values changed."""
    return {**ROW, **changes}


def _nested(depth: int) -> list:
    """A list holding a list ... ``depth`` levels down (deeper than Python's JSON encoder goes)."""
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


def without(key: str) -> dict:
    return {k: v for k, v in ROW.items() if k != key}


def Q(pk: int = 100, **extra: Any) -> dict:
    """A valid row of ``quick`` (dimension 4, dynamic field on)."""
    return {"id": pk, "vector": [0.1, 0.2, 0.3, 0.4], **extra}


def _typed_schema():
    s = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("pk", DataType.INT64, is_primary=True)
    s.add_field("b", DataType.BOOL)
    s.add_field("i8", DataType.INT8)
    s.add_field("i16", DataType.INT16)
    s.add_field("i32", DataType.INT32)
    s.add_field("i64", DataType.INT64)
    s.add_field("f", DataType.FLOAT)
    s.add_field("d", DataType.DOUBLE)
    s.add_field("s", DataType.VARCHAR, max_length=5)
    s.add_field("j", DataType.JSON)
    s.add_field("arr", DataType.ARRAY, element_type=DataType.INT64, max_capacity=3)
    s.add_field("tags", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=2, max_length=3)
    s.add_field("opt", DataType.INT32, nullable=True)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    return s


def _typed_schema_ns():
    s = MilvusClient.create_schema(enable_namespace=True)
    s.add_field("pk", DataType.INT64, is_primary=True)
    s.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    return s


def _wide_schema(fields=6, vectors=1):
    """``fields`` fields in all, ``vectors`` of them vectors: Milvus's limits are 64 and 10."""
    s = _schema()
    for i in range(vectors - 1):
        s.add_field(f"v{i}", DataType.FLOAT_VECTOR, dim=2)
    for i in range(fields - vectors - 1):
        s.add_field(f"f{i}", DataType.INT64)
    return s


def _schema(pk_type=DataType.INT64, vec_type=DataType.FLOAT_VECTOR, dim=2, **pk_kw):
    s = MilvusClient.create_schema()
    s.add_field("x", pk_type, is_primary=True, **pk_kw)
    if vec_type == DataType.SPARSE_FLOAT_VECTOR:
        s.add_field("v", vec_type)
    else:
        s.add_field("v", vec_type, dim=dim)
    return s


@pytest.fixture(scope="module", params=FACES)
def bi(request: pytest.FixtureRequest, pg_dsn: str) -> Iterator[Prepared]:
    name = f"bi_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dsn = dsn_with(pg_dsn, dbname=name)
    c = open_client(request.param, dsn)
    c.create_collection("quick", dimension=4)
    c.insert("quick", [Q(i, color="red") for i in range(5)])
    ip = c.prepare_index_params()
    ip.add_index("v", index_type="HNSW", metric_type="L2")
    c.create_collection("typed", schema=_typed_schema(), index_params=ip)
    c.create_partition("typed", "p1")
    c.insert("typed", [R(pk=1)])
    c.insert("typed", [R(pk=3)], partition_name="p1")
    c.create_collection("strpk", schema=_schema(DataType.VARCHAR, max_length=4),
                        index_params=c.prepare_index_params("v", index_type="AUTOINDEX", metric_type="L2"))
    c.insert("strpk", [{"x": "a", "v": [0.1, 0.2]}])
    c.create_collection("auto", dimension=2, auto_id=True)
    c.create_collection("bv", schema=_schema(vec_type=DataType.BINARY_VECTOR, dim=8))
    c.create_collection("noidx", schema=_schema())
    c.create_collection("i8", schema=_schema(vec_type=DataType.INT8_VECTOR, dim=2))
    c.create_collection("sp", schema=_schema(vec_type=DataType.SPARSE_FLOAT_VECTOR))
    c.create_alias("quick", "qa")
    c.create_database("db2")
    yield Prepared(c, dsn)
    c.close()
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _ip(field="v", **kw):
    return MilvusClient.prepare_index_params(field, **kw)


def _ann(data=None, anns_field="v", **kw):
    from pgmilvus import AnnSearchRequest

    return AnnSearchRequest(data=data or [[0.1, 0.2]], anns_field=anns_field, param=kw.pop("param", {}),
                            limit=kw.pop("limit", 5), **kw)


def case(id: str, call: Callable[[MilvusClient], Any], exc: type, code: int | None, fragment: str,
         *, xfail: str | None = None, skip: str | None = None):
    marks = []
    if xfail:
        marks.append(pytest.mark.xfail(reason=xfail, strict=False))
    if skip:
        marks.append(pytest.mark.skip(reason=skip))
    return pytest.param(call, exc, code, fragment, id=id, marks=marks)


T, CNF, DCE = TypeError, 100, DescribeCollectionException

# fmt: off
CASES = [
    # --- create_collection: names (Milvus's rule: [A-Za-z_][A-Za-z0-9_]*, <= 255) --------------------
    case("create-name-int", lambda c: c.create_collection(123, dimension=4), ParamError, 1, "collection_name"),
    case("create-name-none", lambda c: c.create_collection(None, dimension=4), ParamError, 1, "collection_name"),
    case("create-name-empty", lambda c: c.create_collection("", dimension=4), ParamError, 1, "collection_name"),
    case("create-name-256", lambda c: c.create_collection("a" * 256, dimension=4), E, 1100, "the length of a collection name must be less than 255 characters: invalid parameter"),
    case("create-name-digit-hyphen", lambda c: c.create_collection("12-s", dimension=4), E, 1100, "Invalid collection name: 12-s. the first character of a collection name must be an underscore or letter: invalid parameter"),
    case("create-name-spanish", lambda c: c.create_collection("español", dimension=4), E, 1100, "Invalid collection name: español. collection name can only contain numbers, letters and underscores: invalid parameter"),
    case("create-name-space", lambda c: c.create_collection("a b", dimension=4), E, 1100, "can only contain numbers, letters and underscores"),
    case("create-name-quote", lambda c: c.create_collection("a'b", dimension=4), E, 1100, "Invalid collection name: a'b"),
    case("create-name-dquote", lambda c: c.create_collection('x"; DROP SCHEMA "default" CASCADE; --', dimension=4), E, 1100, "Invalid collection name"),
    case("create-name-digit-first", lambda c: c.create_collection("1abc", dimension=4), E, 1100, "first character"),
    case("create-name-unicode", lambda c: c.create_collection("café", dimension=4), E, 1100, "Invalid collection name: café"),
    case("create-name-cyrillic-a", lambda c: c.create_collection("\u0430bc", dimension=4), E, 1100, "first character"),
    case("create-name-semicolon", lambda c: c.create_collection("x;drop", dimension=4), E, 1100, "Invalid collection name: x;drop"),
    case("create-name-dollar", lambda c: c.create_collection("a$$b", dimension=4), E, 1100, "Invalid collection name"),
    case("create-name-nul", lambda c: c.create_collection("a\x00b", dimension=4), E, 1100, "Invalid collection name"),
    case("create-name-hyphen", lambda c: c.create_collection("my-coll", dimension=4), E, 1100, "my-coll"),
    # --- create_collection: quick-setup arguments --------------------------------------------------------
    case("create-dim-str", lambda c: c.create_collection("q1", dimension="4"), ParamError, 1, "dimension"),
    case("create-dim-none", lambda c: c.create_collection("q1"), ParamError, 1, "dimension"),
    case("create-dim-zero", lambda c: c.create_collection("q1", dimension=0), E, 65535, "invalid dimension: 0. should be in range 2 ~ 32768"),
    case("create-dim-negative", lambda c: c.create_collection("q1", dimension=-1), E, 65535, "invalid dimension: -1"),
    case("create-dim-huge", lambda c: c.create_collection("q1", dimension=100000), E, 65535, "invalid dimension: 100000 of field vector. float vector dimension should be in range 2 ~ 32768"),
    case("create-metric-unknown", lambda c: c.create_collection("q1", dimension=4, metric_type="FOO"), E, 1100, "float vector index does not support metric type: FOO: invalid parameter"),
    case("create-metric-digit", lambda c: c.create_collection("q1", dimension=4, metric_type="1"), E, 1100, "float vector index does not support metric type: 1"),
    case("create-id-type-float", lambda c: c.create_collection("q1", dimension=4, id_type="float"), PrimaryKeyException, 1, "int or str"),
    case("create-pk-name-empty", lambda c: c.create_collection("q1", dimension=4, primary_field_name=""), E, 1701, "field name should not be empty: field name invalid[field=]"),
    case("create-pk-name-256", lambda c: c.create_collection("q1", dimension=4, primary_field_name="f" * 256), E, 1701, "The length of a field name must be less than 255 characters."),
    case("create-pk-name-hyphen", lambda c: c.create_collection("q1", dimension=4, primary_field_name="a-b"), E, 1701, "Invalid field name: a-b. Field name can only contain numbers, letters, and underscores.: field name invalid[field=a-b]"),
    case("create-pk-name-space", lambda c: c.create_collection("q1", dimension=4, primary_field_name="a b"), E, 1701, "Invalid field name: a b"),
    case("create-vec-name-digit", lambda c: c.create_collection("q1", dimension=4, vector_field_name="1v"), E, 1701, "Invalid field name: 1v"),
    case("create-vec-name-meta", lambda c: c.create_collection("q1", dimension=4, vector_field_name="$meta"), E, 1701, "$meta"),
    case("create-auto-id-str", lambda c: c.create_collection("q1", dimension=4, auto_id="yes"), AutoIDException, 1, "Param auto_id must be bool type."),
    case("create-schema-str", lambda c: c.create_collection("q1", schema="notaschema"), ParamError, 1, "CollectionSchema"),
    case("create-existing-different", lambda c: c.create_collection("quick", dimension=8), E, 1100, "create duplicate collection with different parameters"),
    # --- create_collection: custom schemas ----------------------------------------------------------------
    case("schema-no-vector", lambda c: c.create_collection("q1", schema=MilvusClient.create_schema().add_field("x", DataType.INT64, is_primary=True)), E, 1100, "schema does not contain vector field: invalid parameter (add one with add_field"),
    case("schema-65-fields", lambda c: c.create_collection("q1", schema=_wide_schema(fields=65)), E, 65535, "maximum field's number should be limited to 64"),
    case("schema-11-vectors", lambda c: c.create_collection("q1", schema=_wide_schema(vectors=11)), E, 65535, "maximum vector field's number should be limited to 10"),
    case("schema-no-pk", lambda c: c.create_collection("q1", schema=MilvusClient.create_schema().add_field("x", DataType.INT64).add_field("v", DataType.FLOAT_VECTOR, dim=2)), PrimaryKeyException, 1, "primary key"),
    case("schema-float-pk", lambda c: c.create_collection("q1", schema=_schema(DataType.FLOAT)), PrimaryKeyException, 1, "INT64 or DataType.VARCHAR"),
    case("schema-dup-field", lambda c: c.create_collection("q1", schema=_schema().add_field("x", DataType.INT32)), E, 65535, "duplicated field name x found"),
    case("schema-geometry-default", lambda c: c.create_collection("q1", schema=_schema().add_field("g", DataType.GEOMETRY, default_value="POINT (")), E, 1100, "invalid default value for geometry field: invalid parameter"),
    case("schema-unknown-type", lambda c: c.create_collection("q1", schema=_schema().add_field("u", DataType.UNKNOWN)), E, 3000, "UNKNOWN"),
    case("schema-string-type", lambda c: c.create_collection("q1", schema=_schema().add_field("u", DataType.STRING)), E, 65535, "string data type not supported yet, please use VarChar type instead"),
    case("schema-dtype-int", lambda c: MilvusClient.create_schema().add_field("x", 12345), DataTypeNotSupportException, 1, "Field dtype must be of DataType"),
    case("schema-dtype-str", lambda c: MilvusClient.create_schema().add_field("x", "INT64"), DataTypeNotSupportException, 1, "Field dtype must be of DataType"),
    case("schema-field-int-name", lambda c: c.create_collection("q1", schema=_schema().add_field(5, DataType.INT64)), ParamError, 1, "field_name"),
    case("schema-field-partition-col", lambda c: c.create_collection("q1", schema=_schema().add_field("$partition", DataType.INT64)), E, 1701, "$partition"),
    case("schema-field-keyword-like", lambda c: c.create_collection("q1", schema=_schema().add_field("like", DataType.INT64)), E, 1701, "Invalid field name: like. like is keyword in milvus.: field name invalid[field=like]"),
    case("schema-field-keyword-in-pk", lambda c: c.create_collection("q1", dimension=4, primary_field_name="in"), E, 1701, "in is keyword in milvus."),
    case("schema-field-keyword-vector", lambda c: c.create_collection("q1", dimension=4, vector_field_name="exists"), E, 1701, "exists is keyword in milvus."),
    case("schema-field-keyword-upper", lambda c: c.create_collection("q1", schema=_schema().add_field("JSON_CONTAINS", DataType.JSON)), E, 1701, "JSON_CONTAINS is keyword in milvus."),
    case("schema-field-keyword-true", lambda c: c.create_collection("q1", schema=_schema().add_field("True", DataType.BOOL)), E, 1701, "True is keyword in milvus."),
    case("schema-field-keyword-null-any-case", lambda c: c.create_collection("q1", schema=_schema().add_field("nUlL", DataType.INT64)), E, 1701, "nUlL is keyword in milvus."),
    case("schema-field-reserved-rowid", lambda c: c.create_collection("q1", schema=_schema().add_field("RowID", DataType.INT64)), E, 1701, 'field name "RowID" is reserved for internal use and cannot be used in user schemas: field name invalid[field=RowID]'),
    case("schema-field-reserved-timestamp-pk", lambda c: c.create_collection("q1", dimension=4, primary_field_name="Timestamp"), E, 1701, 'field name "Timestamp" is reserved for internal use'),
    case("schema-field-reserved-virtual-pk", lambda c: c.create_collection("q1", schema=_schema().add_field("__virtual_pk__", DataType.VARCHAR, max_length=8)), E, 1701, 'field name "__virtual_pk__" is reserved for internal use'),
    case("schema-sparse-with-dim", lambda c: c.create_collection("q1", schema=_schema().add_field("sp", DataType.SPARSE_FLOAT_VECTOR, dim=8)), E, 65535, "dim should not be specified for sparse vector field sp(0)"),
    case("schema-is-primary-str", lambda c: MilvusClient.create_schema().add_field("x", DataType.INT64, is_primary="yes"), PrimaryKeyException, 1, "Param is_primary must be bool type."),
    case("schema-auto-id-non-pk", lambda c: MilvusClient.create_schema().add_field("x", DataType.INT64, auto_id=True), PrimaryKeyException, 1, "primary key"),
    case("schema-varchar-no-length", lambda c: c.create_collection("q1", schema=_schema().add_field("s", DataType.VARCHAR)), E, 65535, "type param(max_length) should be specified for the field(s) of collection q1"),
    case("schema-array-varchar-no-length", lambda c: c.create_collection("q1", schema=_schema().add_field("a", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=2)), E, 65535, "type param(max_length) should be specified for the field(a) of collection q1"),
    case("schema-varchar-too-long", lambda c: c.create_collection("q1", schema=_schema().add_field("s", DataType.VARCHAR, max_length=70000)), E, 1100, "the maximum length specified for the field(s) should be in (0, 65535], but got 70000 instead: invalid parameter"),
    case("schema-vector-no-dim", lambda c: c.create_collection("q1", schema=_schema().add_field("w", DataType.FLOAT_VECTOR)), E, 65535, "dimension is not defined in field type params of field w, check type param `dim` for vector field"),
    case("schema-binary-dim-7", lambda c: c.create_collection("q1", schema=_schema(vec_type=DataType.BINARY_VECTOR, dim=7)), E, 65535, "invalid dimension: 7 of field v. binary vector dimension should be multiple of 8."),
    case("schema-array-json", lambda c: c.create_collection("q1", schema=_schema().add_field("a", DataType.ARRAY, element_type=DataType.JSON, max_capacity=3)), E, 65535, "element type JSON is not supported"),
    case("schema-array-no-element", lambda c: c.create_collection("q1", schema=_schema().add_field("a", DataType.ARRAY, max_capacity=3)), E, 65535, "element data type None is not valid"),
    case("schema-array-vector", lambda c: c.create_collection("q1", schema=_schema().add_field("a", DataType.ARRAY, element_type=DataType.BINARY_VECTOR, max_capacity=3)), E, 65535, "element type BinaryVector is not supported"),
    case("schema-array-unknown-element", lambda c: c.create_collection("q1", schema=_schema().add_field("a", DataType.ARRAY, element_type=1001, max_capacity=3)), E, 65535, "element type 1001 is not supported"),
    case("schema-array-no-capacity", lambda c: c.create_collection("q1", schema=_schema().add_field("a", DataType.ARRAY, element_type=DataType.INT64)), E, 65535, "type param(max_capacity) should be specified for array field a of collection q1"),
    case("schema-array-capacity-none", lambda c: c.create_collection("q1", schema=_schema().add_field("a", DataType.ARRAY, element_type=DataType.INT64, max_capacity=None)), E, 65535, "the value for max_capacity of field a must be an integer"),
    case("schema-array-capacity-str", lambda c: c.create_collection("q1", schema=_schema().add_field("a", DataType.ARRAY, element_type=DataType.INT64, max_capacity="a")), E, 65535, "the value for max_capacity of field a must be an integer"),
    case("schema-array-capacity-list", lambda c: c.create_collection("q1", schema=_schema().add_field("a", DataType.ARRAY, element_type=DataType.INT64, max_capacity=[])), E, 65535, "the value for max_capacity of field a must be an integer"),
    case("schema-array-capacity-4097", lambda c: c.create_collection("q1", schema=_schema().add_field("a", DataType.ARRAY, element_type=DataType.INT64, max_capacity=4097)), E, 65535, "the maximum capacity specified for a Array should be in (0, 4096]"),
    case("schema-default-wrong-type", lambda c: c.create_collection("q1", schema=_schema().add_field("n", DataType.INT64, default_value="str")), E, 1100, "type (Int64) of field (n) is not equal to the type(DataType_VarChar) of default_value: invalid parameter"),
    case("schema-default-int8-bool", lambda c: c.create_collection("q1", schema=_schema().add_field("n", DataType.INT8, default_value=False)), E, 1100, "type (Int8) of field (n) is not equal to the type(DataType_Bool) of default_value"),
    case("schema-default-float-str", lambda c: c.create_collection("q1", schema=_schema().add_field("f", DataType.FLOAT, default_value="abc")), E, 1100, "type (Float) of field (f) is not equal to the type(DataType_VarChar) of default_value"),
    case("schema-default-too-long", lambda c: c.create_collection("q1", schema=_schema().add_field("s", DataType.VARCHAR, max_length=2, default_value="abc")), E, 1100, "the length (3) of string exceeds max length (2): invalid parameter[expected=valid length string][actual=string length exceeds max length]"),
    case("schema-default-pk", lambda c: c.create_collection("q1", schema=_schema(default_value=1)), E, 1100, "primary field not support default_value, type:Int64, name:x: invalid parameter"),
    case("schema-default-vector", lambda c: c.create_collection("q1", schema=_schema().add_field("w", DataType.FLOAT_VECTOR, dim=2, default_value=1.0)), E, 1100, "type not support default_value, type:FloatVector, name:w: invalid parameter"),
    case("schema-default-json", lambda c: c.create_collection("q1", schema=_schema().add_field("j", DataType.JSON, default_value="{}")), E, 1100, "type not support default_value, type:JSON, name:j"),
    case("schema-nullable-pk", lambda c: c.create_collection("q1", schema=_schema(nullable=True)), E, 1100, "primary field not support null, type:Int64, name:x: invalid parameter"),
    case("schema-nullable-partition-key", lambda c: c.create_collection("q1", schema=_schema().add_field("k", DataType.INT64, is_partition_key=True, nullable=True)), E, 1100, "partition key field not support nullable: invalid parameter"),
    case("schema-external-source", lambda c: c.create_schema(external_source="s3://b/x"), E, 3000, "the schema names an external source 's3://b/x': external collections are not supported by pgmilvus; load the rows with insert or bulk import"),
    case("schema-external-field", lambda c: c.create_collection("q1", schema=_schema().add_field("ext", DataType.INT64, external_field="col")), E, 3000, "field ext maps an external column: external collections are not supported by pgmilvus"),
    case("schema-bad-index-type", lambda c: c.create_collection("q1", schema=_schema(), index_params=_ip(index_type="FOO", metric_type="L2")), E, 1100, "invalid index type: FOO"),
    # --- describe / has / drop / rename / truncate / stats / load -----------------------------------------
    case("describe-unknown", lambda c: c.describe_collection("nope"), DCE, CNF, "collection=nope"),
    case("describe-none", lambda c: c.describe_collection(None), ParamError, 1, "collection_name"),
    case("describe-int", lambda c: c.describe_collection(5), ParamError, 1, "collection_name"),
    case("describe-empty", lambda c: c.describe_collection(""), ParamError, 1, "collection_name"),
    case("has-int", lambda c: c.has_collection(5), ParamError, 1, "collection_name"),
    case("has-space", lambda c: c.has_collection("a b"), E, 1100, "Invalid collection name: a b"),
    case("drop-int", lambda c: c.drop_collection(5), ParamError, 1, "collection_name"),
    case("drop-empty", lambda c: c.drop_collection(""), ParamError, 1, "`collection_name` value  is illegal"),
    case("rename-unknown", lambda c: c.rename_collection("nope", "x2"), E, CNF, "collection=nope"),
    case("rename-old-bad-name", lambda c: c.rename_collection("12-s", "x2"), E, CNF, "[collection=12-s]"),
    case("rename-onto-existing", lambda c: c.rename_collection("quick", "typed"), E, 65535, "duplicated new collection name"),
    case("rename-onto-itself", lambda c: c.rename_collection("quick", "quick"), E, 1100, "collection name or database name should be different: invalid parameter"),
    case("rename-onto-alias", lambda c: c.rename_collection("typed", "qa"), E, 1601, "alias and collection name conflict[database=default][alias=qa]"),
    case("rename-an-alias", lambda c: c.rename_collection("qa", "x2"), E, 1100, "unsupported use an alias to rename collection, alias:qa: invalid parameter"),
    case("rename-new-space", lambda c: c.rename_collection("quick", "a b"), E, 1100, "Invalid collection name: a b"),
    case("rename-new-empty", lambda c: c.rename_collection("quick", ""), ParamError, 1, "collection_name"),
    case("rename-unknown-db", lambda c: c.rename_collection("quick", "x2", target_db="nodb"), E, 800, "database=nodb"),
    case("truncate-unknown", lambda c: c.truncate_collection("nope"), E, CNF, "collection=nope"),
    case("stats-unknown", lambda c: c.get_collection_stats("nope"), E, CNF, "collection=nope"),
    case("stats-int", lambda c: c.get_collection_stats(5), ParamError, 1, "collection_name"),
    case("load-unknown", lambda c: c.load_collection("nope"), E, CNF, "collection=nope"),
    case("load-no-index", lambda c: c.load_collection("noidx"), E, 700, "index not found"),
    case("load-fields-unknown", lambda c: c.load_collection("noidx", load_fields=["x", "nope"]), E, 65535, "failed to get field schema by name: fieldName(nope) not found"),
    case("load-fields-no-pk", lambda c: c.load_collection("noidx", load_fields=["v"]), E, 1100, "load field list [v] does not contain primary key field x: invalid parameter"),
    case("load-fields-no-vector", lambda c: c.load_collection("noidx", load_fields=["x"]), E, 1100, "load field list [x] does not contain vector field: invalid parameter"),
    case("load-fields-then-index", lambda c: c.load_collection("noidx", load_fields=["x", "v"]), E, 700, "index not found"),
    case("load-partitions-fields-no-vector", lambda c: c.load_partitions("typed", ["p1"], load_fields=["pk"]), E, 1100, "load field list [pk] does not contain vector field"),
    case("release-unknown", lambda c: c.release_collection("nope"), E, CNF, "collection=nope"),
    case("refresh-load-unknown", lambda c: c.refresh_load("nope"), E, CNF, "collection=nope"),
    case("flush-unknown", lambda c: c.flush("nope"), E, CNF, "collection=nope"),
    case("compact-unknown", lambda c: c.compact("nope"), E, CNF, "collection=nope"),
    case("alter-props-str", lambda c: c.alter_collection_properties("quick", "x"), ParamError, 1, "`properties` value x is illegal"),
    case("alter-props-unknown", lambda c: c.alter_collection_properties("nope", {"a": 1}), E, CNF, "collection=nope"),
    case("alter-props-bad-name", lambda c: c.alter_collection_properties("%$#", {"a": 1}), E, CNF, "[collection=%$#]"),
    case("drop-props-str", lambda c: c.drop_collection_properties("quick", "x"), ParamError, 1, "property_keys must be a list"),
    case("load-parts-empty", lambda c: c.load_partitions("typed", []), E, 65535, "failed to load partition, due to no partition specified"),
    case("load-parts-none", lambda c: c.load_partitions("typed", None), E, 65535, "failed to load partition, due to no partition specified"),
    case("load-parts-no-index-first", lambda c: c.load_partitions("noidx", ["nope"]), E, 700, "index not found"),
    case("release-parts-empty", lambda c: c.release_partitions("typed", []), E, 1100, "invalid parameter[expected=any partition][actual=empty partition list]"),
    case("drop-props-empty", lambda c: c.drop_collection_properties("quick", []), E, 1100, "no properties or delete keys provided: invalid parameter"),
    case("drop-props-empty-str", lambda c: c.drop_collection_properties("quick", ""), E, 1100, "no properties or delete keys provided"),
    case("drop-props-empty-dict", lambda c: c.drop_collection_properties("quick", {}), E, 1100, "no properties or delete keys provided"),
    case("drop-props-unknown", lambda c: c.drop_collection_properties("nope", ["a"]), E, CNF, "collection=nope"),
    case("drop-props-bad-name", lambda c: c.drop_collection_properties(" ", ["a"]), E, CNF, "[collection= ]"),
    # --- partitions -----------------------------------------------------------------------------------------
    case("part-create-empty", lambda c: c.create_partition("quick", ""), E, 65535, "Invalid partition name: . Partition name should not be empty."),
    case("part-create-space", lambda c: c.create_partition("quick", "a b"), E, 65535, "Invalid partition name: a b. Partition name can only contain numbers, letters and underscores."),
    case("part-create-hyphen-first", lambda c: c.create_partition("quick", "-ab"), E, 65535, "Invalid partition name: -ab. The first character of a partition name must be an underscore or letter."),
    case("part-create-int", lambda c: c.create_partition("quick", 5), ParamError, 1, "partition_name"),
    case("part-create-256", lambda c: c.create_partition("quick", "p" * 256), E, 65535, "The length of a partition name must be less than 255 characters."),
    case("part-create-quote", lambda c: c.create_partition("quick", "p');--"), E, 65535, "Invalid partition name"),
    case("part-create-unknown-coll", lambda c: c.create_partition("nope", "p"), E, CNF, "collection=nope"),
    case("part-drop-default", lambda c: c.drop_partition("typed", "_default"), E, 65535, "default partition cannot be deleted"),
    case("part-drop-unknown-coll", lambda c: c.drop_partition("nope", "p"), E, CNF, "collection=nope"),
    case("part-drop-space", lambda c: c.drop_partition("typed", "a b"), E, 65535, "Invalid partition name: a b"),
    case("part-has-empty", lambda c: c.has_partition("typed", ""), E, 65535, "Invalid partition name: . Partition name should not be empty."),
    case("part-has-unknown-coll", lambda c: c.has_partition("nope", "p"), E, CNF, "collection=nope"),
    case("part-has-int", lambda c: c.has_partition("typed", 5), ParamError, 1, "partition_name"),
    case("part-list-unknown-coll", lambda c: c.list_partitions("nope"), E, CNF, "collection=nope"),
    case("part-load-unknown", lambda c: c.load_partitions("typed", ["nope"]), E, 200, "partition=nope"),
    case("part-release-unknown", lambda c: c.release_partitions("typed", ["nope"]), E, 200, "partition=nope"),
    case("part-stats-unknown", lambda c: c.get_partition_stats("typed", "nope"), E, 200, "partition=nope"),
    case("part-stats-list", lambda c: c.get_partition_stats("typed", ["p1"]), T, None, "partition_name"),
    # --- aliases --------------------------------------------------------------------------------------------
    case("alias-create-empty", lambda c: c.create_alias("quick", ""), E, 1100, "collection alias should not be empty: invalid parameter"),
    case("alias-create-digit", lambda c: c.create_alias("quick", "12name"), E, 1100, "Invalid collection alias: 12name. the first character of a collection alias must be an underscore or letter: invalid parameter"),
    case("alias-create-256", lambda c: c.create_alias("quick", "a" * 256), E, 1100, "the length of a collection alias must be less than 255 characters: invalid parameter"),
    case("alias-create-bad-coll", lambda c: c.create_alias("12-s", "al"), E, 1100, "Invalid collection name: 12-s. the first character of a collection name must be an underscore or letter"),
    case("alias-create-none", lambda c: c.create_alias("quick", None), E, 1100, "collection alias should not be empty: invalid parameter"),
    case("alias-describe-none", lambda c: c.describe_alias(None), ParamError, 1, "`alias` value None is illegal"),
    case("alias-alter-empty", lambda c: c.alter_alias("quick", ""), E, 1100, "collection alias should not be empty: invalid parameter"),
    case("alias-describe-empty", lambda c: c.describe_alias(""), ParamError, 1, "`alias` value  is illegal"),
    case("alias-create-space", lambda c: c.create_alias("quick", "a b"), E, 1100, "Invalid collection alias: a b. collection alias can only contain numbers, letters and underscores: invalid parameter"),
    case("alias-create-unknown-coll", lambda c: c.create_alias("nope", "al"), E, CNF, "collection=nope"),
    case("alias-create-collection-name", lambda c: c.create_alias("quick", "typed"), E, 1601, "alias and collection name conflict"),
    case("alias-create-taken", lambda c: c.create_alias("typed", "qa"), E, 1602, "alias to another collection"),
    case("alias-alter-unknown", lambda c: c.alter_alias("quick", "noalias"), E, 1600, "alias=noalias"),
    case("alias-alter-unknown-coll", lambda c: c.alter_alias("nope", "qa"), E, CNF, "collection not found[collection=nope]"),
    case("alias-alter-to-itself", lambda c: c.alter_alias("quick", "quick"), E, 1601, "alias and collection name conflict[database=default][alias=quick]"),
    case("alias-alter-bad-collection-name", lambda c: c.alter_alias("12-s", "qa"), E, 1100, "Invalid collection name: 12-s. the first character of a collection name must be an underscore or letter"),
    case("alias-describe-unknown", lambda c: c.describe_alias("noalias"), E, 1600, "alias=noalias"),
    case("alias-describe-int", lambda c: c.describe_alias(5), ParamError, 1, "`alias` value 5 is illegal"),
    case("alias-drop-space", lambda c: c.drop_alias("a b"), E, 1100, "Invalid collection alias: a b"),
    case("alias-list-unknown-coll", lambda c: c.list_aliases("nope"), E, CNF, "collection=nope"),
    # --- databases ------------------------------------------------------------------------------------------
    case("db-create-empty", lambda c: c.create_database(""), E, 802, "database name couldn't be empty: invalid database name[database=]"),
    case("db-create-digit", lambda c: c.create_database("12-s"), E, 802, "the first character of a database name must be an underscore or letter: invalid database name[database=12-s]"),
    case("db-create-256", lambda c: c.create_database("d" * 256), E, 802, "the length of a database name must be less than 255 characters: invalid database name"),
    case("db-create-space", lambda c: c.create_database("a b"), E, 802, "database name can only contain numbers, letters and underscores: invalid database name[database=a b]"),
    case("db-create-int", lambda c: c.create_database(5), ParamError, 1, "`db_name` value 5 is illegal"),
    case("db-create-existing", lambda c: c.create_database("db2"), E, 65535, "database already exist: db2"),
    case("db-create-quote", lambda c: c.create_database('d"; DROP SCHEMA pgmilvus_catalog CASCADE; --'), E, 802, "invalid database name"),
    case("db-drop-default", lambda c: c.drop_database("default"), E, 65535, "can not drop default database"),
    case("db-drop-space", lambda c: c.drop_database("a b"), E, 802, "invalid database name[database=a b]"),
    case("db-describe-unknown", lambda c: c.describe_database("nodb"), E, 800, "database=nodb"),
    case("db-describe-bad-name", lambda c: c.describe_database("12-s"), E, 800, "database not found[database=12-s]"),
    case("db-describe-int", lambda c: c.describe_database(5), ParamError, 1, "`db_name` value 5 is illegal"),
    case("db-use-unknown", lambda c: c.use_database("nodb"), E, 800, "database=nodb"),
    case("db-use-int", lambda c: c.use_database(5), ParamError, 1, "`db_name` value 5 is illegal"),
    case("db-alter-props-unknown", lambda c: c.alter_database_properties("nodb", {"a": 1}), E, 800, "database=nodb"),
    case("db-alter-props-str", lambda c: c.alter_database_properties("default", "x"), ParamError, 1, "properties must be a dict"),
    case("db-drop-props-unknown", lambda c: c.drop_database_properties("nodb", ["a"]), E, 800, "database=nodb"),
    case("db-drop-props-empty", lambda c: c.drop_database_properties("default", []), E, 1100, "alter database with empty properties and delete keys, expected to set either properties or delete keys"),
    case("db-alter-props-empty", lambda c: c.alter_database_properties("default", {}), E, 1100, "alter database with empty properties and delete keys"),
    # --- indexes --------------------------------------------------------------------------------------------
    case("index-list-unknown-coll", lambda c: c.list_indexes("nope"), E, CNF, "collection=nope"),
    case("index-describe-unknown-coll", lambda c: c.describe_index("nope", "v"), E, CNF, "collection=nope"),
    case("index-drop-unknown-coll", lambda c: c.drop_index("nope", "v"), E, CNF, "collection=nope"),
    case("index-no-metric", lambda c: c.create_index("sp", _ip(index_type="HNSW", index_name="h")), E, 1100, "metric type not set for vector index: invalid parameter[expected=valid index params][actual=invalid index params]"),
    case("index-scalar-type-no-metric", lambda c: c.create_index("sp", _ip(index_type="BITMAP")), E, 1100, "metric type not set for vector index: invalid parameter"),
    case("index-name-digit-first", lambda c: c.create_index("sp", _ip(index_type="SPARSE_INVERTED_INDEX", metric_type="IP", index_name="1nDex")), E, 1100, "Invalid index name: 1nDex. The first character of a index name must be an underscore or letter.: invalid parameter"),
    case("index-name-dash", lambda c: c.create_index("sp", _ip(index_type="SPARSE_INVERTED_INDEX", metric_type="IP", index_name=" a-b ")), E, 1100, "Invalid index name: a-b. Index name can only contain numbers, letters, and underscores.: invalid parameter"),
    # knowhere's sparse index checks (schema/knowhere.py)
    case("index-sparse-algo", lambda c: c.create_index("sp", _ip(index_type="SPARSE_INVERTED_INDEX", metric_type="IP", params={"inverted_index_algo": "INVALID_ALGO"})), E, 1100, "sparse inverted index algo INVALID_ALGO not found or not supported, supported: [TAAT_NAIVE DAAT_WAND DAAT_MAXSCORE BLOCK_MAX_MAXSCORE BLOCK_MAX_WAND SINDI]: invalid parameter"),
    case("index-sparse-codec", lambda c: c.create_index("sp", _ip(index_type="SPARSE_INVERTED_INDEX", metric_type="IP", params={"inverted_index_codec": "zip"})), E, 1100, "inverted_index_codec zip not found or not supported, supported: [block_streamvbyte block_maskedvbyte]: invalid parameter"),
    case("index-sparse-quant-ip", lambda c: c.create_index("sp", _ip(index_type="SPARSE_WAND", metric_type="IP", params={"quant_type": "u16"})), E, 1100, "quant_type for IP metric must be 'fp16' or 'fp32', got 'u16': invalid parameter"),
    case("index-sparse-window-low", lambda c: c.create_index("sp", _ip(index_type="SPARSE_INVERTED_INDEX", metric_type="IP", params={"inverted_index_algo": "SINDI", "sindi_window_size": 512})), E, 1100, "Out of range in json: param 'sindi_window_size' (512) should be in range [1024, 65535]: invalid parameter"),
    case("index-sparse-window-str", lambda c: c.create_index("sp", _ip(index_type="SPARSE_INVERTED_INDEX", metric_type="IP", params={"sindi_window_size": "big"})), E, 1100, "Type conflict in json: param 'sindi_window_size' (\"big\") should be integer"),
    case("index-sparse-block-size", lambda c: c.create_index("sp", _ip(index_type="SPARSE_INVERTED_INDEX", metric_type="IP", params={"block_max_block_size": "0"})), E, 1100, "Out of range in json: param 'block_max_block_size' (0) should be in range [1, 2147483647]: invalid parameter"),
    case("index-sparse-drop-ratio-build", lambda c: c.create_index("sp", _ip(index_type="SPARSE_INVERTED_INDEX", metric_type="IP", params={"drop_ratio_build": 1})), E, 1100, "Out of range in json: param 'drop_ratio_build' (1.0) should be in range [0.000000, 1.000000)"),
    case("index-create-unknown-coll", lambda c: c.create_index("nope", _ip(index_type="HNSW", metric_type="L2")), E, CNF, "collection=nope"),
    case("index-create-bad-name", lambda c: c.create_index("12-s", _ip(index_type="HNSW", metric_type="L2")), E, CNF, "[collection=12-s]"),
    case("index-create-name-256", lambda c: c.create_index("a" * 256, _ip(index_type="HNSW", metric_type="L2")), E, CNF, "collection not found"),
    case("index-create-str", lambda c: c.create_index("typed", "x"), ParamError, 1, "IndexParams"),
    case("index-create-unknown-field", lambda c: c.create_index("typed", _ip("nofield", index_type="HNSW", metric_type="L2")), E, 1700, "nofield"),
    case("index-int8-flat", lambda c: c.create_index("i8", _ip(index_type="FLAT", metric_type="L2")), E, 1100, "data type Int8Vector can't build with this index FLAT"),
    case("index-int8-ivf", lambda c: c.create_index("i8", _ip(index_type="IVF_FLAT", metric_type="L2")), E, 1100, "data type Int8Vector can't build with this index IVF_FLAT"),
    case("index-int8-diskann", lambda c: c.create_index("i8", _ip(index_type="DISKANN", metric_type="L2")), E, 1100, "data type Int8Vector can't build with this index DISKANN"),
    case("index-create-unknown-type", lambda c: c.create_index("noidx", _ip(index_type="FOO", metric_type="L2")), E, 1100, "invalid parameter[expected=valid index][actual=invalid index type: FOO]: use one of HNSW, IVF_FLAT, FLAT, AUTOINDEX for vector field v"),
    case("index-create-unknown-type-as-given", lambda c: c.create_index("noidx", _ip(index_type="12-s", metric_type="L2")), E, 1100, "[actual=invalid index type: 12-s]"),
    case("index-create-unknown-type-no-metric", lambda c: c.create_index("noidx", _ip(index_type="12 s")), E, 1100, "[actual=invalid index type: 12 s]"),
    case("index-create-unknown-metric", lambda c: c.create_index("noidx", _ip(index_type="HNSW", metric_type="FOO")), E, 1100, "float vector index does not support metric type: FOO"),
    case("index-create-binary-metric", lambda c: c.create_index("bv", _ip(index_type="BIN_FLAT", metric_type="L2")), E, 1100, "binary vector index does not support metric type: L2"),
    case("index-create-param-str", lambda c: c.create_index("noidx", _ip(index_type="HNSW", metric_type="L2", params={"M": "x"})), E, 1100, "invalid integer value, key: 'M', value: 'x': invalid parameter"),
    case("index-create-param-range", lambda c: c.create_index("noidx", _ip(index_type="HNSW", metric_type="L2", params={"M": 100000})), E, 1100, "Out of range in json: param 'M' (100000) should be in range [2, 2048]: invalid parameter"),
    case("index-create-scalar-hnsw", lambda c: c.create_index("typed", _ip("s", index_type="HNSW", metric_type="L2")), E, 1100, "index HNSW only supports vector data type: invalid parameter; field s is scalar"),
    case("index-create-scalar-type", lambda c: c.create_index("typed", _ip("i64", index_type="FOO")), E, 1100, "invalid parameter[expected=valid index][actual=invalid index type: FOO]: use one of INVERTED, STL_SORT, Trie, BITMAP, AUTOINDEX for scalar field i64"),
    case("index-type-int", lambda c: c.prepare_index_params("v", index_type=5), ParamError, 1, "index_type"),
    # --- insert: arguments ----------------------------------------------------------------------------------
    case("insert-data-str", lambda c: c.insert("typed", "notalist"), T, None, "wrong type of argument 'data'"),
    case("insert-data-int", lambda c: c.insert("typed", 5), T, None, "got 'int'"),
    case("insert-row-int", lambda c: c.insert("typed", [5]), DataNotMatchException, 1, "The Input data type is inconsistent with defined schema, please check it."),
    case("insert-column-data", lambda c: c.insert("quick", [[1, 2], [[0.1] * 4, [0.2] * 4]]), DataNotMatchException, 1, "The Input data type is inconsistent with defined schema, please check it."),
    case("upsert-column-data", lambda c: c.upsert("quick", [[1, 2], [[0.1] * 4, [0.2] * 4]]), DataNotMatchException, 1, "The Input data type is inconsistent with defined schema, please check it."),
    case("insert-unknown-coll", lambda c: c.insert("nope", [R()]), DCE, CNF, "collection=nope"),
    case("insert-coll-int", lambda c: c.insert(5, [R()]), ParamError, 1, "collection_name"),
    case("insert-unknown-partition", lambda c: c.insert("typed", [R()], partition_name="nope"), E, 200, "partition=nope"),
    case("insert-partition-int", lambda c: c.insert("typed", [R()], partition_name=5), E, 1100, "partition_name must be a str"),
    case("insert-partition-space", lambda c: c.insert("typed", [R()], partition_name="a b"), E, 65535, "Invalid partition name: a b. Partition name can only contain numbers, letters and underscores."),
    case("insert-partition-blank", lambda c: c.insert("typed", [R()], partition_name=" "), E, 65535, "Invalid partition name: . Partition name should not be empty."),
    case("insert-partition-digit", lambda c: c.insert("typed", [R()], partition_name="12 s"), E, 65535, "Invalid partition name: 12 s."),
    case("delete-partition-space", lambda c: c.delete("typed", ids=[1], partition_name="a b"), E, 65535, "Invalid partition name: a b."),
    case("delete-partition-hyphen", lambda c: c.delete("typed", ids=[1], partition_name="a-b"), E, 200, "partition not found[partition=a-b]"),
    # --- insert: vectors ------------------------------------------------------------------------------------
    case("insert-vec-dim-3", lambda c: c.insert("typed", [R(v=[0.1, 0.2, 0.3])]), E, 65535, "the length(3) of float data should divide the dim(2) (row 0 of field v has 3 dimensions)"),
    case("insert-vec-dim-4-of-2", lambda c: c.insert("typed", [R(v=[0.1, 0.2, 0.3, 0.4])]), E, 1100, "the dim (4) of field data(v) is not equal to schema dim (2)"),
    case("insert-vec-dim-1", lambda c: c.insert("typed", [R(v=[0.1])]), E, 65535, "the length(1) of float data should divide the dim(2)"),
    case("insert-vec-str", lambda c: c.insert("typed", [R(v="ab")]), DataNotMatchException, 1, "{v} field should be a float_vector"),
    case("insert-vec-strs", lambda c: c.insert("typed", [R(v=["a", "b"])]), DataNotMatchException, 1, "float_vector"),
    case("insert-vec-dict", lambda c: c.insert("typed", [R(v={"a": 1})]), DataNotMatchException, 1, "float_vector"),
    case("insert-vec-bools", lambda c: c.insert("quick", [Q(vector=[True] * 4)]), DataNotMatchException, 1, "float_vector"),
    case("insert-vec-nan", lambda c: c.insert("typed", [R(v=[NAN, 0.1])]), E, 65535, "NaN"),
    case("insert-vec-inf", lambda c: c.insert("typed", [R(v=[INF, 0.1])]), E, 65535, "Inf"),
    case("insert-vec-nested", lambda c: c.insert("typed", [R(v=[[0.1, 0.2]])]), DataNotMatchException, 1, "float_vector"),
    case("insert-binvec-wrong-len", lambda c: c.insert("bv", [{"x": 1, "v": b"ab"}]), E, 1100, "schema dim (8)"),
    case("insert-binvec-floats", lambda c: c.insert("bv", [{"x": 1, "v": [0.1]}]), DataNotMatchException, 1, "binary_vector"),
    # --- insert: scalars ------------------------------------------------------------------------------------
    case("insert-varchar-too-long", lambda c: c.insert("typed", [R(s="abcdef")]), E, 1100, "length of varchar field s exceeds max length, row number: 0, length: 6, max length: 5"),
    case("insert-varchar-utf8-bytes", lambda c: c.insert("typed", [R(s="ééé")]), E, 1100, "row number: 0, length: 6, max length: 5"),
    case("insert-varchar-int", lambda c: c.insert("typed", [R(s=5)]), DataNotMatchException, 1, "{s} field should be a varchar"),
    case("insert-array-too-long", lambda c: c.insert("typed", [R(arr=[1, 2, 3, 4])]), E, 1100, "exceeds max capacity (3)"),
    case("insert-array-elem-type", lambda c: c.insert("typed", [R(arr=["a"])]), DataNotMatchException, 1, "{arr} field should be a array"),
    case("insert-array-dict", lambda c: c.insert("typed", [R(arr={"a": 1})]), DataNotMatchException, 1, "{arr}"),
    case("insert-array-scalar", lambda c: c.insert("typed", [R(arr=5)]), DataNotMatchException, 1, "{arr}"),
    case("insert-array-elem-too-long", lambda c: c.insert("typed", [R(tags=["abcd"])]), E, 1100, 'length of Array array field "tags" exceeds max length, row number: 0, array index: 0, length: 4, max length: 3'),
    case("insert-int8-high", lambda c: c.insert("typed", [R(i8=128)]), DataNotMatchException, 1, "Value out of range: 128"),
    case("insert-int8-low", lambda c: c.insert("typed", [R(i8=-129)]), DataNotMatchException, 1, "Value out of range: -129"),
    case("insert-int16-high", lambda c: c.insert("typed", [R(i16=40000)]), DataNotMatchException, 1, "Value out of range: 40000"),
    case("insert-int32-high", lambda c: c.insert("typed", [R(i32=2**31)]), DataNotMatchException, 1, "Value out of range: 2147483648"),
    case("insert-int64-high", lambda c: c.insert("typed", [R(i64=2**63)]), DataNotMatchException, 1, "Value out of range"),
    case("insert-int-str", lambda c: c.insert("typed", [R(i32="1")]), DataNotMatchException, 1, "{i32} field should be a int"),
    case("insert-int-float", lambda c: c.insert("typed", [R(i32=1.5)]), DataNotMatchException, 1, "{i32}"),
    case("insert-bool-str", lambda c: c.insert("typed", [R(b="yes")]), DataNotMatchException, 1, "{b} field should be a bool"),
    case("insert-float-str", lambda c: c.insert("typed", [R(f="x")]), DataNotMatchException, 1, "{f} field should be a float"),
    case("insert-float-nan", lambda c: c.insert("typed", [R(f=NAN)]), E, 65535, "field f"),
    case("insert-double-inf", lambda c: c.insert("typed", [R(d=INF)]), E, 65535, "field d"),
    case("insert-json-object", lambda c: c.insert("typed", [R(j=object())]), DataNotMatchException, 1, "Invalid JSON"),
    case("insert-json-bad-text", lambda c: c.insert("typed", [R(j="{bad json")]), DataNotMatchException, 1, "Invalid JSON string"),
    case("insert-json-deep-text", lambda c: c.insert("typed", [R(j="[" * 5000 + "]" * 5000)]), DataNotMatchException, 1, "Invalid JSON string: maximum recursion depth exceeded"),
    case("insert-json-deep-value", lambda c: c.insert("typed", [R(j=_nested(5000))]), DataNotMatchException, 1, "Invalid JSON value: maximum recursion depth exceeded"),
    case("insert-json-int-key", lambda c: c.insert("typed", [R(j={1: 2})]), DataNotMatchException, 1, "JSON key must be str"),
    case("insert-json-nan", lambda c: c.insert("typed", [R(j={"a": NAN})]), DataNotMatchException, 1, "field j"),
    case("insert-json-set", lambda c: c.insert("typed", [R(j={"a": {1}})]), DataNotMatchException, 1, "set"),
    case("insert-missing-field", lambda c: c.insert("typed", [without("i32")]), DataNotMatchException, 1, "Insert missed an field `i32`"),
    case("insert-none-not-nullable", lambda c: c.insert("typed", [R(i32=None)]), DataNotMatchException, 1, "{i32}"),
    case("insert-extra-no-dynamic", lambda c: c.insert("typed", [R(extra=1)]), DataNotMatchException, 1, "unexpected field `extra`"),
    case("insert-bad-row-last", lambda c: c.insert("typed", [R(pk=10 + i) for i in range(5)] + [R(pk=20, i8=999)]), DataNotMatchException, 1, "row 5"),
    # --- insert: primary keys -------------------------------------------------------------------------------
    case("insert-pk-str", lambda c: c.insert("typed", [R(pk="x")]), DataNotMatchException, 1, "{pk} field should be a int64"),
    case("insert-pk-float", lambda c: c.insert("typed", [R(pk=1.5)]), DataNotMatchException, 1, "{pk}"),
    case("insert-pk-none", lambda c: c.insert("typed", [R(pk=None)]), DataNotMatchException, 1, "{pk}"),
    case("insert-pk-bool", lambda c: c.insert("quick", [Q(True)]), DataNotMatchException, 1, "{id}"),
    case("insert-pk-out-of-range", lambda c: c.insert("typed", [R(pk=2**63)]), DataNotMatchException, 1, "out of range"),
    case("insert-pk-exists", lambda c: c.insert("typed", [R(pk=1)]), E, 1100, "already exists"),
    case("insert-pk-exists-other-partition", lambda c: c.insert("typed", [R(pk=3)]), E, 1100, "already exists"),
    case("insert-pk-dup-in-batch", lambda c: c.insert("typed", [R(pk=5), R(pk=5)]), E, 1100, "duplicate primary key 5"),
    case("insert-str-pk-int", lambda c: c.insert("strpk", [{"x": 5, "v": [0.1, 0.2]}]), DataNotMatchException, 1, "{x} field should be a varchar"),
    case("insert-str-pk-too-long", lambda c: c.insert("strpk", [{"x": "abcde", "v": [0.1, 0.2]}]), E, 1100, "length of varchar field x exceeds max length, row number: 0, length: 5, max length: 4"),
    case("insert-auto-id-given", lambda c: c.insert("auto", [{"id": 1, "vector": [0.1, 0.2]}]), E, 1100, "more fieldData has pass in: invalid parameter[expected=3][actual=4] (row 0: `id` is an auto_id primary key"),
    # --- insert: dynamic field ($meta) ----------------------------------------------------------------------
    case("insert-meta-not-dict", lambda c: c.insert("quick", [Q(**{"$meta": 5})]), DataNotMatchException, 1, "$meta"),
    case("insert-meta-object", lambda c: c.insert("quick", [Q(k=object())]), DataNotMatchException, 1, "Invalid JSON value"),
    case("insert-meta-nan", lambda c: c.insert("quick", [Q(k=NAN)]), DataNotMatchException, 1, "$meta"),
    case("insert-meta-int-key", lambda c: c.insert("quick", [{**Q(), 5: 1}]), DataNotMatchException, 1, "JSON key must be str"),
    # --- upsert ---------------------------------------------------------------------------------------------
    case("upsert-data-str", lambda c: c.upsert("typed", "x"), T, None, "wrong type of argument 'data'"),
    case("upsert-vec-dim", lambda c: c.upsert("typed", [R(pk=1, v=[1.0])]), E, 65535, "the length(1) of float data should divide the dim(2)"),
    case("upsert-missing-field", lambda c: c.upsert("typed", [{"pk": 1}]), DataNotMatchException, 1, "Insert missed an field"),
    case("upsert-missing-pk", lambda c: c.upsert("typed", [without("pk")]), DataNotMatchException, 1, "`pk`"),
    case("upsert-varchar-too-long", lambda c: c.upsert("typed", [R(pk=1, s="toolong")]), E, 1100, "exceeds max length"),
    case("upsert-unknown-coll", lambda c: c.upsert("nope", [R()]), DCE, CNF, "collection=nope"),
    case("upsert-unknown-partition", lambda c: c.upsert("typed", [R(pk=1)], partition_name="nope"), E, 200, "partition=nope"),
    case("upsert-partial-str", lambda c: c.upsert("typed", [R()], partial_update="yes"), ParamError, 1, "partial_update"),
    case("upsert-partial-new-incomplete", lambda c: c.upsert("typed", [{"pk": 999, "i32": 1}], partial_update=True), E, 1100, "fieldSchema(b) has no corresponding fieldData pass in: invalid parameter (row 0: a partial update of an entity that does not exist yet must give every field that is not nullable and has no default)"),
    case("upsert-partial-wrong-type", lambda c: c.upsert("typed", [{"pk": 1, "i32": "x"}], partial_update=True), DataNotMatchException, 1, "{i32}"),
    case("upsert-bad-last-row", lambda c: c.upsert("typed", [R(pk=1, s="new"), R(pk=3, s="new"), R(pk=4, b="x")]), DataNotMatchException, 1, "row 2"),
    # --- delete ---------------------------------------------------------------------------------------------
    case("delete-nothing", lambda c: c.delete("typed"), DataTypeNotMatchException, 1, "The type of expr must be string"),
    case("delete-ids-and-filter", lambda c: c.delete("typed", ids=[1], filter="pk == 1"), ParamError, 1, "Ambiguous filter parameter"),
    case("delete-filter-empty", lambda c: c.delete("typed", filter=""), ParamError, 1, "expect non-empty str"),
    case("delete-filter-int", lambda c: c.delete("typed", filter=5), DataTypeNotMatchException, 1, "<class 'int'>"),
    case("delete-ids-float", lambda c: c.delete("typed", ids=1.5), T, None, "got 'float'"),
    case("delete-ids-float-in-list", lambda c: c.delete("typed", ids=[1, 1.5]), T, None, "got 'float'"),
    case("delete-ids-dict", lambda c: c.delete("typed", ids={"a": 1}), T, None, "got 'dict'"),
    case("delete-ids-str-for-int-pk", lambda c: c.delete("typed", ids=["x"]), E, 1100, "does not match the type of primary key pk"),
    case("delete-ids-int-for-str-pk", lambda c: c.delete("strpk", ids=[5]), E, 1100, "primary key x"),
    case("delete-filter-syntax", lambda c: c.delete("typed", filter="pk =="), E, 1100, "failed to create delete plan"),
    case("delete-filter-unknown-field", lambda c: c.delete("typed", filter="nofield == 1"), E, 1100, "field nofield not exist"),
    case("delete-filter-injection", lambda c: c.delete("typed", filter="pk == 1; DROP TABLE x"), E, 1100, "cannot parse expression"),
    case("delete-unknown-partition", lambda c: c.delete("typed", filter="pk == 1", partition_name="nope"), E, 200, "partition=nope"),
    case("delete-unknown-coll-ids", lambda c: c.delete("nope", ids=[1]), DCE, CNF, "collection=nope"),
    case("delete-unknown-coll-filter", lambda c: c.delete("nope", filter="pk == 1"), E, CNF, "collection=nope"),
    case("delete-template-missing", lambda c: c.delete("typed", filter="pk == {x}"), E, 1100, "the value of expression template variable name {x} is not found"),
    case("delete-template-other-key", lambda c: c.delete("typed", filter="pk == {x}", filter_params={"y": 1}), E, 1100, "{x}"),
    case("delete-filter-params-str", lambda c: c.delete("typed", filter="pk == {x}", filter_params="x"), ParamError, 1, "filter_params must be a dict"),
    # --- get ------------------------------------------------------------------------------------------------
    case("get-ids-float", lambda c: c.get("typed", ids=1.5), T, None, "got 'float'"),
    case("get-ids-dict-in-list", lambda c: c.get("typed", ids=[{"a": 1}]), T, None, "got 'dict'"),
    case("get-ids-str-for-int-pk", lambda c: c.get("typed", ids="x"), E, 1100, "primary key pk"),
    case("get-output-unknown", lambda c: c.get("typed", ids=[1], output_fields=["nofield"]), E, 1100, "field nofield not exist"),
    case("get-output-str", lambda c: c.get("typed", ids=[1], output_fields="pk"), ParamError, 1, "output_fields"),
    case("get-unknown-partition", lambda c: c.get("typed", ids=[1], partition_names=["nope"]), E, 65535, "nope not found"),
    case("get-unknown-coll", lambda c: c.get("nope", ids=[1]), DCE, CNF, "collection=nope"),
    # --- query ----------------------------------------------------------------------------------------------
    case("query-filter-int", lambda c: c.query("typed", filter=5), DataTypeNotMatchException, 1, "<class 'int'>"),
    case("query-ids-and-filter", lambda c: c.query("typed", filter="pk > 0", ids=[1]), ParamError, 1, "Ambiguous parameter"),
    case("query-empty-no-limit", lambda c: c.query("typed", filter=""), E, 1100, "empty expression should be used with limit"),
    case("query-syntax-eof", lambda c: c.query("typed", filter="pk >"), E, 1100, "cannot parse expression: pk >"),
    case("query-syntax-list", lambda c: c.query("typed", filter="pk in [1,"), E, 1100, "cannot parse expression"),
    case("query-syntax-paren", lambda c: c.query("typed", filter="(pk > 0"), E, 1100, "expecting ')'"),
    case("query-syntax-sql-quote", lambda c: c.query("typed", filter="s == 'it''s'"), E, 1100, "cannot parse expression"),
    case("query-syntax-semicolon", lambda c: c.query("typed", filter="pk == 1 ; select 1"), E, 1100, "';'"),
    case("query-syntax-sql-comment", lambda c: c.query("typed", filter="pk == 1 -- comment"), E, 1100, "cannot parse expression"),
    case("query-unknown-field", lambda c: c.query("typed", filter="nofield == 1"), E, 1100, "field nofield not exist"),
    case("query-type-mismatch", lambda c: c.query("typed", filter='i32 == "x"'), E, 1100, "comparisons between Int32"),
    case("query-int-vs-float", lambda c: c.query("typed", filter="i32 == 1.5"), E, 1100, "Int32"),
    case("query-like-int", lambda c: c.query("typed", filter="s like 5"), E, 1100, "like"),
    case("query-limit-zero", lambda c: c.query("typed", filter="pk > 0", limit=0), E, 1100, "invalid max query result window, limit [0] is invalid, should be greater than 0"),
    case("query-limit-minus-one", lambda c: c.query("typed", filter="pk > 0", limit=-1), E, 1100, "limit [-1] is invalid, should be greater than 0"),
    case("query-offset-negative", lambda c: c.query("typed", filter="pk > 0", limit=1, offset=-1), E, 1100, "invalid max query result window, offset [-1] is invalid, should be gte than 0"),
    case("query-limit-text", lambda c: c.query("typed", filter="pk > 0", limit="1 s"), E, 1100, 'limit [1 s] is invalid, strconv.ParseInt: parsing "1 s": invalid syntax'),
    case("query-limit-list", lambda c: c.query("typed", filter="pk > 0", limit=[1, 2]), E, 1100, "limit [[1, 2]] is invalid"),
    case("query-offset-text", lambda c: c.query("typed", filter="pk > 0", limit=1, offset=""), E, 1100, "offset [] is invalid"),
    case("query-limit-huge", lambda c: c.query("typed", filter="pk > 0", limit=20000), E, 1100, "but got 20000"),
    case("query-window-huge", lambda c: c.query("typed", filter="pk > 0", limit=10, offset=16380), E, 1100, "but got 16390"),
    case("query-offset-str", lambda c: c.query("typed", filter="pk > 0", limit=10, offset="x"), E, 1100, "offset [x] is invalid"),
    case("query-output-unknown", lambda c: c.query("typed", filter="pk > 0", output_fields=["nofield"]), E, 1100, "field nofield not exist"),
    case("query-output-dynamic-wildcard", lambda c: c.query("quick", filter="id > 0", output_fields=["**"]), E, 1100, "parse output field name failed: **"),
    case("query-output-dynamic-symbol", lambda c: c.query("quick", filter="id > 0", output_fields=["*", "@"]), E, 1100, "parse output field name failed: @"),
    case("query-output-int", lambda c: c.query("typed", filter="pk > 0", output_fields=5), ParamError, 1, "output_fields"),
    case("query-output-int-in-list", lambda c: c.query("typed", filter="pk > 0", output_fields=[5]), ParamError, 1, "output_fields"),
    case("query-count-with-field", lambda c: c.query("typed", filter="pk > 0", output_fields=["count(*)", "pk"]), E, 1100, "output field 'pk' is not allowed: when using aggregation functions"),
    case("query-count-with-limit", lambda c: c.query("typed", filter="pk > 0", output_fields=["count(*)"], limit=5), E, 1100, "count entities with pagination is not allowed"),
    case("query-unknown-partition", lambda c: c.query("typed", filter="pk > 0", partition_names=["nope"]), E, 65535, "nope not found"),
    case("query-partition-blank", lambda c: c.query("typed", filter="pk > 0", partition_names=[" "]), E, 65535, "Invalid partition name: . Partition name should not be empty."),
    case("query-partition-hyphen-unknown", lambda c: c.query("typed", filter="pk > 0", partition_names=["2024-01"]), E, 65535, "partition name 2024-01 not found"),
    case("query-partitions-int", lambda c: c.query("typed", filter="pk > 0", partition_names=5), ParamError, 1, "partition_names"),
    case("query-template-missing", lambda c: c.query("typed", filter="pk == {x}"), E, 1100, "the value of expression template variable name {x} is not found"),
    case("query-template-wrong-type", lambda c: c.query("typed", filter="pk == {x}", filter_params={"x": "str"}), E, 1100, "Int64"),
    case("query-template-object", lambda c: c.query("typed", filter="pk == {x}", filter_params={"x": object()}), E, 1100, "unsupported value type"),
    case("query-filter-params-list", lambda c: c.query("typed", filter="pk == {x}", filter_params=[1]), ParamError, 1, "filter_params must be a dict"),
    case("query-json-syntax", lambda c: c.query("typed", filter="j['a'] == "), E, 1100, "cannot parse expression"),
    case("query-unknown-coll", lambda c: c.query("nope", filter="pk > 0"), E, CNF, "collection=nope"),
    case("query-alias-of-nothing", lambda c: c.query("noalias", filter="id > 0"), E, CNF, "collection=noalias"),
    # --- query_iterator -------------------------------------------------------------------------------------
    case("qiter-batch-str", lambda c: c.query_iterator("typed", batch_size="x"), ParamError, 1, "batch_size"),
    case("qiter-syntax", lambda c: c.query_iterator("typed", filter="pk >"), E, 1100, "cannot parse expression"),
    case("qiter-unknown-coll", lambda c: c.query_iterator("nope"), E, CNF, "collection=nope"),
    case("qiter-output-unknown", lambda c: c.query_iterator("typed", output_fields=["nofield"]), E, 1100, "field nofield not exist"),
    # --- search ---------------------------------------------------------------------------------------------
    # --- namespaces (pymilvus 3): refused at create, and any namespace gets Milvus's answer for a collection without them
    case("create-namespace-quick", lambda c: c.create_collection("ns", dimension=2, enable_namespace=True), E, 3000, "namespaces (enable_namespace=True) are not supported"),
    case("create-namespace-schema", lambda c: c.create_collection("ns", schema=_typed_schema_ns()), E, 3000, "is_partition_key=True for the tenant"),
    case("insert-namespace", lambda c: c.insert("typed", [R(pk=9)], namespace="t1"), E, 1100, "namespace data is set but namespace disabled (namespace 't1'"),
    case("upsert-namespace", lambda c: c.upsert("typed", [R(pk=1)], namespace="t1"), E, 1100, "namespace data is set but namespace disabled"),
    case("delete-namespace", lambda c: c.delete("typed", ids=[1], namespace="t1"), E, 1100, "namespace data is set but namespace disabled"),
    case("query-namespace", lambda c: c.query("typed", filter="pk > 0", namespace="t1"), E, 1100, "namespace data is set but namespace disabled"),
    case("get-namespace", lambda c: c.get("typed", ids=[1], namespace=""), E, 1100, "namespace ''"),
    case("search-namespace", lambda c: c.search("typed", data=V2, namespace="t1"), E, 1100, "namespace data is set but namespace disabled"),
    case("hybrid-namespace", lambda c: c.hybrid_search("typed", [_ann()], RRFRanker(), namespace="t1"), E, 1100, "namespace data is set but namespace disabled"),
    case("query-iterator-namespace", lambda c: c.query_iterator("typed", namespace="t1"), E, 1100, "namespace data is set but namespace disabled"),
    case("search-iterator-namespace", lambda c: c.search_iterator("typed", data=V2, namespace="t1"), E, 1100, "namespace data is set but namespace disabled"),
    case("search-bad-name", lambda c: c.search("12-s", data=V2), E, CNF, "collection not found[database=default][collection=12-s]"),
    case("hybrid-bad-name", lambda c: c.hybrid_search("(mn)", [_ann()], RRFRanker()), E, CNF, "collection not found[database=default][collection=(mn)]"),
    case("search-iterator-bad-name", lambda c: c.search_iterator("12 s", data=V2), E, CNF, "collection not found[database=default][collection=12 s]"),
    case("hybrid-group-scorer", lambda c: c.hybrid_search("typed", [_ann()], RRFRanker(), group_by_field="i64", rank_group_scorer="median"), E, 1100, "input group scorer type: median is not supported!: invalid parameter"),
    case("search-range-filter-alone", lambda c: c.search("typed", data=V2, search_params={"params": {"range_filter": 0.5}}), E, 1100, "range_filter requires radius to be set; range_filter alone is not a valid range search parameter: invalid parameter"),
    case("search-range-filter-alone-wrong-metric", lambda c: c.search("typed", data=V2, search_params={"metric_type": "IP", "params": {"range_filter": 0.5}}), E, 1100, "range_filter requires radius to be set; range_filter alone is not a valid range search parameter: invalid parameter"),
    case("search-dim-max-score-ratio", lambda c: c.search("typed", data=V2, search_params={"params": {"dim_max_score_ratio": 1.4}}), E, 1100, "Out of range in json: param 'dim_max_score_ratio' (1.4) should be in range [0.500000, 1.300000]"),
    case("search-drop-ratio-search-str", lambda c: c.search("typed", data=V2, search_params={"params": {"drop_ratio_search": "x"}}), E, 1100, "Type conflict in json: param 'drop_ratio_search' (\"x\") should be a number"),
    case("search-drop-ratio-search", lambda c: c.search("typed", data=V2, search_params={"params": {"drop_ratio_search": 1}}), E, 1100, "param 'drop_ratio_search' (1) should be in range [0.000000, 1.000000)"),
    case("search-group-by-unknown", lambda c: c.search("typed", data=V2, group_by_field="nope"), E, 1700, "groupBy field not found in schema: field not found[field=nope]"),
    case("search-group-by-int", lambda c: c.search("typed", data=V2, group_by_field=21), E, 1700, "groupBy field not found in schema: field not found[field=21]"),
    case("search-group-by-vector", lambda c: c.search("typed", data=V2, group_by_field="v"), E, 1100, "unsupported data type VECTOR_FLOAT for group by operator"),
    case("search-group-by-array", lambda c: c.search("typed", data=V2, group_by_field="arr"), E, 1100, "unsupported data type ARRAY for group by operator"),
    case("search-group-by-array-element", lambda c: c.search("typed", data=V2, group_by_field="arr[0]"), E, 1100, "unsupported data type ARRAY for group by operator"),
    case("search-group-size-max", lambda c: c.search("typed", data=V2, group_by_field="i64", group_size=11), E, 1100, "input group size:11 exceeds configured max group size:10: invalid parameter"),
    case("search-group-size-zero", lambda c: c.search("typed", data=V2, group_by_field="i64", group_size=0), E, 1100, "input group size:0 is negative, failed to do search_groupby: invalid parameter"),
    case("search-group-size-text", lambda c: c.search("typed", data=V2, group_by_field="i64", group_size="x"), E, 1100, "failed to parse input group size:x: invalid parameter"),
    case("search-group-by-binary", lambda c: c.search("bv", data=[b"\x01"], group_by_field="x"), E, 65535, "not support search_group_by operation based on binary vector column"),
    case("search-iterator-group-by", lambda c: c.search_iterator("typed", data=V2, group_by_field="i64"), E, 1100, "Not allowed to do groupBy when doing iteration: invalid parameter"),
    case("search-group-json-path-parse", lambda c: c.search("typed", data=V2, group_by_field="j", json_path="21"), E, 2201, "cannot parse identifier: 21"),
    case("search-group-json-path-other", lambda c: c.search("typed", data=V2, group_by_field="j", json_path="i64"), E, 65535, "fieldID not match with field name"),
    case("search-group-json-type", lambda c: c.search("typed", data=V2, group_by_field="j", json_type=DataType.FLOAT), ParamError, 1, "Unsupported json cast type: "),
    case("search-group-strict-cast", lambda c: c.search("typed", data=V2, group_by_field='j["k"]', json_type=DataType.INT64, strict_cast=True), E, 65535, "failed to cast json value to int64_t, wrong json data inner type"),
    case("search-dim-3", lambda c: c.search("typed", data=[[0.1, 0.2, 0.3]]), E, 1100, "expected vector size 2, actual 3"),
    case("search-dim-1", lambda c: c.search("typed", data=[[0.1]]), E, 1100, "actual 1"),
    case("search-data-str", lambda c: c.search("typed", data="x"), ParamError, 1, "search_data"),
    case("search-data-strs", lambda c: c.search("typed", data=[["a", "b"]]), ParamError, 1, "float_vector"),
    case("search-data-nan", lambda c: c.search("typed", data=[[NAN, 0.1]]), E, 65535, "NaN"),
    case("search-data-nan-float32", lambda c: c.search("typed", data=np.array([[0.1, NAN]], np.float32)), E, 65535, "NaN"),
    case("search-data-inf-float32", lambda c: c.search("typed", data=np.array([[-INF, 0.1]], np.float32)), E, 65535, "Inf"),
    case("search-data-empty", lambda c: c.search("typed", data=[]), E, 1, "data"),
    case("search-nq-huge", lambda c: c.search("typed", data=[[0.1, 0.2]] * 16385), E, 1100, "nq [16385] is invalid, nq (number of search vector per search request) should be in range [1, 16384], but got 16385: invalid parameter"),
    case("search-data-empty-numpy", lambda c: c.search("typed", data=np.zeros((0, 2), np.float32)), E, 1, "holds no query vector"),
    case("search-nq-huge-numpy", lambda c: c.search("typed", data=np.zeros((16385, 2), np.float32)), E, 1100, "should be in range [1, 16384], but got 16385"),
    case("search-anns-unknown", lambda c: c.search("typed", data=[[0.1, 0.2]], anns_field="nofield"), E, 1100, "fieldName(nofield) not found"),
    case("search-anns-scalar", lambda c: c.search("typed", data=[[0.1, 0.2]], anns_field="s"), E, 1100, "failed to create query plan: field (s) to search is not of vector data type: query plan failed: invalid parameter"),
    # Milvus's proxy checks the partitions, then the output fields, before the anns field
    case("search-partition-empty-first", lambda c: c.search("typed", data=[[0.1, 0.2]], anns_field="nofield", partition_names=[""]), E, 65535, "Invalid partition name: . Partition name should not be empty."),
    case("search-count-star", lambda c: c.search("typed", data=[[0.1, 0.2]], anns_field="nofield", output_fields=["count(*)"]), E, 1100, "aggregates are not supported in search request: invalid parameter"),
    case("search-limit-zero", lambda c: c.search("typed", data=[[0.1, 0.2]], limit=0), ParamError, 1, "`limit` value 0 is illegal"),
    case("search-limit-negative", lambda c: c.search("typed", data=[[0.1, 0.2]], limit=-5), ParamError, 1, "-5"),
    case("search-limit-huge", lambda c: c.search("typed", data=[[0.1, 0.2]], limit=20000), E, 1100, "topk [20000] is invalid"),
    case("search-limit-str", lambda c: c.search("typed", data=[[0.1, 0.2]], limit="x"), ParamError, 1, "`limit`"),
    case("search-offset-negative", lambda c: c.search("typed", data=[[0.1, 0.2]], offset=-1), E, 1100, "offset [-1] is invalid, it should be in range [1, 16384], but got -1"),
    case("search-offset-too-big", lambda c: c.search("typed", data=[[0.1, 0.2]], offset=16385), E, 1100, "offset [16385] is invalid, it should be in range [1, 16384], but got 16385"),
    case("search-window-huge", lambda c: c.search("typed", data=[[0.1, 0.2]], limit=10, offset=16380), E, 1100, "16390"),
    case("search-filter-syntax", lambda c: c.search("typed", data=[[0.1, 0.2]], filter="pk >"), E, 1100, "cannot parse expression"),
    case("search-filter-int", lambda c: c.search("typed", data=[[0.1, 0.2]], filter=5), ParamError, 1, "The type of expr must be string"),
    case("search-filter-vector-is-null", lambda c: c.search("typed", data=[[0.1, 0.2]], filter="v is null"), E, 1100, "IsNull/IsNotNull operations are not supported on vector fields"),
    case("search-template-missing", lambda c: c.search("typed", data=[[0.1, 0.2]], filter="pk == {x}"), E, 1100, "{x}"),
    case("search-output-unknown", lambda c: c.search("typed", data=[[0.1, 0.2]], output_fields=["nofield"]), E, 1100, "field nofield not exist"),
    case("search-metric-mismatch", lambda c: c.search("typed", data=[[0.1, 0.2]], search_params={"metric_type": "IP"}), E, 1100, "metric type not match"),
    case("search-params-str", lambda c: c.search("typed", data=[[0.1, 0.2]], search_params="x"), ParamError, 1, "Search params must be a dict"),
    case("search-ef-str", lambda c: c.search("typed", data=[[0.1, 0.2]], search_params={"params": {"ef": "x"}}), E, 65535, "invalid integer value, key: 'ef', value: 'x'"),
    case("search-unknown-partition", lambda c: c.search("typed", data=[[0.1, 0.2]], partition_names=["nope"]), E, 200, "partition=nope"),
    case("search-partition-256", lambda c: c.search("typed", data=[[0.1, 0.2]], partition_names=["p" * 256]), E, 65535, "The length of a partition name must be less than 255 characters."),
    case("search-unknown-coll", lambda c: c.search("nope", data=[[0.1, 0.2]]), E, CNF, "collection=nope"),
    case("search-binary-floats", lambda c: c.search("bv", data=[[0.1, 0.2]]), ParamError, 1, "search_data"),
    # --- hybrid_search / search_iterator ----------------------------------------------------------------------
    case("hybrid-reqs-str", lambda c: c.hybrid_search("typed", reqs="x", ranker=RRFRanker()), ParamError, 1, "`reqs`"),
    case("hybrid-reqs-empty", lambda c: c.hybrid_search("typed", reqs=[], ranker=RRFRanker()), E, 1100, "nq [0] is invalid, nq (number of search vector per search request) should be in range [1, 16384], but got 0: invalid parameter"),
    case("hybrid-reqs-1025", lambda c: c.hybrid_search("typed", reqs=[_ann()] * 1025, ranker=RRFRanker()), E, 65535, "maximum of ann search requests is 1024"),
    case("hybrid-window", lambda c: c.hybrid_search("typed", reqs=[_ann()], ranker=RRFRanker(), limit=16000, offset=385), E, 65535, "invalid max query result window, (offset+limit) should be in range [1, 16384], but got 16385"),
    case("hybrid-sub-limit-0", lambda c: c.hybrid_search("typed", reqs=[_ann(limit=0)], ranker=RRFRanker()), E, 1100, "topk [0] is invalid, it should be in range [1, 16384], but got 0: invalid parameter"),
    case("hybrid-ranker-none", lambda c: c.hybrid_search("typed", reqs=[_ann()], ranker=None), E, None, "ranker"),
    case("hybrid-unknown-coll", lambda c: c.hybrid_search("nope", reqs=[_ann()], ranker=RRFRanker()), E, CNF, "collection=nope"),
    case("hybrid-dim", lambda c: c.hybrid_search("typed", reqs=[_ann(data=[[0.1, 0.2, 0.3]])], ranker=RRFRanker()), E, 1100, "actual 3"),
    case("hybrid-anns-unknown", lambda c: c.hybrid_search("typed", reqs=[_ann(anns_field="nofield")], ranker=RRFRanker()), E, 1100, "nofield"),
    case("hybrid-filter-syntax", lambda c: c.hybrid_search("typed", reqs=[_ann(expr="pk >")], ranker=RRFRanker()), E, 1100, "cannot parse expression"),
    case("hybrid-weights-mismatch", lambda c: c.hybrid_search("typed", reqs=[_ann()], ranker=WeightedRanker(0.5, 0.5)), E, 1100, "weights"),
    case("search-iter-dim", lambda c: c.search_iterator("typed", data=[[0.1, 0.2, 0.3]]), E, 1100, "dimension"),
    case("search-iter-batch-negative", lambda c: c.search_iterator("typed", data=[[0.1, 0.2]], batch_size=-1), ParamError, 1, "batch"),
    # found by a randomized call fuzz (session 36): each raised a bare TypeError / ValueError / AttributeError or
    # answered PostgreSQL's own text
    case("search-iter-limit-str", lambda c: c.search_iterator("typed", data=[[0.1, 0.2]], limit="5"), ParamError, 1, "`limit` value '5' is illegal"),
    case("timeout-nan", lambda c: c.list_partitions("typed", timeout=float("nan")), ParamError, 1, "`timeout` value nan is illegal"),
    case("timeout-object", lambda c: c.compact("typed", timeout=object()), ParamError, 1, "`timeout` value"),
    case("drop-db-props-key-int", lambda c: c.drop_database_properties("default", [5]), ParamError, 1, "`property_keys` value [5] is illegal"),
    case("alter-db-props-name-dict", lambda c: c.alter_database_properties({}, {"database.max.collections": 5}), ParamError, 1, "`db_name` value {} is illegal"),
    case("snapshots-db-int", lambda c: c.list_snapshots(db_name=5), ParamError, 1, "`db_name` value 5 is illegal"),
    case("load-balance-node-str", lambda c: c.load_balance("typed", "one", [2]), ParamError, 1, "`src_node_id` value one is illegal"),
    case("add-function-str", lambda c: c.add_collection_function("typed", "bm25"), ParamError, 1, "function must be a Function, got str"),
    case("run-analyzer-int", lambda c: c.run_analyzer(5, analyzer_params={"tokenizer": "standard"}), ParamError, 1, "`texts` value 5 is illegal"),
    case("collection-name-of-str", lambda c: c.collection_name_of("typed"), ParamError, 1, "`collection_id` value typed is illegal"),
    case("compaction-plans-bool", lambda c: c.get_compaction_plans(True), ParamError, 1, "compaction_id value True is illegal"),
    case("segments-states-float", lambda c: c.list_persistent_segments("typed", states=1.5), ParamError, 1, "`states` value 1.5 is illegal"),
    case("verify-password-dict", lambda c: c.verify_password({}, "x"), ParamError, 1, "`user_name` value {} is illegal"),
    case("snapshot-description-dict", lambda c: c.create_snapshot("s1", "typed", description={}), ParamError, 1, "`description` value {} is illegal"),
    case("run-analyzer-names-bool", lambda c: c.run_analyzer("x", collection_name="typed", field_name="s", analyzer_names=True), ParamError, 1, "`analyzer_names` value True is illegal"),
]
# fmt: on


@pytest.mark.parametrize("call, exc, code, fragment", CASES)
def test_wrong_call_is_refused_and_changes_nothing(bi: Prepared, call, exc, code, fragment) -> None:
    client = bi.client
    before = snapshot(bi.dsn)
    view = (client._db_name, client.list_collections())
    with pytest.raises(BaseException) as info:
        call(client)
    assert_clean_error(info.value, exc, code, fragment)
    assert (client._db_name, client.list_collections()) == view, "the client's view changed"
    assert snapshot(bi.dsn) == before, "a refused call changed the database"


# ------------------------------------------------------------------ pymilvus's own texts, exactly

# Client-side checks (code 1) where pymilvus has a text of its own: user code (and Milvus's e2e
# suite) matches on it (`expected in e.message`), so ours is that text, then our detail if any.
# Measured with pymilvus 3.0.2 + milvus-lite 3.2.2 on the same wrong calls (docs/compatibility.md,
# "pymilvus's client-side messages").  One line per case:
# (id, call, exception class, pymilvus's text, our detail appended to it).
V2 = [[0.1, 0.2]]
LEVELS = " (use one of Strong, Session, Bounded, Eventually, Customized)"
WRONG = "wrong type of argument [{}], expected type: [{}], got type: [{}]"
QUICK = ": quick setup needs an int dimension (or pass schema=...)"


def px(id: str, call: Callable[[MilvusClient], Any], exc: type, text: str, detail: str = ""):
    return pytest.param(call, exc, text, detail, id=id)


# fmt: off
PYMILVUS_TEXTS = [
    # validate_param (MilvusClient.search, hybrid_search, create_index, flush, quick-setup dimension)
    px("search-name-int", lambda c: c.search(5, data=V2), ParamError, WRONG.format("collection_name", "str", "int")),
    px("search-name-none", lambda c: c.search(None, data=V2), ParamError, "missing required argument: [collection_name]"),
    px("hybrid-name-list", lambda c: c.hybrid_search(["typed"], [_ann()], RRFRanker()), ParamError, WRONG.format("collection_name", "str", "list")),
    px("create-index-name-none", lambda c: c.create_index(None, _ip(index_type="HNSW", metric_type="L2")), ParamError, "missing required argument: [collection_name]"),
    px("create-index-params-str", lambda c: c.create_index("typed", "x"), ParamError, WRONG.format("index_params", "IndexParams", "str")),
    px("create-index-params-none", lambda c: c.create_index("typed", None), ParamError, "missing required argument: [index_params]"),
    px("flush-name-int", lambda c: c.flush(5), ParamError, WRONG.format("collection_name", "str", "int")),
    px("prepare-index-field-int", lambda c: MilvusClient.prepare_index_params(5, index_type="FLAT"), ParamError, WRONG.format("field_name", "str", "int")),
    px("create-dim-str", lambda c: c.create_collection("q1", dimension="4"), ParamError, WRONG.format("dimension", "int", "str"), QUICK),
    px("create-dim-none", lambda c: c.create_collection("q1"), ParamError, "missing required argument: [dimension]", QUICK),
    # check_pass_param: "`<argument>` value <value> is illegal"
    px("describe-name-int", lambda c: c.describe_collection(5), ParamError, "`collection_name` value 5 is illegal", ": expected a str, got int"),
    px("describe-name-empty", lambda c: c.describe_collection(""), ParamError, "`collection_name` value  is illegal"),
    px("alias-describe-int", lambda c: c.describe_alias(5), ParamError, "`alias` value 5 is illegal", ": expected a str, got int"),
    px("db-describe-int", lambda c: c.describe_database(5), ParamError, "`db_name` value 5 is illegal", ": expected a str, got int"),
    px("partition-create-none", lambda c: c.create_partition("typed", None), ParamError, "`partition_name` value None is illegal", ": expected a str, got NoneType"),
    px("describe-timeout-str", lambda c: c.describe_collection("typed", timeout="x"), ParamError, "`timeout` value x is illegal"),
    px("query-timeout-str", lambda c: c.query("typed", filter="pk > 0", timeout="x"), ParamError, "`timeout` value x is illegal"),
    px("search-output-str", lambda c: c.search("typed", data=V2, output_fields="pk"), ParamError, "`output_fields` value pk is illegal"),
    px("search-output-empty-name", lambda c: c.search("typed", data=V2, output_fields=[""]), ParamError, "`output_fields` value [''] is illegal"),
    px("hybrid-output-str", lambda c: c.hybrid_search("typed", [_ann()], RRFRanker(), output_fields="pk"), ParamError, "`output_fields` value pk is illegal"),
    px("hybrid-gts-str", lambda c: c.hybrid_search("typed", [_ann()], RRFRanker(), guarantee_timestamp="x"), ParamError, "`guarantee_timestamp` value x is illegal"),
    px("hybrid-gts-negative", lambda c: c.hybrid_search("typed", [_ann()], RRFRanker(), guarantee_timestamp=-1), ParamError, "`guarantee_timestamp` value -1 is illegal"),
    px("load-parts-int", lambda c: c.load_partitions("typed", 5), ParamError, "`partition_name_array` value 5 is illegal", ": give a str or a list of str"),
    px("release-parts-list-int", lambda c: c.release_partitions("typed", [5]), ParamError, "`partition_name_array` value [5] is illegal", ": give a str or a list of str"),
    px("alter-props-empty", lambda c: c.alter_collection_properties("typed", {}), ParamError, "`properties` value {} is illegal", ": give a non-empty dict"),
    px("alter-field-params-str", lambda c: c.alter_collection_field("typed", "s", "x"), ParamError, "`properties` value x is illegal", ": field_params must be a non-empty dict"),
    px("load-replica-str", lambda c: c.load_collection("typed", replica_number="x"), ParamError, "`replica_number` value x is illegal"),
    px("load-partitions-replica-float", lambda c: c.load_partitions("typed", ["p1"], replica_number=1.2), ParamError, "`replica_number` value 1.2 is illegal"),
    px("rename-target-db-int", lambda c: c.rename_collection("quick", "q2", target_db=5), ParamError, "`db_name` value 5 is illegal", ": target_db must be a str, got int"),
    px("describe-index-name-int", lambda c: c.describe_index("typed", 5), ParamError, "`index_name` value 5 is illegal", ": expected a str, got int"),
    px("search-iter-batch-zero", lambda c: c.search_iterator("typed", data=V2, batch_size=0), ParamError, "`limit` value 0 is illegal", ": batch_size must be at least 1"),
    px("search-iter-batch-float", lambda c: c.search_iterator("typed", data=V2, batch_size=1.5), ParamError, "`limit` value 1.5 is illegal", ": batch_size must be an int"),
    # other pymilvus texts
    px("query-output-str", lambda c: c.query("typed", filter="pk > 0", output_fields="pk"), ParamError, "Invalid query format. 'output_fields' must be a list", " (got 'pk'; e.g. [\"*\"])"),
    px("get-output-int", lambda c: c.get("typed", ids=[1], output_fields=5), ParamError, "Invalid query format. 'output_fields' must be a list", " (got 5; e.g. [\"*\"])"),
    px("hybrid-ranker-str", lambda c: c.hybrid_search("typed", [_ann()], "rrf"), ParamError, "The hybrid search rerank must be a Function or a Ranker."),
    px("delete-partition-int", lambda c: c.delete("typed", ids=[100], partition_name=5), ParamError, "Illegal nullable str variables: {'partition_name': 5}, expect None or non-empty str"),
    px("search-cl-str", lambda c: c.search("typed", data=V2, consistency_level="bogus"), InvalidConsistencyLevel, "invalid consistency level: bogus", LEVELS),
    px("query-cl-int", lambda c: c.query("typed", filter="pk > 0", consistency_level=7), InvalidConsistencyLevel, "invalid consistency level: 7", LEVELS),
    px("get-cl-float", lambda c: c.get("typed", ids=[1], consistency_level=1.5), InvalidConsistencyLevel, "invalid consistency level", LEVELS),
    px("delete-cl-str", lambda c: c.delete("typed", filter="pk > 100", consistency_level="Weak"), InvalidConsistencyLevel, "invalid consistency level: Weak", LEVELS),
    px("hybrid-cl-str", lambda c: c.hybrid_search("typed", [_ann()], RRFRanker(), consistency_level="x"), InvalidConsistencyLevel, "invalid consistency level: x", LEVELS),
    px("create-cl-str", lambda c: c.create_collection("q1", dimension=4, consistency_level="Whenever"), InvalidConsistencyLevel, "invalid consistency level: Whenever", LEVELS),
    px("part-stats-int", lambda c: c.get_partition_stats("typed", 5), TypeError, "wrong type of argument 'partition_name', str expected, got 'int'"),
    px("schema-dtype-str", lambda c: MilvusClient.create_schema().add_field("x", "INT64"), DataTypeNotSupportException, "Field dtype must be of DataType", ": data type of field x must be a DataType, got 'INT64'"),
    px("schema-is-primary-str", lambda c: MilvusClient.create_schema().add_field("x", DataType.INT64, is_primary="yes"), PrimaryKeyException, "Param is_primary must be bool type.", " (invalid value 'yes' for `is_primary` of field x: Input should be a valid boolean)"),
    px("schema-auto-id-str", lambda c: MilvusClient.create_schema(auto_id="x"), AutoIDException, "Param auto_id must be bool type."),
    px("quick-auto-id-str", lambda c: c.create_collection("q1", dimension=4, auto_id="yes"), AutoIDException, "Param auto_id must be bool type.", " (got 'yes')"),
    px("schema-auto-id-non-pk", lambda c: MilvusClient.create_schema().add_field("x", DataType.INT64, auto_id=True), PrimaryKeyException, "The auto_id can only be specified on the primary key field"),
    # Milvus's proxy text (strconv.ParseBool of str(ignore_growing)); e2e tests expect code 1
    px("search-ignore-growing-str", lambda c: c.search("typed", data=V2, ignore_growing="maybe"), MilvusException, "parse ignore growing field failed", ": ignore_growing 'maybe' is not a bool"),
    px("query-ignore-growing-int", lambda c: c.query("typed", filter="pk > 0", ignore_growing=5), MilvusException, "parse ignore growing field failed", ": ignore_growing 5 is not a bool"),
    # pymilvus itself fails here with a Python error; ours names the argument
    px("hybrid-ann-param-str", lambda c: c.hybrid_search("typed", [_ann(param="x")], RRFRanker()), ParamError, "Search params must be a dict, got <class 'str'>"),
]
# fmt: on


@pytest.mark.parametrize("call, exc, text, detail", PYMILVUS_TEXTS)
def test_pymilvus_text_comes_first(bi: Prepared, call, exc, text: str, detail: str) -> None:
    before = snapshot(bi.dsn)
    with pytest.raises(BaseException) as info:
        call(bi.client)
    err = info.value
    assert type(err) is exc, f"expected {exc.__name__}, got {err!r}"
    if exc is not TypeError:
        assert err.code == 1, err
    assert str(getattr(err, "message", err)) == text + detail
    assert snapshot(bi.dsn) == before, "a refused call changed the database"


@pytest.mark.parametrize("value, rows", [(True, 0), (False, 2), ("true", 0), ("False", 2), ("t", 0), ("F", 2),
                                         ("1", 0), (0, 2)])
def test_ignore_growing_takes_what_milvus_parses(bi: Prepared, value: Any, rows: int) -> None:
    """Go's ParseBool spellings; true skips the growing segment, which holds every row of
    "typed" (never flushed): test_segments.py has the flushed case."""
    c = bi.client
    assert len(c.search("typed", data=V2, limit=5, ignore_growing=value)[0]) == rows
    assert len(c.search("typed", data=V2, limit=5, search_params={"ignore_growing": value})[0]) == rows
    assert len(c.query("typed", filter="pk > 0", ignore_growing=value)) == rows


def test_case_table_is_large_and_distinct() -> None:
    ids = [p.id for p in CASES]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 100


def test_every_public_method_has_a_case() -> None:
    """Each public MilvusClient method of the data, collection, index, partition, alias and
    database families appears in at least one case (access control has its own tests)."""
    import inspect
    import re

    source = inspect.getsource(inspect.getmodule(test_every_public_method_has_a_case))
    called = set(re.findall(r"c\.(\w+)\(", source)) | set(re.findall(r"MilvusClient\.(\w+)\(", source))
    wanted = {"create_collection", "describe_collection", "has_collection", "drop_collection",
              "rename_collection", "truncate_collection", "get_collection_stats", "load_collection",
              "release_collection", "refresh_load", "flush", "compact", "alter_collection_properties",
              "drop_collection_properties", "create_partition", "drop_partition", "has_partition",
              "list_partitions", "load_partitions", "release_partitions", "get_partition_stats",
              "create_alias", "alter_alias", "describe_alias", "drop_alias", "list_aliases",
              "create_database", "drop_database", "describe_database", "use_database",
              "alter_database_properties", "drop_database_properties", "list_indexes", "describe_index",
              "drop_index", "create_index", "prepare_index_params", "create_schema", "insert", "upsert",
              "delete", "get", "query", "query_iterator", "search", "hybrid_search", "search_iterator"}
    assert wanted <= called, wanted - called
    assert all(hasattr(MilvusClient, name) for name in wanted)


# ------------------------------------------------------------------ valid names must work

VALID_NAMES = ["select", "_x1", "FROM", "user", "pg_class", "Order_1", "_", "__", "a" * 255, "default",
               "pgmilvus_catalog", "public", "information_schema", "drop", "TABLE", "a" * 64,
               "Like", "In", "And", "Exists", "json_Contains", "nulls"]  # keywords are exact spellings


@pytest.mark.parametrize("name", VALID_NAMES, ids=lambda n: n if len(n) < 20 else f"len{len(n)}")
def test_valid_milvus_names_work_everywhere(bi: Prepared, name: str) -> None:
    """SQL keywords and Postgres-looking names are valid Milvus names: collection, field,
    partition and alias names all work, and the data round-trips."""
    c = bi.client
    field = name if len(name) <= 63 else "pk"  # long field names: see test_long_field_name_works
    key = f"k_{name[:60]}"
    alias = f"{name[:250]}_al"
    c.create_collection(name, dimension=2, primary_field_name=field, vector_field_name="vec")
    try:
        assert c.has_collection(name)
        c.create_partition(name, name)
        assert c.has_partition(name, name)
        c.create_alias(name, alias)
        c.insert(name, [{field: 1, "vec": [0.1, 0.2], key: "dyn"}], partition_name=name)
        rows = c.query(alias, filter=f"{field} == 1", output_fields=[field, key])
        assert rows == [{field: 1, key: "dyn"}]
        assert c.get_collection_stats(name)["row_count"] == 1
        hits = c.search(name, data=[[0.1, 0.2]], limit=1, partition_names=[name])
        assert len(hits[0]) == 1
        assert c.delete(name, filter=f"{field} in [1]", partition_name=name)["delete_count"] == 1
        c.release_partitions(name, [name])
        c.drop_partition(name, name)
    finally:
        c.drop_alias(alias)
        c.drop_collection(name)
    assert not c.has_collection(name)


@pytest.mark.parametrize("name", ["order", "select", "_x1", "Default2"])
def test_valid_database_names_work(bi: Prepared, name: str) -> None:
    c = bi.client
    c.create_database(name)
    try:
        c.use_database(name)
        c.create_collection("in_db", dimension=2)
        c.insert("in_db", [{"id": 1, "vector": [0.1, 0.2]}])
        assert c.query("in_db", filter="id >= 0", output_fields=["id"]) == [{"id": 1}]
        c.drop_collection("in_db")
    finally:
        c.use_database("default")
    c.drop_database(name)
    assert name not in c.list_databases()


@pytest.mark.parametrize("name", ["public", "information_schema", "pgmilvus_catalog", "pg_x"])
def test_database_names_postgres_owns_are_refused_as_documented(bi: Prepared, name: str) -> None:
    """docs/compatibility.md: a database is a Postgres schema, and these names are Postgres's."""
    with pytest.raises(MilvusException) as info:
        bi.client.create_database(name)
    assert info.value.code == 802 and "reserved" in info.value.message
    assert name not in bi.client.list_databases()


@pytest.mark.parametrize("length", [64, 255])
def test_long_field_name_is_refused_as_documented(bi: Prepared, length: int) -> None:
    """docs/compatibility.md: field names are columns, which hold 63 bytes; refused, nothing created."""
    c = bi.client
    field = "f" * length
    with pytest.raises(MilvusException) as info:
        c.create_collection("longfield", dimension=2, primary_field_name=field)
    assert info.value.code == 1100 and "at most 63 bytes" in info.value.message
    assert not c.has_collection("longfield")


LOAD_FIELDS = [  # Milvus's validateLoadFields: the key, a vector field, the partition key, the clustering key
    (["part", "clus", "v"], "load field list [part clus v] does not contain primary key field id"),
    (["id", "part", "clus"], "load field list [id part clus] does not contain vector field"),
    (["id", "v"], "load field list [id v] does not contain partition key field part"),
    (["id", "v", "part"], "load field list [id v part] does not contain clustering key field clus"),
]


def test_a_partial_load_names_the_keys_and_a_vector_field(bi: Prepared) -> None:
    c = bi.client
    schema = MilvusClient.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("part", DataType.INT64, is_partition_key=True)
    schema.add_field("clus", DataType.INT64, is_clustering_key=True)
    schema.add_field("other", DataType.INT64)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    c.create_collection("partial", schema=schema, index_params=_ip(index_type="AUTOINDEX", metric_type="L2"))
    try:
        c.release_collection("partial")
        for fields, text in LOAD_FIELDS:
            with pytest.raises(MilvusException) as info:
                c.load_collection("partial", load_fields=fields)
            assert (info.value.code, info.value.message) == (1100, text + ": invalid parameter")
        assert c.get_load_state("partial")["state"] == LoadState.NotLoad
        c.load_collection("partial", load_fields=["id", "v", "part", "clus"])
        c.insert("partial", [{"id": 1, "part": 2, "clus": 3, "other": 4, "v": [0.1, 0.2]}])
        assert c.query("partial", filter="other == 4", output_fields=["other"]) == [{"id": 1, "other": 4}]
    finally:
        c.drop_collection("partial")


# The same call, first with arguments that pass, then with ones that must not: the checked
# arguments are reused for a repeated call (search_params._checked), never for one that only
# compares equal (True == 1, hash(True) == hash(1)).
REPEATS = [
    ("limit", dict(limit=1), dict(limit=True), ParamError, "`limit` value True is illegal"),
    ("ef", dict(search_params={"params": {"ef": 3}}), dict(search_params={"params": {"ef": True}}),
     MilvusException, "Type conflict in json: param 'ef' (true) should be integer"),
    ("ef-float", dict(search_params={"ef": 3}), dict(search_params={"ef": 3.0}),
     MilvusException, "Type conflict in json: param 'ef' (3.0) should be integer"),
    ("offset", dict(search_params={"offset": 0}), dict(search_params={"offset": False}),
     ParamError, "wrong type for offset"),
    ("data", dict(), dict(data=[[NAN, 0.1]]), MilvusException, "NaN"),
]


@pytest.mark.parametrize("name, good, bad, error, message", REPEATS, ids=[r[0] for r in REPEATS])
def test_a_repeated_search_is_checked_like_the_first(bi: Prepared, name: str, good: dict, bad: dict,
                                                     error: type, message: str) -> None:
    call = dict(data=[[0.1, 0.2]], limit=3)
    for _ in range(2):
        assert len(bi.client.search("typed", **{**call, **good})[0]) >= 1
    with pytest.raises(error) as info:
        bi.client.search("typed", **{**call, **good, **bad})
    assert message in info.value.message


def test_keyword_field_names_are_refused_at_create_collection_not_add_field() -> None:
    """pymilvus defers field checks to the server: add_field("like") builds the schema, and
    create_collection refuses it (Milvus's validateFieldName, common.FieldNameKeywords)."""
    from pgmilvus.schema.names import FIELD_NAME_KEYWORDS, field_name_not_keyword

    schema = _schema().add_field("like", DataType.INT64).add_field("NULL", DataType.INT64)
    assert [f.name for f in schema.fields][-2:] == ["like", "NULL"]
    assert {"$meta", "like", "exists", "EXISTS", "and", "or", "not", "in", "true", "FALSE",
            "array_length", "RANDOM_SAMPLE", "text_match", "PHRASE_MATCH"} <= FIELD_NAME_KEYWORDS
    for name in ("Like", "IN", "likes", "json_Contains", "nulls"):
        assert field_name_not_keyword(name) == name


@pytest.mark.parametrize("method, args", [
    ("session", ("cluster",)), ("add_file_resource", ("f", "s3://x")), ("refresh_external_collection", ("c",)),
])
def test_pymilvus_3_methods_for_what_pgmilvus_lacks_are_refused(client, method, args):
    """Code written for pymilvus 3 gets Milvus's "unsupported" code and what is missing, never an
    AttributeError (client/unsupported.py)."""
    from pgmilvus.client.unsupported import REFUSED

    with pytest.raises(MilvusException) as err:
        getattr(client, method)(*args)
    assert (err.value.code, err.value.message) == (3000, f"{method}: {REFUSED[method]}")
