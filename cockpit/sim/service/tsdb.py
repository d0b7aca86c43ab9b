"""A tiny in-memory TSDB for the simulated Prometheus: scraped samples, kept for 35 minutes.

It stores what a Prometheus scrape would: one series per metric name and label set
(empty label values dropped, as Prometheus treats them as absent), millisecond
timestamps, and a staleness marker when a series or its whole target disappears, so a
gone pod stops counting at once instead of lingering for the 5-minute lookback.
"""

from __future__ import annotations

import bisect
import threading
from collections import deque
from collections.abc import Callable, Mapping

from prometheus_client import CollectorRegistry

from cockpit.sim.background import Background
from cockpit.sim.clock import Clock

Labels = tuple[tuple[str, str], ...]  # sorted (name, value) pairs, `__name__` included
Predicate = Callable[[dict[str, str]], bool]
RETENTION = 35 * 60.0
#: Prometheus' default lookback for instant vector selectors
LOOKBACK = 300.0


class _Series:
    """Timestamps and values side by side; a value of None is a staleness marker."""

    def __init__(self) -> None:
        self.times: deque[float] = deque()
        self.values: deque[float | None] = deque()

    def append(self, t: float, value: float | None) -> None:
        self.times.append(t)
        self.values.append(value)

    def trim(self, oldest: float) -> None:
        while self.times and self.times[0] < oldest:
            self.times.popleft()
            self.values.popleft()

    def between(self, start: float, end: float) -> list[tuple[float, float]]:
        """Samples with start <= t <= end (Prometheus 2's closed range), markers left out."""
        lo = bisect.bisect_left(self.times, start)
        hi = bisect.bisect_right(self.times, end)
        pairs = ((self.times[i], self.values[i]) for i in range(lo, hi))
        return [(t, v) for t, v in pairs if v is not None]

    def at(self, t: float) -> float | None:
        """The newest sample within the lookback before `t`; None if stale or too old."""
        i = bisect.bisect_right(self.times, t) - 1
        if i < 0 or self.times[i] < t - LOOKBACK:
            return None
        return self.values[i]


class Ring:
    """Thread-safe series store: the sampler appends, query threads read."""

    def __init__(self, retention: float = RETENTION) -> None:
        self.retention = retention
        self._lock = threading.Lock()
        self._series: dict[Labels, _Series] = {}
        self._by_target: dict[str, set[Labels]] = {}

    def append(self, target: str, t: float, samples: Mapping[Labels, float]) -> None:
        """One scrape of `target`; series it had before and lacks now become stale."""
        with self._lock:
            for labels, value in samples.items():
                self._series.setdefault(labels, _Series()).append(t, value)
            gone = self._by_target.get(target, set()) - samples.keys()
            for labels in gone:
                self._series[labels].append(t, None)
            self._by_target[target] = set(samples)
            self._trim(t)

    def drop_target(self, target: str, t: float) -> None:
        """The target went away: all its series end now."""
        self.append(target, t, {})
        with self._lock:
            del self._by_target[target]

    def targets(self) -> set[str]:
        with self._lock:
            return set(self._by_target)

    def _trim(self, now: float) -> None:
        oldest = now - self.retention
        for labels in list(self._series):
            series = self._series[labels]
            series.trim(oldest)
            if not series.times:
                del self._series[labels]

    def range(
        self, wanted: Predicate, start: float, end: float
    ) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
        """A range vector: each wanted series' samples in [start, end], empty ones left out."""
        with self._lock:
            chosen = [(dict(k), s) for k, s in self._series.items() if wanted(dict(k))]
            found = [(labels, s.between(start, end)) for labels, s in chosen]
        return [(labels, points) for labels, points in found if points]

    def instant(self, wanted: Predicate, t: float) -> list[tuple[dict[str, str], float]]:
        """An instant vector at `t`: each wanted series' latest value, stale ones left out."""
        with self._lock:
            chosen = [(dict(k), s) for k, s in self._series.items() if wanted(dict(k))]
            found = [(labels, s.at(t)) for labels, s in chosen]
        return [(labels, v) for labels, v in found if v is not None]


def scrape(registry: CollectorRegistry) -> dict[Labels, float]:
    """What Prometheus would ingest from this registry's exposition."""
    out: dict[Labels, float] = {}
    for family in registry.collect():
        for sample in family.samples:
            if sample.name.endswith("_created"):  # creation times: never queried, not stored
                continue
            labels = {k: v for k, v in sample.labels.items() if v != ""}
            out[tuple(sorted({**labels, "__name__": sample.name}.items()))] = float(sample.value)
    return out


class Sampler(Background):
    """Scrapes every target's registry into a `Ring` at start and every `interval` seconds."""

    def __init__(
        self,
        registries: Callable[[], Mapping[str, CollectorRegistry]],
        ring: Ring,
        interval: float = 1.0,
        *,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(clock)
        self.registries, self.ring, self.interval = registries, ring, interval

    def _start(self) -> None:
        self._every("erp-sim-sampler", self.interval, self.sample, now=True)

    def sample(self) -> None:
        t = round(self.clock.now(), 3)  # Prometheus keeps milliseconds
        registries = self.registries()
        for target in self.ring.targets() - registries.keys():
            self.ring.drop_target(target, t)
        for target, registry in registries.items():
            self.ring.append(target, t, scrape(registry))
