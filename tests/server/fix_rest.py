"""For a test module whose ``wire_client`` should talk to ``pgmilvus serve --rest``: import both
fixtures into the module (``from tests.server.fix_rest import rest_module_address, rest_module_process``) and
they replace the session's server there by tests/fix_server.py's ``rest_serve_process``."""

from __future__ import annotations

import pytest

from tests.fix_server import ServeProcess


@pytest.fixture(scope="module", name="serve_process")
def rest_module_process(rest_serve_process: ServeProcess) -> ServeProcess:
    return rest_serve_process


@pytest.fixture(scope="module", name="serve_address")
def rest_module_address(rest_serve_process: ServeProcess) -> str:
    return rest_serve_process.address
