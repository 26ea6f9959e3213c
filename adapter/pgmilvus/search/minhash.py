"""The MHJACCARD metric: searching MinHash signatures (BINARY_VECTOR fields) as knowhere does.

A signature is a row of ``mh_element_bit_width``-bit elements (an index param; knowhere's
default 8, a MINHASH function writes 32-bit hashes).  knowhere answers two ways
(src/index/minhash/minhash_util.cc):

* ``mh_search_with_jaccard``: the similarity, the share of equal elements (float32
  ``equal / elements``), of the k most similar rows; a row sharing no element is no hit.
* otherwise the MinHash LSH test: the first ``elements // bands * bands`` elements cut into
  ``mh_lsh_band`` bands (OptimizeMinHashLSHParams), a row is a hit (distance 1.0) when some band
  is equal as a whole; rows with no equal band are no hits.

Larger is closer.  There is no PostgreSQL index for either: every search compares each row's
signature, in SQL (pgmilvus_catalog.mh_unequal, sql/catalog/018_minhash.sql, counts the windows
of a XOR that hold a set bit).  Milvus's MINHASH_LSH index narrows a jaccard search to LSH
candidates first (``refine_k``); here the jaccard ranking is exact, as Milvus's brute-force path
(growing segments) gives it.  Range search is refused as knowhere refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from psycopg import sql

from ..errors import ErrorCode, MilvusException
from ..schema import knowhere
from .sql import Metric

#: knowhere's defaults (BaseConfig): 8-bit elements, one band.
DEFAULT_ELEMENT_BITS = 8
DEFAULT_BANDS = 1


def _mask(windows: int, width: int, length: int) -> str:
    """A bit string of ``length`` bits with a 1 at the last bit of each of the first ``windows``
    windows of ``width`` bits."""
    return (("0" * (width - 1) + "1") * windows).ljust(length, "0")


@dataclass(frozen=True)
class MinHashMetric(Metric):
    """MHJACCARD on a ``dim``-bit signature column; ``raw`` is minus the similarity (or minus
    the LSH hit, 1 or 0), so the ascending order of every statement puts the closest first."""

    dim: int = 0
    element_bits: int = DEFAULT_ELEMENT_BITS
    bands: int = DEFAULT_BANDS
    jaccard: bool = False

    @property
    def elements(self) -> int:
        return self.dim // self.element_bits

    def _band_shape(self) -> tuple[int, int]:
        """(bands, elements per band): OptimizeMinHashLSHParams."""
        n, bands = self.elements, self.bands
        if bands <= 0:
            return 1, n
        if bands > n:
            return n, 1
        return bands, n // bands

    def _unequal(self, column: sql.Composable, query: sql.Composable, width: int, windows: int) -> sql.Composable:
        mask = sql.Literal(_mask(windows, width, self.dim))
        return sql.SQL("pgmilvus_catalog.mh_unequal(({} # {})::varbit, {}, {}::varbit)").format(
            column, query, sql.Literal(width), mask)

    def raw(self, column: sql.Composable, query: sql.Composable, exact: bool) -> sql.Composable:
        if self.jaccard:
            n = sql.Literal(self.elements)
            unequal = self._unequal(column, query, self.element_bits, self.elements)
            return sql.SQL("(-((({n} - {u})::real / {n}::real)))").format(n=n, u=unequal)
        bands, per_band = self._band_shape()
        unequal = self._unequal(column, query, per_band * self.element_bits, bands)
        return sql.SQL("(-(({} < {})::int::real))").format(unequal, sql.Literal(bands))

    def milvus_sql(self, raw: sql.Composable) -> sql.Composable:
        return sql.SQL("(-({}))::real").format(raw)

    def to_milvus(self, raw: list[float]) -> list[float]:
        return [-d for d in raw]


def metric(dim: int, index_params: Optional[dict[str, Any]], search_params: dict[str, Any]) -> MinHashMetric:
    """The MHJACCARD metric of one search: the index's band and element width (Milvus passes the
    index's to a brute-force search too), the search's ``mh_search_with_jaccard``."""
    index_params = index_params or {}
    knowhere.check_ranges(search_params, knowhere.MINHASH_SEARCH_RANGES)
    width = int(knowhere.loaded(index_params.get("mh_element_bit_width", DEFAULT_ELEMENT_BITS)))
    bands = int(knowhere.loaded(index_params.get("mh_lsh_band", DEFAULT_BANDS)))
    return MinHashMetric("MHJACCARD", "", "", False, True, positive_only=True, dim=dim, element_bits=width, bands=bands,
                         jaccard=_flag(search_params.get("mh_search_with_jaccard", False)))


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def refuse_range() -> MilvusException:
    """knowhere's range search of MHJACCARD (brute_force.cc), as the query node reports it."""
    return MilvusException(ErrorCode.SERVER_ERROR, "fail to search on QueryNode: minhash not support range search.")
