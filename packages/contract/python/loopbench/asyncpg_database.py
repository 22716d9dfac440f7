"""asyncpg's pool, as a non-blocking server uses it: a query is awaited, so the event loop serves other requests
meanwhile; DB_POOL queries run at once, and the next awaits a connection in the pool's queue."""

import asyncio
from typing import TYPE_CHECKING

from .database import (
    DATABASE_WAIT_S,
    NO_DATABASE,
    QUERY_SQL_NUMBERED,
    DatabaseSettings,
    DatabaseUnavailable,
    configured,
    query_timeout_ms,
    unavailable,
)

if TYPE_CHECKING:
    from asyncpg import Pool


class AsyncpgPool:
    """`asyncpg.create_pool(max_size=DB_POOL)`, created by the first query on the server's event loop (asyncpg
    imported then, so a server that never queries does not carry it), each connection as a query needs it. A
    closed connection is reopened by the pool on its next use; the wait for a connection and the query each
    have a timeout of their own, so a query never hangs."""

    def __init__(self) -> None:
        self._pool: "asyncio.Task[Pool] | None" = None

    async def sleep(self, ms: int) -> None:
        """Waits `ms` in the database (DatabaseUnavailable if it cannot); the loop serves others meanwhile."""
        settings = configured()
        if settings.url is None:
            raise DatabaseUnavailable(NO_DATABASE)
        import asyncpg

        try:
            pool = await self._opened(settings)
            async with pool.acquire(timeout=DATABASE_WAIT_S) as connection:
                timeout_s = query_timeout_ms(ms) / 1000
                await connection.execute(QUERY_SQL_NUMBERED, ms, timeout=timeout_s)
        # Refused or reset (OSError), no connection or answer in time (TimeoutError), or PostgreSQL's own error.
        except (
            OSError,
            TimeoutError,
            asyncpg.PostgresError,
            asyncpg.InterfaceError,
        ) as error:
            raise unavailable(error) from error

    def _opened(self, settings: DatabaseSettings) -> "asyncio.Task[Pool]":
        # One task, however many queries come first: each awaits the same pool. None connected yet (min_size 0),
        # so creating it cannot fail on a database that is down.
        if self._pool is None:
            self._pool = asyncio.get_running_loop().create_task(self._create(settings))
        return self._pool

    @staticmethod
    async def _create(settings: DatabaseSettings) -> "Pool":
        import asyncpg

        return await asyncpg.create_pool(
            settings.url,
            min_size=0,
            max_size=settings.pool,
            timeout=DATABASE_WAIT_S,  # to connect
        )

    async def close(self) -> None:
        """Closes the pool's connections, waiting for queries in flight (the server's stop)."""
        if self._pool is not None:
            await (await self._pool).close()
