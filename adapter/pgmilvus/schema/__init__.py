"""What a collection is, before any Postgres table exists: the schema model (model.py:
CollectionSchema, FieldSchema, Function), index parameters (index_params.py), the naming
rules (names.py) and how each is spelt in Postgres DDL (ddl.py). Nothing here runs SQL.
"""
