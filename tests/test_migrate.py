"""pgmilvus migrate: Milvus Lite -> pgmilvus with partitions, a dynamic field and an index; resume adds nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("milvus_lite")

HERE = Path(__file__).parent


def _run(*args: str) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(HERE.parent / "adapter"), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "pgmilvus.cli", "migrate", *args], capture_output=True,
                          text=True, env=env, timeout=600)


def test_lite_to_pgmilvus_then_resume(tmp_path: Path) -> None:
    src, dst, ck = tmp_path / "src.db", tmp_path / "dst.db", tmp_path / "ck.json"
    subprocess.run([sys.executable, str(HERE / "migrate_source.py"), str(src), "3000"], check=True)
    args = ["--from", f"milvus-lite://{src}", "--to", f"pgmilvus://{dst}", "--batch", "700", "--checkpoint", str(ck)]
    first = _run(*args)
    assert first.returncode == 0, first.stderr
    assert "docs: source 3000 rows, target 3000 rows" in first.stdout
    again = _run(*args, "--resume")
    assert again.returncode == 0, again.stderr
    assert "copied 0 rows" in again.stdout
    assert "docs: source 3000 rows, target 3000 rows" in again.stdout
    from pgmilvus import MilvusClient
    from pgmilvus.pg import embedded

    client = MilvusClient(str(dst))
    try:
        assert sorted(client.list_partitions("docs")) == ["_default", "p1"]
        row = client.query("docs", filter="id == 5", output_fields=["tag", "x", "extra"])[0]
        assert (row["tag"], row["x"], row["extra"]) == ("t5", 5 / 3, 5)
    finally:
        client.close()
        embedded.release(str(dst))


def _ids(uri_path: Path, lite: bool = False) -> list[int]:
    if lite:
        from pymilvus import MilvusClient as Lite

        client = Lite(str(uri_path))
        client.load_collection("docs")
        try:
            return sorted(r["id"] for r in client.query("docs", filter="id >= 0", limit=16384))
        finally:
            client.close()
    from pgmilvus import MilvusClient
    from pgmilvus.pg import embedded

    client = MilvusClient(str(uri_path))
    try:
        return sorted(r["id"] for r in client.query("docs", filter="id >= 0", limit=16384))
    finally:
        client.close()
        embedded.release(str(uri_path))


def test_a_killed_migration_resumes_to_exactly_the_source_rows_and_goes_back(tmp_path: Path) -> None:
    import signal

    src, dst, ck, back = tmp_path / "src.db", tmp_path / "dst.db", tmp_path / "ck.json", tmp_path / "back.db"
    subprocess.run([sys.executable, str(HERE / "migrate_source.py"), str(src), "3000"], check=True)
    args = ["--from", f"milvus-lite://{src}", "--to", f"pgmilvus://{dst}", "--batch", "100", "--checkpoint", str(ck)]
    env = {"PYTHONPATH": str(HERE.parent / "adapter"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen([sys.executable, "-m", "pgmilvus.cli", "migrate", *args], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True, env=env)
    checkpoints = 0
    for line in proc.stderr:
        checkpoints += "checkpointed" in line
        if checkpoints == 8:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    resumed = _run(*args[:-4], "--batch", "350", "--checkpoint", str(ck), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "docs: source 3000 rows, target 3000 rows" in resumed.stdout
    assert _ids(dst) == list(range(3000))
    # and back: pgmilvus -> a new Milvus Lite file
    home = _run("--from", f"pgmilvus://{dst}", "--to", f"milvus-lite://{back}", "--checkpoint",
                str(tmp_path / "back.json"))
    assert home.returncode == 0, home.stderr
    assert "docs: source 3000 rows, target 3000 rows" in home.stdout
    assert _ids(back, lite=True) == list(range(3000))


def test_a_batch_pending_at_the_kill_is_upserted_on_resume(tmp_path: Path) -> None:
    """The kill between a batch's insert and its checkpoint: its rows are in the target, the
    checkpoint says they are pending; the resumed run replaces them instead of failing."""
    import json

    src, dst, ck = tmp_path / "src.db", tmp_path / "dst.db", tmp_path / "ck.json"
    subprocess.run([sys.executable, str(HERE / "migrate_source.py"), str(src), "600"], check=True)
    args = ["--from", f"milvus-lite://{src}", "--to", f"pgmilvus://{dst}", "--checkpoint", str(ck)]
    assert _run(*args, "--collections", "docs").returncode == 0
    from pgmilvus import MilvusClient
    from pgmilvus.pg import embedded

    client = MilvusClient(str(dst))
    client.delete("docs", filter="id >= 200")   # the target holds _default's 0..199 (100..199 unconfirmed)
    client.close()
    embedded.release(str(dst))
    ck.write_text(json.dumps({"docs/_default": {"last": 99, "rows": 100, "pending": 199}}))
    resumed = _run(*args, "--batch", "70", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert _ids(dst) == list(range(600))


def test_a_lossy_source_is_reported_and_exits_non_zero(tmp_path: Path) -> None:
    src, dst = tmp_path / "src.db", tmp_path / "dst.db"
    subprocess.run([sys.executable, "-c", f"""
