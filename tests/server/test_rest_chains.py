"""``functionChains`` and ``functionScore`` on ``/v2/vectordb/entities/search`` (``pgmilvus serve
--rest``), as Milvus master's REST handler reads them: the hits pymilvus 3's FunctionChain / ranker
Function get over gRPC; the handler's own refusals (genFunctionChains, wrapped once per level) and
encoding/json's, table-driven; the core's with the texts the gRPC face answers."""

from __future__ import annotations

import pytest

pytest.importorskip("grpc")
pytest.importorskip("pymilvus.function_chain")
pytest.importorskip("requests")

from pymilvus import DataType, Function, FunctionType  # noqa: E402
from pymilvus.function_chain import FunctionChain, FunctionChainStage, col, fn  # noqa: E402

from tests.server.fix_rest import (UNMARSHAL, answers_as_over_grpc, post, rest_module_address,  # noqa: E402,F401
                                   rest_module_process)

NAME, SEARCH, Q = "chained", "/entities/search", [[0.0, 0.0]]
L0, L2 = "FunctionChainStageL0Rerank", "FunctionChainStageL2Rerank"
IP = ": invalid parameter"


@pytest.fixture
def coll(wire_client):
    schema = wire_client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("ts", DataType.INT64)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    index = wire_client.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="L2")
    wire_client.create_collection(NAME, schema=schema, index_params=index)
    wire_client.insert(NAME, [{"id": i, "ts": 7 * i % 5, "v": [i / 10, 0.0]} for i in range(8)])
    return wire_client


def _sum(output: str = "$score", *args: dict) -> dict:
    return {"op": "map", "outputs": [output], "expr": {"name": "num_combine", "params": {"mode": "sum"},
                                                       "args": list(args or ({"column": "$score"}, {"column": "ts"}))}}


def _chain(*ops: dict, stage: str = L2) -> dict:
    return {"name": "c", "stage": stage, "ops": list(ops)}


def _search(address: str, **body: object) -> dict:
    return post(address, SEARCH, {"collectionName": NAME, "data": Q, "annsField": "v", "limit": 6, **body})


def _hits(answer: dict) -> list:
    assert answer["code"] == 0, answer
    return [(int(row["id"]), round(row["distance"], 4), int(row["ts"])) for row in answer["data"]]


def _wire_hits(result: object) -> list:
    return [(h["id"], round(h["distance"], 4), h["entity"].get("ts")) for h in result[0]]


SCORE_SORT = {"op": "sort", "inputs": ["$score"], "params": {"column": "$score", "desc": True}}
SAME_AS_GRPC = [  # REST JSON, pymilvus's builder, search kwargs
    ([_chain(_sum(), SCORE_SORT)],
     FunctionChain(FunctionChainStage.L2_RERANK).map("$score", fn.num_combine(col("$score"), col("ts"), mode="sum"))
     .sort(col("$score"), desc=True), {}),
    ([_chain(_sum("tmp"), _sum("$score", {"column": "tmp"}, {"column": "$score"}), SCORE_SORT,
             {"op": "limit", "params": {"limit": 3.0, "offset": 1}})],
     FunctionChain(FunctionChainStage.L2_RERANK).map("tmp", fn.num_combine(col("$score"), col("ts"), mode="sum"))
     .map("$score", fn.num_combine(col("tmp"), col("$score"), mode="sum")).sort(col("$score"), desc=True)
     .limit(3, offset=1), {}),
    ([_chain({"op": "map", "outputs": ["$score"], "expr": {
        "name": "num_combine", "args": [{"column": "$score"}, {"column": "ts"}],
        "params": {"mode": "weighted", "weights": [1, 0.5]}}}, stage=L0)],
     FunctionChain(FunctionChainStage.L0_RERANK).map("$score", fn.num_combine(col("$score"), col("ts"),
                                                                              mode="weighted", weights=[1, 0.5])),
     {"offset": 2}),
    ([_chain(_sum(), stage=L0), _chain({"op": "limit", "params": {"limit": 2}})],
     [FunctionChain(FunctionChainStage.L0_RERANK).map("$score", fn.num_combine(col("$score"), col("ts"), mode="sum")),
      FunctionChain(FunctionChainStage.L2_RERANK).limit(2)], {}),
]


