"""knowhere's per-index configs: the parameters each vector index type declares, checked in its words.

Milvus hands an index's build params to knowhere as strings (its proxy's map[string]string, each
value as pymilvus sent it: ``str(value)``) and a search's params as the request's JSON.  knowhere
first reads strings into the declared type (Config::FormatAndCheck: ``invalid integer value,
key: 'M', value: 'True'``, ``wrong data type in json, key: 'M', value: '16.0'``), then loads
the fields of the call's kind (Config::Load: ``Type conflict in json: param 'ef' (true) should
be integer``, ``Out of range in json: param 'M' (-1) should be in range [2, 2048]``), then runs
the index's own CheckAndAdjust (``ef(1) should be larger than k(10)``, refine types, PQ's ``m``).
One table per index type (knowhere v3.0.5, the version Milvus master builds) serves create_index
and search alike; what pgvector builds from the values is catalog/indexes.py's business.
"""

from __future__ import annotations

import json
import math
import numbers
import re
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from ..errors import ErrorCode, MilvusException, invalid_parameter
from .knowhere import FLT_MAX, INT32_MAX, Range

INT, FLOAT, BOOL, STR = "integer", "a number", "a boolean", "a string"


@dataclass(frozen=True)
class Param:
    """One Config field: its type, its range, and whether build (train) or search loads it."""

    kind: str
    range: Optional[Range] = None
    train: bool = False
    search: bool = False


def _int(low: int, high: int = INT32_MAX, **uses: bool) -> Param:
    return Param(INT, Range(low, high, integer=True), **uses)


#: BaseHnswConfig, and FaissHnswConfig's refine fields (knowhere builds every HNSW with Faiss).
_HNSW = {"M": _int(2, 2048, train=True), "efConstruction": _int(1, train=True), "ef": _int(1, search=True),
         "seed_ef": _int(1), "refine": Param(BOOL, train=True),
         "refine_k": Param(FLOAT, Range(1.0, FLT_MAX), search=True), "refine_type": Param(STR, train=True)}
#: IvfConfig (the IVF family's clusters and probes).
_IVF = {"nlist": _int(1, 65536, train=True), "nprobe": _int(1, 65536, search=True),
        "use_elkan": Param(BOOL, train=True), "max_empty_result_buckets": _int(0, 65536)}
_REFINE = {"refine": Param(BOOL, train=True), "refine_k": Param(FLOAT, Range(1.0, FLT_MAX), search=True),
           "refine_type": Param(STR, train=True)}
_PQ = {"m": _int(1, 65536, train=True), "nbits": _int(1, 24, train=True)}

CONFIGS: dict[str, dict[str, Param]] = {
    "HNSW": _HNSW,
    "HNSW_SQ": {**_HNSW, "sq_type": Param(STR, train=True)},
    "HNSW_PQ": {**_HNSW, **_PQ},
    "HNSW_PRQ": {**_HNSW, **_PQ, "nrq": _int(1, 16, train=True)},
    "IVF_FLAT": _IVF,
    "IVF_SQ8": _IVF,
    "BIN_IVF_FLAT": _IVF,
    "IVF_PQ": {**_IVF, **_PQ, **_REFINE},
    "SCANN": {**_IVF, "reorder_k": _int(1, search=True), "with_raw_data": Param(BOOL, train=True),
              "sub_dim": _int(1, 65536, train=True)},
    "IVF_RABITQ": {**_IVF, **_REFINE, "rbq_bits": _int(1, 9, train=True), "rbq_bits_query": _int(0, 8, search=True)},
    # Milvus fills DISKANN's build params and a search's beam width from its own configuration: what a
    # user gives is taken whatever it is; only the search's list size is knowhere's
    "DISKANN": {"search_list_size": _int(1, search=True)},
    # Milvus builds AUTOINDEX as HNSW with its own build params; a search's ef is HNSW's
    "AUTOINDEX": {"ef": _int(1, search=True)},
}

#: The refine types of the Faiss HNSW indexes (FaissHnswConfig) and of the IVF family (IvfConfig).
_HNSW_REFINES = ("sq4u", "sq6", "sq8", "fp16", "bf16", "fp32", "flat")
_IVF_REFINES = ("sq6", "sq8", "fp16", "bf16", "fp32", "flat")
_HNSW_SQ_TYPES = ("sq4u", "sq6", "sq8", "fp16", "bf16")


# -- reading the values (FormatAndCheck, Load) ---------------------------------------------------