from pymilvus import MilvusClient, DataType
c = MilvusClient({str(src)!r})
s = c.create_schema()
s.add_field("id", DataType.INT64, is_primary=True)
s.add_field("v", DataType.FLOAT_VECTOR, dim=2048)
c.create_collection("wide", schema=s)
c.insert("wide", [{{"id": i, "v": [i / 10] * 2048}} for i in range(20)])
ip = c.prepare_index_params(); ip.add_index("v", index_type="FLAT", metric_type="L2"); c.create_index("wide", ip)
"""], check=True)
    args = ["--from", f"milvus-lite://{src}", "--to", f"pgmilvus://{dst}", "--checkpoint", str(tmp_path / "ck.json")]
    lossy = _run(*args)
    assert lossy.returncode == 1, lossy.stderr
    assert "LOSSY: wide.v: 2048-dim vector above pgvector's 2000-dim index limit: left unindexed" in lossy.stdout
    assert "wide: source 20 rows, target 20 rows" in lossy.stdout
    allowed = _run(*args, "--allow-lossy", "--resume")
    assert allowed.returncode == 0, allowed.stderr
    assert "LOSSY: wide.v" in allowed.stdout


FILTERS = ['i16 > 100 and i16 < 400', 's == "s5"', 'j["k"] == 3', 'array_contains(ai, 4)',
           'b == true and i8 < -40', 'i32 is null and id < 300', 'extra == 7 and id < 2000', 'd == 1.5 and id < 500']


def _query_all(client, expr: str, partitions=None) -> list[dict]:
    rows = client.query("all", filter=expr, output_fields=["*"], partition_names=partitions, limit=16384)
    return sorted(rows, key=lambda r: r["id"])


def _same_rows(left: list[dict], right: list[dict]) -> None:
    assert [r["id"] for r in left] == [r["id"] for r in right]
    for a, b in zip(left, right):
        assert set(a) == set(b), (a["id"], set(a) ^ set(b))
        for key in a:
            x, y = a[key], b[key]
            if key == "v":
                assert np.allclose(np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.float32)), a["id"]
            elif key == "sp":
                assert {int(k): pytest.approx(v) for k, v in dict(x).items()} == {int(k): v for k, v in dict(y).items()}
            elif isinstance(x, float):
                assert x == pytest.approx(y, rel=1e-6), (a["id"], key)
            else:
                assert (list(x) if key in ("ai", "as") else x) == (list(y) if key in ("ai", "as") else y), (a["id"], key)


def test_every_field_type_goes_to_pgmilvus_and_back_with_the_same_answers(tmp_path: Path) -> None:
    from pymilvus import MilvusClient as Lite

    from pgmilvus import MilvusClient
    from pgmilvus.pg import embedded

    src, dst, back = tmp_path / "src.db", tmp_path / "dst.db", tmp_path / "back.db"
    subprocess.run([sys.executable, str(HERE / "migrate_alltypes.py"), str(src), "20000"], check=True)
    there = _run("--from", f"milvus-lite://{src}", "--to", f"pgmilvus://{dst}", "--batch", "4000",
                 "--checkpoint", str(tmp_path / "a.json"))
    assert there.returncode == 0, there.stderr
    assert "all: source 20000 rows, target 20000 rows" in there.stdout
    assert "NOTE: all.as: the source does not describe its VARCHAR elements' max_length; 65535 used" in there.stdout
    for line in ("all/_default: source 10000 rows, target 10000 rows", "all/p1: source 10000 rows, target 10000 rows",
                 "all: sample of 100 rows compared field by field, 0 differences"):
        assert line in there.stdout
    home = _run("--from", f"pgmilvus://{dst}", "--to", f"milvus-lite://{back}", "--batch", "4000",
                "--checkpoint", str(tmp_path / "b.json"))
    assert home.returncode == 0, home.stderr
    assert "Traceback" not in home.stderr
    sides = [Lite(str(src)), MilvusClient(str(dst)), Lite(str(back))]
    try:
        for side in (sides[0], sides[2]):
            side.load_collection("all")
        assert [sorted(s.list_partitions("all")) for s in sides] == [["_default", "p1"]] * 3
        assert [s.list_aliases(collection_name="all")["aliases"] for s in sides] == [["all_alias"]] * 3
        for expr in FILTERS:
            first = _query_all(sides[0], expr)
            assert first, expr
            for other in sides[1:]:
                _same_rows(first, _query_all(other, expr))
        in_p1 = _query_all(sides[1], "i16 < 50", ["p1"])
        assert in_p1 and all(r["id"] >= 10000 for r in in_p1)
        _same_rows(_query_all(sides[0], "i16 < 50", ["p1"]), in_p1)
        queries = np.random.default_rng(1).random((5, 16), dtype=np.float32).tolist()
        found = [s.search("all", queries, limit=10, anns_field="v", search_params={"metric_type": "L2"},
                          filter="i8 > 0") for s in sides]
        for hits in found[1:]:
            assert [[h["id"] for h in q] for q in hits] == [[h["id"] for h in q] for q in found[0]]
            assert [h["distance"] for q in hits for h in q] == pytest.approx(
                [h["distance"] for q in found[0] for h in q], rel=1e-4)
    finally:
        sides[1].close()
        embedded.release(str(dst))
        sides[0].close()
        sides[2].close()


def test_databases_are_carried(tmp_path: Path) -> None:
    src, dst = tmp_path / "src.db", tmp_path / "dst.db"
    subprocess.run([sys.executable, "-c", f"""
