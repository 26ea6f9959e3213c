"""Message size limits over the wire: past them, RESOURCE_EXHAUSTED naming the limit and the option."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Iterator

import pytest

from tests.fix_server import ServeProcess


@pytest.fixture(scope="module")
def small_limits(serve_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip("grpc")
    server = ServeProcess(serve_dsn, Path(tmp_path_factory.mktemp("limits")) / "serve.log",
                          extra=("--max-receive-message-mb", "1", "--max-send-message-mb", "1"))
    yield server.address
    assert server.stop() == 0


def _rows(n: int, start: int = 0) -> list[dict]:
    rnd = random.Random(7)
    return [{"id": start + i, "vector": [rnd.random() for _ in range(64)]} for i in range(n)]


def test_request_and_response_limits(small_limits: str, serve_dsn: str) -> None:
    import grpc
    from pymilvus import MilvusClient

    from tests.fix_server import _wipe

    client = MilvusClient(uri=f"http://{small_limits}")
    try:
        client.create_collection("limits", dimension=64)
        with pytest.raises(grpc.RpcError) as refused:  # ~1.5 MB request
            client.insert("limits", _rows(6000))
        assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "limit of 1 MB" in refused.value.details()
        assert refused.value.details().startswith("received message larger than max (")  # gRPC's words
        assert "--max-receive-message-mb" in refused.value.details()
        assert client.query("limits", output_fields=["count(*)"])[0]["count(*)"] == 0  # nothing written
        for start in (0, 3000):
            client.insert("limits", _rows(3000, start))
        with pytest.raises(grpc.RpcError) as too_big:  # 6000 x 64 floats answer > 1 MB
            client.query("limits", filter="id >= 0", output_fields=["vector"], limit=6000)
        assert too_big.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "--max-send-message-mb" in too_big.value.details()
        assert len(client.query("limits", filter="id >= 0", output_fields=["vector"], limit=10)) == 10
    finally:
        client.close()
        _wipe(serve_dsn)
