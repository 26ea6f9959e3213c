"""knowhere's checks of vector index and search parameters, in its words.

Milvus hands index params (create_index) and search params to knowhere, its vector index
library, whose Config refuses a value out of a declared range or of the wrong type and whose
index configs refuse unknown algorithms (include/knowhere/config.h, src/index/sparse/
sparse_index_config.h); the proxy reports the text with ``: invalid parameter`` (1100).
pgvector has no use for most of these parameters, but a value Milvus refuses is refused here
too, and one it takes is taken.  The sparse index checks are those of Milvus master (its
proxy and the knowhere it builds with), which accept 2.6's three algorithms and the newer
SINDI / BLOCK_MAX_* with their parameters.
"""

from __future__ import annotations

import json
import numbers
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from ..errors import invalid_parameter

INT32_MAX = 2**31 - 1
FLT_MAX = 3.4028234663852886e38   # std::numeric_limits<float>::max()


@dataclass(frozen=True)
class Range:
    """A Config field's range (knowhere's Range): bounds and whether each is included."""

    low: float
    high: float
    integer: bool = False
    include_low: bool = True
    include_high: bool = True

    def within(self, value: float) -> bool:
        above = self.low < value or self.include_low and self.low <= value
        below = value < self.high or self.include_high and value <= self.high
        return above and below

    def text(self) -> str:
        """std::to_string of each bound: ``[1, 2147483647]``, ``[0.000000, 1.000000)``."""
        shown = (str(int(self.low)), str(int(self.high))) if self.integer else (f"{self.low:.6f}", f"{self.high:.6f}")
        return f"{'[' if self.include_low else '('}{shown[0]}, {shown[1]}{']' if self.include_high else ')'}"


def _json_text(value: Any) -> str:
    """How knowhere's error shows a param's JSON value (nlohmann's dump: 0, 1.5, "abc")."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def loaded(value: Any) -> Any:
    """knowhere's FormatAndCheck: a numeric string becomes the number (Milvus sends strings)."""
    if isinstance(value, str):
        text = value.strip()
        for cast in (int, float):
            try:
                return cast(text)
            except ValueError:
                continue
    return value


def check_range(key: str, given: Any, allowed: Range, build: bool = False) -> None:
    """knowhere's type and range check of one numeric param (absent params are not given).

    ``build``: an index's build params, which Milvus's proxy hands knowhere as strings; knowhere
    reads a float field's string as a float, and its errors show it as JSON shows one (``1`` is
    shown ``1.0``), where a search's params keep their JSON numbers."""
    value = loaded(given)
    if isinstance(value, (bool, np.bool_)):
        value = bool(value)    # JSON true is no number
    elif isinstance(value, numbers.Integral):
        value = int(value)     # numpy's too
    elif isinstance(value, numbers.Real):
        value = float(value)
    if build and not allowed.integer and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or allowed.integer and not isinstance(value, int):
        raise invalid_parameter(f"Type conflict in json: param '{key}' ({_json_text(value)}) should be "
                                f"{'integer' if allowed.integer else 'a number'}")
    if not allowed.within(value):
        raise invalid_parameter(f"Out of range in json: param '{key}' ({_json_text(value)}) should be in range "
                                f"{allowed.text()}")


def check_ranges(params: dict[str, Any], ranges: dict[str, Range], build: bool = False) -> None:
    for key, allowed in ranges.items():
        if params.get(key) is not None:
            check_range(key, params[key], allowed, build)


#: Sparse index params (SparseInvertedIndexConfig, for train) and BM25's (BaseConfig).
SPARSE_TRAIN_RANGES = {
    "drop_ratio_build": Range(0.0, 1.0, include_high=False),
    "block_max_block_size": Range(1, INT32_MAX, integer=True),
    "sindi_window_size": Range(1024, 65535, integer=True),
}
BM25_RANGES = {"bm25_k1": Range(0.0, 3.0), "bm25_b": Range(0.0, 1.0), "bm25_avgdl": Range(0.0, FLT_MAX)}
#: Sparse search params (for search).
SPARSE_SEARCH_RANGES = {"drop_ratio_search": Range(0.0, 1.0, include_high=False),
                        "dim_max_score_ratio": Range(0.5, 1.3)}

