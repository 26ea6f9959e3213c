"""Milvus index types and metrics mapped onto pgvector / Postgres indexes (pure SQL building).

Vector indexes: HNSW -> hnsw (M -> m, efConstruction -> ef_construction),
IVF_FLAT / IVF_SQ8 / IVF_PQ / SCANN -> ivfflat (nlist -> lists), AUTOINDEX ->
hnsw with pgvector's defaults, DISKANN -> pgvectorscale's diskann when that
extension is installed in the database, else hnsw; FLAT / BIN_FLAT -> no index
(exact scan).  The opclass follows the metric and the column type
(``vector_l2_ops``, ``halfvec_cosine_ops``, ``bit_hamming_ops``,
``sparsevec_ip_ops``...).  Dimensions over pgvector's index limits (2,000 for
vector, 4,000 for halfvec) get no index and a warning (searches scan
exactly).  A FLOAT_VECTOR of 2,001 to 4,000 dims (or any, with ``params={"halfvec": True}``)
is indexed as ``(col::halfvec(dim))`` (half the memory), one of more dims on its first 4,000
(``subvector(col, 1, 4000)::halfvec(4000)``), as is a FLOAT16 / BFLOAT16 vector of more than
4,000; their searches take the index's candidates and compute their distances on the stored
vectors.

Scalar indexes: INVERTED on JSON / ARRAY -> GIN, Trie -> B-tree with a pattern
opclass (serves ``LIKE 'prefix%'``), NGRAM on a VARCHAR -> GIN with pg_trgm's
``gin_trgm_ops`` (serves ``LIKE '%infix%'`` too; the Trie's B-tree where the
database has no pg_trgm), the rest (INVERTED, STL_SORT, BITMAP, AUTOINDEX) ->
B-tree.  JSON path indexes (``json_path`` / ``json_cast_type``, on a JSON field
or a key of the dynamic field) share one GIN index on the whole JSON column
(json_index.py); an NGRAM path index adds a trigram index on the path's text.

What the search side needs to know about an index (its access method, the
halfvec cast) is kept in the catalog row's params under the key ``$pg``, which
describe_index leaves out (Milvus parameter names never start with ``$``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any, Iterable, Optional

import psycopg
from psycopg import pq, sql

from . import index_checks, json_index
from .properties import CONFIGURABLE_INDEX_KEYS
from ..schema import faiss_factory, knowhere, knowhere_configs
from ..schema.ddl import cast_sql, pg_name
from ..errors import ErrorCode, MilvusException, ParamError, invalid_parameter
from ..pg.embedded import machine_memory
from ..schema.model import CollectionSchema, FieldSchema
from ..types import NUMERIC_TYPES, STRING_TYPES, DataType, go_name

_log = logging.getLogger("pgmilvus")

#: Postgres builds large HNSW indexes far faster with memory to spare (25 s vs 72 s
#: for 100k x 128 at 1GB vs the 64MB default on a 2-core machine).  Overridable with
#: PGMILVUS_INDEX_BUILD_MEMORY / PGMILVUS_INDEX_BUILD_WORKERS.
BUILD_MEMORY_MB = 1024
BUILD_MEMORY = f"{BUILD_MEMORY_MB // 1024}GB"
#: Parallel workers for one build (pgvector builds HNSW / IVFFlat in parallel); Postgres
#: further caps them by max_worker_processes and max_parallel_workers.
BUILD_WORKERS = 2


def build_settings() -> dict[str, str]:
    """maintenance_work_mem and parallel workers for index builds in this transaction."""
    memory = os.environ.get("PGMILVUS_INDEX_BUILD_MEMORY", BUILD_MEMORY)
    workers = os.environ.get("PGMILVUS_INDEX_BUILD_WORKERS", str(BUILD_WORKERS))
    return {"maintenance_work_mem": memory, "max_parallel_maintenance_workers": workers}


#: Bytes pgvector 0.8's HNSW build holds per row besides the vector and its layer-0 neighbours
#: (2·M candidates of 16 bytes): measured, 128,215 rows of 128-d at M 16 filled 150 MB, 1,227
#: bytes a row, of which the vector 520 and the neighbours 512.
_HNSW_ROW_OVERHEAD = 200
#: Hosts that name the machine this process runs on (a unix socket's directory starts with "/").
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def graph_memory(host: str, schema: CollectionSchema, plans: Iterable["IndexPlan"], rows: int) -> Optional[str]:
    """maintenance_work_mem for building ``plans``' HNSW graphs over ``rows`` rows in memory, when
    BUILD_MEMORY holds less (None: it holds them, or PGMILVUS_INDEX_BUILD_MEMORY decides).

    A graph that outgrows maintenance_work_mem is finished on disk, row by row: 300k x 128-d
    built in 184 s with 150 MB against 56 s with 1 GB.  A merged segment holds up to 1 GB of
    vectors (compaction.merge_rows), whose graph is larger: 2.1M rows of 128-d need ~2.6 GB,
    349k of 768-d ~1.4 GB.  The memory is taken only when the server runs on this machine (a
    unix socket, a loopback address), up to a quarter of its memory; another server's is
    unknown here, and it keeps BUILD_MEMORY.  ``host``: the connection's (``conn.info.host``)."""
    if os.environ.get("PGMILVUS_INDEX_BUILD_MEMORY"):
        return None
    per_row = 0
    for plan in plans:
        field = schema.field(plan.field_name)
        if plan.method == "hnsw" and field is not None and field.dim:
            per_row = max(per_row, 4 * int(field.dim) + 8 + 32 * int(plan.with_params.get("m", 16))
                          + _HNSW_ROW_OVERHEAD)
    need_mb = (rows * per_row * 11 // 10 >> 20) + 1
    if need_mb <= BUILD_MEMORY_MB:
        return None
    if not (host.startswith("/") or host in _LOCAL_HOSTS):
        return None
    return f"{min(need_mb, max(BUILD_MEMORY_MB, machine_memory() // 4 >> 20))}MB"


#: Whether this process logged run_build's warning (then each later fallback logs at debug level).
_told_serial = False


def run_build(conn: psycopg.Connection, statement: sql.Composable,
              drop: Optional[sql.Composable] = None) -> None:
    """Run a CREATE INDEX; one whose parallel workers could not get their shared memory runs again
    without them.

    pgvector's parallel build takes all of its ``maintenance_work_mem`` as one dynamic shared
    memory segment at the start, a file in /dev/shm, which a container has 64 MB of unless told
    otherwise (Docker's default; the project's docker-compose.yml sets more): PostgreSQL answers
    "could not resize shared memory segment ... No space left on device" (53100, or 53200), which
    read as a full disk, and the background builder met it at every sealed segment, leaving them
    searched exactly.  A serial build allocates as it goes.  ``drop``: what removes what the failed
    statement left (CREATE INDEX CONCURRENTLY leaves an invalid index); inside a transaction the
    statement runs in a savepoint, so the transaction goes on."""
    in_transaction = conn.info.transaction_status != pq.TransactionStatus.IDLE
    try:
        if in_transaction:
            with conn.transaction():
                conn.execute(statement)
        else:
            conn.execute(statement)
        return
    except psycopg.Error as exc:
        if not str(exc).startswith("could not resize shared memory segment"):
            raise
        global _told_serial
        _log.log(logging.DEBUG if _told_serial else logging.WARNING,
                 "a parallel index build could not get its shared memory (%s): built again without parallel "
                 "workers; give the server's /dev/shm room for maintenance_work_mem (Docker: shm_size) to build "
                 "in parallel", str(exc).strip().splitlines()[0])
        _told_serial = True   # once a process: a loader meets it at every sealed segment
    if drop is not None:
        conn.execute(drop)
    conn.execute("SELECT set_config('max_parallel_maintenance_workers', '0', %s)", (in_transaction,))
    conn.execute(statement)


FLOAT_METRICS = ("L2", "IP", "COSINE")
#: Milvus's BinaryVectorMetrics (indexparamcheck/constraints.go), in its order.
BINARY_METRICS = ("HAMMING", "JACCARD", "SUBSTRUCTURE", "SUPERSTRUCTURE", "MHJACCARD")
#: The binary metrics only BIN_FLAT serves (Milvus's BinIDMapMetrics less BinIvfMetrics): a row is
#: a hit when its bits hold the query's (SUBSTRUCTURE) or lie within them (SUPERSTRUCTURE), at
#: distance 0 (search/sql.py StructureMetric); no pgvector index serves them.
STRUCTURE_METRICS = ("SUBSTRUCTURE", "SUPERSTRUCTURE")
SPARSE_METRICS = ("IP",)
VECTOR_INDEX_TYPES = {"FLAT", "IVF_FLAT", "IVF_SQ8", "IVF_PQ", "IVF_RABITQ", "SCANN", "HNSW", "HNSW_SQ",
                      "HNSW_PQ", "HNSW_PRQ", "DISKANN", "AUTOINDEX", "BIN_FLAT", "BIN_IVF_FLAT",
                      "SPARSE_INVERTED_INDEX", "SPARSE_WAND", "GPU_IVF_FLAT", "GPU_IVF_PQ",
                      "GPU_CAGRA", "GPU_BRUTE_FORCE", "MINHASH_LSH", "FAISS"}
SCALAR_INDEX_TYPES = {"", "AUTOINDEX", "INVERTED", "STL_SORT", "TRIE", "BITMAP", "NGRAM", "RTREE"}
_IVF = {"IVF_FLAT", "IVF_SQ8", "IVF_PQ", "IVF_RABITQ", "SCANN", "BIN_IVF_FLAT", "GPU_IVF_FLAT", "GPU_IVF_PQ"}
_EXACT = {"FLAT", "BIN_FLAT", "GPU_BRUTE_FORCE"}
#: pgvector's limits on indexed dimensions, per column type.
MAX_INDEX_DIM = {"vector": 2000, "halfvec": 4000, "bit": 64000}
DEFAULT_METRIC = {DataType.BINARY_VECTOR: "HAMMING", DataType.SPARSE_FLOAT_VECTOR: "IP"}

#: Sparse vectors are stored with this dimension (values.SPARSE_DIM); the index casts to it.
_SPARSE_CAST = "sparsevec(1000000000)"

_OPS = {"L2": "l2", "IP": "ip", "COSINE": "cosine", "HAMMING": "hamming", "JACCARD": "jaccard"}


@dataclass
class IndexPlan:
    """What create_index will do for one Milvus index: the catalog row and the SQL, if any."""

    index_name: str
    field_name: str
    index_type: str
    metric_type: Optional[str]
    params: dict[str, Any]
    method: Optional[str]           # hnsw | ivfflat | diskann | btree | gin | None (exact scan)
    opclass: Optional[str]
    with_params: dict[str, int]
    cast: Optional[str] = None   # index the column cast to this type, e.g. "halfvec(3072)"
    column: Optional[str] = None  # the indexed column when not field_name ($meta for dynamic keys)
    function: Optional[str] = None  # index this pgmilvus_catalog function of the column (RTREE: wkt_box)

    @property
    def stored_params(self) -> dict[str, Any]:
        """The params kept in the catalog: the user's, plus what search needs under ``$pg``."""
        stored = dict(self.params)
        if self.method in ("hnsw", "ivfflat", "diskann"):
            stored[PG_KEY] = {"method": self.method, "cast": self.cast}
        return stored


#: Catalog params key holding pgmilvus's own index facts (hidden from describe_index).
PG_KEY = "$pg"


def vector_column_kind(field: FieldSchema) -> str:
    return {DataType.FLOAT16_VECTOR: "halfvec", DataType.BFLOAT16_VECTOR: "halfvec",
            DataType.BINARY_VECTOR: "bit", DataType.SPARSE_FLOAT_VECTOR: "sparsevec"}.get(field.dtype, "vector")


#: pgvector's limits on HNSW and IVFFlat build params (knowhere takes wider ones: M up to 2048,
#: efConstruction and nlist up to 2**31 - 1 and 65536): a value Milvus takes is built with the
#: nearest pgvector takes (docs/compatibility.md).  pgvector takes up to 32,768 lists, but its
#: k-means holds lists x lists and rows x lists floats: 8,192 lists fit the build's 1GB.
PG_HNSW_M, PG_HNSW_EF_CONSTRUCTION, PG_IVF_LISTS = (2, 100), (4, 1000), (1, 8192)
#: pgmilvus's build defaults (pgvector's; knowhere's 30 / 360 cost more to build for little recall).
DEFAULT_M, DEFAULT_EF_CONSTRUCTION, DEFAULT_NLIST = 16, 64, 128


def _clamp(value: int, bounds: tuple[int, int]) -> int:
    return min(max(value, bounds[0]), bounds[1])


def hnsw_with(values: dict[str, Any]) -> dict[str, int]:
    """pgvector's m / ef_construction for knowhere's checked M / efConstruction: clamped to
    pgvector's ranges, ef_construction at least 2 * m (pgvector refuses less)."""
    m = _clamp(int(values.get("M", DEFAULT_M)), PG_HNSW_M)
    ef = _clamp(int(values.get("efConstruction", max(DEFAULT_EF_CONSTRUCTION, 2 * m))), PG_HNSW_EF_CONSTRUCTION)
    return {"m": m, "ef_construction": max(ef, 2 * m)}


#: The vector types knowhere builds each index on (Milvus's proxy asks it: CheckVecIndexWithDataTypeExist).
_FLOATS = {DataType.FLOAT_VECTOR, DataType.FLOAT16_VECTOR, DataType.BFLOAT16_VECTOR}
DATA_TYPES = {"HNSW": _FLOATS | {DataType.INT8_VECTOR, DataType.BINARY_VECTOR},
              "HNSW_SQ": _FLOATS | {DataType.INT8_VECTOR}, "HNSW_PQ": _FLOATS | {DataType.INT8_VECTOR},
              "HNSW_PRQ": _FLOATS | {DataType.INT8_VECTOR}, "DISKANN": _FLOATS, "IVF_RABITQ": _FLOATS,
              "FAISS": {DataType.FLOAT_VECTOR, DataType.BINARY_VECTOR}}


#: The index types knowhere builds on a SPARSE_FLOAT_VECTOR (FLAT, IVF_*, HNSW... are dense-only).
_SPARSE_TYPES = ("SPARSE_INVERTED_INDEX", "SPARSE_WAND", "AUTOINDEX")

#: What the refusal suggests instead, per vector type.
_BUILDS_ON = {DataType.SPARSE_FLOAT_VECTOR: "SPARSE_INVERTED_INDEX, SPARSE_WAND, AUTOINDEX",
              DataType.BINARY_VECTOR: "BIN_FLAT, BIN_IVF_FLAT, HNSW, AUTOINDEX", DataType.INT8_VECTOR: "HNSW, AUTOINDEX"}


#: The index types Milvus builds on a BINARY_VECTOR (knowhere's bin1 registrations), for the metrics
#: pgmilvus checks that against: the structure metrics (others take FLAT / IVF_* on bits too).
_BINARY_TYPES = ("BIN_FLAT", "BIN_IVF_FLAT", "HNSW", "AUTOINDEX", "FAISS", "MINHASH_LSH")


def check_data_type(field: FieldSchema, index_type: str, metric: str = "") -> None:
    """Milvus's proxy: an index type knowhere does not build on the field's vector type (Milvus (CPU)
    builds INT8_VECTOR with the HNSW family only; a binary vector with a structure metric, the
    binary indexes only)."""
    allowed = DATA_TYPES.get(index_type)
    refused = (field.dtype not in allowed if allowed is not None else
               field.dtype == DataType.INT8_VECTOR and index_type != "AUTOINDEX" or
               field.dtype == DataType.SPARSE_FLOAT_VECTOR and index_type not in _SPARSE_TYPES or
               metric in STRUCTURE_METRICS and index_type not in _BINARY_TYPES)
    if refused:
        raise invalid_parameter(f"data type {go_name(field.dtype)} can't build with this index {index_type}",
                                f"use one of {_BUILDS_ON.get(field.dtype, 'HNSW, IVF_FLAT, AUTOINDEX')} for "
                                f"vector field {field.name}")


def check_structure_index(field: FieldSchema, index_type: str, metric: str) -> None:
    """SUBSTRUCTURE / SUPERSTRUCTURE are BIN_FLAT's (Milvus's BinIDMapMetrics): knowhere's configs
    refuse them on BIN_IVF_FLAT (AUTOINDEX on a binary vector is BIN_IVF_FLAT, Milvus's
    ``autoIndex.params.binary.build``) and on HNSW (schema/knowhere_configs.check_metric); a Faiss
    factory string with them is pgmilvus's refusal (what knowhere's vanilla Faiss makes of them is
    no structure search)."""
    if metric not in STRUCTURE_METRICS or index_type == "BIN_FLAT":
        return
    if index_type == "FAISS":
        raise MilvusException(ErrorCode.UNSUPPORTED, f"metric type {metric} with index type FAISS is not supported by "
                                                     f"pgmilvus (field {field.name}): use BIN_FLAT")
    knowhere_configs.check_metric("BIN_IVF_FLAT" if index_type == "AUTOINDEX" else index_type, metric,
                                  binary=True)


def check_metric(field: FieldSchema, metric: Optional[str]) -> str:
    """The metric to use for ``field`` (Milvus's default when none is given)."""
    if metric is None or metric == "":
        return DEFAULT_METRIC.get(field.dtype, "COSINE")
    if not isinstance(metric, str):
        raise ParamError(message=f"metric_type must be a str, got {metric!r}")
    given, metric = metric, metric.upper()
    allowed = (BINARY_METRICS if field.dtype == DataType.BINARY_VECTOR else
               SPARSE_METRICS if field.dtype == DataType.SPARSE_FLOAT_VECTOR else FLOAT_METRICS)
    if metric not in allowed:
        raise _metric_not_supported(field, given, allowed)
    return metric


#: The vector kind Milvus's proxy names when it refuses an index's metric (createIndexTask).
_METRIC_KINDS = {DataType.BINARY_VECTOR: "binary vector", DataType.INT8_VECTOR: "int vector"}


def _metric_not_supported(field: FieldSchema, given: str, allowed: tuple[str, ...]) -> MilvusException:
    """Milvus 2.6's words for a metric the field's vector type has none of (the e2e suite matches
    them, quick setup's ``metric_type`` included), then which metrics the field takes."""
    if field.dtype == DataType.SPARSE_FLOAT_VECTOR and given.upper() != "BM25":
        reason = "only IP&BM25 is the supported metric type for sparse index"
    elif field.dtype == DataType.SPARSE_FLOAT_VECTOR:
        reason = "only BM25 Function output field support BM25 metric type"
    else:
        reason = f"{_METRIC_KINDS.get(field.dtype, 'float vector')} index does not support metric type: {given}"
    return MilvusException(ErrorCode.INVALID_PARAMETER,
                           f"{reason}: invalid parameter[expected=valid index params][actual=invalid index "
                           f"params] (field {field.name} takes {', '.join(allowed)})")



def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def wants_halfvec(field: FieldSchema, params: dict[str, Any]) -> bool:
    """Index a FLOAT_VECTOR / INT8_VECTOR as halfvec: asked for (``params={"halfvec": True}``), or,
    unless refused (``"halfvec": False``), when its dimension is over pgvector's 2,000 for
    ``vector`` (3,072-d embeddings, for one): an index on ``col::halfvec`` (over 4,000 dims, the
    halfvec limit: on its first 4,000, ``halfvec_cast``) finds the candidates, whose distances are
    then computed exactly (search/sql.py), where without it every search would scan every vector.
    A FLOAT16 / BFLOAT16 vector (a ``halfvec`` column) is cast only past those 4,000 dims, to its
    first 4,000, unless refused."""
    if vector_column_kind(field) == "halfvec":
        return int(field.dim or 0) > MAX_INDEX_DIM["halfvec"] and _truthy(params.get("halfvec", True))
    if field.dtype not in (DataType.FLOAT_VECTOR, DataType.INT8_VECTOR):
        return False
    if "halfvec" in params:
        return _truthy(params["halfvec"])
    return int(field.dim or 0) > MAX_INDEX_DIM["vector"]


def halfvec_cast(dim: int) -> str:
    """The cast a halfvec index of a ``dim``-d float vector orders by (ddl.cast_sql): the whole
    vector up to 4,000 dims, else its first 4,000 (``subvector(4000)``), whose distances rank the
    candidates as a random projection would (and exactly a Matryoshka embedding's prefix)."""
    limit = MAX_INDEX_DIM["halfvec"]
    return f"halfvec({dim})" if dim <= limit else f"subvector({limit})"


def index_cast(field: FieldSchema, params: dict[str, Any]) -> Optional[str]:
    """The type the index on ``field`` casts the column to (catalog params), or None.

    The search must order by the very same expression for Postgres to use the index.
    """
    facts = params.get(PG_KEY)
    if isinstance(facts, dict):
        return facts.get("cast") or None
    if wants_halfvec(field, params):
        return halfvec_cast(int(field.dim))
    return _SPARSE_CAST if field.dtype == DataType.SPARSE_FLOAT_VECTOR else None


def search_method(index_type: str, params: dict[str, Any]) -> str:
    """The access method serving an index, from its catalog params (older rows: from the type)."""
    facts = params.get(PG_KEY)
    if isinstance(facts, dict) and facts.get("method"):
        return str(facts["method"])
    return "ivfflat" if index_type.upper() in _IVF else "hnsw"


def unknown_index_type(given: str, fix: str) -> MilvusException:
    """A type that is no Milvus index at all: Milvus's proxy text (the type as given), then the fix."""
    return MilvusException(ErrorCode.INVALID_PARAMETER,
                           f"invalid parameter[expected=valid index][actual=invalid index type: {given}]: {fix}")


#: Milvus's sparse index types, the only ones a BM25 output field takes.
BM25_INDEX_TYPES = ("SPARSE_INVERTED_INDEX", "SPARSE_WAND", "AUTOINDEX")
#: What Milvus's proxy adds to a BM25 field's index params when absent (createIndexTask
#: parseFunctionParamsToIndex); describe_index shows them.
BM25_DEFAULTS = {"bm25_k1": "1.2", "bm25_b": "0.75", "bm25_avgdl": "100"}


def bm25_number(params: dict[str, Any], key: str) -> float:
    """``bm25_k1`` / ``bm25_b`` of a BM25 index (catalog params, strings or numbers; checked by
    plan_bm25_index)."""
    return float(params.get(key, BM25_DEFAULTS[key]))


def plan_bm25_index(field: FieldSchema, index_name: str, index_type: str, metric: Optional[str],
                    params: dict[str, Any]) -> IndexPlan:
    """A BM25 function output field's index: Milvus's defaults and checks, no Postgres index of its
    own (the GIN index on its terms is built with the table, ddl.bm25_term_index; search/bm25.py
    reads k1 and b from these params)."""
    index_type = (index_type or "AUTOINDEX").upper()
    metric = metric.upper() if isinstance(metric, str) and metric else metric or "BM25"
    if metric != "BM25":
        raise MilvusException(ErrorCode.SERVER_ERROR,
                              f"index metric type of BM25 function output field must be BM25, got {metric}")
    if index_type not in BM25_INDEX_TYPES:
        raise invalid_parameter(f"invalid index type: {index_type} for BM25 function output field {field.name}; "
                                f"use one of {', '.join(BM25_INDEX_TYPES)}")
    stored = {**BM25_DEFAULTS, **params}
    knowhere.check_sparse_index("BM25", stored)
    return IndexPlan(index_name, field.name, index_type, "BM25", stored, None, None, {})


def _minhash_index(field: FieldSchema, index_type: str, metric: str, params: dict[str, Any]) -> str:
    """MHJACCARD belongs to MINHASH_LSH (AUTOINDEX becomes it, as Milvus's deduplicate
    auto-index does), and a MinHash function's output takes nothing else."""
    if index_type == "AUTOINDEX" and (metric == "MHJACCARD" or field.is_function_output):
        index_type = "MINHASH_LSH"
    if field.is_function_output and (index_type != "MINHASH_LSH" or metric not in ("", "MHJACCARD")):
        raise MilvusException(ErrorCode.UNEXPECTED_ERROR,
                              f"MinHash function output field {field.name} takes index type MINHASH_LSH with "
                              f"metric type MHJACCARD, got {index_type} / {metric or 'none'}")
    if index_type == "MINHASH_LSH" and metric not in ("", "MHJACCARD"):
        raise MilvusException(ErrorCode.UNEXPECTED_ERROR,
                              f"index type MINHASH_LSH takes metric type MHJACCARD, got {metric} (field {field.name})")
    if index_type != "MINHASH_LSH" and metric == "MHJACCARD":
        raise _metric_not_supported(field, metric, ("HAMMING", "JACCARD"))
    if index_type == "MINHASH_LSH":
        knowhere.check_minhash_index(params)
    return index_type


def _minhash_plan(field: FieldSchema, index_name: str, params: dict[str, Any]) -> IndexPlan:
    """MINHASH_LSH: a GIN index on the signatures' LSH bands (ddl.mh_bands_sql), which an LSH
    search matches with ``&&`` (search/minhash.py); its band shape is the one searches use."""
    _, band_bits, bands = knowhere.minhash_shape(int(field.dim), params)
    return IndexPlan(index_name, field.name, "MINHASH_LSH", "MHJACCARD", dict(params), "gin", None, {},
                     cast=f"mhbands({band_bits},{bands})")


def plan_vector_index(field: FieldSchema, index_name: str, index_type: str, metric: Optional[str],
                      params: dict[str, Any], has_vectorscale: bool = False) -> IndexPlan:
    if field.is_function_output and field.dtype == DataType.SPARSE_FLOAT_VECTOR:
        return plan_bm25_index(field, index_name, index_type, metric, params)
    given = index_type
    index_type = (index_type or "AUTOINDEX").upper()
    if field.dtype == DataType.BINARY_VECTOR:
        upper = metric.upper() if isinstance(metric, str) else ""
        index_type = _minhash_index(field, index_type, upper, params)
        if index_type == "MINHASH_LSH":
            return _minhash_plan(field, index_name, params)
    if index_type not in VECTOR_INDEX_TYPES | SCALAR_INDEX_TYPES:  # Milvus's proxy: no checker, first
        raise unknown_index_type(given, f"use one of HNSW, IVF_FLAT, FLAT, AUTOINDEX for vector field {field.name}")
    if index_type != "AUTOINDEX" and not field.is_function_output and (metric is None or metric == ""):
        # Milvus's proxy: only AUTOINDEX (and a function's output) picks a metric itself; a known type
        # that is no vector index (a scalar type on a vector field) gets this too, before its type check
        raise MilvusException(ErrorCode.INVALID_PARAMETER, "metric type not set for vector index: invalid "
                              "parameter[expected=valid index params][actual=invalid index params]")
    metric = check_metric(field, metric)  # Milvus's proxy: the metric, then whether the type takes the data
    if index_type not in VECTOR_INDEX_TYPES:  # a scalar index type
        raise invalid_parameter(f"data type {go_name(field.dtype)} can't build with this index {index_type}",
                                f"use one of HNSW, IVF_FLAT, FLAT, AUTOINDEX for vector field {field.name}")
    check_data_type(field, index_type, metric)
    values = knowhere_configs.check_build(index_type, params, int(field.dim or 0))
    check_structure_index(field, index_type, metric)
    if index_type in ("SPARSE_INVERTED_INDEX", "SPARSE_WAND"):
        knowhere.check_sparse_index(metric, params)
    kind = vector_column_kind(field)
    method: Optional[str] = "hnsw"
    with_params: dict[str, int] = {}
    halfvec = wants_halfvec(field, params)
    if index_type in _EXACT:
        method = None
    elif index_type == "FAISS":  # Milvus master: a Faiss factory string (faiss_factory.py)
        factory = faiss_factory.parse(params.get("faiss_index_name"))
        method = None if factory.structure == "exact" else factory.structure
        values = factory.values
    elif index_type == "DISKANN" and has_vectorscale and kind == "vector" and metric in FLOAT_METRICS:
        method = "diskann"
    elif index_type in _IVF:
        method = "ivfflat"
    if method == "ivfflat":
        with_params["lists"] = _clamp(int(values.get("nlist", DEFAULT_NLIST)), PG_IVF_LISTS)
    elif method == "hnsw" and (index_type.startswith("HNSW") or index_type == "FAISS"):
        with_params = hnsw_with(values)
    if kind == "sparsevec" and method == "ivfflat":
        method = "hnsw"
        with_params = {}
    if method == "ivfflat" and kind == "bit" and metric == "JACCARD":
        method, with_params = "hnsw", {}
    if method == "diskann":
        halfvec = False
    if method and field.is_wide:
        _log.warning("field %s has %d dimensions, stored in pieces of pgvector's largest vectors: index %s is "
                     "kept in the catalog but searches on the field use an exact scan", field.name, field.dim,
                     index_name)
        method = None
    index_kind = "halfvec" if method and halfvec else kind
    indexed_dim = min(field.dim, MAX_INDEX_DIM["halfvec"]) if field.dim and method and halfvec else field.dim
    if method and indexed_dim and indexed_dim > MAX_INDEX_DIM.get(index_kind, 1 << 30):
        hint = (" (params={'halfvec': True} indexes up to 4000 dimensions)"
                if index_kind == "vector" and field.dim <= MAX_INDEX_DIM["halfvec"] else "")
        _log.warning("field %s has %d dimensions, over pgvector's %s index limit (%d): index %s is kept "
                     "in the catalog but searches on the field use an exact scan%s", field.name, field.dim,
                     index_kind, MAX_INDEX_DIM[index_kind], index_name, hint)
        method = None
    opclass = None
    if method == "diskann":
        opclass = f"vector_{_OPS[metric]}_ops"
    elif method:
        opclass = f"{index_kind}_{_OPS[metric]}_ops"
    cast = None
    if method and halfvec:
        cast = halfvec_cast(int(field.dim))
    elif method and kind == "sparsevec":
        cast = _SPARSE_CAST  # the column has no typmod; pgvector's HNSW needs one
    return IndexPlan(index_name, field.name, index_type, metric, dict(params), method, opclass, with_params,
                     cast=cast)


def _scalar_type(field_name: str, index_type: str) -> str:
    given, index_type = index_type, (index_type or "").upper()
    if index_type not in SCALAR_INDEX_TYPES:
        if index_type not in VECTOR_INDEX_TYPES:
            raise unknown_index_type(given, f"use one of INVERTED, STL_SORT, Trie, BITMAP, AUTOINDEX for "
                                            f"scalar field {field_name}")
        # Milvus master's vector checkers (CheckValidDataType), the type's own words
        raise invalid_parameter(f"index {given} only supports vector data type",
                                f"field {field_name} is scalar: use one of INVERTED, STL_SORT, Trie, BITMAP, "
                                "AUTOINDEX")
    return index_type


def plan_json_path_index(schema: CollectionSchema, field_name: str, index_name: str, index_type: str,
                         params: dict[str, Any]) -> IndexPlan:
    """A JSON path index on a JSON field or a dynamic key: the GIN index on its JSON column
    (``$meta`` for a dynamic key; index_ops adds the B-tree on the cast value)."""
    index_type = _scalar_type(field_name, index_type)
    json_index.check(schema, field_name, index_type, params)
    column = json_index.column_of(schema, field_name)
    assert column is not None
    return IndexPlan(index_name, field_name, index_type, None, dict(params), "gin", "jsonb_path_ops", {},
                     column=column)


def _plan_geometry_index(field: FieldSchema, index_name: str, index_type: str,
                         params: dict[str, Any]) -> IndexPlan:
    """RTREE (or AUTOINDEX, Milvus's ScalarGeometryIndexType) on a GEOMETRY field: a GiST index of
    each value's bounding box (``wkt_box``, sql/catalog/026_wkt_box.sql), as Milvus's R-tree holds
    boxes: a spatial filter (filters/spatial.py) reads only the rows whose box meets the query's,
    then tests them with GEOS.  Milvus's other scalar index types are refused as its checkers
    refuse them."""
    if index_type not in ("", "AUTOINDEX", "RTREE"):
        shown = "Trie" if index_type == "TRIE" else index_type
        raise invalid_parameter(f"{shown} are not supported on Geometry field (field {field.name}); "
                                "use RTREE or AUTOINDEX")
    return IndexPlan(index_name, field.name, index_type or "AUTOINDEX", None, dict(params), "gist", None, {},
                     function="wkt_box")


def _check_struct_sub_field(field: FieldSchema, index_type: str) -> None:
    """Milvus's checkers on a struct's scalar sub-field ``S[a]`` (an ARRAY column): STL_SORT takes
    numeric and VARCHAR elements (stl_sort_checker.go), BITMAP those of any array
    (index_checks.check_bitmap_field); INVERTED and AUTOINDEX any.  pgmilvus builds the GIN index
    of an ARRAY for each (it serves ``array_contains*`` on ``S[a]``); results never depend on it."""
    element = field.element_type
    if index_type == "STL_SORT" and element not in NUMERIC_TYPES | STRING_TYPES:
        raise invalid_parameter("STL_SORT are only supported on numeric, varchar or timestamptz field, got struct "
                                f"sub-field of {go_name(element)}")


def _check_sort_and_trie(field: FieldSchema, index_type: str, params: dict[str, Any]) -> None:
    """Milvus's STL_SORT and TRIE checkers on a whole field (a struct's sub-field has its own):
    STL_SORT takes numbers, strings and TIMESTAMPTZ, a JSON field only at a cast path; TRIE strings."""
    if field.struct_name is not None:
        return
    if index_type == "TRIE" and field.dtype not in STRING_TYPES:  # 2.6's words and code (master: 1100)
        raise MilvusException(ErrorCode.SERVER_ERROR, f"TRIE are only supported on varchar field (field "
                                                      f"{field.name} is {go_name(field.dtype)})")
    if index_type != "STL_SORT":
        return
    if field.dtype == DataType.JSON:
        if "json_cast_type" not in params:
            raise json_index.missing_cast_type(f"give STL_SORT on JSON field {field.name} a json_path and a "
                                               "json_cast_type (DOUBLE or VARCHAR)")
    elif field.dtype not in NUMERIC_TYPES | STRING_TYPES | {DataType.TIMESTAMPTZ}:
        raise invalid_parameter(f"STL_SORT are only supported on numeric, varchar or timestamptz field, got "
                                f"{go_name(field.dtype)}", f"field {field.name}: use INVERTED, BITMAP or AUTOINDEX")


def plan_scalar_index(field: FieldSchema, index_name: str, index_type: str,
                      params: dict[str, Any], trigram: Optional[str] = None) -> IndexPlan:
    """A scalar field's index; ``trigram``: pg_trgm's GIN opclass (schema-qualified), when the
    database has it, for an NGRAM index (index_ops.trigram_opclass)."""
    if field.dtype == DataType.TEXT:  # Milvus master's proxy (2.6 took some): no B-tree holds LOB values
        raise invalid_parameter("TEXT field does not support user-created scalar index")
    given, index_type = index_type, _scalar_type(field.name, index_type)
    if index_type == "NGRAM":  # Milvus's NGRAM checker: VARCHAR or JSON only, then its params
        index_checks.check_ngram(field.dtype, params)
    if field.struct_name is not None:
        _check_struct_sub_field(field, index_type)
    if field.dtype == DataType.GEOMETRY:
        return _plan_geometry_index(field, index_name, index_type, params)
    if index_type == "BITMAP":
        index_checks.check_bitmap_field(field)
    _check_sort_and_trie(field, index_type, params)
    if index_type == "RTREE":
        raise invalid_parameter(f"RTREE index can only be built on geometry field, got "
                                f"{go_name(field.dtype)} (field {field.name}); use INVERTED, STL_SORT or "
                                "AUTOINDEX")
    if index_type == "INVERTED" and field.dtype == DataType.TIMESTAMPTZ:  # inverted_checker.go: not arithmetic
        raise invalid_parameter("INVERTED are not supported on Timestamptz field",
                                f"field {field.name}: use STL_SORT or AUTOINDEX")
    if field.dtype in (DataType.JSON, DataType.ARRAY):
        method, opclass = "gin", ("jsonb_path_ops" if field.dtype == DataType.JSON else None)
    elif index_type == "NGRAM" and trigram is not None:
        method, opclass = "gin", trigram
    elif index_type == "TRIE" or index_type == "NGRAM":
        if field.dtype != DataType.VARCHAR:
            raise MilvusException(ErrorCode.SERVER_ERROR, f"TRIE are only supported on varchar field (field "
                                                          f"{field.name} is {go_name(field.dtype)})")
        method, opclass = "btree", "varchar_pattern_ops"
    else:
        method, opclass = "btree", None
    # Milvus 2.6 takes "TRIE" and "Trie" (its checkers know both) and describes the one given
    shown_type = (given if given in ("TRIE", "Trie") else "Trie") if index_type == "TRIE" else index_type
    return IndexPlan(index_name, field.name, shown_type, None, dict(params), method, opclass, {})


def create_index_sql(schema_name: str, table: str, plan: IndexPlan, name: Optional[str] = None,
                     concurrently: bool = False) -> Optional[sql.Composed]:
    """CREATE INDEX on the partitioned parent (Postgres builds it on every partition), or, with
    ``name``, on one table (a segment's leaf, segments.py), CONCURRENTLY when asked."""
    if plan.method is None:
        return None
    column: sql.Composable = sql.Identifier(plan.column or plan.field_name)
    if plan.cast is not None:
        column = sql.SQL("({})").format(cast_sql(column, plan.cast))
    if plan.function is not None:
        column = sql.SQL("({}({}))").format(sql.Identifier("pgmilvus_catalog", plan.function), column)
    if plan.opclass:
        column = sql.SQL("{} {}").format(column, sql.SQL(plan.opclass))
    with_clause = sql.SQL("")
    if plan.with_params:
        with_clause = sql.SQL(" WITH ({})").format(sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.SQL(k), sql.Literal(int(v))) for k, v in plan.with_params.items()))
    return sql.SQL("CREATE INDEX {}{} ON {} USING {} ({}){}").format(
        sql.SQL(" CONCURRENTLY" if concurrently else ""),
        sql.Identifier(name or pg_index_name(table, plan.index_name)), sql.Identifier(schema_name, table),
        sql.SQL(plan.method), column, with_clause)


