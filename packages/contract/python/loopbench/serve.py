"""What every Python server reads and prints: its declaration, PORT/HOST/WORKERS/SERVER_TIMING, DATABASE_URL and
DB_POOL, the ready line."""

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import NoReturn

from .contract import SETTINGS
from .database import configure, read_database_env
from .env import ConfigError, int_from_env
from .stats import PROBE


@dataclass(frozen=True)
class Declaration:
    """The "loopbench" field of the server package's package.json."""

    name: str
    model: str
    # The declaration's database.pool: connections its driver may use at once unless DB_POOL says otherwise;
    # 1 without one (a driver that holds one connection per process).
    database_pool: int = 1


@dataclass(frozen=True)
class ServeEnv:
    host: str
    port: int
    workers: int
    server_timing: bool  # SERVER_TIMING=0 leaves Server-Timing out, to measure what it costs


def read_declaration(package_dir: Path) -> Declaration:
    manifest = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    declared = manifest["loopbench"]
    pool = declared.get("database", {}).get("pool", 1)
    return Declaration(declared["name"], declared["model"], pool)


def read_serve_env(env: Mapping[str, str] = os.environ) -> ServeEnv:
    """As serve.ts readServeEnv: PORT (0 = any free port), HOST, WORKERS and SERVER_TIMING."""
    return ServeEnv(
        host=env.get("HOST") or "127.0.0.1",
        port=int_from_env(env, "PORT", 0, 0, 65_535, 3000),
        workers=int_from_env(env, "WORKERS", 1, 1, 64, 2),
        server_timing=int_from_env(env, "SERVER_TIMING", 1, 0, 1, 0) == 1,
    )


def fail(declared: Declaration, message: str, code: int) -> NoReturn:
    print(f"{declared.name}: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def start(package_dir: Path) -> tuple[Declaration, ServeEnv]:
    """The declaration and the environment, the database's settings given to this process's driver (a forked
    worker inherits them); bad settings exit 2 with the contract's message."""
    declared = read_declaration(package_dir)
    PROBE.model = declared.model
    try:
        env = read_serve_env()
        configure(read_database_env(declared.database_pool))
    except ConfigError as error:
        fail(declared, str(error), 2)
    return declared, env


def announce(
    declared: Declaration,
    host: str,
    port: int,
    workers: int,
    keep_alive_timeout_ms: int,
    pid: int | None = None,
) -> None:
    """The one line on stdout that says the server accepts connections; `pid` is the process started."""
    line = {
        "event": "listening",
        "server": declared.name,
        "model": declared.model,
        "host": host,
        "port": port,
        "pid": pid or os.getpid(),
        "workers": workers,
        "backlog": SETTINGS["backlog"],
        "keepAliveTimeoutMs": keep_alive_timeout_ms,
    }
    print(json.dumps(line, separators=(",", ":")), flush=True)


def raw_refusal(status: int, message: str, to_head: bool = False) -> bytes:
    """A JSON refusal for a socket no framework owns (a request the HTTP parser refused), closing it;
    `to_head`: the request was a HEAD, so the answer has the head only."""
    body = json.dumps({"error": message}, separators=(",", ":")).encode()
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nconnection: close\r\n"
        f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + (b"" if to_head else body)
