"""/query's database: DATABASE_URL and DB_POOL as database.ts reads them, the 503, and each driver against a real,
throwaway PostgreSQL: the query waits in the database, as many at once as the driver's model allows."""

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import require
from postgres import sampling_sleeps

from loopbench import database
from loopbench.database import (
    DATABASE_WAIT_MS,
    NO_DATABASE,
    QUERY_SQL_NUMBERED,
    DatabaseSettings,
    DatabaseUnavailable,
    read_database_env,
    refusal,
    unavailable,
)
from loopbench.env import ConfigError

DATABASE_TS = Path(__file__).resolve().parents[2] / "src" / "database.ts"

# The drivers by the name of their module, each waiting `ms` in the database from a plain call.
DRIVERS = ["psycopg2", "psycopg", "asyncpg"]


Driver = Callable[[str], Callable[[int], None]]


@pytest.fixture
def driver() -> Iterator[Driver]:
    """Makes a driver object by the name of its module, its sleep(ms) a plain call (asyncpg's on a loop of the
    test's own); skipped if the driver is not installed. Each is closed after the test.
    """
    closers: list[Callable[[], None]] = []

    def make(name: str) -> Callable[[int], None]:
        if name == "psycopg2":
            require("psycopg2")
            from loopbench.psycopg2_database import Psycopg2Connection

            connection = Psycopg2Connection()
            closers.append(connection.close)
            return connection.sleep
        if name == "psycopg":
            require("psycopg_pool")
            from loopbench.psycopg_database import PsycopgPool

            threaded = PsycopgPool()
            closers.append(threaded.close)
            return threaded.sleep
        require("asyncpg")
        from loopbench.asyncpg_database import AsyncpgPool

        awaited, loop = AsyncpgPool(), asyncio.new_event_loop()
        closers.append(lambda: loop.run_until_complete(awaited.close()))
        closers.append(loop.close)
        return lambda ms: loop.run_until_complete(awaited.sleep(ms))

    yield make
    for close in closers:
        close()


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Callable[[str | None, int], None]:
    """Sets this process's database settings, as serve.start() does, for one test."""

    def use(url: str | None, pool: int = 2) -> None:
        monkeypatch.setattr(database, "_settings", DatabaseSettings(url, pool))

    return use


def test_read_database_env_defaults_to_no_database_and_the_declared_pool() -> None:
    assert read_database_env(10, {}) == DatabaseSettings(None, 10)
    assert read_database_env(1, {"DATABASE_URL": ""}) == DatabaseSettings(None, 1)


def test_read_database_env_reads_the_url_and_the_pool() -> None:
    env = {"DATABASE_URL": "postgres://db:5432/x", "DB_POOL": "1000"}
    assert read_database_env(10, env) == DatabaseSettings("postgres://db:5432/x", 1000)


@pytest.mark.parametrize("raw", ["0", "1001", "-1", "2.5", "ten"])
def test_read_database_env_refuses_a_pool_out_of_range(raw: str) -> None:
    with pytest.raises(ConfigError) as refused:
        read_database_env(10, {"DB_POOL": raw})
    assert str(refused.value) == (
        f'DB_POOL must be an integer from 1 to 1000 (got "{raw}"), e.g. DB_POOL=10'
    )


def test_texts_and_sql_are_database_ts_ones() -> None:
    source = DATABASE_TS.read_text(encoding="utf-8")
    no_database = re.search(r"export const NO_DATABASE =\s*'([^']*)'", source)
    query_sql = re.search(r"export const QUERY_SQL =\s*'([^']*)'", source)
    assert no_database and no_database.group(1) == NO_DATABASE
    assert query_sql and query_sql.group(1) == QUERY_SQL_NUMBERED
    assert "DATABASE_WAIT_MS = SHARED.settings.requestTimeoutMs" in source
    assert DATABASE_WAIT_MS == 30_000


def test_unavailable_says_what_failed_on_one_line() -> None:
    error = unavailable(OSError("connection refused\n\tIs the server running?\n"))
    assert str(error) == (
        "the database did not answer: connection refused Is the server running?"
    )
    assert (
        str(unavailable(TimeoutError())) == "the database did not answer: TimeoutError"
    )
    same = DatabaseUnavailable(NO_DATABASE)
    assert unavailable(same) is same


def test_refusal_is_a_503_with_the_error_in_json() -> None:
    assert refusal(DatabaseUnavailable("down")) == ({"error": "down"}, 503)


