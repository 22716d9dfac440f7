"""Around every ASGI app here: the contract's checks, Server-Timing and keep-alive on its answers, the loop probe;
and uvicorn's h11 protocol with the contract's limits."""

import asyncio
import json
from time import perf_counter
from typing import Any
from urllib.parse import unquote

import h11
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from .contract import (
    ALLOWED_METHODS,
    HEAD_LIMIT_BYTES,
    RequestHead,
    SETTINGS,
    head_too_large,
    malformed_error,
    refusal_before_routing,
    server_timing_value,
    upgrade_error,
)
from .serve import raw_refusal
from .stats import PROBE

_ALLOW = ", ".join(ALLOWED_METHODS).encode()


def _refusal(scope: Scope) -> tuple[int, str] | None:
    path: bytes = scope["raw_path"] or scope["path"].encode()
    query: bytes = scope["query_string"]
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    head = RequestHead(
        method=scope["method"],
        target=(path + b"?" + query if query else path).decode("latin-1"),
        version=scope["http_version"],
        # Each header as it came: name, ": ", value, CRLF.
        header_bytes=sum(len(name) + len(value) + 4 for name, value in headers),
        hosts=_values(headers, b"host"),
        expect=", ".join(_values(headers, b"expect")),
    )
    return refusal_before_routing(head)


def _values(headers: list[tuple[bytes, bytes]], name: bytes) -> tuple[str, ...]:
    """Every value of the header `name` (lower case, as uvicorn gives the names)."""
    return tuple(value.decode("latin-1") for key, value in headers if key == name)


def _without_fragment(scope: Scope) -> Scope:
    """The scope without the target's fragment, which h11 leaves in: no part of a request target, but a URL
    parser drops it, as werkzeug and gunicorn do."""
    raw_path: bytes = scope["raw_path"] or scope["path"].encode()
    query: bytes = scope["query_string"]
    if b"#" in raw_path:
        raw_path, query = raw_path.partition(b"#")[0], b""
    elif b"#" in query:
        query = query.partition(b"#")[0]
    else:
        return scope
    path = unquote(raw_path.decode("latin-1"))
    return {**scope, "path": path, "raw_path": raw_path, "query_string": query}


class ContractMiddleware:
    """Wraps the app the way serve() wraps a Node listener, so no app's code does any of this."""

    def __init__(self, app: ASGIApp, server_timing: bool, keep_alive_s: int) -> None:
        self.app = app
        self.server_timing = server_timing
        self.keep_alive = [(b"keep-alive", f"timeout={keep_alive_s}".encode())]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            # Startup runs on the loop that will serve: measure it from here on.
            PROBE.watch_loop()
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = perf_counter()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if (b"connection", b"close") not in headers:
                    headers.extend(self.keep_alive)
                if self.server_timing:
                    # Written with the head: the time from taking the request to answering it.
                    timing = server_timing_value((perf_counter() - started) * 1000)
                    headers.append((b"server-timing", timing.encode()))
                message = {**message, "headers": headers}
            await send(message)

        refusal = _refusal(scope)
        if refusal is None:
            return await self.app(_without_fragment(scope), receive, send_with_headers)
        status, error = refusal
        headers = [(b"allow", _ALLOW)] if status == 405 else []
        if status == 505:
            # What follows is in a protocol the server does not speak (HTTP/2's preface, say).
            headers.append((b"connection", b"close"))
        body = json.dumps({"error": error}, separators=(",", ":")).encode()
        headers.append((b"content-type", b"application/json"))
        headers.append((b"content-length", str(len(body)).encode()))
        start = {"type": "http.response.start", "status": status, "headers": headers}
        await send_with_headers(start)
        await send_with_headers({"type": "http.response.body", "body": body})


class _Connection(h11.Connection):
    """h11's connection, remembering why it refused a request, for the JSON refusal."""

    def __init__(self, max_incomplete_event_size: int) -> None:
        super().__init__(
            h11.SERVER, max_incomplete_event_size=max_incomplete_event_size
        )
        self.last_error: h11.RemoteProtocolError | None = None

    def next_event(self) -> "h11.Event | type[h11.NEED_DATA] | type[h11.PAUSED]":
        try:
            return super().next_event()
        except h11.RemoteProtocolError as error:
            self.last_error = error
            raise


class ContractH11Protocol(H11Protocol):  # type: ignore[misc]
    """uvicorn's h11 protocol with the contract's limits, as serve.ts sets Node's: larger heads reach the app,
    h11's own refusals are JSON, and a client gets headersTimeoutMs to send its headers, then a 408.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Heads up to the contract's limits reach the middleware, which refuses them in JSON; h11's default is
        # 16 KiB in all.
        self.conn = _Connection(max_incomplete_event_size=HEAD_LIMIT_BYTES)
        self.headers_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)
        self._await_headers()

    def data_received(self, data: bytes) -> None:
        cycle = self.cycle
        super().data_received(data)
        if self.cycle is not cycle:
            self._stop_timer()  # a whole head arrived

    def on_response_complete(self) -> None:
        cycle = self.cycle
        super().on_response_complete()
        if self.cycle is cycle and not self.transport.is_closing():
            self._await_headers()  # the next request's, unless a pipelined one is already in

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        error = self.conn.last_error
        # h11 hints 431 for any head that outgrew its buffer; never a 5xx for what a client sent.
        hint = getattr(error, "error_status_hint", 400)
        if hint == 431:
            self._refuse(*head_too_large(self.conn.trailing_data[0]))
        else:
            status = hint if 400 <= hint < 500 else 400
            self._refuse(status, malformed_error(str(error or msg)))

    def handle_upgrade(self, event: h11.Request) -> None:
        # A request with "Connection: Upgrade" (WebSocket, h2c) is refused in JSON: no app here speaks another
        # protocol, and uvicorn answers it with a text/plain 400, or, for a WebSocket, an empty 403.
        upgrade = ", ".join(_values(self.headers, b"upgrade"))
        self._refuse(400, upgrade_error(upgrade), to_head=event.method == b"HEAD")

    def _await_headers(self) -> None:
        self._stop_timer()
        timeout_s = SETTINGS["headersTimeoutMs"] / 1000
        self.headers_timer = self.loop.call_later(timeout_s, self._headers_timed_out)

    def _stop_timer(self) -> None:
        if self.headers_timer is not None:
            self.headers_timer.cancel()
            self.headers_timer = None

    def _headers_timed_out(self) -> None:
        self.headers_timer = None
        if self.cycle is None or self.cycle.response_complete:
            self._refuse(408, "request not received in time")

    def _refuse(self, status: int, message: str, to_head: bool | None = None) -> None:
        """A JSON refusal that closes the connection; `to_head` (unless the request not yet parsed says): it
        answers a HEAD request, with the head only."""
        if not self.transport.is_closing():
            if to_head is None:
                to_head = self.conn.trailing_data[0].startswith(b"HEAD ")
            self.transport.write(raw_refusal(status, message, to_head))
            self.transport.close()
