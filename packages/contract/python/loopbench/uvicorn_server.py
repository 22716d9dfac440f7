"""Serves an ASGI app on uvicorn as the contract asks: one process, or WORKERS=N under uvicorn's supervisor."""

import multiprocessing
import os
import queue
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from .asgi import ContractH11Protocol, ContractMiddleware
from .contract import SETTINGS
from .database import DatabaseSettings, configure, configured
from .serve import Declaration, ServeEnv, announce, fail, start
from .stats import PROBE

# uvicorn takes whole seconds.
KEEP_ALIVE_S = SETTINGS["keepAliveTimeoutMs"] // 1000


class ContractConfig(uvicorn.Config):  # type: ignore[misc]
    """uvicorn's config, loading the app inside the contract's middleware (in every worker process, spawned, so
    given the model and the database's settings start() read)."""

    loaded_app: Any

    def __init__(
        self,
        app: str,
        model: str,
        server_timing: bool,
        database: DatabaseSettings,
        **options: Any,
    ) -> None:
        super().__init__(app, **options)
        self.model = model
        self.server_timing = server_timing
        self.database = database

    def load(self) -> None:
        PROBE.model = self.model
        configure(self.database)
        super().load()
        self.loaded_app = ContractMiddleware(
            self.loaded_app, self.server_timing, self.timeout_keep_alive
        )


class _Server(uvicorn.Server):  # type: ignore[misc]
    """uvicorn's server, calling `on_ready` once it serves."""

    def __init__(self, config: ContractConfig, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self.on_ready()


class _Worker:
    """One of WORKERS processes (spawned, so picklable): serves the shared socket, says when it does."""

    def __init__(
        self, config: ContractConfig, ready: "multiprocessing.Queue[int]"
    ) -> None:
        self.config = config
        self.ready = ready

    def __call__(self, sockets: list[socket.socket]) -> None:
        _Server(self.config, lambda: self.ready.put(os.getpid())).run(sockets=sockets)


def _bind(declared: Declaration, env: ServeEnv) -> socket.socket:
    # Bound here, not by uvicorn, so PORT=0 works and the ready line has the real port. Named
    # IPPROTO_TCP, or asyncio leaves TCP_NODELAY off its connections and every keep-alive answer
    # (head and body sent apart) waits 40 ms for the client's delayed ACK.
    family = socket.AF_INET6 if ":" in env.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((env.host, env.port))
    except OSError as error:
        fail(declared, f"cannot listen on {env.host}:{env.port}: {error}", 1)
    sock.listen(SETTINGS["backlog"])
    sock.set_inheritable(True)
    return sock


def _supervise(
    declared: Declaration,
    config: ContractConfig,
    sock: socket.socket,
    ready_line: Callable[[], None],
) -> None:
    """`uvicorn --workers N`: N spawned processes share the socket; the ready line once every one serves."""
    ready: "multiprocessing.Queue[int]" = multiprocessing.get_context("spawn").Queue()
    supervisor = Multiprocess(config, target=_Worker(config, ready), sockets=[sock])
    supervisor.startup()
    serving, died = 0, False
    while serving < config.workers and not supervisor.should_exit.is_set():
        try:
            ready.get(timeout=0.2)
            serving += 1
        except queue.Empty:
            died = any(process.exitcode is not None for process in supervisor.processes)
            if died:
                supervisor.should_exit.set()
    if serving == config.workers:
        ready_line()
    supervisor.should_exit.wait()
    supervisor.shutdown()
    if died:
        fail(declared, "a worker exited before it served", 1)


def serve_uvicorn(package_dir: Path, app: str) -> None:
    """Reads the environment, binds HOST:PORT, serves `app` ("module:attribute") and prints the ready line."""
    declared, env = start(package_dir)
    config = ContractConfig(
        app,
        model=declared.model,
        server_timing=env.server_timing,
        database=configured(),
        loop="asyncio",
        http=ContractH11Protocol,
        # No WebSocket: no app here serves one, and ContractH11Protocol refuses every upgrade in JSON.
        ws="none",
        lifespan="on",
        backlog=SETTINGS["backlog"],
        timeout_keep_alive=KEEP_ALIVE_S,
        access_log=False,
        log_level="warning",
        workers=env.workers,
    )
    sock = _bind(declared, env)
    host, port = sock.getsockname()[:2]

    # uvicorn keeps an idle connection open for timeout_keep_alive seconds.
    keep_alive_ms = config.timeout_keep_alive * 1000

    def ready_line() -> None:
        announce(declared, host, port, env.workers, keep_alive_ms)

    if env.workers == 1:
        _Server(config, ready_line).run(sockets=[sock])
    else:
        _supervise(declared, config, sock, ready_line)
