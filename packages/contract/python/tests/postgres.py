"""A throwaway PostgreSQL cluster for the tests: the contract's own startPostgres (src/postgres.ts, built to
dist/postgres.js before the tests run), held by a Node child for as long as the block runs, so a cluster is
made one way, in one language, and the contract's reaper removes it even if pytest is killed."""

import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STARTER = Path(__file__).resolve().parents[2] / "dist" / "postgres.js"

# Prints the cluster's URL, then stops it and deletes its folder when its stdin closes.
HOLD = """
const { startPostgres } = await import(process.argv[1]);
try {
  const postgres = await startPostgres();
  console.log(postgres.url);
  process.stdin.on('end', () => postgres.stop().then(() => process.exit(0)));
  process.stdin.resume();
} catch (error) {
  console.error(error.message);
  process.exit(3);
}
"""


class PostgresUnavailable(Exception):
    """No cluster can be started here; the message says why."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_postgres() -> Iterator[str]:
    """A cluster of its own while the block runs: its URL."""
    if not STARTER.exists():
        raise PostgresUnavailable(
            f"{STARTER} is not built: npm run build -w @loopbench/contract"
        )
    holder = subprocess.Popen(
        ["node", "--input-type=module", "-e", HOLD, STARTER.as_uri()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin and holder.stdout and holder.stderr
    url = holder.stdout.readline().strip()
    try:
        if not url:
            holder.wait(30)
            raise PostgresUnavailable(holder.stderr.read().strip() or "no cluster")
        yield url
    finally:
        holder.stdin.close()
        holder.wait(30)


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
