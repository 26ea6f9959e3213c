"""Milvus's RESTful API v2 on ``pgmilvus serve --rest``'s port, with raw HTTP (``requests``), as Milvus answers it.

Table-driven: bad bodies and unknown routes get Milvus's codes and texts (gin's
binding: 1801 / 1802, gin's 404), the database comes from ``dbName`` or the
``DB-Name`` header, errors of the core carry the same code and text as over
gRPC, the collection endpoints answer Milvus's shapes, and with
``--require-auth`` a caller without valid ``Authorization`` gets HTTP 401 with
code 1800.
"""

from __future__ import annotations

import base64
import re
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest

pytest.importorskip("grpc")
pytest.importorskip("pymilvus")
requests = pytest.importorskip("requests")

from pymilvus import DataType, MilvusClient, MilvusException  # noqa: E402

from tests.fix_db import TCP_PASSWORD, TCP_USER  # noqa: E402
from tests.fix_server import ServeProcess  # noqa: E402
from tests.server.fix_rest import import_server, rest_module_address, rest_module_process  # noqa: E402,F401

REQUIRED = ("missing required parameters, error: Key: '{0}.{1}' Error:Field validation for '{1}' failed on "
            "the 'required' tag")


def _post(address: str, path: str, body: object = None, raw: bytes | None = None,
          headers: dict | None = None, method: str = "POST") -> requests.Response:
    data = raw if raw is not None else (None if body is None else __import__("json").dumps(body).encode())
    return requests.request(method, f"http://{address}/v2/vectordb{path}", data=data, headers=headers or {},
                            timeout=30)


@pytest.mark.parametrize("path, raw, code, message", [
    ("/collections/has", b"", 1801,
     "can only accept json format request, the request body should be nil, however {} is valid"),
    ("/collections/has", b"{\"collectionName\": ", 1801, "can only accept json format request, error: "),
    ("/collections/has", b"[1, 2]", 1801, "can only accept json format request, error: json: cannot unmarshal "
                                          "array into Go value of type httpserver.CollectionNameReq"),
    ("/collections/has", b"{\"collectionName\": 5}", 1801, "can only accept json format request, error: json: "
     "cannot unmarshal number into Go struct field CollectionNameReq.collectionName of type string"),
    ("/collections/has", b"{}", 1802, REQUIRED.format("CollectionNameReq", "CollectionName")),
    ("/collections/describe", b"{\"collectionName\": \"\"}", 1802,
     REQUIRED.format("CollectionNameReq", "CollectionName")),
    ("/jobs/import/describe", b"{}", 1802, REQUIRED.format("JobIDReq", "JobID")),
    ("/jobs/import/get_progress", b"{\"jobId\": 7}", 1801, "can only accept json format request, error: json: "
     "cannot unmarshal number into Go struct field JobIDReq.jobId of type string"),
    ("/jobs/import/create", b"{\"collectionName\": \"c\"}", 1802, REQUIRED.format("ImportReq", "Files")),
    ("/jobs/import/create", b"{\"collectionName\": \"c\", \"files\": [[\"a\", 1]]}", 1801,
     "can only accept json format request, error: json: cannot unmarshal number into Go struct field "
     "importReqAlias.files of type string"),
    ("/jobs/import/create", b"{\"files\": []}", 1802, REQUIRED.format("ImportReq", "CollectionName")),
    ("/collections/list", b"{\"dbName\": \"nope\"}", 800, "database not found[database=nope]"),
])
def test_bad_requests_answer_milvus_codes(serve_address, path, raw, code, message) -> None:
    answer = _post(serve_address, path, raw=raw)
    assert answer.status_code == 200
    body = answer.json()
    assert body["code"] == code and set(body) == {"code", "message"}
    assert body["message"].startswith(message) if message.endswith(": ") else body["message"] == message


