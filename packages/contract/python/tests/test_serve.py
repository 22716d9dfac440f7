"""What every server reads and prints: its declaration, the ready line, refusals no framework writes."""

import json
from pathlib import Path

import pytest

from loopbench import database
from loopbench.database import DatabaseSettings, configured
from loopbench.serve import Declaration, announce, raw_refusal, read_declaration, start
from loopbench.stats import PROBE

PACKAGES = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("package", "declared"),
    [
        ("server-flask", Declaration("flask", "blocking")),
        ("server-fastapi", Declaration("fastapi", "non-blocking", database_pool=10)),
        ("server-fastapi-def", Declaration("fastapi-def", "thread-pool", 10)),
    ],
)
def test_reads_the_declaration_of_a_server_package(
    package: str, declared: Declaration
) -> None:
    assert read_declaration(PACKAGES / package) == declared


def test_announce_prints_the_ready_line(capsys: pytest.CaptureFixture[str]) -> None:
    announce(Declaration("demo", "blocking"), "127.0.0.1", 3000, 1, 0, pid=42)
    assert json.loads(capsys.readouterr().out) == {
        "event": "listening",
        "server": "demo",
        "model": "blocking",
        "host": "127.0.0.1",
        "port": 3000,
        "pid": 42,
        "workers": 1,
        "backlog": 4096,
        "keepAliveTimeoutMs": 0,
    }


def test_raw_refusal_is_a_whole_json_answer_that_closes() -> None:
    head, body = raw_refusal(408, "request not received in time").split(b"\r\n\r\n")
    assert head.split(b"\r\n") == [
        b"HTTP/1.1 408 Request Timeout",
        b"connection: close",
        b"content-type: application/json",
        f"content-length: {len(body)}".encode(),
    ]
    assert json.loads(body) == {"error": "request not received in time"}


def test_raw_refusal_to_a_head_request_has_the_head_only() -> None:
    whole = raw_refusal(400, "malformed request (x)")
    head_only = raw_refusal(400, "malformed request (x)", to_head=True)
    assert head_only == whole[: whole.index(b"\r\n\r\n") + 4]


def test_start_exits_2_naming_the_server_and_the_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORT", "abc")
    monkeypatch.setattr(
        PROBE, "model", PROBE.model
    )  # start() sets it; put it back after
    with pytest.raises(SystemExit) as stopped:
        start(PACKAGES / "server-flask")
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        'flask: PORT must be an integer from 0 to 65535 (got "abc"), e.g. PORT=3000\n'
    )


def test_start_gives_the_driver_database_url_and_the_declared_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(PROBE, "model", PROBE.model)
    monkeypatch.setattr(database, "_settings", None)
    monkeypatch.setenv("DATABASE_URL", "postgres://127.0.0.1:5432/postgres")
    monkeypatch.delenv("DB_POOL", raising=False)
    start(PACKAGES / "server-fastapi")
    assert configured() == DatabaseSettings("postgres://127.0.0.1:5432/postgres", 10)


def test_start_exits_2_on_a_bad_db_pool(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(PROBE, "model", PROBE.model)
    monkeypatch.setattr(database, "_settings", None)
    monkeypatch.setenv("DB_POOL", "0")
    with pytest.raises(SystemExit) as stopped:
        start(PACKAGES / "server-fastapi-def")
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        'fastapi-def: DB_POOL must be an integer from 1 to 1000 (got "0"), e.g. DB_POOL=10\n'
    )
