"""Flask as articles 000 and 001 run it: one request at a time, and a wait blocks the one thread."""

import time

from flask import Flask, Response

from loopbench.contract import count_to
from loopbench.flask_routes import route, serve_contract
from loopbench.psycopg2_database import Psycopg2Connection

app = Flask(__name__)
serve_contract(app)

# psycopg2, the synchronous driver Flask apps use: its query blocks the calling thread until the database answers.
# One connection, opened on the first /query (under gunicorn, in each worker, after the fork).
database = Psycopg2Connection()


@route(app, "sleep")
def sleep(ms: int) -> dict[str, object]:
    # Blocks the only thread: the next request is not even read until this one is answered.
    time.sleep(ms / 1000)
    return {"message": "done", "ms": ms}


@route(app, "query")
def query(ms: int) -> dict[str, object]:
    # Blocks the only thread as time.sleep does, waiting in the database: one query at a time.
    database.sleep(ms)
    return {"message": "done", "ms": ms}


@route(app, "cpu")
def cpu(iterations: int) -> dict[str, object]:
    return {"iterations": count_to(iterations)}


@route(app, "fast")
def fast() -> dict[str, object]:
    return {"message": "fast"}


@route(app, "hello")
def hello() -> Response:
    return Response("Hello", mimetype="text/plain")
