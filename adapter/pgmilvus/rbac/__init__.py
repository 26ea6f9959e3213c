"""Milvus users, roles and privileges as Postgres roles and grants (roles.py), and the table
of which privilege each Milvus operation needs (privileges.py).
"""
