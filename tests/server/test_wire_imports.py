"""Bulk import over the wire: unmodified pymilvus's ``utility.do_bulk_insert`` / ``get_bulk_insert_state``
/ ``list_bulk_insert_tasks`` against a real ``pgmilvus serve --import-from s3://...`` reading a real S3
server (moto), with files pymilvus's LocalBulkWriter wrote."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.fix_server import ServeProcess

# pymilvus 3 deprecates the ORM calls tested here (PyMilvusDeprecationWarning is a FutureWarning)
pytestmark = pytest.mark.filterwarnings("ignore:.*ORM-style PyMilvus API:FutureWarning")

pymilvus = pytest.importorskip("pymilvus")
bulk_writer = pytest.importorskip("pymilvus.bulk_writer")
from pymilvus import DataType, MilvusClient, connections, utility  # noqa: E402
from pymilvus.exceptions import MilvusException  # noqa: E402


@pytest.fixture(scope="module")
def import_server(serve_dsn: str, s3_bucket: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    log = Path(tmp_path_factory.mktemp("imports")) / "serve.log"
    server = ServeProcess(serve_dsn, log, extra=("--import-from", s3_bucket.spec))
    yield server
    assert server.stop() == 0, server.log()[-3000:]


@pytest.fixture
def orm(import_server: ServeProcess, serve_dsn: str) -> Iterator[str]:
    """An ORM connection alias to the import server, and a MilvusClient on it for the setup."""
    alias = f"imports_{uuid.uuid4().hex[:6]}"
    connections.connect(alias, uri=f"http://{import_server.address}")
    yield alias
    connections.disconnect(alias)
    from tests.fix_server import _wipe

    _wipe(serve_dsn)


def _schema() -> Any:
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("title", DataType.VARCHAR, max_length=32, nullable=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=3)
    struct = MilvusClient.create_struct_field_schema()
    struct.add_field("n", DataType.INT32)
    schema.add_field("st", DataType.ARRAY, element_type=DataType.STRUCT, struct_schema=struct, max_capacity=2)
    return schema


def _upload(s3_bucket: Any, tmp_path: Path, fmt: Any, rows: list[dict], schema: Any = None) -> list[str]:
    """LocalBulkWriter's files of ``rows``, put in the bucket; their keys (one group)."""
    writer = bulk_writer.LocalBulkWriter(schema=schema or _schema(), local_path=str(tmp_path), file_type=fmt)
    for row in rows:
        writer.append_row(row)
    writer.commit()
    return [s3_bucket.upload(f"wire/{Path(f).relative_to(tmp_path)}", f) for f in writer.batch_files[0]]


def _wait(task_id: int, alias: str) -> Any:
    deadline = time.monotonic() + 60
    state = utility.get_bulk_insert_state(task_id, using=alias)
    while state.state_name not in ("Completed", "Failed") and time.monotonic() < deadline:
        time.sleep(0.1)
        state = utility.get_bulk_insert_state(task_id, using=alias)
    return state


def _collection(alias: str, name: str, schema: Any = None) -> MilvusClient:
    client = MilvusClient(uri=f"http://{connections.get_connection_addr(alias)['address']}")
    client.create_collection(name, schema=schema or _schema())
    return client


def test_do_bulk_insert_parquet_from_the_bucket(orm: str, s3_bucket: Any, tmp_path: Path) -> None:
    client = _collection(orm, "wire_import")
    rows = [{"id": i, "title": None if i % 2 else f"t{i}", "v": [0.5, float(i), 1.0], "st": [{"n": i}],
             "color": "red"} for i in range(30)]
    files = _upload(s3_bucket, tmp_path, bulk_writer.BulkFileType.PARQUET, rows)
    task_id = utility.do_bulk_insert("wire_import", files=files, using=orm)
    assert isinstance(task_id, int) and task_id > 0
    state = _wait(task_id, orm)
    assert (state.state_name, state.row_count, state.progress, state.failed_reason) == ("Completed", 30, 100, "")
    assert state.create_timestamp > 0 and state.task_id == task_id
    got = client.query("wire_import", filter="id == 3", output_fields=["title", "st", "color"])
    assert [dict(r) for r in got] == [{"id": 3, "title": None, "st": [{"n": 3}], "color": "red"}]
    listed = utility.list_bulk_insert_tasks(collection_name="wire_import", using=orm)
    # as Milvus's proxy lists them: state and progress, no id, rows nor create time
    assert [(t.state_name, t.progress, t.row_count) for t in listed] == [("Completed", 100, 0)]
    client.close()


