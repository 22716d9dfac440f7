"""The contract's routes, limits and refusals, read from contract.json: the file the TypeScript contract reads."""

import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NotRequired, TypedDict, cast
from urllib.parse import unquote

# packages/contract/python/loopbench/ → packages/contract/contract.json: one source for both languages.
CONTRACT_FILE = Path(__file__).resolve().parents[2] / "contract.json"


class Limits(TypedDict):
    sleepMsMax: int
    cpuIterationsMax: int
    cpuIterationsDefault: int
    urlLengthMax: int


class Settings(TypedDict):
    backlog: int
    keepAliveTimeoutMs: int
    headersTimeoutMs: int
    requestTimeoutMs: int
    connectionsCheckingIntervalMs: int
    maxHeaderSizeBytes: int


class ParamData(TypedDict):
    """A route's parameter: its max and default are numbers or names of limits."""

    name: str
    max: int | str
    default: NotRequired[int | str]


class RouteData(TypedDict):
    name: str
    path: str
    summary: str
    params: list[ParamData]
    tracked: bool


class ContractData(TypedDict):
    """contract.json, as src/shared.ts types it."""

    limits: Limits
    settings: Settings
    allowedMethods: list[str]
    refusedMethods: list[str]
    serverTimingMetric: str
    routes: list[RouteData]


class ContractFileError(ValueError):
    """contract.json is not what the TypedDicts above say."""


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _route_problems(
    route: object, at: str, limits: Mapping[str, object]
) -> Iterator[str]:
    if not isinstance(route, dict):
        yield f"{at} must be an object"
        return
    for key in ("name", "path", "summary"):
        if not isinstance(route.get(key), str):
            yield f"{at}.{key} must be a string"
    if not isinstance(route.get("tracked"), bool):
        yield f"{at}.tracked must be true or false"
    params = route.get("params")
    if not isinstance(params, list):
        yield f"{at}.params must be a list"
        return
    for i, param in enumerate(params):
        where = f"{at}.params[{i}]"
        if not isinstance(param, dict) or not isinstance(param.get("name"), str):
            yield f"{where} must be an object with a name"
            continue
        for key in ("max", "default"):
            value = param.get(key)
            if value is None and key == "default":
                continue
            if isinstance(value, str):
                if value not in limits:
                    yield f'{where}.{key} names no limit "{value}"'
            elif not _is_int(value):
                yield f"{where}.{key} must be an integer or the name of a limit"


def contract_problems(data: object) -> Iterator[str]:
    """What keeps `data` from being a ContractData, each named by its JSON path."""
    if not isinstance(data, dict):
        yield "the contract must be an object"
        return
    # The keys come from the TypedDicts, so the check and the types cannot drift.
    groups = (
        ("limits", Limits.__required_keys__),
        ("settings", Settings.__required_keys__),
    )
    for group, keys in groups:
        values = data.get(group)
        if not isinstance(values, dict):
            yield f"{group} must be an object"
            continue
        for key in sorted(keys):
            if not _is_int(values.get(key)):
                yield f"{group}.{key} must be an integer"
    for key in ("allowedMethods", "refusedMethods"):
        if not _is_strings(data.get(key)):
            yield f"{key} must be a list of methods"
    if not isinstance(data.get("serverTimingMetric"), str):
        yield "serverTimingMetric must be a string"
    limits = data.get("limits")
    routes = data.get("routes")
    if not isinstance(routes, list):
        yield "routes must be a list"
        return
    for i, route in enumerate(routes):
        yield from _route_problems(
            route, f"routes[{i}]", limits if isinstance(limits, dict) else {}
        )


def load_contract(file: Path) -> ContractData:
    """Reads contract.json, checked against ContractData; a ContractFileError names the file and what is wrong."""
    data: object = json.loads(file.read_text(encoding="utf-8"))
    problems = list(contract_problems(data))
    if problems:
        raise ContractFileError(f"{file}: {'; '.join(problems)}")
    return cast(ContractData, data)


CONTRACT = load_contract(CONTRACT_FILE)
LIMITS: Limits = CONTRACT["limits"]
SETTINGS: Settings = CONTRACT["settings"]
ALLOWED_METHODS: tuple[str, ...] = tuple(CONTRACT["allowedMethods"])
REFUSED_METHODS: tuple[str, ...] = tuple(CONTRACT["refusedMethods"])
SERVER_TIMING_METRIC: str = CONTRACT["serverTimingMetric"]

Params = dict[str, int]


@dataclass(frozen=True)
class ParamSpec:
    name: str
    max: int
    default: int | None  # None: the parameter is required


WaitsIn = Literal["server", "database"]


@dataclass(frozen=True)
class Route:
    name: str
    path: str
    summary: str
    params: tuple[ParamSpec, ...]
    tracked: bool  # counted in requestsHandled and maxInFlight; /stats is not, so reading it does not disturb it
    # Where the route's wait happens, as routes.ts's waitsIn: in the server (a timer or a blocked thread), or in
    # the database, through the server's own driver (/query).
    waits_in: WaitsIn = "server"