def as_sent(value: Any) -> str:
    """A build param as Milvus's proxy receives it from pymilvus (``utils.dumps``): ``str(value)``,
    a dict as JSON."""
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return value if isinstance(value, str) else str(value)


_INT_TEXT = re.compile(r"\s*([+-]?\d+)")
_FLOAT_TEXT = re.compile(r"\s*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)", re.IGNORECASE)


def _json_text(value: Any) -> str:
    """nlohmann's dump of a JSON value, as knowhere's messages show it (true, null, 32.0, "1")."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _from_string(key: str, text: str, kind: str) -> Any:
    """FormatAndCheck of one string value: std::stoll / std::stof's reading, their words."""
    if kind == INT:
        match = _INT_TEXT.match(text)
        if match is None:
            raise invalid_parameter(f"invalid integer value, key: '{key}', value: '{text}'")
        if match.end() < len(text):
            raise invalid_parameter(f"wrong data type in json, key: '{key}', value: '{text}'")
        number = int(match.group(1))
        if not -INT32_MAX - 1 <= number <= INT32_MAX:
            raise invalid_parameter(f"integer value out of range, key: '{key}', value: '{text}'")
        return number
    if kind == FLOAT:
        match = _FLOAT_TEXT.match(text)
        if match is None:
            raise invalid_parameter(f"invalid float value, key: '{key}', value: '{text}'")
        number = float(match.group(0))
        if math.isfinite(number) and abs(number) > FLT_MAX:
            raise invalid_parameter(f"float value out of range, key: '{key}', value: '{text}'")
        return float(np.float32(number))  # stof's float, shown as JSON shows it
    if kind == BOOL:
        return {"true": True, "True": True, "TRUE": True, "false": False, "False": False,
                "FALSE": False}.get(text, text)
    return text


def _plain(value: Any) -> Any:
    """numpy scalars as the JSON numbers they are sent as."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def _loaded(key: str, value: Any, param: Param) -> Any:
    """Config::Load of one present field: its JSON type, then its range."""
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    wrong = {INT: not isinstance(value, int) or isinstance(value, bool), FLOAT: not is_number,
             BOOL: not isinstance(value, bool), STR: not isinstance(value, str)}[param.kind]
    if wrong:
        raise invalid_parameter(f"Type conflict in json: param '{key}' ({_json_text(value)}) should be {param.kind}")
    if param.range is None:
        return value
    limit = INT32_MAX if param.kind == INT else FLT_MAX
    if value > limit:
        raise invalid_parameter(f"Arithmetic overflow: param '{key}' ({_json_text(value)}) should not bigger than "
                                f"{limit if param.kind == INT else f'{limit:.6f}'}")
    if not param.range.within(value):
        raise invalid_parameter(f"Out of range in json: param '{key}' ({_json_text(value)}) should be in range "
                                f"{param.range.text()}")
    return value


def _load(config: dict[str, Param], values: dict[str, Any], train: bool) -> dict[str, Any]:
    """FormatAndCheck over every declared field given as a string, then Load of the call's fields."""
    values = {k: _plain(v) for k, v in values.items()}
    for key, param in config.items():
        if isinstance(values.get(key), str):
            values[key] = _from_string(key, values[key], param.kind)
    return {key: _loaded(key, values[key], param) for key, param in config.items()
            if key in values and (param.train if train else param.search)}


# -- build ------------------------------------------------------------------------------------

def _refine_type(values: dict[str, Any], allowed: tuple[str, ...]) -> None:
    kind = values.get("refine_type")
    if kind is not None and kind.lower() not in allowed:
        raise invalid_parameter(f"invalid refine type : {kind}, optional types are [{', '.join(allowed)}]")


def _pq_m(values: dict[str, Any], dim: int, article: str) -> None:
    m = values.get("m")
    if m is not None and dim and dim % m:
        raise invalid_parameter(f"The dimension of {article} vector (dim) should be a multiple of the number of "
                                f"subquantizers (m). Dimension: {dim}, m: {m}")


def _hnsw_flat(values: dict[str, Any], dim: int) -> None:
    if values.get("refine") or "refine_type" in values:
        raise invalid_parameter("refine is not supported for this index")


def _hnsw_sq(values: dict[str, Any], dim: int) -> None:
    if str(values.get("sq_type", "SQ8")).lower() not in _HNSW_SQ_TYPES:
        raise invalid_parameter("invalid scalar quantizer type")
    _refine_type(values, _HNSW_REFINES)


def _hnsw_pq(values: dict[str, Any], dim: int) -> None:
    _pq_m(values, dim, "the")
    _refine_type(values, _HNSW_REFINES)