from pymilvus import MilvusClient
MilvusClient({str(src)!r}).create_database("other")
for db, rows in (("default", 30), ("other", 20)):
    client = MilvusClient({str(src)!r}, db_name=db)
    client.create_collection(f"in_{{db}}", dimension=4)
    client.insert(f"in_{{db}}", [{{"id": i, "vector": [i, 1.0, 2.0, 3.0]}} for i in range(rows)])
"""], check=True)  # in a process of its own: Milvus Lite holds the file while its process lives
    done = _run("--from", f"milvus-lite://{src}", "--to", f"pgmilvus://{dst}", "--databases", "*",
                "--checkpoint", str(tmp_path / "ck.json"))
    assert done.returncode == 0, done.stderr
    assert "in_default: source 30 rows, target 30 rows" in done.stdout
    assert "database other:\nin_other: source 20 rows, target 20 rows" in done.stdout
    from pgmilvus import MilvusClient
    from pgmilvus.pg import embedded

    client = MilvusClient(str(dst), db_name="other")
    try:
        assert client.list_collections() == ["in_other"]
        assert sorted(r["id"] for r in client.query("in_other", filter="id >= 0")) == list(range(20))
    finally:
        client.close()
        embedded.release(str(dst))


def test_a_partition_key_collection_keeps_its_key(tmp_path: Path) -> None:
    src, dst = tmp_path / "src.db", tmp_path / "dst.db"
    subprocess.run([sys.executable, "-c", f"""