def drop_index_sql(schema_name: str, pg_index: str) -> sql.Composed:
    return sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(schema_name, pg_index))


def pg_index_name(table: str, index_name: str) -> str:
    return pg_name(table, "idx", index_name)


def describe(plan_params: dict[str, Any], index_type: str, metric: Optional[str], field_name: str,
             index_name: str, total_rows: int) -> dict[str, Any]:
    """describe_index's dict: user params as strings, as Milvus returns them; an index created by a
    request with a ``params`` JSON object (the ORM's create_index, REST) as that request sent it, the
    object nested under ``params`` (its configurable keys as they are now).  Milvus keeps the request's
    own pairs: a scalar index asked for with no index type (or with no pairs at all) is described
    without one, a vector index always with its type and metric (its proxy's wrapUserIndexParams)."""
    sent = (plan_params.get(PG_KEY) or {}).get("sent")
    if sent is not None:
        out = {k: v for k, v in sent.items() if k not in CONFIGURABLE_INDEX_KEYS}
        out.update((k, _as_str(plan_params[k])) for k in CONFIGURABLE_INDEX_KEYS if k in plan_params)
    else:
        out = {str(k): _as_str(v) for k, v in plan_params.items() if k != PG_KEY}
    if index_type and (metric or sent != {}):
        out["index_type"] = index_type
    if metric:
        out["metric_type"] = metric
    out.update(field_name=field_name, index_name=index_name, total_rows=total_rows,
               indexed_rows=total_rows, pending_index_rows=0, state="Finished")
    return out


def _as_str(value: Any) -> str:
    """A param as Milvus shows it: as pymilvus sent it, ``str(value)`` (``True`` is "True"; a
    string "true" stays "true"), as its proxy keeps the request's strings."""
    return str(value)
