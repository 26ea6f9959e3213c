"""pgmilvus import / export: the files pymilvus's LocalBulkWriter writes go into a collection, and a
collection comes out as such files and back, with the same rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("milvus_lite")
bulk_writer = pytest.importorskip("pymilvus.bulk_writer")

HERE = Path(__file__).parent
FORMATS = ["json", "jsonl", "parquet"]


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(HERE.parent / "adapter"), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "pgmilvus.cli", *args], capture_output=True, text=True,
                          env=env, timeout=600)


def _schema(module):
    schema = module.MilvusClient.create_schema(auto_id=False, enable_dynamic_field=True)
    schema.add_field("id", module.DataType.INT64, is_primary=True)
    schema.add_field("s", module.DataType.VARCHAR, max_length=16)
    schema.add_field("j", module.DataType.JSON, nullable=True)
    schema.add_field("ai", module.DataType.ARRAY, element_type=module.DataType.INT64, max_capacity=4)
    schema.add_field("v", module.DataType.FLOAT_VECTOR, dim=3)
    schema.add_field("sp", module.DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("bv", module.DataType.BINARY_VECTOR, dim=16)
    return schema


def _row(i: int) -> dict:
    return {"id": i, "s": f"x{i}", "j": {"a": i} if i % 3 else None, "ai": [i, i + 1],
            "v": [0.5, 0.25, float(i)], "sp": {1: 0.5, 7 + i % 5: i + 1.0}, "bv": bytes([i % 256, 170]),
            "extra": i % 4}


ROWS = [_row(i) for i in range(250)]


def _comparable(rows: list[dict]) -> list[tuple]:
    out = []
    for r in sorted(rows, key=lambda r: r["id"]):
        bv = r["bv"][0] if isinstance(r["bv"], list) else r["bv"]
        out.append((r["id"], r["s"], r["j"], list(r["ai"]), [round(float(x), 5) for x in r["v"]],
                    {int(k): float(v) for k, v in dict(r["sp"]).items()}, bytes(bv), r["extra"]))
    return out


@pytest.fixture
def target(tmp_path: Path):
    import pgmilvus
    from pgmilvus.pg import embedded

    path = tmp_path / "pg.db"
    client = pgmilvus.MilvusClient(str(path))

    def collection(name: str) -> str:
        index = client.prepare_index_params()
        index.add_index("v", index_type="FLAT", metric_type="L2")
        index.add_index("sp", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        index.add_index("bv", index_type="BIN_FLAT", metric_type="HAMMING")
        client.create_collection(name, schema=_schema(pgmilvus), index_params=index)
        return name

    client.new = collection
    client.path = path
    yield client
    client.close()
    embedded.release(str(path))


def _query(client, name: str) -> list[dict]:
    return client.query(name, filter="id >= 0", output_fields=["*"], limit=16384)


@pytest.mark.parametrize("fmt", FORMATS)
def test_bulk_writer_files_import_and_export_round_trip(tmp_path: Path, target, fmt: str) -> None:
    import pymilvus

    writer = bulk_writer.LocalBulkWriter(schema=_schema(pymilvus), local_path=str(tmp_path / "bw"),
                                         file_type=getattr(bulk_writer.BulkFileType, fmt.upper()))
    for row in ROWS:
        writer.append_row(dict(row))
    writer.commit()
    files = [f for batch in writer.batch_files for f in batch]
    name = target.new(f"imported_{fmt}")
    done = _cli("import", "--to", f"pgmilvus://{target.path}", "--collection", name, "--batch", "100", *files)
    assert done.returncode == 0, done.stderr
    assert f"imported 250 rows into {name} from 1 file(s)" in done.stdout
    assert _comparable(_query(target, name)) == _comparable(ROWS)

    out = tmp_path / "exported"
    exported = _cli("export", "--from", f"pgmilvus://{target.path}", "--collection", name, "--out", str(out),
                    "--format", fmt, "--batch", "60")
    assert exported.returncode == 0, exported.stderr
    assert f"exported 250 rows of {name}" in exported.stdout
    if fmt == "json":
        first = json.loads((out / "1.json").read_text())["rows"][0]
        assert set(first) == {"id", "s", "j", "ai", "v", "sp", "bv", "$meta"} and first["$meta"] == {"extra": 0}
    again = target.new(f"again_{fmt}")
    back = _cli("import", "--to", f"pgmilvus://{target.path}", "--collection", again, str(out))
    assert back.returncode == 0, back.stderr
    assert _comparable(_query(target, again)) == _comparable(ROWS)


@pytest.mark.parametrize("args, message", [
    (["--collection", "nope", "missing.json"], "pgmilvus import: missing.json: no such file or folder; fix it"),
    (["--collection", "nope", "{tmp}"], "pgmilvus import: no bulk-writer files (.json, .jsonl, .ndjson, .parquet, .csv) in"),
    (["--collection", "nope", "{tmp}/x.json"],
     "pgmilvus import: can't find collection[database=default][collection=nope]; fix it and run again"),
])
def test_import_refusals_are_one_line(tmp_path: Path, target, args: list, message: str) -> None:
    (tmp_path / "x.json").write_text('{"rows": []}')
    (tmp_path / "empty").mkdir()
    args = [a.format(tmp=tmp_path / "empty") if a == "{tmp}" else a.format(tmp=tmp_path) for a in args]
    done = _cli("import", "--to", f"pgmilvus://{target.path}", *args)
    assert done.returncode == 2 and done.stderr.startswith(message) and "Traceback" not in done.stderr
