"""The contract's routes on a Flask app: validated parameters in, JSON refusals out."""

from typing import TYPE_CHECKING

import pytest
from conftest import require

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient


@pytest.fixture
def app() -> "Flask":
    # A fixture keeps the app alive: Flask's JSON provider holds it weakly, and answers read JSON through it.
    flask = require("flask")
    from loopbench.flask_routes import route, serve_contract

    app: Flask = flask.Flask(__name__)
    serve_contract(app)

    @route(app, "sleep")
    def sleep(ms: int) -> dict[str, object]:
        return {"message": "done", "ms": ms}

    return app


@pytest.fixture
def client(app: "Flask") -> "FlaskClient":
    return app.test_client()


def test_a_view_gets_its_validated_parameters(client: "FlaskClient") -> None:
    answer = client.get("/sleep?ms=007")
    assert (answer.status_code, answer.json) == (200, {"message": "done", "ms": 7})


def test_a_bad_query_is_a_400_with_the_contract_error(client: "FlaskClient") -> None:
    answer = client.get("/sleep?ms=abc")
    assert answer.status_code == 400
    assert answer.json == {
        "error": '"ms" must be an integer from 0 to 60000 in plain digits (got "abc")'
    }


def test_refusals_are_json(client: "FlaskClient") -> None:
    missing = client.get("/nope%20x")
    assert missing.status_code == 404
    assert missing.json == {
        "error": 'no route "/nope%20x"; routes are /health, /hello, /fast, /sleep, /cpu, /query, /stats'
    }
    posted = client.post("/sleep?ms=1")
    assert posted.status_code == 405 and posted.headers["Allow"] == "GET, HEAD"
    assert posted.json == {"error": "POST is not allowed on /sleep; use GET or HEAD"}


def test_a_404_shows_the_path_without_its_fragment(client: "FlaskClient") -> None:
    missing = client.get("/nope", environ_overrides={"RAW_URI": "/nope#x?y"})
    assert missing.status_code == 404
    assert missing.json is not None and missing.json["error"].startswith(
        'no route "/nope";'
    )


def test_a_websocket_upgrade_is_refused_saying_why(client: "FlaskClient") -> None:
    upgrade = {"Connection": "Upgrade", "Upgrade": "websocket"}
    answer = client.get("/sleep?ms=1", headers=upgrade)
    assert (answer.status_code, answer.json) == (
        400,
        {
            "error": 'Upgrade to "websocket" is not supported; this server speaks HTTP/1.0 and HTTP/1.1'
        },
    )


def test_health_and_stats_come_with_the_contract(client: "FlaskClient") -> None:
    assert client.get("/health").json == {"status": "ok"}
    stats = client.get("/stats?reset=1").json
    assert isinstance(stats, dict) and stats["eventLoopUtilization"] is None
    assert client.get("/stats?reset=2").status_code == 400


def test_a_database_that_cannot_answer_is_a_503_counted_as_done(
    app: "Flask", monkeypatch: pytest.MonkeyPatch
) -> None:
    from loopbench import database
    from loopbench.database import NO_DATABASE, DatabaseSettings
    from loopbench.flask_routes import route
    from loopbench.psycopg2_database import Psycopg2Connection
    from loopbench.stats import PROBE

    monkeypatch.setattr(database, "_settings", DatabaseSettings(None, 1))
    connection = Psycopg2Connection()

    @route(app, "query")
    def query(ms: int) -> dict[str, object]:
        connection.sleep(ms)
        return {"message": "done", "ms": ms}

    handled = PROBE.requests_handled
    answer = app.test_client().get("/query?ms=5")
    assert (answer.status_code, answer.json) == (503, {"error": NO_DATABASE})
    assert (PROBE.requests_handled, PROBE.in_flight) == (handled + 1, 0)
