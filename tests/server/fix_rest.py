"""For a test module whose ``wire_client`` should talk to ``pgmilvus serve --rest``: import both
fixtures into the module (``from tests.server.fix_rest import rest_module_address, rest_module_process``) and
they replace the session's server there by tests/fix_server.py's ``rest_serve_process``; ``import_server``, a
REST server of the module's own reading bulk-import files from a folder; and the helpers the REST test modules
share: Milvus's 1801 / 1802 texts, a POST, a core refusal read as over gRPC."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from tests.fix_server import ServeProcess


@pytest.fixture(scope="module", name="serve_process")
def rest_module_process(rest_serve_process: ServeProcess) -> ServeProcess:
    return rest_serve_process


@pytest.fixture(scope="module", name="serve_address")
def rest_module_address(rest_serve_process: ServeProcess) -> str:
    return rest_serve_process.address


@pytest.fixture(scope="module")
def import_server(serve_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServeProcess, Path]]:
    """A server reading import files from a local folder (``--import-from``)."""
    folder = tmp_path_factory.mktemp("import-files")
    # 4 workers: with a pool of 2 a running job holds every pooled connection (imports' status and
    # insert connections) and the job never finishes
    server = ServeProcess(serve_dsn, folder.with_name(f"{folder.name}.log"), workers=4,
                          extra=("--rest", "--import-from", str(folder)))
    yield server, folder
    assert server.stop() == 0


REQUIRED = ("missing required parameters, error: Key: '{0}.{1}' Error:Field validation for '{1}' failed on "
            "the 'required' tag")
UNMARSHAL = "can only accept json format request, error: json: cannot unmarshal {0} into Go struct field {1} of type {2}"


def post(address: str, path: str, body: Any = None, raw: bytes | None = None) -> dict[str, Any]:
    """POST ``body`` (or the ``raw`` bytes) to ``/v2/vectordb<path>``: the JSON answer (HTTP 200)."""
    import requests

    data = raw if raw is not None else json.dumps(body).encode()
    answer = requests.post(f"http://{address}/v2/vectordb{path}", data=data, timeout=60)
    assert answer.status_code == 200
    return answer.json()


def answers_as_over_grpc(client: Any, address: str, path: str, body: Any, grpc_call: Callable[[Any], Any]) -> None:
    """The REST call answers the code and text pymilvus's ``grpc_call`` raises over gRPC."""
    from pymilvus import MilvusException

    with pytest.raises(MilvusException) as grpc_error:
        grpc_call(client)
    assert post(address, path, body) == {"code": grpc_error.value.code, "message": grpc_error.value.message}
