"""FastAPI with plain def endpoints (article 002's /nonasync): FastAPI runs each in its thread pool
(anyio's, 40 threads), and the event loop only hands requests over."""

import time

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from loopbench.contract import count_to
from loopbench.fastapi_routes import route, serve_contract
from loopbench.psycopg_database import PsycopgPool

# psycopg 3's synchronous ConnectionPool, the driver for plain def endpoints: a query blocks its pool thread and
# holds one of DB_POOL connections (10 by default), so min(40 threads, DB_POOL) queries wait in the database at
# once; the next waits in the pool's queue, on its thread. Opened by the first /query; closed at the stop.
database = PsycopgPool()

# No /docs or /openapi.json: every path outside the contract is a 404.
app = FastAPI(
    openapi_url=None, docs_url=None, redoc_url=None, on_shutdown=[database.close]
)
serve_contract(app)


@route(app, "sleep")
def sleep(ms: int) -> dict[str, object]:
    # Blocks one pool thread; the loop and the other 39 threads go on.
    time.sleep(ms / 1000)
    return {"message": "done", "ms": ms}


@route(app, "query")
def query(ms: int) -> dict[str, object]:
    # Blocks one pool thread, waiting in the database (or for a connection); the loop and the others go on.
    database.sleep(ms)
    return {"message": "done", "ms": ms}


@route(app, "cpu")
def cpu(iterations: int) -> dict[str, object]:
    # On a pool thread, but under the GIL: threads take turns at the CPU, they do not count in parallel.
    return {"iterations": count_to(iterations)}


@route(app, "fast")
def fast() -> dict[str, object]:
    return {"message": "fast"}


@route(app, "hello")
def hello() -> PlainTextResponse:
    return PlainTextResponse("Hello")
