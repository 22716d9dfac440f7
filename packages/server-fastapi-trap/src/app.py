"""The pitfall article 000 warns of: async def endpoints that call a blocking function (time.sleep here; a
synchronous database library in real code). The call holds the event loop, so the server answers one request
at a time, exactly like Flask with threaded=False."""

import time

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from loopbench.contract import count_to
from loopbench.fastapi_routes import route, serve_contract

# No /docs or /openapi.json: every path outside the contract is a 404.
app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
serve_contract(app)


@route(app, "sleep")
async def sleep(ms: int) -> dict[str, object]:
    # The trap: no await, so the event loop is held and nothing else runs meanwhile.
    time.sleep(ms / 1000)
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
