"""Simulated users: requests, SSE clients and the pods' resource use, tick by tick.

Requests are not sent over HTTP; each one is drawn from its version's behaviour and
recorded into the chosen pod's metrics, which is what the pod's /metrics then serves.
Time is compressible: the clock's `speed` simulated seconds pass per second of it, so a
pod sees `rate · speed` requests per clock second, and SSE clients move between versions
`speed` times faster. CPU time accrues per clock second (as a scraper measures it), so
rate() of the CPU counter reads plausible cores at any speed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from cockpit.sim.background import Background
from cockpit.sim.clock import Clock, resolve
from cockpit.sim.service.behaviour import Behaviour, Behaviours
from cockpit.sim.service.fleet import FleetView
from cockpit.sim.service.pod import ErpPod
from cockpit.sim.service.resources import ResourceDrift

#: simulated seconds for SSE clients to move most of the way (1 - 1/e) to where traffic goes
SSE_SETTLE = 20.0


class TrafficGenerator(Background):
    """Calls `step` every `tick` seconds of its clock once started; tests may call it directly."""

    def __init__(
        self,
        view: Callable[[], FleetView],
        behaviours: Behaviours,
        *,
        rate: float,
        speed: float | None = None,
        seed: int = 0,
        tick: float = 0.1,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(resolve(clock, speed))
        self.view, self.behaviours = view, behaviours
        self.rate, self.seed, self.tick = rate, seed, tick
        self._rng = random.Random(seed)
        self._carry = 0.0  # a fraction of a request left over from the last tick
        self._sse: dict[str, float] = {}  # version → simulated clients holding streams on it
        self._resources: dict[str, tuple[ResourceDrift, random.Random]] = {}
        self._last = 0.0

    @property
    def speed(self) -> float:
        return self.clock.speed

    def _start(self) -> None:
        self._last = self.clock.monotonic()
        self._every("erp-sim-traffic", self.tick, self._tick)

    def _tick(self) -> None:
        now = self.clock.monotonic()
        self.step(now - self._last)
        self._last = now

    def step(self, real_dt: float) -> None:
        """Advance by `real_dt` seconds of the clock (`real_dt · speed` simulated)."""
        view = self.view()
        sim_dt = real_dt * self.speed
        behaviours = {pod.version: self.behaviours.get(pod.version) for pod in view.pods}
        for pod in view.pods:  # also catches a pod started while a scenario changed `down`
            pod.down = behaviours[pod.version].down
        self._requests(view, behaviours, sim_dt)
        self._streams(view, behaviours, sim_dt)
        self._use_resources(view, sim_dt, real_dt)

    def _requests(self, view: FleetView, behaviours: dict[str, Behaviour], sim_dt: float) -> None:
        due = self._carry + self.rate * sim_dt
        count = int(due)
        self._carry = due - count
        if not view.routable:
            self._carry = 0.0  # nobody to serve them: dropped at the Service, as with no endpoints
            return
        for _ in range(count):
            pod = self._rng.choice(view.routable)
            pod.metrics.observe(*behaviours[pod.version].request(self._rng))

    def _streams(self, view: FleetView, behaviours: dict[str, Behaviour], sim_dt: float) -> None:
        """Clients reconnect towards the versions the Service sends traffic to."""
        serving = {pod.version for pod in view.routable}
        pull = 1.0 - math.exp(-sim_dt / SSE_SETTLE)
        for version in self._sse.keys() - behaviours.keys():  # no pods left: streams broke
            self._sse[version] = 0.0
        for version, behaviour in behaviours.items():
            target = behaviour.sse_clients if version in serving else 0
            current = self._sse.setdefault(version, target)  # a version starts settled
            holders = [p for p in view.pods if p.version == version and p.ready and not p.down]
            current = current + (target - current) * pull if holders else 0.0
            self._sse[version] = current
            share, extra = divmod(round(current), len(holders) or 1)
            for i, pod in enumerate(holders):
                pod.metrics.set_simulated_streams(share + (i < extra))
            for pod in view.pods:
                if pod.version == version and pod not in holders:
                    pod.metrics.set_simulated_streams(0)

    def _use_resources(self, view: FleetView, sim_dt: float, real_dt: float) -> None:
        names = {pod.name for pod in view.pods}
        self._resources = {k: v for k, v in self._resources.items() if k in names}
        for pod in view.pods:
            drift, rng = self._resources.get(pod.name) or self._new_drift(pod)
            drift.step(sim_dt, rng)
            pod.metrics.set_resources(drift.memory_bytes, drift.cpu_cores * real_dt)

    def _new_drift(self, pod: ErpPod) -> tuple[ResourceDrift, random.Random]:
        rng = random.Random(f"{self.seed}:{pod.name}")
        self._resources[pod.name] = entry = (ResourceDrift.start(rng), rng)
        return entry
