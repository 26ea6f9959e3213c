import random, sys
from pymilvus import MilvusClient, DataType
c = MilvusClient(sys.argv[1])
s = c.create_schema(auto_id=False, enable_dynamic_field=True)
s.add_field("id", DataType.INT64, is_primary=True)
s.add_field("tag", DataType.VARCHAR, max_length=32)
s.add_field("x", DataType.DOUBLE)
s.add_field("v", DataType.FLOAT_VECTOR, dim=8)
c.create_collection("docs", schema=s)
c.create_partition("docs", "p1")
n=int(sys.argv[2])
rows=[{"id":i,"tag":f"t{i%7}","x":i/3,"v":[random.random() for _ in range(8)],"extra":i} for i in range(n)]
c.insert("docs", rows[:n//2]); c.insert("docs", rows[n//2:], partition_name="p1")
ip=c.prepare_index_params(); ip.add_index("v", index_type="FLAT", metric_type="L2"); c.create_index("docs", ip)
