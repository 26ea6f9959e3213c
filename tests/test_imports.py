"""Bulk import jobs (adapter/pgmilvus/imports/): files written by pymilvus's LocalBulkWriter, read
from a local folder or a real S3 server, land in one transaction; what Milvus refuses at create is
refused with its code and text; a failed job writes nothing and says why."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pytest

bulk_writer = pytest.importorskip("pymilvus.bulk_writer")
from pymilvus import DataType, Function, FunctionType  # noqa: E402

from pgmilvus import MilvusClient, imports  # noqa: E402
from pgmilvus.errors import MilvusException  # noqa: E402

FILE_TYPES = {"json": bulk_writer.BulkFileType.JSON, "jsonl": bulk_writer.BulkFileType.JSONL,
              "parquet": bulk_writer.BulkFileType.PARQUET, "csv": bulk_writer.BulkFileType.CSV,
              "numpy": bulk_writer.BulkFileType.NUMPY}


@pytest.fixture(scope="module")
def client(module_db: str) -> Iterator[MilvusClient]:
    with MilvusClient(module_db) as c:
        yield c


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "files"


def _collection(client: MilvusClient, name: str, schema: Any) -> str:
    if client.has_collection(name):
        client.drop_collection(name)
    client.create_collection(name, schema=schema)
    return name


def _write(schema: Any, rows: list[dict], fmt: str, folder: Path) -> list[list[str]]:
    """The rows as LocalBulkWriter writes them under ``folder``; the file groups, keys relative to it."""
    writer = bulk_writer.LocalBulkWriter(schema=schema, local_path=str(folder), file_type=FILE_TYPES[fmt])
    for row in rows:
        writer.append_row(dict(row))
    writer.commit()
    return [[str(Path(f).relative_to(folder)) for f in group] for group in writer.batch_files]


def _wait(client: MilvusClient, job_id: str, timeout: float = 60) -> imports.ImportJob:
    deadline = time.monotonic() + timeout
    while True:
        job = imports.describe_job(client, job_id)
        if job.state in ("Completed", "Failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def _import(client: MilvusClient, folder: Path, name: str, files: list[list[str]], **kwargs: Any) -> imports.ImportJob:
    job_id = imports.create_job(client, imports.open_source(str(folder)), name, files, **kwargs)
    assert int(job_id) > 0
    return _wait(client, job_id)


# -- schemas and rows --------------------------------------------------------------------------------

def _all_types(numpy: bool = False) -> Any:
    """Every field type LocalBulkWriter writes in every format (numpy: no arrays, sparse, structs)."""
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("b", DataType.BOOL)
    schema.add_field("i8", DataType.INT8)
    schema.add_field("i32", DataType.INT32, nullable=not numpy)
    schema.add_field("d", DataType.DOUBLE)
    schema.add_field("s", DataType.VARCHAR, max_length=32)
    schema.add_field("j", DataType.JSON, nullable=not numpy)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=4)
    schema.add_field("bv", DataType.BINARY_VECTOR, dim=16)
    schema.add_field("hv", DataType.FLOAT16_VECTOR, dim=4)
    schema.add_field("bf", DataType.BFLOAT16_VECTOR, dim=4)
    schema.add_field("iv", DataType.INT8_VECTOR, dim=4)
    schema.add_field("ts", DataType.TIMESTAMPTZ, nullable=not numpy)
    schema.add_field("g", DataType.GEOMETRY)
    if not numpy:
        schema.add_field("ai", DataType.ARRAY, element_type=DataType.INT64, max_capacity=4, nullable=True)
        schema.add_field("sp", DataType.SPARSE_FLOAT_VECTOR)
        struct = MilvusClient.create_struct_field_schema()
        struct.add_field("n", DataType.INT32)
        struct.add_field("t", DataType.VARCHAR, max_length=16)
        struct.add_field("e", DataType.FLOAT_VECTOR, dim=2)
        schema.add_field("st", DataType.ARRAY, element_type=DataType.STRUCT, struct_schema=struct, max_capacity=3)
    return schema


def _all_types_row(i: int, numpy: bool = False) -> dict:
    import ml_dtypes

    row = {"id": i, "b": i % 2 == 0, "i8": i % 100, "i32": None if (i % 3 == 0 and not numpy) else i * 7,
           "d": i / 4, "s": f"s{i}", "j": None if (i % 4 == 0 and not numpy) else {"k": i, "tag": ["a", "b"]},
           "v": [float(i), 0.5, -1.0, 2.0], "bv": bytes([i % 256, 0b10101010]),
           "hv": np.array([1.0, 0.5, float(i % 8), -2.0], dtype=np.float16),
           "bf": np.array([1.0, 0.5, float(i % 8), -2.0], dtype=ml_dtypes.bfloat16),
           "iv": np.array([1, -2, i % 100, 4], dtype=np.int8), "extra": f"x{i}",
           "ts": None if (i % 6 == 1 and not numpy) else f"2025-01-0{1 + i % 3}T0{i % 10}:00:00Z",
           "g": f"POINT ({i} 2)"}
    if not numpy:
        row.update({"ai": None if i % 5 == 0 else [i, i + 1], "sp": {1: 0.5, 10 + i % 7: float(i + 1)},
                    "st": [{"n": k, "t": f"t{i}.{k}", "e": [float(k), 1.5]} for k in range(i % 3)]})
    return row


def _comparable(row: dict, numpy: bool = False) -> tuple:
    out = (row["id"], row["b"], row["i8"], row["i32"], row["d"], row["s"], row["j"],
           [round(float(x), 4) for x in row["v"]], bytes(row["bv"][0] if isinstance(row["bv"], list) else row["bv"]),
           row["extra"], row["ts"], row["g"])
    if not numpy:
        out += (list(row["ai"]) if row["ai"] is not None else None,
                {int(k): round(float(v), 4) for k, v in dict(row["sp"]).items()},
                [(s["n"], s["t"], [round(float(x), 4) for x in s["e"]]) for s in row["st"]])
    return out


@pytest.mark.parametrize("fmt", ["json", "jsonl", "parquet", "csv", "numpy"])
def test_every_format_lands_every_row(client: MilvusClient, folder: Path, fmt: str) -> None:
    numpy = fmt == "numpy"
    schema = _all_types(numpy)
    rows = [_all_types_row(i, numpy) for i in range(60)]
    name = _collection(client, f"all_{fmt}", schema)
    files = _write(schema, rows, fmt, folder)
    job = _import(client, folder, name, files)
    assert (job.state, job.progress, job.reason, job.imported_rows, job.total_rows) == ("Completed", 100, "", 60, 60)
    assert job.files == files and job.file_size > 0 and job.create_time.endswith("Z") and job.complete_time
    got = client.query(name, filter="id >= 0", output_fields=["*"], limit=100)
    assert sorted(_comparable(r, numpy) for r in got) == sorted(_comparable(r, numpy) for r in rows)
    one = client.get(name, ids=[5], output_fields=["hv", "bf", "iv"])[0]
    assert np.frombuffer(one["hv"][0], dtype=np.float16).tolist() == [1.0, 0.5, 5.0, -2.0]
    assert np.frombuffer(one["iv"][0], dtype=np.int8).tolist() == [1, -2, 5, 4]


def _auto_bm25(module: Any = None) -> Any:
    """(``module``: pymilvus, for the writer: it reads default values from pymilvus's own schema.)"""
    schema = (module or MilvusClient).create_schema(auto_id=True, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=200, enable_analyzer=True)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("score", DataType.INT32, default_value=7)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                 output_field_names=["sparse"]))
    return schema


