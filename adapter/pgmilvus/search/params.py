"""Checking and normalising search()'s arguments the way pymilvus and Milvus do.

pymilvus validates many arguments client-side (ParamError, code 1) and the
server the rest (1100 ``invalid parameter``); user code may catch either, so
both kinds are reproduced here with their messages.  The result is one
``SearchRequest`` every later step (planning, SQL, results) reads.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import numpy as np

from ..catalog.properties import GO_FALSE, GO_TRUE, TOPK_LIMIT
from ..errors import ErrorCode, MilvusException, ParamError, client_side, illegal, invalid_parameter
from ..schema import knowhere
from . import order
from .aggregation import spec as aggregation_spec
from .aggregation.spec import Level
from .embedding_list import is_embedding_list
from ..types import DataType

#: Milvus's cap on topk and on offset + topk.
MAX_TOPK = TOPK_LIMIT
#: Milvus's proxy.maxNQ: query vectors per search.
MAX_NQ = 16384


@dataclass
class SearchRequest:
    """One search as every later step sees it (validated, defaults applied)."""

    data: Sequence[Any]
    limit: int
    offset: int = 0
    filter: str = ""
    filter_params: dict[str, Any] = field(default_factory=dict)
    output_fields: Optional[list[str]] = None
    partition_names: Optional[list[str]] = None
    anns_field: Optional[str] = None
    metric_type: Optional[str] = None
    params: dict[str, Any] = field(default_factory=dict)    # flattened search_params["params"]
    round_decimal: int = -1
    group_by_field: Optional[str] = None
    group_size: int = 1
    strict_group_size: bool = False
    group_json_path: Optional[str] = None                   # json_path / json_type / strict_cast (grouping.py)
    group_json_type: Optional[str] = None
    group_strict_cast: bool = False
    ignore_growing: bool = False
    timezone: Optional[str] = None                           # TIMESTAMPTZ output (timestamps.rendering)
    time_fields: Optional[str] = None
    #: SQL expressions over the searched row, selected after the output fields: what boost
    #: functions read of each hit (search/boost.py), compiled by pgmilvus (literals only)
    extra_columns: tuple[str, ...] = ()
    #: ``order_by_fields`` as pymilvus sends it ("price:asc,meta[\"a\"]:desc"; search/order.py), None: by distance
    order_by: Optional[str] = None
    #: ``search_aggregation`` (Milvus master's buckets; aggregation/spec.py), None: a plain search
    aggregation: Optional[Level] = None
    #: pymilvus's ``is_embedding_list``: each query is a flat array of an embedding list's vectors
    #: (search/structs.py; EmbeddingList objects say so themselves)
    embedding_list: bool = False

    @property
    def window(self) -> int:
        """How many hits per query must be found before offset is applied."""
        return self.limit + self.offset

    # Checked when read (after the collection was found, as Milvus checks them), several times
    # per search: the common case, no range search, returns at once.
    @property
    def radius(self) -> Optional[float]:
        value = self.params.get("radius")
        return None if value is None else _number_or_none(value, "radius")

    @property
    def range_filter(self) -> Optional[float]:
        value = self.params.get("range_filter")
        return None if value is None else _number_or_none(value, "range_filter")

    def with_data(self, data: Sequence[Any]) -> "SearchRequest":
        """A copy of this request for other query vectors (the other fields are shared, never changed)."""
        copy = object.__new__(SearchRequest)
        copy.__dict__.update(self.__dict__)
        copy.data = data
        return copy


def _number_or_none(value: Any, name: str) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        try:
            value = float(value)
        except (TypeError, ValueError):  # knowhere parses the params as JSON: nlohmann's words
            kind = {str: "string", list: "array", tuple: "array", dict: "object", bool: "boolean"}.get(
                type(value), type(value).__name__)
            raise invalid_parameter(f"{name} must be a number, got {value!r} ([json.exception.type_error.302] "
                                    f"type must be number, but is {kind})") from None
    value = float(value)
    if not math.isfinite(value):
        raise invalid_parameter(f"{name} must be a finite number, got {value!r}")
    return value


def flatten_search_params(search_params: Optional[dict]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(top-level dict, flattened params) as pymilvus >= 2.5.2 builds them.

    Every top-level key is also copied into ``params``; a key present in both with
    different values is ambiguous (ParamError).
    """
    if search_params is None:
        search_params = {}
    if not isinstance(search_params, dict):
        raise ParamError(message=f"Search params must be a dict, got {type(search_params)}")
    inner = search_params.get("params", {})
    if inner is None:
        inner = {}
    if not isinstance(inner, dict):
        raise ParamError(message=f"Search params must be a dict, got {type(inner)}")
    params = dict(inner)
    for key, value in search_params.items():
        if key == "params":
            continue
        if key in params:
            if params[key] != value:
                raise ParamError(message=f"ambiguous parameter: {key}, in search_param: {value}, in "
                                         f"search_param.params: {params[key]}")
        else:
            params[key] = value
    return search_params, params


