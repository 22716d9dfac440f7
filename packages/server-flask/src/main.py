"""Starts the app as app.run(threaded=False) does, minus reloader and debugger: werkzeug's one-thread server.
The contract's module comes through PYTHONPATH, which npm start and the harness set from package.json."""

import logging
import sys
from pathlib import Path

try:
    from loopbench.contract import SETTINGS
except ModuleNotFoundError as missing:
    if missing.name != "loopbench":
        raise
    sys.exit(
        "flask: no module loopbench; start with PYTHONPATH=../contract/python, as npm start does"
    )

from werkzeug.serving import BaseWSGIServer

from app import app
from loopbench.serve import announce, fail, start
from loopbench.werkzeug_server import ContractRequestHandler
from loopbench.wsgi import ContractMiddleware

PACKAGE_DIR = Path(__file__).resolve().parents[1]


class OneThreadServer(BaseWSGIServer):
    """What make_server(threaded=False) makes, listening with the contract's backlog (werkzeug's is 128)."""

    request_queue_size = SETTINGS["backlog"]


def main() -> None:
    declared, env = start(PACKAGE_DIR)
    if env.workers != 1:
        # Refused, not ignored: a run with WORKERS=2 must not measure one process.
        message = f"WORKERS={env.workers}: app.run has no workers (flask-gunicorn has)"
        fail(declared, message, 2)
    # No access log, like every other server here (werkzeug writes a line per request).
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    wsgi_app = ContractMiddleware(app, env.server_timing)
    try:
        # The handler answers what werkzeug's parser refuses in the contract's JSON, not in HTML.
        server = OneThreadServer(
            env.host, env.port, wsgi_app, handler=ContractRequestHandler
        )
    except OSError as error:
        fail(declared, f"cannot listen on {env.host}:{env.port}: {error}", 1)
    wsgi_app.answering.stop_when_answered()
    # HTTP/1.0, Connection: close after every answer: no keep-alive.
    host = str(server.server_address[0])
    announce(declared, host, server.port, workers=1, keep_alive_timeout_ms=0)
    server.serve_forever()


if __name__ == "__main__":
    main()
