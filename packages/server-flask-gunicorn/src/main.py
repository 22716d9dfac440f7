"""Starts server-flask's app on gunicorn with the sync worker: the master forks WORKERS processes (-w N),
each answering one request at a time on the shared socket. The contract's module comes through PYTHONPATH,
which npm start and the harness set from package.json."""

import multiprocessing
import os
import sys
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any, cast

try:
    from loopbench.contract import LIMITS, SETTINGS
except ModuleNotFoundError as missing:
    if missing.name != "loopbench":
        raise
    sys.exit(
        "flask-gunicorn: no module loopbench; start with PYTHONPATH=../contract/python, as npm start does"
    )

from gunicorn.app.base import BaseApplication
from gunicorn.http.errors import ParseException
from gunicorn.workers.sync import SyncWorker

from app import app
from loopbench.serve import (
    Declaration,
    ServeEnv,
    announce,
    raw_refusal,
    start,
)
from loopbench.wsgi import ContractMiddleware

PACKAGE_DIR = Path(__file__).resolve().parents[1]

# A request may sleep up to sleepMsMax: the master must not kill a worker for it (gunicorn's default is 30 s),
# and a stop waits as long for it to finish, as serve.ts does.
WORKER_TIMEOUT_S = LIMITS["sleepMsMax"] // 1000 + 5


class JsonRefusingSyncWorker(SyncWorker):  # type: ignore[misc]
    """gunicorn's sync worker, answering the requests its parser refuses with a JSON 400 like every refusal,
    not its HTML page (nor the 500 it gives an unsupported Transfer-Encoding)."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: Exception) -> None:
        if not isinstance(exc, ParseException):
            return super().handle_error(req, client, addr, exc)  # type: ignore[no-any-return]
        try:
            client.sendall(raw_refusal(400, f"malformed request ({exc})"))
        except OSError:
            pass


class FlaskOnGunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn started from code, as `gunicorn -w N app:app` with these settings."""

    def __init__(self, declared: Declaration, env: ServeEnv) -> None:
        self.declared = declared
        self.env = env
        super().__init__()

    def load_config(self) -> None:
        host = f"[{self.env.host}]" if ":" in self.env.host else self.env.host
        settings = {
            "bind": [f"{host}:{self.env.port}"],
            "workers": self.env.workers,
            "worker_class": "__main__.JsonRefusingSyncWorker",  # the class below; gunicorn takes a dotted path
            "backlog": SETTINGS["backlog"],
            "accesslog": None,
            "loglevel": "warning",
            "timeout": WORKER_TIMEOUT_S,
            "graceful_timeout": WORKER_TIMEOUT_S,
            # No limits of gunicorn's own below the contract's: the middleware refuses longer ones with 414 and 431.
            "limit_request_line": 0,
            "limit_request_field_size": 0,
            "when_ready": self.when_ready,
            "post_worker_init": self.post_worker_init,
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def when_ready(self, arbiter: Any) -> None:
        # Ctrl-C stops as gracefully as SIGTERM, as the contract asks (gunicorn's SIGINT is a quick stop).
        arbiter.handle_int = arbiter.handle_term
        self.address = arbiter.LISTENERS[0].sock.getsockname()[:2]
        # Shared with the workers about to be forked: each counts itself in once it serves.
        self.booted = cast("Synchronized[int]", multiprocessing.Value("i", 0))

    def post_worker_init(self, worker: Any) -> None:
        # worker.wsgi is what load() returned, in this worker's process.
        middleware = worker.wsgi
        assert isinstance(middleware, ContractMiddleware)
        middleware.answering.stop_when_answered()
        # Ready once every worker can take a stop signal too: one that came before would be lost (a new worker
        # runs the master's handler until it installs its own), and the master would wait graceful_timeout.
        with self.booted.get_lock():
            self.booted.value += 1
            if self.booted.value == self.env.workers:
                # The sync worker closes every connection after its answer: no keep-alive.
                host, port = self.address
                announce(
                    self.declared,
                    host,
                    port,
                    self.env.workers,
                    keep_alive_timeout_ms=0,
                    pid=os.getppid(),
                )

    def load(self) -> Any:
        return ContractMiddleware(app, self.env.server_timing)


if __name__ == "__main__":
    FlaskOnGunicorn(*start(PACKAGE_DIR)).run()