def check_limit(limit: Any) -> int:
    """pymilvus's client-side check; an SDK that sends a limit of 0 or less gets the proxy's topk text."""
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)):
        raise illegal("limit", limit)
    if limit <= 0:
        raise client_side(illegal("limit", limit), invalid_parameter(
            f"topk [{limit}] is invalid, it should be in range [1, {MAX_TOPK}], but got {limit}"))
    return int(limit)


def check_window(limit: int, offset: int, maximum: int = MAX_TOPK) -> None:
    """Milvus 2.6's parseSearchInfo, once the collection is known: topk, a non-zero offset and
    offset + topk in [1, ``maximum``] (16,384; 1,000,000 for a ``query_mode: large_topk``
    collection, catalog/properties.py topk_limit), in that order."""
    if limit > maximum:
        raise invalid_parameter(f"topk [{limit}] is invalid, it should be in range [1, {maximum}], but "
                                f"got {limit}")
    if offset != 0 and not 0 < offset <= maximum:
        raise invalid_parameter(f"offset [{offset}] is invalid, it should be in range [1, {maximum}], but got "
                                f"{offset}")
    if limit + offset > maximum:
        raise invalid_parameter(f"offset+topk [{limit + offset}] is invalid, it should be in range [1, "
                                f"{maximum}], but got {limit + offset}")


def check_data(data: Any) -> Sequence[Any]:
    """The query vectors as a list (pymilvus's is_legal_search_data), 1 to MAX_NQ of them."""
    if isinstance(data, np.ndarray):  # first: the common input (hasattr's miss below raises inside)
        if data.ndim == 1 and data.dtype != object:
            raise illegal("search_data", data.tolist())
        rows = list(data)
    elif data is None:
        raise ParamError(message="Either ids or data must be provided")
    elif hasattr(data, "tocsr") and hasattr(data, "shape"):  # scipy sparse matrix: one row per query
        csr = data.tocsr()
        rows = [csr[i] for i in range(csr.shape[0])]
    else:
        if not isinstance(data, (list, tuple)):
            raise illegal("search_data", data)
        if not all(isinstance(v, (list, tuple, bytes, np.ndarray, str, dict)) or hasattr(v, "tocoo")
                   or is_embedding_list(v) for v in data):
            raise illegal("search_data", list(data))
        rows = list(data)
    if 0 < len(rows) <= MAX_NQ:
        return rows
    if not rows:  # pymilvus fails on it; an SDK that sends it (Go) gets the proxy's nq check
        error = MilvusException(ErrorCode.UNEXPECTED_ERROR,
                                "Unexpected error, message=<list index out of range>: `data` holds no query "
                                "vector")
        error.server_answer = nq_invalid(0)  # type: ignore[attr-defined]  # as errors.client_side
        raise error
    raise nq_invalid(len(rows))


def nq_invalid(nq: int) -> MilvusException:
    """Milvus 2.6's proxy text for too many query vectors (or keys, in a search by ids)."""
    return invalid_parameter(f"nq [{nq}] is invalid, nq (number of search vector per search request) should be in "
                             f"range [1, {MAX_NQ}], but got {nq}")