def test_auto_id_functions_and_defaults_run_as_insert(client: MilvusClient, folder: Path) -> None:
    schema = _auto_bm25()
    name = _collection(client, "auto_bm25", schema)
    rows = [{"text": f"the quick fox number {i}"} for i in range(10)] + [{"text": "lazy dog", "score": 1}]
    import pymilvus

    job = _import(client, folder, name, _write(_auto_bm25(pymilvus.MilvusClient), rows, "parquet", folder))
    assert (job.state, job.imported_rows) == ("Completed", 11)
    assert [r["text"] for r in client.query(name, filter="score == 1", output_fields=["text"])] == ["lazy dog"]
    client.create_index(name, client.prepare_index_params("sparse", index_type="SPARSE_INVERTED_INDEX",
                                                          metric_type="BM25"))
    client.load_collection(name)
    hits = client.search(name, data=["lazy dog"], anns_field="sparse", limit=1, output_fields=["text"])
    assert hits[0][0]["entity"]["text"] == "lazy dog"  # BM25 ran on the imported rows
    assert client.query(name, filter="score == 7", output_fields=["count(*)"])[0]["count(*)"] == 10


def test_files_from_a_real_s3_server(client: MilvusClient, folder: Path, s3_bucket: Any) -> None:
    schema = _all_types()
    name = _collection(client, "from_s3", schema)
    rows = [_all_types_row(i) for i in range(25)]
    keys = [[s3_bucket.upload(f"jobs/{f}", str(folder / f)) for f in group]
            for group in _write(schema, rows, "parquet", folder)]
    job_id = imports.create_job(client, imports.open_source(s3_bucket.spec), name, keys)
    job = _wait(client, job_id)
    assert (job.state, job.imported_rows) == ("Completed", 25)
    assert client.query(name, filter="", output_fields=["count(*)"])[0]["count(*)"] == 25

    missing = imports.create_job(client, imports.open_source(s3_bucket.spec), name, [["jobs/none.parquet"]])
    job = _wait(client, missing)
    assert job.state == "Failed" and job.reason.startswith(
        f"error: failed to read the file 'jobs/none.parquet' from bucket {s3_bucket.bucket} at 127.0.0.1:")
    assert job.reason.endswith(": NoSuchKey: importing data failed on server side, file: jobs/none.parquet")