def _hnsw_prq(values: dict[str, Any], dim: int) -> None:
    _pq_m(values, dim, "a")
    _refine_type(values, _HNSW_REFINES)


def _ivf_pq(values: dict[str, Any], dim: int) -> None:
    _pq_m(values, dim, "a")
    _refine_type(values, _IVF_REFINES)


def _scann(values: dict[str, Any], dim: int) -> None:
    sub_dim = values.get("sub_dim", 2)
    if dim and dim % sub_dim:
        raise invalid_parameter(f"The dimension of a vector (dim) should be a multiple of sub_dim. Dimension:{dim}, "
                                f"sub_dim:{sub_dim}")


#: Each index's CheckAndAdjust for a build (TRAIN).
_TRAIN_CHECKS: dict[str, Callable[[dict[str, Any], int], None]] = {
    "HNSW": _hnsw_flat, "HNSW_SQ": _hnsw_sq, "HNSW_PQ": _hnsw_pq, "HNSW_PRQ": _hnsw_prq, "IVF_PQ": _ivf_pq,
    "SCANN": _scann, "IVF_RABITQ": lambda values, dim: _refine_type(values, _IVF_REFINES),
}


def check_build(index_type: str, params: dict[str, Any], dim: int = 0) -> dict[str, Any]:
    """knowhere's check of an index's build params (create_index; 1100 ``...: invalid parameter``):
    the values of its declared build fields, typed (absent ones are absent).  Params knowhere does
    not declare are kept and ignored, as Milvus keeps them."""
    config = CONFIGS.get(index_type)
    if config is None:
        return {}
    if index_type in ("DISKANN", "AUTOINDEX"):
        return {}
    values = _load(config, {k: as_sent(v) for k, v in params.items() if v is not None}, train=True)
    check = _TRAIN_CHECKS.get(index_type)
    if check is not None:
        check(values, dim)
    return values


#: The binary metrics knowhere's IVF and HNSW configs take (IvfBinConfig::CheckAndAdjust, HNSW's
#: StaticConfigCheck for bin1); BIN_FLAT takes every binary metric.
_BINARY_INDEX_METRICS = ("HAMMING", "JACCARD")


def check_metric(index_type: str, metric: str, binary: bool) -> None:
    """knowhere's refusal of a binary vector's metric its index config does not take (1100): BIN_IVF_FLAT's
    CheckAndAdjust, after the params load; HNSW's StaticConfigCheck (knowhere v3.0.5, which Milvus master
    builds: 2.6's knowhere took the build request and failed in the build)."""
    if not binary or metric in _BINARY_INDEX_METRICS:
        return
    text = f"metric type {metric} not found or not supported, supported: [HAMMING JACCARD]"
    if index_type == "BIN_IVF_FLAT":
        raise invalid_parameter(text)
    if index_type == "HNSW":
        raise invalid_parameter(f"{text} (or MAX_SIM_*/DTW_* compound forms thereof)")


# -- search -----------------------------------------------------------------------------------

#: The search param each index refuses below the top k (CheckAndAdjust for SEARCH); HNSW_PQ and
#: HNSW_PRQ override it without the base check, so they take a smaller ef.
AT_LEAST_K = {"HNSW": "ef", "HNSW_SQ": "ef", "SCANN": "reorder_k", "DISKANN": "search_list_size"}


def search_failed(message: str) -> MilvusException:
    """A knowhere search refusal as Milvus's query node reports it (65535, inside its operator error)."""
    return MilvusException(ErrorCode.SERVER_ERROR, "fail to search on QueryNode: worker query failed: "
                                                   "N6milvus21ExecOperatorExceptionE :Operator::GetOutput failed: "
                                                   f"{message}")


def check_search(index_type: str, params: dict[str, Any], k: Optional[int]) -> dict[str, Any]:
    """knowhere's check of a search's params against the searched index's config (``k``: the top k
    for the at-least-k checks; None for range searches, iterators and groupings, which knowhere
    checks otherwise); the declared search fields' values, typed."""
    config = CONFIGS.get(index_type.upper())
    if config is None:
        return {}
    try:
        values = _load(config, params, train=False)
    except MilvusException as refused:
        raise search_failed(refused.message.removesuffix(": invalid parameter")) from None
    name = AT_LEAST_K.get(index_type.upper())
    if k is not None and name is not None and name in values and values[name] < k:
        raise search_failed(f"{name}({values[name]}) should be larger than k({k}) (search_params {name} must be at "
                            f"least limit + offset, {k})")
    return values
