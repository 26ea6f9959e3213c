"""A missing, null or mistyped JSON value, or an ARRAY element past the end, is UNKNOWN (Milvus 2.6
since #50723 and #51135), and ``not`` keeps it UNKNOWN: query and search select the same ids, with
and without JSON path indexes.

The rows and the expected ids are those of Milvus's own e2e file
(milvus_client/expressions/test_milvus_client_json_filtering.py), plus cases of our own."""

from __future__ import annotations

import pytest

from pgmilvus import DataType

PAYLOADS = [None, {}, {"a": None}, {"a": "bad"}, {"a": 2}, {"a": 3}, {"arr": []}, {"arr": [1, 2]},
            {"arr": "bad"}, {"nested": {"age": 30}}, {"nested": {}}, {"s": "abc"}, {"s": "def"}, {"s": 123},
            {"s": None}, {"a": [2]}, {"nested": {"age": 40}}, {"nested": {"age": "bad"}}, {"nested": None},
            {"b": True}, {"b": False}, {"b": None}, {"b": "true"}, {"f": 1.5}, {"f": -2.25}, {"f": 0.0},
            {"f": "bad"}, {"path_arr": [3, "bad", None]}, {"op": 10}, {"op": 20}, {"op": None}, {"op": "bad"},
            {"mixed": [1, "bad", None]}, {"path_arr": [1, 2]}, {"path_arr": []}, {"path_arr": "bad"}]
ARRAYS = {1: [], 4: [2], 5: [3], 6: [], 10: []}

CASES = [  # filter, ids
    ('j["a"] == 2', [4]),
    ('j["a"] > 2', [5]),
    ('j["a"] in [2, 3]', [4, 5]),
    ('j["a"] != 2', [5]),
    ('j["a"] not in [2]', [5]),
    ('not (j["a"] > 2)', [4]),
    ('not (j["a"] > 100 and j["a"] < 50)', [4, 5]),
    ('not (1 < j["a"] < 3)', [5]),
    ('j["s"] == "abc"', [11]),
    ('j["s"] != "abc"', [12]),
    ('j["s"] not in ["abc"]', [12]),
    ('not (j["s"] like "a%")', [12]),
    ('j["nested"]["age"] != 30', [16]),
    ('not (j["nested"]["age"] > 30)', [9]),
    ('j["b"] != true', [20]),
    ('not (j["b"] == true)', [20]),
    ('not (j["f"] <= 0)', [23]),
    ('not (j["op"] < 20 or j["op"] > 30)', [29]),
    ('j["op"] == 10 or j["op"] == 20', [28, 29]),
    ('j["path_arr"][1] == "bad"', [27]),
    ('not (j["path_arr"][0] > 1)', [33]),
    ('json_contains(j["arr"], 1)', [7]),
    ('not json_contains(j["arr"], 1)', [6]),
    ('not json_contains_any(j["mixed"], [1, 9])', []),
    ('j["arr"] != [1, 2]', [6]),
    ('j["a"] != 2 or a[0] == 3', [5]),
    # since #51135 (2.6, July 2026) also JSON arithmetic, array_length of a path, ARRAY subscripts
    ('j["a"] + 1 != 3', [5]),
    ('not (j["a"] + 1 > 3)', [4]),
    ('j["a"] * 2 == 4', [4]),
    ('array_length(j["arr"]) != 0', [7]),
    ('not (array_length(j["arr"]) > 0)', [6]),
    ('a[0] != 2', [5]),
    ('not (a[0] > 2)', [4]),
    ('not (a[0] > 100 and a[0] < 50)', [4, 5]),
    ('a[0] not in [2]', [5]),
]


def _collection(client, name: str, indexed: bool) -> None:
    schema = client.create_schema(enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_field("j", DataType.JSON, nullable=True)
    schema.add_field("a", DataType.ARRAY, element_type=DataType.INT64, max_capacity=8, nullable=True)
    index = client.prepare_index_params()
    index.add_index("v", index_type="FLAT", metric_type="L2")
    if indexed:
        index.add_index("j", index_type="INVERTED", index_name="ja",
                        params={"json_cast_type": "DOUBLE", "json_path": "j['a']"})
        index.add_index("j", index_type="INVERTED", index_name="js",
                        params={"json_cast_type": "VARCHAR", "json_path": "j['s']"})
    client.create_collection(name, schema=schema, index_params=index)
    payloads = PAYLOADS + [{"pad": i} for i in range(len(PAYLOADS), 40)]
    client.insert(name, [{"id": i, "v": [0.1, float(i)], "j": doc, "a": ARRAYS.get(i)}
                         for i, doc in enumerate(payloads)])


@pytest.mark.parametrize("indexed", [False, True], ids=["no index", "path indexes"])
def test_unknown_json_values_match_neither_a_test_nor_its_negation(client, indexed: bool) -> None:
    name = "unknown_idx" if indexed else "unknown"
    _collection(client, name, indexed)
    for expr, expected in CASES:
        got = sorted(row["id"] for row in client.query(name, filter=expr, output_fields=["id"]))
        assert got == expected, expr
        hits = client.search(name, [[0.1, 0.0]], filter=expr, limit=100)[0]
        assert sorted(hit["id"] for hit in hits) == expected, expr
