"""The simulator's time: the real clock for the demo, a hand-driven one for the tests.

A clock's seconds are what an observer outside the simulator measures (a scraper's
timestamps, the CPU time a pod accrues); `speed` is how many simulated seconds — the
controller's ticks, the users' requests — pass in one of them. Periodic work is handed to
the clock with `run_every`, so that under `ManualClock` it runs inside `advance()`, in
the test's own thread, at exactly the times it is due: no sleeping, no races, nothing to
tolerate. What faces a real client (HTTP handlers, watch timeouts and bookmarks, SSE,
the API's injected latency) stays on real time on purpose.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


class Job(Protocol):
    """Periodic work started by `Clock.run_every`; ends once its stop event is set."""

    def join(self, timeout: float | None = None) -> None: ...


class Clock(Protocol):
    speed: float

    def now(self) -> float:
        """Unix seconds, for timestamps."""
        ...

    def monotonic(self) -> float:
        """Seconds that only move forward, for measuring how long passed."""
        ...

    def run_every(
        self, name: str, interval: float, step: Callable[[], None], stop: threading.Event
    ) -> Job:
        """Call `step` every `interval` seconds of this clock until `stop` is set."""
        ...


def _check_speed(speed: float) -> float:
    if not speed > 0:
        raise ValueError(f"speed must be > 0, not {speed}")
    return speed


class RealClock:
    """Wall-clock time; periodic work runs on a daemon thread named after it."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = _check_speed(speed)

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def run_every(
        self, name: str, interval: float, step: Callable[[], None], stop: threading.Event
    ) -> threading.Thread:
        def loop() -> None:
            while not stop.wait(interval):
                step()

        thread = threading.Thread(target=loop, name=name, daemon=True)
        thread.start()
        return thread


def _ns(seconds: float) -> int:
    return round(seconds * 1e9)


@dataclass(eq=False)
class _Scheduled:
    name: str
    interval: int  # ns
    step: Callable[[], None]
    stop: threading.Event
    due: int  # ns
    order: int
    clock: ManualClock = field(repr=False)

    def join(self, timeout: float | None = None) -> None:
        """Waits for an `advance()` running in another thread: no step of it runs after."""
        with self.clock._stepping:
            pass


class ManualClock:
    """Time that moves only in `advance()`, which runs every step that falls due meanwhile.

    Starts at `start` (default: now, whole seconds) so that timestamps it hands out look
    current to clients that compare them with their own clock. It counts in integer
    nanoseconds, so that three steps of 0.4 s fall due at exactly 1.2 s.
    """

    def __init__(self, start: float | None = None, *, speed: float = 1.0) -> None:
        self.speed = _check_speed(speed)
        self._start = float(round(time.time())) if start is None else float(start)
        self._elapsed = 0  # ns
        self._lock = threading.Lock()  # the schedule
        self._stepping = threading.RLock()  # held while a step runs; a step may stop its job
        self._jobs: list[_Scheduled] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self._start + self._elapsed / 1e9

    def monotonic(self) -> float:
        return self._elapsed / 1e9

    def run_every(
        self, name: str, interval: float, step: Callable[[], None], stop: threading.Event
    ) -> _Scheduled:
        every = _ns(interval)
        if every <= 0:
            raise ValueError(f"interval must be > 0, not {interval}")
        with self._lock:
            job = _Scheduled(
                name, every, step, stop, self._elapsed + every, next(self._order), self
            )
            self._jobs.append(job)
        return job

    def advance(self, seconds: float) -> None:
        """Move time on by `seconds`, running each due step at its time, earliest first."""
        if seconds < 0:
            raise ValueError("time does not run backwards")
        with self._stepping:
            target = self._elapsed + _ns(seconds)
            while (job := self._next_due(target)) is not None:
                self._elapsed = max(self._elapsed, job.due)
                job.due += job.interval
                job.step()
            self._elapsed = target

    def _next_due(self, target: int) -> _Scheduled | None:
        with self._lock:
            self._jobs = [j for j in self._jobs if not j.stop.is_set()]
            due = [j for j in self._jobs if j.due <= target]
            return min(due, key=lambda j: (j.due, j.order), default=None)


def resolve(clock: Clock | None, speed: float | None) -> Clock:
    """The clock to use from the old `speed=` argument and the new `clock=` one.

    The speed belongs to the clock; giving both is fine only when they agree."""
    if clock is None:
        return RealClock(1.0 if speed is None else speed)
    if speed is not None and speed != clock.speed:
        raise ValueError(f"speed={speed} disagrees with the clock's speed {clock.speed}")
    return clock
