"""How each version of the ERP behaves: the knobs a scenario turns while the demo runs.

A `Behaviour` is immutable; `Behaviours` swaps whole values under a lock, so the traffic
thread always reads a consistent set of knobs while a scenario changes them. Randomness
comes from the `random.Random` the caller passes, never the global one, so a seeded run
draws the same requests every time.
"""

from __future__ import annotations

import dataclasses
import math
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass

#: the 95th percentile of the standard normal distribution: p95 = median · e^(σ · Z95)
Z95 = 1.6448536269514722


@dataclass(frozen=True)
class Behaviour:
    """One version's knobs; latencies are log-normal, fixed by their median and P95."""

    error_ratio: float = 0.002  # share of requests answered with a 500
    median: float = 0.08  # seconds
    p95: float = 0.25  # seconds
    down: bool = False  # every request 503, /healthz and /readyz 503
    sse_clients: int = 40  # SSE clients the version holds while the Service sends it traffic

    def __post_init__(self) -> None:
        if not 0.0 <= self.error_ratio <= 1.0:
            raise ValueError(f"error_ratio must be within [0, 1], not {self.error_ratio}")
        if not 0.0 < self.median <= self.p95:
            raise ValueError(f"need 0 < median <= p95, got {self.median} and {self.p95}")
        if self.sse_clients < 0:
            raise ValueError(f"sse_clients must be >= 0, not {self.sse_clients}")

    def request(self, rng: random.Random) -> tuple[str, float]:
        """One request's (status, seconds); a down version fails fast."""
        if self.down:
            return "503", rng.uniform(0.001, 0.005)
        status = "500" if rng.random() < self.error_ratio else "200"
        sigma = math.log(self.p95 / self.median) / Z95
        return status, rng.lognormvariate(math.log(self.median), sigma)


DEFAULTS: Mapping[str, Behaviour] = {
    "blue": Behaviour(),
    "green": Behaviour(error_ratio=0.001, median=0.07, p95=0.21),
}


class Behaviours:
    """Thread-safe version → Behaviour; versions nobody configured behave as the default."""

    def __init__(self, initial: Mapping[str, Behaviour] = DEFAULTS) -> None:
        self._lock = threading.Lock()
        self._by_version = dict(initial)

    def get(self, version: str) -> Behaviour:
        with self._lock:
            return self._by_version.get(version) or Behaviour()

    def set(self, version: str, **knobs: float | bool | int) -> Behaviour:
        """Change some knobs of one version (unknown knob → TypeError, bad value → ValueError)."""
        with self._lock:
            current = self._by_version.get(version) or Behaviour()
            changed = dataclasses.replace(current, **knobs)
            self._by_version[version] = changed
            return changed
