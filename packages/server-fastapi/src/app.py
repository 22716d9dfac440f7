"""FastAPI with async def endpoints, as articles 000 and 001 run it: a wait is awaited, so the one event loop
serves other requests meanwhile."""

import asyncio

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from loopbench.asyncpg_database import AsyncpgPool
from loopbench.contract import count_to
from loopbench.fastapi_routes import route, serve_contract

# asyncpg, the driver made for asyncio: a query is awaited, so the loop serves other requests while the database
# sleeps. A pool of DB_POOL connections (10 by default), created on the loop by the first /query; closed at the stop.
database = AsyncpgPool()

# No /docs or /openapi.json: every path outside the contract is a 404.
app = FastAPI(
    openapi_url=None, docs_url=None, redoc_url=None, on_shutdown=[database.close]
)
serve_contract(app)


@route(app, "sleep")
async def sleep(ms: int) -> dict[str, object]:
    # The loop serves other requests while this one waits.
    await asyncio.sleep(ms / 1000)
    return {"message": "done", "ms": ms}


@route(app, "query")
async def query(ms: int) -> dict[str, object]:
    # DB_POOL queries wait in the database at once; the next awaits a connection, and the loop goes on.
    await database.sleep(ms)
    return {"message": "done", "ms": ms}


@route(app, "cpu")
async def cpu(iterations: int) -> dict[str, object]:
    # On the event loop: while it counts, no other request is served. Async does not make CPU work parallel.
    return {"iterations": count_to(iterations)}


@route(app, "fast")
async def fast() -> dict[str, object]:
    return {"message": "fast"}


@route(app, "hello")
async def hello() -> PlainTextResponse:
    return PlainTextResponse("Hello")