@pytest.mark.parametrize("chains, grpc_chains, kwargs", SAME_AS_GRPC)
def test_chains_as_over_grpc(coll, serve_address, chains, grpc_chains, kwargs) -> None:
    rest = _hits(_search(serve_address, functionChains=chains, outputFields=["ts"], **kwargs))
    wire = coll.search(NAME, Q, limit=6, anns_field="v", output_fields=["ts"], function_chains=grpc_chains, **kwargs)
    plain = coll.search(NAME, Q, limit=6, anns_field="v", output_fields=["ts"], **kwargs)
    assert rest == _wire_hits(wire) != _wire_hits(plain)


def test_chain_inputs_not_returned(coll, serve_address) -> None:
    """A field the chain reads is selected for it, returned only when asked for; temporary columns never."""
    answer = _search(serve_address, functionChains=[_chain(_sum("tmp"), _sum("$score", {"column": "tmp"},
                                                                           {"column": "$score"}))],
                     outputFields=["id"])
    assert answer["code"] == 0 and all(set(row) == {"id", "distance"} for row in answer["data"])


BOOST = {"name": "b", "type": "Rerank", "inputFieldNames": [], "params": {"reranker": "boost", "filter": "ts > 2",
                                                                          "weight": 10}}
SCORES = [  # functionScore (genFunctionScore, then the gRPC face's reading), pymilvus's ranker
    ({"functions": [BOOST]}, Function("b", FunctionType.RERANK, [],
                                      params={"reranker": "boost", "filter": "ts > 2", "weight": 10})),
    ({"functions": [{"name": "d", "type": "Rerank", "inputFieldNames": ["ts"],
                     "params": {"reranker": "decay", "function": "gauss", "origin": 0, "scale": 2}}]},
     Function("d", FunctionType.RERANK, ["ts"],
              params={"reranker": "decay", "function": "gauss", "origin": 0, "scale": 2})),
]


@pytest.mark.parametrize("score, ranker", SCORES)
def test_function_score_as_over_grpc(coll, serve_address, score, ranker) -> None:
    rest = _hits(_search(serve_address, functionScore=score, outputFields=["ts"]))
    wire = coll.search(NAME, Q, limit=6, anns_field="v", output_fields=["ts"], ranker=ranker)
    assert rest == _wire_hits(wire)


def test_hybrid_function_score_as_over_grpc(coll, serve_address) -> None:
    from pymilvus import AnnSearchRequest

    rrf = {"name": "r", "type": "Rerank", "inputFieldNames": [], "params": {"reranker": "rrf", "k": 5}}
    body = {"collectionName": NAME, "limit": 4, "outputFields": ["ts"], "functionScore": {"functions": [rrf]},
            "rerank": {"strategy": "weighted", "params": {"weights": [1]}},
            "search": [{"data": Q, "annsField": "v", "limit": 4, "filter": "ts > 0"}]}
    wire = coll.hybrid_search(NAME, [AnnSearchRequest(Q, "v", {}, 4, expr="ts > 0")],
                              Function("r", FunctionType.RERANK, [],
                                       params={"reranker": "rrf", "k": 5}), limit=4, output_fields=["ts"])
    assert _hits(post(serve_address, "/entities/hybrid_search", body)) == _wire_hits(wire)


def _arg_chain(*args: dict) -> list:
    return [_chain({"op": "map", "outputs": ["$score"], "expr": {"name": "num_combine", "args": list(args)}})]


HANDLER = [  # genFunctionChains' refusals: code 1100, ": invalid parameter" once per level
    ([_chain(stage="nope")], "functionChains[0]: unsupported function chain stage: nope" + IP * 2),
    ([_chain(stage=" FunctionChainStageUnspecified ")],
     "functionChains[0]: unsupported function chain stage: FunctionChainStageUnspecified" + IP * 2),
    ([{"stage": L2}, None], "functionChains[1]: unsupported function chain stage: " + IP * 2),
    ([_chain({"op": " "})], "functionChains[0]: ops[0]: op name is empty" + IP * 3),
    ([_chain({"op": "limit", "params": {" ": 1}})], "functionChains[0]: ops[0]: params: param name is empty" + IP * 4),
    ([_chain({"op": "limit", "params": {"limit": None}})],
     'functionChains[0]: ops[0]: params: param "limit": function param value is nil' + IP * 5),
    ([_chain(SCORE_SORT, {"op": "map", "expr": {}})], "functionChains[0]: ops[1]: expr: expr name is empty" + IP * 4),
    (_arg_chain({"column": "$score"}, {"column": "ts", "literal": 1}),
     "functionChains[0]: ops[0]: expr: args[1]: exactly one of column or literal is required" + IP * 5),
    (_arg_chain({"column": None, "literal": None}),
     "functionChains[0]: ops[0]: expr: args[0]: exactly one of column or literal is required" + IP * 5),
    (_arg_chain({"column": " "}), "functionChains[0]: ops[0]: expr: args[0]: column name is empty" + IP * 5),
    (_arg_chain({"literal": [1, None]}),
     "functionChains[0]: ops[0]: expr: args[0]: literal: array[1]: function param value is nil" + IP * 7),
    (_arg_chain({"literal": {"a": {" ": 1}}}),
     'functionChains[0]: ops[0]: expr: args[0]: literal: object field "a": object field name is empty' + IP * 7),
    ([_chain({"op": "map", "expr": {"name": "num_combine", "params": {"mode": None}}})],
     'functionChains[0]: ops[0]: expr: params: param "mode": function param value is nil' + IP * 6),
]


