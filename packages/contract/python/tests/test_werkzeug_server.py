"""werkzeug's request handler with the contract's refusals, on a real socket: what http.server's parser refuses
is JSON with a status line, and a head is limited by its size, not by its count of headers."""

import json
import socket
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from conftest import require

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


def headers_app(
    environ: "WSGIEnvironment", start_response: "StartResponse"
) -> list[bytes]:
    """Answers with how many X- headers came."""
    count = sum(1 for key in environ if key.startswith("HTTP_X_"))
    body = json.dumps({"headers": count}).encode()
    start_response(
        "200 OK",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


@pytest.fixture(scope="module")
def address() -> Iterator[tuple[str, int]]:
    require("werkzeug")
    from werkzeug.serving import BaseWSGIServer

    from loopbench.werkzeug_server import ContractRequestHandler

    server = BaseWSGIServer("127.0.0.1", 0, headers_app, handler=ContractRequestHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}
    )
    thread.start()
    try:
        yield "127.0.0.1", server.port
    finally:
        server.shutdown()
        thread.join()


def exchange(
    address: tuple[str, int], request: bytes
) -> tuple[str, dict[str, str], bytes]:
    """The status line, headers and body of the answer to `request`, read until the server closes."""
    with socket.create_connection(address, timeout=5) as sock:
        try:
            sock.sendall(request)
        except OSError:
            pass  # refused before the whole request was written
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass  # the server closed with the rest of the request unread
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *fields = head.decode("latin-1").split("\r\n")
    headers = {
        name.lower(): value.strip()
        for name, _, value in (f.partition(":") for f in fields)
    }
    return status_line, headers, body


def refusal(address: tuple[str, int], request: bytes) -> tuple[str, object]:
    status_line, headers, body = exchange(address, request)
    assert headers["content-type"] == "application/json"
    assert headers["content-length"] == str(len(body))
    return status_line, json.loads(body)


@pytest.mark.parametrize(
    ("request_bytes", "status_line", "error"),
    [
        (
            b"GET /fast HTTP/2.0\r\nHost: x\r\n\r\n",
            "HTTP/1.0 505 HTTP Version Not Supported",
            "HTTP/2.0 is not supported; this server speaks HTTP/1.0 and HTTP/1.1",
        ),
        (
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            "HTTP/1.0 505 HTTP Version Not Supported",
            "HTTP/2.0 is not supported; this server speaks HTTP/1.0 and HTTP/1.1",
        ),
        (
            b"GET /fast\r\n\r\n",
            "HTTP/1.0 400 Bad Request",
            "a request line needs an HTTP version; this server speaks HTTP/1.0 and HTTP/1.1",
        ),
        (
            b"not an HTTP request\r\n\r\n",
            "HTTP/1.0 400 Bad Request",
            "malformed request (Bad request version ('request'))",
        ),
        (
            # A TLS ClientHello, with no line end: refused at its first byte, not waited on.
            bytes.fromhex("160301002f0100002b0303") + bytes(32),
            "HTTP/1.0 400 Bad Request",
            "malformed request (byte 0x16 begins no HTTP/1.1 request)",
        ),
        (
            b"GET /fast?" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
            "HTTP/1.0 414 Request-URI Too Long",
            "request target is over 65533 characters; the limit is 8192",
        ),
        (
            b"GET /fast HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 70_000 + b"\r\n\r\n",
            "HTTP/1.0 431 Request Header Fields Too Large",
            "request headers are over 16384 bytes",
        ),
    ],
)
def test_refuses_what_its_parser_refuses_in_json_with_a_status_line(
    address: tuple[str, int], request_bytes: bytes, status_line: str, error: str
) -> None:
    assert refusal(address, request_bytes) == (status_line, {"error": error})


def test_takes_any_number_of_headers_within_the_head_limit(
    address: tuple[str, int],
) -> None:
    many = b"".join(b"X-%d: v\r\n" % i for i in range(300))  # http.client stops at 100
    status_line, _, body = exchange(
        address, b"GET /fast HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n"
    )
    assert (status_line, json.loads(body)) == ("HTTP/1.0 200 OK", {"headers": 300})


def test_takes_headers_with_connection_and_expect_as_http_server_does(
    address: tuple[str, int],
) -> None:
    request = (
        b"GET /fast HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nX-A: 1\r\n\r\n"
    )
    status_line, headers, body = exchange(address, request)
    # werkzeug's one-thread server speaks HTTP/1.0: it closes, whatever the client asked.
    assert (status_line, headers["connection"], json.loads(body)) == (
        "HTTP/1.0 200 OK",
        "close",
        {"headers": 1},
    )


def test_a_refusal_to_head_has_the_head_only(address: tuple[str, int]) -> None:
    status_line, headers, body = exchange(
        address, b"HEAD /fast HTTP/1.1\r\nX: " + b"a" * 30_000 + b"\r\n\r\n"
    )
    assert status_line.startswith("HTTP/1.0 431 ")
    assert int(headers["content-length"]) > 0 and body == b""


def test_parser_refusal_keeps_4xx_and_505_and_makes_any_other_5xx_a_400() -> None:
    require("werkzeug")
    from loopbench.werkzeug_server import parser_refusal

    assert parser_refusal(400, "Bad request syntax ('x')", b"x\r\n") == (
        400,
        "malformed request (Bad request syntax ('x'))",
    )
    assert parser_refusal(505, "Invalid HTTP version (3.0)", b"GET / HTTP/3.0\r\n") == (
        505,
        "HTTP/3.0 is not supported; this server speaks HTTP/1.0 and HTTP/1.1",
    )
    assert parser_refusal(501, None, b"BREW / HTTP/1.1\r\n") == (
        400,
        "malformed request (Not Implemented)",
    )
