"""/query's database, as database.ts has it: DATABASE_URL and DB_POOL, the SQL, and the 503 when it cannot answer.
The drivers are each in a module of their own (psycopg2_database, psycopg_database, asyncpg_database)."""

import os
from collections.abc import Mapping
from dataclasses import dataclass

from .contract import SETTINGS
from .env import int_from_env

# How long a query may wait for a connection (the pool's queue included) before the server gives up: the
# contract's request timeout. A query itself may run its own sleep plus as long (query_timeout_ms).
DATABASE_WAIT_MS = SETTINGS["requestTimeoutMs"]
DATABASE_WAIT_S = (
    DATABASE_WAIT_MS // 1000
)  # libpq's connect_timeout takes whole seconds

NO_DATABASE = (
    "no database: this server was started without DATABASE_URL"
    " (e.g. DATABASE_URL=postgres://127.0.0.1:5432/postgres)"
)

# The wait /query makes: the database sleeps, so the server waits on a real connection. The DB-API's
# placeholder (psycopg2, psycopg); asyncpg takes PostgreSQL's own, as database.ts's QUERY_SQL.
QUERY_SQL = "SELECT pg_sleep(%s::float8 / 1000)"
QUERY_SQL_NUMBERED = "SELECT pg_sleep($1::float8 / 1000)"
# Before it, for a driver with no timeout of its own (psycopg2, psycopg): the database cancels the statement
# past query_timeout_ms. set_config, not SET: SET takes no bound parameter.
TIMEOUT_SQL = "SELECT set_config('statement_timeout', %s, false)"

SERVICE_UNAVAILABLE = 503


def query_timeout_ms(ms: int) -> int:
    """How long a query of `ms` may take before the driver or the database gives up on it."""
    return ms + DATABASE_WAIT_MS


@dataclass(frozen=True)
class DatabaseSettings:
    """DATABASE_URL and DB_POOL as a server reads them."""

    url: str | None  # None: /query answers 503 naming DATABASE_URL
    pool: int  # connections the server's pool may hold at once (a blocking driver holds one per process)


def read_database_env(
    default_pool: int, env: Mapping[str, str] = os.environ
) -> DatabaseSettings:
    """As database.ts readDatabaseEnv: `default_pool` is the declaration's database.pool (1 without one)."""
    return DatabaseSettings(
        url=env.get("DATABASE_URL") or None,
        pool=int_from_env(env, "DB_POOL", default_pool, 1, 1000, 10),
    )


_settings: DatabaseSettings | None = None


def configure(settings: DatabaseSettings) -> None:
    """The settings this process's drivers use: serve.start() reads them, uvicorn's spawned workers are given them."""
    global _settings
    _settings = settings


def configured() -> DatabaseSettings:
    if _settings is None:
        raise RuntimeError(
            "no database settings: loopbench.serve.start() reads them (or call loopbench.database.configure)"
        )
    return _settings


class DatabaseUnavailable(Exception):
    """The database could not answer: the server says 503 with this message and keeps serving."""


def unavailable(error: BaseException) -> DatabaseUnavailable:
    """A driver's error in the contract's words, on one line: what failed, never the query's text."""
    if isinstance(error, DatabaseUnavailable):
        return error
    message = " ".join(str(error).split()) or type(error).__name__
    return DatabaseUnavailable(f"the database did not answer: {message}")


def refusal(error: DatabaseUnavailable) -> tuple[dict[str, str], int]:
    """The answer, in every framework, to a request the database could not answer: 503 and why, in JSON."""
    return {"error": str(error)}, SERVICE_UNAVAILABLE