@pytest.mark.parametrize("raw, answer", [
    (b"{\"CollectionName\": \"nope\", \"extra\": [1]}", {"code": 0, "data": {"has": False}}),  # as Go decodes
    (b"{\"collectionName\": null}", {"code": 1802, "message": REQUIRED.format("CollectionNameReq",
                                                                            "CollectionName")}),
    (b"{\"collectionName\": \"nope\", \"dbName\": null}", {"code": 0, "data": {"has": False}}),
])
def test_bodies_decode_as_go_does(serve_address, raw, answer) -> None:
    assert _post(serve_address, "/collections/has", raw=raw).json() == answer


@pytest.mark.parametrize("method, path", [
    ("POST", "/collections/nope"), ("GET", "/collections/list"), ("PUT", "/collections/has"),
    ("POST", "/entities/nope"), ("POST", "/../etc/passwd"),
])
def test_unknown_routes_answer_gins_404(serve_address, method, path) -> None:
    answer = _post(serve_address, path, body={}, method=method)
    assert (answer.status_code, answer.text) == (404, "404 page not found")


def test_database_from_body_header_or_default(wire_client, serve_address) -> None:
    wire_client.create_database("other")
    other = MilvusClient(uri=f"http://{serve_address}", db_name="other")
    other.create_collection("in_other", dimension=3)
    wire_client.create_collection("in_default", dimension=3)
    other.close()
    for body, headers, names in [({}, {}, ["in_default"]), ({"dbName": "other"}, {}, ["in_other"]),
                                 ({}, {"DB-Name": "other"}, ["in_other"]),
                                 ({"dbName": "default"}, {"DB-Name": "other"}, ["in_default"])]:
        assert _post(serve_address, "/collections/list", body, headers=headers).json() == {"code": 0, "data": names}


def test_core_errors_read_as_over_grpc(wire_client, serve_address) -> None:
    with pytest.raises(MilvusException) as info:
        wire_client.describe_collection("missing")
    assert _post(serve_address, "/collections/describe", {"collectionName": "missing"}).json() == {
        "code": info.value.code, "message": info.value.message}


def test_describe_collection_shape(wire_client, serve_address) -> None:
    schema = wire_client.create_schema(auto_id=True, enable_dynamic_field=False, description="docs")
    schema.add_field("pk", DataType.INT64, is_primary=True, auto_id=True)
    schema.add_field("title", DataType.VARCHAR, max_length=64, is_partition_key=True)
    schema.add_field("tags", DataType.ARRAY, element_type=DataType.INT32, max_capacity=4, nullable=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=3)
    index = wire_client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="L2", params={"M": 8, "efConstruction": 32})
    wire_client.create_collection("shape", schema=schema, index_params=index, num_partitions=4)
    wire_client.create_alias("shape", "shape_alias")
    data = _post(serve_address, "/collections/describe", {"collectionName": "shape"}).json()
    assert data["code"] == 0 and data["message"] == ""
    got = data["data"]
    described = wire_client.describe_collection("shape")
    assert {k: got[k] for k in ("collectionName", "collectionID", "description", "autoId", "aliases", "load",
                                "shardsNum", "partitionsNum", "consistencyLevel", "enableDynamicField",
                                "structFields", "functions", "indexes")} == {
        "collectionName": "shape", "collectionID": described["collection_id"], "description": "docs",
        "autoId": True, "aliases": ["shape_alias"], "load": "LoadStateLoaded", "shardsNum": 1,
        "partitionsNum": 4, "consistencyLevel": "Bounded", "enableDynamicField": False, "structFields": [],
        "functions": [], "indexes": [{"indexName": "v", "fieldName": "v", "metricType": "L2"}]}
    base = {"primaryKey": False, "partitionKey": False, "clusteringKey": False, "autoId": False,
            "description": "", "nullable": False}
    ids = {f["name"]: f["field_id"] for f in described["fields"]}
    assert got["fields"] == [
        {**base, "name": "pk", "primaryKey": True, "autoId": True, "type": "Int64", "id": ids["pk"]},
        {**base, "name": "title", "partitionKey": True, "type": "VarChar", "id": ids["title"],
         "params": [{"key": "max_length", "value": "64"}]},
        {**base, "name": "tags", "nullable": True, "type": "Array", "id": ids["tags"],
         "params": [{"key": "max_capacity", "value": "4"}], "elementType": "Int32"},
        {**base, "name": "v", "type": "FloatVector", "id": ids["v"], "params": [{"key": "dim", "value": "3"}]}]


