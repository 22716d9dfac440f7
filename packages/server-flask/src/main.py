"""Starts the app as app.run(threaded=False) does, minus reloader and debugger: werkzeug's one-thread server."""

import logging
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
# The contract's Python module, beside this package in the workspace.
sys.path.insert(0, str(PACKAGE_DIR.parent / "contract" / "python"))

from werkzeug.serving import BaseWSGIServer, make_server

from app import app
from loopbench.contract import SETTINGS
from loopbench.serve import announce, fail, start
from loopbench.wsgi import ContractMiddleware, stop_when_answered


def main() -> None:
    declared, env = start(PACKAGE_DIR)
    if env.workers != 1:
        # Refused, not ignored: a run with WORKERS=2 must not measure one process.
        message = f"WORKERS={env.workers}: app.run has no workers (flask-gunicorn has)"
        fail(declared, message, 2)
    # werkzeug listens with a backlog of 128; the contract's is the same for every server.
    BaseWSGIServer.request_queue_size = SETTINGS["backlog"]
    # No access log, like every other server here (werkzeug writes a line per request).
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    wsgi_app = ContractMiddleware(app, env.server_timing)
    try:
        server = make_server(env.host, env.port, wsgi_app, threaded=False)
    except OSError as error:
        fail(declared, f"cannot listen on {env.host}:{env.port}: {error}", 1)
    stop_when_answered()
    # HTTP/1.0, Connection: close after every answer: no keep-alive.
    host = str(server.server_address[0])
    announce(declared, host, server.port, workers=1, keep_alive_timeout_ms=0)
    server.serve_forever()


if __name__ == "__main__":
    main()