from pymilvus import DataType, MilvusClient
c = MilvusClient({str(src)!r})
s = c.create_schema()
s.add_field("id", DataType.INT64, is_primary=True)
s.add_field("tenant", DataType.VARCHAR, max_length=16, is_partition_key=True)
s.add_field("v", DataType.FLOAT_VECTOR, dim=4)
ip = c.prepare_index_params()
ip.add_index("v", index_type="HNSW", metric_type="COSINE", params={{"M": 8, "efConstruction": 32}})
c.create_collection("keyed", schema=s, index_params=ip)
c.insert("keyed", [{{"id": i, "tenant": f"t{{i % 5}}", "v": [1.0, i, 2.0, 3.0]}} for i in range(500)])
"""], check=True)
    done = _run("--from", f"milvus-lite://{src}", "--to", f"pgmilvus://{dst}", "--checkpoint", str(tmp_path / "k.json"))
    assert done.returncode == 0, done.stderr
    assert "keyed: sample of 100 rows compared field by field, 0 differences" in done.stdout
    from pgmilvus import MilvusClient
    from pgmilvus.pg import embedded

    client = MilvusClient(str(dst))
    try:
        tenant = next(f for f in client.describe_collection("keyed")["fields"] if f["name"] == "tenant")
        assert tenant.get("is_partition_key") is True
        assert len(client.query("keyed", filter='tenant == "t3"', output_fields=["id"], limit=1000)) == 100
        assert client.describe_index("keyed", "v")["index_type"] == "HNSW"
    finally:
        client.close()
        embedded.release(str(dst))


def test_an_index_the_target_refuses_is_reported_and_the_rows_still_go(tmp_path: Path) -> None:
    from pgmilvus import DataType, MilvusClient
    from pgmilvus.pg import embedded

    src, dst = tmp_path / "src.db", tmp_path / "dst.db"
    client = MilvusClient(str(src))
    schema = client.create_schema()
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("t", DataType.VARCHAR, max_length=8)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=4)
    index = client.prepare_index_params()
    index.add_index("v", index_type="HNSW", metric_type="L2")
    index.add_index("t", index_type="BITMAP", index_name="t_bitmap")
    client.create_collection("docs", schema=schema, index_params=index)
    client.insert("docs", [{"id": i, "t": f"t{i % 3}", "v": [i, 1.0, 2.0, 3.0]} for i in range(50)])
    client.close()
    embedded.release(str(src))
    done = _run("--from", f"pgmilvus://{src}", "--to", f"milvus-lite://{dst}", "--checkpoint", str(tmp_path / "c.json"))
    assert done.returncode == 1, done.stderr
    assert "docs: source 50 rows, target 50 rows" in done.stdout
    assert "LOSSY: docs.t: index t_bitmap (BITMAP) not created: scalar index_type 'BITMAP' is not implemented" \
        in done.stdout
    assert "Traceback" not in done.stderr + done.stdout


def test_a_bm25_function_is_carried_and_recomputed(tmp_path: Path) -> None:
    """The output field cannot be read (Milvus's rule), so the target computes it from the text."""
    from pgmilvus import DataType, Function, FunctionType, MilvusClient
    from pgmilvus.pg import embedded

    src, dst = tmp_path / "src.db", tmp_path / "dst.db"
    source = MilvusClient(str(src))
    try:
        schema = source.create_schema()
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("text", DataType.VARCHAR, max_length=100, enable_analyzer=True)
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(Function("bm25", FunctionType.BM25, ["text"], ["sparse"]))
        index = source.prepare_index_params()
        index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params={"bm25_b": 0.5})
        source.create_collection("texts", schema=schema, index_params=index)
        source.insert("texts", [{"id": i, "text": f"word{i % 7} common word{i % 3}"} for i in range(60)])
        expected = source.search("texts", data=["word3 word1"], anns_field="sparse", limit=5)
    finally:
        source.close()
        embedded.release(str(src))
    done = _run("--from", f"pgmilvus://{src}", "--to", f"pgmilvus://{dst}", "--checkpoint", str(tmp_path / "c.json"))
    assert done.returncode == 0, done.stderr
    assert "texts: source 60 rows, target 60 rows" in done.stdout
    assert "not carried" not in done.stdout
    target = MilvusClient(str(dst))
    try:
        assert target.describe_collection("texts")["functions"][0]["output_field_names"] == ["sparse"]
        assert target.describe_index("texts", "sparse")["bm25_b"] == "0.5"
        got = target.search("texts", data=["word3 word1"], anns_field="sparse", limit=5)
        assert [(h["id"], h["distance"]) for h in got[0]] == [(h["id"], h["distance"]) for h in expected[0]]
    finally:
        target.close()
        embedded.release(str(dst))


