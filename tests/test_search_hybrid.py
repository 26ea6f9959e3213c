"""hybrid_search (RRF / Weighted fusion per Milvus's rules) and search_iterator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pgmilvus import (AnnSearchRequest, DataType, MilvusClient, MilvusException, ParamError, RRFRanker,
                      WeightedRanker)
from pgmilvus.search.results import SearchPage

ROWS = 120


@pytest.fixture
def client(fresh_client):
    cli = fresh_client
    schema = cli.create_schema(enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("a", DataType.FLOAT_VECTOR, dim=6)
    schema.add_field("b", DataType.FLOAT_VECTOR, dim=6)
    schema.add_field("g", DataType.INT64)
    index = cli.prepare_index_params()
    index.add_index("a", index_type="FLAT", metric_type="L2")
    index.add_index("b", index_type="HNSW", metric_type="IP")
    cli.create_collection("h", schema=schema, index_params=index)
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((2, ROWS, 6)).astype(np.float32)
    cli.insert("h", [{"id": i, "a": a[i].tolist(), "b": b[i].tolist(), "g": i % 4, "tag": f"x{i}"}
                     for i in range(ROWS)])
    cli.vectors = (a, b)
    return cli


def _requests(client: MilvusClient, nq: int = 2) -> list[AnnSearchRequest]:
    a, b = client.vectors
    return [AnnSearchRequest(a[:nq].tolist(), "a", {"metric_type": "L2"}, 8),
            AnnSearchRequest(b[5:5 + nq].tolist(), "b", {"params": {"ef": 100}}, 6, expr="g != 1")]


def _single(client: MilvusClient, req: AnnSearchRequest) -> list[list[tuple[int, float]]]:
    res = client.search("h", req.data, limit=req.limit, anns_field=req.anns_field, filter=req.expr or "",
                        search_params=req.param)
    return [[(h["id"], h["distance"]) for h in hits] for hits in res]


def test_rrf_matches_the_formula(client: MilvusClient) -> None:
    reqs = _requests(client)
    singles = [_single(client, r) for r in reqs]
    res = client.hybrid_search("h", reqs, RRFRanker(k=10), limit=5, output_fields=["g", "tag"])
    assert len(res) == 2
    for q, hits in enumerate(res):
        scores: dict[int, float] = {}
        for per in singles:
            for rank, (pk, _) in enumerate(per[q], start=1):
                scores[pk] = scores.get(pk, 0) + 1 / (10 + rank)
        expected = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        assert hits.ids == [pk for pk, _ in expected]
        assert hits.distances == pytest.approx([s for _, s in expected], rel=1e-6)
        assert all(h["entity"]["tag"] == f"x{h['id']}" and h["g"] == h["id"] % 4 for h in hits)


def test_a_sub_request_without_limit_takes_the_hybrid_window(client: MilvusClient) -> None:
    """Milvus 2.6 (parseSearchInfo): a sub-request's missing limit is the hybrid's limit + offset."""
    a, b = client.vectors
    reqs = [AnnSearchRequest(a[:1].tolist(), "a", {"metric_type": "L2"}, None),
            AnnSearchRequest(b[:1].tolist(), "b", {}, None)]
    res = client.hybrid_search("h", reqs, RRFRanker(), limit=4, offset=3)
    full = [AnnSearchRequest(a[:1].tolist(), "a", {"metric_type": "L2"}, 7), AnnSearchRequest(b[:1].tolist(), "b", {}, 7)]
    assert res[0].ids == client.hybrid_search("h", full, RRFRanker(), limit=4, offset=3)[0].ids
    assert len(res[0]) == 4


@pytest.mark.parametrize("norm", [True, False])
def test_weighted_matches_the_formula(client: MilvusClient, norm: bool) -> None:
    reqs = _requests(client, nq=1)
    singles = [_single(client, r)[0] for r in reqs]
    res = client.hybrid_search("h", reqs, WeightedRanker(0.3, 0.7, norm_score=norm), limit=6, offset=1)
    l2 = lambda x: 1 - 2 * math.atan(x) / math.pi  # noqa: E731
    ip = (lambda x: 0.5 + math.atan(x) / math.pi) if norm else (lambda x: x)
    scores: dict[int, float] = {}
    for weight, per, f in ((0.3, singles[0], l2), (0.7, singles[1], ip)):
        for pk, d in per:
            scores[pk] = scores.get(pk, 0) + weight * f(d)
    expected = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[1:7]
    assert res[0].ids == [pk for pk, _ in expected]
    assert res[0].distances == pytest.approx([s for _, s in expected], rel=1e-5)
    assert res[0][0]["entity"] == {}


def test_hybrid_errors(client: MilvusClient) -> None:
    reqs = _requests(client)
    with pytest.raises(MilvusException, match="the length of weights param mismatch"):
        client.hybrid_search("h", reqs, WeightedRanker(1.0), limit=3)
    with pytest.raises(TypeError, match="Weight must be a number"):
        WeightedRanker(True)
    with pytest.raises(ParamError, match="Provide either 'expr' or 'filter'"):
        AnnSearchRequest([[0.0] * 6], "a", {}, 3, expr="g == 1", filter="g == 2")
    with pytest.raises(ParamError, match="`limit` value 0 is illegal"):
        client.hybrid_search("h", reqs, RRFRanker(), limit=0)
    assert str(RRFRanker()) == "{'strategy': 'rrf', 'params': {'k': 60}}"
    assert WeightedRanker(0.5, 0.5).dict() == {"strategy": "weighted",
                                               "params": {"weights": [0.5, 0.5], "norm_score": True}}


def _grouped(hits: list[tuple[int, float]], size: int, scorer: str, limit: int) -> list[tuple[int, float]]:
    """Milvus 2.6's regrouping of fused hits, written out plainly (g = id % 4 here)."""
    groups: dict[int, list[tuple[int, float]]] = {}
    for pk, score in sorted(hits, key=lambda h: (-h[1], h[0])):
        if len(groups.setdefault(pk % 4, [])) < size:
            groups[pk % 4].append((pk, score))
    agg = {"max": max, "sum": sum, "avg": lambda s: sum(s) / len(s)}[scorer]
    ranked = sorted(groups.values(), key=lambda m: (-agg([s for _, s in m]), -len(m), m[0][0]))
    return [hit for members in ranked[:limit] for hit in members]