def check_round_decimal(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not -2 < value < 7:
        raise illegal("round_decimal", value)
    return value


def check_guarantee_timestamp(value: Any) -> None:
    """pymilvus's check (search, hybrid_search); the value has no effect here (every read is strong)."""
    if value is not None and not (isinstance(value, int) and value >= 0):
        raise illegal("guarantee_timestamp", value)


#: The spellings Go's strconv.ParseBool takes: pymilvus sends ``str(ignore_growing)``.
_GO_BOOLS = GO_TRUE | GO_FALSE


def check_ignore_growing(value: Any) -> bool:
    """Milvus's proxy parses ``ignore_growing`` with strconv.ParseBool (search and query); True
    reads sealed segments only (catalog/segments.py sealed_only)."""
    if value is None:
        return False
    text = str(value)
    if text not in _GO_BOOLS:
        raise MilvusException(ErrorCode.UNEXPECTED_ERROR, f"parse ignore growing field failed: ignore_growing "
                                                          f"{value!r} is not a bool")
    return text in GO_TRUE


def check_output_fields(output_fields: Any) -> None:
    """pymilvus's search/hybrid_search check: a list of non-empty str (or None)."""
    if output_fields is not None and (not isinstance(output_fields, (list, tuple))
                                      or not all(isinstance(f, str) and f for f in output_fields)):
        raise illegal("output_fields", output_fields)


def _offset(kwargs: dict[str, Any], top: dict[str, Any]) -> int:
    if "offset" in kwargs and "offset" in top:
        raise ParamError(message="Provide offset both in kwargs and param, expect just one")
    offset = kwargs.get("offset") or top.get("offset")
    if offset is None:
        return 0
    if isinstance(offset, bool) or not isinstance(offset, (int, np.integer)):
        raise ParamError(message=f"wrong type for offset, expect int, got {type(offset)}")
    return int(offset)  # its range: check_window, once the collection is known


def _group(kwargs: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The grouping arguments of a search (grouping.py reads them against the schema)."""
    field_name = kwargs.get("group_by_field", params.get("group_by_field"))
    if field_name is None:
        field_name = _one_group_field(kwargs.get("group_by_fields"))
    strict = kwargs.get("strict_group_size", params.get("strict_group_size",
                                                          kwargs.get("group_strict_size", False)))
    if field_name is not None and not isinstance(field_name, str):  # pymilvus sends str(value): not found
        field_name = str(field_name)
    json_path = kwargs.get("json_path", params.get("json_path"))
    return {"group_by_field": field_name or None,
            "group_size": _group_size(kwargs.get("group_size", params.get("group_size"))),
            "strict_group_size": _go_bool(strict),
            "group_json_path": None if json_path in (None, "") else str(json_path),
            "group_json_type": _json_type(kwargs.get("json_type", params.get("json_type"))),
            "group_strict_cast": _go_bool(kwargs.get("strict_cast", params.get("strict_cast")))}


def _one_group_field(names: Any) -> Optional[str]:
    """pymilvus 3's ``group_by_fields``: a list (ParamError otherwise, as pymilvus checks it), sent
    comma-joined and split by the proxy (so ``pgmilvus serve`` passes the text as one item); one
    name groups as ``group_by_field`` does (Milvus's proxy reads both); several, Milvus master's
    grouping by a tuple of fields, are refused rather than ignored."""
    if names is None:
        return None
    if not isinstance(names, list):
        raise ParamError(message="group_by_fields must be a list")
    names = [piece.strip() for piece in ",".join(map(str, names)).split(",") if piece.strip()]
    if len(names) > 1:
        raise MilvusException(ErrorCode.UNSUPPORTED, f"group_by_fields={names}: grouping a search by several "
                                                     "fields is not supported by pgmilvus; group by one field "
                                                     "(group_by_field), or by a JSON field holding the tuple")
    return names[0] if names else None


def _aggregation(kwargs: dict[str, Any], params: dict[str, Any]) -> Optional[Level]:
    """``search_aggregation`` read (aggregation/spec.py) and checked against the grouping arguments:
    pymilvus refuses the pairs client-side, Milvus's proxy with its own words (``client_side``)."""
    value = kwargs.get("search_aggregation")
    if value is None:
        return None
    level = aggregation_spec.read(value)
    if kwargs.get("group_by_field", params.get("group_by_field")) is not None:
        raise client_side(ParamError(message="search_aggregation and group_by_field are mutually exclusive"),
                          invalid_parameter("group_by_field and search_aggregation cannot be used simultaneously"))
    if kwargs.get("group_by_fields"):
        raise client_side(ParamError(message="search_aggregation and group_by_fields are mutually exclusive"),
                          invalid_parameter("group_by_fields and search_aggregation cannot be used "
                                            "simultaneously"))
    return level


def _json_type(value: Any) -> Optional[str]:
    """json_type as Milvus's proxy receives it: pymilvus sends a DataType's name (Int8, VarChar...)
    and refuses other DataTypes; a name the proxy does not know is ignored, as 2.6 does."""
    if value is None or isinstance(value, str):
        return value
    name = _JSON_TYPE_NAMES.get(value) if isinstance(value, int) else None
    if name is None:
        raise ParamError(message=f"Unsupported json cast type: {value}")
    return name


def _group_size(size: Any) -> int:
    """group_size as Milvus 2.6's proxy parses it (parseGroupByInfo)."""
    if size is None:
        return 1
    if isinstance(size, bool) or not isinstance(size, int):
        try:
            size = int(str(size).strip(), 0)
        except ValueError:
            raise invalid_parameter(f"failed to parse input group size:{size}") from None
    if size <= 0:
        raise invalid_parameter(f"input group size:{size} is negative, failed to do search_groupby")
    if size > MAX_GROUP_SIZE:
        raise invalid_parameter(f"input group size:{size} exceeds configured max group size:{MAX_GROUP_SIZE}")
    return int(size)


def _go_bool(value: Any) -> bool:
    """strict_group_size / strict_cast: a bool, or a Go ParseBool spelling over the wire (anything else: false)."""
    if isinstance(value, bool):
        return value
    return value is not None and str(value) in GO_TRUE


#: pymilvus's json_type DataTypes and the names it sends for them.
_JSON_TYPE_NAMES = {DataType.INT8: "Int8", DataType.INT16: "Int16", DataType.INT32: "Int32", DataType.INT64: "Int64",
                    DataType.BOOL: "Bool", DataType.VARCHAR: "VarChar"}


#: Milvus's largest group_size (quotaAndLimits.limits.maxGroupSize's default).
MAX_GROUP_SIZE = 10


#: The execution hints Milvus's segcore takes (PlanProto.cpp): at the top of search_params also
#: ``disable``; in ``params`` only ``iterative_filter``.  pgmilvus's planner chooses its own scan
#: (strategy.py), so a valid hint changes nothing here.
_TOP_HINTS, _PARAM_HINTS = ("iterative_filter", "disable"), ("iterative_filter",)


def _check_hints(top: dict[str, Any], params: dict[str, Any]) -> None:
    """segcore refuses an unknown hint (``hints: X not supported``), except in a range search."""
    if params.get("radius") is not None:
        return
    hints = top.get("hints")
    if hints not in (None, ""):
        if hints not in _TOP_HINTS:
            raise MilvusException(ErrorCode.SERVER_ERROR,
                                  f"fail to search on QueryNode: worker query failed: hints: {hints} not supported")
        return
    inner = params.get("hints")  # not at the top: from search_params["params"]
    if inner is not None and inner not in _PARAM_HINTS:
        raise MilvusException(ErrorCode.SERVER_ERROR, "fail to search on QueryNode: worker query failed: "
                                                      f"hints: {json.dumps(inner)} not supported")


#: Checked requests (without their query vectors) by their arguments, for calls whose arguments
#: make a key (``_arguments_key``): an application repeats a search with new vectors, and the
#: same arguments pass the same checks.
_checked: dict[tuple[Any, ...], SearchRequest] = {}
_CHECKED_LIMIT = 256


def build_request(data: Any, filter: Any, limit: Any, output_fields: Any, search_params: Any,
                  partition_names: Any, anns_field: Any, kwargs: dict[str, Any]) -> SearchRequest:
    """Validate search()'s arguments (client-side checks first, like pymilvus)."""
    key = _arguments_key(filter, limit, output_fields, search_params, partition_names, anns_field, kwargs)
    if key is not None:
        checked = _checked.get(key)
        if checked is not None:
            return checked.with_data(check_data(data))
    request = _checked_request(data, filter, limit, output_fields, search_params, partition_names,
                               anns_field, kwargs)
    if key is not None:
        if len(_checked) >= _CHECKED_LIMIT:
            _checked.clear()
        _checked[key] = request.with_data(())
    return request


def _arguments_key(filter: Any, limit: Any, output_fields: Any, search_params: Any, partition_names: Any,
                   anns_field: Any, kwargs: dict[str, Any]) -> Optional[tuple[Any, ...]]:
    """A key for the arguments when each is of a plain type (None otherwise: no reuse).

    Types are part of the key: ``True == 1`` and ``hash(True) == hash(1)``, but a
    bool limit or ef is refused where the int is not.
    """
    if kwargs or type(filter) is not str or type(limit) is not int:
        return None
    if output_fields is None and search_params is None and partition_names is None and anns_field is None:
        return filter, limit  # the common call: no other argument (a key of its own length)
    if anns_field is not None and type(anns_field) is not str:
        return None
    fields = None if output_fields is None else _names_key(output_fields)
    parts = None if partition_names is None else _names_key(partition_names)
    params = _params_key(search_params)
    if fields is False or parts is False or params is False:
        return None
    return filter, limit, anns_field, fields, parts, params


def _names_key(names: Any) -> Any:
    """None, a tuple of str, or False (not a plain list of names)."""
    if names is None:
        return None
    if type(names) not in (list, tuple) or not all(type(n) is str for n in names):
        return False
    return type(names), tuple(names)


_PLAIN = (str, int, float, type(None))


def _params_key(search_params: Any) -> Any:
    """search_params as ((key, type, value), ...) when its values (and params') are plain; else False."""
    if search_params is None:
        return None
    if type(search_params) is not dict:
        return False
    out = []
    for name, value in search_params.items():
        if name == "params" and type(value) is dict:
            if not all(type(v) in _PLAIN for v in value.values()):
                return False
            value = tuple((k, type(v), v) for k, v in value.items())
        elif type(value) not in _PLAIN:
            return False
        out.append((name, type(value), value))
    return tuple(out)


def _checked_request(data: Any, filter: Any, limit: Any, output_fields: Any, search_params: Any,
                     partition_names: Any, anns_field: Any, kwargs: dict[str, Any]) -> SearchRequest:
    if kwargs.get("ranker") is not None:
        raise MilvusException(ErrorCode.UNSUPPORTED, "search_iterator(ranker=...) is not supported by "
                                                     "pgmilvus: rerank functions apply to search() and "
                                                     "hybrid_search()")
    limit = check_limit(limit)
    round_decimal = check_round_decimal(kwargs.get("round_decimal", -1))
    check_guarantee_timestamp(kwargs.get("guarantee_timestamp"))
    if anns_field is not None and not isinstance(anns_field, str):
        raise illegal("anns_field", anns_field)
    if partition_names is not None and (not isinstance(partition_names, (list, tuple))
                                        or not all(isinstance(p, str) for p in partition_names)):
        raise illegal("partition_name_array", partition_names)
    check_output_fields(output_fields)
    ignore_growing = check_ignore_growing(kwargs.get("ignore_growing"))
    if isinstance(search_params, dict):
        ignore_growing = check_ignore_growing(search_params.get("ignore_growing")) or ignore_growing
    if filter is None:
        filter = ""
    if not isinstance(filter, str):
        raise ParamError(message=f"The type of expr must be string ,but {type(filter)} is given.")
    filter_params = kwargs.get("filter_params") or kwargs.get("expr_params") or {}
    if not isinstance(filter_params, dict):
        raise ParamError(message=f"filter_params must be a dict, got {type(filter_params).__name__}")
    vectors = check_data(data)
    top, params = flatten_search_params(search_params)
    offset = _offset(kwargs, top)
    metric = top.get("metric_type") or params.get("metric_type")
    if metric is not None and not isinstance(metric, str):
        raise invalid_parameter(f"metric type {metric!r} not found or not supported")
    _check_hints(top, params)
    knowhere.check_sparse_search(params)
    aggregation = _aggregation(kwargs, params) if kwargs.get("search_aggregation") is not None else None
    group = _group(kwargs, params)
    return SearchRequest(data=vectors, limit=limit, offset=offset, filter=filter,
                         filter_params=dict(filter_params),
                         output_fields=list(output_fields) if output_fields is not None else None,
                         partition_names=list(partition_names) if partition_names else None,
                         anns_field=anns_field or None, metric_type=metric.upper() if metric else None,
                         params=params, round_decimal=round_decimal, ignore_growing=ignore_growing, **group,
                         timezone=kwargs.get("timezone"), time_fields=kwargs.get("time_fields"),
                         order_by=order.specs(kwargs.get("order_by_fields")), aggregation=aggregation,
                         embedding_list=bool(kwargs.get("is_embedding_list")))
