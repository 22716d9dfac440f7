"""psycopg2, as a blocking server uses it: one connection per process, and a query blocks the calling thread
until the database answers."""

import select
from typing import TYPE_CHECKING

from .database import (
    DATABASE_WAIT_S,
    NO_DATABASE,
    QUERY_SQL,
    TIMEOUT_SQL,
    DatabaseUnavailable,
    configured,
    query_timeout_ms,
    unavailable,
)

if TYPE_CHECKING:
    from psycopg2.extensions import connection


class Psycopg2Connection:
    """One connection, opened on the first query: in a forked worker (gunicorn's), each its own, after the fork.
    One that failed, or that the database ended while it was idle (it stopped), is closed, and the next query
    opens a new one: a database that stopped and came back is reconnected to, not failed forever. psycopg2 is
    imported on the first query too, so a server that never queries does not carry it.
    """

    def __init__(self) -> None:
        self._connection: "connection | None" = None

    def sleep(self, ms: int) -> None:
        """Waits `ms` in the database (DatabaseUnavailable if it cannot): the calling thread does nothing else."""
        url = configured().url
        if url is None:
            raise DatabaseUnavailable(NO_DATABASE)
        import psycopg2

        try:
            connection = self._open(url)
            with connection.cursor() as cursor:
                # One round trip: psycopg2 sends both statements as one, the timeout applying to the sleep.
                timeout = str(query_timeout_ms(ms))
                cursor.execute(f"{TIMEOUT_SQL}; {QUERY_SQL}", (timeout, ms))
        except psycopg2.Error as error:
            self.close()
            raise unavailable(error) from error

    def _open(self, url: str) -> "connection":
        import psycopg2

        if self._connection is not None and _ended(self._connection):
            self.close()
        if self._connection is None:
            self._connection = psycopg2.connect(url, connect_timeout=DATABASE_WAIT_S)
            self._connection.autocommit = True
        return self._connection

    def close(self) -> None:
        """Closes the connection, if one is open; the next query opens another."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _ended(idle: "connection") -> bool:
    """Whether the database ended an idle connection: psycopg2 would find out only by failing the next query. An
    idle connection has nothing to read but the database's goodbye (its FATAL message, or the socket's end).
    poll, not select: an event loop's process may hold descriptors past select's 1024.
    """
    if idle.closed:
        return True
    waiting = select.poll()
    waiting.register(idle.fileno(), select.POLLIN)
    return bool(waiting.poll(0))
