"""Shared by the tests: the vectors both languages read, frameworks that may be missing, and a closing line
that .ci/run sums with vitest's."""

import importlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from _pytest.terminal import TerminalReporter
from postgres import PostgresUnavailable, running_postgres

# packages/contract/test/vectors: read by the TypeScript tests too.
VECTORS_DIR = Path(__file__).resolve().parents[2] / "test" / "vectors"


def vectors(name: str) -> list[dict[str, object]]:
    cases: list[dict[str, object]] = json.loads(
        (VECTORS_DIR / name).read_text(encoding="utf-8")
    )["cases"]
    return cases


def require(module: str) -> ModuleType:
    """The module; without it the test is skipped, saying what to install, unless LOOPBENCH_REQUIRE_SERVERS=1."""
    if os.environ.get("LOOPBENCH_REQUIRE_SERVERS") == "1":
        return importlib.import_module(module)
    found: ModuleType = pytest.importorskip(
        module, reason=f"{module} is not installed (see the servers' install)"
    )
    return found


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """One throwaway PostgreSQL for the session's tests that need a real database; without PostgreSQL's server
    they are skipped, saying what to install, unless LOOPBENCH_REQUIRE_SERVERS=1."""
    require("psycopg2")  # how the cluster is known to accept queries
    try:
        with running_postgres() as url:
            yield url
    except PostgresUnavailable as error:
        if os.environ.get("LOOPBENCH_REQUIRE_SERVERS") == "1":
            raise
        pytest.skip(str(error))


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    # vitest's " Tests  N passed (M)" shape, which .ci/run's closing line sums.
    stats = terminalreporter.stats
    counts = [
        (len(stats.get("failed", [])) + len(stats.get("error", [])), "failed"),
        (len(stats.get("passed", [])), "passed"),
        (len(stats.get("skipped", [])), "skipped"),
    ]
    shown = " | ".join(f"{n} {what}" for n, what in counts if n or what == "passed")
    total = sum(n for n, _ in counts)
    terminalreporter.write_line(f" Python Tests  {shown} ({total})")
