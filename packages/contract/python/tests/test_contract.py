"""contract.json as typed data, and what the contract refuses before any routing."""

import json
from pathlib import Path

import pytest

from loopbench.contract import (
    CONTRACT_FILE,
    LIMITS,
    ROUTES,
    ROUTES_BY_NAME,
    SETTINGS,
    HEAD_LIMIT_BYTES,
    ContractFileError,
    Limits,
    RequestHead,
    Settings,
    begins_no_request,
    count_to,
    head_too_large,
    js_json,
    limit_value,
    load_contract,
    refusal_before_routing,
    search_params,
)


def _write(tmp_path: Path, data: object) -> Path:
    file = tmp_path / "contract.json"
    file.write_text(json.dumps(data), encoding="utf-8")
    return file


def _contract() -> dict[str, object]:
    data: dict[str, object] = json.loads(CONTRACT_FILE.read_text(encoding="utf-8"))
    return data


def test_loads_contract_json_with_exactly_the_typed_keys() -> None:
    limits, settings = _contract()["limits"], _contract()["settings"]
    assert isinstance(limits, dict) and isinstance(settings, dict)
    # A limit or setting added to contract.json must be added to the TypedDict too, and the other way round.
    assert set(limits) == Limits.__required_keys__
    assert set(settings) == Settings.__required_keys__
    assert LIMITS["sleepMsMax"] == 60_000 and SETTINGS["maxHeaderSizeBytes"] == 16_384
    assert [r.path for r in ROUTES] == [
        "/health",
        "/hello",
        "/fast",
        "/sleep",
        "/cpu",
        "/query",
        "/stats",
    ]


def test_routes_have_their_limits_by_name() -> None:
    cpu = ROUTES_BY_NAME["cpu"].params[0]
    assert (cpu.name, cpu.max, cpu.default) == (
        "iterations",
        LIMITS["cpuIterationsMax"],
        LIMITS["cpuIterationsDefault"],
    )
    assert ROUTES_BY_NAME["sleep"].params[0].default is None  # required
    assert not ROUTES_BY_NAME["stats"].tracked and ROUTES_BY_NAME["sleep"].tracked
    # /query takes /sleep's ms, required, and waits in the database, as routes.ts says of it.
    assert ROUTES_BY_NAME["query"].params == ROUTES_BY_NAME["sleep"].params
    assert [r.name for r in ROUTES if r.waits_in == "database"] == ["query"]


def test_load_contract_reads_a_good_file(tmp_path: Path) -> None:
    assert load_contract(_write(tmp_path, _contract())) == _contract()


def test_load_contract_names_the_file_and_every_json_path_that_is_wrong(
    tmp_path: Path,
) -> None:
    data = _contract()
    limits = data["limits"]
    assert isinstance(limits, dict)
    del limits["urlLengthMax"]
    settings = data["settings"]
    assert isinstance(settings, dict)
    settings["backlog"] = "4096"
    data["allowedMethods"] = "GET"
    routes = data["routes"]
    assert isinstance(routes, list)
    routes[3]["params"][0]["max"] = "sleepMsMaximum"
    routes[4]["tracked"] = 1
    file = _write(tmp_path, data)
    with pytest.raises(ContractFileError) as broken:
        load_contract(file)
    assert str(broken.value) == (
        f"{file}: limits.urlLengthMax must be an integer; settings.backlog must be an integer; "
        "allowedMethods must be a list of methods; "
        'routes[3].params[0].max names no limit "sleepMsMaximum"; routes[4].tracked must be true or false'
    )


def test_load_contract_refuses_what_is_not_an_object(tmp_path: Path) -> None:
    with pytest.raises(ContractFileError, match="the contract must be an object"):
        load_contract(_write(tmp_path, []))


def test_limit_value_is_a_number_or_a_limit_by_name() -> None:
    assert limit_value(7) == 7
    assert limit_value("urlLengthMax") == 8192
    with pytest.raises(ContractFileError, match='unknown limit "nope"'):
        limit_value("nope")