# -- failed jobs: Milvus's reasons, nothing written ------------------------------------------------

def _simple(auto_id: bool = False, dynamic: bool = False) -> Any:
    schema = MilvusClient.create_schema(auto_id=auto_id, enable_dynamic_field=dynamic)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    return schema


def _raw(folder: Path, key: str, text: "str | bytes") -> list[str]:
    path = folder / key
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return [key]


def _npy(folder: Path, key: str, array: np.ndarray) -> str:
    path = folder / key
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, array)
    return key


def _parquet(folder: Path, key: str, columns: dict) -> list[str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), folder / key)
    return [key]


FAILURES: list[tuple[str, Callable[[Path], list[list[str]]], bool, str]] = [
    ("auto_id key in the file", lambda f: [_raw(f, "a.json", '{"rows": [{"id": 1, "v": [1, 2]}]}')], True,
     "error: the primary key 'id' is auto-generated, no need to provide: importing data failed, file: a.json"),
    ("missing field", lambda f: [_raw(f, "m.jsonl", '{"id": 1}\n')], False,
     "error: value of field 'v' is missed: importing data failed, file: m.jsonl"),
    ("null in a non-nullable field (JSON)", lambda f: [_raw(f, "n.json", '{"rows": [{"id": 1, "v": null}]}')],
     False, "error: expected type 'FloatVector' for field 'v', got type '<nil>' with value '<nil>': importing data "
     "failed, file: n.json"),
    ("null in a non-nullable field (Parquet)", lambda f: [_parquet(f, "n.parquet", {"id": [1], "v": [None]})], False,
     "error: the field 'v' is not nullable but the file contains null value: importing data failed, file: n.parquet"),
    ("CSV cell of the wrong type", lambda f: [_raw(f, "c.csv", 'id,v\nabc,"[1, 2]"\n')], False,
     "error: expected type 'Int64' for field 'id', got type 'string' with value 'abc': importing data failed, "
     "file: c.csv"),
    ("not JSON", lambda f: [_raw(f, "bad.json", "rows: nope")], False,
     "error: invalid JSON format, the content should be started with '{' or '[': importing data failed, "
     "file: bad.json"),
    ("wrong root key", lambda f: [_raw(f, "root.json", '{"data": []}')], False,
     "error: invalid JSON format, the root key should be 'rows', but get 'data': importing data failed, "
     "file: root.json"),
    ("row not an object", lambda f: [_raw(f, "list.json", "[[1, 2]]")], False,
     "error: invalid JSON format, each row should be a key-value map, but got type []interface {}: importing "
     "data failed, file: list.json"),
    ("numpy row counts differ",
     lambda f: [[_npy(f, "g/id.npy", np.arange(3)), _npy(f, "g/v.npy", np.ones((2, 2), dtype=np.float32))]], False,
     "error: the numpy files of a group hold different row counts: id.npy 3, v.npy 2: importing data failed, "
     "file: g/id.npy, g/v.npy"),
    ("numpy field without a file", lambda f: [[_npy(f, "h/id.npy", np.arange(3))]], False,
     "error: no file for field: v, files: ["),
    ("second group's bad row undoes the first group",
     lambda f: [_raw(f, "ok.json", '{"rows": [{"id": 1, "v": [1, 2]}]}'),
                _raw(f, "dim.json", '{"rows": [{"id": 2, "v": [1, 2, 3]}]}')], False,
     "error: expected dim '2' for field 'v' with type 'FloatVector', got dim '3': importing data failed, "
     "file: dim.json"),
    ("a value insert refuses", lambda f: [_raw(f, "nan.json", '{"rows": [{"id": 1, "v": [1, NaN]}]}')], False,
     "error: value 'NaN' is not a number or infinity"),
    ("JSON not UTF-8", lambda f: [_raw(f, "l1.json", b'{"rows": [{"id": 1, "v": [1, 2], "s": "\xe9t\xe9"}]}')],
     False, "error: the file is not UTF-8 text (byte 0xe9 is not UTF-8): save it as UTF-8: importing data failed, "
     "file: l1.json"),
    ("JSON lines not UTF-8", lambda f: [_raw(f, "l1.jsonl", b'{"id": 1, "v": [1, 2], "s": "\xff"}\n')], False,
     "error: the file is not UTF-8 text (byte 0xff is not UTF-8): save it as UTF-8: importing data failed, "
     "file: l1.jsonl"),
    ("CSV not UTF-8", lambda f: [_raw(f, "l1.csv", b'id,v\n1,"[1, 2]"\n2,"[1, \xff]"\n')], False,
     "error: the file is not UTF-8 text (byte 0xff is not UTF-8): save it as UTF-8: importing data failed, "
     "file: l1.csv"),
    ("a file that is not there", lambda f: [["nowhere.parquet"]], False,
     "error: failed to read the file 'nowhere.parquet' from "),
]