#: Milvus's proxy checks the algorithm itself (master's vector_index_checker.go, case-sensitive;
#: 2.6's knowhere said the same of its first three), knowhere the rest.
SPARSE_ALGOS = ("TAAT_NAIVE", "DAAT_WAND", "DAAT_MAXSCORE", "BLOCK_MAX_MAXSCORE", "BLOCK_MAX_WAND", "SINDI")
#: The codecs of the knowhere Milvus master builds with (block_adaptive came after).
SPARSE_CODECS = ("block_streamvbyte", "block_maskedvbyte")
QUANT_TYPES = {"IP": ("fp16", "fp32"), "BM25": ("u16", "u32")}


def check_sparse_index(metric: Optional[str], params: dict[str, Any]) -> None:
    """A sparse inverted index's build params (SPARSE_INVERTED_INDEX, SPARSE_WAND; IP or BM25)."""
    algo = params.get("inverted_index_algo")
    if algo is not None and str(algo) not in SPARSE_ALGOS:
        raise invalid_parameter(f"sparse inverted index algo {algo} not found or not supported, supported: "
                                f"[{' '.join(SPARSE_ALGOS)}]")
    check_ranges(params, SPARSE_TRAIN_RANGES, build=True)
    if metric == "BM25":
        check_ranges(params, BM25_RANGES, build=True)
    codec = params.get("inverted_index_codec")
    if codec is not None and str(codec) and str(codec) not in SPARSE_CODECS:
        raise invalid_parameter(f"inverted_index_codec {codec} not found or not supported, supported: "
                                f"[{' '.join(SPARSE_CODECS)}]")
    quant = params.get("quant_type")
    if quant is not None and str(quant) != "" and metric in QUANT_TYPES:
        allowed = QUANT_TYPES[metric]
        if str(quant) not in allowed:
            raise invalid_parameter(f"quant_type for {metric} metric must be '{allowed[0]}' or '{allowed[1]}', "
                                    f"got '{quant}'")


def check_sparse_search(params: dict[str, Any]) -> None:
    """Sparse search params' ranges (``should be in range [0.500000, 1.300000]``)."""
    check_ranges(params, SPARSE_SEARCH_RANGES)


#: MINHASH_LSH's build params (MinHashLSHConfig and BaseConfig's mh_* fields).
MINHASH_TRAIN_RANGES = {
    "mh_lsh_band": Range(-INT32_MAX - 1, INT32_MAX, integer=True),
    "mh_element_bit_width": Range(8, 256, integer=True),
    "mh_lsh_aligned_block_size": Range(4096, INT32_MAX, integer=True),
    "mh_lsh_bloom_false_positive_prob": Range(0.0, 1.0),
}
#: ... and its search params.
MINHASH_SEARCH_RANGES = {"refine_k": Range(1, INT32_MAX, integer=True)}


def check_minhash_index(params: dict[str, Any]) -> None:
    """A MINHASH_LSH index's build params; an element width that is not whole bytes fails
    knowhere's build (``Expecting ... mh_element_bit_width % 8 == 0``), refused here at once."""
    check_ranges(params, MINHASH_TRAIN_RANGES, build=True)
    width = params.get("mh_element_bit_width")
    if width is not None and int(loaded(width)) % 8 != 0:
        raise invalid_parameter(f"mh_element_bit_width {width} is not a multiple of 8 (a MinHash element is "
                                "whole bytes)")


#: knowhere's MinHash defaults (BaseConfig): 8-bit elements, one band.
MINHASH_ELEMENT_BITS = 8
MINHASH_BANDS = 1


def minhash_shape(dim: int, params: Optional[dict[str, Any]]) -> tuple[int, int, int]:
    """(element bits, band bits, bands) of a ``dim``-bit signature under an index's params: the
    elements cut into ``mh_lsh_band`` bands of whole elements, the rest left out
    (OptimizeMinHashLSHParams: at least one band, at most one per element)."""
    params = params or {}
    width = int(loaded(params.get("mh_element_bit_width", MINHASH_ELEMENT_BITS)))
    bands = int(loaded(params.get("mh_lsh_band", MINHASH_BANDS)))
    elements = dim // width
    if elements == 0:
        return width, width, 0  # no whole element: no band, no hit
    if bands <= 0:
        bands = 1
    bands = min(bands, elements)
    return width, elements // bands * width, bands
