"""Calls an ASGI app as a server would, without a socket (Debian has no httpx for starlette's TestClient)."""

import asyncio
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only its types: the tests that need starlette say so
    from starlette.types import ASGIApp, Message


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


def call(
    app: "ASGIApp",
    method: str,
    target: str,
    headers: tuple[tuple[bytes, bytes], ...] = (),
) -> Answer:
    path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"localhost"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    sent: "list[Message]" = []

    async def receive() -> "Message":
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: "Message") -> None:
        sent.append(message)

    async def serve() -> None:
        await app(scope, receive, send)

    asyncio.run(serve())
    start = sent[0]
    assert start["type"] == "http.response.start"
    headers_sent = {k.decode(): v.decode() for k, v in start.get("headers", [])}
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return Answer(start["status"], headers_sent, body)