def test_describe_notes_a_missing_index(wire_client, serve_address) -> None:
    schema = wire_client.create_schema()
    schema.add_field("pk", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=3)
    wire_client.create_collection("bare", schema=schema)
    answer = _post(serve_address, "/collections/describe", {"collectionName": "bare"}).json()
    assert answer["code"] == 0 and answer["data"]["indexes"] == []
    assert answer["message"] == "index not found[collection=bare];"


# -- authentication ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def auth_server(tcp_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    import psycopg
    from psycopg import sql

    from pgmilvus.pg.connection import dsn_with

    name = f"rest_auth_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(tcp_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    server = ServeProcess(dsn_with(tcp_dsn, dbname=name), tmp_path_factory.mktemp("rest") / "serve.log",
                          workers=2, extra=("--rest", "--require-auth"))
    yield server
    assert server.stop() == 0
    with psycopg.connect(tcp_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize("authorization, status", [
    (None, 401), ("", 401), ("Bearer ", 401), (f"Bearer {TCP_USER}:wrong", 401), ("Bearer some-api-key", 401),
    (f"Bearer {TCP_USER}:", 401), (f"Bearer {TCP_USER}:{TCP_PASSWORD}", 200),
    (_basic(TCP_USER, TCP_PASSWORD), 200), (_basic(TCP_USER, "wrong"), 401),
])
def test_require_auth(auth_server, authorization, status) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    answer = _post(auth_server.address, "/collections/list", {}, headers=headers)
    assert answer.status_code == status
    assert answer.json() == ({"code": 0, "data": []} if status == 200
                             else {"code": 1800, "message": "user hasn't authenticated"})
    unknown = _post(auth_server.address, "/nope", {}, headers=headers)  # Milvus authenticates before routing
    assert (unknown.status_code, unknown.text if status == 200 else unknown.json()) == (
        (404, "404 page not found") if status == 200
        else (401, {"code": 1800, "message": "user hasn't authenticated"}))


def test_logs_one_line_per_call(serve_process, serve_address) -> None:
    marker = f"db_{uuid.uuid4().hex[:6]}"
    _post(serve_address, "/collections/list", {"dbName": marker})
    lines = [line for line in serve_process.log().splitlines() if marker in line]
    assert len(lines) == 1 and "REST /v2/vectordb/collections/list" in lines[0] and "code=800" in lines[0]


# -- bulk import, end to end with pymilvus's own bulk_writer functions --------------------------------

def _written(folder: Path, rows: int) -> list[list[str]]:
    """Parquet files of ``rows`` rows, written by pymilvus's LocalBulkWriter; keys relative to the folder."""
    from pymilvus.bulk_writer import BulkFileType, LocalBulkWriter

    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=4)
    schema.add_field("label", DataType.VARCHAR, max_length=32)
    schema.verify()
    writer = LocalBulkWriter(schema=schema, local_path=str(folder / "bw"), file_type=BulkFileType.PARQUET)
    for i in range(rows):
        writer.append_row({"id": i, "vector": [float(i), 1.0, 2.0, 3.0], "label": f"l{i}"})
    writer.commit()
    return [[str(Path(f).relative_to(folder)) for f in group] for group in writer.batch_files]


