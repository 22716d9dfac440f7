"""The WSGI middleware: refusals before the app, Server-Timing, and a stop that waits for answers only."""

import json
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, NoReturn

import pytest

from loopbench.wsgi import Answering, ContractMiddleware

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


class Stopped(Exception):
    """Raised instead of exiting the test process."""


def stopped() -> NoReturn:
    raise Stopped()


class Body:
    """An app's body that knows whether it was closed."""

    def __init__(self) -> None:
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return iter([b"ok"])

    def close(self) -> None:
        self.closed = True


def app_with(body: Body) -> Callable[["WSGIEnvironment", "StartResponse"], Body]:
    def app(environ: "WSGIEnvironment", start_response: "StartResponse") -> Body:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return body

    return app


def environ(
    method: str = "GET", path: str = "/fast", **extra: str
) -> "WSGIEnvironment":
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        **extra,
    }


class Started:
    """start_response, remembering what it was given."""

    def __init__(self) -> None:
        self.status = ""
        self.headers: dict[str, str] = {}

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: object = None
    ) -> Callable[[bytes], object]:
        self.status, self.headers = status, dict(headers)
        return lambda data: None


def call(
    middleware: ContractMiddleware, env: "WSGIEnvironment"
) -> tuple[Started, bytes]:
    started = Started()
    answer = middleware(env, started)
    body = b"".join(answer)
    getattr(answer, "close")()
    return started, body


def test_passes_a_request_through_with_server_timing() -> None:
    body = Body()
    started, text = call(ContractMiddleware(app_with(body), True), environ())
    assert (started.status, text, body.closed) == ("200 OK", b"ok", True)
    assert re.fullmatch(r"app;dur=\d+\.\d{3}", started.headers["Server-Timing"])


def test_leaves_server_timing_out_when_told() -> None:
    started, _ = call(ContractMiddleware(app_with(Body()), False), environ())
    assert "Server-Timing" not in started.headers


@pytest.mark.parametrize(
    ("env", "status", "error"),
    [
        (
            environ(RAW_URI="/" + "x" * 8192),
            "414 Request-URI Too Long",
            "request target is 8193 characters; the limit is 8192",
        ),
        (
            environ(HTTP_X_PAD="x" * 16_384),
            "431 Request Header Fields Too Large",
            "request headers are over 16384 bytes",
        ),
        (
            {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_PROTOCOL": "HTTP/1.1"},
            "400 Bad Request",
            "an HTTP/1.1 request needs a Host header",
        ),
        (
            # Both WSGI servers join two Host headers with a comma.
            environ(HTTP_HOST="a,b"),
            "400 Bad Request",
            "a request may have one Host header, not two",
        ),
        (
            environ(HTTP_EXPECT="teapot"),
            "417 Expectation Failed",
            'the expectation "teapot" cannot be met; only 100-continue is understood',
        ),
        (
            environ(SERVER_PROTOCOL="HTTP/2.0"),
            "505 HTTP Version Not Supported",
            "HTTP/2.0 is not supported; this server speaks HTTP/1.0 and HTTP/1.1",
        ),
    ],
)
def test_refuses_in_json_before_the_app(
    env: "WSGIEnvironment", status: str, error: str
) -> None:
    body = Body()
    started, text = call(ContractMiddleware(app_with(body), True), env)
    assert started.status == status and json.loads(text) == {"error": error}
    assert started.headers["Content-Type"] == "application/json"
    assert started.headers["Content-Length"] == str(len(text))
    assert not body.closed  # the app never saw it


def test_serves_http_1_0_without_host_and_an_empty_host() -> None:
    middleware = ContractMiddleware(app_with(Body()), False)
    without = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_PROTOCOL": "HTTP/1.0"}
    assert call(middleware, without)[0].status == "200 OK"
    assert call(middleware, environ(HTTP_HOST=""))[0].status == "200 OK"


def test_refuses_connect_with_allow_and_a_head_without_a_body() -> None:
    middleware = ContractMiddleware(app_with(Body()), False)
    started, text = call(middleware, environ("CONNECT", RAW_URI="example.com:443"))
    assert started.status == "405 Method Not Allowed"
    assert started.headers["Allow"] == "GET, HEAD"
    started, text = call(middleware, environ("HEAD", RAW_URI="/" + "x" * 8192))
    assert started.status.startswith("414") and text == b""


def test_a_stop_waits_for_the_request_being_answered() -> None:
    answering = Answering(on_stopped=stopped)
    middleware = ContractMiddleware(app_with(Body()), False, answering)
    answer = middleware(environ(), Started())
    assert answering.count == 1
    answering.stop()  # a request is being answered: not yet
    with pytest.raises(Stopped):
        getattr(answer, "close")()
    assert answering.count == 0


def test_a_stop_with_nothing_to_answer_is_at_once() -> None:
    with pytest.raises(Stopped):
        Answering(on_stopped=stopped).stop()


def test_each_middleware_counts_its_own_requests() -> None:
    first = ContractMiddleware(app_with(Body()), False)
    second = ContractMiddleware(app_with(Body()), False)
    first(environ(), Started())
    assert (first.answering.count, second.answering.count) == (1, 0)


def test_an_app_that_raises_is_no_longer_answering() -> None:
    def broken(environ: "WSGIEnvironment", start_response: "StartResponse") -> Body:
        raise RuntimeError("broken app")

    middleware = ContractMiddleware(broken, False)
    with pytest.raises(RuntimeError):
        middleware(environ(), Started())
    assert middleware.answering.count == 0
