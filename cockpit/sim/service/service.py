"""The simulated VALEO ERP as a whole: pods that follow the emulator, traffic, behaviours.

This is what `cockpit demo` and `cockpit sim` hold: start it beside a `SimCluster`, point a
Prometheus (real or `SimulatedPrometheus`) at it, and let scenarios turn the knobs with
`set_behaviour` while the cockpit's cutover patches the Service in the emulator.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry

from cockpit.sim.background import Background
from cockpit.sim.clock import Clock, resolve
from cockpit.sim.kube.store import Obj, Store
from cockpit.sim.kube.valeo import APP, NAMESPACE, SERVICE
from cockpit.sim.service.behaviour import DEFAULTS, Behaviour, Behaviours
from cockpit.sim.service.fleet import Fleet
from cockpit.sim.service.pod import ErpPod
from cockpit.sim.service.traffic import TrafficGenerator


class ErpService(Background):
    """Start with `start()` or `with`; `stop()` joins every thread and closes every port.

    Traffic runs on `clock` (default: real time at `speed`); the pods follow the store."""

    def __init__(
        self,
        store: Store,
        *,
        namespace: str = NAMESPACE,
        service: str = SERVICE,
        app: str = APP,
        rate: float = 50.0,
        speed: float | None = None,
        seed: int = 0,
        tick: float = 0.1,
        sse_interval: float = 1.0,
        behaviours: Mapping[str, Behaviour] = DEFAULTS,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(resolve(clock, speed))
        self.namespace, self.service, self.app = namespace, service, app
        self.sse_interval = sse_interval
        self.behaviours = Behaviours(behaviours)
        self.fleet = Fleet(store, self._make_pod, namespace=namespace, service=service, app=app)
        self.traffic = TrafficGenerator(
            lambda: self.fleet.view,
            self.behaviours,
            rate=rate,
            seed=seed,
            tick=tick,
            clock=self.clock,
        )

    def _make_pod(self, obj: Obj) -> ErpPod:
        version = (obj["metadata"].get("labels") or {}).get("version", "")
        containers = obj["spec"].get("containers") or [{}]
        pod = ErpPod(
            obj["metadata"]["name"],
            namespace=self.namespace,
            service=self.service,
            version=version,
            container=containers[0].get("name") or self.app,
            sse_interval=self.sse_interval,
        )
        pod.down = self.behaviours.get(version).down
        return pod

    # running

    def _start(self) -> None:
        self._child(self.fleet)
        self._child(self.traffic)

    # what scenarios turn

    def set_behaviour(self, version: str, **knobs: float | bool | int) -> Behaviour:
        """e.g. `set_behaviour("green", error_ratio=0.08, p95=2.5)`; takes effect at once."""
        behaviour = self.behaviours.set(version, **knobs)
        for pod in self.fleet.view.pods:
            if pod.version == version:
                pod.down = behaviour.down
        return behaviour

    def behaviour(self, version: str) -> Behaviour:
        return self.behaviours.get(version)

    @property
    def rate(self) -> float:
        """Simulated requests per simulated second, across the pods the Service selects."""
        return self.traffic.rate

    @rate.setter
    def rate(self, value: float) -> None:
        self.traffic.rate = value

    # what others read

    def pods(self) -> dict[str, str]:
        """Running pod name → base URL of its server."""
        return {pod.name: pod.url for pod in self.fleet.view.pods}

    def targets(self) -> list[str]:
        """`host:port` of every pod, for a Prometheus scrape config."""
        return [f"127.0.0.1:{pod.port}" for pod in self.fleet.view.pods]

    def registries(self) -> dict[str, CollectorRegistry]:
        """Pod name → its metrics, for `SimulatedPrometheus` to sample in-process."""
        return {pod.name: pod.metrics.registry for pod in self.fleet.view.pods}
