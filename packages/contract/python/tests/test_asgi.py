"""The ASGI middleware: refusals before the app, Server-Timing and keep-alive on its answers."""

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


def test_h11_takes_heads_up_to_the_contract_limits() -> None:
    require("uvicorn")
    from loopbench.asgi import HEAD_LIMIT_BYTES

    # So the middleware, not h11, refuses them, in JSON.
    assert HEAD_LIMIT_BYTES > 8192 + 16_384


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
            'Expect "teapot" cannot be met; only 100-continue can',
        ),
        (((b"host", b"b"),), 400, "a request has one Host header, not 2"),
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
