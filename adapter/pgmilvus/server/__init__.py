"""`pgmilvus serve`: Milvus's gRPC protocol (MilvusService) answered by pgmilvus.

Unmodified Milvus clients (pymilvus, the Node and Java SDKs) talk to this
server as to a Milvus proxy; every call is translated to the same pgmilvus
MilvusClient methods an in-process user calls, so no validation, typing or SQL
rule exists twice.  Layout:

* ``app``: the grpc server, its options and the clean stop (``serve``).
* ``servicer``: the MilvusService subclass; RPC handlers live in ``rpc_admin``
  (connection, collections, partitions, indexes, load state) and ``rpc_data``
  (insert / upsert / delete / query / search).
* ``backend``: one pgmilvus MilvusClient per database, shared by the threads.
* ``status``: exceptions -> ``common.Status`` (Milvus's ``code`` and legacy ``error_code``).
* ``convert``: protobuf <-> the Python values pgmilvus takes and returns.
* ``mux`` and ``rest``: with ``--rest``, Milvus's RESTful API v2 on the same port (the mux relays
  gRPC's connections to a private socket and hands HTTP/1.1 to the REST face, which calls the
  same backend and ``status``).

Needs the ``server`` extra: ``pip install "pgmilvus[server]"`` (grpcio, and
pymilvus for the generated service stubs).
"""