def test_numpy_group_and_a_failed_job(orm: str, s3_bucket: Any, tmp_path: Path) -> None:
    schema = MilvusClient.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    client = _collection(orm, "wire_numpy", schema)
    rows = [{"id": i, "v": [float(i), 1.0]} for i in range(12)]
    files = _upload(s3_bucket, tmp_path / "np", bulk_writer.BulkFileType.NUMPY, rows, schema)
    assert sorted(Path(f).name for f in files) == ["id.npy", "v.npy"]  # one group: the proxy sends one
    state = _wait(utility.do_bulk_insert("wire_numpy", files=files, using=orm), orm)
    assert (state.state_name, state.row_count) == ("Completed", 12), state.failed_reason

    bad = _upload(s3_bucket, tmp_path / "bad", bulk_writer.BulkFileType.JSON, [{"id": 99, "v": [1.0, 2.0]}], schema)
    state = _wait(utility.do_bulk_insert("wire_numpy", files=bad, using=orm, partition_name="_default"), orm)
    assert state.state_name == "Completed"
    # the same primary key again: pgmilvus keeps keys unique (insert's rule), so the job fails
    state = _wait(utility.do_bulk_insert("wire_numpy", files=bad, using=orm), orm)
    assert (state.state_name, state.row_count, state.progress) == ("Failed", 0, 0)
    assert state.failed_reason == ("error: primary key 99 (row 0) already exists in collection wire_numpy: pgmilvus "
                                   "keeps `id` unique; nothing was inserted. Use upsert() to replace existing "
                                   f"entities, file: {bad[0]}")
    assert client.query("wire_numpy", filter="", output_fields=["count(*)"])[0]["count(*)"] == 13
    client.close()


@pytest.mark.parametrize("call, code, message", [
    (lambda alias: utility.do_bulk_insert("absent", files=["a.json"], using=alias), 100,
     "collection not found[database=default][collection=absent]"),
    (lambda alias: utility.do_bulk_insert("wire_refused", files=["a.json", "b.json"], using=alias), 2100,
     "for JSON import, accepts only one file: importing data failed"),
    (lambda alias: utility.do_bulk_insert("wire_refused", files=["a.json"], partition_name="p0", using=alias), 200,
     "partition not found[partition=p0]"),
    (lambda alias: utility.get_bulk_insert_state(42, using=alias), 2101,
     "import job does not exist, jobID=42: importing data failed on server side"),
])
def test_refusals_carry_milvus_codes(orm: str, call: Any, code: int, message: str) -> None:
    _collection(orm, "wire_refused").close()
    with pytest.raises(MilvusException) as err:
        call(orm)
    assert (err.value.code, err.value.message) == (code, message)


def test_a_server_without_import_from_names_the_option(wire_client: Any, serve_address: str) -> None:
    wire_client.create_collection("no_source", dimension=2)
    alias = f"nosource_{uuid.uuid4().hex[:6]}"
    connections.connect(alias, uri=f"http://{serve_address}")
    try:
        with pytest.raises(MilvusException) as err:
            utility.do_bulk_insert("no_source", files=["a.parquet"], using=alias)
    finally:
        connections.disconnect(alias)
    assert err.value.code == 2101 and "--import-from" in err.value.message