@pytest.mark.parametrize("case, make, auto_id, reason", FAILURES, ids=[c[0] for c in FAILURES])
def test_failed_job_says_why_and_writes_nothing(client: MilvusClient, folder: Path, case: str,
                                                make: Callable, auto_id: bool, reason: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    name = _collection(client, "failing", _simple(auto_id=auto_id))
    job = _import(client, folder, name, make(folder))
    assert (job.state, job.progress, job.imported_rows) == ("Failed", 0, 0)
    assert job.reason.startswith(reason), job.reason
    assert client.query(name, filter="", output_fields=["count(*)"])[0]["count(*)"] == 0


def test_bm25_output_and_dynamic_rules(client: MilvusClient, folder: Path) -> None:
    folder.mkdir(parents=True)
    name = _collection(client, "bm25_out", _auto_bm25())
    job = _import(client, folder, name, [_raw(folder, "o.json", '{"rows": [{"text": "a", "sparse": {"1": 0.5}}]}')])
    assert job.reason == ("error: not allowed to provide data for BM25 function output field 'sparse': importing data "
                          "failed, file: o.json")
    dyn = _collection(client, "dyn", _simple(dynamic=True))
    rows = '{"rows": [{"id": 1, "v": [1, 2], "k": 1, "$meta": {"k": 2}}]}'
    job = _import(client, folder, dyn, [_raw(folder, "d.json", rows)])
    assert job.reason == "error: duplicated key is not allowed, key=k: importing data failed, file: d.json"
    rows = '{"rows": [{"id": 1, "v": [1, 2], "k": 1, "$meta": "{\\"m\\": 2}"}]}'
    assert _import(client, folder, dyn, [_raw(folder, "d2.json", rows)]).state == "Completed"
    assert client.get(dyn, ids=[1], output_fields=["k", "m"])[0] | {} == {"id": 1, "k": 1, "m": 2}
    plain = _collection(client, "plain", _simple())
    rows = '{"rows": [{"id": 1, "v": [1, 2], "unknown": 5}]}'  # skipped, as Milvus 2.6 does
    assert _import(client, folder, plain, [_raw(folder, "p.json", rows)]).state == "Completed"


# -- refused at create: Milvus's codes and texts -----------------------------------------------------

def _partition_key() -> Any:
    schema = _simple()
    schema.add_field("tenant", DataType.VARCHAR, max_length=8, is_partition_key=True)
    return schema


REFUSALS: list[tuple[str, dict, int, str]] = [
    ("unknown collection", {"collection_name": "nope"}, 100, "collection not found[database=default][collection=nope]"),
    ("unknown partition", {"partition_name": "p9"}, 200, "partition not found[partition=p9]"),
    ("partition of a partition-key collection", {"collection_name": "keyed", "partition_name": "_default"}, 2100,
     "not allow to set partition name for collection with partition key: importing data failed"),
    ("no files", {"files": [[], []]}, 1100, "import request is empty: invalid parameter"),
    ("two JSON files in a group", {"files": [["a.json", "b.json"]]}, 2100,
     "for JSON import, accepts only one file: importing data failed"),
    ("mixed types", {"files": [["a.npy", "b.parquet"]]}, 2100,
     "inconsistency in file types, (a.npy) vs (b.parquet): importing data failed"),
    ("unknown type", {"files": [["a.txt"]]}, 2100, "unexpected file type, files=[a.txt]: importing data failed"),
    ("too many files", {"files": [[f"{i}.json"] for i in range(1025)]}, 2100,
     "The max number of import files should not exceed 1024, but got 1025: importing data failed"),
    ("bad timeout", {"options": {"timeout": "soon"}}, 2100,
     'parse timeout failed: time: invalid duration "soon": importing data failed'),
    ("timeout past Go's longest duration", {"options": {"timeout": "9999999h"}}, 2100,
     'parse timeout failed: time: invalid duration "9999999h": importing data failed'),
    ("backup without its partition", {"options": {"backup": "True"}}, 1101,
     "partition not specified: missing parameter"),
    ("backup of an unknown partition", {"partition_name": "p9", "options": {"backup": "true"}}, 200,
     "partition not found[partition=p9]"),
    ("backup restore (a binlog folder: no file type)", {"files": [["backup/1/2"]], "partition_name": "_default",
                                                        "options": {"backup": "true"}}, 3000,
     "the import option backup=true (restoring Milvus backups (binlog files)) is not supported by pgmilvus"),
    ("backup start_ts not a number", {"partition_name": "_default", "options": {"backup": "true", "start_ts": "x"}},
     2100, 'parse start_ts failed, value=x, err=strconv.ParseUint: parsing "x": invalid syntax: importing data failed'),
    ("backup endTs not a hybrid timestamp", {"partition_name": "_default", "options": {"backup": "true", "ENDTS": "5"}},
     2100, "endTs is not a valid hybrid timestamp, value=5: importing data failed"),
    ("backup time range reversed", {"partition_name": "_default",
                                    "options": {"backup": "true", "startTs": str(1 << 60), "end_ts": str(1 << 59)}},
     2100, f"start_ts shouldn't be larger than end_ts, start_ts:{1 << 60}, end_ts:{1 << 59}: importing data failed"),
    ("backup storage_version not a number", {"partition_name": "_default",
                                             "options": {"backup": "true", "storage_version": "abc"}}, 2100,
     'parse storage_version failed, value=abc, err=strconv.ParseInt: parsing "abc": invalid syntax: importing data '
     "failed"),
    ("L0 import into a loaded collection", {"collection_name": "loaded", "files": [["l0/1"]],
                                            "options": {"l0_import": "true"}}, 2100,
     "for l0 import, collection cannot be loaded, please release it first: importing data failed"),
    ("L0 import", {"files": [["l0/1"]], "options": {"l0_import": "TRUE"}}, 3000,
     "the import option l0_import=true (importing deletions (L0 segments)) is not supported by pgmilvus"),
    ("a key out of the folder", {"files": [["../x.json"]]}, 2100, "the file '../x.json' is outside the import directory"),
    ("no source", {"source": None}, 2101, "bulk import needs a place to read files from: start pgmilvus serve with "
                                          "--import-from s3://ACCESS:SECRET@HOST:PORT/BUCKET"),
]


@pytest.mark.parametrize("case, args, code, message", REFUSALS, ids=[c[0] for c in REFUSALS])
def test_create_refuses_what_milvus_refuses(client: MilvusClient, folder: Path, case: str, args: dict,
                                            code: int, message: str) -> None:
    folder.mkdir(parents=True)
    _collection(client, "target", _simple())
    _collection(client, "keyed", _partition_key())
    if not client.has_collection("loaded"):
        client.create_collection("loaded", dimension=2)  # indexed and loaded
    before = len(imports.list_jobs(client))
    call = {"source": imports.open_source(str(folder)), "collection_name": "target", "files": [["a.json"]],
            **args}
    with pytest.raises(MilvusException) as err:
        imports.create_job(client, **call)
    assert err.value.code == code and err.value.message.startswith(message), err.value.message
    assert len(imports.list_jobs(client)) == before


@pytest.mark.parametrize("job_id, code, message", [
    ("12345", 2101, "import job does not exist, jobID=12345: importing data failed on server side"),
    ("abc", 1100, 'parse job id failed: strconv.ParseInt: parsing "abc": invalid syntax: invalid parameter'),
    (" 12", 1100, 'parse job id failed: strconv.ParseInt: parsing " 12": invalid syntax: invalid parameter'),
    ("9223372036854775808", 1100, 'parse job id failed: strconv.ParseInt: parsing "9223372036854775808": value out '
                                  "of range: invalid parameter"),
])
def test_describe_unknown_job(client: MilvusClient, job_id: str, code: int, message: str) -> None:
    with pytest.raises(MilvusException) as err:
        imports.describe_job(client, job_id)
    assert (err.value.code, err.value.message) == (code, message)


def test_bad_source_spec_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MilvusException, match="no such directory"):
        imports.open_source(str(tmp_path / "absent"))
    with pytest.raises(MilvusException, match=r"expected s3://ACCESS:SECRET@HOST:PORT/BUCKET") as err:
        imports.open_source("s3://key:topsecret@host:9000/")
    assert "topsecret" not in err.value.message


