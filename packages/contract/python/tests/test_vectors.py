"""The cases the TypeScript contract is tested against (routes.test.ts, timing.test.ts), from the same files."""

import pytest
from conftest import vectors

from loopbench.contract import (
    ROUTES_BY_NAME,
    BadQuery,
    milliseconds,
    parse_query,
    server_timing_value,
)

QUERY_CASES = vectors("parse-query.json")
DURATION_CASES = vectors("server-timing.json")


def _id(case: dict[str, object]) -> str:
    query = str(case["query"])
    return f"{case['route']} {query[:40]}"


@pytest.mark.parametrize("case", QUERY_CASES, ids=[_id(c) for c in QUERY_CASES])
def test_parse_query_as_routes_ts(case: dict[str, object]) -> None:
    route = ROUTES_BY_NAME[str(case["route"])]
    query = str(case["query"])
    if "error" in case:
        with pytest.raises(BadQuery) as refused:
            parse_query(route, query)
        assert str(refused.value) == case["error"]
    else:
        assert parse_query(route, query) == case["params"]


@pytest.mark.parametrize(
    "case", DURATION_CASES, ids=[str(c["ms"]) for c in DURATION_CASES]
)
def test_milliseconds_as_timing_ts(case: dict[str, object]) -> None:
    ms = case["ms"]
    assert isinstance(ms, (int, float))
    assert milliseconds(ms) == case["text"]
    assert server_timing_value(ms) == f"app;dur={case['text']}"


def test_the_vectors_are_there() -> None:
    # An empty file would pass every case above.
    assert len(QUERY_CASES) >= 30 and len(DURATION_CASES) >= 10
    assert {c["route"] for c in QUERY_CASES} == {"sleep", "cpu", "fast", "stats"}
