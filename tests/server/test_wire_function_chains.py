"""search(function_chains=...) over the wire: unmodified pymilvus 3's FunctionChain through
``pgmilvus serve`` gets what pgmilvus in-process gives with its own builder on the same database
(results, and Milvus's refusals with the same code and text)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pytest.importorskip("pymilvus.function_chain")

from pymilvus import DataType, MilvusException  # noqa: E402

NAME = "chains"
ROWS = 20


@pytest.fixture
def coll(wire_client):
    schema = wire_client.create_schema(auto_id=False, enable_dynamic_field=False)
    for name, dtype, extra in [("id", DataType.INT64, {"is_primary": True}), ("v", DataType.FLOAT_VECTOR, {"dim": 4}),
                               ("ts", DataType.INT64, {}), ("f", DataType.FLOAT, {"nullable": True}),
                               ("s", DataType.VARCHAR, {"max_length": 8})]:
        schema.add_field(name, dtype, **extra)
    index = wire_client.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="L2")
    wire_client.create_collection(NAME, schema=schema, index_params=index)
    rng = np.random.default_rng(11)
    wire_client.insert(NAME, [{"id": i, "v": rng.random(4).tolist(), "ts": 7 * i % 13,
                               "f": None if i % 5 == 0 else i / 4, "s": "abc"[i % 3]} for i in range(ROWS)])
    return wire_client


def _chains(module: Any, case: str) -> Any:
    """The same chains built with pymilvus's or pgmilvus's builder (``module.function_chain``)."""
    m = module.function_chain
    col, fn, L0, L2 = m.col, m.fn, m.FunctionChainStage.L0_RERANK, m.FunctionChainStage.L2_RERANK
    chains = {
        "l2_sum_sort": lambda: m.FunctionChain(L2, name="x").map(
            "$score", fn.num_combine(col("$score"), col("ts"), mode="sum")).sort(col("$score"), desc=True,
                                                                                tie_break_col=col("$id")),
        "l2_decay_weighted": lambda: m.FunctionChain(L2).map(
            "fresh", fn.decay(col("ts"), function="gauss", origin=6, scale=3)).map(
            "$score", fn.num_combine(col("$score"), col("fresh"), col("f"), mode="weighted",
                                     weights=[0.5, 2.0, 0.25])).map(
            "$score", fn.round_decimal(col("$score"), decimal=3)).sort(col("$score")).limit(4, offset=1),
        "l2_sort_string": lambda: m.FunctionChain(L2).sort(col("s"), desc=False, tie_break_col=col("ts")),
        "l0_plus_id": lambda: m.FunctionChain(L0).map("$score", fn.num_combine(col("$score"), col("$id"))),
        "l0_then_l2": lambda: [m.FunctionChain(L0).map("$score", fn.num_combine(col("$score"), col("ts"))),
                               m.FunctionChain(L2).limit(3)],
        "bad_l0_sort": lambda: m.FunctionChain(L0).sort(col("$score")),
        "bad_l2_write_id": lambda: m.FunctionChain(L2).map("$id", fn.num_combine(col("$score"), col("ts"))),
        "bad_l2_input": lambda: m.FunctionChain(L2).map("$score", fn.num_combine(col("$seg_offset"), col("ts"))),
        "bad_field": lambda: m.FunctionChain(L2).sort(col("nope")),
        "bad_stage": lambda: m.FunctionChain(m.FunctionChainStage.POST_PROCESS).limit(1),
        "bad_xgboost_output": lambda: m.FunctionChain(L0).map("$score", m.FunctionChainExpr(
            "xgboost", args=(col("f"),), params={"model_resource": "m", "output": "probability"})),
        "xgboost": lambda: m.FunctionChain(L0).map("$score", fn.xgboost(col("f"), model_resource="m")),
        "bad_num_combine_type": lambda: m.FunctionChain(L2).map("$score", fn.num_combine(col("$score"), col("s"))),
    }
    return chains[case]()


def _pair(case: str) -> tuple[Any, Any]:
    import pgmilvus
    import pgmilvus.function_chain  # noqa: F401
    import pymilvus
    import pymilvus.function_chain  # noqa: F401

    return _chains(pymilvus, case), _chains(pgmilvus, case)


def _rows(result: Any) -> list:
    return [[(h["id"], round(h["distance"], 4), h["entity"]) for h in hits] for hits in result]


@pytest.mark.parametrize("case,kwargs", [
    ("l2_sum_sort", {}), ("l2_sum_sort", {"offset": 2}), ("l2_decay_weighted", {}), ("l2_sort_string", {}),
    ("l0_plus_id", {}), ("l0_plus_id", {"offset": 3}), ("l0_then_l2", {}),
])
def test_results_as_in_process(coll, local_client, case: str, kwargs: dict) -> None:
    query = [[0.1, 0.5, 0.2, 0.9], [0.3, 0.3, 0.3, 0.3]]
    wire_chain, local_chain = _pair(case)
    common = {"limit": 6, "output_fields": ["ts", "f"], "anns_field": "v", **kwargs}
    wire = coll.search(NAME, query, function_chains=wire_chain, **common)
    local = local_client.search(NAME, query, function_chains=local_chain, **common)
    plain = local_client.search(NAME, query, **common)
    assert _rows(wire) == _rows(local)
    assert _rows(wire) != _rows(plain)


@pytest.mark.parametrize("case,code,text", [
    ("bad_l0_sort", 1100, 'op[0] type "sort" is not supported by L0 rerank function chain'),
    ("bad_l2_write_id", 1100, 'system output "$id" is not writable by L2 rerank function chain'),
    ("bad_l2_input", 1100, 'system input "$seg_offset" is not supported by L2 rerank function chain'),
    ("bad_field", 1100, 'function chain input "nope" is neither a previous output nor a collection field'),
    ("bad_stage", 1100, "stage FunctionChainStagePostProcess is not supported in search request"),
    ("bad_xgboost_output", 1100, 'xgboost: output must be one of [default, raw], got "probability"'),
    ("xgboost", 1100, 'xgboost: file resource "m" not found'),
    ("bad_num_combine_type", 1100, "unsupported input column type *array.String"),
])
def test_refusals_as_in_process(coll, local_client, case: str, code: int, text: str) -> None:
    import pgmilvus

    wire_chain, local_chain = _pair(case)
    with pytest.raises(MilvusException) as wire:
        coll.search(NAME, [[0.1, 0.2, 0.3, 0.4]], limit=3, anns_field="v", function_chains=wire_chain)
    with pytest.raises(pgmilvus.MilvusException) as local:
        local_client.search(NAME, [[0.1, 0.2, 0.3, 0.4]], limit=3, anns_field="v", function_chains=local_chain)
    assert (wire.value.code, wire.value.message) == (local.value.code, local.value.message)
    assert wire.value.code == code and text in wire.value.message