# -- one state for every client and process ---------------------------------------------------------

def test_jobs_are_seen_by_another_client_of_the_database(client: MilvusClient, module_db: str, folder: Path) -> None:
    name = _collection(client, "shared", _simple())
    job = _import(client, folder, name, [_raw(folder, "s.json", '{"rows": [{"id": 7, "v": [1, 2]}]}')])
    with MilvusClient(module_db) as other:
        assert imports.describe_job(other, job.job_id) == job
        assert job.job_id in [j.job_id for j in imports.list_jobs(other, name)]
        assert [j.collection_name for j in imports.list_jobs(other, name)] == [name]
        other.create_database("elsewhere")
        try:
            with MilvusClient(module_db, db_name="elsewhere") as elsewhere:
                assert imports.list_jobs(elsewhere) == []
        finally:
            other.drop_database("elsewhere")


def test_jobs_hold_no_pooled_connection(module_db: str, folder: Path) -> None:
    """A client with a pool of two (pgmilvus serve --workers 2) runs two jobs at once and answers
    calls meanwhile: a job's connections are its own, not the pool's."""
    with MilvusClient(module_db, pool_size=2) as small:
        name = _collection(small, "small_pool", _simple(dynamic=True))
        rows = [{"id": i, "v": [float(i), 1.0], "note": {"i": i}} for i in range(2000)]
        for sub in "ab":
            (folder / sub).mkdir(parents=True)
        groups = [_write(_simple(dynamic=True), rows[:1000], "json", folder / "a"),
                  _write(_simple(dynamic=True), rows[1000:], "parquet", folder / "b")]
        jobs = [imports.create_job(small, imports.open_source(str(folder / sub)), name, group)
                for sub, group in zip("ab", groups)]
        assert small.has_collection(name)
        assert [_wait(small, job).state for job in jobs] == ["Completed", "Completed"]
        assert small.query(name, output_fields=["count(*)"])[0]["count(*)"] == 2000
        assert small.get(name, ids=[1500], output_fields=["note"]) == [{"id": 1500, "note": {"i": 1500}}]


