"""The MHJACCARD metric: searching MinHash signatures (BINARY_VECTOR fields) as knowhere does.

A signature is a row of ``mh_element_bit_width``-bit elements (an index param; knowhere's
default 8, a MINHASH function writes 32-bit hashes).  knowhere answers two ways
(src/index/minhash/minhash_util.cc):

* ``mh_search_with_jaccard``: the similarity, the share of equal elements (float32
  ``equal / elements``), of the k most similar rows; a row sharing no element is no hit.
* otherwise the MinHash LSH test: the first ``elements // bands * bands`` elements cut into
  ``mh_lsh_band`` bands (OptimizeMinHashLSHParams), a row is a hit (distance 1.0) when some band
  is equal as a whole; rows with no equal band are no hits.

Larger is closer.  The comparisons are SQL (sql/catalog/018_minhash.sql): ``mh_unequal`` counts
the windows of two signatures' XOR that hold a set bit (unequal elements or bands).  A
MINHASH_LSH index is a GIN index on the signatures' bands (``mh_bands``), so an LSH search asks
it for the rows sharing a band; a jaccard search compares every row, exactly, as Milvus's
brute-force path (growing segments) does, where Milvus's index first narrows it to LSH
candidates (``refine_k``).  Range search is refused as knowhere refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from psycopg import sql

from ..errors import ErrorCode, MilvusException
from ..schema import ddl, knowhere
from .sql import Metric


def _mask(windows: int, width: int, length: int) -> str:
    """A bit string of ``length`` bits with a 1 at the last bit of each of the first ``windows``
    windows of ``width`` bits."""
    return (("0" * (width - 1) + "1") * windows).ljust(length, "0")


@dataclass(frozen=True)
class MinHashMetric(Metric):
    """MHJACCARD on a ``dim``-bit signature column; ``raw`` is minus the similarity (or minus
    the LSH hit, 1 or 0), so the ascending order of every statement puts the closest first.
    ``indexed``: a MINHASH_LSH index holds the column's bands (ddl.mh_bands_sql), so an LSH
    search asks it for the rows sharing a band instead of testing every row."""

    dim: int = 0
    element_bits: int = knowhere.MINHASH_ELEMENT_BITS
    band_bits: int = knowhere.MINHASH_ELEMENT_BITS
    bands: int = knowhere.MINHASH_BANDS
    jaccard: bool = False
    indexed: bool = False

    def _unequal(self, column: sql.Composable, query: sql.Composable, width: int, windows: int) -> sql.Composable:
        mask = sql.Literal(_mask(windows, width, self.dim))
        return sql.SQL("pgmilvus_catalog.mh_unequal(({} # {})::varbit, {}, {}::varbit)").format(
            column, query, sql.Literal(width), mask)

    def raw(self, column: sql.Composable, query: sql.Composable, exact: bool) -> sql.Composable:
        if self.jaccard:
            elements = self.dim // self.element_bits
            unequal = self._unequal(column, query, self.element_bits, elements)
            return sql.SQL("(-((({n} - {u})::real / {n}::real)))").format(n=sql.Literal(elements), u=unequal)
        if self.indexed:
            # Every row ``matches`` lets through is a hit (-1).  Written so it depends on the row: a
            # constant would leave ORDER BY the primary key alone, and the planner then walks the
            # key's B-tree testing each row's bands (it takes && to keep 15% of rows, where a band
            # is shared by a handful): 1.3-1.8 s on 50k x 128 hashes, against 5-9 ms through GIN.
            return sql.SQL("((-1)::real - (0 * length({}))::real)").format(column)
        unequal = self._unequal(column, query, self.band_bits, self.bands)
        return sql.SQL("(-(({} < {})::int::real))").format(unequal, sql.Literal(self.bands))

    def matches(self, column: sql.Composable, query: sql.Composable) -> Optional[sql.Composable]:
        if self.jaccard or not self.indexed:
            return None  # rows at 0 are dropped from the answer instead (Metric.positive_only)
        return sql.SQL("{} && {}").format(ddl.mh_bands_sql(column, self.band_bits, self.bands),
                                          ddl.mh_bands_sql(query, self.band_bits, self.bands))

    def milvus_sql(self, raw: sql.Composable) -> sql.Composable:
        return sql.SQL("(-({}))::real").format(raw)

    def to_milvus(self, raw: list[float]) -> list[float]:
        return [-d for d in raw]


def metric(dim: int, index_params: Optional[dict[str, Any]], indexed: bool,
           search_params: dict[str, Any]) -> MinHashMetric:
    """The MHJACCARD metric of one search: the index's element width and bands (Milvus passes the
    index's to a brute-force search too), the search's ``mh_search_with_jaccard``."""
    knowhere.check_ranges(search_params, knowhere.MINHASH_SEARCH_RANGES)
    width, band_bits, bands = knowhere.minhash_shape(dim, index_params)
    return MinHashMetric("MHJACCARD", "", "", False, True, positive_only=True, dim=dim, element_bits=width,
                         band_bits=band_bits, bands=bands, indexed=indexed and bands > 0,
                         jaccard=_flag(search_params.get("mh_search_with_jaccard", False)))


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def refuse_range() -> MilvusException:
    """knowhere's range search of MHJACCARD (brute_force.cc), as the query node reports it."""
    return MilvusException(ErrorCode.SERVER_ERROR, "fail to search on QueryNode: minhash not support range search.")
