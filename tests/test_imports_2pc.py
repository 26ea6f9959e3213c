"""Two-phase import jobs (``auto_commit=false``, adapter/pgmilvus/imports/commit.py): the job stops
Uncommitted with its rows counted and invisible, holding no lock, and outlives its process; a commit
from any client or process lands its rows, an abort fails it; the refusals are Milvus's codes and
texts (datacoord CommitImport / AbortImport, the REST handlers' job id parsing)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import psycopg
import pytest

pytest.importorskip("pymilvus.bulk_writer")

from pgmilvus import MilvusClient, imports  # noqa: E402
from pgmilvus.catalog import import_jobs  # noqa: E402
from pgmilvus.errors import MilvusException  # noqa: E402
from tests.test_imports import _collection, _raw, _simple, client, folder  # noqa: E402,F401 - fixtures

MANUAL = {"auto_commit": "false"}


def _settled(client: MilvusClient, job_id: str, timeout: float = 60) -> imports.ImportJob:
    """The job once no run works on it (Uncommitted, Completed or Failed)."""
    deadline = time.monotonic() + timeout
    while True:
        job = imports.describe_job(client, job_id)
        if job.state in ("Uncommitted", "Completed", "Failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def _count(client: MilvusClient, name: str) -> int:
    return client.query(name, filter="", output_fields=["count(*)"])[0]["count(*)"]


def _locked(client: MilvusClient, job_id: str) -> bool:
    with client._conn() as conn:
        return conn.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1"
                            " AND (classid::bigint << 32) + objid::bigint = %s)", (int(job_id),)).fetchone()[0]


def _rows(folder: Path, key: str, ids: range) -> list[str]:
    return _raw(folder, key, json.dumps({"rows": [{"id": i, "v": [float(i), 1.0]} for i in ids]}))


def _manual(client: MilvusClient, folder: Path, name: str, ids: range, **options: str) -> str:
    """A manual job of its own file (``ids``' rows: a commit reads the file again)."""
    files = [_rows(folder, f"{name}_{ids.start}.json", ids)]
    return imports.create_job(client, imports.open_source(str(folder)), name, files, options=MANUAL | options)


def test_uncommitted_then_committed(client: MilvusClient, folder: Path) -> None:
    name = _collection(client, "two_phase", _simple())
    job_id = _manual(client, folder, name, range(30), AUTO_COMMIT="x")  # another key: still manual
    job = _settled(client, job_id)
    assert (job.state, job.progress, job.reason, job.imported_rows, job.total_rows) == ("Uncommitted", 99, "", 30, 30)
    assert job.complete_time == "" and _count(client, name) == 0 and not _locked(client, job_id)
    assert [j.state for j in imports.list_jobs(client, name)] == ["Uncommitted"]
    client.insert(name, [{"id": 100, "v": [1.0, 2.0]}])  # the collection takes writes meanwhile
    imports.commit_job(client, imports.open_source(str(folder)), job_id)
    imports.commit_job(client, imports.open_source(str(folder)), job_id)  # again: success, as Milvus's
    job = _settled(client, job_id)
    assert (job.state, job.progress, job.imported_rows, job.total_rows) == ("Completed", 100, 30, 30)
    assert job.complete_time and _count(client, name) == 31 and not _locked(client, job_id)
    imports.commit_job(client, None, job_id)  # a Completed job needs no source


def test_abort_discards_and_repeats(client: MilvusClient, folder: Path) -> None:
    name = _collection(client, "aborted", _simple())
    job_id = _manual(client, folder, name, range(5))
    assert _settled(client, job_id).state == "Uncommitted"
    imports.abort_job(client, job_id)
    imports.abort_job(client, job_id)  # aborted already: success, as Milvus's
    job = imports.describe_job(client, job_id)
    assert (job.state, job.progress, job.reason, job.imported_rows, job.total_rows) == ("Failed", 0, "aborted by user",
                                                                                      0, 0)
    with pytest.raises(MilvusException) as err:
        imports.commit_job(client, imports.open_source(str(folder)), job_id)
    assert (err.value.code, err.value.message) == (
        2100, f"job {job_id} is in state Failed, expected Uncommitted: importing data failed")
    assert _count(client, name) == 0


def test_a_failing_manual_job_fails_before_uncommitted(client: MilvusClient, folder: Path) -> None:
    name = _collection(client, "manual_bad", _simple())
    files = [_raw(folder, "dim.json", '{"rows": [{"id": 1, "v": [1, 2]}, {"id": 2, "v": [1, 2, 3]}]}')]
    job = _settled(client, imports.create_job(client, imports.open_source(str(folder)), name, files, options=MANUAL))
    assert (job.state, job.reason) == ("Failed", "error: expected dim '2' for field 'v' with type 'FloatVector', got "
                                                 "dim '3': importing data failed, file: dim.json")


def _recorded(client: MilvusClient, name: str, state: str, options: dict, folder: Optional[Path] = None,
              timeout: Optional[float] = None) -> str:
    """A job recorded in ``state`` as a run would leave it (its files: ``folder``'s, if given)."""
    files = [_rows(folder, f"{name}.json", range(3))] if folder else [["x.json"]]
    with client._conn() as conn:
        info = client.describe_collection(name)
        job_id = import_jobs.add(conn, "default", info["collection_id"], name, "", files, options, timeout)
        done = state in ("Uncommitted", "Committing")
        columns = {"progress": 99, "imported_rows": 3, "total_rows": 3} if done else {}
        import_jobs.update(conn, job_id, state=state, **columns)
    return str(job_id)


@pytest.fixture
def holder(client: MilvusClient) -> Iterator[Callable[[str], None]]:
    """Hold a job's lock from a session of its own, as the job's run would, until the test ends."""
    sessions: list[psycopg.Connection] = []

    def hold(job_id: str) -> None:
        sessions.append(psycopg.connect(client._db.conninfo, autocommit=True))
        import_jobs.hold(sessions[-1], int(job_id))

    yield hold
    for session in sessions:
        session.close()


AUTO = {"auto_commit": "True"}

#: (case, call, the job: state and options, code, message: {id} the job's id); code 0: success.
REFUSALS: list[tuple[str, str, Any, int, str]] = [
    ("commit, unknown job", "commit", "12345", 2101, "job 12345 not found: importing data failed on server side"),
    ("abort, unknown job", "abort", "12345", 2101, "job 12345 not found: importing data failed on server side"),
    ("commit, id not a number", "commit", "abc", 1100,
     'strconv.ParseInt: parsing "abc": invalid syntax: invalid parameter[expected=int64 jobId][actual=abc]'),
    ("abort, id out of int64", "abort", "9223372036854775808", 1100,
     'strconv.ParseInt: parsing "9223372036854775808": value out of range: invalid parameter[expected=int64 '
     "jobId][actual=9223372036854775808]"),
    ("commit, Importing", "commit", ("Importing", MANUAL, True), 2100,
     "job {id} is in state Importing, expected Uncommitted: importing data failed"),
    ("commit, Pending auto-commit", "commit", ("Pending", AUTO, True), 2100,
     "job {id} is in state Pending, expected Uncommitted: importing data failed"),
    ("commit, Failed", "commit", ("Failed", MANUAL, False), 2100,
     "job {id} is in state Failed, expected Uncommitted: importing data failed"),
    ("commit, Completed", "commit", ("Completed", AUTO, False), 0, ""),
    ("commit, Committing", "commit", ("Committing", MANUAL, True), 0, ""),
    ("abort, Completed", "abort", ("Completed", AUTO, False), 2100,
     "job {id} is in terminal/committed state Completed, abort not allowed: importing data failed"),
    ("abort, Committing", "abort", ("Committing", MANUAL, True), 2100,
     "job {id} is in terminal/committed state Committing, abort not allowed: importing data failed"),
    ("abort, Failed", "abort", ("Failed", MANUAL, False), 2100,
     "job {id} is in terminal/committed state Failed, abort not allowed: importing data failed"),
    ("abort, Importing auto-commit", "abort", ("Importing", AUTO, True), 2100,
     "job {id} is auto-commit, manual commit/abort not allowed: importing data failed"),
    ("abort, Pending job whose process died", "abort", ("Pending", MANUAL, False), 2100,
     "job {id} is in terminal/committed state Failed, abort not allowed: importing data failed"),
]


@pytest.mark.parametrize("case, call, job, code, message", REFUSALS, ids=[c[0] for c in REFUSALS])
def test_commit_and_abort_answer_as_milvus(client: MilvusClient, folder: Path, holder: Callable[[str], None],
                                           case: str, call: str, job: Any, code: int, message: str) -> None:
    name = _collection(client, "answers", _simple())
    before = None
    job_id = job
    if isinstance(job, tuple):
        state, options, running = job
        job_id = _recorded(client, name, state, options)
        if running:
            holder(job_id)
        before = imports.describe_job(client, job_id)
    try:
        if call == "commit":
            imports.commit_job(client, imports.open_source(str(folder.parent)), job_id)
        else:
            imports.abort_job(client, job_id)
        assert code == 0, f"no error, expected {code}"
    except MilvusException as err:
        assert (err.code, err.message) == (code, message.format(id=job_id))
    if before is not None:
        assert imports.describe_job(client, job_id) == before  # nothing changed


# -- a job outlives its process; reads answer what the stored state no longer says --------------------

_CREATE_AND_EXIT = """
import sys, time
from pgmilvus import MilvusClient, imports
client = MilvusClient(sys.argv[1])
job = imports.create_job(client, imports.open_source(sys.argv[2]), "survivor", [["s.json"]],
                         options={"auto_commit": "false"})
while imports.describe_job(client, job).state != "Uncommitted":
    time.sleep(0.05)
print(job, flush=True)
"""


def test_an_uncommitted_job_outlives_its_process(module_db: str, client: MilvusClient, folder: Path) -> None:
    name = _collection(client, "survivor", _simple())
    _rows(folder, "s.json", range(8))
    env = {"PYTHONPATH": str(Path(__file__).parent.parent / "adapter"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", _CREATE_AND_EXIT, module_db, str(folder)], capture_output=True,
                          text=True, env=env, timeout=120)
    job_id = done.stdout.strip()
    assert done.returncode == 0 and job_id.isdigit(), done.stderr
    assert imports.describe_job(client, job_id).state == "Uncommitted"  # not orphaned: nothing runs it
    imports.commit_job(client, imports.open_source(str(folder)), job_id)
    assert (_settled(client, job_id).state, _count(client, name)) == ("Completed", 8)


def test_a_commit_whose_process_died_can_commit_again(client: MilvusClient, folder: Path) -> None:
    name = _collection(client, "recommit", _simple())
    job_id = _recorded(client, name, "Committing", MANUAL, folder)  # nobody holds its lock
    job = imports.describe_job(client, job_id)
    assert (job.state, job.progress, job.imported_rows) == ("Uncommitted", 99, 3)
    imports.commit_job(client, imports.open_source(str(folder)), job_id)
    assert (_settled(client, job_id).state, _count(client, name)) == ("Completed", 3)


def test_a_commit_waits_for_the_run_that_made_the_job_uncommitted(client: MilvusClient, folder: Path) -> None:
    """The run writes Uncommitted, then lets the job's lock go: a commit in between waits for it."""
    import threading

    name = _collection(client, "finishing", _simple())
    job_id = _recorded(client, name, "Uncommitted", MANUAL, folder)
    run = psycopg.connect(client._db.conninfo, autocommit=True)
    import_jobs.hold(run, int(job_id))
    threading.Timer(0.3, run.close).start()
    imports.commit_job(client, imports.open_source(str(folder)), job_id)
    assert (_settled(client, job_id).state, _count(client, name)) == ("Completed", 3)


def test_an_uncommitted_job_times_out(client: MilvusClient, folder: Path) -> None:
    name = _collection(client, "timing_out", _simple())
    job_id = _manual(client, folder, name, range(4), timeout="2s")
    assert _settled(client, job_id).state == "Uncommitted"
    time.sleep(2.1)
    job = imports.describe_job(client, job_id)
    assert (job.state, job.progress, job.reason, job.imported_rows, job.total_rows) == ("Failed", 0, "import timeout",
                                                                                      0, 0)
    with pytest.raises(MilvusException, match=f"job {job_id} is in state Failed, expected Uncommitted"):
        imports.commit_job(client, imports.open_source(str(folder)), job_id)
    with pytest.raises(MilvusException, match=f"job {job_id} is in terminal/committed state Failed, abort not"):
        imports.abort_job(client, job_id)


def test_an_uncommitted_job_of_a_dropped_collection_failed(client: MilvusClient, folder: Path) -> None:
    name = _collection(client, "dropping", _simple())
    job_id = _manual(client, folder, name, range(4))
    assert _settled(client, job_id).state == "Uncommitted"
    collection_id = client.describe_collection(name)["collection_id"]
    _collection(client, name, _simple())  # dropped, and made again under its name: not the job's
    job = imports.describe_job(client, job_id)
    assert (job.state, job.reason) == ("Failed", f"collection {collection_id} dropped")
    with pytest.raises(MilvusException, match="is in state Failed, expected Uncommitted"):
        imports.commit_job(client, imports.open_source(str(folder)), job_id)
    assert _count(client, name) == 0


def test_abort_stops_a_running_manual_job(client: MilvusClient, folder: Path) -> None:
    name = _collection(client, "abort_running", _simple())
    folder.mkdir(parents=True)
    with (folder / "big.jsonl").open("w") as out:
        for i in range(200_000):
            out.write(f'{{"id": {i}, "v": [1.0, {i % 7}.0]}}\n')
    job_id = imports.create_job(client, imports.open_source(str(folder)), name, [["big.jsonl"]], options=MANUAL)
    deadline = time.monotonic() + 60
    while imports.describe_job(client, job_id).imported_rows == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert imports.describe_job(client, job_id).state == "Importing"
    imports.abort_job(client, job_id)
    while _locked(client, job_id) and time.monotonic() < deadline:
        time.sleep(0.05)  # the run's next progress write finds the job aborted and stops
    job = imports.describe_job(client, job_id)
    assert (job.state, job.reason, job.imported_rows, _locked(client, job_id)) == ("Failed", "aborted by user", 0,
                                                                                   False)
    assert _count(client, name) == 0


def test_a_job_of_another_database(module_db: str, client: MilvusClient, folder: Path) -> None:
    client.create_database("imports_elsewhere")
    try:
        with MilvusClient(module_db, db_name="imports_elsewhere") as elsewhere:
            name = _collection(elsewhere, "far", _simple())
            job_id = _manual(elsewhere, folder, name, range(6))
            assert _settled(client, job_id).state == "Uncommitted"
            with pytest.raises(MilvusException) as err:
                imports.commit_job(client, imports.open_source(str(folder)), job_id)
            assert (err.value.code, err.value.message) == (
                1100, f"import job {job_id} imports into the database imports_elsewhere: commit it with a client "
                      "of that database")
            imports.commit_job(client, imports.open_source(str(folder)), job_id, client_of=lambda db: elsewhere)
            assert (_settled(client, job_id).state, _count(elsewhere, name)) == ("Completed", 6)
            elsewhere.drop_collection(name)
    finally:
        client.drop_database("imports_elsewhere")


def test_the_import_privilege_commits_and_aborts(server_db: str, tmp_path: Path) -> None:
    """Any user with the Import privilege on the job's collection commits or aborts it, as in Milvus."""
    from tests.test_rbac import _cleanup, _connect, _denied, _user_with_role

    folder = tmp_path / "files"
    try:
        with MilvusClient(server_db) as admin:
            name = _collection(admin, "granted", _simple())
            first, second = _manual(admin, folder, name, range(3)), _manual(admin, folder, name, range(3, 5))
            user, role = _user_with_role(admin)
            with _connect(server_db, user) as cli:
                for job_id in (first, second):
                    assert _settled(cli, job_id).state == "Uncommitted"
                with pytest.raises(MilvusException) as err:
                    imports.abort_job(cli, first)
                _denied(err, "Import", user)
                admin.grant_privilege(role, "Collection", "Import", name)
                imports.commit_job(cli, imports.open_source(str(folder)), first)
                imports.abort_job(cli, second)
                assert [_settled(cli, job).state for job in (first, second)] == ["Completed", "Failed"]
            assert _count(admin, name) == 3
    finally:
        _cleanup(server_db)
