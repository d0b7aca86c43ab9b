"""The simulator's clocks and its one background-service base."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from cockpit.sim.background import Background
from cockpit.sim.clock import ManualClock, RealClock, resolve
from tests.helpers.poll import eventually


def _threads(prefix: str) -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(prefix)]


def test_manual_time_moves_only_when_advanced():
    clock = ManualClock(start=1_000.0)
    assert (clock.now(), clock.monotonic()) == (1_000.0, 0.0)
    clock.advance(2.5)
    assert (clock.now(), clock.monotonic()) == (1_002.5, 2.5)
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_advance_runs_each_due_step_at_its_time_earliest_first():
    clock, stop, seen = ManualClock(), threading.Event(), []
    clock.run_every("a", 0.5, lambda: seen.append(("a", clock.monotonic())), stop)
    clock.run_every("b", 0.4, lambda: seen.append(("b", clock.monotonic())), stop)
    clock.advance(1.2)
    assert seen == [("b", 0.4), ("a", 0.5), ("b", 0.8), ("a", 1.0), ("b", 1.2)]
    assert clock.monotonic() == 1.2
    seen.clear()
    clock.advance(0.2)  # a's next is at 1.5, b's at 1.6: neither falls due
    assert seen == []


def test_a_stopped_job_never_runs_again():
    clock, stop, seen = ManualClock(), threading.Event(), []
    clock.run_every("a", 1.0, lambda: seen.append(clock.monotonic()), stop)
    clock.advance(2)
    stop.set()
    clock.advance(5)
    assert seen == [1.0, 2.0]


def test_a_step_that_stops_its_own_job_is_its_last():
    clock, stop, seen = ManualClock(), threading.Event(), []

    def step() -> None:
        seen.append(clock.monotonic())
        stop.set()

    clock.run_every("once", 1.0, step, stop)
    clock.advance(3)
    assert seen == [1.0]


def test_speed_belongs_to_the_clock():
    assert resolve(None, None).speed == 1.0
    assert resolve(None, 10).speed == 10
    manual = ManualClock(speed=4)
    assert resolve(manual, None) is manual and resolve(manual, 4) is manual
    with pytest.raises(ValueError, match="disagrees"):
        resolve(manual, 10)
    with pytest.raises(ValueError):
        RealClock(0)


class Ticker(Background):
    """Counts its steps; optionally fails at start after its work began."""

    def __init__(self, clock=None, *, fail: bool = False) -> None:
        super().__init__(clock)
        self.ticks, self.fail = 0, fail
        self.log: list[str] = []

    def _start(self) -> None:
        self._on_stop(self.log.append, "first registered, last undone")
        self._every("test-ticker", 0.01, self._tick)
        self._on_stop(self.log.append, "last registered, first undone")
        if self.fail:
            raise RuntimeError("half-way")

    def _tick(self) -> None:
        self.ticks += 1


def test_real_time_steps_run_on_a_named_thread_that_stop_joins():
    with Ticker() as ticker:
        assert _threads("test-ticker") == ["test-ticker"]
        eventually(lambda: ticker.ticks >= 3, what="three ticks in real time")
    assert _threads("test-ticker") == []
    assert ticker.log == ["last registered, first undone", "first registered, last undone"]
    ticks = ticker.ticks
    ticker.stop()  # twice is harmless
    assert ticker.ticks == ticks and not ticker.running


def test_a_start_that_fails_half_way_undoes_what_it_started():
    ticker = Ticker(fail=True)
    with pytest.raises(RuntimeError, match="half-way"):
        ticker.start()
    assert _threads("test-ticker") == [] and not ticker.running
    assert len(ticker.log) == 2


def test_a_failing_step_is_logged_and_the_work_goes_on(caplog):
    clock = ManualClock()
    ticker = Ticker(clock)
    calls = []

    def flaky() -> None:
        calls.append(clock.monotonic())
        if len(calls) == 1:
            raise ValueError("one bad tick")

    ticker._tick = flaky
    with ticker:
        clock.advance(0.025)
    assert len(calls) == 2
    assert "test-ticker: a step failed" in caplog.text


def test_with_a_manual_clock_no_thread_runs_and_stop_ends_the_steps():
    clock = ManualClock()
    ticker = Ticker(clock).start()
    assert _threads("test-ticker") == []
    clock.advance(0.1)
    ticker.stop()
    clock.advance(1)
    assert ticker.ticks == 10
    with pytest.raises(RuntimeError, match="already started"):
        ticker.start().start()
    ticker.stop()


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"hi")

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


class Served(Background):
    def _start(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
        self._serve("test-served", self.server, poll_interval=0.05)


def test_a_served_socket_is_closed_and_its_thread_joined_on_stop():
    with Served() as served:
        port = served.server.server_address[1]
        assert httpx.get(f"http://127.0.0.1:{port}/").text == "hi"
    assert _threads("test-served") == []
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0
