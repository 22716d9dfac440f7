"""The ASGI middleware: refusals before the app, Server-Timing and keep-alive on its answers."""

import asyncio
import json
import re
from typing import TYPE_CHECKING

import pytest
from asgi_client import call
from conftest import require

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

    from loopbench.asgi import ContractMiddleware


async def ok_app(scope: "Scope", receive: "Receive", send: "Send") -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
def middleware() -> type["ContractMiddleware"]:
    require("uvicorn")  # asgi.py imports uvicorn's h11 protocol
    from loopbench.asgi import ContractMiddleware

    return ContractMiddleware


def test_adds_keep_alive_and_server_timing_to_every_answer(
    middleware: type["ContractMiddleware"],
) -> None:
    answer = call(middleware(ok_app, True, 5), "GET", "/fast")
    assert (answer.status, answer.body) == (200, b"ok")
    assert answer.headers["keep-alive"] == "timeout=5"
    assert re.fullmatch(r"app;dur=\d+\.\d{3}", answer.headers["server-timing"])


def test_leaves_server_timing_out_when_told(
    middleware: type["ContractMiddleware"],
) -> None:
    answer = call(middleware(ok_app, False, 5), "GET", "/fast")
    assert "server-timing" not in answer.headers


def test_refuses_a_long_target_and_large_headers_in_json(
    middleware: type["ContractMiddleware"],
) -> None:
    app = middleware(ok_app, False, 5)
    long = call(app, "GET", "/fast?" + "x" * 8192)
    assert long.status == 414
    assert long.json() == {
        "error": "request target is 8198 characters; the limit is 8192"
    }
    large = call(app, "GET", "/fast", ((b"x-pad", b"x" * 16_384),))
    assert large.status == 431
    assert large.headers["content-length"] == str(len(large.body))


async def echo_app(scope: "Scope", receive: "Receive", send: "Send") -> None:
    """Answers with the path and query it was given."""
    body = json.dumps(
        {"path": scope["path"], "query": scope["query_string"].decode()}
    ).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


@pytest.mark.parametrize(
    ("target", "seen"),
    [
        ("/fast#x", {"path": "/fast", "query": ""}),
        ("/sleep?ms=1#x", {"path": "/sleep", "query": "ms=1"}),
        ("/a#b?c", {"path": "/a", "query": ""}),
        ("/fast?a=1", {"path": "/fast", "query": "a=1"}),
    ],
)
def test_drops_a_fragment_as_a_url_parser_does(
    middleware: type["ContractMiddleware"], target: str, seen: dict[str, str]
) -> None:
    assert call(middleware(echo_app, False, 5), "GET", target).json() == seen


@pytest.mark.parametrize(
    ("headers", "status", "error"),
    [
        (
            ((b"expect", b"teapot"),),
            417,
            'the expectation "teapot" cannot be met; only 100-continue is understood',
        ),
        (((b"host", b"b"),), 400, "a request may have one Host header, not two"),
    ],
)
def test_refuses_what_rfc_9110_and_9112_refuse_in_json(
    middleware: type["ContractMiddleware"],
    headers: tuple[tuple[bytes, bytes], ...],
    status: int,
    error: str,
) -> None:
    answer = call(middleware(ok_app, False, 5), "GET", "/fast", headers)
    assert (answer.status, answer.json()) == (status, {"error": error})


def over_h11(request: bytes) -> bytes:
    """What uvicorn's h11 protocol with the contract's answers to `request` on a real socket, read until it
    closes the connection (or is quiet for 2 s)."""
    uvicorn = require("uvicorn")
    from uvicorn.server import ServerState

    from loopbench.asgi import ContractH11Protocol, ContractMiddleware

    config = uvicorn.Config(
        ContractMiddleware(ok_app, False, 5),
        http=ContractH11Protocol,
        ws="none",
        lifespan="off",
        log_level="critical",
    )
    config.load()

    async def exchange() -> bytes:
        loop = asyncio.get_running_loop()
        state = ServerState()
        server = await loop.create_server(
            lambda: ContractH11Protocol(config=config, server_state=state, _loop=loop),
            "127.0.0.1",
            0,
        )
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        received = b""
        try:
            while chunk := await asyncio.wait_for(reader.read(65536), 2):
                received += chunk
        except (asyncio.TimeoutError, ConnectionResetError):
            pass
        writer.close()
        server.close()
        return received

    return asyncio.run(exchange())


def refusal_over_h11(request: bytes) -> tuple[str, dict[str, str], object]:
    head, _, body = over_h11(request).partition(b"\r\n\r\n")
    status_line, *fields = head.decode("latin-1").split("\r\n")
    headers = {
        name.lower(): value.strip()
        for name, _, value in (field.partition(":") for field in fields)
    }
    assert headers["content-type"] == "application/json"
    return status_line, headers, json.loads(body) if body else None


def test_h11_answers_an_ordinary_request() -> None:
    answer = over_h11(b"GET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert answer.endswith(
        b"\r\n\r\n2\r\nok\r\n0\r\n\r\n"
    )  # chunked: ok_app gives no length


def test_h11_refuses_a_target_past_the_head_limit_with_414() -> None:
    # Not all of it yet: h11 refuses it once its buffer is over the limit (a whole head it parses, for the
    # middleware to refuse, with the exact length).
    status_line, _, body = refusal_over_h11(b"GET /fast?" + b"a" * 40_000)
    assert status_line == "HTTP/1.1 414 Request-URI Too Long"
    assert isinstance(body, dict)
    assert re.fullmatch(
        r"request target is over \d+ characters; the limit is 8192", body["error"]
    )


def test_h11_refuses_a_header_past_the_head_limit_with_431() -> None:
    status_line, _, body = refusal_over_h11(
        b"GET /fast HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 40_000
    )
    assert status_line == "HTTP/1.1 431 Request Header Fields Too Large"
    assert body == {"error": "request headers are over 16384 bytes"}


def test_h11_refuses_another_http_version_with_505_and_closes() -> None:
    status_line, headers, body = refusal_over_h11(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
    assert status_line == "HTTP/1.1 505 HTTP Version Not Supported"
    assert headers["connection"] == "close" and "keep-alive" not in headers
    assert body == {
        "error": "HTTP/2.0 is not supported; this server speaks HTTP/1.0 and HTTP/1.1"
    }


UPGRADE = b"Host: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n"


def test_h11_refuses_an_upgrade_in_json() -> None:
    status_line, _, body = refusal_over_h11(b"GET /fast HTTP/1.1\r\n" + UPGRADE)
    assert status_line == "HTTP/1.1 400 Bad Request"
    assert body == {
        "error": 'Upgrade to "websocket" is not supported; this server speaks HTTP/1.0 and HTTP/1.1'
    }
    status_line, headers, body = refusal_over_h11(b"HEAD /fast HTTP/1.1\r\n" + UPGRADE)
    assert status_line == "HTTP/1.1 400 Bad Request" and body is None
    assert int(headers["content-length"]) > 0
