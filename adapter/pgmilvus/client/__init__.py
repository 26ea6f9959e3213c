"""The faces in process: ``MilvusClient`` (milvus_client.py), ``AsyncMilvusClient``
(async_client.py) over it, and the URI rules both use (uri.py).

Faces call the operations (catalog/, data/, search/, rbac/) and never build SQL themselves.
"""
