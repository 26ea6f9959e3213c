"""Authentication and TLS of ``pgmilvus serve``.

``--require-auth`` over a PostgreSQL that checks passwords (the TCP test
server, scram-sha-256): each call runs as its caller's role, so PostgreSQL
checks the password and pgmilvus's RBAC (PostgreSQL privileges) applies per
caller; a missing or wrong login answers UNAUTHENTICATED with Milvus's message.
``--tls-cert/--tls-key``: pymilvus connects with ``server_pem_path``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

grpc = pytest.importorskip("grpc")
pytest.importorskip("pymilvus")

from pymilvus import MilvusClient, MilvusException  # noqa: E402

from tests.fix_db import TCP_PASSWORD, TCP_USER  # noqa: E402
from tests.fix_server import ServeProcess  # noqa: E402


def _reader_alice(admin: MilvusClient, uri: str) -> MilvusClient:
    """``alice``, logged in: refused a query of the collection ``guarded`` (one row inserted here)
    until granted the role ``reader`` with Query on it, then served."""
    admin.insert("guarded", [{"id": 1, "vector": [1, 2, 3]}])
    admin.create_user("alice", "Secret-123")
    alice = MilvusClient(uri=uri, user="alice", password="Secret-123")
    with pytest.raises(MilvusException) as info:
        alice.query("guarded", filter="id > 0")
    assert info.value.code == 1401 and "alice" in info.value.message
    admin.create_role("reader")
    admin.grant_privilege("reader", "Collection", "Query", "guarded")
    admin.grant_role("alice", "reader")
    assert alice.query("guarded", filter="id > 0", output_fields=["id"]) == [{"id": 1}]
    return alice


def test_login_is_checked_by_postgres(auth_server, auth_dsn) -> None:
    import pgmilvus

    uri = f"http://{auth_server.address}"
    for kwargs in ({}, {"user": TCP_USER, "password": "wrong"}):  # pymilvus reports a refused Connect as code 2
        with pytest.raises(MilvusException) as info:
            MilvusClient(uri=uri, **kwargs)
        assert info.value.code == 2
    with grpc.insecure_channel(auth_server.address) as channel:
        from pymilvus.grpc_gen import milvus_pb2, milvus_pb2_grpc

        stub = milvus_pb2_grpc.MilvusServiceStub(channel)
        for metadata, text in [((), "missing authorization in header"),
                               ((("authorization", "YWxpY2U6bm9wZQ=="),),  # alice:nope
                                "auth check failure, please check username and password are correct")]:
            with pytest.raises(grpc.RpcError) as rpc_error:
                stub.GetVersion(milvus_pb2.GetVersionRequest(), metadata=metadata)
            assert rpc_error.value.code() == grpc.StatusCode.UNAUTHENTICATED
            assert rpc_error.value.details() == text

    admin = MilvusClient(uri=uri, token=f"{TCP_USER}:{TCP_PASSWORD}")
    local = pgmilvus.MilvusClient(auth_dsn)
    try:
        admin.create_collection("guarded", dimension=3)
        alice = _reader_alice(admin, uri)
        try:
            with pytest.raises(MilvusException) as info:
                alice.create_user("mallory", "Secret-456")
            assert info.value.code == 1401
        finally:
            alice.close()
        for method, args in [("list_users", ()), ("list_roles", ()), ("describe_user", ("alice",)),
                             ("describe_role", ("reader",))]:
            assert getattr(admin, method)(*args) == getattr(local, method)(*args), method
        admin.update_password("alice", "Secret-123", "Secret-789")
        # pymilvus reuses its connection of the same user (no new Connect): the next call is refused
        with pytest.raises(grpc.RpcError) as rpc_error:
            MilvusClient(uri=uri, user="alice", password="Secret-123").query("guarded", filter="id > 0")
        assert rpc_error.value.code() == grpc.StatusCode.UNAUTHENTICATED
        alice = MilvusClient(uri=uri, user="alice", password="Secret-789")
        assert alice.query("guarded", filter="id > 0", output_fields=["id"]) == [{"id": 1}]
        alice.close()
        admin.grant_privilege_v2("reader", "Insert", "guarded")
        assert {p["privilege"] for p in admin.describe_role("reader")["privileges"]} == {"Query", "Insert"}
        admin.revoke_privilege("reader", "Collection", "Query", "guarded")
        admin.revoke_privilege_v2("reader", "Insert", "guarded")
        admin.revoke_role("alice", "reader")
        assert admin.describe_user("alice")["roles"] == local.describe_user("alice")["roles"]
        admin.drop_role("reader")
        admin.drop_user("alice")
        assert "alice" not in local.list_users()
    finally:
        admin.close()
        local.close()
    assert "Connect unauthenticated: missing authorization in header" in auth_server.log()


def test_rbac_privilege_groups_over_the_wire(rbac_wire) -> None:
    """Unmodified pymilvus's privilege-group calls (Create/Drop/ListPrivilegeGroups,
    OperatePrivilegeGroup, OperatePrivilegeV2 of a group): the same answers as in process,
    Milvus's codes and texts, and the group's privileges enforced by PostgreSQL for its user."""
    uri, admin, local = rbac_wire.uri, rbac_wire.admin, rbac_wire.local
    group, role, user, coll = rbac_wire.group, rbac_wire.role, rbac_wire.user, rbac_wire.coll
    admin.create_privilege_group(group)
    admin.add_privileges_to_group(group, ["Query", "Search"])
    assert admin.list_privilege_groups() == local.list_privilege_groups()
    assert {"privilege_group": group, "privileges": ("Query", "Search")} in admin.list_privilege_groups()
    for call, code, text in [
            (lambda: admin.create_privilege_group(group), 1100, "failed to check if privilege group creatable: "
             f"privilege group name [{group}] is defined by users: invalid parameter"),
            (lambda: admin.create_privilege_group("a-b"), 1100, "privilege group name a-b can only contain "
             "numbers, letters and underscores: invalid parameter"),
            (lambda: admin.add_privileges_to_group("nope", ["Insert"]), 1100, "failed to check if privilege "
             "group alterable: there is no privilege group name [nope] defined in system to operate"),
            (lambda: admin.add_privileges_to_group(group, ["CreateCollection"]), 1100, "failed to check if "
             "privilege group alterable: privileges are not the same privilege level")]:
        with pytest.raises(MilvusException) as info:
            call()
        assert (info.value.code, info.value.message[:len(text)]) == (code, text)
    admin.create_user(user, "Secret-123")
    admin.create_role(role)
    admin.grant_role(user, role)
    admin.grant_privilege_v2(role, group, coll)
    assert admin.describe_role(role) == local.describe_role(role)
    assert [(p["object_type"], p["object_name"], p["privilege"]) for p in admin.describe_role(role)["privileges"]
            ] == [("Global", coll, group)]
    with pytest.raises(MilvusException) as info:
        admin.drop_privilege_group(group)
    assert info.value.message.endswith(f"is used by role [{role}], Use REVOKE API to revoke it first")
    member = MilvusClient(uri=uri, user=user, password="Secret-123")
    try:
        assert member.query(coll, filter="id > 0", output_fields=["id"]) == [{"id": 1}]
        admin.remove_privileges_from_group(group, ["Query", "Search"])  # both read: SELECT
        with pytest.raises(MilvusException) as info:
            member.query(coll, filter="id > 0")
        assert info.value.code == 1401 and info.value.message.startswith("PrivilegeQuery: permission deny")
    finally:
        member.close()
    admin.revoke_privilege_v2(role, group, coll)
    admin.grant_privilege_v2(role, "Search", "*", db_name="*")  # every database: none to connect to
    admin.revoke_privilege_v2(role, "Search", "*", db_name="*")
    admin.drop_privilege_group(group)
    assert group not in [g["privilege_group"] for g in local.list_privilege_groups()]


def test_require_auth_over_an_embedded_server(tmp_path: Path) -> None:
    """An embedded server trusts its local connections: with --require-auth, ``pgmilvus serve``
    checks the passwords itself and creates Milvus's root user (password Milvus), so logins and
    RBAC work as on a Milvus server with authorization on."""
    folder = tmp_path / "emb"
    folder.mkdir()
    folder.chmod(0o755)
    server = ServeProcess(str(folder / "auth.db"), tmp_path / "serve.log", extra=("--require-auth",))
    uri = f"http://{server.address}"
    try:
        for kwargs in ({}, {"token": "root:wrong"}, {"token": "postgres:anything"}):  # the superuser too
            with pytest.raises(MilvusException) as info:
                MilvusClient(uri=uri, **kwargs)
            assert info.value.code == 2, kwargs
        root = MilvusClient(uri=uri, token="root:Milvus")
        assert root.list_users() == ["root"]
        root.create_collection("guarded", dimension=3)
        alice = _reader_alice(root, uri)
        with pytest.raises(MilvusException) as info:
            MilvusClient(uri=uri, user="alice", password="Secret-999")
        assert info.value.code == 2
        alice.close()
        root.close()
    finally:
        assert server.stop() == 0
    assert "created Milvus's root user" in server.log()


def _env() -> dict:
    import os

    from tests.fix_server import ADAPTER

    return {**os.environ, "PYTHONPATH": str(ADAPTER)}


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    done = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                           "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
                           "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        pytest.skip(f"openssl cannot make a test certificate: {done.stderr[-300:]}")
    return cert, key


def test_tls(serve_dsn, tls_files, tmp_path) -> None:
    cert, key = tls_files
    # --rest is ignored with TLS: gRPC keeps the port and serves TLS itself (docs/server.md)
    server = ServeProcess(serve_dsn, tmp_path / "tls.log",
                          extra=("--rest", "--tls-cert", str(cert), "--tls-key", str(key)))
    try:
        client = MilvusClient(uri=f"https://localhost:{server.port}", server_pem_path=str(cert),
                              server_name="localhost")
        try:
            client.create_collection("over_tls", dimension=2)
            assert client.insert("over_tls", [{"id": 7, "vector": [1, 0]}])["insert_count"] == 1
            assert client.get("over_tls", ids=[7], output_fields=["id"]) == [{"id": 7}]
            client.drop_collection("over_tls")
        finally:
            client.close()
        with grpc.insecure_channel(server.address) as channel:  # plaintext is refused
            from pymilvus.grpc_gen import milvus_pb2, milvus_pb2_grpc

            with pytest.raises(grpc.RpcError):
                milvus_pb2_grpc.MilvusServiceStub(channel).GetVersion(milvus_pb2.GetVersionRequest(), timeout=5)
        assert "TLS" in server.log() and "--rest is off with --tls-cert" in server.log()
    finally:
        assert server.stop() == 0
