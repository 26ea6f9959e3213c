"""Indexes on a struct array's vector sub-field (``clips[emb]``, Milvus's ArrayOfVector).

The index's metric fixes how the sub-field is searched (search/structs.py): a MAX_SIM metric
makes an embedding-list index (a row's vectors are scored as one list against a list of query
vectors), a plain metric an element-level index (each vector of each row is a candidate).
Milvus's proxy checks the metric against the element type, and the index type against the
kind of index (createIndexTask, ValidateArrayOfVectorMetricType, checkTrain); those checks and
texts are reproduced here.

pgvector cannot index an array of vectors: the index is recorded (describe / list / drop /
load see it) and every search of the sub-field is exact (Milvus's indexes re-score their
candidates exactly, so exact answers are what its recall tests measure against).
"""

from __future__ import annotations

from typing import Any, Optional

from ..errors import ErrorCode, MilvusException, invalid_parameter
from ..schema.model import FieldSchema
from ..types import DataType
from . import indexes

#: MAX_SIM metrics per element kind (knowhere's emb-list metrics); MAX_SIM is MAX_SIM_COSINE.
EMB_LIST_METRICS = ("MAX_SIM", "MAX_SIM_COSINE", "MAX_SIM_L2", "MAX_SIM_IP", "MAX_SIM_HAMMING", "MAX_SIM_JACCARD")
#: Milvus's ArrayOfVector{Float,Int,Binary}Metrics, in its order (the error lists them).
_FLOAT_METRICS = ("L2", "IP", "COSINE", "MAX_SIM", "MAX_SIM_COSINE", "MAX_SIM_L2", "MAX_SIM_IP")
_BINARY_METRICS = ("HAMMING", "JACCARD", "SUBSTRUCTURE", "SUPERSTRUCTURE", "MHJACCARD", "MAX_SIM_HAMMING",
                   "MAX_SIM_JACCARD")
#: Index types with knowhere's EMB_LIST feature, per element kind.
_EMB_LIST_TYPES = {
    "float": {"HNSW", "HNSW_SQ", "HNSW_PQ", "HNSW_PRQ", "IVF_FLAT", "IVFFLAT", "IVF_FLAT_CC", "IVFFLATCC", "DISKANN",
              "SCANN_DVR", "AUTOINDEX"},
    "int": {"HNSW", "HNSW_SQ", "HNSW_PQ", "HNSW_PRQ", "IVF_FLAT", "IVFFLAT", "IVF_FLAT_CC", "IVFFLATCC", "AUTOINDEX"},
    "binary": {"HNSW", "AUTOINDEX"},
}
#: AUTOINDEX (or no metric): the element type's default metric, as its MAX_SIM form.
_AUTO_METRIC = {"float": "MAX_SIM_COSINE", "int": "MAX_SIM_COSINE", "binary": "MAX_SIM_HAMMING"}
STRATEGIES = ("tokenann", "muvera", "lemur")


def element_kind(field: FieldSchema) -> str:
    """Milvus's element-type family of an ArrayOfVector field: float, int or binary."""
    if field.element_type == DataType.BINARY_VECTOR:
        return "binary"
    return "int" if field.element_type == DataType.INT8_VECTOR else "float"


def is_emb_list_metric(metric: Optional[str]) -> bool:
    return metric in EMB_LIST_METRICS


def element_field(field: FieldSchema) -> FieldSchema:
    """One element of the sub-field as a plain vector field (its encoders, checks, column type)."""
    return FieldSchema(field.name, field.element_type, dim=field.dim)


def plan(field: FieldSchema, index_name: str, index_type: str, metric: Optional[str],
         params: dict[str, Any]) -> indexes.IndexPlan:
    """The catalog row of an index on a vector sub-field, after Milvus's checks (no SQL index)."""
    kind = element_kind(field)
    index_type = (index_type or "AUTOINDEX").upper()
    metric = metric.upper() if isinstance(metric, str) and metric else _AUTO_METRIC[kind]
    allowed = _BINARY_METRICS if kind == "binary" else _FLOAT_METRICS
    if metric not in allowed:
        raise MilvusException(ErrorCode.INVALID_PARAMETER,
                              f"array of vector with {kind} element type does not support metric type: {metric}, "
                              f"supported: [{' '.join(allowed)}]: invalid parameter[expected=valid index params]"
                              f"[actual=invalid index params]")
    if is_emb_list_metric(metric):
        if index_type not in _EMB_LIST_TYPES[kind]:
            raise invalid_parameter(f"data type ArrayOfVector can't build with this index {index_type}")
        _check_strategy(index_type, params)
    else:  # element-level: each element indexed as a vector of the element type (the same checks)
        if metric == "MHJACCARD":
            raise MilvusException(ErrorCode.UNSUPPORTED, f"metric type {metric} is not supported by pgmilvus on "
                                                         f"{field.name}: use HAMMING or JACCARD")
        checked = indexes.plan_vector_index(element_field(field), index_name, index_type, metric, params)
        index_type = checked.index_type
    return indexes.IndexPlan(index_name, field.name, index_type, metric, dict(params), None, None, {})


def _check_strategy(index_type: str, params: dict[str, Any]) -> None:
    """knowhere's DiskANN takes the TokenANN strategy only (the others build the same here)."""
    strategy = params.get("emb_list_strategy")
    if strategy is None:
        return
    if index_type == "DISKANN" and str(strategy) != "tokenann":
        raise invalid_parameter(f"DiskANN only supports TokenANN strategy, got '{strategy}'")
    if str(strategy) not in STRATEGIES:
        raise invalid_parameter(f"unknown emb_list strategy: {strategy}")
