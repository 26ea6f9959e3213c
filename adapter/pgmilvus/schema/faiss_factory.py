"""Milvus master's FAISS index type: a Faiss factory string (``faiss_index_name``) as pgvector builds it,
and the search params knowhere's vanilla Faiss adapter forwards to it (knowhere v3.0.5,
src/index/faiss/faiss_dispatch.cc, faiss's cppcontrib/knowhere/SearchParamsDispatch.cpp).

pgvector builds the string's coarse structure: ``IVF<nlist>`` an IVFFlat index of ``nlist`` lists,
``HNSW<M>`` an HNSW graph of ``M`` links (each within pgvector's limits, catalog/indexes.py), anything else (``Flat``, ``PQ8x4``, ``BFlat``) an exact
scan; transforms (``OPQ16``), quantizers (``SQ8``, ``PQ16x4``) and refinements (``RFlat``) keep
whole vectors.  A search param the index family does not take, or one that is no number, is
refused in the adapter's words, as are what a Faiss index cannot do (a PQ index's ID selector,
range searches on binary indexes, search iterators).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Optional

from ..errors import ErrorCode, MilvusException, invalid_parameter
from .knowhere import Range, check_range

_TRANSFORM = r"(?:OPQ\d+(?:_\d+)?|PCAR?\d+|RR\d+|L2norm|ITQ\d*)"
_COARSE = r"(?:B?IVF(?P<nlist>\d+)(?:_\w+)?|B?HNSW(?P<m>\d+)(?:_\w+)?)"
_STORAGE = r"(?:B?Flat|SQ\w+|PQ\d+(?:x\d+)?(?:fs\w*)?|RaBitQ\w*|LSH\w*)"
_REFINE = r"(?P<refine>RFlat|Refine\(\w+\))"
#: The factory strings pgmilvus takes: transforms, a coarse structure and / or a storage, a refinement.
FACTORY = re.compile(rf"(?:{_TRANSFORM},)*(?:{_COARSE}(?:,{_STORAGE})?|{_STORAGE})(?:,{_REFINE})?")

#: The search knobs of each Faiss family (supported_search_params).
_IVF_KNOBS, _HNSW_KNOBS, _PQ_KNOBS = ("nprobe", "max_codes"), ("efSearch", "check_relative_distance",
                                                                 "bounded_queue"), ("polysemous_ht", "search_type")
#: Keys of a search's params that are not forwarded to Faiss: knowhere's own config (BaseConfig) and
#: what Milvus reads itself.
_NOT_FORWARDED = frozenset({
    "metric_type", "k", "radius", "range_filter", "range_search_k", "range_search_level", "trace_visit",
    "trace_id", "span_id", "trace_flags", "materialized_view_search_info", "iterator_refine_ratio",
    "retain_iterator_order", "offset", "hints", "iterative_filter", "ignore_growing", "round_decimal", "level",
    "group_by_field", "group_size", "strict_group_size", "json_path", "json_type", "strict_cast", "analyzer_name",
    "page_retain_order", "anns_field", "topk", "limit", "params", "collection_id", "partition_id", "segment_id"})


@dataclass(frozen=True)
class Factory:
    """A parsed factory string: what pgvector builds and which search knobs Faiss takes."""

    structure: str              # "exact" | "ivfflat" | "hnsw"
    values: dict[str, int]      # knowhere's names: {"nlist": n} or {"M": m} (pgvector's limits: indexes.py)
    knobs: tuple[str, ...]
    pq_only: bool               # a bare IndexPQ: no ID selector (a filtered search fails)
    binary: bool


def parse(name: Any) -> Factory:
    if not isinstance(name, str) or not name.strip():
        raise invalid_parameter("faiss_index_name is required for index type FAISS",
                                "give a Faiss factory string such as IVF1024,Flat or HNSW32,Flat")
    text = name.strip()
    match = FACTORY.fullmatch(text.replace(" ", ""))
    if match is None:
        raise MilvusException(ErrorCode.UNSUPPORTED, f"the Faiss index {name!r} is not supported by pgmilvus: "
                              "give [OPQ..,]Flat|PQ..|IVF<nlist>[,Flat|SQ8|PQ..]|HNSW<M>[,Flat|SQ8|PQ..][,RFlat] "
                              "(pgvector builds IVFFlat and HNSW indexes over whole vectors)")
    nlist, m, refine = match.group("nlist"), match.group("m"), match.group("refine")
    pq = any(token.startswith("PQ") for token in text.replace(" ", "").split(","))
    binary = text.startswith("B")
    extra = ("k_factor",) if refine else ()
    if nlist:
        check_range("nlist", nlist, Range(1, 65536, integer=True), build=True)
        return Factory("ivfflat", {"nlist": int(nlist)}, _IVF_KNOBS + extra, False, binary)
    if m:
        return Factory("hnsw", {"M": int(m)}, () if binary else _HNSW_KNOBS + extra, False, binary)
    return Factory("exact", {}, (_PQ_KNOBS if pq else ()) + extra, bool(pq) and not refine and not binary, binary)


def _is_number(value: Any) -> bool:
    """coerce_to_double: numbers, booleans, "true" / "false" and whole numeric strings (std::stod
    reading all of it)."""
    if isinstance(value, (bool, int, float)):
        return True
    if not isinstance(value, str):
        return False
    if value in ("true", "false"):
        return True
    try:
        float(value)
    except ValueError:
        return False
    return value == value.rstrip()


def search_problem(name: str, params: dict[str, Any], filtered: bool, ranged: bool,
                   iterating: bool) -> Optional[str]:
    """What knowhere's Faiss adapter says of a search on the index (None: it runs)."""
    factory = parse(name)
    if iterating:
        return "Failed to create iterators from index: faiss vanilla indexes have no iterator"
    if ranged and factory.binary:
        return "RangeSearch unsupported for binary faiss indexes"
    for key, value in params.items():
        if key in _NOT_FORWARDED:
            continue
        if key not in factory.knobs:
            return f"faiss vanilla: search param '{key}' not supported for this index family"
        if not _is_number(value):
            return f"faiss vanilla: param '{key}' expects a number or boolean; got {json.dumps(value)}"
    if filtered and factory.pq_only:
        return "selector not supported"
    return None
