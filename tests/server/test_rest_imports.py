"""REST two-phase import (``/v2/vectordb/jobs/import/{commit,abort}``, ``options.auto_commit``) against a
real ``pgmilvus serve --rest --import-from``: what Milvus's handlers answer (handler_v2.go
commitImportJob / abortImportJob, request_v2.go ImportReq.UnmarshalJSON), codes and texts."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.fix_server import ServeProcess
from tests.server.fix_rest import REQUIRED, UNMARSHAL, import_server, post  # noqa: F401 - a fixture

pytest.importorskip("grpc")
pymilvus = pytest.importorskip("pymilvus")
from pymilvus import MilvusClient  # noqa: E402

FORMAT = "can only accept json format request, error: "
AUTO_COMMIT = FORMAT + 'options.auto_commit must be one of "true" or "false": invalid parameter'
ALIAS = "importReqAlias.{}"


def _post(address: str, path: str, body: Any = None, raw: bytes | None = None) -> dict:
    return post(address, f"/jobs/import/{path}", body, raw)


@pytest.mark.parametrize("path, raw, code, message", [
    ("commit", b"{}", 1802, REQUIRED.format("JobIDReq", "JobID")),
    ("abort", b'{"jobId": ""}', 1802, REQUIRED.format("JobIDReq", "JobID")),
    ("commit", b'{"jobId": 7}', 1801, UNMARSHAL.format("number", "JobIDReq.jobId", "string")),
    ("abort", b'{"jobId": true}', 1801, UNMARSHAL.format("bool", "JobIDReq.jobId", "string")),
    ("commit", b'{"jobId": "not-a-number"}', 1100, 'strconv.ParseInt: parsing "not-a-number": invalid syntax: '
                                                    "invalid parameter[expected=int64 jobId][actual=not-a-number]"),
    ("abort", b'{"jobId": "922337203685477001"}', 2101,
     "job 922337203685477001 not found: importing data failed on server side"),
    ("create", b'{"collectionName": "c", "files": [["a.json"]], "options": {"auto_commit": null}}', 1801, AUTO_COMMIT),
    ("create", b'{"collectionName": "c", "files": [["a.json"]], "options": {"auto_commit": "yes"}}', 1801, AUTO_COMMIT),
    ("create", b'{"files": [["a.json"]], "options": {"auto_commit": ""}}', 1801, AUTO_COMMIT),  # before required
    ("create", b'{"collectionName": "c", "files": [["a.json"]], "options": {"auto_commit": true}}', 1801,
     UNMARSHAL.format("bool", ALIAS.format("options"), "string")),
    ("create", b'{"collectionName": "c", "files": [["a.json"]], "options": "x"}', 1801,
     UNMARSHAL.format("string", ALIAS.format("options"), "map[string]*string")),
    ("create", b'{"collectionName": "c", "files": "a.json"}', 1801,
     UNMARSHAL.format("string", ALIAS.format("files"), "[][]string")),
    ("create", b'{"collectionName": "c", "files": ["a.json"]}', 1801,
     UNMARSHAL.format("string", ALIAS.format("files"), "[]string")),
    ("create", b'{"files": 5, "collectionName": 3}', 1801,  # the first wrong key of the body
     UNMARSHAL.format("number", ALIAS.format("files"), "[][]string")),
    ("create", b"[1]", 1801, FORMAT + "json: cannot unmarshal array into Go value of type httpserver.importReqAlias"),
])
def test_requests_refused_as_milvus(import_server: tuple[ServeProcess, Path], path: str, raw: bytes, code: int,
                                    message: str) -> None:
    assert _post(import_server[0].address, path, raw=raw) == {"code": code, "message": message}


def _state(address: str, job_id: str, *until: str) -> dict:
    deadline = time.monotonic() + 60
    while True:
        data = _post(address, "get_progress", {"jobId": job_id})["data"]
        if data["state"] in until or time.monotonic() > deadline:
            return data
        time.sleep(0.1)


def test_commit_and_abort(import_server: tuple[ServeProcess, Path]) -> None:
    process, folder = import_server
    client = MilvusClient(uri=f"http://{process.address}")
    client.create_collection("two_phase", dimension=2, auto_id=False)
    try:
        for key, ids in (("c.json", range(4)), ("a.json", range(10, 12))):
            (folder / key).write_text(json.dumps({"rows": [{"id": i, "vector": [i, 1.0]} for i in ids]}))
        jobs = [_post(process.address, "create", {"collectionName": "two_phase", "files": [[key]],
                                                  "options": {"auto_commit": "False"}})["data"]["jobId"]
                for key in ("c.json", "a.json")]
        for job_id in jobs:
            data = _state(process.address, job_id, "Uncommitted", "Completed", "Failed")
            assert (data["state"], data["progress"], data["completeTime"]) == ("Uncommitted", 99, "")
            assert data["details"][0]["state"] == "Completed" and data["details"][0]["progress"] == 100
        assert client.query("two_phase", filter="", output_fields=["count(*)"]) == [{"count(*)": 0}]
        listed = _post(process.address, "list", {"collectionName": "two_phase"})["data"]["records"]
        assert [(r["jobId"], r["state"], r["progress"]) for r in listed] == [(j, "Uncommitted", 99) for j in jobs]

        commit, abort = jobs
        assert _post(process.address, "commit", {"jobId": commit}) == {"code": 0, "data": {}}
        assert _post(process.address, "commit", {"jobId": commit}) == {"code": 0, "data": {}}
        data = _state(process.address, commit, "Completed", "Failed")
        assert (data["state"], data["progress"], data["importedRows"], data["totalRows"]) == ("Completed", 100, 4, 4)
        assert _post(process.address, "abort", {"jobId": commit}) == {"code": 2100, "message": (
            f"job {commit} is in terminal/committed state Completed, abort not allowed: importing data failed")}

        assert _post(process.address, "abort", {"jobId": abort}) == {"code": 0, "data": {}}
        assert _post(process.address, "abort", {"jobId": abort}) == {"code": 0, "data": {}}
        data = _post(process.address, "describe", {"jobId": abort})["data"]
        assert (data["state"], data["progress"], data["reason"], data["importedRows"]) == ("Failed", 0,
                                                                                           "aborted by user", 0)
        assert _post(process.address, "commit", {"jobId": abort}) == {"code": 2100, "message": (
            f"job {abort} is in state Failed, expected Uncommitted: importing data failed")}
        assert client.query("two_phase", filter="", output_fields=["count(*)"]) == [{"count(*)": 4}]
    finally:
        client.drop_collection("two_phase")
        client.close()
