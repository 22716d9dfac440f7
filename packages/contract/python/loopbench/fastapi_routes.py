"""The contract's routes on a FastAPI app: each endpoint gets its validated parameters; refusals are JSON, a
database that could not answer a 503."""

import inspect
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from .contract import (
    ALLOWED_METHODS,
    ROUTES_BY_NAME,
    BadQuery,
    Params,
    Route,
    method_not_allowed_error,
    not_found_error,
    parse_query,
)
from .database import DatabaseUnavailable, refusal
from .stats import PROBE, StatsSnapshot

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def _params(spec: Route, request: Request) -> Params | Response:
    try:
        return parse_query(spec, request.scope["query_string"].decode("latin-1"))
    except BadQuery as error:
        return JSONResponse({"error": str(error)}, 400)


def route(app: FastAPI, name: str) -> Callable[[Endpoint], Endpoint]:
    """Registers the endpoint for GET and HEAD on the contract's route `name`, called with its parameters.
    An async def stays a coroutine (run on the event loop); a plain def stays plain (run in the thread pool). A
    DatabaseUnavailable it raises is the contract's 503, the request counted in /stats as any other.
    """
    spec = ROUTES_BY_NAME[name]

    def register(endpoint: Endpoint) -> Endpoint:
        answer: Callable[[Request], Any]
        if inspect.iscoroutinefunction(endpoint):

            async def answer(request: Request) -> Any:
                params = _params(spec, request)
                if isinstance(params, Response):
                    return params
                with PROBE.track() if spec.tracked else nullcontext():
                    try:
                        return await endpoint(**params)
                    except DatabaseUnavailable as error:
                        return JSONResponse(*refusal(error))

        else:

            def answer(request: Request) -> Any:
                params = _params(spec, request)
                if isinstance(params, Response):
                    return params
                with PROBE.track() if spec.tracked else nullcontext():
                    try:
                        return endpoint(**params)
                    except DatabaseUnavailable as error:
                        return JSONResponse(*refusal(error))

        # FastAPI reads only `request` from the signature; the contract, not FastAPI, parses the query.
        methods = list(ALLOWED_METHODS)
        app.api_route(spec.path, methods=methods, name=name, response_model=None)(
            answer
        )
        return endpoint

    return register


def refuse_in_json(app: FastAPI) -> None:
    """Starlette's own refusals (unknown path, other method) as the contract's JSON ones."""
    # /fast/ is a 404, as on every server, not a redirect to /fast.
    app.router.redirect_slashes = False

    async def refuse(request: Request, error: Exception) -> Response:
        status = error.status_code if isinstance(error, HTTPException) else 400
        if status == 405:
            message = method_not_allowed_error(request.method, request.url.path)
            allow = {"allow": ", ".join(ALLOWED_METHODS)}
            return JSONResponse({"error": message}, 405, allow)
        if status == 404:
            # The path as it came, as routes.ts shows it (Starlette's is decoded).
            raw_path = request.scope["raw_path"].decode("latin-1")
            return JSONResponse({"error": not_found_error(raw_path)}, 404)
        return JSONResponse({"error": str(getattr(error, "detail", error))}, status)

    app.add_exception_handler(HTTPException, refuse)


def serve_contract(app: FastAPI) -> None:
    """What is not the lesson: JSON refusals, /health and /stats. Both are async def, on the event loop,
    so /stats answers even while every pool thread of a def app is busy."""
    refuse_in_json(app)

    @route(app, "health")
    async def health() -> dict[str, object]:
        return {"status": "ok"}

    @route(app, "stats")
    async def stats(reset: int) -> StatsSnapshot:
        return PROBE.snapshot(reset=reset == 1)
