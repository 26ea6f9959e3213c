"""A real S3-speaking server for the bulk-import tests: moto's ThreadedMotoServer, never a mock of a
client.  ``s3_bucket`` starts it on a free port for the session and creates a bucket; its
``spec`` is what ``pgmilvus serve --import-from`` takes, ``upload`` puts a local file under a key.
"""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass
from typing import Any, Iterator

import pytest

ACCESS, SECRET = "minioadmin", "minioadmin"


@dataclass
class S3Bucket:
    host: str
    port: int
    bucket: str
    client: Any

    @property
    def spec(self) -> str:
        return f"s3://{ACCESS}:{SECRET}@{self.host}:{self.port}/{self.bucket}"

    def upload(self, key: str, path: str) -> str:
        self.client.fput_object(self.bucket, key, path)
        return key


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_bucket() -> Iterator[S3Bucket]:
    server_mod = pytest.importorskip("moto.server")
    minio = pytest.importorskip("minio")
    port = _free_port()
    server = server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        client = minio.Minio(f"127.0.0.1:{port}", access_key=ACCESS, secret_key=SECRET, secure=False)
        bucket = f"import-{uuid.uuid4().hex[:8]}"
        client.make_bucket(bucket)
        yield S3Bucket("127.0.0.1", port, bucket, client)
    finally:
        server.stop()
