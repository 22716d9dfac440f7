"""The /stats recorder, as serverStats.ts: counters, the event loop's use and delay (if it has one), CPU, memory."""

import asyncio
import math
import os
import resource
import selectors
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from time import perf_counter
from typing import TypedDict

# Node's default: a finer sampler costs an idle server a noticeable share of a core.
DELAY_RESOLUTION_S = 0.010
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


class LoopDelay(TypedDict):
    """The event-loop delay percentiles of /stats, in ms, as serverStats.ts LoopDelay."""

    min: float
    mean: float
    p50: float
    p90: float
    p99: float
    max: float


class StatsSnapshot(TypedDict):
    """The body of GET /stats, as serverStats.ts StatsSnapshot: null where there is no event loop."""

    model: str
    pid: int
    uptimeMs: float
    requestsHandled: int
    inFlight: int
    maxInFlight: int
    eventLoopUtilization: float | None
    eventLoopActiveMs: float | None
    eventLoopIdleMs: float | None
    eventLoopDelayMs: LoopDelay | None
    cpuUserMs: float
    cpuSystemMs: float
    rssBytes: int
    windowStartedAtMs: float


class Histogram:
    """Samples in ms, kept at three significant digits: bounded memory however long the window, like HDR."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.counts: Counter[float] = Counter()
        self.count = 0
        self.total = 0.0
        self.min = math.inf
        self.max = 0.0

    def record(self, ms: float) -> None:
        self.counts[float(f"{ms:.3g}")] += 1
        self.count += 1
        self.total += ms
        self.min = min(self.min, ms)
        self.max = max(self.max, ms)

    def percentile(self, p: float) -> float:
        target = math.ceil(p / 100 * self.count)
        seen = 0
        for value in sorted(self.counts):
            seen += self.counts[value]
            if seen >= target:
                return min(
                    max(value, self.min), self.max
                )  # rounding stays within the range
        return self.max

    def summary(self) -> LoopDelay:
        if self.count == 0:
            return {"min": 0, "mean": 0, "p50": 0, "p90": 0, "p99": 0, "max": 0}
        return {
            "min": self.min,
            "mean": self.total / self.count,
            "p50": self.percentile(50),
            "p90": self.percentile(90),
            "p99": self.percentile(99),
            "max": self.max,
        }


class LoopMonitor:
    """An asyncio loop's utilisation (time outside its selector's wait) and delay (how late a 10 ms timer runs)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.started = perf_counter()
        self.idle_s = 0.0
        self.delay = Histogram()
        selector = loop._selector  # type: ignore[attr-defined]
        wait: Callable[[float | None], list[tuple[selectors.SelectorKey, int]]]
        wait = selector.select

        # Idle is the time the loop waits in select(), as libuv counts it for Node's eventLoopUtilization.
        def timed_select(
            timeout: float | None = None,
        ) -> list[tuple[selectors.SelectorKey, int]]:
            entered = perf_counter()
            try:
                return wait(timeout)
            finally:
                self.idle_s += perf_counter() - entered

        selector.select = timed_select
        self.sampler = loop.create_task(self._sample_delay())

    async def _sample_delay(self) -> None:
        while True:
            asked = perf_counter()
            await asyncio.sleep(DELAY_RESOLUTION_S)
            self.delay.record(
                max(0.0, perf_counter() - asked - DELAY_RESOLUTION_S) * 1000
            )

    def active_s(self) -> float:
        return perf_counter() - self.started - self.idle_s


class Probe:
    """This process's signals. Thread-safe: plain def endpoints run on a pool of threads."""

    def __init__(self) -> None:
        self.model = "unknown"  # set by the runner from the package's declaration
        self._restart()
        # A forked worker (gunicorn) starts its own counters and clock.
        os.register_at_fork(after_in_child=self._restart)

    def _restart(self) -> None:
        self._lock = threading.Lock()
        self.started = perf_counter()
        self.window_started = self.started
        self.in_flight = 0
        self.max_in_flight = 0
        self.requests_handled = 0
        self.loop: LoopMonitor | None = None

    @contextmanager
    def track(self) -> Iterator[None]:
        """A request inside its handler: counted in flight until the handler returns."""
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1
                self.requests_handled += 1

    def watch_loop(self) -> None:
        """Measures the running asyncio loop from now on; WSGI servers have none, and report null."""
        if self.loop is None:
            self.loop = LoopMonitor(asyncio.get_running_loop())

    def snapshot(self, reset: bool = False) -> StatsSnapshot:
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        now = perf_counter()
        loop = self.loop
        active_ms = idle_ms = None
        if loop is not None:
            active_ms, idle_ms = loop.active_s() * 1000, loop.idle_s * 1000
        with self._lock:
            snapshot: StatsSnapshot = {
                "model": self.model,
                "pid": os.getpid(),
                "uptimeMs": (now - self.started) * 1000,
                "requestsHandled": self.requests_handled,
                "inFlight": self.in_flight,
                "maxInFlight": self.max_in_flight,
                "eventLoopUtilization": _utilization(active_ms, idle_ms),
                "eventLoopActiveMs": active_ms,
                "eventLoopIdleMs": idle_ms,
                "eventLoopDelayMs": None if loop is None else loop.delay.summary(),
                "cpuUserMs": cpu.ru_utime * 1000,
                "cpuSystemMs": cpu.ru_stime * 1000,
                "rssBytes": _rss_bytes(),
                "windowStartedAtMs": (self.window_started - self.started) * 1000,
            }
            if reset:
                self.max_in_flight = self.in_flight
                self.window_started = now
                if loop is not None:
                    loop.delay.reset()
        return snapshot


def _utilization(active_ms: float | None, idle_ms: float | None) -> float | None:
    if active_ms is None or idle_ms is None:
        return None
    total = active_ms + idle_ms
    return active_ms / total if total > 0 else 0.0


def _rss_bytes() -> int:
    # The current resident set (ru_maxrss would be the peak).
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * _PAGE_BYTES


PROBE = Probe()
