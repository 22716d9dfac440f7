"""Around every WSGI app here: the contract's checks before it, Server-Timing on its answers, a graceful stop."""

import json
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from time import perf_counter
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

from .contract import (
    ALLOWED_METHODS,
    RequestHead,
    refusal_before_routing,
    server_timing_value,
)

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

_ALLOW = ", ".join(ALLOWED_METHODS)


def exit_now() -> NoReturn:
    # Stop signals that come after this one (a process group's and a master's) must not kill the exit midway.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(0)


class Answering:
    """Requests one app is answering, from its call to the close of its body: a stop waits for these only."""

    def __init__(self, on_stopped: Callable[[], NoReturn] = exit_now) -> None:
        self.count = 0
        self.stopping = False
        self.on_stopped = on_stopped

    def begin(self) -> None:
        self.count += 1

    def end(self) -> None:
        self.count -= 1
        if self.stopping and self.count == 0:
            self.on_stopped()

    def stop(self) -> None:
        """A stop asked for: now if no request is being answered (a half-sent one is not), else after the last."""
        if self.count == 0:
            self.on_stopped()
        self.stopping = True

    def stop_when_answered(self) -> None:
        """SIGTERM or SIGINT: stop(), so the process exits 0 as soon as no request is being answered."""

        def on_signal(signum: int, frame: FrameType | None) -> None:
            self.stop()

        # Installed afresh, so blocking reads are interrupted (gunicorn had asked the kernel to restart them).
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)


class _Answered:
    """The app's body, passed through; its close marks the request answered."""

    def __init__(self, body: Iterable[bytes], answered: Callable[[], None]) -> None:
        self.body = body
        self.answered = answered

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body)

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.answered()


def _header_bytes(environ: "WSGIEnvironment") -> int:
    # Each header as it came: name, ": ", value, CRLF ("HTTP_X_PAD" is the 5 letters of "x-pad" and 5 more).
    total = 0
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            total += len(key) - 5 + len(value) + 4
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            total += len(key) + len(value) + 4
    return total


def _refusal(environ: "WSGIEnvironment") -> tuple[int, str] | None:
    host = environ.get("HTTP_HOST")
    head = RequestHead(
        method=environ["REQUEST_METHOD"],
        target=str(environ.get("RAW_URI") or environ.get("PATH_INFO") or ""),
        version=str(environ.get("SERVER_PROTOCOL", "")).removeprefix("HTTP/"),
        header_bytes=_header_bytes(environ),
        # Both servers join a repeated header's values with commas: a comma is how a second Host arrives.
        hosts=() if host is None else tuple(str(host).split(",")),
        expect=str(environ.get("HTTP_EXPECT", "")),
    )
    return refusal_before_routing(head)


class ContractMiddleware:
    """Wraps the app the way serve() wraps a Node listener, so no app's code does any of this.
    `answering` counts its requests; `answering.stop_when_answered()` makes a stop wait for them.
    """

    def __init__(
        self,
        app: "WSGIApplication",
        server_timing: bool,
        answering: Answering | None = None,
    ) -> None:
        self.app = app
        self.server_timing = server_timing
        self.answering = answering if answering is not None else Answering()

    def __call__(
        self, environ: "WSGIEnvironment", start_response: "StartResponse"
    ) -> Iterable[bytes]:
        # For a blocking server this is when the request's turn came: werkzeug reads it only then.
        started = perf_counter()
        if self.server_timing:
            start_response = _timed(start_response, started)
        answering = self.answering
        answering.begin()
        try:
            refusal = _refusal(environ)
            if refusal is None:
                return _Answered(self.app(environ, start_response), answering.end)
            status, error = refusal
            headers = [("Allow", _ALLOW)] if status == 405 else []
            body = json.dumps({"error": error}, separators=(",", ":")).encode()
            headers.append(("Content-Type", "application/json"))
            headers.append(("Content-Length", str(len(body))))
            start_response(f"{status} {HTTPStatus(status).phrase}", headers)
            head = environ["REQUEST_METHOD"] == "HEAD"
            return _Answered([] if head else [body], answering.end)
        except BaseException:
            answering.end()
            raise


def _timed(start_response: "StartResponse", started: float) -> "StartResponse":
    def start_timed(
        status: str,
        headers: list[tuple[str, str]],
        exc_info: "OptExcInfo | None" = None,
    ) -> Callable[[bytes], object]:
        # Written with the head: the time from taking the request to answering it.
        elapsed_ms = (perf_counter() - started) * 1000
        headers.append(("Server-Timing", server_timing_value(elapsed_ms)))
        return start_response(status, headers, exc_info)

    return start_timed