@pytest.mark.parametrize("name", DRIVERS)
def test_without_database_url_a_driver_refuses_at_once(
    name: str, settings: Callable[[str | None, int], None], driver: Driver
) -> None:
    settings(None, 2)
    with pytest.raises(DatabaseUnavailable, match="^no database: "):
        driver(name)(10)


# Against a real PostgreSQL: a session's one cluster (conftest's postgres_url).


@pytest.mark.parametrize(("name", "at_once"), [("psycopg", 2), ("asyncpg", 2)])
def test_a_pool_runs_db_pool_queries_at_once_and_queues_the_rest(
    name: str,
    at_once: int,
    postgres_url: str,
    settings: Callable[[str | None, int], None],
    driver: Driver,
) -> None:
    settings(postgres_url, 2)
    if name == "asyncpg":
        require("asyncpg")
        from loopbench.asyncpg_database import AsyncpgPool

        pool = AsyncpgPool()

        async def four() -> None:
            await asyncio.gather(*(pool.sleep(300) for _ in range(4)))
            await pool.close()

        def run() -> None:
            asyncio.run(four())

    else:
        sleep = driver(name)

        def run() -> None:
            callers = [threading.Thread(target=sleep, args=(300,)) for _ in range(4)]
            for caller in callers:
                caller.start()
            for caller in callers:
                caller.join()

    started = time.monotonic()
    with sampling_sleeps(postgres_url) as counts:
        run()
    # Four waits of 300 ms, two at a time: two rounds, every query waiting in the database.
    assert time.monotonic() - started >= 0.6
    assert max(counts) == at_once


def test_a_blocking_query_shows_in_the_database_while_it_waits(
    postgres_url: str, settings: Callable[[str | None, int], None], driver: Driver
) -> None:
    settings(postgres_url, 1)
    sleep = driver("psycopg2")
    with sampling_sleeps(postgres_url) as counts:
        started = time.monotonic()
        sleep(300)
        took = time.monotonic() - started
    assert took >= 0.3 and max(counts) == 1


@pytest.mark.parametrize("name", DRIVERS)
def test_a_query_past_its_timeout_is_given_up(
    name: str,
    postgres_url: str,
    settings: Callable[[str | None, int], None],
    monkeypatch: pytest.MonkeyPatch,
    driver: Driver,
) -> None:
    settings(postgres_url, 1)
    sleep = driver(name)
    # ms + 30 s in the servers; here the query may run 100 ms less than it sleeps.
    module = f"loopbench.{name}_database"
    monkeypatch.setattr(f"{module}.query_timeout_ms", lambda ms: ms - 100)
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable, match="^the database did not answer: "):
        sleep(400)
    assert time.monotonic() - started < 0.39


@pytest.mark.parametrize("name", DRIVERS)
def test_a_connection_the_database_ended_is_opened_again(
    name: str,
    postgres_url: str,
    settings: Callable[[str | None, int], None],
    driver: Driver,
) -> None:
    settings(postgres_url, 1)
    if name == "asyncpg":
        require("asyncpg")
        from loopbench.asyncpg_database import AsyncpgPool

        pool = AsyncpgPool()

        async def twice() -> None:
            await pool.sleep(0)
            terminate_others(postgres_url)
            await asyncio.sleep(0.05)  # the loop reads the connection's end
            await pool.sleep(0)
            await pool.close()

        asyncio.run(twice())
        return
    sleep = driver(name)
    sleep(0)
    terminate_others(postgres_url)
    time.sleep(0.05)
    if name == "psycopg":
        # psycopg_pool 3.1 finds an idle connection broken only by using it: that query fails, and the pool
        # replaces the connection for the next.
        with pytest.raises(DatabaseUnavailable):
            sleep(0)
    sleep(0)


def terminate_others(url: str) -> None:
    """Ends every other client's connection, as a database's restart or an administrator would."""
    import psycopg2

    admin = psycopg2.connect(url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
    admin.close()


@pytest.mark.parametrize("name", DRIVERS)
def test_a_database_that_does_not_listen_is_a_database_unavailable(
    name: str,
    settings: Callable[[str | None, int], None],
    monkeypatch: pytest.MonkeyPatch,
    driver: Driver,
) -> None:
    from postgres import _free_port

    settings(f"postgres://postgres@127.0.0.1:{_free_port()}/postgres", 1)
    sleep = driver(name)
    if name == "psycopg":
        # psycopg_pool connects in its own threads and retries: the query waits for a connection until its
        # timeout (30 s in the servers).
        monkeypatch.setattr("loopbench.psycopg_database.DATABASE_WAIT_S", 1)
    with pytest.raises(DatabaseUnavailable, match="^the database did not answer: "):
        sleep(10)
