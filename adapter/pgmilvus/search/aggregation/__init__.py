"""search(search_aggregation=...): Milvus master's bucketed hits (docs/search.md, "Search aggregation").

spec.py: the user's classes and the neutral spec; plan.py: the spec checked against the schema
(Milvus's proxy's texts); compute.py: the buckets of one query's hits; buckets.py: the result classes.
"""
