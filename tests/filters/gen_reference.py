"""Regenerate reference_results.json with milvus-lite (run it in the reference venv).

    /tmp/refvenv/bin/python tests/filters/gen_reference.py

Loads :func:`dataset.nasty_rows` into a milvus-lite collection shaped like
:func:`schemas.appendix_schema` (``t`` without an analyzer, since Lite has
no text match), runs the seeded :mod:`exprgen` expressions and writes each
expression's sorted ids (or Lite's error) to reference_results.json, which
test_differential.py replays against pgmilvus on Postgres.  CI only needs
the JSON file.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import dataset  # noqa: E402
import exprgen  # noqa: E402

SEED = 7
COUNT = 260
OUT = HERE / "reference_results.json"


def rows_digest(rows: list) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:16]


def main() -> None:
    import milvus_lite
    import pymilvus
    from pymilvus import DataType, MilvusClient

    workdir = Path(tempfile.mkdtemp(prefix="filters-ref-"))
    try:
        client = MilvusClient(str(workdir / "ref.db"))
        schema = client.create_schema(enable_dynamic_field=True)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vec", DataType.FLOAT_VECTOR, dim=2)
        schema.add_field("s", DataType.VARCHAR, max_length=64)
        schema.add_field("i", DataType.INT64)
        schema.add_field("i8", DataType.INT8)
        schema.add_field("i32", DataType.INT32)
        schema.add_field("f", DataType.DOUBLE)
        schema.add_field("f32", DataType.FLOAT)
        schema.add_field("b", DataType.BOOL)
        schema.add_field("j", DataType.JSON)
        schema.add_field("a", DataType.ARRAY, element_type=DataType.INT64, max_capacity=10)
        schema.add_field("sa", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=10,
                         max_length=20)
        schema.add_field("n", DataType.INT64, nullable=True)
        schema.add_field("t", DataType.VARCHAR, max_length=200)
        schema.add_field("nj", DataType.JSON, nullable=True)
        schema.add_field("fa", DataType.ARRAY, element_type=DataType.FLOAT, max_capacity=10)
        index = client.prepare_index_params()
        index.add_index("vec", metric_type="L2", index_type="FLAT")
        client.create_collection("ref", schema=schema, index_params=index)
        rows = dataset.nasty_rows()
        data = []
        for row in rows:
            entity = {k: v for k, v in row.items() if k != "meta"}
            entity["vec"] = [0.0, 0.0]
            entity.update(row["meta"])
            data.append(entity)
        for entity in data:      # one by one: Lite's batch insert chokes on mixed dynamic types
            client.insert("ref", [entity])
        results = []
        for expr in exprgen.expressions(COUNT, SEED):
            try:
                hits = client.query("ref", filter=expr, output_fields=["id"], limit=16384)
                results.append({"expr": expr, "ids": sorted(h["id"] for h in hits)})
            except Exception as exc:  # noqa: BLE001 - any Lite failure is recorded
                message = getattr(exc, "message", str(exc))
                results.append({"expr": expr, "error": str(message).splitlines()[0][:200]})
        payload = {
            "generator": {"seed": SEED, "count": COUNT, "rows": len(rows),
                          "rows_digest": rows_digest(rows)},
            "reference": {"pymilvus": pymilvus.__version__,
                          "milvus_lite": getattr(milvus_lite, "__version__", "?")},
            "results": results,
        }
        OUT.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        errors = sum("error" in r for r in results)
        print(f"wrote {OUT} ({len(results)} expressions, {errors} Lite errors)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
