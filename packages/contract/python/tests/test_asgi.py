"""The ASGI middleware: refusals before the app, Server-Timing and keep-alive on its answers."""

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
