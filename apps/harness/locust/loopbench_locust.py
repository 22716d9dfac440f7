"""Loopbench's load on Locust: the workers' locustfile, and the master the harness runs.

Locust starts, paces and stops the workers and carries their messages; loopbench measures. Each
worker runs the job the harness gives it (the built-in generator's job, see measure/protocol.ts)
and times every request itself on a monotonic clock, in µs. Its records travel to the master on
Locust's report events (report_to_master, every REPORT_INTERVAL_S) and, at its end, in one
`loopbench-done` message; the master hands them to the harness as JSON lines, where they become
the same results as the built-in generator's. Locust's own statistics are never read: they round
to whole ms and coarser (see docs/distributed.md).

Worker, on any host:  python3 -m locust -f loopbench_locust.py --worker --master-host H --master-port P
Master (the harness): /usr/bin/python3 loopbench_locust.py --bind-host H --port P --workers N
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import socket
import sys
import time
from typing import Any, Callable, Optional, cast
from urllib.parse import urlsplit

import gevent
import gevent.event
import gevent.pool
import locust.runners
from geventhttpclient import HTTPClient
from locust import User, constant, events, task
from locust.env import Environment
from locust.rpc.protocol import Message

# Debian's build leaves Locust's version empty, and a master refuses an empty one as a pre-2.0
# worker (the worker then retries for 10 minutes). Both sides load this file, so both agree.
if not getattr(locust.runners, "__version__"):
    setattr(locust.runners, "__version__", "2.12-debian")
# Records reach the harness this often; Locust's 3 s would make a closed loop wait seconds to stop.
REPORT_INTERVAL_S = 0.25
locust.runners.WORKER_REPORT_INTERVAL = REPORT_INTERVAL_S

# One clock for every record: monotonic, in ms since the epoch (several hosts need synchronised clocks).
_EPOCH_MS = time.time() * 1000
_PERF0 = time.perf_counter()


def now_ms() -> float:
    return _EPOCH_MS + (time.perf_counter() - _PERF0) * 1000


def us(ms: float) -> float:
    return round(ms * 1000) / 1000


# A record: [key, planned, sent, ended, status, server-timing]; key is the connection (closed loop,
# fixed count) or the route (open loop: 0 fast, 1 slow); status 0 an error, -1 a timeout, -2 a reset.
Record = list[Any]
ERROR, TIMEOUT, RESET = 0, -1, -2

LOOP_RESOLUTION_S = 0.01


def _machine() -> str:
    # The kernel's boot id: one per machine (network namespaces share it), so the harness knows
    # whether a worker takes CPU from its servers.
    try:
        with open("/proc/sys/kernel/random/boot_id") as boot:
            return boot.read().strip()
    except OSError:
        return socket.gethostname()


MACHINE = _machine()


class Health:
    """How busy this worker was: its CPU, its event loop's occupancy and how late it woke.

    Occupancy is Node's event-loop utilisation, read the same way: the share of the wall time
    the loop was not blocked waiting for events (libev's prepare watcher runs just before it
    blocks, its check watcher just after). A worker starved of CPU by the server shows here as
    busy even when its own CPU share is low: it never gets to wait.
    """

    def __init__(self) -> None:
        self.started = time.perf_counter()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.cpu = usage.ru_utime + usage.ru_stime
        self.lateness: list[float] = []
        self.sampler = gevent.spawn(self._sample)
        self.idle = 0.0
        self.blocked_at: Optional[float] = None
        loop = gevent.get_hub().loop
        # After gevent's own prepare watcher, which runs the callbacks (spawns, wake-ups): they are work.
        self.before_poll = loop.prepare(priority=-2)
        self.after_poll = loop.check()
        self.before_poll.start(self._blocking)
        self.after_poll.start(self._woken)

    def _blocking(self) -> None:
        self.blocked_at = time.perf_counter()

    def _woken(self) -> None:
        if self.blocked_at is not None:
            self.idle += time.perf_counter() - self.blocked_at
            self.blocked_at = None

    def _sample(self) -> None:
        while True:
            before = time.perf_counter()
            gevent.sleep(LOOP_RESOLUTION_S)
            self.lateness.append(
                max(0.0, time.perf_counter() - before - LOOP_RESOLUTION_S) * 1000
            )

    def read(self) -> dict[str, Any]:
        self.sampler.kill()
        self.before_poll.stop()
        self.after_poll.stop()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        wall = time.perf_counter() - self.started
        cpu = (usage.ru_utime + usage.ru_stime - self.cpu) / wall if wall > 0 else 0.0
        late = sorted(self.lateness)
        p99 = late[min(len(late) - 1, int(len(late) * 0.99))] if late else 0.0
        return {
            "eventLoopUtilization": max(0.0, 1 - self.idle / wall) if wall > 0 else 0.0,
            "eventLoopDelayP99Ms": p99,
            "cpuUtilization": cpu,
            "pid": os.getpid(),
            "machine": MACHINE,
        }


class Job:
    """One worker's share of a run, as the built-in generator would run it, recording every request."""

    def __init__(self, job: dict[str, Any]) -> None:
        self.kind: str = job["kind"]
        # Which run of the harness this is: its every message says so, and a late one is known.
        self.run: int = job["run"]
        self.options: dict[str, Any] = job.get(
            "options", {"url": "http://127.0.0.1:1/"}
        )
        self.records: list[Record] = []
        self.recorded = 0
        self.greenlets = gevent.pool.Group()
        self.health = Health()
        self.started_at = now_ms()
        url = urlsplit(self.options["url"])
        self.host = url.hostname or "127.0.0.1"
        self.port = url.port or 80
        # The target as sent: its path and query (/sleep?ms=50).
        self.path = (url.path or "/") + (f"?{url.query}" if url.query else "")

    def client(self, concurrency: int = 1) -> HTTPClient:
        timeout = self.options.get(
            "timeoutS", self.options.get("timeoutMs", 30_000) / 1000
        )
        return HTTPClient(
            self.host,
            self.port,
            concurrency=concurrency,
            connection_timeout=timeout,
            network_timeout=timeout,
            headers={"Host": f"{self.host}:{self.port}"},
        )

    def send(
        self, client: HTTPClient, target: str, key: int, planned: Optional[float] = None
    ) -> None:
        sent = now_ms()
        status, timing = ERROR, None
        try:
            response = client.get(target)
            response.read()
            status = response.status_code
            timing = response.get("server-timing")
        except gevent.socket.timeout:
            status = TIMEOUT
        except ConnectionResetError:
            status = RESET
        except Exception:
            status = ERROR
        ended = now_ms()
        self.records.append(
            [
                key,
                us(planned if planned is not None else sent),
                us(sent),
                us(ended),
                status,
                timing,
            ]
        )
        self.recorded += 1

    def start(self, done: Callable[[], None]) -> None:
        # A worker beyond the jobs (fewer connections than workers) idles: it records nothing.
        runs = {
            "closed-loop": self._closed_loop,
            "fixed-count": self._fixed_count,
            "open-loop": self._open_loop,
            "idle": lambda: None,
        }
        self.greenlets.spawn(runs[self.kind]).link(lambda _: done())

    def _closed_loop(self) -> None:
        # Until the harness says its window has closed: it decides from the records (measure/locust.ts).
        spacing = self.options.get("connectSpacingMs", 0) / 1000

        def connection(index: int) -> None:
            gevent.sleep(index * spacing)
            client = self.client()
            while True:
                self.send(client, self.path, index)

        for index in range(self.options["connections"]):
            self.greenlets.spawn(connection, index)
        gevent.sleep(float("inf"))

    def _fixed_count(self) -> None:
        left = [self.options["requests"]]

        def connection(index: int) -> None:
            client = self.client()
            while left[0] > 0:
                left[0] -= 1
                self.send(client, self.path, index)

        # In the job's group, so a stop ends them too.
        count = min(self.options["connections"], self.options["requests"])
        gevent.joinall([self.greenlets.spawn(connection, i) for i in range(count)])

    def _open_loop(self) -> None:
        client = self.client(concurrency=4096)
        t0 = self.options["startAt"]
        sent = []
        for planned in self.options["plan"]:
            at = t0 + planned["atMs"]
            gevent.sleep(max(0.0, (at - now_ms()) / 1000))
            key = 0 if planned["route"] == "fast" else 1
            target = self.path.rstrip("/") + planned["target"]
            sent.append(self.greenlets.spawn(self.send, client, target, key, at))
        gevent.joinall(sent)

    def take(self) -> list[Record]:
        records, self.records = self.records, []
        return records

    def stop(self) -> dict[str, Any]:
        self.greenlets.kill(block=True)
        return {
            "records": self.take(),
            "generator": {**self.health.read(), "requests": self.recorded},
        }


