"""The /stats probe: counters, the histogram of loop delays, an asyncio loop's measurements."""

import asyncio
import os

from loopbench.stats import Histogram, Probe, StatsSnapshot


def test_histogram_keeps_three_significant_digits_within_the_range() -> None:
    histogram = Histogram()
    for ms in (1.2345, 2.0, 3.0, 4.0, 1000.4):
        histogram.record(ms)
    assert set(histogram.counts) == {1.23, 2.0, 3.0, 4.0, 1000.0}
    summary = histogram.summary()
    assert summary["min"] == 1.2345 and summary["max"] == 1000.4
    assert summary["mean"] == (1.2345 + 2 + 3 + 4 + 1000.4) / 5
    assert (summary["p50"], summary["p90"], summary["p99"]) == (3.0, 1000.0, 1000.0)


def test_histogram_percentile_never_leaves_the_recorded_range() -> None:
    histogram = Histogram()
    histogram.record(0.12345)  # kept as 0.123, below the minimum
    assert histogram.percentile(50) == 0.12345


def test_an_empty_histogram_summarises_to_zeros_and_resets() -> None:
    histogram = Histogram()
    assert histogram.summary() == {
        "min": 0,
        "mean": 0,
        "p50": 0,
        "p90": 0,
        "p99": 0,
        "max": 0,
    }
    histogram.record(5)
    histogram.reset()
    assert histogram.count == 0 and histogram.summary()["max"] == 0


def test_probe_counts_requests_in_flight_and_their_maximum() -> None:
    probe = Probe()
    with probe.track():
        with probe.track():
            assert probe.snapshot()["inFlight"] == 2
    snapshot = probe.snapshot()
    assert (
        snapshot["inFlight"],
        snapshot["maxInFlight"],
        snapshot["requestsHandled"],
    ) == (0, 2, 2)
    assert snapshot["pid"] == os.getpid() and snapshot["rssBytes"] > 0


def test_probe_reset_starts_a_window_from_what_is_in_flight() -> None:
    probe = Probe()
    with probe.track():
        with probe.track():
            pass
        first = probe.snapshot(reset=True)
        assert first["maxInFlight"] == 2
        second = probe.snapshot()
    assert second["maxInFlight"] == 1
    assert second["windowStartedAtMs"] > first["windowStartedAtMs"]


def test_probe_without_a_loop_reports_null_not_zero() -> None:
    snapshot = Probe().snapshot()
    assert snapshot["eventLoopUtilization"] is None
    assert snapshot["eventLoopDelayMs"] is None
    assert snapshot["eventLoopActiveMs"] is None and snapshot["eventLoopIdleMs"] is None


def test_probe_measures_a_running_asyncio_loop() -> None:
    probe = Probe()

    async def serve_a_while() -> StatsSnapshot:
        probe.watch_loop()
        await asyncio.sleep(0.06)  # idle: waiting in select()
        return probe.snapshot()

    snapshot = asyncio.run(serve_a_while())
    utilization = snapshot["eventLoopUtilization"]
    delay = snapshot["eventLoopDelayMs"]
    assert utilization is not None and 0 <= utilization < 0.9
    assert snapshot["eventLoopIdleMs"] is not None and snapshot["eventLoopIdleMs"] > 30
    assert delay is not None and delay["max"] >= delay["min"] >= 0
