"""The contract's routes on a FastAPI app: async def on the loop, plain def on the pool, JSON refusals."""

import threading
from typing import TYPE_CHECKING

import pytest
from asgi_client import call
from conftest import require

if TYPE_CHECKING:
    from fastapi import FastAPI


@pytest.fixture
def app() -> "FastAPI":
    fastapi = require("fastapi")
    from loopbench.fastapi_routes import route, serve_contract

    app: FastAPI = fastapi.FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    serve_contract(app)

    @route(app, "sleep")
    async def sleep(ms: int) -> dict[str, object]:
        return {"message": "done", "ms": ms}

    @route(app, "cpu")
    def cpu(iterations: int) -> dict[str, object]:
        return {"iterations": iterations, "thread": threading.current_thread().name}

    return app


def test_an_endpoint_gets_its_validated_parameters(app: "FastAPI") -> None:
    answer = call(app, "GET", "/sleep?ms=007")
    assert (answer.status, answer.json()) == (200, {"message": "done", "ms": 7})


def test_a_plain_def_runs_on_the_pool_not_the_loop(app: "FastAPI") -> None:
    answer = call(app, "GET", "/cpu")
    body = answer.json()
    assert isinstance(body, dict) and body["iterations"] == 1_000_000
    assert body["thread"] != threading.current_thread().name


def test_a_bad_query_is_a_400_with_the_contract_error(app: "FastAPI") -> None:
    answer = call(app, "GET", "/sleep?ms=1&ms=2")
    assert answer.status == 400
    assert answer.json() == {
        "error": '"ms" was given 2 times; give it once, as an integer from 0 to 60000'
    }


def test_refusals_are_json_and_a_slash_is_no_redirect(app: "FastAPI") -> None:
    missing = call(app, "GET", "/fast/")
    assert missing.status == 404
    assert missing.json() == {
        "error": 'no route "/fast/"; routes are /health, /hello, /fast, /sleep, /cpu, /query, /stats'
    }
    deleted = call(app, "DELETE", "/sleep")
    assert deleted.status == 405 and deleted.headers["allow"] == "GET, HEAD"


def test_health_and_stats_come_with_the_contract(app: "FastAPI") -> None:
    assert call(app, "GET", "/health").json() == {"status": "ok"}
    stats = call(app, "GET", "/stats").json()
    assert isinstance(stats, dict) and "maxInFlight" in stats


@pytest.mark.parametrize("endpoint", ["async def", "def"])
def test_a_database_that_cannot_answer_is_a_503_counted_as_done(
    endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fastapi = require("fastapi")
    from loopbench import database
    from loopbench.asyncpg_database import AsyncpgPool
    from loopbench.database import NO_DATABASE, DatabaseSettings
    from loopbench.fastapi_routes import route
    from loopbench.psycopg_database import PsycopgPool
    from loopbench.stats import PROBE

    monkeypatch.setattr(database, "_settings", DatabaseSettings(None, 10))
    app: FastAPI = fastapi.FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    if endpoint == "def":
        pool = PsycopgPool()

        @route(app, "query")
        def query(ms: int) -> dict[str, object]:
            pool.sleep(ms)
            return {"message": "done", "ms": ms}

    else:
        awaited = AsyncpgPool()

        @route(app, "query")
        async def query_awaited(ms: int) -> dict[str, object]:
            await awaited.sleep(ms)
            return {"message": "done", "ms": ms}

    handled = PROBE.requests_handled
    answer = call(app, "GET", "/query?ms=5")
    assert (answer.status, answer.json()) == (503, {"error": NO_DATABASE})
    assert answer.headers["content-type"] == "application/json"
    assert (PROBE.requests_handled, PROBE.in_flight) == (handled + 1, 0)
