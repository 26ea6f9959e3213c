"""The data plane: rows in (writes.py, with values.py converting Milvus values to Postgres),
rows out (reads.py: query, get, count; outputs.py: which columns a caller asked for;
results.py: pymilvus's result containers), and filters bound to a collection (bound_filters.py).
"""
