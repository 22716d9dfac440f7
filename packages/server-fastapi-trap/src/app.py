"""The pitfall article 000 warns of: async def endpoints that call a blocking function (time.sleep in /sleep; a
synchronous database library, psycopg2, in /query). The call holds the event loop, so the server answers one
request at a time, exactly like Flask with threaded=False."""

import time

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from loopbench.contract import count_to
from loopbench.fastapi_routes import route, serve_contract
from loopbench.psycopg2_database import Psycopg2Connection

# No /docs or /openapi.json: every path outside the contract is a 404.
app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
serve_contract(app)

# The trap with the synchronous database library the article means: psycopg2 has nothing to await, so in an
# async def its query holds the event loop until the database answers. One connection, one query at a time.
database = Psycopg2Connection()


@route(app, "sleep")
async def sleep(ms: int) -> dict[str, object]:
    # The trap: no await, so the event loop is held and nothing else runs meanwhile.
    time.sleep(ms / 1000)
    return {"message": "done", "ms": ms}


@route(app, "query")
async def query(ms: int) -> dict[str, object]:
    # The trap: a blocking call in async def. The loop waits with the database; nothing else runs meanwhile.
    database.sleep(ms)
    return {"message": "done", "ms": ms}


@route(app, "cpu")
async def cpu(iterations: int) -> dict[str, object]:
    return {"iterations": count_to(iterations)}


@route(app, "fast")
async def fast() -> dict[str, object]:
    return {"message": "fast"}


@route(app, "hello")
async def hello() -> PlainTextResponse:
    return PlainTextResponse("Hello")
