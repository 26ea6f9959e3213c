"""search_aggregation over the wire: unmodified pymilvus 3 against ``pgmilvus serve`` gets the buckets
pgmilvus in process gives (keys, counts, metrics, top hits with their fields, sub-buckets), and the
same refusals."""

from __future__ import annotations

import pytest

pytest.importorskip("pymilvus")

from pymilvus import DataType, MilvusException, SearchAggregation, TopHits  # noqa: E402

import pgmilvus  # noqa: E402
from tests.test_search_aggregation import build_shop  # noqa: E402

NAME = "agg"
Q = [[0.0, 0.0], [0.5, 0.0]]


@pytest.fixture
def shop(wire_client):
    build_shop(wire_client, DataType, NAME, 20)
    return wire_client


def tree(buckets) -> list:
    return [(b.key, b.count, b.metrics, [(h.pk, h.score, h.fields, h.field_ids()) for h in b.hits],
             tree(b.sub_groups)) for b in buckets]


def spec(module, **top):
    """The same aggregation built with pymilvus's classes or pgmilvus's."""
    return module.SearchAggregation(
        fields=["color"], size=2, metrics={"n": {"count": "*"}, "avg": {"avg": "rating"}, "far": {"max": "_score"},
                                           "lo": {"min": "brand"}, "w": {"sum": "weight"}},
        order=[{"avg": "desc"}], top_hits=module.TopHits(**top) if top else None,
        sub_aggregation=module.SearchAggregation(fields=["brand", "ok"], size=3, order=[{"_key": "asc"}],
                                                 top_hits=module.TopHits(size=2, sort=[{"price": "desc"}])))


@pytest.mark.parametrize("top", [{}, {"size": 3, "sort": [{"_score": "asc"}]}, {"size": 1}])
def test_buckets_match_in_process(shop, local_client, top) -> None:
    outputs = ["price", "rating", "weight", "ok", "brand"]
    import pymilvus
    wire = shop.search(NAME, Q, limit=5, output_fields=outputs, search_aggregation=spec(pymilvus, **top))
    local = local_client.search(NAME, Q, limit=5, output_fields=outputs, search_aggregation=spec(pgmilvus, **top))
    assert [list(hits) for hits in wire] == [[], []]
    assert [tree(b) for b in wire.agg_buckets] == [tree(b) for b in local.agg_buckets]
    assert len(wire.agg_buckets) == 2 and all(wire.agg_buckets)


@pytest.mark.parametrize("agg, code, message", [
    (SearchAggregation(fields=["nope"], size=1), 1100, 'invalid group_by field "nope": field "nope" not found in '
                                                       "schema: invalid parameter"),
    (SearchAggregation(fields=["brand"], size=1, metrics={"m": {"sum": "color"}}), 1100,
     'invalid metric "m": aggregation operator sum does not support data type VarChar: invalid parameter'),
])
def test_refusals_as_in_process(shop, local_client, agg, code, message) -> None:
    with pytest.raises(MilvusException) as exc:
        shop.search(NAME, Q, limit=3, search_aggregation=agg)
    assert (exc.value.code, exc.value.message) == (code, message)


def test_offset_and_iterator_refused(shop) -> None:
    agg = SearchAggregation(fields=["brand"], size=1)
    with pytest.raises(MilvusException, match="offset is not supported with search_aggregation"):
        shop.search(NAME, Q, limit=3, offset=1, search_aggregation=agg)
    with pytest.raises(MilvusException, match="search iterator is not supported with search_aggregation"):
        shop.search_iterator(NAME, Q[:1], batch_size=3, search_aggregation=agg)
