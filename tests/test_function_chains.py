"""search(function_chains=...): Milvus master's function chains (search/chains/, search/chained.py).

Four rows at known L2 distances from the query [0, 0] (0, 0.01, 0.04, 0.09: float32 values of
the squares); the expected orders and scores follow Milvus's rules: an L2_RERANK chain's ``$score``
is the distance returned and its result is the search's; an L0_RERANK chain's ``$score`` is the
similarity (an L2 distance negated), its hits are sorted by it and the distance returned is it
negated back.  Negative cases assert Milvus's exact messages (its Go wraps included).
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pytest

from pgmilvus import (DataType, Function, FunctionChain, FunctionChainStage, FunctionScore, FunctionType,
                      MilvusClient, MilvusException, ParamError)
from pgmilvus.function_chain import FunctionChainExpr, FunctionChainOp, col, fn

L0, L2 = FunctionChainStage.L0_RERANK, FunctionChainStage.L2_RERANK
ROWS = [  # id, vector, ts, f, s, b, nv (nullable)
    (1, [0.0, 0.0], 10, 0.5, "c", True, None),
    (2, [0.1, 0.0], 20, 0.25, "b", False, 5),
    (3, [0.2, 0.0], 30, 0.125, "a", True, 1),
    (4, [0.3, 0.0], 40, 2.0, "a", False, 2),
]
D = {i: float(np.float32(np.float32(v[0]) ** 2)) for i, v, *_ in ROWS}  # the L2 distances Milvus returns
TS = {i: ts for i, _, ts, *_ in ROWS}


@pytest.fixture
def client(fresh_client):
    schema = fresh_client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    for name, dtype, extra in [("ts", DataType.INT64, {}), ("f", DataType.FLOAT, {}),
                               ("s", DataType.VARCHAR, {"max_length": 8}), ("b", DataType.BOOL, {}),
                               ("nv", DataType.INT64, {"nullable": True}), ("j", DataType.JSON, {})]:
        schema.add_field(name, dtype, **extra)
    index = fresh_client.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="L2")
    fresh_client.create_collection("fc", schema=schema, index_params=index)
    fresh_client.insert("fc", [{"id": i, "v": v, "ts": ts, "f": f, "s": s, "b": b, "nv": nv, "j": {}}
                               for i, v, ts, f, s, b, nv in ROWS])
    return fresh_client


def chain(stage: FunctionChainStage, *ops: tuple) -> FunctionChain:
    """A chain from (method, args...) tuples: ("map", out, expr), ("sort", by, desc), ("limit", n)."""
    built = FunctionChain(stage, name="t")
    for method, *args in ops:
        getattr(built, method)(*args)
    return built


def raw(stage: FunctionChainStage, *ops: FunctionChainOp) -> FunctionChain:
    """A chain of hand-made ops (what a client without pymilvus's checks may send)."""
    built = FunctionChain(stage)
    built._ops.extend(ops)
    return built


def plus_ts(stage: FunctionChainStage = L2, **sort: Any) -> FunctionChain:
    built = chain(stage, ("map", "$score", fn.num_combine(col("$score"), col("ts"), mode="sum")))
    return built.sort(col("$score"), **sort) if stage == L2 else built


def _search(client: MilvusClient, chains: Any, limit: int = 4, **kwargs: Any) -> list[tuple[int, float]]:
    hits = client.search("fc", [[0.0, 0.0]], limit=limit, anns_field="v", function_chains=chains, **kwargs)[0]
    return [(h["id"], h["distance"]) for h in hits]


def f32(value: float) -> float:
    return float(np.float32(value))


SUM = {i: f32(D[i] + TS[i]) for i in D}
CASES = [  # chains, search kwargs, expected (id, distance), best first
    (plus_ts(), {}, [(i, SUM[i]) for i in (4, 3, 2, 1)]),
    (plus_ts(desc=False), {}, [(i, SUM[i]) for i in (1, 2, 3, 4)]),
    (plus_ts(), {"limit": 2}, [(2, SUM[2]), (1, SUM[1])]),  # L2: only the limit hits the search returned
    (plus_ts(), {"limit": 2, "offset": 1}, [(3, SUM[3]), (2, SUM[2])]),
    (chain(L2, ("limit", 2)), {}, [(1, D[1]), (2, D[2])]),
    (chain(L2, ("limit", 2, 1)), {}, [(2, D[2]), (3, D[3])]),
    (chain(L2, ("sort", col("s"), False)), {}, [(3, D[3]), (4, D[4]), (2, D[2]), (1, D[1])]),  # ties: $id
    (chain(L2, ("sort", "s", False, "ts")), {}, [(3, D[3]), (4, D[4]), (2, D[2]), (1, D[1])]),
    (chain(L2, ("sort", "ts", True)), {}, [(4, D[4]), (3, D[3]), (2, D[2]), (1, D[1])]),
    (chain(L2, ("map", "tmp", fn.num_combine(col("$score"), col("ts"), mode="sum")),
           ("map", "$score", fn.num_combine(col("tmp"), col("$score"), mode="sum")), ("sort", "$score")),
     {}, [(i, f32(SUM[i] + D[i])) for i in (4, 3, 2, 1)]),
    (chain(L2, ("map", "$score", fn.num_combine(col("f"), col("ts"), mode="multiply")), ("sort", "$score")),
     {}, [(4, 80.0), (1, 5.0), (2, 5.0), (3, 3.75)]),
    (chain(L2, ("map", "$score", fn.num_combine(col("f"), col("ts"), mode="max"))), {},
     [(i, float(TS[i])) for i in (1, 2, 3, 4)]),
    (chain(L2, ("map", "$score", fn.num_combine(col("f"), col("ts"), mode="min"))), {},
     [(1, 0.5), (2, 0.25), (3, 0.125), (4, 2.0)]),
    (chain(L2, ("map", "$score", fn.num_combine(col("f"), col("ts"), mode="avg"))), {},
     [(1, 5.25), (2, 10.125), (3, 15.0625), (4, 21.0)]),
    (chain(L2, ("map", "$score", fn.num_combine(col("f"), col("ts"), mode="weighted", weights=[2, -0.5]))), {},
     [(1, -4.0), (2, -9.5), (3, -14.75), (4, -16.0)]),
    (chain(L2, ("map", "$score", fn.num_combine(col("$score"), col("nv"), mode="sum")), ("sort", "$score")),
     {}, [(2, f32(D[2] + 5)), (4, f32(D[4] + 2)), (3, f32(D[3] + 1)), (1, 0.0)]),  # NULL: last, scored 0
    (chain(L2, ("map", "$score", fn.decay(col("ts"), function="gauss", origin=20, scale=10)),
           ("sort", "$score")), {}, [(2, 1.0), (1, 0.5), (3, 0.5), (4, f32(0.5 ** 4))]),
    (chain(L2, ("map", "$score", fn.decay(col("ts"), function="linear", origin=40, scale=20, offset=10))), {},
     [(1, 0.5), (2, 0.75), (3, 1.0), (4, 1.0)]),
    (chain(L2, ("map", "$score", fn.decay(col("ts"), function="exp", origin=10, scale=10, decay=0.25))), {},
     [(1, 1.0), (2, 0.25), (3, 0.0625), (4, 0.015625)]),
    (chain(L2, ("map", "$score", fn.num_combine(col("$score"), col("f"), mode="sum")),
           ("map", "$score", fn.round_decimal(col("$score"), decimal=1))), {},
     [(1, 0.5), (2, 0.3), (3, f32(0.2)), (4, f32(2.1))]),
    # L0: on the limit + offset nearest, sorted by the new similarity, then offset and limit
    (plus_ts(L0), {}, [(i, f32(-(TS[i] - D[i]))) for i in (4, 3, 2, 1)]),
    (plus_ts(L0), {"limit": 2, "offset": 1}, [(2, f32(-(TS[2] - D[2]))), (1, f32(-(TS[1] - D[1])))]),
    (chain(L0, ("map", "$score", fn.num_combine(col("$score"), col("$id"), mode="sum"))), {},
     [(i, f32(-(i - D[i]))) for i in (4, 3, 2, 1)]),
    ([plus_ts(L0), chain(L2, ("sort", "$score", False), ("limit", 2))], {},
     [(4, f32(-(TS[4] - D[4]))), (3, f32(-(TS[3] - D[3])))]),
]


@pytest.mark.parametrize("chains,kwargs,expected", CASES)
def test_chain_results(client: MilvusClient, chains: Any, kwargs: dict, expected: list) -> None:
    found = _search(client, chains, **{"limit": 4, **kwargs})
    assert [i for i, _ in found] == [i for i, _ in expected]
    assert [d for _, d in found] == pytest.approx([d for _, d in expected], rel=1e-6, abs=1e-6)


def test_hidden_input_and_outputs(client: MilvusClient) -> None:
    """A field the chain reads is not returned unless asked for; a temporary column never is."""
    hits = client.search("fc", [[0.0, 0.0]], limit=4, anns_field="v", output_fields=["s"],
                         function_chains=chain(L2, ("map", "tmp", fn.num_combine(col("$score"), col("ts"))),
                                               ("map", "$score", fn.num_combine(col("tmp"), col("ts"))),
                                               ("sort", "$score")))[0]
    assert [h["id"] for h in hits] == [4, 3, 2, 1]
    assert [h["entity"] for h in hits] == [{"s": "a"}, {"s": "a"}, {"s": "b"}, {"s": "c"}]


def test_pymilvus_chain_objects(client: MilvusClient) -> None:
    """pymilvus 3's own FunctionChain objects are read like pgmilvus's."""
    pymilvus_chain = pytest.importorskip("pymilvus.function_chain")
    built = pymilvus_chain.FunctionChain(pymilvus_chain.FunctionChainStage.L2_RERANK).map(
        "$score", pymilvus_chain.fn.num_combine(pymilvus_chain.col("$score"), pymilvus_chain.col("ts"))).sort(
        pymilvus_chain.col("$score"))
    assert [i for i, _ in _search(client, built)] == [4, 3, 2, 1]


def test_no_hits_runs_no_chain(client: MilvusClient) -> None:
    """Milvus builds an L2 chain only for hits: a search finding none returns none, unchecked."""
    assert _search(client, chain(L2, ("map", "$score", FunctionChainExpr("nope", (col("ts"),)))),
                   filter="ts > 100") == []


def _boost() -> FunctionScore:
    return FunctionScore([Function("b", FunctionType.RERANK, [], [], params={"reranker": "boost", "weight": 1.5})])


def _num(*names: str, **params: Any) -> FunctionChainExpr:
    return FunctionChainExpr("num_combine", tuple(col(n) for n in names), params)


def _map(out: str, expr: FunctionChainExpr) -> FunctionChainOp:
    return FunctionChainOp("map", expr, outputs=(out,))


def _xgb(**params: Any) -> FunctionChainExpr:
    return FunctionChainExpr("xgboost", (col("f"),), {"model_resource": "m", **params})


BUILD = ": invalid parameter: invalid parameter: service internal error"  # operator[i]: map function: ...
WRAPPED3 = ": invalid parameter: invalid parameter: invalid parameter"  # function chain[i]: op[j] ...: ...
ORDER_BY = ("order_by and function rerank cannot be used together: they specify conflicting sort criteria: invalid "
            "parameter")
REFUSED = [  # chains, search kwargs, exception class, code, message
    (plus_ts(), {"ranker": _boost()}, ParamError, 1, "function_chains and ranker cannot be used together"),
    (FunctionChain(FunctionChainStage.UNSPECIFIED), {}, ParamError, 1,
     "UNSPECIFIED function chain stage is not supported for search"),
    ("chain", {}, ParamError, 1, "function_chains must be a FunctionChain or a list of FunctionChain"),
    (chain(L2, ("map", "$id", _num("$score", "ts"))), {}, MilvusException, 1100,
     'function chain[0]: op[0] output "$id": system output "$id" is not writable by L2 rerank function chain'
     + WRAPPED3),
    (chain(L2, ("map", "$tmp", _num("$score", "ts"))), {}, MilvusException, 1100, 'function chain[0]: op[0] '
     'output "$tmp": system output "$tmp" is not writable by L2 rerank function chain' + WRAPPED3),
    (chain(L2, ("map", "$score", _num("$seg_offset", "$score"))), {}, MilvusException, 1100,
     'function chain[0]: op[0] input "$seg_offset": system input "$seg_offset" is not supported by L2 rerank '
     "function chain" + WRAPPED3),
    (chain(L2, ("map", "$score", _num("nope", "$score"))), {}, MilvusException, 1100,
     'function chain input "nope" is neither a previous output nor a collection field: invalid parameter'),
    (chain(L2, ("sort", "j")), {}, MilvusException, 1100,
     'function chain input "j" has unsupported field type JSON: invalid parameter'),
    (FunctionChain(L2), {}, MilvusException, 1100, "function chain[0] must contain at least one op: invalid parameter"),
    ([plus_ts(), plus_ts()], {}, MilvusException, 1100,
     "function chain stage FunctionChainStageL2Rerank appears more than once: invalid parameter"),
    (chain(FunctionChainStage.L1_RERANK, ("limit", 1)), {}, MilvusException, 1100,
     "function chain[0] stage FunctionChainStageL1Rerank is not supported yet: invalid parameter"),
    ([plus_ts(), chain(FunctionChainStage.INGESTION, ("limit", 1))], {}, MilvusException, 1100,
     "function chain[1] stage FunctionChainStageIngestion is not supported in search request: invalid parameter"),
    (plus_ts(), {"order_by_fields": [{"field": "ts", "order": "asc"}]}, MilvusException, 1100,
     ORDER_BY),
    (plus_ts(L0), {"order_by_fields": [{"field": "ts", "order": "asc"}]}, MilvusException, 1100,
     ORDER_BY),
    (chain(L0, ("sort", "$score")), {}, MilvusException, 1100,
     'querynode function chain[0]: op[0] type "sort" is not supported by L0 rerank function chain: invalid '
     "parameter"),
    (chain(L0, ("map", "$id", _num("$score", "ts"))), {}, MilvusException, 1100,
     'querynode function chain[0]: op[0] system output "$id" is not writable by L0 rerank function chain: '
     "invalid parameter"),
    (chain(L0, ("map", "$score", _num("$seg_offset", "$score"))), {}, MilvusException, 1100,
     'querynode function chain[0]: system input "$seg_offset" is not readable by L0 rerank function chain: '
     "invalid parameter"),
    (chain(L0, ("map", "$score", _num("$tmp", "$score"))), {}, MilvusException, 1100,
     'querynode function chain[0]: system input "$tmp" is not readable by L0 rerank function chain: invalid '
     "parameter"),
    (chain(L2, ("map", "$score", FunctionChainExpr("foo", (col("ts"),)))), {}, MilvusException, 1100,
     "operator[0]: map function: unknown function: foo" + BUILD),
    (raw(L2, FunctionChainOp("bogus")), {}, MilvusException, 1100,
     "operator[0]: unknown operator type: bogus: invalid parameter: service internal error"),
    (raw(L2, FunctionChainOp("limit", params={"limit": 0})), {}, MilvusException, 1100,
     "operator[0]: limit_op: limit must be positive: invalid parameter: service internal error"),
    (raw(L2, FunctionChainOp("limit")), {}, MilvusException, 1100,
     'operator[0]: limit_op: missing required parameter "limit": invalid parameter: service internal error'),
    (raw(L2, FunctionChainOp("sort", inputs=("ts",), params={"desc": "yes"})), {}, MilvusException, 1100,
     'operator[0]: sort_op: parameter "desc" must be a bool: invalid parameter: service internal error'),
    (raw(L2, _map("$score", _num("$score", "ts", mode="weighted"))), {}, MilvusException, 1100,
     "operator[0]: map function: num_combine: weighted mode requires weights" + BUILD),
    (raw(L2, _map("$score", _num("$score", "ts", mode="median"))), {}, MilvusException, 1100,
     'operator[0]: map function: num_combine: invalid mode "median", must be one of [multiply, sum, max, min, '
     "avg, weighted]" + BUILD),
    (raw(L2, _map("$score", FunctionChainExpr("num_combine", (col("$score"), 2.0)))), {}, MilvusException, 1100,
     "operator[0]: map function: num_combine: literal expr arg[1] is not supported" + BUILD),
    (raw(L2, _map("$score", FunctionChainExpr("decay", (col("ts"),), {"function": "exp", "origin": 0, "scale": 0}))),
     {}, MilvusException, 1100, "operator[0]: map function: decay: scale must be > 0, got 0.000000" + BUILD),
    (raw(L2, _map("$score", FunctionChainExpr("decay", (col("ts"),), {"origin": 0, "scale": 1}))), {},
     MilvusException, 1100, 'operator[0]: map function: decay: missing required parameter "function"' + BUILD),
    (raw(L2, _map("$score", FunctionChainExpr("round_decimal", (col("$score"),), {"decimal": 7}))), {},
     MilvusException, 1100, "operator[0]: map function: round_decimal: decimal must be in range [0, 6], got 7" + BUILD),
    (chain(L2, ("map", "$score", _num("$score", "s"))), {}, MilvusException, 1100,
     "Map failed: num_combine: column 1: unsupported input column type *array.String, expected numeric type: "
     "invalid parameter"),
    (chain(L2, ("map", "$score", fn.round_decimal(col("ts"), decimal=1))), {}, MilvusException, 1100,
     "Map failed: round_decimal: input chunk 0 must be Float32, got *array.Int64: invalid parameter"),
    (chain(L2, ("map", "$score", fn.decay(col("s"), function="exp", origin=0, scale=1))), {}, MilvusException, 1100,
     "Map failed: decay: unsupported input column type *array.String, expected numeric type: invalid parameter: "
     "service internal error"),
    (chain(L2, ("sort", "b")), {}, MilvusException, 5,
     "Sort failed: sort_op: column b has non-comparable type bool: service internal error"),
    (raw(L2, FunctionChainOp("filter", _num("$score", "ts"))), {}, MilvusException, 5,
     "operator[0]: filter_op: function must return boolean type, got float32: service internal error: service "
     "internal error"),
    (raw(L2, FunctionChainOp("group_by", params={"field": "s"})), {}, MilvusException, 3000,
     'the "group_by" operator of function chains is not supported by pgmilvus: group the search with '
     "group_by_field instead"),
    (plus_ts(), {"group_by_field": "s"}, MilvusException, 3000,
     "function_chains in a grouping search are not supported by pgmilvus: search without group_by_field"),
    (chain(L2, ("map", "$score", _xgb(output="raw"))), {}, MilvusException, 1100,
     'operator[0] function "xgboost" does not support stage "L2_rerank": invalid parameter'),
    (chain(L0, ("map", "$score", _xgb(output="probability"))), {}, MilvusException, 1100,
     'operator[0]: map function: xgboost: output must be one of [default, raw], got "probability"' + BUILD),
    (chain(L0, ("map", "$score", _xgb(objective="x"))), {}, MilvusException, 1100,
     'operator[0]: map function: xgboost: parameter "objective" is not supported' + BUILD),
    (chain(L0, ("map", "$score", _xgb())), {}, MilvusException, 1100,
     'Map failed: xgboost: file resource "m" not found: invalid parameter; pgmilvus has no file resources and '
     "does not run XGBoost models: score the hits in your application"),
    (chain(L2, ("map", "$score", fn.rerank_model(col("s"), queries=["q"], provider="cohere"))), {}, MilvusException,
     3000, "rerank_model (provider cohere) is not supported by pgmilvus: it calls a network service; rerank the hits "
     "in your application"),
]


@pytest.mark.parametrize("chains,kwargs,exc,code,message", REFUSED)
def test_refused(client: MilvusClient, chains: Any, kwargs: dict, exc: type, code: int, message: str) -> None:
    with pytest.raises(exc) as info:
        _search(client, chains, **kwargs)
    assert (info.value.code, info.value.message) == (code, message)


def test_hybrid_search_refuses_chains(client: MilvusClient) -> None:
    from pgmilvus import AnnSearchRequest, RRFRanker

    req = AnnSearchRequest([[0.0, 0.0]], "v", {"metric_type": "L2"}, limit=2)
    with pytest.raises(ParamError) as info:
        client.hybrid_search("fc", [req], RRFRanker(), function_chains=plus_ts())
    assert info.value.message == "function_chains is not supported for hybrid_search yet"


def test_search_iterator_refuses_chains(client: MilvusClient) -> None:
    with pytest.raises(MilvusException) as info:
        client.search_iterator("fc", [[0.0, 0.0]], batch_size=2, anns_field="v", function_chains=plus_ts())
    assert (info.value.code, info.value.message) == (3000, "search_iterator(function_chains=...) is not supported "
                                                           "by pgmilvus: function chains apply to search()")


BUILDER = [  # what pymilvus's builder refuses, with its texts
    (lambda: col(""), "Column name must not be empty"),
    (lambda: FunctionChain(9), "Unknown function chain stage: 9"),
    (lambda: FunctionChain(L2).map("", fn.num_combine(col("a"), col("b"))),
     "Function chain map output must be a non-empty string"),
    (lambda: FunctionChain(L2).limit(0), "Function chain limit must be a positive integer"),
    (lambda: FunctionChain(L2).sort(col("a"), desc="yes"), "Function chain sort desc must be a boolean"),
    (lambda: fn.num_combine(col("a")), "fn.num_combine requires at least two columns"),
    (lambda: fn.num_combine(col("a"), "b"), "fn.num_combine argument must be created by col(...)"),
    (lambda: fn.num_combine(col("a"), col("b"), mode="weighted"), "num_combine mode='weighted' requires weights"),
    (lambda: fn.decay(col("a"), function="cubic", origin=0, scale=1),
     "Unsupported decay function: cubic, expected one of ['exp', 'gauss', 'linear']"),
    (lambda: fn.round_decimal(col("a"), decimal=7), "round_decimal decimal must be an integer in [0, 6]"),
    (lambda: fn.xgboost(col("a"), model_resource="m", output="p"),
     "Unsupported xgboost output: p, expected one of ['default', 'raw']"),
]


@pytest.mark.parametrize("build,message", BUILDER)
def test_builder_refuses(build: Any, message: Optional[str]) -> None:
    with pytest.raises(ParamError) as info:
        build()
    assert info.value.message == message