# --- worker -------------------------------------------------------------------------------------

_job: Optional[Job] = None
_queued: Optional[dict[str, Any]] = None
_job_ready = gevent.event.Event()
_job_done = gevent.event.Event()


def _send_done(environment: Environment, run: Optional[int] = None) -> None:
    """Ends the job (of `run`, when given) and sends what it recorded that was not yet sent."""
    global _job, _queued
    runner = cast(locust.runners.WorkerRunner, environment.runner)
    if _job is None or (run is not None and _job.run != run):
        # A stop that came before its job started: the job is dropped, having recorded nothing.
        if _queued is not None and _queued["run"] == run:
            _queued = None
            _job_ready.clear()
            empty = Job({"kind": "idle", "run": run})
            runner.send_message(
                "loopbench-done",
                {"run": run, "startedAt": empty.started_at, **empty.stop()},
            )
        return
    job, _job = _job, None
    _job_done.set()
    runner.send_message(
        "loopbench-done", {"run": job.run, "startedAt": job.started_at, **job.stop()}
    )


@events.init.add_listener
def _on_init(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if not isinstance(runner, locust.runners.WorkerRunner):
        return

    def on_job(environment: Environment, msg: Message, **__: Any) -> None:
        global _queued
        _queued = msg.data
        _job_ready.set()

    runner.register_message("loopbench-job", on_job)
    runner.register_message(
        "loopbench-stop",
        lambda environment, msg, **__: _send_done(environment, msg.data["run"]),
    )


@events.test_stop.add_listener
def _on_test_stop(environment: Environment, **_: Any) -> None:
    # Stopped by the master (it quits): whatever still runs is dropped.
    global _job
    if _job is not None and isinstance(environment.runner, locust.runners.WorkerRunner):
        _job.greenlets.kill(block=False)
        _job = None


@events.report_to_master.add_listener
def _on_report(client_id: str, data: dict[str, Any]) -> None:
    if _job is not None:
        data["loopbench"] = {
            "records": _job.take(),
            "now": now_ms(),
            "startedAt": _job.started_at,
            "run": _job.run,
        }


class LoopbenchUser(User):
    """One per worker, for the whole session: it runs each job it is given, one at a time."""

    wait_time = constant(0)

    @task
    def run_job(self) -> None:
        global _job, _queued
        _job_ready.wait()
        _job_ready.clear()
        job, _queued = _queued, None
        if job is None:
            return
        _job_done.clear()
        _job = Job(job)
        # A closed loop runs until the harness has its window (loopbench-stop); the others end themselves.
        ends_itself = job["kind"] != "closed-loop"
        _job.start(lambda: _send_done(self.environment) if ends_itself else None)
        _job_done.wait()


# --- master -------------------------------------------------------------------------------------


def master() -> None:
    parser = argparse.ArgumentParser(
        description="loopbench's Locust master; the harness runs it (measure/locust.ts)."
    )
    parser.add_argument("--bind-host", required=True)
    parser.add_argument("--port", type=int, default=5557)
    parser.add_argument("--workers", type=int, required=True)
    args = parser.parse_args()
    # Ctrl-C reaches the whole process group: the harness decides, and ends this master (and with
    # it every worker, also those on other hosts) through its quit.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The harness's end of fd 3 is a socket (a Node 'pipe'): commands in, JSON lines out, cooperatively.
    channel = socket.socket(fileno=3)
    lines = channel.makefile("rb")

    def say(message: dict[str, Any]) -> None:
        channel.sendall((json.dumps(message, separators=(",", ":")) + "\n").encode())

    environment = Environment(user_classes=[LoopbenchUser], events=events)
    runner = environment.create_master_runner(
        master_bind_host=args.bind_host, master_bind_port=args.port
    )
    environment.events.init.fire(environment=environment, runner=runner, web_ui=None)

    # Which job each worker was given this run: its place in the harness's list.
    positions: dict[str, int] = {}

    def on_report(client_id: str, data: dict[str, Any]) -> None:
        if "loopbench" in data:
            say(
                {
                    "type": "records",
                    "worker": client_id,
                    "index": positions.get(client_id, -1),
                    **data["loopbench"],
                }
            )

    def on_done(environment: Environment, msg: Message, **_: Any) -> None:
        say(
            {
                "type": "done",
                "worker": msg.node_id,
                "index": positions.get(msg.node_id, -1),
                **msg.data,
            }
        )

    environment.events.worker_report.add_listener(on_report)
    runner.register_message("loopbench-done", on_done)

    def watch() -> None:
        seen: set[str] = set()
        while True:
            ids = {
                c.id
                for c in runner.clients.ready
                + runner.clients.spawning
                + runner.clients.running
            }
            for lost in (seen - ids) | {c.id for c in runner.clients.missing}:
                say({"type": "lost", "worker": lost})
            if len(ids) != len(seen):
                say({"type": "workers", "ids": sorted(ids)})
            seen = ids
            gevent.sleep(0.2)

    gevent.spawn(watch)
    say({"type": "listening", "host": args.bind_host, "port": args.port})
    for line in lines:
        command = json.loads(line)
        if command["type"] == "run":
            jobs = command["jobs"]
            run = command["run"]
            ids = sorted(
                (c.id for c in runner.clients.all), key=runner.get_worker_index
            )
            positions.clear()
            for index, client_id in enumerate(ids):
                positions[client_id] = index
                runner.send_message(
                    "loopbench-job",
                    {**jobs[index], "run": run}
                    if index < len(jobs)
                    else {"kind": "idle", "run": run},
                    client_id,
                )
            # One user per worker for the whole session, started with the first run: each
            # later job reaches a user already running, and no run waits for Locust.
            if runner.state not in ("spawning", "running"):
                runner.start(len(ids), spawn_rate=1000)
        elif command["type"] == "stop":
            for client in runner.clients.all:
                runner.send_message(
                    "loopbench-stop", {"run": command["run"]}, client.id
                )
        elif command["type"] == "quit":
            break
    runner.quit()
    sys.exit(0)


if __name__ == "__main__":
    master()
