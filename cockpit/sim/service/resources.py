"""A pod's memory and CPU as cAdvisor would report them: bounded random walks.

Memory drifts between 300 and 600 MiB and CPU use between 0.1 and 0.5 cores, each pulled
gently back towards the middle so a long demo does not sit on a bound.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

MIB = 1024 * 1024
MEMORY_RANGE = (300 * MIB, 600 * MIB)
CPU_RANGE = (0.1, 0.5)  # cores


def _walk(value: float, bounds: tuple[float, float], dt: float, rng: random.Random) -> float:
    """One step of a walk whose spread grows with √dt and that drifts back 1 % per second."""
    low, high = bounds
    spread = (high - low) * 0.01 * dt**0.5
    value += rng.gauss(0.0, spread) + ((low + high) / 2 - value) * min(1.0, 0.01 * dt)
    return min(high, max(low, value))


@dataclass
class ResourceDrift:
    """Where one pod's working set and CPU use stand; `step` moves them by `dt` seconds."""

    memory_bytes: float
    cpu_cores: float

    @classmethod
    def start(cls, rng: random.Random) -> ResourceDrift:
        return cls(rng.uniform(*MEMORY_RANGE), rng.uniform(*CPU_RANGE))

    def step(self, dt: float, rng: random.Random) -> None:
        dt = max(dt, 0.0)
        self.memory_bytes = _walk(self.memory_bytes, MEMORY_RANGE, dt, rng)
        self.cpu_cores = _walk(self.cpu_cores, CPU_RANGE, dt, rng)
