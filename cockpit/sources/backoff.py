"""The one retry schedule of every source: how long a loop waits after failures in a row.

A Kubernetes list or watch that failed and a source loop that crashed (`supervisor`) wait
`RETRY.first` seconds, twice that after the next failure in a row, and so on up to
`RETRY.cap`; each wait is drawn within ±`jitter` of its step, so the cockpits of a team
whose API server came back do not all ask again in the same instant. After a success a
loop takes fresh `delays()`, so its next failure waits the least again (a supervised
loop has no success short of its end). A loop waits on its stop event
(`threading.Event.wait`), so a stop wakes it at once.

Our own, not tenacity (or stamina, built on it): tenacity retries a call until it
succeeds, while these loops run for the cockpit's life and only reset on success; and
when its sleep returns early because the stop event was set, tenacity runs the next
attempt before it asks `stop_when_event_set`, so a stop would send one more request
instead of ending the loop. Its jitters are also absolute (`wait_exponential_jitter`)
or full (`wait_random_exponential`), not proportional to the step.

Polled sources (Prometheus, HTTP probes, PostgreSQL, the window lock) have no wait after
a failure of their own: their next poll is the retry, at the cadence their data needs
(and a lease must be renewed within its duration, however often it failed).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """The schedule's bounds (tests shrink them, or set `jitter` to 0 to read exact waits,
    rather than sleep through them)."""

    first: float = 0.5  # seconds after the first failure, doubling …
    cap: float = 30.0  # … up to this
    jitter: float = 0.2  # each wait within ±20 % of its step

    def delays(self, draw: Callable[[], float] = random.random) -> Iterator[float]:
        """The waits after the first, second, … failure in a row; `draw` returns [0, 1)."""
        step = self.first
        while True:
            yield step * (1 - self.jitter + 2 * self.jitter * draw())
            step = min(step * 2, self.cap)


RETRY = Backoff()