@pytest.mark.parametrize("scorer", [None, "max", "sum", "avg"])
def test_grouping_hybrid_search_groups_the_fused_hits(client: MilvusClient, scorer) -> None:
    reqs = _requests(client, nq=1)
    singles = [client.search("h", r.data, limit=r.limit, anns_field=r.anns_field, filter=r.expr or "",
                             search_params=r.param, group_by_field="g", group_size=2)[0] for r in reqs]
    scores: dict[int, float] = {}
    for per in singles:
        for rank, hit in enumerate(per, start=1):
            scores[hit["id"]] = scores.get(hit["id"], 0) + 1 / (60 + rank)
    extra = {"rank_group_scorer": scorer} if scorer else {}
    res = client.hybrid_search("h", reqs, RRFRanker(), limit=3, group_by_field="g", group_size=2,
                               output_fields=["g"], **extra)
    expected = _grouped(list(scores.items()), 2, scorer or "max", 3)
    assert res[0].ids == [pk for pk, _ in expected]
    assert res[0].distances == pytest.approx([s for _, s in expected], rel=1e-6)
    assert len({h["g"] for h in res[0]}) == 3 and len(res[0]) == 6


def test_grouping_hybrid_search_limit_counts_groups(fresh_client: MilvusClient) -> None:
    """Milvus's e2e case (weighted_groupby_l2_no_norm_score): ``limit`` counts groups, so two
    groups of two hits, the nearest group first and the farthest left out."""
    schema = fresh_client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v1", DataType.FLOAT_VECTOR, dim=8)
    schema.add_field("v2", DataType.FLOAT_VECTOR, dim=8)
    schema.add_field("category", DataType.VARCHAR, max_length=16)
    index = fresh_client.prepare_index_params()
    index.add_index("v1", index_type="FLAT", metric_type="L2")
    index.add_index("v2", index_type="FLAT", metric_type="L2")
    fresh_client.create_collection("gl2", schema=schema, index_params=index)
    rows = [(1, 0.1, "A"), (2, 0.2, "A"), (3, 0.5, "A"), (4, 1.0, "B"), (5, 2.0, "B"), (6, 5.0, "C")]
    fresh_client.insert("gl2", [{"id": i, "v1": [x] * 8, "v2": [x] * 8, "category": c} for i, x, c in rows])
    reqs = [AnnSearchRequest([[0.0] * 8], field, {"level": 1}, 10) for field in ("v1", "v2")]
    res = fresh_client.hybrid_search("gl2", reqs, WeightedRanker(0.5, 0.5), limit=2, group_by_field="category",
                                     group_size=2, output_fields=["category"])
    assert [(h["id"], h["category"]) for h in res[0]] == [(1, "A"), (2, "A"), (4, "B"), (5, "B")]


