"""A throwaway PostgreSQL cluster for the tests, as postgres.ts startPostgres makes one: a temporary folder, a free
loopback port, trust, no fsync; stopped (SIGINT, PostgreSQL's fast shutdown) and deleted whatever happens."""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

INSTALL = "apt-get install postgresql"


class PostgresUnavailable(Exception):
    """No cluster can be started here; the message says why."""


def _has_server(folder: Path) -> bool:
    return (folder / "initdb").exists() and (folder / "postgres").exists()


def binaries() -> Path | None:
    """$POSTGRES_BIN, else the newest /usr/lib/postgresql/<version>/bin with initdb and postgres."""
    if os.environ.get("POSTGRES_BIN"):
        given = Path(os.environ["POSTGRES_BIN"])
        return given if _has_server(given) else None
    root = Path("/usr/lib/postgresql")
    versions = sorted(
        (d for d in root.glob("*") if d.name.isdigit()), key=lambda d: -int(d.name)
    )
    return next((d / "bin" for d in versions if _has_server(d / "bin")), None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _owner() -> pwd.struct_passwd | None:
    """initdb refuses root: as root the cluster is run by the postgres user."""
    if os.getuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable(
            f'PostgreSQL cannot run as root and there is no "postgres" user: {INSTALL}'
        ) from None


def _accepts(url: str) -> bool:
    import psycopg2

    try:
        psycopg2.connect(url, connect_timeout=1).close()
        return True
    except psycopg2.OperationalError:
        return False


@contextmanager
def running_postgres(ready_timeout_s: float = 30) -> Iterator[str]:
    """A cluster of its own while the block runs: its URL."""
    bin_dir = binaries()
    if bin_dir is None:
        raise PostgresUnavailable(
            f"PostgreSQL's server (initdb, postgres) is not on this machine: {INSTALL}"
        )
    owner = _owner()
    uid, gid = (owner.pw_uid, owner.pw_gid) if owner else (None, None)
    folder = Path(tempfile.mkdtemp(prefix="loopbench-postgres-"))
    server: subprocess.Popen[bytes] | None = None
    try:
        if owner:
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        data = folder / "data"
        initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres"]
        initdb += ["--auth=trust", "--no-sync", "--no-instructions", "-E", "UTF8"]
        subprocess.run(initdb, check=True, capture_output=True, user=uid, group=gid)
        port = _free_port()
        settings = [f"port={port}", "listen_addresses=127.0.0.1", "fsync=off"]
        settings += [f"unix_socket_directories={folder}"]
        command = [str(bin_dir / "postgres"), "-D", str(data)]
        command += [arg for setting in settings for arg in ("-c", setting)]
        started = server = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            user=uid,
            group=gid,
        )
        url = f"postgres://postgres@127.0.0.1:{port}/postgres"
        deadline = time.monotonic() + ready_timeout_s
        while not _accepts(url):
            if started.poll() is not None or time.monotonic() > deadline:
                raise PostgresUnavailable(f"PostgreSQL did not start on port {port}")
            time.sleep(0.05)
        yield url
    finally:
        if server is not None and server.poll() is None:
            # SIGINT is PostgreSQL's fast shutdown: it disconnects clients instead of waiting for them.
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def sampling_sleeps(url: str, every_s: float = 0.01) -> Iterator[list[int]]:
    """How many pg_sleep queries the database runs at once, sampled from pg_stat_activity while the block runs."""
    import threading

    import psycopg2

    counts: list[int] = []
    done = threading.Event()
    monitor = psycopg2.connect(url)
    monitor.autocommit = True

    def sample() -> None:
        with monitor.cursor() as cursor:
            while not done.is_set():
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
                    " AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()"
                )
                row = cursor.fetchone()
                counts.append(row[0] if row else 0)
                done.wait(every_s)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        yield counts
    finally:
        done.set()
        sampler.join()
        monitor.close()