def test_a_burst_of_jobs_shares_one_lock_connection(client: MilvusClient, folder: Path) -> None:
    """Every running job's lock is on one connection of the process: a burst of jobs (Milvus's REST
    jobs e2e file) does not take a connection each and exhaust the server's max_connections."""
    name = _collection(client, "burst", _simple())
    files = [_raw(folder, f"b{i}.json", json.dumps({"rows": [{"id": i, "v": [i, 1]}]})) for i in range(24)]
    jobs = [imports.create_job(client, imports.open_source(str(folder)), name, [group]) for group in files]
    with client._conn() as conn:
        holders = conn.execute(
            "SELECT count(DISTINCT pid) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1"
            " AND (classid::bigint << 32) + objid::bigint = ANY(%s)", ([int(job) for job in jobs],)).fetchone()[0]
    assert holders <= 1
    assert {_wait(client, job).state for job in jobs} == {"Completed"}
    assert client.query(name, output_fields=["count(*)"])[0]["count(*)"] == 24


def test_a_job_whose_process_died_reads_as_failed(client: MilvusClient) -> None:
    from pgmilvus.catalog import import_jobs

    name = _collection(client, "orphan", _simple())
    with client._conn() as conn:  # a job recorded by a process that died before finishing it
        info = client.describe_collection(name)
        job_id = import_jobs.add(conn, "default", info["collection_id"], name, "", [["x.json"]], {})
        import_jobs.update(conn, job_id, state="Importing", progress=40)
    job = imports.describe_job(client, str(job_id))
    assert (job.state, job.progress, job.reason) == ("Failed", 0, import_jobs.ORPHANED)
    assert json.dumps(job.files) == '[["x.json"]]'