def test_grouping_hybrid_search_errors(client: MilvusClient) -> None:
    reqs = _requests(client, nq=1)
    with pytest.raises(MilvusException, match="input group scorer type: median is not supported!: invalid"):
        client.hybrid_search("h", reqs, RRFRanker(), limit=3, group_by_field="g", rank_group_scorer="median")
    with pytest.raises(MilvusException, match="unsupported data type VECTOR_FLOAT for group by operator"):
        client.hybrid_search("h", reqs, RRFRanker(), limit=3, group_by_field="a")
    # with the dynamic field on, a name that is no field is a dynamic key: here in no row, one null group
    assert len(client.hybrid_search("h", reqs, RRFRanker(), limit=3, group_by_field="nope", group_size=2)[0]) == 2


@pytest.mark.parametrize("field", ["a", "b"])
def test_search_iterator_pages_in_distance_order(client: MilvusClient, field: str) -> None:
    a, b = client.vectors
    query = (a if field == "a" else b)[0].tolist()
    full = client.search("h", [query], limit=ROWS, anns_field=field, filter="g != 2")[0]
    it = client.search_iterator("h", [query], batch_size=7, anns_field=field, filter="g != 2",
                                output_fields=["g"])
    pages = []
    while True:
        page = it.next()
        assert isinstance(page, SearchPage)
        if not page:
            break
        assert len(page) <= 7
        pages.append(page)
    it.close()
    got = [h for page in pages for h in page]
    assert [h["id"] for h in got] == full.ids
    assert all(h["g"] != 2 for h in got)
    assert len(pages) == math.ceil(len(full) / 7)


def test_search_iterator_limit_and_errors(client: MilvusClient) -> None:
    a, _ = client.vectors
    it = client.search_iterator("h", [a[0].tolist()], batch_size=4, limit=10, anns_field="a")
    sizes = []
    while page := it.next():
        sizes.append(len(page))
    assert sizes == [4, 4, 2]
    with pytest.raises(ParamError, match="batch size cannot be larger than 16384"):
        client.search_iterator("h", [a[0].tolist()], batch_size=20000, anns_field="a")
    with pytest.raises(ParamError, match="does not support processing multiple vectors"):
        client.search_iterator("h", a[:2].tolist(), anns_field="a")
    with pytest.raises(ParamError, match="Offset is not supported"):
        client.search_iterator("h", [a[0].tolist()], anns_field="a", offset=3)
    with pytest.raises(MilvusException, match="collection not found"):
        client.search_iterator("nope", [a[0].tolist()])


@pytest.mark.parametrize("index_type", ["HNSW", "FLAT", "IVF_FLAT"])
def test_search_iterator_returns_every_tied_hit_once(fresh_db: str, index_type: str) -> None:
    """Duplicate vectors tie at exactly the same distance; pages that cut through a tie must
    neither skip nor repeat any of them (an index scan orders ties arbitrarily)."""
    cli = MilvusClient(fresh_db)
    try:
        cli.create_collection("ties", dimension=3, metric_type="L2", auto_id=False)
        if index_type != "HNSW":  # pgvector's ivfflat has no strict_order iterative scan
            cli.release_collection("ties")
            cli.drop_index("ties", "vector")
            cli.create_index("ties", cli.prepare_index_params("vector", index_type=index_type, metric_type="L2",
                                                              params={"nlist": 2} if index_type == "IVF_FLAT" else {}))
        base = [[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 3.0], [4.0, 4.0, 0.0]]
        cli.insert("ties", [{"id": i, "vector": base[i % 4]} for i in range(40)])  # 10 copies each
        it = cli.search_iterator("ties", [[0.0, 0.0, 0.0]], batch_size=3)
        got = []
        while page := it.next():
            got.extend((h["id"], h["distance"]) for h in page)
        ids = [i for i, _ in got]
        assert sorted(ids) == list(range(40)) and len(ids) == 40
        distances = [d for _, d in got]
        assert distances == sorted(distances)
        assert sorted(set(distances)) == [1.0, 4.0, 9.0, 32.0]
    finally:
        cli.close()