def limit_value(value: int | str, limits: Limits = LIMITS) -> int:
    """A param's max or default: a number, or the name of a limit."""
    if isinstance(value, int):
        return value
    found = limits.get(value)
    if not isinstance(found, int):
        raise ContractFileError(f'contract.json names an unknown limit "{value}"')
    return found


# The routes whose wait is a query, by name: routes.ts's BEHAVIOUR says the same of each.
WAITS_IN_DATABASE = frozenset({"query"})


def _route(data: RouteData) -> Route:
    params = tuple(
        ParamSpec(
            p["name"],
            limit_value(p["max"]),
            limit_value(p["default"]) if "default" in p else None,
        )
        for p in data["params"]
    )
    waits_in: WaitsIn = "database" if data["name"] in WAITS_IN_DATABASE else "server"
    return Route(
        data["name"], data["path"], data["summary"], params, data["tracked"], waits_in
    )


ROUTES: tuple[Route, ...] = tuple(_route(r) for r in CONTRACT["routes"])
ROUTES_BY_NAME: Mapping[str, Route] = {r.name: r for r in ROUTES}


class BadQuery(ValueError):
    """A query string the route refuses; the message names the allowed range."""


# ASCII digits only (\d would take other scripts' digits) and no trailing newline ($ would allow one).
_PLAIN_INTEGER = re.compile(r"[0-9]{1,16}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def js_json(value: str) -> str:
    """JSON.stringify of a string: json.dumps writes a lone surrogate raw, JavaScript escapes it."""
    text = json.dumps(value, ensure_ascii=False)
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _range(spec: ParamSpec) -> str:
    return f"an integer from 0 to {spec.max}"


def _shown(value: str) -> str:
    """JSON.stringify of the value, cut at 40 UTF-16 code units as JavaScript's length and slice count them."""
    units = value.encode("utf-16-le", "surrogatepass")
    if len(units) > 80:
        value = units[:80].decode("utf-16-le", "surrogatepass") + "…"
    return js_json(value)


def _decode(text: str) -> str:
    return unquote(text.replace("+", " "), errors="replace")


def search_params(raw_query: str) -> list[tuple[str, str]]:
    """URLSearchParams: one leading "?" dropped, split on "&" only, "+" is a space, bad escapes kept as they are."""
    if raw_query.startswith("?"):
        raw_query = raw_query[1:]
    pairs = []
    for field in raw_query.split("&"):
        if field:
            name, _, value = field.partition("=")
            pairs.append((_decode(name), _decode(value)))
    return pairs


def parse_query(route: Route, raw_query: str) -> Params:
    """Validates a raw query string against a route, as routes.ts parseQuery does; raises BadQuery."""
    search = search_params(raw_query) if route.params else []
    params: Params = {}
    for spec in route.params:
        given = [value for name, value in search if name == spec.name]
        if len(given) > 1:
            raise BadQuery(
                f'"{spec.name}" was given {len(given)} times; give it once, as {_range(spec)}'
            )
        if not given:
            if spec.default is None:
                raise BadQuery(
                    f'missing "{spec.name}": give {_range(spec)}, e.g. {route.path}?{spec.name}=100'
                )
            params[spec.name] = spec.default
            continue
        raw = given[0]
        if not _PLAIN_INTEGER.fullmatch(raw):
            raise BadQuery(
                f'"{spec.name}" must be {_range(spec)} in plain digits (got {_shown(raw)})'
            )
        if int(raw) > spec.max:
            raise BadQuery(
                f'"{spec.name}" is over the limit: give {_range(spec)} (got {raw})'
            )
        params[spec.name] = int(raw)
    return params


def milliseconds(elapsed_ms: float) -> str:
    """A duration in ms to the µs, as timing.ts milliseconds writes it: Math.round rounds a half up
    (format(x, ".3f") would round 9.9995 down, to its exact binary value)."""
    scaled = elapsed_ms * 1000
    us = math.floor(scaled)
    if scaled - us >= 0.5:
        us += 1
    return f"{us // 1000}.{us % 1000:03d}"


def server_timing_value(elapsed_ms: float) -> str:
    """The Server-Timing header's value: how long the handler had the request."""
    return f"{SERVER_TIMING_METRIC};dur={milliseconds(elapsed_ms)}"


def not_found_error(path: str) -> str:
    return f"no route {_shown(path)}; routes are {', '.join(r.path for r in ROUTES)}"


def method_not_allowed_error(method: str, path: str) -> str:
    return f"{method} is not allowed on {path}; use {' or '.join(ALLOWED_METHODS)}"


def uri_too_long_error(length: int, whole: bool = True) -> str:
    """`whole` False: the target had not all come when it was refused, `length` is what had."""
    over = "" if whole else "over "
    return f"request target is {over}{length} characters; the limit is {LIMITS['urlLengthMax']}"


def headers_too_large_error() -> str:
    return f"request headers are over {SETTINGS['maxHeaderSizeBytes']} bytes"


# The most of a request's head a server buffers before refusing it: heads up to the contract's limits reach
# the middleware, which refuses them in JSON exactly; the rest is room for the method, version and line ends.
HEAD_LIMIT_BYTES = LIMITS["urlLengthMax"] + SETTINGS["maxHeaderSizeBytes"] + 1024


def head_too_large(head: bytes) -> tuple[int, str]:
    """The refusal of a head that grew past HEAD_LIMIT_BYTES unfinished, from what of it came: a 414 if its
    request line had not ended or its target is over the limit, else a 431, as serve.ts tells them apart.
    """
    line, ended, _ = head.partition(b"\n")
    method, spaced, rest = line.rstrip(b"\r").partition(b" ")
    target = rest.partition(b" ")[0] if spaced else method
    if not ended:
        return 414, uri_too_long_error(len(target), whole=False)
    if len(target) > LIMITS["urlLengthMax"]:
        return 414, uri_too_long_error(len(target))
    return 431, headers_too_large_error()


def begins_no_request(data: bytes) -> bool:
    """Whether the first bytes a connection sent can begin no HTTP/1.x request: a TLS handshake (0x16),
    HTTP/2's frames, other binary. A parser that reads up to a line end would wait for one that may never
    come; blank lines and any visible ASCII are the parser's to judge."""
    return bool(data) and not (0x20 <= data[0] < 0x7F or data[:1] in b"\t\r\n")


def malformed_error(reason: str) -> str:
    return f"malformed request ({reason})"


# The texts of serve.ts's refusals, word for word.
_SPOKEN = "this server speaks HTTP/1.0 and HTTP/1.1"


def http_version_error(version: str) -> str:
    return f"HTTP/{version} is not supported; {_SPOKEN}"


def no_version_error() -> str:
    """A request line without a version (HTTP/0.9): its answer would have no status line."""
    return f"a request line needs an HTTP version; {_SPOKEN}"


def upgrade_error(protocol: str) -> str:
    return f"Upgrade to {_shown(protocol)} is not supported; {_SPOKEN}"


# RFC 3986's host (a bracketed IP literal, or a reg-name of unreserved, sub-delims and %XX) and an optional
# port, as serve.ts's VALID_HOST; an empty Host is valid too.
_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]+)(:[0-9]*)?")