def test_a_minhash_function_is_carried_and_recomputed(tmp_path: Path) -> None:
    """The signature can be read, but the target refuses it on insert: it is left out of the copied
    rows, computed again from the text with the same params, and the samples still compare equal."""
    from pgmilvus import DataType, Function, FunctionType, MilvusClient
    from pgmilvus.pg import embedded

    src, dst = tmp_path / "src.db", tmp_path / "dst.db"
    source = MilvusClient(str(src))
    try:
        schema = source.create_schema()
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("text", DataType.VARCHAR, max_length=100)
        schema.add_field("sig", DataType.BINARY_VECTOR, dim=256)
        schema.add_function(Function("mh", FunctionType.MINHASH, ["text"], ["sig"],
                                     params={"num_hashes": 8, "token_level": "char", "seed": 7}))
        index = source.prepare_index_params()
        index.add_index("sig", index_type="MINHASH_LSH", metric_type="MHJACCARD", params={"mh_lsh_band": 4})
        source.create_collection("texts", schema=schema, index_params=index)
        source.insert("texts", [{"id": i, "text": f"word{i % 7} common word{i % 3}"} for i in range(40)])
        params = {"metric_type": "MHJACCARD", "params": {"mh_search_with_jaccard": True}}
        expected = source.search("texts", data=["word3 common word1"], anns_field="sig", limit=5,
                                 search_params=params)
    finally:
        source.close()
        embedded.release(str(src))
    done = _run("--from", f"pgmilvus://{src}", "--to", f"pgmilvus://{dst}", "--checkpoint", str(tmp_path / "c.json"),
                "--sample", "5")
    assert done.returncode == 0, done.stderr + done.stdout
    assert "texts: source 40 rows, target 40 rows" in done.stdout
    assert "not carried" not in done.stdout and "MISMATCH" not in done.stdout
    target = MilvusClient(str(dst))
    try:
        assert target.describe_collection("texts")["functions"][0]["params"]["seed"] in (7, "7")
        got = target.search("texts", data=["word3 common word1"], anns_field="sig", limit=5, search_params=params)
        assert [(h["id"], h["distance"]) for h in got[0]] == [(h["id"], h["distance"]) for h in expected[0]]
    finally:
        target.close()
        embedded.release(str(dst))


def test_a_struct_array_is_carried(tmp_path: Path) -> None:
    """An ARRAY<STRUCT> field is recreated with its sub-fields and its rows copied whole (NULL ones too)."""
    from pgmilvus import DataType, MilvusClient
    from pgmilvus.pg import embedded

    src, dst = tmp_path / "src.db", tmp_path / "dst.db"
    rows = [{"id": i, "v": [0.5, i, 1.0, 2.0],
             "clips": None if i % 5 == 0 else [{"emb": [float(i), float(j)], "label": f"l{j}", "n": j}
                                              for j in range(i % 3)]} for i in range(20)]
    source = MilvusClient(str(src))
    try:
        schema = source.create_schema()
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("v", DataType.FLOAT_VECTOR, dim=4)
        struct = source.create_struct_field_schema()
        struct.add_field("emb", DataType.FLOAT_VECTOR, dim=2).add_field("label", DataType.VARCHAR, max_length=8)
        struct.add_field("n", DataType.INT32)
        schema.add_field("clips", DataType.ARRAY, element_type=DataType.STRUCT, struct_schema=struct, max_capacity=4,
                         nullable=True)
        index = source.prepare_index_params()
        index.add_index("v", index_type="FLAT", metric_type="L2")
        index.add_index("clips[emb]", index_type="HNSW", metric_type="MAX_SIM_COSINE")
        source.create_collection("structs", schema=schema, index_params=index)
        source.insert("structs", rows)
        described = source.describe_collection("structs")["fields"]
    finally:
        source.close()
        embedded.release(str(src))
    done = _run("--from", f"pgmilvus://{src}", "--to", f"pgmilvus://{dst}", "--checkpoint", str(tmp_path / "c.json"))
    assert done.returncode == 0, done.stderr + done.stdout
    assert "structs: source 20 rows, target 20 rows" in done.stdout
    target = MilvusClient(str(dst))
    try:
        assert target.describe_collection("structs")["fields"] == described
        assert target.describe_index("structs", "clips[emb]")["metric_type"] == "MAX_SIM_COSINE"
        got = target.query("structs", "id >= 0", output_fields=["clips"])
        assert got == [{"id": r["id"], "clips": r["clips"]} for r in rows]
    finally:
        target.close()
        embedded.release(str(dst))