def test_bulk_import_end_to_end(import_server) -> None:
    from pymilvus.bulk_writer import bulk_import, get_import_progress, list_import_jobs

    server, folder = import_server
    url = f"http://{server.address}"
    client = MilvusClient(uri=url)
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=4)
    schema.add_field("label", DataType.VARCHAR, max_length=32)
    index = client.prepare_index_params()
    index.add_index("vector", metric_type="L2")
    client.create_collection("bulk", schema=schema, index_params=index)
    try:
        files = _written(folder, 120)
        job_id = bulk_import(url=url, collection_name="bulk", files=files).json()["data"]["jobId"]
        assert isinstance(job_id, str) and job_id.isdigit()
        deadline = time.monotonic() + 120
        while True:
            progress = get_import_progress(url=url, job_id=job_id).json()
            if progress["data"]["state"] in ("Completed", "Failed") or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        data = progress["data"]
        assert progress["code"] == 0 and data["state"] == "Completed", data
        assert set(data) == {"jobId", "createTime", "collectionName", "completeTime", "state", "progress",
                             "importedRows", "totalRows", "fileSize", "details"}
        assert (data["jobId"], data["collectionName"], data["progress"], data["importedRows"],
                data["totalRows"]) == (job_id, "bulk", 100, 120, 120)
        size = (folder / files[0][0]).stat().st_size
        assert data["fileSize"] == size and data["createTime"] and data["completeTime"]
        assert data["details"] == [{"fileName": f"[{files[0][0]}]", "fileSize": size, "progress": 100,
                                    "completeTime": data["completeTime"], "state": "Completed",
                                    "importedRows": 120, "totalRows": 120}]
        assert _post(server.address, "/jobs/import/get_progress", {"jobId": job_id}).json() == progress
        listed = list_import_jobs(url=url, collection_name="bulk").json()
        assert listed == {"code": 0, "data": {"records": [
            {"jobId": job_id, "collectionName": "bulk", "state": "Completed", "progress": 100}]}}
        assert client.query("bulk", filter="", output_fields=["count(*)"]) == [{"count(*)": 120}]
    finally:
        client.drop_collection("bulk")
        client.close()


def test_bulk_import_errors(import_server, serve_address) -> None:
    from pymilvus.bulk_writer import bulk_import

    server, folder = import_server
    client = MilvusClient(uri=f"http://{server.address}")
    client.create_collection("bulk_err", dimension=4)
    try:
        from pgmilvus.errors import collection_not_found

        missing = collection_not_found("no_such")  # the core's text, as gRPC's Import answers it
        cases = [
            (server.address, "/jobs/import/create", {"collectionName": "no_such", "files": [["a.parquet"]]},
             missing.code, missing.message),
            (server.address, "/jobs/import/create", {"collectionName": "bulk_err", "files": []}, 1100,
             "import request is empty: invalid parameter"),
            (server.address, "/jobs/import/describe", {"jobId": "abc"}, 1100,
             'parse job id failed: strconv.ParseInt: parsing "abc": invalid syntax: invalid parameter'),
        ]
        for address, path, body, code, message in cases:
            assert _post(address, path, body).json() == {"code": code, "message": message}, path
        # pymilvus's bulk_import reports an error envelope as Milvus's does
        with pytest.raises(MilvusException, match=f"code: 100, message: {re.escape(missing.message)}"):
            bulk_import(url=f"http://{server.address}", collection_name="no_such", files=[["a.parquet"]])
        # a missing file fails the job (Milvus finds it out in its pre-import step, after create)
        job_id = bulk_import(url=f"http://{server.address}", collection_name="bulk_err",
                             files=[["missing.parquet"]]).json()["data"]["jobId"]
        deadline = time.monotonic() + 60
        while (data := _post(server.address, "/jobs/import/describe", {"jobId": job_id}).json()["data"])["state"] \
                not in ("Completed", "Failed") and time.monotonic() < deadline:
            time.sleep(0.3)
        assert data["state"] == "Failed" and "missing.parquet" in data["reason"]
        assert data["details"][0]["reason"] == data["reason"]
        # a server without --import-from refuses imports, saying why
        no_source = _post(serve_address, "/jobs/import/create", {"collectionName": "x", "files": [["a.json"]]})
        assert no_source.json()["code"] == 2101 and "--import-from" in no_source.json()["message"]
    finally:
        client.drop_collection("bulk_err")
        client.close()
