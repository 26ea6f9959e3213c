"""Collections as Postgres tables, and the catalog that describes them.

store.py reads and writes the catalog tables (pgmilvus_catalog) and keeps the process's cache;
collections.py, evolution.py and properties.py are the collection DDL operations; indexes.py,
index_ops.py and json_index.py the indexes; segments.py and builder.py the segment layout and
its background index builds; stats.py keeps the planner's statistics fresh after writes.
"""
