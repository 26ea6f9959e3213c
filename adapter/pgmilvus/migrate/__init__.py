"""``pgmilvus migrate``: copy collections between Milvus (server or Lite) and pgmilvus, resumably.

Both sides are driven through a MilvusClient (pymilvus's for Milvus, pgmilvus's own for pgmilvus), so one set of
calls (describe_collection, list_partitions, query_iterator, insert, create_index) serves both directions.
"""
