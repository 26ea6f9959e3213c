"""A Milvus Lite file with every field type both Milvus Lite and pgmilvus store (run in a subprocess:
``python migrate_alltypes.py PATH ROWS``): nullable and default values, two partitions, a dynamic
field, a FLAT index on the dense vector and an inverted-like index on the sparse one."""

import sys

import numpy as np
from pymilvus import DataType, MilvusClient

path, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(7)
c = MilvusClient(path)
s = c.create_schema(auto_id=False, enable_dynamic_field=True)
s.add_field("id", DataType.INT64, is_primary=True)
s.add_field("b", DataType.BOOL)
s.add_field("i8", DataType.INT8)
s.add_field("i16", DataType.INT16)
s.add_field("i32", DataType.INT32, nullable=True)
s.add_field("f", DataType.FLOAT)
s.add_field("d", DataType.DOUBLE, default_value=1.5)
s.add_field("s", DataType.VARCHAR, max_length=32)
s.add_field("j", DataType.JSON, nullable=True)
s.add_field("ai", DataType.ARRAY, element_type=DataType.INT64, max_capacity=8)
s.add_field("as", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=4, max_length=8)
s.add_field("v", DataType.FLOAT_VECTOR, dim=16)
s.add_field("sp", DataType.SPARSE_FLOAT_VECTOR)
ip = c.prepare_index_params()
ip.add_index("v", index_type="FLAT", metric_type="L2")
ip.add_index("sp", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
c.create_collection("all", schema=s, index_params=ip)
c.create_partition("all", "p1")
vectors = rng.random((n, 16), dtype=np.float32)


def row(i: int) -> dict:
    out = {"id": i, "b": i % 2 == 0, "i8": i % 100 - 50, "i16": i % 3000, "f": float(np.float32(i / 7)),
           "s": f"s{i % 97}", "ai": [i % 5, i % 11], "as": [f"a{i % 3}"], "v": vectors[i].tolist(),
           "sp": {int(i % 50): 1.0 + i % 3, int(50 + i % 7): 0.5}, "extra": i % 13}
    if i % 4:
        out["i32"] = i
    if i % 5:
        out["d"] = i / 3
    if i % 6:
        out["j"] = {"k": i % 10, "t": f"t{i % 4}", "arr": [i % 2]}
    return out


half = n // 2
for start in range(0, n, 2000):
    rows = [row(i) for i in range(start, min(n, start + 2000))]
    c.insert("all", [r for r in rows if r["id"] < half])
    c.insert("all", [r for r in rows if r["id"] >= half], partition_name="p1")
c.create_alias("all", "all_alias")
