"""SUBSTRUCTURE / SUPERSTRUCTURE searches of binary vectors (BIN_FLAT's metrics in Milvus).

knowhere's ``binary_knn_mc``: a row is a hit when it holds every bit of the query
(SUBSTRUCTURE) or has no bit outside it (SUPERSTRUCTURE); every hit is at distance 0, there is
no nearer or farther, and fewer than ``limit`` rows may match.  pgmilvus returns the matching
rows in primary-key order; the truth here is numpy's, on the same bits.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pytest

from pgmilvus import AnnSearchRequest, DataType, MilvusClient, MilvusException, RRFRanker, WeightedRanker

NAME, DIM, ROWS = "st", 32, 300
_SEARCH_FAILED = ("fail to search on QueryNode: worker query failed: N6milvus21ExecOperatorExceptionE "
                  ":Operator::GetOutput failed: ")


def _bits(seed: int, shape: tuple[int, ...], ones: float) -> np.ndarray:
    return (np.random.default_rng(seed).random(shape) < ones).astype(np.uint8)


#: Rows with few bits (a superstructure query holds some of them whole), a NULL vector every 50th.
BITS = _bits(1, (ROWS, DIM), 0.2)
NULLS = set(range(0, ROWS, 50))
#: Queries per metric: one or two bits (many rows hold them), most bits (many rows lie within), none
#: (every row holds it, only an all-zero row lies within it).
def _ones(*positions: int) -> np.ndarray:
    bits = np.zeros(DIM, np.uint8)
    bits[list(positions)] = 1
    return bits


QUERIES = {"SUBSTRUCTURE": [_ones(5), _ones(3, 17), np.zeros(DIM, np.uint8)],
           "SUPERSTRUCTURE": [_bits(4, (DIM,), 0.75), _bits(5, (DIM,), 0.85), np.zeros(DIM, np.uint8)]}


def _packed(bits: np.ndarray) -> bytes:
    return np.packbits(bits).tobytes()


def _make(client: MilvusClient, metric: str, index_type: Optional[str] = "BIN_FLAT") -> None:
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("b", DataType.BINARY_VECTOR, dim=DIM, nullable=True)
    schema.add_field("cat", DataType.INT64)
    client.create_collection(NAME, schema=schema)
    client.insert(NAME, [{"id": i, "b": None if i in NULLS else _packed(BITS[i]), "cat": i % 3} for i in range(ROWS)])
    if index_type is not None:
        index = client.prepare_index_params()
        index.add_index("b", index_type=index_type, metric_type=metric)
        client.create_index(NAME, index)


def truth(metric: str, query: np.ndarray, keep: Any = lambda i: True) -> list[int]:
    """The matching rows' keys in key order (numpy's rule on the same bits)."""
    inside = (BITS & query) == (query if metric == "SUBSTRUCTURE" else BITS)
    return [i for i in range(ROWS) if i not in NULLS and inside[i].all() and keep(i)]


# metric, search kwargs (besides data), the filter on keys numpy applies, offset
CASES = [
    ("SUBSTRUCTURE", dict(limit=5), None, 0),
    ("SUBSTRUCTURE", dict(limit=16384), None, 0),                 # fewer rows match than the limit
    ("SUBSTRUCTURE", dict(limit=7, offset=3), None, 3),
    ("SUBSTRUCTURE", dict(limit=50, filter="cat == 1"), lambda i: i % 3 == 1, 0),
    ("SUPERSTRUCTURE", dict(limit=5), None, 0),
    ("SUPERSTRUCTURE", dict(limit=16384), None, 0),
    ("SUPERSTRUCTURE", dict(limit=4, offset=2, filter="cat != 0"), lambda i: i % 3 != 0, 2),
]


@pytest.mark.parametrize("metric, kwargs, keep, offset", CASES)
def test_hits_are_the_matching_rows_at_distance_zero(client: MilvusClient, metric: str, kwargs: dict,
                                                    keep: Any, offset: int) -> None:
    _make(client, metric)
    queries = QUERIES[metric]
    res = client.search(NAME, [_packed(q) for q in queries], anns_field="b", **kwargs)
    assert len(res) == len(queries)
    for q, hits in zip(queries, res):
        expected = truth(metric, q, keep or (lambda i: True))[offset:offset + kwargs["limit"]]
        assert [h["id"] for h in hits] == expected
        assert all(h["distance"] == 0.0 for h in hits)


@pytest.mark.parametrize("metric", ["SUBSTRUCTURE", "SUPERSTRUCTURE"])
def test_described_and_searched_without_naming_the_metric(client: MilvusClient, metric: str) -> None:
    _make(client, metric)
    described = client.describe_index(NAME, "b")
    assert (described["index_type"], described["metric_type"]) == ("BIN_FLAT", metric)
    q = QUERIES[metric][0]
    named = client.search(NAME, [_packed(q)], limit=9, search_params={"metric_type": metric})
    assert [h["id"] for h in named[0]] == truth(metric, q)[:9]
    assert [h["id"] for h in client.search(NAME, [_packed(q)], limit=9)[0]] == truth(metric, q)[:9]


def test_without_an_index_the_search_names_the_metric(client: MilvusClient) -> None:
    """Milvus loads no unindexed collection; pgmilvus searches one exactly, by the metric asked for."""
    _make(client, "", index_type=None)
    q = QUERIES["SUPERSTRUCTURE"][1]
    res = client.search(NAME, [_packed(q)], limit=20, search_params={"metric_type": "SUPERSTRUCTURE"})
    assert [h["id"] for h in res[0]] == truth("SUPERSTRUCTURE", q)[:20]


# the index's metric, search params, code, message
REFUSED = [
    ("SUBSTRUCTURE", {"metric_type": "SUPERSTRUCTURE"}, 1100,
     "metric type not match: invalid parameter[expected=SUBSTRUCTURE][actual=SUPERSTRUCTURE]"),
    ("SUBSTRUCTURE", {"metric_type": "HAMMING"}, 1100,
     "metric type not match: invalid parameter[expected=SUBSTRUCTURE][actual=HAMMING]"),
    ("SUBSTRUCTURE", {"params": {"radius": 1}}, 65535, _SEARCH_FAILED + "Substructure not support range_search"),
    ("SUPERSTRUCTURE", {"params": {"radius": 2, "range_filter": 0}}, 65535,
     _SEARCH_FAILED + "Superstructure not support range_search"),
]


@pytest.mark.parametrize("metric, params, code, message", REFUSED)
def test_refused_searches(client: MilvusClient, metric: str, params: dict, code: int, message: str) -> None:
    _make(client, metric)
    with pytest.raises(MilvusException) as info:
        client.search(NAME, [_packed(QUERIES[metric][0])], limit=3, search_params=params)
    assert (info.value.code, info.value.message) == (code, message)


def test_hybrid_search_scores_every_hit_alike(client: MilvusClient) -> None:
    """A hit's distance 0 normalises to 1 (Milvus's 1 - 2·atan(d)/π for distances)."""
    _make(client, "SUBSTRUCTURE")
    q = QUERIES["SUBSTRUCTURE"][0]
    expected = truth("SUBSTRUCTURE", q)[:6]
    request = AnnSearchRequest([_packed(q)], "b", {"metric_type": "SUBSTRUCTURE"}, 6)
    weighted = client.hybrid_search(NAME, [request], WeightedRanker(1.0), limit=6)
    assert sorted(h["id"] for h in weighted[0]) == expected
    assert all(h["distance"] == pytest.approx(1.0) for h in weighted[0])
    fused = client.hybrid_search(NAME, [request], RRFRanker(), limit=6)
    assert sorted(h["id"] for h in fused[0]) == expected


def test_search_iterator_pages_through_every_match(client: MilvusClient) -> None:
    _make(client, "SUPERSTRUCTURE")
    q = QUERIES["SUPERSTRUCTURE"][0]
    iterator = client.search_iterator(NAME, [_packed(q)], anns_field="b", batch_size=4)
    seen = []
    while page := iterator.next():
        seen += [h["id"] for h in page]
    iterator.close()
    assert seen == truth("SUPERSTRUCTURE", q)
