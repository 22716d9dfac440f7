"""The contract's routes, limits and refusals, read from contract.json: the file the TypeScript contract reads."""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import unquote

# packages/contract/python/loopbench/ → packages/contract/contract.json: one source for both languages.
CONTRACT_FILE = Path(__file__).resolve().parents[2] / "contract.json"
_DATA = json.loads(CONTRACT_FILE.read_text(encoding="utf-8"))

LIMITS: Mapping[str, int] = _DATA["limits"]
SETTINGS: Mapping[str, int] = _DATA["settings"]
ALLOWED_METHODS: tuple[str, ...] = tuple(_DATA["allowedMethods"])
REFUSED_METHODS: tuple[str, ...] = tuple(_DATA["refusedMethods"])
SERVER_TIMING_METRIC: str = _DATA["serverTimingMetric"]

Params = dict[str, int]


@dataclass(frozen=True)
class ParamSpec:
    name: str
    max: int
    default: int | None  # None: the parameter is required


@dataclass(frozen=True)
class Route:
    name: str
    path: str
    summary: str
    params: tuple[ParamSpec, ...]
    tracked: bool  # counted in requestsHandled and maxInFlight; /stats is not, so reading it does not disturb it


def _number(value: Any) -> Any:
    # A param's max or default is a number, or the name of a limit.
    return LIMITS[value] if isinstance(value, str) else value


def _route(data: Any) -> Route:
    params = tuple(
        ParamSpec(p["name"], _number(p["max"]), _number(p.get("default")))
        for p in data["params"]
    )
    return Route(data["name"], data["path"], data["summary"], params, data["tracked"])


ROUTES: tuple[Route, ...] = tuple(_route(r) for r in _DATA["routes"])
ROUTES_BY_NAME: Mapping[str, Route] = {r.name: r for r in ROUTES}


class BadQuery(ValueError):
    """A query string the route refuses; the message names the allowed range."""


# ASCII digits only (\d would take other scripts' digits) and no trailing newline ($ would allow one).
_PLAIN_INTEGER = re.compile(r"[0-9]{1,16}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _range(spec: ParamSpec) -> str:
    return f"an integer from 0 to {spec.max}"


def _shown(value: str) -> str:
    """JSON.stringify of the value, cut at 40 UTF-16 code units as JavaScript's length and slice count them."""
    units = value.encode("utf-16-le", "surrogatepass")
    if len(units) > 80:
        value = units[:80].decode("utf-16-le", "surrogatepass") + "…"
    text = json.dumps(value, ensure_ascii=False)
    # JSON.stringify escapes a lone surrogate (a pair the cut split); json.dumps would write it raw.
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


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


def not_found_error(path: str) -> str:
    return f"no route {_shown(path)}; routes are {', '.join(r.path for r in ROUTES)}"


def method_not_allowed_error(method: str, path: str) -> str:
    return f"{method} is not allowed on {path}; use {' or '.join(ALLOWED_METHODS)}"


def uri_too_long_error(length: int) -> str:
    return (
        f"request target is {length} characters; the limit is {LIMITS['urlLengthMax']}"
    )


def headers_too_large_error() -> str:
    return f"request headers are over {SETTINGS['maxHeaderSizeBytes']} bytes"


def refusal_before_routing(
    target: str, header_bytes: int, method: str, host_missing: bool = False
) -> tuple[int, str] | None:
    """What serve.ts refuses before any framework sees a request: (status, error), or None.
    A 405 here (CONNECT) carries the Allow header of ALLOWED_METHODS."""
    if len(target) > LIMITS["urlLengthMax"]:
        return 414, uri_too_long_error(len(target))
    if header_bytes > SETTINGS["maxHeaderSizeBytes"]:
        return 431, headers_too_large_error()
    if host_missing:
        return 400, "an HTTP/1.1 request needs a Host header"
    if method == "CONNECT":
        return 405, method_not_allowed_error("CONNECT", target)
    return None


def count_to(iterations: int) -> int:
    """The article's CPU task, `for i in range(n): c += 1`; returns the count so the loop has a result."""
    c = 0
    for i in range(iterations):
        c += 1
    return c