@pytest.mark.parametrize("chains, message", HANDLER)
def test_handler_refusals(coll, serve_address, chains, message) -> None:
    assert _search(serve_address, functionChains=chains) == {"code": 1100, "message": message}


TYPES = [  # encoding/json's refusals of FunctionChainReq and the structs it holds (code 1801)
    ("x", ("string", "SearchReqV2.functionChains", "[]httpserver.FunctionChainReq")),
    ([5], ("number", "SearchReqV2.functionChains", "httpserver.FunctionChainReq")),
    ([{"stage": 5}], ("number", "FunctionChainReq.functionChains.stage", "string")),
    ([_chain({"op": ["map"]})], ("array", "FunctionChainOpReq.functionChains.ops.op", "string")),
    ([_chain({"op": "map", "expr": "x"})],
     ("string", "FunctionChainOpReq.functionChains.ops.expr", "httpserver.FunctionChainExprReq")),
    ([_chain({"op": "map", "inputs": [1]})], ("number", "FunctionChainOpReq.functionChains.ops.inputs", "string")),
    (_arg_chain({"column": 5}), ("number", "FunctionChainExprArgReq.functionChains.ops.expr.args.column", "string")),
]


@pytest.mark.parametrize("chains, parts", TYPES)
def test_type_refusals(coll, serve_address, chains, parts) -> None:
    assert _search(serve_address, functionChains=chains) == {"code": 1801, "message": UNMARSHAL.format(*parts)}


CORE = [  # the core's refusals (search/chains/), as the gRPC face answers them
    ([_chain({"op": "limit", "params": {"limit": 2}}, stage="FunctionChainStageIngestion")],
     FunctionChain(FunctionChainStage.INGESTION).limit(2), {}),
    ([_chain(_sum("$id"))],
     FunctionChain(FunctionChainStage.L2_RERANK).map("$id", fn.num_combine(col("$score"), col("ts"), mode="sum")), {}),
    ([_chain(_sum("$score", {"column": "$seg_offset"}, {"column": "ts"}))],
     FunctionChain(FunctionChainStage.L2_RERANK).map("$score", fn.num_combine(col("$seg_offset"), col("ts"),
                                                                              mode="sum")), {}),
    ([_chain(_sum(), SCORE_SORT, stage=L0)],
     FunctionChain(FunctionChainStage.L0_RERANK).map("$score", fn.num_combine(col("$score"), col("ts"), mode="sum"))
     .sort(col("$score"), desc=True), {}),
]


@pytest.mark.parametrize("chains, grpc_chains, kwargs", CORE)
def test_core_refusals_read_as_over_grpc(coll, serve_address, chains, grpc_chains, kwargs) -> None:
    body = {"collectionName": NAME, "data": Q, "annsField": "v", "limit": 3, "functionChains": chains}
    answers_as_over_grpc(coll, serve_address, SEARCH, body,
                         lambda c: c.search(NAME, Q, limit=3, anns_field="v", function_chains=grpc_chains))


@pytest.mark.parametrize("body, code, message", [
    ({"functionScore": {"functions": [BOOST]}, "functionChains": [_chain(_sum())]}, 1100,
     "function_score and function_chains cannot be used together" + IP),
    ({"functionScore": {"functions": [{**BOOST, "type": "Boost"}]}}, 1100, "Unsupported function type: Boost" + IP),
])
def test_score_refusals(coll, serve_address, body, code, message) -> None:
    assert _search(serve_address, **body) == {"code": code, "message": message}