def host_error(version: str, hosts: Sequence[str]) -> str | None:
    """RFC 9112 §3.2: an HTTP/1.1 request needs exactly one Host, and an invalid one is a 400; an HTTP/1.0
    request may have none, and an empty one is valid. `hosts`: every Host value of the request.
    """
    if len(hosts) > 1:
        return "a request may have one Host header, not two"
    if not hosts:
        return None if version == "1.0" else "an HTTP/1.1 request needs a Host header"
    if hosts[0] and not _HOST.fullmatch(hosts[0]):
        got = js_json(hosts[0][:100])
        return f"Host must be a host name or address and an optional port (got {got})"
    return None


@dataclass(frozen=True)
class RequestHead:
    """What the contract checks of a request before any framework sees it, as the server's parser read it."""

    method: str
    target: str  # as it came, a fragment included
    version: str  # "1.1", as the request line says HTTP/1.1
    header_bytes: int  # each header as name, ": ", value and CRLF
    hosts: tuple[str, ...]  # each Host value
    expect: str = ""  # the Expect header's value


def refusal_before_routing(head: RequestHead) -> tuple[int, str] | None:
    """What serve.ts refuses before any framework sees a request: (status, error), or None. A 505 is the
    contract's one 5xx: the client's protocol is refused. A 405 here (CONNECT) carries the Allow header of
    ALLOWED_METHODS."""
    if head.version.partition(".")[0] != "1":
        return 505, http_version_error(head.version)
    if len(head.target) > LIMITS["urlLengthMax"]:
        return 414, uri_too_long_error(len(head.target))
    if head.header_bytes > SETTINGS["maxHeaderSizeBytes"]:
        return 431, headers_too_large_error()
    host = host_error(head.version, head.hosts)
    if host is not None:
        return 400, host
    if head.expect and head.expect.strip().lower() != "100-continue":
        expectation = js_json(head.expect[:100])
        return (
            417,
            f"the expectation {expectation} cannot be met; only 100-continue is understood",
        )
    if head.method == "CONNECT":
        return 405, method_not_allowed_error("CONNECT", head.target)
    return None


def count_to(iterations: int) -> int:
    """The article's CPU task, `for i in range(n): c += 1`; returns the count so the loop has a result."""
    c = 0
    for i in range(iterations):
        c += 1
    return c
