"""The contract's routes on a Flask app: each view gets its validated parameters; refusals are JSON, a database
that could not answer a 503."""

from collections.abc import Callable
from contextlib import nullcontext
from typing import Any, TypeVar

from flask import Flask, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import WebsocketMismatch

from .contract import (
    ALLOWED_METHODS,
    ROUTES_BY_NAME,
    BadQuery,
    method_not_allowed_error,
    not_found_error,
    parse_query,
    upgrade_error,
)
from .database import DatabaseUnavailable, refusal
from .stats import PROBE, StatsSnapshot

View = TypeVar("View", bound=Callable[..., Any])


def route(app: Flask, name: str) -> Callable[[View], View]:
    """Registers the view for GET (and HEAD) on the contract's route `name`, called with its parameters; a
    DatabaseUnavailable it raises is the contract's 503, the request counted in /stats as any other.
    """
    spec = ROUTES_BY_NAME[name]

    def register(view: View) -> View:
        def answer() -> ResponseReturnValue:
            try:
                params = parse_query(spec, request.environ.get("QUERY_STRING", ""))
            except BadQuery as error:
                return {"error": str(error)}, 400
            with PROBE.track() if spec.tracked else nullcontext():
                try:
                    return view(**params)  # type: ignore[no-any-return]
                except DatabaseUnavailable as error:
                    return refusal(error)

        # No automatic OPTIONS: every method but GET and HEAD is a 405.
        app.add_url_rule(
            spec.path, name, answer, methods=["GET"], provide_automatic_options=False
        )
        return view

    return register


def refuse_in_json(app: Flask) -> None:
    """Flask's own refusals (unknown path, other method) as the contract's JSON ones."""

    @app.errorhandler(HTTPException)
    def refuse(error: HTTPException) -> ResponseReturnValue:
        if isinstance(error, MethodNotAllowed):
            message = method_not_allowed_error(request.method, request.path)
            return {"error": message}, 405, {"Allow": ", ".join(ALLOWED_METHODS)}
        if isinstance(error, WebsocketMismatch):
            # werkzeug's router refuses a WebSocket upgrade to an HTTP route; the message says why.
            return {"error": upgrade_error(request.headers.get("Upgrade", ""))}, 400
        if isinstance(error, NotFound):
            # The path as it came, as routes.ts shows it (werkzeug's is decoded), without a fragment.
            raw_uri = request.environ.get("RAW_URI", request.path)
            raw_path = raw_uri.partition("#")[0].partition("?")[0]
            return {"error": not_found_error(raw_path)}, 404
        return {"error": error.description or error.name}, error.code or 500


def serve_contract(app: Flask) -> None:
    """What is not the lesson: JSON refusals, /health and /stats."""
    refuse_in_json(app)

    @route(app, "health")
    def health() -> dict[str, object]:
        return {"status": "ok"}

    @route(app, "stats")
    def stats(reset: int) -> StatsSnapshot:
        return PROBE.snapshot(reset=reset == 1)
