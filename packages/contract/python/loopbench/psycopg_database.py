"""psycopg 3's ConnectionPool, as a thread-pool server uses it: each thread's query blocks that thread and holds
one of DB_POOL connections; with all of them busy, the next query waits in the pool's queue."""

import threading
from typing import TYPE_CHECKING

from .database import (
    DATABASE_WAIT_S,
    NO_DATABASE,
    QUERY_SQL,
    TIMEOUT_SQL,
    DatabaseSettings,
    DatabaseUnavailable,
    configured,
    query_timeout_ms,
    unavailable,
)

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool


class PsycopgPool:
    """`ConnectionPool(max_size=DB_POOL)`, opened on the first query (psycopg imported then, so a server that never
    queries does not carry it), each connection as the pool needs it. A query waits up to DATABASE_WAIT_S for a
    connection (PoolTimeout, then a 503); one that broke is discarded by the pool when it is given back.
    """

    def __init__(self) -> None:
        self._pool: "ConnectionPool | None" = None
        self._opening = threading.Lock()

    def sleep(self, ms: int) -> None:
        """Waits `ms` in the database (DatabaseUnavailable if it cannot): this thread does nothing else meanwhile."""
        settings = configured()
        if settings.url is None:
            raise DatabaseUnavailable(NO_DATABASE)
        import psycopg

        try:
            with self._opened(settings).connection() as connection:
                connection.execute(TIMEOUT_SQL, (str(query_timeout_ms(ms)),))
                connection.execute(QUERY_SQL, (ms,))
        except psycopg.Error as error:  # PoolTimeout is one
            raise unavailable(error) from error

    def _opened(self, settings: DatabaseSettings) -> "ConnectionPool":
        with self._opening:
            if self._pool is None:
                from psycopg_pool import ConnectionPool

                self._pool = ConnectionPool(
                    settings.url or "",
                    # None open at first: the connections in the database are the ones queries needed.
                    min_size=0,
                    max_size=settings.pool,
                    timeout=DATABASE_WAIT_S,
                    kwargs={"autocommit": True, "connect_timeout": DATABASE_WAIT_S},
                )
            return self._pool

    def close(self) -> None:
        """Closes the pool's connections and stops its threads (the server's stop)."""
        with self._opening:
            if self._pool is not None:
                self._pool.close()