def test_import_privilege_lets_a_user_run_and_see_jobs(server_db: str, tmp_path: Path) -> None:
    from tests.test_rbac import _cleanup, _connect, _denied, _user_with_role

    folder = tmp_path / "files"
    files = [_raw(folder, "r.json", '{"rows": [{"id": 1, "v": [1, 2]}, {"id": 2, "v": [3, 4]}]}')]
    source = imports.open_source(str(folder))
    try:
        with MilvusClient(server_db) as admin:
            _collection(admin, "granted", _simple())
            _collection(admin, "withheld", _simple())
            user, role = _user_with_role(admin)
            admin.grant_privilege(role, "Collection", "Import", "granted")
            with _connect(server_db, user) as cli:
                job = _wait(cli, imports.create_job(cli, source, "granted", files))
                assert (job.state, job.imported_rows) == ("Completed", 2), job.reason
                assert [j.job_id for j in imports.list_jobs(cli)] == [job.job_id]
                with pytest.raises(MilvusException) as err:
                    imports.create_job(cli, source, "withheld", files)
                _denied(err, "Import", user)
            assert admin.query("granted", filter="", output_fields=["count(*)"])[0]["count(*)"] == 2
            assert imports.describe_job(admin, job.job_id).state == "Completed"
    finally:
        _cleanup(server_db)


_RUN_AND_WAIT = """
import sys, time
from pgmilvus import MilvusClient, imports
client = MilvusClient(sys.argv[1])
print(imports.create_job(client, imports.open_source(sys.argv[2]), "crashing", [["big.jsonl"]]), flush=True)
time.sleep(600)
"""


def test_a_killed_process_leaves_a_failed_job_and_no_rows(module_db: str, client: MilvusClient, folder: Path) -> None:
    """The process running a job dies mid-import (SIGKILL): its transaction and lock die with it."""
    import subprocess
    import sys

    from pgmilvus.catalog import import_jobs

    name = _collection(client, "crashing", _simple())
    folder.mkdir(parents=True)
    with (folder / "big.jsonl").open("w") as out:
        for i in range(400_000):
            out.write(f'{{"id": {i}, "v": [1.0, {i % 7}.0]}}\n')
    env = {"PYTHONPATH": str(Path(__file__).parent.parent / "adapter"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen([sys.executable, "-c", _RUN_AND_WAIT, module_db, str(folder)], stdout=subprocess.PIPE,
                            text=True, env=env)
    try:
        job_id = proc.stdout.readline().strip()
        deadline = time.monotonic() + 120
        job = imports.describe_job(client, job_id)
        while job.imported_rows == 0 and job.state != "Failed" and time.monotonic() < deadline:
            time.sleep(0.05)
            job = imports.describe_job(client, job_id)
        assert (job.state, job.reason) == ("Importing", "") and 0 < job.imported_rows < 400_000
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 30
    while imports.describe_job(client, job_id).state == "Importing" and time.monotonic() < deadline:
        time.sleep(0.1)  # PostgreSQL ends the dead client's sessions
    job = imports.describe_job(client, job_id)
    assert (job.state, job.progress, job.reason) == ("Failed", 0, import_jobs.ORPHANED)
    assert [j.state for j in imports.list_jobs(client, name)] == ["Failed"]
    assert client.query(name, filter="", output_fields=["count(*)"])[0]["count(*)"] == 0