def _head(**given: object) -> RequestHead:
    fields: dict[str, object] = {
        "method": "GET",
        "target": "/fast",
        "version": "1.1",
        "header_bytes": 100,
        "hosts": ("localhost:3000",),
        **given,
    }
    return RequestHead(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("head", "refusal"),
    [
        (_head(), None),
        (
            _head(target="/" + "x" * 8192),
            (414, "request target is 8193 characters; the limit is 8192"),
        ),
        (_head(header_bytes=16_385), (431, "request headers are over 16384 bytes")),
        (
            _head(version="2.0"),
            (
                505,
                "HTTP/2.0 is not supported; this server speaks HTTP/1.0 and HTTP/1.1",
            ),
        ),
        (
            _head(
                version="9.9", target="/" + "x" * 8192
            ),  # the version first: nothing else can be read
            (
                505,
                "HTTP/9.9 is not supported; this server speaks HTTP/1.0 and HTTP/1.1",
            ),
        ),
        (_head(hosts=()), (400, "an HTTP/1.1 request needs a Host header")),
        (_head(version="1.0", hosts=()), None),
        (_head(hosts=("",)), None),  # RFC 9112 §3.2: an empty Host is valid
        (_head(hosts=("[::1]:3000",)), None),
        (
            _head(hosts=("a,b",)),
            None,
        ),  # a reg-name may have a comma (WSGI splits on it first)
        (
            _head(hosts=(":3000",)),
            (
                400,
                'Host must be a host name or address and an optional port (got ":3000")',
            ),
        ),
        (_head(hosts=("a", "b")), (400, "a request may have one Host header, not two")),
        (
            _head(hosts=("a b",)),
            (
                400,
                'Host must be a host name or address and an optional port (got "a b")',
            ),
        ),
        (_head(expect="100-Continue"), None),
        (
            _head(expect="teapot"),
            (
                417,
                'the expectation "teapot" cannot be met; only 100-continue is understood',
            ),
        ),
        (
            _head(method="CONNECT", target="example.com:443"),
            (405, "CONNECT is not allowed on example.com:443; use GET or HEAD"),
        ),
    ],
)
def test_refusal_before_routing(
    head: RequestHead, refusal: tuple[int, str] | None
) -> None:
    assert refusal_before_routing(head) == refusal


def test_search_params_as_url_search_params() -> None:
    assert search_params("?a=1&&b&c=%zz&d=x+y=z") == [
        ("a", "1"),
        ("b", ""),
        ("c", "%zz"),
        ("d", "x y=z"),
    ]


def test_js_json_escapes_a_lone_surrogate_as_javascript_does() -> None:
    assert js_json('a"\n\ud83d') == '"a\\"\\n\\ud83d"'
    assert js_json("😀é") == '"😀é"'


def test_count_to_counts() -> None:
    assert count_to(0) == 0 and count_to(12_345) == 12_345


def test_the_head_limit_is_past_the_contract_limits() -> None:
    # So the middleware refuses them, in JSON, with the exact size.
    assert HEAD_LIMIT_BYTES > LIMITS["urlLengthMax"] + SETTINGS["maxHeaderSizeBytes"]


@pytest.mark.parametrize(
    ("head", "status", "error"),
    [
        (
            b"GET /fast?" + b"a" * 30_000,
            414,
            "request target is over 30006 characters; the limit is 8192",
        ),
        (
            b"GET /fast?" + b"a" * 9_000 + b" HTTP/1.1\r\nX: y",
            414,
            "request target is 9006 characters; the limit is 8192",
        ),
        (
            b"GET /fast HTTP/1.1\r\nX-Pad: " + b"x" * 30_000,
            431,
            "request headers are over 16384 bytes",
        ),
        (
            b"\x16" * 30_000,
            414,
            "request target is over 30000 characters; the limit is 8192",
        ),
    ],
)
def test_head_too_large_is_a_414_until_the_request_line_ends(
    head: bytes, status: int, error: str
) -> None:
    assert head_too_large(head) == (status, error)


@pytest.mark.parametrize(
    ("data", "begins_none"),
    [
        (bytes.fromhex("160301"), True),  # a TLS handshake record
        (b"\x00\x00\x12\x04", True),  # an HTTP/2 frame
        (b"\xffGET", True),
        (b"GET / HTTP/1.1", False),
        (b"PRI * HTTP/2.0", False),  # HTTP/2's preface is ASCII: the parser judges it
        (b"\r\nGET", False),  # a blank line before the request may be skipped
        (b" GET", False),
        (b"", False),  # nothing yet
    ],
)
def test_begins_no_request(data: bytes, begins_none: bool) -> None:
    assert begins_no_request(data) is begins_none
