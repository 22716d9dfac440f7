"""gunicorn's sync worker with the contract's refusals: its head guard, and the JSON answers to its parser's."""

import json
import socket
from collections.abc import Iterator
from types import ModuleType

import pytest
from conftest import require


@pytest.fixture
def gunicorn_server() -> ModuleType:
    require("gunicorn")
    import loopbench.gunicorn_server

    return loopbench.gunicorn_server


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    server, client = socket.socketpair()
    with server, client:
        yield server, client


@pytest.mark.parametrize(
    ("head", "refusal"),
    [
        (b"GET /fast HTTP/1.1\r\nHost: x\r\n", None),
        (b"GET /fast HTTP/1.1\r", None),  # its LF has not come yet
        (b"GET /fast?" + b"a" * 20_000, None),  # long, but within the head's limit
        (
            b"\r\nGET /fast HTTP/1.1\r\n",
            None,
        ),  # a blank line first is gunicorn's to judge
        (
            bytes.fromhex("160301002f01"),
            (400, "malformed request (byte 0x16 begins no HTTP/1.1 request)"),
        ),
        (
            b"GET /fast HTTP/1.1\nHost: x\n",
            (400, "malformed request (a line ends in a bare LF, not CRLF)"),
        ),
        (
            b"GET /fast HTTP/1.1\r\nHost: x\n",
            (400, "malformed request (a line ends in a bare LF, not CRLF)"),
        ),
        (
            b"GET /fast HTTP/2.0\r\n",
            (
                505,
                "HTTP/2.0 is not supported; this server speaks HTTP/1.0 and HTTP/1.1",
            ),
        ),
        (
            b"PRI * HTTP/2.0\r\n",
            (
                505,
                "HTTP/2.0 is not supported; this server speaks HTTP/1.0 and HTTP/1.1",
            ),
        ),
        (b"GET /fast HTTP/1.0\r\n", None),
        (
            b"GET /fast HTTP/2.0",
            None,
        ),  # the version may go on: HTTP/2.01 is gunicorn's to refuse
        (
            b"GET /fast?" + b"a" * 30_000,
            (414, "request target is over 30006 characters; the limit is 8192"),
        ),
        (
            b"GET /fast HTTP/1.1\r\nX-Pad: " + b"a" * 30_000,
            (431, "request headers are over 16384 bytes"),
        ),
    ],
)
def test_head_refusal(
    gunicorn_server: ModuleType, head: bytes, refusal: tuple[int, str] | None
) -> None:
    assert gunicorn_server.head_refusal(head) == refusal


def test_the_guard_passes_a_head_and_everything_after_it_through(
    gunicorn_server: ModuleType, pair: tuple[socket.socket, socket.socket]
) -> None:
    server, client = pair
    guard = gunicorn_server.HeadGuard(server)
    client.sendall(b"GET /fast HTTP/1.1\r\nHost: x\r")
    assert guard.recv(8192) == b"GET /fast HTTP/1.1\r\nHost: x\r"
    # The head ends; a body's bare LF is no line end of it.
    client.sendall(b"\n\r\nbody\nwith LF")
    assert guard.recv(8192) == b"\n\r\nbody\nwith LF"
    assert guard.head is None and not guard.to_head
    assert guard.fileno() == server.fileno()  # the rest is the socket's


def test_the_guard_raises_what_the_worker_answers(
    gunicorn_server: ModuleType, pair: tuple[socket.socket, socket.socket]
) -> None:
    server, client = pair
    guard = gunicorn_server.HeadGuard(server)
    client.sendall(b"HEAD /fast HTTP/1.1\nHost: x\n\n")
    with pytest.raises(gunicorn_server.RefusedHead) as refused:
        guard.recv(8192)
    assert (refused.value.status, str(refused.value)) == (
        400,
        "malformed request (a line ends in a bare LF, not CRLF)",
    )
    assert guard.to_head


def answer_to(
    gunicorn_server: ModuleType,
    pair: tuple[socket.socket, socket.socket],
    error: Exception,
    to_head: bool = False,
) -> tuple[bytes, object]:
    server, client = pair
    guard = gunicorn_server.HeadGuard(server)
    guard.to_head = to_head
    # handle_error needs nothing of the worker's state for a parse error.
    worker = gunicorn_server.ContractSyncWorker.__new__(
        gunicorn_server.ContractSyncWorker
    )
    worker.handle_error(None, guard, ("127.0.0.1", 1), error)
    server.close()
    received = b""
    while chunk := client.recv(65536):
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0], json.loads(body) if body else None


def test_the_worker_answers_a_refused_head_in_json(
    gunicorn_server: ModuleType, pair: tuple[socket.socket, socket.socket]
) -> None:
    refused = gunicorn_server.RefusedHead(505, "HTTP/2.0 is not supported")
    assert answer_to(gunicorn_server, pair, refused) == (
        b"HTTP/1.1 505 HTTP Version Not Supported",
        {"error": "HTTP/2.0 is not supported"},
    )


def test_the_worker_answers_its_parsers_refusals_in_json(
    gunicorn_server: ModuleType, pair: tuple[socket.socket, socket.socket]
) -> None:
    from gunicorn.http.errors import InvalidRequestMethod

    assert answer_to(gunicorn_server, pair, InvalidRequestMethod("G(T")) == (
        b"HTTP/1.1 400 Bad Request",
        {"error": "malformed request (Invalid HTTP method: 'G(T')"},
    )


def test_the_worker_answers_head_with_the_head_only(
    gunicorn_server: ModuleType, pair: tuple[socket.socket, socket.socket]
) -> None:
    refused = gunicorn_server.RefusedHead(400, "malformed request (x)")
    assert answer_to(gunicorn_server, pair, refused, to_head=True) == (
        b"HTTP/1.1 400 Bad Request",
        None,
    )
