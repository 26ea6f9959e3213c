"""Compile time of Milvus filters: cold (empty caches) and cached, per expression.

    PYTHONPATH=adapter python bench/filters.py

Targets: < 1 ms cold, < 50 us cached (filter_sql; compile_filter adds a tree copy).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapter"))

from pgmilvus.filters import clear_cache, compile_filter, filter_sql  # noqa: E402
from pgmilvus.schema.model import CollectionSchema, FieldSchema  # noqa: E402
from pgmilvus.types import DataType  # noqa: E402

SCHEMA = CollectionSchema([
    FieldSchema("id", DataType.INT64, is_primary=True),
    FieldSchema("vec", DataType.FLOAT_VECTOR, dim=8),
    FieldSchema("title", DataType.VARCHAR, max_length=256),
    FieldSchema("age", DataType.INT64),
    FieldSchema("price", DataType.DOUBLE),
    FieldSchema("score", DataType.FLOAT),
    FieldSchema("active", DataType.BOOL),
    FieldSchema("info", DataType.JSON),
    FieldSchema("tags", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=16, max_length=32),
], enable_dynamic_field=True)

MIX = [
    ("pk lookup", "id in [1, 2, 3, 4, 5]", None),
    ("range", "18 <= age < 65", None),
    ("and/or", 'age > 18 and (title like "The%" or active == true)', None),
    ("float32", "score >= 0.75", None),
    ("json eq", 'info["brand"] == "acme"', None),
    ("json nested", 'info["dims"]["w"] > 10 and info["dims"]["h"] < 20.5', None),
    ("dynamic", 'color in ["red", "blue"] and exists size', None),
    ("array", 'array_contains_any(tags, ["a", "b"]) and array_length(tags) > 1', None),
    ("arith", "price * 2 > 100 and age % 2 == 0", None),
    ("template", "age > {min} and title in {titles}", {"min": 18, "titles": ["x", "y"]}),
    ("big in", "id in [" + ", ".join(str(i) for i in range(500)) + "]", None),
    ("deep", " or ".join(f"(age == {i} and price < {i}.5)" for i in range(20)), None),
]


def timed(fn, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat * 1e6


def main() -> None:
    print(f"{'case':<12} {'cold us':>9} {'cached sql us':>14} {'cached expr us':>15}  expression")
    worst_cold = worst_cached = 0.0
    for name, expr, params in MIX:
        colds = []
        for _ in range(20):
            clear_cache()
            colds.append(timed(lambda: filter_sql(expr, SCHEMA, params), 1))
        cold = sorted(colds)[len(colds) // 2]
        cached = timed(lambda: filter_sql(expr, SCHEMA, params), 2000)
        cached_expr = timed(lambda: compile_filter(expr, SCHEMA, params), 500)
        worst_cold, worst_cached = max(worst_cold, cold), max(worst_cached, cached)
        shown = expr if len(expr) <= 60 else expr[:57] + "..."
        print(f"{name:<12} {cold:>9.1f} {cached:>14.1f} {cached_expr:>15.1f}  {shown}")
    print(f"\nworst cold {worst_cold:.1f} us (target < 1000), worst cached {worst_cached:.1f} us "
          f"(target < 50)")


if __name__ == "__main__":
    main()
