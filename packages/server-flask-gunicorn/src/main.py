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

from app import app
from loopbench.gunicorn_server import UNLIMITED_HEAD_SETTINGS, ContractSyncWorker
from loopbench.serve import Declaration, ServeEnv, announce, start
from loopbench.wsgi import ContractMiddleware

PACKAGE_DIR = Path(__file__).resolve().parents[1]

# A request may sleep up to sleepMsMax: the master must not kill a worker for it (gunicorn's default is 30 s),
# and a stop waits as long for it to finish, as serve.ts does.
WORKER_TIMEOUT_S = LIMITS["sleepMsMax"] // 1000 + 5


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
            # Its parser's refusals in JSON, and no wait on a head that cannot end. A dotted path: gunicorn 20.1
            # takes a class but then fails to log its name.
            "worker_class": f"{ContractSyncWorker.__module__}.{ContractSyncWorker.__name__}",
            "backlog": SETTINGS["backlog"],
            "accesslog": None,
            "loglevel": "warning",
            "timeout": WORKER_TIMEOUT_S,
            "graceful_timeout": WORKER_TIMEOUT_S,
            # No limits of gunicorn's own below the contract's: the middleware refuses longer ones with 414 and 431.
            **UNLIMITED_HEAD_SETTINGS,
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
